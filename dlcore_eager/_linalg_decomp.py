"""PyTorch's functions for dlcore's decompositions (``dlcore.ops.decompositions``): the
``linalg`` convention of :mod:`dlcore_eager._api` picks the function for each public name here
(and adds ``out=`` to the functions).

``torch.linalg.svd`` (``full_matrices=True`` by default, ``(U, S, Vh)``) and ``torch.svd``
(``some=True``, ``(U, S, V)``) are one op with two spellings; ``torch.linalg.inv``,
``torch.inverse`` and ``Tensor.inverse`` another.  Integer input is refused with PyTorch's
RuntimeError (the core's shape rule raises a TypeError, TensorFlow's error for it).
"""

from __future__ import annotations

from dlcore import ops as _ops

from ._linalg_solve import _float
from ._operand_rules import torch_errors
from ._out import write_out
from .return_types import structseq
from .tensor import Tensor

linalg_svd = structseq("linalg_svd", ["U", "S", "Vh"])
svd_result = structseq("svd", ["U", "S", "V"])  # torch's repr: svd(U=..)


def inv(A):
    """``torch.linalg.inv``: the inverse of each square matrix."""
    return _ops.inv(_float(A, "linalg.inv"))


def inverse(input):  # noqa: A002 - PyTorch's name
    return _ops.inv(_float(input, "linalg.inv"))


def tensor_inverse(self):
    return _ops.inv(_float(self, "linalg.inv"))


def linalg_svd_fn(A, full_matrices: bool = True, *, driver=None):
    """``torch.linalg.svd``: ``(U, S, Vh)`` with ``A = U diag(S) Vh``."""
    return linalg_svd(*_ops.svd(_float(A, "linalg.svd"), full_matrices))


def svd(input, some: bool = True, compute_uv: bool = True):  # noqa: A002
    """``torch.svd`` (deprecated in PyTorch, still used): ``(U, S, V)``, ``V = Vh^T``;
    ``compute_uv=False``: U and V are zeros (m x m and n x n)."""
    x = _float(input, "linalg.svd")
    if not compute_uv:
        m, n = x.shape[-2:]
        batch = tuple(x.shape[:-2])
        result = (x.new_zeros(batch + (m, m)), _ops.svdvals(x), x.new_zeros(batch + (n, n)))
    else:
        u, s, vh = _ops.svd(x, not some)
        result = (u, s, _ops.matrix_transpose(vh))
    return svd_result(*result)


def tensor_svd(self, some: bool = True, compute_uv: bool = True):
    return svd(self, some, compute_uv)


def svdvals(A, *, driver=None):
    """``torch.linalg.svdvals``: the singular values, descending."""
    return _ops.svdvals(_float(A, "linalg.svdvals"))


def matrix_norm(input, ord="fro", dim=(-2, -1), keepdim: bool = False, *,  # noqa: A002
                dtype=None):
    """``torch.linalg.matrix_norm``: 'fro', 'nuc', 1, -1, 2, -2, inf or -inf."""
    x = input._cast(dtype) if dtype is not None and isinstance(input, Tensor) else input
    x = _float(x, "linalg.matrix_norm")
    return _ops.matrix_norm(x, ord, dim, keepdim)


_FUNCTIONS = {
    ("inv", "torch.linalg", "inv"): inv,
    ("inv", "torch", "inverse"): inverse,
    ("inv", "Tensor", "inverse"): tensor_inverse,
    ("svd", "torch.linalg", "svd"): linalg_svd_fn,
    ("svd", "torch", "svd"): svd,
    ("svd", "Tensor", "svd"): tensor_svd,
    ("svdvals", "torch.linalg", "svdvals"): svdvals,
    ("matrix_norm", "torch.linalg", "matrix_norm"): matrix_norm,
}


def adapter(op: str, ns: str, name: str):
    """The function installed as ``ns.name`` for dlcore op ``op``."""
    from . import _linalg_ldl, _linalg_lu, _linalg_solve
    key = (op, ns, name)
    try:
        return _FUNCTIONS.get(key) or _linalg_solve._FUNCTIONS.get(key) or \
            _linalg_ldl.FUNCTIONS.get(key) or _linalg_lu._FUNCTIONS[key]
    except KeyError:
        raise NotImplementedError(f"dlcore_eager: no PyTorch adapter for {ns}.{name} "
                                  f"(op '{op}') in _linalg_decomp") from None


def convention(export, ns, name):
    """The ``linalg`` calling convention's adapter (inv, svd, svdvals, matrix_norm): PyTorch's
    functions here (torch.svd and torch.linalg.svd differ in defaults and results), with
    ``out=`` (a tuple of three for ``(U, S, Vh)``) for the module-level names."""
    fn = torch_errors(adapter(export.name, ns, name))   # (the core's ShapeError as PyTorch's)
    if ns in ("Tensor", "operator"):                # (methods take no out=)
        return fn

    def f(*a, out=None, **kw):
        result = fn(*a, **kw)
        if out is None:
            return result
        if isinstance(result, tuple):               # (U, S, Vh): out is a tuple of three
            for o, r in zip(out, result):
                write_out(r, o, name)
            return type(result)(*out)
        return write_out(result, out, name)
    f.__wrapped__ = fn  # type: ignore[attr-defined]  # inspect.signature shows fn's
    return f
