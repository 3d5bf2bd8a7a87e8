"""``torch.cat`` and ``torch.stack``'s general entries (the lane's two-tensor entries,
``_lane_joins``, sit in front of them): PyTorch's argument checks and errors, its result dtype
over all the tensors, and its legacy rule for ``cat``: a 1-d empty tensor (``torch.zeros(0)``,
the usual empty accumulator) is skipped whatever the others' rank, so ``cat([x, zeros(0)], 1)``
is ``x``'s values (its gradient an empty one, as PyTorch's)."""

from __future__ import annotations

from dlcore import ops as _ops

from ._arg_checks import type_name as _type_name
from ._dims import wrap_dim
from ._dtype import from_numpy_dtype, promote_tensors
from ._graph import labelled
from .tensor import Tensor


def _skipped(t: Tensor) -> bool:
    """PyTorch's ``cat_should_skip_tensor``: a 1-d tensor of size 0."""
    return t.ndim == 1 and t._buf.shape[0] == 0


def cat(tensors, dim: int = 0) -> Tensor:
    if isinstance(tensors, Tensor):     # (its rows were concatenated: cat(x, dim=1) gave x)
        raise TypeError("cat(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    _check_elements(tensors)
    for k, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {k}) cannot be "
                               "concatenated")
    kept = [t for t in tensors if not _skipped(t)]
    if not kept:                        # (all 1-d and empty: an empty result, dim unchecked)
        tensors = _promoted(tensors)
        return labelled(_ops.concatenate(tensors, axis=0), "CatBackward0", *tensors)
    ref = kept[0]
    d = wrap_dim(dim, ref.ndim)
    for k, t in enumerate(tensors):
        if t is ref or _skipped(t):
            continue
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} "
                               f"and {t.ndim}")
        for i, (a, b) in enumerate(zip(ref.shape, t.shape)):
            if i != d and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {a} but got size {b} for tensor number {k} "
                                   "in the list.")
    given = tensors                     # (next_functions shows them, not their casts)
    tensors = _promoted(tensors)
    if len(kept) == len(tensors):
        return labelled(_ops.concatenate(tensors, axis=d), "CatBackward0", *tensors,
                        edges=given)
    # a skipped tensor joins as an empty block of the others' shape (no values; its gradient
    # the empty one)
    empty = tuple(0 if i == d else n for i, n in enumerate(ref.shape))
    pieces = [_ops.reshape(t, empty) if _skipped(t) else t for t in tensors]
    return labelled(_ops.concatenate(pieces, axis=d), "CatBackward0", *tensors, edges=given)


def _check_elements(tensors: list) -> None:
    """PyTorch's TypeError for a list entry that is not a Tensor (cat, stack)."""
    for k, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 0, but got "
                            f"{_type_name(t)}")


def _promoted(tensors: list) -> list:
    """``tensors`` in PyTorch's result_type of them all (cat and stack: float32 with int64 is
    float32, not NumPy's float64)."""
    want = tensors[0]._buf.dtype
    for t in tensors[1:]:
        want = promote_tensors(want, True, t._buf.dtype, True)
    return [t if t._buf.dtype == want else t.to(from_numpy_dtype(want)) for t in tensors]


concat = cat
concatenate = cat


def stack(tensors, dim: int = 0) -> Tensor:
    if isinstance(tensors, Tensor):     # (its rows were stacked)
        raise TypeError("stack(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    _check_elements(tensors)
    wrap_dim(dim, tensors[0].ndim + 1)     # (PyTorch's IndexError first, before the shapes)
    first = tuple(tensors[0].shape)
    for k, t in enumerate(tensors):
        if tuple(t.shape) != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(first)} at entry 0 and {list(t.shape)} at entry {k}")
    given = tensors
    tensors = _promoted(tensors)
    return labelled(_ops.stack(tensors, axis=dim), "StackBackward0", *tensors, edges=given)
