"""Numba loops of the direct channels-last convolution (:mod:`.conv_direct`), imported on first
use, never by ``import dlcore``.

The inner loop is a register-blocked outer product written in LLVM IR (a Numba ``@intrinsic``),
because Numba's own loops did not vectorise it: LLVM vectorised the reduction over input channels
(gathers of the filter) instead of the output channels, or not at all once reassociation was off,
and the negative-index wrap-around of every subscript kept its loads scalar (measured 2-6 GF/s,
against 25-37 GF/s for this block; figures in :mod:`.conv_direct`).  One block computes

    out[c0 + m sc + e] (+)= sum_{k1 < n1, k2 < n2, k3 < n3}
                            a[a0 + m sa + k1 a1 + k2 a2 + k3 a3] * b[b0 + k1 b1 + k2 b2 + k3 b3 + e]

for ``m < MR`` rows and ``e < L NV`` columns: ``MR x NV`` accumulators of ``L`` float32 lanes
(``L`` = 8: one AVX2 register each; 16: one AVX-512 register) held in registers across the
three-level loop, one vector load of ``b`` per ``NV`` lanes and one broadcast of ``a`` per row in
each step, ``MR NV`` fused multiply-adds.
The caller (the drivers below, from the wrapper's checked shapes) keeps every index inside its
buffer; the block itself does no bounds checks.

* ``fwd``: ``y[n, r, s, o] = sum_{i, j, c} xp[n, r sh + i dh, s sw + j dw, c] w[i, j, c, o]``
  on a zero-padded NHWC ``xp``: rows ``m`` are ``MR`` consecutive output pixels of a row (the
  last block of a row overlaps the one before when ``MR`` does not divide ``OW``: its pixels are
  written twice with equal values), the loop runs over ``(i, j, c)``.
* ``fwd_unpadded``: ``fwd`` read from the unpadded NHWC ``x``: each output row over its
  kernel rows inside ``x``, interior pixels in blocks along the row, border columns in blocks of
  ``MR`` rows down the column over their own taps, corner pixels one at a time.
* ``filter_grad``: ``dw[i, j, c, o] = sum_{n, r, s} x[n, r sh - ph + i dh, s sw - pw + j dw,
  c] g[n, r, s, o]`` on the unpadded NHWC ``x``: rows ``m`` are ``MR`` input channels, the loop
  runs over ``(n, r, s)``, per tap only over the rows and columns that read inside ``x``.

* ``filter_grad_images``: ``filter_grad`` one image at a time, its blocks adding into ``dw``.
* ``transpose_scatter``: the strided input gradient, ``dx[n, r sh + i dh, s sw + j dw, c] +=
  sum_o g[n, r, s, o] w[i, j, o, c]``: rows ``m`` are ``MR`` pixels of a row of ``g`` (written
  ``sw C`` apart into the padded NHWC ``dx``), the loop runs over ``o``, per tap ``(i, j)``.

``kind`` picks the block shape (``MR``, ``NV``, ``L``) from :data:`.conv_direct.KINDS`; the
drivers above are templates that :func:`drivers` compiles once per kind, in a module of their
own, so that a first run compiles the blocks it uses only.
"""

from __future__ import annotations

import functools

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._jit_conv import _span  # the outputs whose input index lies inside an axis
from .conv_direct import KINDS
from .runtime import configure_threads

configure_threads()

def _make_block(mr: int, nv: int, lanes: int):
    """The intrinsic of one ``(MR, NV, L)`` block (module docstring)."""

    @intrinsic
    def block(typingctx, a, a0, sa, a1, a2, a3, b, b0, b1, b2, b3, n1, n2, n3, out, c0, sc,
              acc):
        sig = types.void(a, a0, sa, a1, a2, a3, b, b0, b1, b2, b3, n1, n2, n3, out, c0, sc, acc)

        def codegen(context, builder, sig, args):
            f32 = ir.FloatType()
            v8 = ir.VectorType(f32, lanes)        # (one register of ``lanes`` float32)
            v8p = v8.as_pointer()
            i64, i32 = ir.IntType(64), ir.IntType(32)

            def data(k):
                return cgutils.create_struct_proxy(sig.args[k])(context, builder,
                                                                value=args[k]).data

            def ival(k):
                return context.cast(builder, args[k], sig.args[k], types.int64)

            def c64(v):
                return ir.Constant(i64, v)

            pa, pb, pc = data(0), data(6), data(14)
            a0_, sa_, a1_, a2_, a3_ = (ival(k) for k in range(1, 6))
            b0_, b1_, b2_, b3_ = (ival(k) for k in range(7, 11))
            n1_, n2_, n3_ = ival(11), ival(12), ival(13)
            c0_, sc_ = ival(15), ival(16)
            accf = context.cast(builder, args[17], sig.args[17], types.boolean)
            fma = cgutils.get_or_insert_function(builder.module,
                                                 ir.FunctionType(v8, [v8, v8, v8]),
                                                 f"llvm.fma.v{lanes}f32")
            zero = ir.Constant(v8, [0.0] * lanes)
            undef = ir.Constant(v8, ir.Undefined)
            zmask = ir.Constant(ir.VectorType(i32, lanes), [0] * lanes)
            slots = [[cgutils.alloca_once(builder, v8) for _ in range(nv)] for _ in range(mr)]
            cptr = [[None] * nv for _ in range(mr)]
            for m in range(mr):
                for v in range(nv):
                    off = builder.add(c0_, builder.add(builder.mul(sc_, c64(m)), c64(lanes * v)))
                    p = builder.bitcast(builder.gep(pc, [off]), v8p)
                    builder.store(builder.select(accf, builder.load(p, align=4), zero),
                                  slots[m][v])
                    cptr[m][v] = p
            with cgutils.for_range(builder, n1_) as l1:
                ia1 = builder.add(a0_, builder.mul(l1.index, a1_))
                ib1 = builder.add(b0_, builder.mul(l1.index, b1_))
                with cgutils.for_range(builder, n2_) as l2:
                    ia2 = builder.add(ia1, builder.mul(l2.index, a2_))
                    ib2 = builder.add(ib1, builder.mul(l2.index, b2_))
                    with cgutils.for_range(builder, n3_) as l3:
                        ia = builder.add(ia2, builder.mul(l3.index, a3_))
                        ib = builder.add(ib2, builder.mul(l3.index, b3_))
                        bv = [builder.load(builder.bitcast(
                            builder.gep(pb, [builder.add(ib, c64(lanes * v))]), v8p), align=4)
                            for v in range(nv)]
                        for m in range(mr):
                            am = builder.load(builder.gep(
                                pa, [builder.add(ia, builder.mul(sa_, c64(m)))]))
                            ab = builder.shuffle_vector(
                                builder.insert_element(undef, am, ir.Constant(i32, 0)),
                                undef, zmask)
                            for v in range(nv):
                                builder.store(builder.call(
                                    fma, [ab, bv[v], builder.load(slots[m][v])]), slots[m][v])
            for m in range(mr):
                for v in range(nv):
                    builder.store(builder.load(slots[m][v]), cptr[m][v], align=4)
            return context.get_dummy_value()

        return sig, codegen

    return block


# ----------------------------------------------------------------------- drivers, per kind
# The drivers below are templates, compiled once per block kind: :func:`drivers` writes a module
# that binds ``_block`` (and ``_corner``, ``fwd_unpadded``'s one-pixel blocks) to that kind's
# intrinsic and decorates each template with ``njit``.  One driver holding every kind behind a
# branch on a run-time ``kind`` compiled all of them wherever it was used: 15 inlined blocks
# per call site, 2-6 s of a first run's compile per driver (torchaudio M5's first step, cold
# cache, one core: 19.4 s, 8.0 s of it these drivers).

_TEMPLATE_HEAD = '''"""The direct convolution's drivers for block kind {kind} {block} (corners
{corner}), generated by ``dlcore.kernels.cpu._jit_conv_direct.drivers`` from its templates
(whose file's digest, {digest}, names this module's version: Numba's cache of this module
does not follow edits to the blocks' code there)."""
from numba import njit

from dlcore.kernels.cpu._jit_conv_direct import _make_block, _span, interior
{views}
_BK = _make_block{block}
_BC = _make_block{corner}


@njit(cache=True, nogil=True, inline="always")
def _block(acc, a, a0, sa, a1, a2, a3, b, b0, b1, b2, b3, n1, n2, n3, out, c0, sc):
    """One block of this module's kind, overwriting its output or, with ``acc``, adding to it
    (``out +=``); every caller passes ``acc`` as a constant, which LLVM folds."""
    _BK(a, a0, sa, a1, a2, a3, b, b0, b1, b2, b3, n1, n2, n3, out, c0, sc, acc)


@njit(cache=True, nogil=True, inline="always")
def _corner(acc, a, a0, sa, a1, a2, a3, b, b0, b1, b2, b3, n1, n2, n3, out, c0, sc):
    _BC(a, a0, sa, a1, a2, a3, b, b0, b1, b2, b3, n1, n2, n3, out, c0, sc, acc)
'''


def drivers(kind: int, corner: int):
    """The module of the drivers compiled for block kind ``kind`` (an index of
    :data:`.conv_direct.KINDS`), ``fwd_unpadded``'s corner pixels taking kind ``corner``:
    written and imported once per process (:func:`dlcore.jitcache.load_generated_module`, so
    Numba's disk cache holds each kind's code across processes), each driver compiled on its
    first call."""
    mod = _MODULES.get((kind, corner))
    if mod is None:
        from ...jitcache import load_generated_module
        digest, body = _templates()
        from ._numba_views import import_line
        head = _TEMPLATE_HEAD.format(kind=kind, corner=KINDS[corner], block=KINDS[kind],
                                     digest=digest, views=import_line("c_view("))
        mod = load_generated_module(f"conv_direct_k{kind}_c{corner}", head + body)
        _MODULES[(kind, corner)] = mod
    return mod


_MODULES: dict = {}


@functools.cache
def _templates() -> tuple[str, str]:
    """(this file's digest, the drivers' text after the head): the same for every kind, made
    once per process (``inspect.getsource`` tokenizes the file for each template: 32 calls,
    70 ms of a LeNet-5 program's first step with a warm cache, for its four kinds)."""
    import hashlib
    import inspect
    with open(__file__, "rb") as f:
        digest = hashlib.sha1(f.read()).hexdigest()[:16]
    parts = [""]
    for fn in _TEMPLATES:
        src = inspect.getsource(fn).replace("_block(kind1, ", "_corner(")
        parts.append("\n@njit(cache=True, nogil=True)\n" + src.replace("_block(kind, ", "_block("))
    return digest, "\n".join(parts)


def _block(*args):
    """(Bound per kind in the modules :func:`drivers` writes; the templates never run here.)"""
    raise RuntimeError("_jit_conv_direct: the driver templates run through drivers(kind)")


_corner = _block
c_view = _block      # (the modules import ``_numba_views.c_view``: the flat views)


def fwd(xp, w, y, sh, sw, dh, dw, kind, mr, vw):
    """y (N, OH, OW, O) from the padded NHWC xp (N, Hp, Wp, C) and w (KH, KW, C, O), all
    C-contiguous float32; ``mr`` rows and ``vw`` columns per block (``OW >= mr``, ``vw``
    divides ``O``; the wrapper checks ``Hp``, ``Wp`` cover every read)."""
    n_n, hp, wp, c = xp.shape
    kh, kw, _, o = w.shape
    oh, ow = y.shape[1], y.shape[2]
    xf, wf, yf = c_view(xp, (xp.size, )), c_view(w, (w.size, )), c_view(y, (y.size, ))
    for n in range(n_n):
        for r in range(oh):
            s = 0
            while s < ow:
                if s + mr > ow:
                    s = ow - mr
                for ob in range(0, o, vw):
                    _block(kind, False, xf, ((n * hp + r * sh) * wp + s * sw) * c, sw * c,
                           dh * wp * c, dw * c, 1, wf, ob, kw * c * o, c * o, o, kh, kw, c,
                           yf, ((n * oh + r) * ow + s) * o + ob, o)
                s += mr


@njit(cache=True, nogil=True)
def interior(oh, ow, h, wd, kh, kw, sh, sw, ph, pw, dh, dw):
    """The output rows ``[r_lo, r_hi)`` and columns ``[s_lo, s_hi)`` whose every kernel tap
    reads inside the (H, W) input: ``fwd_unpadded`` needs at least ``mr`` of each."""
    r_lo, r_hi = _span(oh, sh, ph, 0, h)
    a, b = _span(oh, sh, ph, (kh - 1) * dh, h)
    s_lo, s_hi = _span(ow, sw, pw, 0, wd)
    c, d = _span(ow, sw, pw, (kw - 1) * dw, wd)
    return max(r_lo, a), min(r_hi, b), max(s_lo, c), min(s_hi, d)


def fwd_unpadded(x, w, y, sh, sw, ph, pw, dh, dw, kind, mr, vw, kind1):
    """``fwd`` on the unpadded NHWC x (N, H, W, C) with leading pads ``ph``, ``pw`` (the
    trailing ones follow from y's size): no zero-padded copy of ``x``.  Each output row takes
    only its kernel rows inside ``x``; along a row, blocks of ``mr`` pixels cover the columns
    whose every tap lies inside (the interior); the border columns of the rows whose every
    kernel row lies inside are blocks of ``mr`` rows down the column (``sa`` a row apart),
    over the column's own taps; the corner pixels left are blocks of one pixel (``kind1``, 8
    channels).  Every output sums the same nonzero terms in the same order as ``fwd`` on the
    padded copy, so the same bits.  The caller checks that the interior has at least ``mr``
    rows and columns (``interior``).  The taps of output ``r`` inside the input are the
    outputs of a ``kh``-long axis of stride ``dh`` and pad ``ph - r sh`` that ``_span``
    finds."""
    n_n, h, wd, c = x.shape
    kh, kw, _, o = w.shape
    oh, ow = y.shape[1], y.shape[2]
    r_lo, r_hi, s_lo, s_hi = interior(oh, ow, h, wd, kh, kw, sh, sw, ph, pw, dh, dw)
    xf, wf, yf = c_view(x, (x.size, )), c_view(w, (w.size, )), c_view(y, (y.size, ))
    rc = wd * c
    for n in range(n_n):
        for r in range(oh):
            i_lo, i_hi = _span(kh, dh, ph - r * sh, 0, h)
            ni = i_hi - i_lo
            x_row = (n * h + r * sh - ph + i_lo * dh) * rc if ni else 0
            s = s_lo
            while s < s_hi:                     # the interior of the row
                if s + mr > s_hi:
                    s = s_hi - mr
                for ob in range(0, o, vw):
                    _block(kind, False, xf, x_row + (s * sw - pw) * c if ni else 0, sw * c,
                           dh * rc, dw * c, 1, wf, i_lo * kw * c * o + ob, kw * c * o, c * o,
                           o, ni, kw, c, yf, ((n * oh + r) * ow + s) * o + ob, o)
                s += mr
            if r_lo <= r < r_hi:
                continue
            for s in range(ow):                 # a row with kernel rows outside: its corners
                if s_lo <= s < s_hi:
                    continue
                j_lo, j_hi = _span(kw, dw, pw - s * sw, 0, wd)
                nj = j_hi - j_lo
                x0 = x_row + (s * sw - pw + j_lo * dw) * c if ni and nj else 0
                for ob in range(0, o, 8):
                    _block(kind1, False, xf, x0, 0, dh * rc, dw * c, 1,
                           wf, (i_lo * kw + j_lo) * c * o + ob, kw * c * o, c * o, o, ni, nj,
                           c, yf, ((n * oh + r) * ow + s) * o + ob, o)
        for s in range(ow):                     # the border columns, mr rows at a time
            if s_lo <= s < s_hi:
                continue
            j_lo, j_hi = _span(kw, dw, pw - s * sw, 0, wd)
            nj = j_hi - j_lo
            r = r_lo
            while r < r_hi:
                if r + mr > r_hi:
                    r = r_hi - mr
                x0 = ((n * h + r * sh - ph) * wd + s * sw - pw + j_lo * dw) * c if nj else 0
                for ob in range(0, o, vw):
                    _block(kind, False, xf, x0, sh * rc, dh * rc, dw * c, 1,
                           wf, j_lo * c * o + ob, kw * c * o, c * o, o, kh, nj, c,
                           yf, ((n * oh + r) * ow + s) * o + ob, ow * o)
                r += mr


def filter_grad(x, g, out, sh, sw, ph, pw, dh, dw, kind, mr, vw):
    """dw (KH, KW, C, O) from the unpadded NHWC x (N, H, W, C) and g (N, OH, OW, O), all
    C-contiguous float32 (``C >= mr``, ``vw`` divides ``O``): per tap, the loop runs over the
    output rows and columns whose input pixel lies inside ``x`` (padding adds nothing)."""
    n_n, h, w, c = x.shape
    oh, ow, o = g.shape[1], g.shape[2], g.shape[3]
    kh, kw = out.shape[0], out.shape[1]
    xf, gf, of = c_view(x, (x.size, )), c_view(g, (g.size, )), c_view(out, (out.size, ))
    for i in range(kh):
        r_lo, r_hi = _span(oh, sh, ph, i * dh, h)
        for j in range(kw):
            s_lo, s_hi = _span(ow, sw, pw, j * dw, w)
            x0 = ((r_lo * sh - ph + i * dh) * w + s_lo * sw - pw + j * dw) * c
            if r_lo == r_hi or s_lo == s_hi:
                x0 = 0                                  # no pixel: the block writes zeros
            cb = 0
            while cb < c:
                if cb + mr > c:
                    cb = c - mr
                for ob in range(0, o, vw):
                    _block(kind, False, xf, x0 + cb, 1, h * w * c, sh * w * c, sw * c,
                           gf, (r_lo * ow + s_lo) * o + ob, oh * ow * o, ow * o, o,
                           n_n, r_hi - r_lo, s_hi - s_lo,
                           of, ((i * kw + j) * c + cb) * o + ob, o)
                cb += mr


def filter_grad_images(x, g, out, sh, sw, ph, pw, dh, dw, kind, mr, vw):
    """``filter_grad`` one image at a time: every block of image ``n`` adds its pixels to
    ``out`` (zeroed first) before image ``n + 1`` is read, so one image of ``x`` and ``g``
    stays in cache across the ``KH KW (C / mr) (O / vw)`` blocks instead of the whole batch
    streaming through once per block (``mr`` divides ``C``: no block overlaps another, which
    adding would count twice).  Each ``out`` entry sums the same terms in the same order as
    ``filter_grad``'s."""
    n_n, h, w, c = x.shape
    oh, ow, o = g.shape[1], g.shape[2], g.shape[3]
    kh, kw = out.shape[0], out.shape[1]
    xf, gf, of = c_view(x, (x.size, )), c_view(g, (g.size, )), c_view(out, (out.size, ))
    of[:] = 0
    for n in range(n_n):
        for i in range(kh):
            r_lo, r_hi = _span(oh, sh, ph, i * dh, h)
            for j in range(kw):
                s_lo, s_hi = _span(ow, sw, pw, j * dw, w)
                if r_lo >= r_hi or s_lo >= s_hi:
                    continue                            # no pixel: adds nothing
                x0 = ((n * h + r_lo * sh - ph + i * dh) * w + s_lo * sw - pw + j * dw) * c
                for cb in range(0, c, mr):
                    for ob in range(0, o, vw):
                        _block(kind, True, xf, x0 + cb, 1, h * w * c, sh * w * c, sw * c,
                               gf, ((n * oh + r_lo) * ow + s_lo) * o + ob, oh * ow * o,
                               ow * o, o, 1, r_hi - r_lo, s_hi - s_lo,
                               of, ((i * kw + j) * c + cb) * o + ob, o)


def transpose_scatter(g, w, dx, sh, sw, dh, dw, kind, mr, vw):
    """dx (N, Hp, Wp, C) += the strided scatter of g (N, OH, OW, O) through w (KH, KW, O, C),
    ``dx[n, r sh + i dh, s sw + j dw, c] += sum_o g[n, r, s, o] w[i, j, o, c]``, all
    C-contiguous float32: rows ``m`` are ``mr`` consecutive pixels of a row of ``g`` (written
    ``sw C`` apart), the loop runs over ``o``; ``mr`` divides OW (no block overlaps another,
    which adding would count twice), ``vw`` divides C; the caller zeroes ``dx`` and makes it
    large enough for every write."""
    n_n, oh, ow, o = g.shape
    kh, kw, _, c = w.shape
    hp, wp = dx.shape[1], dx.shape[2]
    gf, wf, xf = c_view(g, (g.size, )), c_view(w, (w.size, )), c_view(dx, (dx.size, ))
    for n in range(n_n):
        for r in range(oh):
            for i in range(kh):
                for j in range(kw):
                    x0 = ((n * hp + r * sh + i * dh) * wp + j * dw) * c
                    for s in range(0, ow, mr):
                        for cb in range(0, c, vw):
                            _block(kind, True, gf, ((n * oh + r) * ow + s) * o, o, 0, 0, 1,
                                   wf, (i * kw + j) * o * c + cb, 0, 0, c, 1, 1, o,
                                   xf, x0 + s * sw * c + cb, sw * c)


def fwd_nchw(xp, w, y, dh, dw, kind, mr, vw):
    """y (N, O, OH, OW) of a stride-1 convolution from the padded NCHW xp (N, C, Hp, Wp) and w
    (O, C, KH, KW), all C-contiguous float32: rows ``m`` are ``mr`` output channels (a
    broadcast filter entry each), the vectors ``vw`` consecutive output pixels of a row (loads
    of ``xp`` at the tap's shift); the last block of channels or of pixels overlaps the one
    before when it does not divide (``O >= mr``, ``OW >= vw``; the wrapper checks the reads)."""
    n_n, c, hp, wp = xp.shape
    o, _, kh, kw = w.shape
    oh, ow = y.shape[2], y.shape[3]
    xf, wf, yf = c_view(xp, (xp.size, )), c_view(w, (w.size, )), c_view(y, (y.size, ))
    for n in range(n_n):
        for r in range(oh):
            ob = 0
            while ob < o:
                if ob + mr > o:
                    ob = o - mr
                s = 0
                while s < ow:
                    if s + vw > ow:
                        s = ow - vw
                    _block(kind, False, wf, ob * c * kh * kw, c * kh * kw, kh * kw, kw, 1,
                           xf, (n * c * hp + r) * wp + s, hp * wp, dh * wp, dw, c, kh, kw,
                           yf, ((n * o + ob) * oh + r) * ow + s, oh * ow)
                    s += vw
                ob += mr


def filter_grad_rows_images(xp, g, out, sh, sw, dh, kind, mr, vw):
    """``filter_grad_rows`` one image at a time (as ``filter_grad_images`` is
    ``filter_grad``'s): every block of image ``n`` adds its pixels to ``out`` (zeroed first),
    so one image of ``xp`` and ``g`` stays in cache across the ``KH (KW C / mr) (O / vw)``
    blocks; ``mr`` divides ``KW C`` (no block overlaps another)."""
    n_n, hp, wp, c = xp.shape
    oh, ow, o = g.shape[1], g.shape[2], g.shape[3]
    kh, kw = out.shape[0], out.shape[1]
    rows = kw * c
    xf, gf, of = c_view(xp, (xp.size, )), c_view(g, (g.size, )), c_view(out, (out.size, ))
    of[:] = 0
    for n in range(n_n):
        for i in range(kh):
            for m0 in range(0, rows, mr):
                for ob in range(0, o, vw):
                    _block(kind, True, xf, (n * hp + i * dh) * wp * c + m0, 1, hp * wp * c,
                           sh * wp * c, sw * c, gf, n * oh * ow * o + ob, oh * ow * o, ow * o,
                           o, 1, oh, ow, of, (i * rows + m0) * o + ob, o)


def filter_grad_rows(xp, g, out, sh, sw, dh, kind, mr, vw):
    """dw (KH, KW, C, O) of a convolution without width dilation, from the padded NHWC xp (N,
    Hp, Wp, C) and g (N, OH, OW, O), all C-contiguous float32: per kernel row ``i``, the rows
    ``m`` of a block run over the ``KW C`` consecutive elements ``(j, c)`` of a window row (for
    few input channels, where blocks of channels alone would hold too few accumulators; ``KW C
    >= mr``, ``vw`` divides ``O``)."""
    n_n, hp, wp, c = xp.shape
    oh, ow, o = g.shape[1], g.shape[2], g.shape[3]
    kh, kw = out.shape[0], out.shape[1]
    rows = kw * c
    xf, gf, of = c_view(xp, (xp.size, )), c_view(g, (g.size, )), c_view(out, (out.size, ))
    for i in range(kh):
        m0 = 0
        while m0 < rows:
            if m0 + mr > rows:
                m0 = rows - mr
            for ob in range(0, o, vw):
                _block(kind, False, xf, i * dh * wp * c + m0, 1, hp * wp * c, sh * wp * c, sw * c,
                       gf, ob, oh * ow * o, ow * o, o, n_n, oh, ow,
                       of, (i * rows + m0) * o + ob, o)
            m0 += mr


#: the templates :func:`drivers` compiles per kind
_TEMPLATES = (fwd, fwd_unpadded, filter_grad, filter_grad_images, transpose_scatter, fwd_nchw,
              filter_grad_rows_images, filter_grad_rows)
