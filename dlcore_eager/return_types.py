"""``torch.return_types``: the named pairs PyTorch's ``max``/``min``/``sort``/``topk``/
``kthvalue``/``mode``/``median``/``nanmedian``/``cummax``/``cummin`` (with a dim) return.

PyTorch gives each op its own result type (``type(torch.max(x, 0)).__name__ == 'max'``,
module ``torch.return_types``), all with the fields ``values`` and ``indices``; code that
prints, checks or dispatches on the result's type sees the same names here.  They are
tuples (``v, i = torch.sort(x)``, ``r[0]``, ``r.values``), like PyTorch's.
"""

from __future__ import annotations

import sys
from collections import namedtuple

__all__ = ["aminmax", "cummax", "cummin", "kthvalue", "max", "median", "min", "mode",
           "nanmedian", "sort", "structseq", "topk", "values_indices"]


def _structseq_repr(self) -> str:
    """PyTorch's structseq repr: ``torch.return_types.max(\nvalues=...,\nindices=...)``."""
    body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
    return f"torch.return_types.{type(self).__name__}(\n{body})"


def structseq(name: str, fields):
    """A named tuple type ``name`` printed as PyTorch prints its torch.return_types (each
    field on its own line); its module is the caller's, as ``namedtuple``'s."""
    t = namedtuple(name, fields)  # type: ignore[misc]  # one type per op
    t.__module__ = sys._getframe(1).f_globals.get("__name__", __name__)
    t.__repr__ = _structseq_repr  # type: ignore[method-assign]
    return t


def _pair(name: str):
    return structseq(name, ["values", "indices"])


max = _pair("max")
min = _pair("min")
sort = _pair("sort")
topk = _pair("topk")
kthvalue = _pair("kthvalue")
mode = _pair("mode")
median = _pair("median")
nanmedian = _pair("nanmedian")
cummax = _pair("cummax")
cummin = _pair("cummin")
aminmax = structseq("aminmax", ["min", "max"])

_BY_NAME = {t.__name__: t for t in (max, min, sort, topk, kthvalue, mode, median, nanmedian,
                                     cummax, cummin)}


def values_indices(name: str, values, indices):
    """The ``(values, indices)`` result of the op ``name`` as PyTorch's type for it (an op
    without its own type here, ``values_indices``)."""
    return _BY_NAME.get(name, _values_indices)(values, indices)


_values_indices = structseq("values_indices", ["values", "indices"])
