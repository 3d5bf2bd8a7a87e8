"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.grid_sample` (imported on first use): 2-D
``grid_sample`` and its gradients, one thread per sampled point (a grid-stride loop over
N Ho Wo), the channels in a loop; the coordinates of :mod:`dlcore.kernels._grid_sample_scalar`
(without align_corners unnormalised with ``cuda.fma``: one rounding, as on the CPU).  ``k`` is
the CPU kernel's constants (:func:`dlcore.kernels.cpu.grid_sample.constants`) as scalars of the
operands' dtype; the input gradient adds with ``cuda.atomic.add`` (points share pixels)."""

from __future__ import annotations

from numba import cuda

from .. import _grid_sample_scalar as S

_reflect = cuda.jit(device=True)(S.reflect)
_clip = cuda.jit(device=True)(S.clip)
_rint = cuda.jit(device=True)(S.rint)


@cuda.jit(device=True)
def _read4(x, n, c, yi, xi, i_nw, i_ne, i_sw, i_se, zero):
    """The cell's four corners in plane (n, c), 0 outside."""
    return (x[n, c, yi, xi] if i_nw else zero, x[n, c, yi, xi + 1] if i_ne else zero,
            x[n, c, yi + 1, xi] if i_sw else zero, x[n, c, yi + 1, xi + 1] if i_se else zero)


@cuda.jit(device=True)
def _coord(g, sizef, lo, span, s, pad, align, one):
    if align:
        i = (g + one) * s
    else:
        i = cuda.fma(g + one, s, -(one / (one + one)))
    m = s
    if pad == 2:
        i, m = _reflect(i, m, lo, span, one)
    if pad >= 1:
        i, m = _clip(i, m, sizef, one)
    return i, m


@cuda.jit(device=True)
def _cell(gx, gy, one, wf, hf, lox, spx, loy, spy, sx, sy, pad, align):
    x, mx = _coord(gx, wf, lox, spx, sx, pad, align, one)
    y, my = _coord(gy, hf, loy, spy, sy, pad, align, one)
    x0 = x // one
    y0 = y // one
    okx0 = x0 > -one and x0 < wf
    okx1 = x0 > -one - one and x0 < wf - one
    oky0 = y0 > -one and y0 < hf
    oky1 = y0 > -one - one and y0 < hf - one
    xi = int(x0) if (okx0 or okx1) else 0
    yi = int(y0) if (oky0 or oky1) else 0
    dw = x - x0
    dn = y - y0
    return (mx, my, xi, yi, dw, one - dw, dn, one - dn,
            oky0 and okx0, oky0 and okx1, oky1 and okx0, oky1 and okx1)


@cuda.jit(device=True)
def _nearest(gx, gy, one, wf, hf, lox, spx, loy, spy, sx, sy, pad, align):
    x, _ = _coord(gx, wf, lox, spx, sx, pad, align, one)
    y, _ = _coord(gy, hf, loy, spy, sy, pad, align, one)
    rx = _rint(x, one)
    ry = _rint(y, one)
    if rx > -one and rx < wf and ry > -one and ry < hf:
        return int(rx), int(ry), True
    return 0, 0, False


@cuda.jit
def forward(x, grid, out, one, wf, hf, lox, spx, loy, spy, sx, sy, mode, pad, align):
    nb, nc = x.shape[0], x.shape[1]
    ho, wo = grid.shape[1], grid.shape[2]
    zero = one - one
    for p in range(cuda.grid(1), nb * ho * wo, cuda.gridsize(1)):
        n, r = p // (ho * wo), p % (ho * wo)
        h, w = r // wo, r % wo
        gx, gy = grid[n, h, w, 0], grid[n, h, w, 1]
        if mode == 1:
            xi, yi, inside = _nearest(gx, gy, one, wf, hf, lox, spx, loy, spy, sx, sy, pad,
                                      align)
            for c in range(nc):
                out[n, c, h, w] = x[n, c, yi, xi] if inside else zero
            continue
        (_, _, xi, yi, dw, de, dn, ds, i_nw, i_ne, i_sw, i_se) = _cell(
            gx, gy, one, wf, hf, lox, spx, loy, spy, sx, sy, pad, align)
        for c in range(nc):
            v_nw, v_ne, v_sw, v_se = _read4(x, n, c, yi, xi, i_nw, i_ne, i_sw, i_se, zero)
            out[n, c, h, w] = (v_nw * (ds * de) + v_ne * (ds * dw)
                               + v_sw * (dn * de) + v_se * (dn * dw))


@cuda.jit
def grad_input(g, grid, dx, one, wf, hf, lox, spx, loy, spy, sx, sy, mode, pad, align):
    nb, nc = g.shape[0], g.shape[1]
    ho, wo = grid.shape[1], grid.shape[2]
    for p in range(cuda.grid(1), nb * ho * wo, cuda.gridsize(1)):
        n, r = p // (ho * wo), p % (ho * wo)
        h, w = r // wo, r % wo
        gx, gy = grid[n, h, w, 0], grid[n, h, w, 1]
        if mode == 1:
            xi, yi, inside = _nearest(gx, gy, one, wf, hf, lox, spx, loy, spy, sx, sy, pad,
                                      align)
            if inside:
                for c in range(nc):
                    cuda.atomic.add(dx, (n, c, yi, xi), g[n, c, h, w])
            continue
        (_, _, xi, yi, dw, de, dn, ds, i_nw, i_ne, i_sw, i_se) = _cell(
            gx, gy, one, wf, hf, lox, spx, loy, spy, sx, sy, pad, align)
        for c in range(nc):
            gv = g[n, c, h, w]
            if i_nw:
                cuda.atomic.add(dx, (n, c, yi, xi), gv * (ds * de))
            if i_ne:
                cuda.atomic.add(dx, (n, c, yi, xi + 1), gv * (ds * dw))
            if i_sw:
                cuda.atomic.add(dx, (n, c, yi + 1, xi), gv * (dn * de))
            if i_se:
                cuda.atomic.add(dx, (n, c, yi + 1, xi + 1), gv * (dn * dw))


@cuda.jit
def grad_grid(g, x, grid, dgrid, one, wf, hf, lox, spx, loy, spy, sx, sy, mode, pad, align):
    nb, nc = x.shape[0], x.shape[1]
    ho, wo = grid.shape[1], grid.shape[2]
    zero = one - one
    for p in range(cuda.grid(1), nb * ho * wo, cuda.gridsize(1)):
        n, r = p // (ho * wo), p % (ho * wo)
        h, w = r // wo, r % wo
        if mode == 1:
            dgrid[n, h, w, 0] = zero
            dgrid[n, h, w, 1] = zero
            continue
        (mx, my, xi, yi, dw, de, dn, ds, i_nw, i_ne, i_sw, i_se) = _cell(
            grid[n, h, w, 0], grid[n, h, w, 1], one, wf, hf, lox, spx, loy, spy, sx, sy, pad,
            align)
        gx = zero
        gy = zero
        for c in range(nc):
            gv = g[n, c, h, w]
            v_nw, v_ne, v_sw, v_se = _read4(x, n, c, yi, xi, i_nw, i_ne, i_sw, i_se, zero)
            gx = gx + ((v_ne - v_nw) * ds + (v_se - v_sw) * dn) * gv
            gy = gy + ((v_sw - v_nw) * de + (v_se - v_ne) * dw) * gv
        dgrid[n, h, w, 0] = gx * mx
        dgrid[n, h, w, 1] = gy * my
