"""PyTorch's memory formats: ``torch.contiguous_format``, ``torch.channels_last`` (NHWC
strides for an NCHW tensor), ``torch.channels_last_3d`` (NDHWC) and ``torch.preserve_format``.

A dlcore tensor's buffer is a NumPy array, which can hold any of these layouts: a channels-last
tensor keeps its logical NCHW shape over memory laid out as NHWC (``x.stride()`` reads
``(H*W*C, 1, W*C, C)`` as PyTorch's).  ``x.contiguous(memory_format=)``,
``x.clone(memory_format=)``, ``x.to(memory_format=)``, ``x.is_contiguous(memory_format=)`` and
the ``*_like`` functions' ``memory_format=`` take them (the kernels read any strides).
"""

from __future__ import annotations

import numpy as np


class memory_format:
    """``torch.memory_format``: how a dense tensor lays out its elements in memory."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

#: the axis order whose C layout a format is, and the rank it needs
_ORDERS = {channels_last: ((0, 2, 3, 1), 4), channels_last_3d: ((0, 2, 3, 4, 1), 5)}


def check(fmt, op: str):
    """``fmt`` (None: contiguous_format) or PyTorch's TypeError."""
    if fmt is None:
        return contiguous_format
    if type(fmt) is not memory_format:
        raise TypeError(f"{op}(): argument 'memory_format' must be torch.memory_format, not "
                        f"{type(fmt).__name__}")
    return fmt


def _order(fmt, ndim: int) -> tuple | None:
    """The axis order of ``fmt``'s layout for a tensor of rank ``ndim`` (None: C order);
    PyTorch's RuntimeError for a channels-last format on another rank."""
    spec = _ORDERS.get(fmt)
    if spec is None:
        return None
    order, rank = spec
    if ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt._name} format")
    return order


def is_in(buf, fmt) -> bool:
    """Whether ``buf`` is laid out as ``fmt`` (``is_contiguous(memory_format=fmt)``)."""
    if fmt is preserve_format:
        return False
    if not isinstance(buf, np.ndarray):
        return fmt is contiguous_format
    spec = _ORDERS.get(fmt)
    if spec is None:
        return bool(buf.flags.c_contiguous)
    order, rank = spec
    return buf.ndim == rank and bool(buf.transpose(order).flags.c_contiguous)


def laid_out(buf: np.ndarray, fmt) -> np.ndarray:
    """A new array with ``buf``'s values laid out as ``fmt`` (a copy, always)."""
    order = _order(fmt, buf.ndim)
    if order is None:
        return np.array(buf, order="C", copy=True)
    back = tuple(int(i) for i in np.argsort(order))
    return np.array(buf.transpose(order), order="C", copy=True).transpose(back)


def empty(shape: tuple, dtype, fmt) -> np.ndarray:
    """``np.empty(shape, dtype)`` laid out as memory format ``fmt`` (``torch.empty``'s)."""
    fmt = check(fmt, "empty")
    if fmt is preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    order = _order(fmt, len(shape))
    if order is None:
        return np.empty(shape, dtype)
    back = tuple(int(i) for i in np.argsort(order))
    return np.empty(tuple(shape[i] for i in order), dtype).transpose(back)


def is_contiguous(self, memory_format=None) -> bool:
    """``Tensor.is_contiguous(memory_format=torch.contiguous_format)``."""
    b = self._buf
    if memory_format is None:
        return bool(b.flags.c_contiguous) if type(b) is np.ndarray else True
    return is_in(b, check(memory_format, "is_contiguous"))


def relaid(x, fmt, op: str, always: bool):
    """``x`` laid out as memory format ``fmt`` (a recorded copy, CloneBackward0; ``x`` itself
    when it already is and not ``always``), or None where ``fmt`` asks for nothing special
    (None, contiguous_format unless ``always``, preserve_format): the caller's own path."""
    fmt = check(fmt, op)
    if fmt is preserve_format or (fmt is contiguous_format and not always):
        return None
    b = x._buf
    if not isinstance(b, np.ndarray):
        return None                      # (a device buffer: its own layout)
    _order(fmt, b.ndim)
    if not always and is_in(b, fmt):
        return x
    from dlcore.ops.elementwise import identity_p

    from ._dispatch_finish import _finish
    return _finish(identity_p, (x,), {}, laid_out(b, fmt), x._rg)


def follow(input, out):
    """``out`` laid out channels-last where ``input`` is and ``out`` is not (PyTorch's
    batch_norm, avg_pool and interpolate keep a channels-last input's layout), else ``out``."""
    b = input._buf
    if type(b) is not np.ndarray or b.ndim not in (4, 5) or b.flags.c_contiguous:
        return out
    fmt = channels_last if b.ndim == 4 else channels_last_3d
    ob = out._buf
    if not is_in(b, fmt) or type(ob) is not np.ndarray or is_in(ob, fmt) or ob.ndim != b.ndim:
        return out
    if getattr(out, "_view", None) is not None or out._node is None and out._rg:
        return relaid(out, fmt, "contiguous", False)     # (not a fresh result: a copy)
    # a fresh result: its buffer relaid in place (same values, no node; its grad_fn stays
    # the op's own, as PyTorch's NativeBatchNormBackward0, AvgPool2DBackward0 ...)
    out._buf = laid_out(ob, fmt)
    return out


def like_order(input, fmt, op: str) -> tuple | None:
    """The axis order a ``*_like(input, memory_format=fmt)`` result is laid out in (None: C
    order): PyTorch's default ``preserve_format`` keeps a channels-last input's layout."""
    fmt = preserve_format if fmt is None else check(fmt, op)
    b = input._buf
    if not isinstance(b, np.ndarray) or fmt is contiguous_format:
        return None
    if fmt is preserve_format:
        if b.flags.c_contiguous:
            return None
        for f in (channels_last, channels_last_3d):
            if is_in(b, f):
                return _ORDERS[f][0]
        return dense_order(b)
    return _order(fmt, b.ndim)


def dense_order(b: np.ndarray) -> tuple | None:
    """The axis order (outermost first) of a non-overlapping and dense ``b`` laid out in a
    permutation of its axes (a transpose: PyTorch's preserve_format keeps its strides), or None
    (C order: overlapping, gaps, negative strides, empty)."""
    st, sh = b.strides, b.shape
    if not b.size or min(st, default=0) < 0:
        return None
    order = sorted(range(b.ndim), key=lambda i: (-st[i], i))
    step = b.itemsize
    for i in reversed(order):
        if sh[i] != 1:
            if st[i] != step:
                return None
            step *= sh[i]
    return tuple(order)


def made_like(make, input, order: tuple, requires_grad: bool):
    """``make(*shape)`` of ``input``'s shape laid out in axis ``order``: made in that order (a
    random fill draws in memory order, as PyTorch's) and viewed back."""
    shape = tuple(input._buf.shape[i] for i in order)
    t = make(*shape)
    back = tuple(int(i) for i in np.argsort(order))
    out = type(t)._wrap(t._buf.transpose(back))
    return out.requires_grad_(True) if requires_grad else out
