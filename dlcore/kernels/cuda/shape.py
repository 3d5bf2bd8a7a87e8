"""CUDA shape kernels: ``transpose``, ``reshape``, ``broadcast_to``, ``expand_dims``,
``squeeze`` and ``concatenate``.

What is a view and what is a copy on the device:

* ``reshape``, ``reshape_like``, ``expand_dims`` and ``squeeze`` of a C-contiguous buffer are
  zero-copy views (numba.cuda device arrays support reshaping contiguous data).  A strided input is
  first copied to a contiguous buffer.
* ``transpose``, ``broadcast_to``/``broadcast_like`` and ``concatenate`` **copy** into a new
  contiguous buffer with the strided-copy kernel of ``_kernels.py``.  On the CPU ``broadcast_to``
  is a zero-copy view; on the device the copy keeps every buffer that kernels receive contiguous,
  and the elementwise kernels never need it: they read a broadcast operand in place (stride 0), so
  a bias add does not go through ``broadcast_to`` at all.

numba.cuda is imported on first use only.
"""

from __future__ import annotations

from . import _support as S
from .elementwise import contiguous, flat


def strided_copy_into(dst_flat, dbase: int, dstrides, src_flat, sbase: int, sstrides,
                      shape) -> None:
    """Launch the strided copy of a region of ``shape`` (nothing when the region is empty)."""
    n = S.size_of(shape)
    if n == 0:
        return
    # Fewer, longer dimensions: less index arithmetic per element.
    shape, (dstrides, sstrides) = S.merge_dims(shape, dstrides, sstrides)
    from ._kernels import strided_copy
    blocks, threads = S.launch_1d(n)
    S.fast(strided_copy)[blocks, threads](dst_flat, int(dbase), S.as_tuple(dstrides, 0),
                                          src_flat, int(sbase), S.as_tuple(sstrides, 0),
                                          S.as_tuple(shape, 1), n)


def gather(x, out_shape, base: int, strides):
    """A new contiguous buffer of ``out_shape`` whose i-th element is ``x_flat[base + offset]``."""
    out_shape = tuple(int(d) for d in out_shape)
    n = S.size_of(out_shape)
    out = S.empty((n,), x.dtype)
    if n and S.size_of(x.shape):
        strided_copy_into(out, 0, S.c_strides(out_shape), flat(x), base, strides, out_shape)
    return S.view_as(out, out_shape)


# ----------------------------------------------------------------------------- transpose
def transpose(x, *, perm):
    """Copy: out[..., i_k, ...] = x[..., i_perm^-1 ...], reading x through permuted strides."""
    strides = S.c_strides(x.shape)
    out_shape = tuple(x.shape[p] for p in perm)
    return gather(x, out_shape, 0, tuple(strides[p] for p in perm))


# ----------------------------------------------------------------------------- reshapes (views)
def _resolve(shape, size: int) -> tuple:
    shape = tuple(int(d) for d in shape)
    if -1 in shape:
        known = S.size_of(d for d in shape if d != -1)
        shape = tuple(size // known if d == -1 else d for d in shape)
    return shape


def reshape(x, *, shape):
    """A zero-copy view when x is contiguous (a contiguous copy first otherwise)."""
    shape = _resolve(shape, S.size_of(x.shape))
    x = contiguous(x)
    return x if tuple(x.shape) == shape else x.reshape(shape)


def reshape_like(x, ref):
    return reshape(x, shape=tuple(ref.shape))


def reshape_dynamic(x, shape, *, known):
    """The target shape is a small device vector: copied to the host (a few bytes), checked,
    then a view as :func:`reshape`."""
    from ..cpu.shape import check_dynamic_shape
    dims = shape.copy_to_host() if hasattr(shape, "copy_to_host") else shape
    return reshape(x, shape=check_dynamic_shape(S.size_of(x.shape), dims, known))


def expand_dims(x, *, axes):
    shape = list(x.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return reshape(x, shape=tuple(shape))


def squeeze(x, *, axes):
    return reshape(x, shape=tuple(d for i, d in enumerate(x.shape) if i not in axes))


# ----------------------------------------------------------------------------- broadcasting
def broadcast_strides(in_shape, out_shape) -> tuple[int, ...]:
    """Strides (in elements) that read a contiguous ``in_shape`` buffer as ``out_shape``:
    0 on the leading dimensions it lacks and on the size-1 dimensions it is broadcast along."""
    in_shape = tuple(in_shape)
    lead = len(out_shape) - len(in_shape)
    own = S.c_strides(in_shape)
    return tuple(0 if d < lead or in_shape[d - lead] == 1 else own[d - lead]
                 for d in range(len(out_shape)))


def broadcast_to(x, *, shape):
    """Copy: materialises x broadcast to ``shape`` (see the module docstring for why)."""
    shape = tuple(int(d) for d in shape)
    return gather(x, shape, 0, broadcast_strides(x.shape, shape))


def broadcast_like(x, ref):
    return broadcast_to(x, shape=tuple(ref.shape))


# ----------------------------------------------------------------------------- concatenate
def concatenate(*xs, axis):
    """Copy each input into its slab of the output: one strided copy per input."""
    shapes = [tuple(x.shape) for x in xs]
    dims = list(shapes[0])
    dims[axis] = sum(s[axis] for s in shapes)
    out_shape = tuple(dims)
    n = S.size_of(out_shape)
    out = S.empty((n,), xs[0].dtype)
    if n:
        ostrides = S.c_strides(out_shape)
        start = 0
        for x, shape in zip(xs, shapes):
            if S.size_of(shape):
                strided_copy_into(out, start * ostrides[axis], ostrides, flat(x), 0,
                                  S.c_strides(shape), shape)
            start += shape[axis]
    return S.view_as(out, out_shape)


def stack(*xs, axis):
    """The inputs viewed with the new axis (zero-copy reshapes of contiguous buffers), then
    one strided copy each into the output (``concatenate``)."""
    shape = tuple(xs[0].shape)
    view = shape[:axis] + (1,) + shape[axis:]
    return concatenate(*[reshape(x, shape=view) for x in xs], axis=axis)


def pad_constant(x, *, pairs, value):
    """Fill a new buffer with ``value``, then copy ``x`` into its middle (one strided copy)."""
    shape = tuple(int(n) for n in x.shape)
    out_shape = tuple(n + lo + hi for n, (lo, hi) in zip(shape, pairs))
    out = S.empty((S.size_of(out_shape),), x.dtype)
    from .inplace import fill
    fill(out, value)
    if S.size_of(shape):
        ostrides = S.c_strides(out_shape)
        base = sum(lo * s for (lo, _), s in zip(pairs, ostrides))
        strided_copy_into(out, base, ostrides, flat(x), 0, S.c_strides(shape), shape)
    return S.view_as(out, out_shape)


def tri(x, *, k, lower):
    """The lower (``lower``) or upper triangle from diagonal ``k`` of x's last two axes."""
    shape = tuple(int(n) for n in x.shape)
    n = S.size_of(shape)
    out = S.empty((n,), x.dtype)
    if n:
        from ._kernels import tri as kernel
        blocks, threads = S.launch_1d(n)
        S.fast(kernel)[blocks, threads](out, flat(x), shape[-2], shape[-1], int(k),
                                        bool(lower), n)
    return S.view_as(out, shape)
