"""PyTorch's matrix products (``matmul``, ``mm``, ``bmm``, ``dot``, ``outer``) and their
error messages, moved out of ``_tensor_ops`` (which re-exports them: ``O.matmul`` and
``from ._tensor_ops import matmul`` keep working).  The values and gradients come from
``dlcore.ops.linalg``; what is added here is PyTorch's checks and grad_fn names."""

from __future__ import annotations

import builtins

import numpy as np

from dlcore import ops as _ops
from dlcore.errors import ShapeError
from dlcore.ops import linalg as _la
from dlcore.registry import bind

from . import _dtype as D
from ._dispatch import EagerFrontend
from ._graph import labelled
from ._tensor_ops import _operands, mul_
from .tensor import Tensor

_apply = EagerFrontend.apply
_ndarray = np.ndarray


_TORCH_DTYPE_NAMES = D.C_TYPE_NAMES


def check_same_dtype(a, b) -> None:
    """PyTorch's refusal of matrix operands of two dtypes (matmul, mm, linear: no promotion)."""
    da, db = a._buf.dtype, b._buf.dtype
    if da != db:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_TORCH_DTYPE_NAMES.get(da.name, da.name)} != "
                           f"{_TORCH_DTYPE_NAMES.get(db.name, db.name)}")


def _check_matmul(a, b) -> None:
    """PyTorch's matmul checks: one dtype (no promotion), and the inner sizes of 2-d operands."""
    check_same_dtype(a, b)
    sa, sb = a._buf.shape, b._buf.shape
    if len(sa) >= 2 and len(sb) == 2 and sa[-1] != sb[0]:
        rows = int(np.prod(sa[:-1]))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{sa[-1]} and "
                           f"{sb[0]}x{sb[1]})")
    if len(sa) == 1 and len(sb) == 1 and sa[0] != sb[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src "
                           f"[{sb[0]}] to have the same number of elements, but got {sa[0]} and "
                           f"{sb[0]} elements respectively")
    if len(sa) == 1 and len(sb) == 2 and sa[0] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{sa[0]} and "
                           f"{sb[0]}x{sb[1]})")
    if len(sa) >= 2 and len(sb) == 1 and sa[-1] != sb[0]:
        rows = int(np.prod(sa[:-1]))
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), vec "
                           f"({sb[0]})")
    if len(sb) >= 3 or (len(sa) >= 3 and len(sb) >= 2):
        _check_batched(sa, sb)


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


def matmul(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        ba, bb = a._buf, b._buf
        if type(ba) is _ndarray and type(bb) is _ndarray and ba.dtype is bb.dtype and \
                ba.ndim >= 2 and bb.ndim >= 2 and ba.shape[-1] == bb.shape[-2]:
            # two CPU matrices (or stacks) of one dtype whose inner sizes agree: what the
            # checks, _operands and bind below come to (4x4 @ 4x4: 11.3 -> 8 us)
            try:
                return _apply(_la.matmul_p, (a, b), {})
            except ShapeError:                  # batch dimensions that do not broadcast
                _check_matmul(a, b)
                raise
    if isinstance(a, Tensor) and isinstance(b, Tensor) and (
            a._buf.dtype != b._buf.dtype or a._buf.shape[-1:] != b._buf.shape[-2:-1]
            if b._buf.ndim >= 2 else a._buf.dtype != b._buf.dtype or a._buf.ndim == 1 or
            a._buf.shape[-1:] != b._buf.shape):
        _check_matmul(a, b)
    a, b = _operands(a, b)
    if a.ndim == 1 or b.ndim == 1:
        na, nb = a.ndim, b.ndim         # PyTorch's grad_fn for each pair of ranks
        return labelled(_la.dot(a, b), "DotBackward0" if na == nb else "MvBackward0" if na == 2
                        else "SqueezeBackward4" if na == 1 and nb == 2 else "UnsafeViewBackward0",
                        a, b)
    return bind(_la.matmul_p, a, b)


def mm(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        sa, sb = a._buf.shape, b._buf.shape      # (no Size objects: dispatch cost)
    else:
        sa, sb = tuple(a.shape), tuple(b.shape)
    if len(sa) != 2:
        raise RuntimeError("self must be a matrix")
    if len(sb) != 2:
        raise RuntimeError("mat2 must be a matrix")
    if sa[1] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x"
                           f"{sa[1]} and {sb[0]}x{sb[1]})")
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)) or a._buf.dtype is not b._buf.dtype:
        a, b = _operands(a, b)
    return _apply(_la.matmul_p, (a, b), {})


def bmm(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    sa, sb = a.shape, b.shape
    if sa[0] != sb[0] or sa[2] != sb[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{sa[0]}, {sa[2]}] but got: [{sb[0]}, {sb[1]}].")
    return labelled(matmul(a, b), "BmmBackward0", a, b)


def dot(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return labelled(_la.dot(*_operands(a, b)), "DotBackward0", a, b)


def outer(a, b):
    for name, v in (("self", a), ("vec2", b)):
        if getattr(v, "ndim", 1) != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return mul_(_ops.expand_dims(a, 1), _ops.expand_dims(b, 0))
