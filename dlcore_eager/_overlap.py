"""PyTorch's partial-overlap error (ATen's ``assert_no_partial_overlap``): an in-place op,
an ``out=`` or a basic-index write whose written tensor and an operand share memory other than
exactly (``x.sub_(x[0, 0])``, ``x[1:] += x[:-1]``, ``x.add_(x.t())``, ``x[1:] = x[:-1]``,
``torch.add(x[:-1], 1, out=x[1:])``) is refused before anything is written; an exact alias
(``x.add_(x)``) and a layout too hard to compare (``x.add_(x[:, 0])``) go ahead, as in
PyTorch.  Used by ``_inplace_ops``, ``_api_install``, ``_methods``, ``_long_tail_ops``,
``_indexing`` and ``_out``."""

from __future__ import annotations

import numpy as np

from .tensor import Tensor

_ndarray = np.ndarray


ERR_PARTIAL_OVERLAP = ("unsupported operation: some elements of the input tensor and the "
                       "written-to tensor refer to a single memory location. Please clone() "
                       "the tensor before performing the operation.")


def check_no_partial_overlap(self, operands) -> None:
    """PyTorch's ``assert_no_partial_overlap`` of an in-place op's written tensor and each
    tensor among ``operands``: a RuntimeError where they share memory other than exactly
    (``x.sub_(x[0, 0])``, ``x[1:] += x[:-1]``, ``x.add_(x.t())``, ``x[1:].copy_(x[:-1])``;
    ``x.add_(x)`` is fine), before anything is written.  As ATen's ``get_overlap_status``, only
    two non-overlapping dense layouts are compared (their byte ranges, and the strides where
    the ranges are equal); anything else is "too hard" and goes ahead (``x.add_(x[:, 0])``).
    Arrays of two distinct owners of memory (NumPy's ``base`` of a view) share none: a few
    attribute reads where no view of one array is involved (``w.sub_(g, alpha=lr)``)."""
    b = self._buf
    for a in operands:
        if isinstance(a, Tensor) and _may_alias(b, a._buf) and _partial_overlap(b, a._buf):
            raise RuntimeError(ERR_PARTIAL_OVERLAP)


def check_view_write(b, key, value) -> None:
    """``x[key] = value`` (a basic key; ``b`` x's buffer): PyTorch's ``copy_`` into the key's
    view, with its overlap check (``x[1:] = x[:-1]``)."""
    if not isinstance(value, Tensor):
        return
    ob = value._buf
    if _may_alias(b, ob):
        try:
            view = b[key]
        except Exception:  # noqa: BLE001 - the write's own error follows
            return
        # (an element's key makes a NumPy scalar: one element overlaps fully or not at all)
        if (type(view) is _ndarray or hasattr(view, "copy_to_host")) and \
                _partial_overlap(view, ob):
            raise RuntimeError(ERR_PARTIAL_OVERLAP)


def _may_alias(b, ob) -> bool:
    """Whether two buffers of one device (NumPy arrays, or CUDA device arrays) may share
    memory other than being one array; buffers of anything else never compared."""
    if ob is b:
        return False
    if type(b) is _ndarray and type(ob) is _ndarray:
        return _may_share(b, ob)
    return hasattr(b, "copy_to_host") and hasattr(ob, "copy_to_host")


def _may_share(b, ob) -> bool:
    """Whether two arrays may share memory: not when each is, or is a view of, a distinct
    owner; else NumPy's bounds test."""
    rb, ro = b.base, ob.base
    if rb is None and ro is None:
        return False
    if rb is None:
        rb = b
    if ro is None:
        ro = ob
    if ro is not rb and type(rb) is _ndarray and rb.base is None and \
            type(ro) is _ndarray and ro.base is None:
        return False
    return np.may_share_memory(ob, b)


def _dense(a) -> bool:
    """ATen's ``is_non_overlapping_and_dense``: the dimensions of size above 1, ordered by
    stride, each step the bytes of the ones below (a permutation of a contiguous layout)."""
    if type(a) is _ndarray and (a.flags.c_contiguous or a.flags.f_contiguous):
        return True
    expected = a.dtype.itemsize
    for stride, size in sorted((st, n) for st, n in zip(a.strides, a.shape) if n != 1):
        if stride != expected:
            return False
        expected *= size
    return True


def _address(a) -> int:
    """The first element's address: a NumPy array's, a CUDA device array's (the simulator's:
    its NumPy array's)."""
    core = a if type(a) is _ndarray else getattr(a, "_ary", None)
    if core is not None:
        return core.__array_interface__["data"][0]
    return a.device_ctypes_pointer.value or 0


def _partial_overlap(a, b) -> bool:
    """ATen's ``get_overlap_status(a, b) == Partial`` for two CPU or two CUDA buffers."""
    if not a.size or not b.size or not _dense(a) or not _dense(b):
        return False
    a0, b0 = _address(a), _address(b)
    a1 = a0 + a.size * a.dtype.itemsize
    b1 = b0 + b.size * b.dtype.itemsize
    if a0 == b0 and a1 == b1:
        return tuple(a.strides) != tuple(b.strides)
    return a0 < b1 and b0 < a1
