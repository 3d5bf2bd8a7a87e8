"""Numba loops behind :mod:`dlcore.kernels.cpu.grid_sample` (imported on first use): 2-D
``grid_sample`` and its two gradients on flat C-ordered ``x (N, C, H, W)``, ``grid (N, P, 2)``
and ``g (N, C, P)`` (P = Ho Wo points), one point after another, the coordinates of
:mod:`dlcore.kernels._grid_sample_scalar`.  ``k`` holds the constants in the operands' dtype:
1, W, H, the reflection's (lo, span) along x then y, and the unnormalising scales along x and y.

:func:`loops` compiles the three loops once per (mode, padding mode), both constants in the
code: with the padding mode a run-time value LLVM computed the reflection's remainders at every
point of every mode (if-converted branches: 20 ns a coordinate, a 4x slower sample).  The loops
are closures over the two ints alone, and pass them to the module-level helpers: ``_point``,
inlined into them (Numba's IR), and ``_coord``, a jitted call LLVM inlines with the constant
(inlined by Numba instead, the 'zeros' loops ran 1.5-1.8x slower: 87 -> 138 us a sample).
Numba keys a closure's disk-cache entry by its pickled cells; helpers held in cells pickled with
a per-process identity, so every process compiled the loops again (7-8 s of CPU for all
eighteen, idle) and appended one more entry to the cache's index.

Bilinear, as PyTorch's CPU kernel: the cell's corner (x0, y0) = floor of the coordinates,
w = x - x0, e = 1 - w, n = y - y0, s = 1 - n; weights nw = s e, ne = s w, sw = n e, se = n w;
a corner outside the image reads 0; out = nw v_nw + ne v_ne + sw v_sw + se v_se.  Nearest:
the pixel at rint of the coordinates (half to even), 0 outside; its grid gradient is 0."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from numba import njit

from .. import _grid_sample_scalar as S
from .runtime import configure_threads

configure_threads()

_jit = njit(cache=True, nogil=True)
_inline = njit(cache=True, nogil=True, inline="always")
_reflect = _jit(S.reflect)
_clip = _jit(S.clip)
_LOOPS: dict = {}


@_jit
def _read4(x, at, w, i_nw, i_ne, i_sw, i_se, zero):
    """The cell's four corners of a flat plane from ``x[at]`` (rows ``w`` apart), 0 outside."""
    return (x[at] if i_nw else zero, x[at + 1] if i_ne else zero,
            x[at + w] if i_sw else zero, x[at + w + 1] if i_se else zero)


def loops(mode: int, pad: int) -> SimpleNamespace:
    """``forward``, ``grad_input`` and ``grad_grid`` for ``mode`` (0 bilinear, 1 nearest) and
    ``pad`` (0 zeros, 1 border, 2 reflection)."""
    got = _LOOPS.get((mode, pad))
    if got is None:
        got = _LOOPS[(mode, pad)] = _make(mode, pad)
    return got


@_jit
def _coord(g, sizef, lo, span, s, align, one, t, pad):
    """The coordinate and d coordinate / d g; without align_corners ``(g + 1) s - 1/2``
    rounded once, as PyTorch's fused multiply-subtract: a float32 product is exact in
    float64, and the store into ``t`` (an array of the dtype) rounds."""
    if align:
        i = (g + one) * s
    else:
        t[0] = (g + one) * 1.0 * s - 0.5
        i = t[0]
    m = s
    if pad == 2:
        i, m = _reflect(i, m, lo, span, one)
    if pad >= 1:
        i, m = _clip(i, m, sizef, one)
    return i, m


@_inline
def _point(grid, q, k, align, t, mode, pad):
    """Point ``q``'s corner pixel (flat offset in a plane, or the nearest pixel's), the
    weights or the inside flag, and the coordinates' factors (bilinear's ``ok`` flags:
    & and |, not and/or, whose branches cost 12 ns a point)."""
    one = k[0]
    zero = one - one
    x, mx = _coord(grid[2 * q], k[1], k[3], k[4], k[7], align, one, t, pad)
    y, my = _coord(grid[2 * q + 1], k[2], k[5], k[6], k[8], align, one, t, pad)
    w = int(k[1])
    if mode == 1:
        rx = np.rint(x)
        ry = np.rint(y)
        inside = (rx > -one) & (rx < k[1]) & (ry > -one) & (ry < k[2])
        base = int(ry if inside else zero) * w + int(rx if inside else zero)
        return base, inside, False, False, False, zero, zero, zero, zero, mx, my
    x0 = np.floor(x)
    y0 = np.floor(y)
    okx0 = (x0 > -one) & (x0 < k[1])
    okx1 = (x0 > -one - one) & (x0 < k[1] - one)
    oky0 = (y0 > -one) & (y0 < k[2])
    oky1 = (y0 > -one - one) & (y0 < k[2] - one)
    base = int(y0 if oky0 | oky1 else zero) * w + int(x0 if okx0 | okx1 else zero)
    dw = x - x0
    dn = y - y0
    return (base, oky0 & okx0, oky0 & okx1, oky1 & okx0, oky1 & okx1,
            dw, one - dw, dn, one - dn, mx, my)


def _make(mode: int, pad: int) -> SimpleNamespace:
    @_jit
    def forward(x, grid, out, k, align, nb, nc, hw, npts):
        t = np.empty(1, k.dtype)
        zero = k[0] - k[0]
        w = int(k[1])
        for n in range(nb):
            for p in range(npts):
                (b, i_nw, i_ne, i_sw, i_se, dw, de, dn, ds, _, _) = _point(
                    grid, n * npts + p, k, align, t, mode, pad)
                for c in range(nc):
                    plane = (n * nc + c) * hw + b
                    if mode == 1:
                        out[(n * nc + c) * npts + p] = x[plane] if i_nw else zero
                        continue
                    v_nw, v_ne, v_sw, v_se = _read4(x, plane, w, i_nw, i_ne, i_sw, i_se, zero)
                    out[(n * nc + c) * npts + p] = (v_nw * (ds * de) + v_ne * (ds * dw)
                                                    + v_sw * (dn * de) + v_se * (dn * dw))

    @_jit
    def grad_input(g, grid, dx, k, align, nb, nc, hw, npts):
        """dx (zeroed by the caller) += each point's cotangent times its corners' weights."""
        t = np.empty(1, k.dtype)
        w = int(k[1])
        for n in range(nb):
            for p in range(npts):
                (b, i_nw, i_ne, i_sw, i_se, dw, de, dn, ds, _, _) = _point(
                    grid, n * npts + p, k, align, t, mode, pad)
                for c in range(nc):
                    plane = (n * nc + c) * hw + b
                    gv = g[(n * nc + c) * npts + p]
                    if mode == 1:
                        if i_nw:
                            dx[plane] += gv
                        continue
                    if i_nw:
                        dx[plane] += gv * (ds * de)
                    if i_ne:
                        dx[plane + 1] += gv * (ds * dw)
                    if i_sw:
                        dx[plane + w] += gv * (dn * de)
                    if i_se:
                        dx[plane + w + 1] += gv * (dn * dw)

    @_jit
    def grad_grid(g, x, grid, dgrid, k, align, nb, nc, hw, npts):
        """d grid: per point, the sum over channels of g times the slope of the interpolation
        along x and along y, times the coordinates' factors (nearest: 0)."""
        t = np.empty(1, k.dtype)
        zero = k[0] - k[0]
        w = int(k[1])
        for n in range(nb):
            for p in range(npts):
                q = n * npts + p
                if mode == 1:
                    dgrid[2 * q] = zero
                    dgrid[2 * q + 1] = zero
                    continue
                (b, i_nw, i_ne, i_sw, i_se, dw, de, dn, ds, mx, my) = _point(
                    grid, q, k, align, t, mode, pad)
                gx = zero
                gy = zero
                for c in range(nc):
                    plane = (n * nc + c) * hw + b
                    gv = g[(n * nc + c) * npts + p]
                    v_nw, v_ne, v_sw, v_se = _read4(x, plane, w, i_nw, i_ne, i_sw, i_se, zero)
                    gx = gx + ((v_ne - v_nw) * ds + (v_se - v_sw) * dn) * gv
                    gy = gy + ((v_sw - v_nw) * de + (v_se - v_ne) * dw) * gv
                dgrid[2 * q] = gx * mx
                dgrid[2 * q + 1] = gy * my

    return SimpleNamespace(forward=forward, grad_input=grad_input, grad_grid=grad_grid)
