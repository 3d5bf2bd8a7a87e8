"""Spatial transformers: ``affine_grid`` and ``grid_sample`` (PyTorch's 2-D and 3-D forms).

    affine_grid(theta, (N, C, H, W))   grid[n, h, w] = theta[n] @ (x_w, y_h, 1): the pixel
        centres' normalised coordinates in [-1, 1] (``align_corners``: -1 and 1 are the corner
        pixels' centres; else their outer edges), one matmul with a constant (H W, 3) base
    grid_sample(x, grid)   out[n, c, h, w] = x[n, c] read at grid[n, h, w] = (gx, gy):
        ix = (gx + 1) / 2 (W - 1)  (align_corners)  or  ((gx + 1) W - 1) / 2, iy likewise
        bilinear: the four neighbours floor/floor + 1, weights (1 - fx, fx) x (1 - fy, fy);
        nearest: the neighbour at rint(ix), rint(iy) (half to even, as PyTorch)
        padding 'zeros': neighbours outside read 0; 'border': ix, iy clipped to the image;
        'reflection': ix, iy reflected at the border (about the corner centres with
        align_corners, about the outer edges without), then clipped
    3-D (5-D tensors): theta (N, 3, 4), grid (N, Do, Ho, Wo, 3) = (gx, gy, gz) addressing
        (W, H, D); trilinear reads the eight neighbours, weights the products of three factors

2-D sampling of float32/float64 is three primitives (issue 19: the composite below was about 60
ops a call, the spatial transformer tutorial 1.36x PyTorch; with them 1.09-1.11x)::

    grid_sample2d(x, grid)                 the sample (kernels: dlcore/kernels/{cpu,cuda}/
                                           grid_sample.py, coordinates shared in
                                           dlcore/kernels/_grid_sample_scalar.py: PyTorch's CPU
                                           arithmetic, its fused unnormalisation included)
        dx    = grid_sample2d_grad_input(g, grid)   g scattered by the corners' weights
        dgrid = grid_sample2d_grad_grid(g, x, grid) sum_c g times the interpolation's slopes
                                                    and the coordinates' factors (nearest: 0)
    grid_sample2d_grad_input's vjp: grid_sample2d(c, grid) and grid_sample2d_grad_grid(g, c,
        grid) (<c, S(grid)^T g> = <S(grid) c, g>);  grid_sample2d_grad_grid's: the composite's,
        recomputed twice over (dlcore.recompute, nested), so every order of derivative exists.

The composite (3-D, float16/bfloat16, and that second derivative) reads the neighbours with
``take_along_axis`` on each flattened (n, c) plane at integer positions computed from ``floor``
of the coordinates under ``stop_gradient``, so dx is a scatter of the weighted cotangent and
d grid comes through the weights (``fx = ix - floor(ix)``).
"""

from __future__ import annotations

import itertools

import numpy as np

from ..device import const_like
from ..errors import ShapeError
from ..kernels.cpu import grid_sample as _cpu
from ..kernels.cuda import grid_sample as _cuda
from ..recompute import composite_vjp
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from . import elementwise as _e
from .elementwise_cast import zeros_like
from .indexing import getitem
from .linalg import matmul
from .math_binary import bitwise_and, bitwise_or
from .math_unary import floor, rint
from .shape import broadcast_to, expand_dims, reshape, transpose


def _linspace(n: int, align_corners: bool) -> np.ndarray:
    if n <= 1:
        return np.zeros(max(n, 1))
    r = np.linspace(-1.0, 1.0, n)
    return r if align_corners else r * (n - 1) / n


def affine_grid(theta, size, align_corners: bool = False):
    """The sampling grid of a batch of affine maps: ``theta (N, 2, 3)`` for ``size (N, C, H,
    W)`` gives ``(N, H, W, 2)``; ``theta (N, 3, 4)`` for ``(N, C, D, H, W)`` gives ``(N, D, H,
    W, 3)`` (components x, y, z index W, H, D)."""
    spatial = [int(s) for s in size[2:]]
    k = len(spatial)
    mesh = np.meshgrid(*[_linspace(m, align_corners) for m in spatial], indexing="ij")
    base = np.stack([*mesh[::-1], np.ones(spatial)], -1).reshape(-1, k + 1)
    dtype = aval_of(theta).dtype
    grid = matmul(const_like(base.astype(dtype), theta), transpose(theta, (0, 2, 1)))
    return reshape(grid, (-1, *spatial, k))


def _unnormalise(g, n: int, align_corners: bool):
    if align_corners:
        return _e.mul(_e.add(g, 1.0), (n - 1) / 2.0)
    return _e.div(_e.sub(_e.mul(_e.add(g, 1.0), float(n)), 1.0), 2.0)


def _reflect(i, n: int, align_corners: bool):
    """PyTorch's reflect_coordinates then clip_coordinates."""
    from .math_binary import fmod
    lo, span = (0.0, float(n - 1)) if align_corners else (-0.5, float(n))
    if span <= 0:
        return _e.mul(i, 0.0)
    d = _e.abs(_e.sub(i, lo))
    extra = fmod(d, span)
    flips = floor(_e.div(_e.stop_gradient(d), span))
    even = _e.equal(fmod(flips, 2.0), 0.0)
    r = _e.where(even, _e.add(extra, lo), _e.sub(span + lo, extra))
    return _clip(r, n)


def _clip(i, n: int):
    """PyTorch's clip_coordinates(_set_grad): ``i`` limited to [0, n - 1], its gradient 1 only
    strictly inside (0 at the border itself: a corner of affine_grid(align_corners=True) is
    exactly there), a NaN kept with its gradient."""
    top = float(n - 1)
    held = _e.stop_gradient(_e.minimum(_e.maximum(i, 0.0), top))
    return _e.where(bitwise_or(_e.less_equal(i, 0.0), _e.greater_equal(i, top)), held, i)


def _coords(g, n: int, padding_mode: str, align_corners: bool):
    i = _unnormalise(g, n, align_corners)
    if padding_mode == "border":
        return _clip(i, n)
    if padding_mode == "reflection":
        return _reflect(i, n, align_corners)
    return i


def _composite(x, grid, mode: str, padding_mode: str, align_corners: bool):
    """grid_sample as a composite of primitives: 3-D, the 16-bit types, and the primitives'
    gradient of a gradient."""
    n, c, *sp = aval_of(x).shape
    k = len(sp)
    out_sp = list(aval_of(grid).shape[1:-1])
    p = int(np.prod(out_sp))
    # grid[..., j] addresses spatial axis k - 1 - j: cs[a] is axis a's coordinate (N, *out_sp)
    cs = [_coords(getitem(grid, (Ellipsis, k - 1 - a)), sp[a], padding_mode, align_corners)
          for a in range(k)]
    planes = reshape(x, (n, c, int(np.prod(sp))))
    strides = [int(np.prod(sp[a + 1:])) for a in range(k)]

    def read(pts, weight=None):
        """x at the integer-valued points ``pts`` (one per axis; no gradient through them),
        times ``weight`` (N, 1, P) if given, 0 outside: (N, C, P)."""
        inside, flat = None, None
        for a, pt in enumerate(pts):
            pt = _e.stop_gradient(pt)
            for cond in (_e.greater_equal(pt, 0.0), _e.less(pt, float(sp[a]))):
                inside = cond if inside is None else bitwise_and(inside, cond)
            i = _e.minimum(_e.maximum(pt, 0.0), float(sp[a] - 1))
            # (a NaN coordinate reads position 0, masked out: it was cast to int64's minimum)
            i = _e.cast(_e.where(_e.equal(i, i), i, 0.0), np.int64)
            i = _e.mul(i, strides[a]) if strides[a] != 1 else i
            flat = i if flat is None else _e.add(flat, i)
        idx = broadcast_to(reshape(flat, (n, 1, p)), (n, c, p))
        from .scan import take_along_axis
        vals = take_along_axis(planes, idx, -1)
        inside = reshape(inside, (n, 1, p))
        if weight is None:
            return _e.where(inside, vals, 0.0)
        # PyTorch's 2-D kernel multiplies a masked read by the weight (a NaN weight: NaN);
        # its 3-D kernel adds only the corners inside (NaN/inf coordinates: 0); selects, not
        # products with the mask, so a NaN weight's cotangent stays off x
        if k == 3:
            return _e.where(inside, _e.mul(vals, weight), 0.0)
        return _e.mul(_e.where(inside, vals, 0.0), weight)

    if mode == "nearest":
        out = read([rint(ci) for ci in cs])
        # PyTorch's nearest mode hands the grid a zero gradient (not none): a select that never
        # takes the grid's branch connects it without touching the values
        never = const_like(np.zeros((1, 1, 1), bool), x)
        out = _e.where(never, reshape(getitem(grid, (Ellipsis, 0)), (n, 1, p)), out)
    else:
        if k == 3:      # (a point with a NaN/inf coordinate reads nothing, no gradient)
            fin = None
            for ci in cs:
                f = _e.less(_e.abs(ci), np.inf)
                fin = f if fin is None else bitwise_and(fin, f)
            cs = [_e.where(fin, ci, -2.0) for ci in cs]
        lo = [floor(_e.stop_gradient(ci)) for ci in cs]
        hi = [_e.add(l0, 1.0) for l0 in lo]
        fs = [_e.sub(ci, l0) for ci, l0 in zip(cs, lo)]      # the weights carry d grid
        gs = [_e.sub(1.0, f) for f in fs]
        out = None
        for corner in itertools.product((0, 1), repeat=k):
            wt = None
            for a, bit in enumerate(corner):
                w_a = fs[a] if bit else gs[a]
                wt = w_a if wt is None else _e.mul(wt, w_a)
            term = read([hi[a] if bit else lo[a] for a, bit in enumerate(corner)],
                        expand_dims(reshape(wt, (n, p)), 1))
            out = term if out is None else _e.add(out, term)
    return reshape(out, (n, c, *out_sp))


# ----------------------------------------------------------------------------- 2-D primitives
def _check(op: str, x: AVal, grid: AVal, *, mode, padding_mode) -> None:
    if mode not in _cpu.MODES or padding_mode not in _cpu.PADDINGS:
        raise ValueError(f"dlcore: {op}: mode {mode!r} / padding_mode {padding_mode!r} is not "
                         f"one of {sorted(_cpu.MODES)} / {sorted(_cpu.PADDINGS)}")
    _rules.require_float(op, x, grid)
    _rules.same_dtype(op, x, grid)
    if x.ndim != 4 or grid.ndim != 4 or grid.shape[3] not in (2, None):
        raise ShapeError(op, "expected x (N, C, H, W) and grid (N, Ho, Wo, 2)",
                         [x.shape, grid.shape])
    if _rules.known_differ([(x.shape[0], grid.shape[0])]):
        raise ShapeError(op, "x and grid differ in batch size", [x.shape, grid.shape])
    if 0 in x.shape[2:]:
        raise ShapeError(op, "expected non-empty spatial dimensions", [x.shape, grid.shape])


def _sample_rule(x: AVal, grid: AVal, *, mode, padding_mode, align_corners) -> AVal:
    _check("grid_sample2d", x, grid, mode=mode, padding_mode=padding_mode)
    return AVal((x.shape[0], x.shape[1], grid.shape[1], grid.shape[2]), x.dtype)


def _grad_input_rule(g: AVal, grid: AVal, *, size, mode, padding_mode, align_corners) -> AVal:
    out = AVal((g.shape[0], g.shape[1], *size), g.dtype)
    want = _sample_rule(out, grid, mode=mode, padding_mode=padding_mode, align_corners=True)
    if _rules.known_differ(zip(want.shape, g.shape)):
        raise ShapeError("grid_sample2d_grad_input", "the cotangent is not grid_sample's shape",
                         [g.shape, grid.shape])
    return out


def _grad_grid_rule(g: AVal, x: AVal, grid: AVal, *, mode, padding_mode, align_corners):
    want = _sample_rule(x, grid, mode=mode, padding_mode=padding_mode, align_corners=True)
    _rules.same_dtype("grid_sample2d_grad_grid", g, x)
    if g.ndim != 4 or _rules.known_differ(zip(want.shape, g.shape)):
        raise ShapeError("grid_sample2d_grad_grid", "the cotangent is not grid_sample's shape",
                         [g.shape, x.shape, grid.shape])
    return AVal(grid.shape, grid.dtype)


def _sample_vjp(g, y, x, grid, **p):
    size = tuple(aval_of(x).shape[2:])
    return (lambda: bind(grid_sample_grad_input_p, g, grid, size=size, **p),
            lambda: bind(grid_sample_grad_grid_p, g, x, grid, **p))


def _grad_input_vjp(c, dx, g, grid, *, size, **p):
    # dx = S(grid)^T g: linear in g (the sample of c), and <c, S^T g> = <S c, g> in grid
    return (lambda: bind(grid_sample_p, c, grid, **p),
            lambda: bind(grid_sample_grad_grid_p, g, c, grid, **p))


def _grad_grid_vjp(c, dgrid, g, x, grid, **p):
    if p["mode"] == "nearest":               # d grid is 0 whatever g, x and the grid
        return (lambda: zeros_like(g), lambda: zeros_like(x), lambda: zeros_like(grid))
    args = (p["mode"], p["padding_mode"], p["align_corners"])

    def dgrid_of(g_, x_, grid_):        # the composite's grid gradient, recomputed (nested)
        return composite_vjp(lambda gr: (_composite(x_, gr, *args),), (grid_,), (g_,))
    return composite_vjp(dgrid_of, (g, x, grid), (c,))


_P = "mode, padding_mode, align_corners"
grid_sample_p = Primitive(
    "grid_sample2d", _sample_rule, _sample_vjp, kind="other",
    doc=f"y[n,c,h,w] = x[n,c] interpolated at grid[n,h,w] ({_P});  "
        "dx = grid_sample2d_grad_input(g, grid), dgrid = grid_sample2d_grad_grid(g, x, grid)",
    kernels={"cpu": _cpu.grid_sample, "cuda": _cuda.grid_sample})
grid_sample_grad_input_p = Primitive(
    "grid_sample2d_grad_input", _grad_input_rule, _grad_input_vjp, kind="other",
    doc="y = grid_sample2d's adjoint in x: g scattered to the corners' pixels by their weights; "
        "dg = grid_sample2d(c, grid), dgrid = grid_sample2d_grad_grid(g, c, grid)",
    kernels={"cpu": _cpu.grid_sample_grad_input, "cuda": _cuda.grid_sample_grad_input})
grid_sample_grad_grid_p = Primitive(
    "grid_sample2d_grad_grid", _grad_grid_rule, _grad_grid_vjp, kind="other",
    doc="y[n,h,w] = sum_c g[n,c,h,w] d grid_sample2d / d grid[n,h,w] (nearest: 0);  "
        "its own vjp is the composite's (dlcore.recompute)",
    kernels={"cpu": _cpu.grid_sample_grad_grid, "cuda": _cuda.grid_sample_grad_grid})

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def grid_sample(x, grid, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool = False):
    """``x (N, C, H, W)`` sampled at ``grid (N, Ho, Wo, 2)`` (normalised (x, y) in [-1, 1]):
    ``(N, C, Ho, Wo)``; or ``x (N, C, D, H, W)`` at ``grid (N, Do, Ho, Wo, 3)`` ((x, y, z)):
    ``(N, C, Do, Ho, Wo)``.  Modes 'bilinear' (trilinear for 5-D) and 'nearest', padding
    'zeros', 'border' or 'reflection'.  2-D float32/float64 sampling is the primitive
    ``grid_sample2d`` (kernels for both devices); the rest the composite."""
    xa, ga = aval_of(x), aval_of(grid)
    if xa.ndim == 4 and xa.dtype in _FLOATS and ga.dtype == xa.dtype and mode in _cpu.MODES:
        return bind(grid_sample_p, x, grid, mode=mode, padding_mode=padding_mode,
                    align_corners=bool(align_corners))
    return _composite(x, grid, mode, padding_mode, bool(align_corners))
