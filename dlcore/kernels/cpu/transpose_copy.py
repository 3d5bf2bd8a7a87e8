"""Transposing copies of float32 arrays (the layout changes around the channels-last
convolutions: NCHW <-> NHWC activations, filters to and from ``(KH, KW, C, O)``).

NumPy copies a transposed view element by element in the order of the result, reading the
source a whole row apart per element; when that stride is a multiple of 4 KiB (a filter's
``(O, C, 4, 4)`` rows of 64 channels) every read lands in the same cache set.  Measured (one
thread, medians of 7, us, NumPy -> :func:`permuted`, the forty-first session): the DCGAN
discriminator's filter (128, 64, 4, 4) to (4, 4, 64, 128) 476 -> 100 and its gradient back 299
-> 94, the MNIST example's activations (16, 32, 26, 26) to NHWC 185 -> 70 and (16, 24, 24, 64)
back to NCHW 421 -> 108, LeNet-sized (32, 3, 32, 32) to NHWC (three channels: no whole tile)
195 -> 132.  In a training step the copies' sources are mostly out of cache and the gain is
smaller: PyTorch's DCGAN step (32x32, batch 32) 82.6 -> 78.4 ms, its MNIST example (batch 16)
31.4 -> 30.1 ms (CPU time, medians of 7 interleaved rounds).  :func:`permuted` and
:func:`permuted_into` copy by 8 x 8
tiles through registers instead (``_jit_transpose``) wherever the copy is a batch of 2-D
transposes: the result's last axis is not the source's contiguous one, and at most two other
axes remain once the axes contiguous in both are merged.  Anything else, and arrays under
:data:`MIN_ELEMENTS`, is NumPy's copy: the same values either way (a copy does no
arithmetic).
"""

from __future__ import annotations

import numpy as np

from .layout import collapse_dims

#: Arrays of fewer elements are copied by NumPy (a kernel call's own cost is a few us).
MIN_ELEMENTS = 4096

_F32 = np.dtype(np.float32)
_PLANS: dict = {}
_jit = None


def kernel():
    """The tiled copy loop (``_jit_transpose.transpose_copy``), imported on first use."""
    global _jit
    if _jit is None:
        from ._jit_transpose import transpose_copy
        _jit = transpose_copy
    return _jit


def _c_strides(shape) -> tuple:
    out, acc = [], 1
    for d in reversed(shape):
        out.append(acc)
        acc *= d
    return tuple(reversed(out))


def plan(shape: tuple, s_strides: tuple, d_strides: tuple):
    """``(sb1, sb2, sr, db1, db2, ds, n1, n2, n_s, n_r)`` for :func:`_jit_transpose.
    transpose_copy` of a copy of ``shape`` from element strides ``s_strides`` to
    ``d_strides``, or None where it is not a batch of 2-D transposes with both inner strides
    1 (the planner's own rule; every stride must be positive)."""
    key = (shape, s_strides, d_strides)
    hit = _PLANS.get(key, False)
    if hit is not False:
        return hit
    res = None
    if all(s > 0 for s in s_strides) and all(s > 0 for s in d_strides):
        cshape, (ds_, ss_) = collapse_dims(shape, [d_strides, s_strides])
        n = len(cshape)
        if n >= 2 and ds_[-1] == 1 and ss_[-1] != 1 and ss_.count(1) == 1:
            k = ss_.index(1)                                # the source's contiguous axis
            batch = [i for i in range(n - 1) if i != k]
            if len(batch) <= 2:
                b = [(0, 0, 1)] * (2 - len(batch)) + [(ss_[i], ds_[i], cshape[i]) for i in batch]
                res = (b[0][0], b[1][0], ss_[-1], b[0][1], b[1][1], ds_[k],
                       b[0][2], b[1][2], cshape[k], cshape[-1])
    if len(_PLANS) < 1024:
        _PLANS[key] = res
    return res


def _flat(x: np.ndarray):
    """(x's buffer as a flat float32 array, x's first element's index in it), or None."""
    if x.flags.c_contiguous:
        return x.reshape(-1), 0
    base = x.base
    if type(base) is np.ndarray and base.dtype == _F32 and base.flags.c_contiguous:
        off, rem = divmod(x.ctypes.data - base.ctypes.data, 4)
        if not rem and off >= 0:
            return base.reshape(-1), off
    return None


def permuted_into(x: np.ndarray, perm: tuple, dst: np.ndarray) -> None:
    """``dst[...] = x.transpose(perm)`` for float32 ``x`` and ``dst`` (``dst`` may be a view,
    e.g. the inside of a zero-padded buffer)."""
    v = x.transpose(perm)
    if x.dtype == _F32 and dst.dtype == _F32 and x.size >= MIN_ELEMENTS and \
            v.shape == dst.shape:
        src, out = _flat(x), _flat(dst)
        if src is not None and out is not None:
            p = plan(v.shape, tuple(s >> 2 for s in v.strides),
                     tuple(s >> 2 for s in dst.strides))
            if p is not None:
                sb1, sb2, sr, db1, db2, ds, n1, n2, n_s, n_r = p
                kernel()(src[0], src[1], sb1, sb2, sr, out[0], out[1], db1, db2, ds,
                          n1, n2, n_s, n_r)
                return
    dst[...] = v


def permuted(x: np.ndarray, perm: tuple) -> np.ndarray:
    """``np.ascontiguousarray(x.transpose(perm))`` (``x`` itself when that is already
    C-contiguous), through the tiles where :func:`plan` takes the copy."""
    v = x.transpose(perm)
    if v.flags.c_contiguous:
        return v
    if x.dtype != _F32 or x.size < MIN_ELEMENTS:
        return np.ascontiguousarray(v)
    out = np.empty(v.shape, _F32)
    permuted_into(x, perm, out)
    return out
