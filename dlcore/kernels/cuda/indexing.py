"""CUDA indexing kernels: basic slicing (``getitem``), its scatter (``slice_scatter``),
functional assignment (``index_update``), ``one_hot`` and ``full_like``.

A basic index never needs per-element index arrays: it selects a *strided region* of the
tensor.  :func:`region` turns dlcore's canonical index (see ``dlcore.ops.indexing``: ints,
``None`` and ``('slice', start, stop, step)``) into a base offset, a shape and strides in
elements::

    x of shape (4, 5), C strides (5, 1);  x[1:4:2, 3]
      -> base = 1*5 + 3*1 = 8,  shape (2,),  strides (2*5,) = (10,)

An int index moves the base and drops the dimension, a slice scales the stride by its step (a
negative step gives a negative stride), ``None`` adds a dimension of size 1 and stride 0.  Then:

* ``getitem`` copies the region out (gather), so every result is a fresh contiguous buffer;
* ``slice_scatter`` fills zeros and copies the cotangent into the region;
* ``index_update`` copies ``x`` (a device-to-device memcpy) and copies the value into the region,
  reading a broadcast value with stride 0.

numba.cuda is imported on first use only.
"""

from __future__ import annotations

import numpy as np

from . import _support as S
from .elementwise import flat
from .shape import broadcast_strides, gather, strided_copy_into


def region(shape, idx) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """(base, region shape, region strides) selected by a canonical basic index."""
    strides = S.c_strides(shape)
    base, out_shape, out_strides, dim = 0, [], [], 0
    for i in idx:
        if i is None:
            out_shape.append(1)
            out_strides.append(0)
            continue
        n = int(shape[dim])
        if isinstance(i, tuple):
            start, stop, step = slice(*i[1:]).indices(n)
            length = len(range(start, stop, step))
            out_shape.append(length)
            out_strides.append(strides[dim] * step)
            if length:
                base += start * strides[dim]
        else:
            k = int(i)
            if not -n <= k < n:
                raise IndexError(f"dlcore: index {k} is out of bounds for axis {dim} with size {n}")
            base += (k % n) * strides[dim]
        dim += 1
    for d in range(dim, len(shape)):
        out_shape.append(int(shape[d]))
        out_strides.append(strides[d])
    return base, tuple(out_shape), tuple(out_strides)


def getitem(x, *, idx):
    """Copy the selected region out: y = x[idx]."""
    base, shape, strides = region(x.shape, idx)
    return gather(x, shape, base, strides)


def _filled(shape, dtype, value):
    shape = tuple(int(d) for d in shape)
    n = S.size_of(shape)
    out = S.empty((n,), dtype)
    if n:
        from ._kernels import fill
        blocks, threads = S.launch_1d(n)
        S.fast(fill)[blocks, threads](out, S.scalar_of(value, dtype), n)
    return out, shape


def slice_scatter(g, ref, *, idx):
    """y = zeros(ref.shape); y[idx] = g."""
    out, shape = _filled(ref.shape, g.dtype, 0)
    base, rshape, rstrides = region(shape, idx)
    if S.size_of(rshape):
        strided_copy_into(out, base, rstrides, flat(g), 0, broadcast_strides(g.shape, rshape),
                          rshape)
    return S.view_as(out, shape)


def index_update(x, v, *, idx):
    """y = copy of x; y[idx] = v (v broadcast to the region)."""
    shape = tuple(int(d) for d in x.shape)
    n = S.size_of(shape)
    out = S.empty((n,), x.dtype)
    if n == 0:
        return S.view_as(out, shape)
    out.copy_to_device(flat(x))           # device-to-device: no host copy
    base, rshape, rstrides = region(shape, idx)
    m = S.size_of(rshape)
    if m and S.is_host_scalar(v):
        # A Python scalar value (``x[idx] = 0``) is a kernel argument, not a buffer.
        from ._kernels import strided_fill
        mshape, (mstrides,) = S.merge_dims(rshape, rstrides)
        blocks, threads = S.launch_1d(m)
        S.fast(strided_fill)[blocks, threads](out, base, S.as_tuple(mstrides, 0),
                                      S.scalar_of(S.host_scalar_value(v), x.dtype),
                                      S.as_tuple(mshape, 1), m)
    elif m:
        v = S.device_operand(v)
        if len(v.shape) == 0:
            v = v.reshape((1,))
        strided_copy_into(out, base, rstrides, flat(v), 0, broadcast_strides(v.shape, rshape),
                          rshape)
    return S.view_as(out, shape)


def one_hot(x, *, depth, dtype):
    """y[..., k] = (x[...] == k), in ``dtype``; out-of-range indices give all zeros."""
    dtype = np.dtype(dtype)
    out_shape = tuple(int(d) for d in x.shape) + (int(depth),)
    n = S.size_of(out_shape)
    out = S.empty((n,), dtype)
    if n:
        from ._kernels import one_hot as kernel
        xf = flat(x.reshape((1,)) if len(x.shape) == 0 else x)
        blocks, threads = S.launch_1d(n)
        S.fast(kernel)[blocks, threads](out, xf, int(depth), n, S.scalar_of(1, dtype),
                                S.scalar_of(0, dtype))
    return S.view_as(out, out_shape)


def full_like(x, *, value, dtype):
    """y = full(x.shape, value) in ``dtype`` (x's dtype when None)."""
    out, shape = _filled(x.shape, np.dtype(dtype) if dtype is not None else x.dtype, value)
    return S.view_as(out, shape)


def concat_part(g, *xs, axis, index):
    """y = g[..., start:start + n, ...] along axis (a copy): start = the sizes of xs[:index],
    n = the size of xs[index]."""
    start = sum(int(x.shape[axis]) for x in xs[:index])
    n = int(xs[index].shape[axis])
    idx = (("slice", None, None, None),) * axis + (("slice", start, start + n, None),)
    return getitem(g, idx=idx)
