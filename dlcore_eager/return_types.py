"""``torch.return_types``: the named pairs PyTorch's ``max``/``min``/``sort``/``topk``/
``kthvalue``/``mode``/``median``/``nanmedian``/``cummax``/``cummin`` (with a dim) return.

PyTorch gives each op its own result type (``type(torch.max(x, 0)).__name__ == 'max'``,
module ``torch.return_types``), all with the fields ``values`` and ``indices``; code that
prints, checks or dispatches on the result's type sees the same names here.  They are
tuples (``v, i = torch.sort(x)``, ``r[0]``, ``r.values``), like PyTorch's.
"""

from __future__ import annotations

from collections import namedtuple

__all__ = ["cummax", "cummin", "kthvalue", "max", "median", "min", "mode", "nanmedian", "sort",
           "topk", "values_indices"]


def _pair(name: str):
    t = namedtuple(name, ["values", "indices"])  # type: ignore[misc]  # one type per op
    t.__module__ = __name__
    return t


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

_BY_NAME = {t.__name__: t for t in (max, min, sort, topk, kthvalue, mode, median, nanmedian,
                                     cummax, cummin)}


def values_indices(name: str, values, indices):
    """The ``(values, indices)`` result of the op ``name`` as PyTorch's type for it (an op
    without its own type here, ``values_indices``)."""
    return _BY_NAME.get(name, _values_indices)(values, indices)


_values_indices = namedtuple("values_indices", ["values", "indices"])  # type: ignore[name-match]
