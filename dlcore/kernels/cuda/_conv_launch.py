"""Host helpers shared by the 2-D and 3-D convolution/pooling kernels (``conv.py``,
``conv3d.py``): a zero-filled device array and a grid-stride launch over ``total`` elements."""

from __future__ import annotations

from . import _support as S


def zeros(shape, dtype):
    """A fresh device array of ``shape`` filled with zeros (the scatter kernels add into it)."""
    out = S.empty(shape, dtype)
    n = S.size_of(shape)
    if n:
        from ._kernels import fill
        blocks, threads = S.launch_1d(n)
        S.fast(fill)[blocks, threads](out.reshape((n,)), S.scalar_of(0, dtype), n)
    return out


def launch(kernel, total, *args):
    """``kernel[blocks, threads](*args, total)``, one thread per element (none when empty)."""
    if total:
        blocks, threads = S.launch_1d(total)
        S.fast(kernel)[blocks, threads](*args, total)
