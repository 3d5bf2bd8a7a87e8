"""``torch.sparse``: operations on sparse COO tensors (see ``dlcore_eager._sparse``).

``mm(sparse, dense)`` (also ``torch.spmm``, ``torch.mm``, ``torch.matmul``, ``sparse @ dense``)
gives a dense result, differentiable in the dense argument (``dd = S^T g``), computed as a SciPy
CSR product (duplicate entries summed); ``addmm(mat, sparse, dense, beta, alpha)`` is
``beta * mat + alpha * mm(sparse, dense)``; ``sum(sparse)`` is a dense scalar, ``sum(sparse,
dim)`` a sparse tensor over the remaining dimensions, as PyTorch returns them.
"""

from __future__ import annotations

import copy

import numpy as np

from . import _dtype as D
from . import _sparse
from ._sparse import SparseTensor
from .autograd import Function
from .tensor import Tensor


def _csr(s: SparseTensor, transpose: bool = False):
    """``s`` (or its transpose) as a SciPy CSR matrix, duplicate entries summed.

    The matrix is kept on the tensor's storage with what its indices give (the order that sorts
    the entries by row and column, and where each run of equal positions starts) and reused while
    the indices are unchanged, so a graph network's adjacency is converted once: building it
    through ``coo_matrix(...).tocsr()`` at each product was 45% of the GCN tutorial's CPU (SciPy's
    checks, 140 us a call).  The values are read afresh every call (``s._values()`` shares them
    and may be edited in place), the indices compared with the kept copy (an edit in place
    rebuilds)."""
    b = s._buf
    form = b.csr.get(transpose)
    if form is None or form[0].shape != b.indices.shape or \
            not np.array_equal(form[0], b.indices):
        form = b.csr[transpose] = _csr_form(b, transpose)
    m = copy.copy(form[3])              # (the kept one unchanged: another thread may use it)
    v = b.values[form[1]]
    m.data = v if form[2] is None else np.add.reduceat(v, form[2])
    return m


def _csr_form(b, transpose: bool) -> tuple:
    import scipy.sparse as sp
    rows, cols = (b.indices[1], b.indices[0]) if transpose else (b.indices[0], b.indices[1])
    shape = b.shape[::-1] if transpose else b.shape
    order = np.lexsort((cols, rows))                    # by row, then column; stable
    r, c = rows[order], cols[order]
    new = np.ones(len(order), bool)
    new[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    starts = None if new.all() else np.flatnonzero(new)       # (never for no entries)
    if starts is not None:
        r, c = r[starts], c[starts]
    indptr = np.searchsorted(r, np.arange(shape[0] + 1))
    m = sp.csr_matrix((np.zeros(len(r), b.values.dtype), c, indptr), shape=shape)
    return b.indices.copy(), order, starts, m


class _SparseMM(Function):
    @staticmethod
    def forward(ctx, s, dense):
        ctx.s = s
        out = _csr(s) @ np.asarray(dense.detach().cpu()._buf)
        return Tensor._wrap(np.ascontiguousarray(out, dtype=s._buf.dtype))

    @staticmethod
    def backward(ctx, g):
        gd = _csr(ctx.s, transpose=True) @ np.asarray(g.detach().cpu()._buf)
        return None, Tensor._wrap(np.ascontiguousarray(gd, dtype=ctx.s._buf.dtype))


def spmm(s: SparseTensor, d: Tensor) -> Tensor:
    """``sparse @ dense`` as a dense tensor (``torch.spmm``)."""
    b = s._buf
    if len(b.shape) != 2 or b.indices.shape[0] != 2:
        raise RuntimeError(f"sparse.mm: expected a 2-D sparse matrix, got size {list(b.shape)}")
    if d.ndim != 2 or d.shape[0] != b.shape[1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({b.shape[0]}x"
                           f"{b.shape[1]} and {'x'.join(str(n) for n in d.shape)})")
    if d._buf.dtype != b.dtype:
        raise RuntimeError(f"expected mat1 and mat2 to have the same dtype, but got: "
                           f"{D.from_numpy_dtype(b.dtype)} != {d.dtype}")
    return _SparseMM.apply(s, d)


_sparse.MATMUL[:] = [spmm]


def mm(mat1: SparseTensor, mat2: Tensor) -> Tensor:
    """``sparse @ dense``, dense (PyTorch's ``torch.sparse.mm``; dense operands: ``torch.mm``)."""
    if not isinstance(mat1, SparseTensor):
        from ._signatures import mm as dense_mm
        return dense_mm(mat1, mat2)
    return spmm(mat1, mat2)


def addmm(mat: Tensor, mat1: SparseTensor, mat2: Tensor, *, beta: float = 1.0,
          alpha: float = 1.0) -> Tensor:
    """``beta * mat + alpha * (mat1 @ mat2)`` with ``mat1`` sparse."""
    return mat * beta + spmm(mat1, mat2) * alpha


def sum(input: SparseTensor, dim=None, dtype=None):
    """The sum of every entry (a dense 0-d tensor) or over ``dim`` (a sparse tensor)."""
    if not isinstance(input, SparseTensor):
        raise TypeError("torch.sparse.sum expects a sparse tensor")
    dense = input.to_dense()
    if dtype is not None:
        dense = dense.to(dtype)
    if dim is None:
        return dense.sum()
    return dense.sum(dim).to_sparse()


__all__ = ["addmm", "mm", "spmm", "sum"]
