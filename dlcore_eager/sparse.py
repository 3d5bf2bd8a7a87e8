"""``torch.sparse``: operations on sparse COO tensors (see ``dlcore_eager._sparse``).

``mm(sparse, dense)`` (also ``torch.spmm``, ``torch.mm``, ``sparse @ dense``) gives a dense
result differentiable in the dense argument; ``addmm(mat, sparse, dense, beta, alpha)`` is
``beta * mat + alpha * mm(sparse, dense)``; ``sum(sparse)`` is a dense scalar, ``sum(sparse,
dim)`` a sparse tensor over the remaining dimensions, as PyTorch returns them.
"""

from __future__ import annotations

from ._sparse import SparseTensor, spmm
from .tensor import Tensor


def mm(mat1: SparseTensor, mat2: Tensor) -> Tensor:
    """``sparse @ dense``, dense (PyTorch's ``torch.sparse.mm``)."""
    if not isinstance(mat1, SparseTensor):
        from . import mm as _mm
        return _mm(mat1, mat2)
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


__all__ = ["addmm", "mm", "sum"]
