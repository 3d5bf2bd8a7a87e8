"""PyTorch's checks and error messages for matrix products (matmul, mm, linear): one dtype for
both operands (no promotion), inner sizes that agree, batch dimensions that broadcast.  Used by
``_tensor_ops``' matmul/mm and ``nn.functional.linear``; nothing here computes."""

from __future__ import annotations

import builtins

import numpy as np

from . import _dtype as D

_TORCH_DTYPE_NAMES = D.C_TYPE_NAMES


def check_same_dtype(a, b) -> None:
    """PyTorch's refusal of matrix operands of two dtypes (matmul, mm, linear: no promotion)."""
    da, db = a._buf.dtype, b._buf.dtype
    if da != db:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_TORCH_DTYPE_NAMES.get(da.name, da.name)} != "
                           f"{_TORCH_DTYPE_NAMES.get(db.name, db.name)}")


def check_vector_dtypes(a, b) -> None:
    """PyTorch's refusal of dot/vdot operands of two dtypes (no promotion)."""
    if a.dtype is not b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{a.dtype._legacy} and {b.dtype._legacy}")


def check_matmul(a, b) -> None:
    """PyTorch's matmul checks in its order: two vectors' dtypes (dot's words), else the sizes
    first (inner sizes, batch dimensions), then one dtype (no promotion) in the words of the
    kernel PyTorch calls: mm's for a matrix, addmv's for a vector, bmm's for a stack as
    ``b``."""
    sa, sb = a._buf.shape, b._buf.shape
    if not sa or not sb:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{len(sa)}D and {len(sb)}D")
    if len(sa) == 1 and len(sb) == 1:
        check_vector_dtypes(a, b)
        if sa[0] != sb[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src "
                               f"[{sb[0]}] to have the same number of elements, but got "
                               f"{sa[0]} and {sb[0]} elements respectively")
        return
    if len(sa) >= 2 and len(sb) == 2 and sa[-1] != sb[0]:
        rows = int(np.prod(sa[:-1]))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{sa[-1]} and "
                           f"{sb[0]}x{sb[1]})")
    if len(sa) == 1 and len(sb) == 2 and sa[0] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{sa[0]} and "
                           f"{sb[0]}x{sb[1]})")
    if len(sa) >= 2 and len(sb) == 1 and sa[-1] != sb[0]:
        rows = int(np.prod(sa[:-1]))
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), vec "
                           f"({sb[0]})")
    if len(sb) >= 3 or (len(sa) >= 3 and len(sb) >= 2):
        _check_batched(sa, sb)
    if a._buf.dtype != b._buf.dtype:
        if len(sb) >= 3:
            raise RuntimeError(f"expected scalar type {a.dtype._legacy} but found "
                               f"{b.dtype._legacy}")
        if len(sb) == 1:
            lb = b.dtype._legacy
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {lb}, "
                               f"{a.dtype._legacy}, and {lb}")
        check_same_dtype(a, b)


def _check_batched(sa, sb) -> None:
    """PyTorch's words for stacks of matrices that do not multiply: batch dimensions that do
    not broadcast, then inner sizes that differ (said of the folded bmm, as PyTorch does)."""
    ba, bb = sa[:-2], sb[:-2]
    nd = builtins.max(len(ba), len(bb))
    batch = []
    for i in range(nd):
        x = ba[i - nd + len(ba)] if i - nd + len(ba) >= 0 else 1
        y = bb[i - nd + len(bb)] if i - nd + len(bb) >= 0 else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
        batch.append(builtins.max(x, y))
    n = int(np.prod(batch)) if batch else 1
    if sa[-1] != sb[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{n}, {sa[-1]}] but got: [{n}, {sb[-2]}].")
