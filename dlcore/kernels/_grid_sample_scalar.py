"""The sampling coordinates of 2-D ``grid_sample`` (:mod:`dlcore.ops.grid_sample`), written once in
plain Python and compiled twice: with ``numba.njit`` for the CPU
(:mod:`dlcore.kernels.cpu._jit_grid_sample`) and ``numba.cuda.jit(device=True)`` for CUDA
(:mod:`dlcore.kernels.cuda._kernels_grid_sample`).

They are PyTorch's CPU grid sampler's (``GridSamplerKernel.cpp``'s ``ComputeLocation``, the
reflection of ``GridSampler.h``), with every constant in the operands' dtype (``one`` is a 1 of
that dtype; a literal ``1.0`` would make Numba compute a float32 sample in float64, and the cell a
coordinate falls in, so the grid's gradient, would then differ from PyTorch's on an identity
grid's exact pixel centres)::

    unnormalise   align_corners: i = (g + 1) s, s = (size - 1) / 2;  else i = (g + 1) s - 1/2,
                  s = size / 2, one rounding (PyTorch's build contracts it to a fused
                  multiply-subtract: the targets' own code, ``unnormalise``)   (d i / d g = s)
    'border'      i clipped to [0, size - 1]; factor 1 strictly inside, else 0 (NaN: kept, 1)
    'reflection'  i reflected about ``lo`` and ``lo + span`` (the corner pixels' centres with
                  align_corners, their outer edges without), factor -1 on odd flips; then
                  clipped as 'border'; a span of 0 (one pixel, align_corners): 0, factor 0

``x // one`` is ``floor(x)`` in the dtype (``math.floor`` gives an int; NumPy's ufuncs are not
in Numba's CUDA target).  The CPU compiles its loops once per padding mode, a constant there: a
run-time ``pad`` let LLVM compute the reflection's remainders at every point (if-converted
branches, 20 ns a coordinate).
"""

from __future__ import annotations


def reflect(i, m, lo, span, one):
    """``i`` (d i / d g = ``m``) reflected into [lo, lo + span] ('reflection'), and its factor."""
    zero = one - one
    if span == zero:
        return zero, zero
    d = i - lo
    if d < zero:
        m = -m
        d = -d
    extra = d % span                       # (d >= 0: fmod's value)
    if ((d / span) // one) % (one + one) == zero:
        return extra + lo, m
    return span - extra + lo, -m


def clip(i, m, sizef, one):
    """``i`` (d i / d g = ``m``) clipped to [0, size - 1] ('border', and 'reflection' after
    ``reflect``), and its factor: 0 at the border and beyond, NaN kept with ``m``."""
    zero = one - one
    top = sizef - one
    c = zero if i <= zero else i
    if c > top:
        c = top
    if c == zero or c == top:
        m = zero
    return c, m


def rint(v, one):
    """``v`` rounded to the nearest integer, half to even (``nearbyint``), in the dtype (CUDA's
    nearest mode; the CPU loops take ``np.rint``, a ufunc Numba's CUDA target lacks)."""
    half = one / (one + one)
    r = (v + half) // one
    if r - v == half and r % (one + one) != one - one:
        r = r - one
    return r
