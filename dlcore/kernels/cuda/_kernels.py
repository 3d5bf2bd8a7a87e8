"""The fixed (not generated) CUDA kernels: a strided copy, a fill, one_hot and a triangle.

This module imports numba.cuda at its top, so it is itself imported lazily, from inside the
kernel functions of ``shape.py`` and ``indexing.py``; ``import dlcore`` never loads it.

The strided copy
----------------
Many data-movement primitives are one kernel::

    for i in range(start, n, step):                  # grid-stride over the copied region
        dst[dbase + flat_offset(i, shape, dstrides)] = src[sbase + flat_offset(i, shape, sstrides)]

``shape`` is the region's shape; ``flat_offset`` turns the region's i-th element (C order) into an
offset in a flat buffer through strides counted in elements.  The primitives differ only in the
strides:

=============  ====================================  ========================================
primitive      source strides                        destination strides
=============  ====================================  ========================================
transpose      the input's strides, permuted         the output's (contiguous)
broadcast_to   the input's, 0 on broadcast dims      the output's
getitem        the input's times each slice's step   the output's
concatenate    each input's                          the output's, based at the input's offset
slice_scatter  the cotangent's                       the output's times each slice's step
index_update   the value's, 0 on broadcast dims      as slice_scatter
=============  ====================================  ========================================

Threads handle consecutive elements of the region, so whichever side is contiguous is accessed
coalesced (for ``transpose`` the writes; a shared-memory tiled transpose would make the reads
coalesced too, and is left for when it is measured to matter).
"""

from __future__ import annotations

from numba import cuda


@cuda.jit(device=True)
def flat_offset(i, shape, strides):
    """The element offset of the i-th item (C order over ``shape``) in a buffer with ``strides``."""
    off = 0
    for d in range(len(shape) - 1, -1, -1):
        n = shape[d]
        off += (i % n) * strides[d]
        i //= n
    return off


@cuda.jit(cache=True)
def strided_copy(dst, dbase, dstrides, src, sbase, sstrides, shape, n):
    """dst[region] = src[region]: both flat buffers, the region described by shape and strides."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        dst[dbase + flat_offset(i, shape, dstrides)] = src[sbase + flat_offset(i, shape, sstrides)]


@cuda.jit(cache=True)
def strided_fill(dst, dbase, dstrides, value, shape, n):
    """dst[region] = value: the strided copy with a scalar source."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        dst[dbase + flat_offset(i, shape, dstrides)] = value


@cuda.jit(cache=True)
def fill(out, value, n):
    """out[:] = value, on a flat buffer."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        out[i] = value


@cuda.jit(cache=True)
def one_hot(out, indices, depth, n, one, zero):
    """out[j, k] = (indices[j] == k), on flat buffers: out has n = len(indices) * depth items."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        j = i // depth
        k = i - j * depth
        out[i] = one if indices[j] == k else zero


@cuda.jit(cache=True)
def take_rows(out, x, indices, nrows, rowsize, n, err):
    """out[j, c] = x[indices[j], c] on flat buffers; a bad index sets err = (1, index)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, n, step):
        j = e // rowsize
        c = e - j * rowsize
        k = indices[j]
        if k < 0:
            k += nrows
        if k < 0 or k >= nrows:
            err[0] = 1                  # the host raises IndexError; out stays unwritten
            err[1] = indices[j]
        else:
            out[e] = x[k * rowsize + c]


@cuda.jit(cache=True)
def scatter_add_rows(out, v, indices, nrows, rowsize, n, err):
    """out[indices[j], c] += v[j, c] with atomic adds (repeated indices add up)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, n, step):
        j = e // rowsize
        c = e - j * rowsize
        k = indices[j]
        if k < 0:
            k += nrows
        if k < 0 or k >= nrows:
            err[0] = 1
            err[1] = indices[j]
        else:
            cuda.atomic.add(out, k * rowsize + c, v[e])


@cuda.jit(cache=True)
def scatter_or_rows(out, v, indices, nrows, rowsize, n, err):
    """The bool version of scatter_add (NumPy's add.at on bools is a logical or): only True is
    ever written, so concurrent writers agree and no atomic is needed."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, n, step):
        j = e // rowsize
        c = e - j * rowsize
        k = indices[j]
        if k < 0:
            k += nrows
        if k < 0 or k >= nrows:
            err[0] = 1
            err[1] = indices[j]
        elif v[e]:
            out[k * rowsize + c] = True


@cuda.jit(cache=True)
def tri(out, x, rows, cols, k, lower, n):
    """out = x on and below (``lower``) or on and above diagonal ``k`` of each matrix of the
    last two axes (``rows`` x ``cols``), 0 elsewhere; flat C-ordered buffers of n items."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        c = i % cols
        r = (i // cols) % rows
        if (c - r <= k) if lower else (c - r >= k):
            out[i] = x[i]
        else:
            out[i] = 0
