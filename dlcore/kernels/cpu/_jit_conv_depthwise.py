"""Numba loops of the depthwise convolution (:mod:`.conv_depthwise`), imported on first use,
never by ``import dlcore``.

Depthwise: ``groups == C`` and one input channel per group, output channel ``o`` reading input
channel ``o // m`` (``m = O / C``, the channel multiplier), ``w`` as ``(O, T)`` over its ``T``
taps.  Each channel's images are one flat row of zero-padded grids, ``Wp`` columns by ``Hp``
rows per image, images one after another (:mod:`.conv_depthwise` makes them), so that tap ``t``
is one shift ``offs[t]`` of the whole row and each loop below runs over ``N Hp Wp`` elements
per channel, which LLVM vectorises (runs of one output row, a few pixels each, with a view per
run, made a 3x3 depthwise layer 5-10x slower than PyTorch's):

* ``conv``: ``yd[o, q] = sum_t w[o, t] xp[o // m, q + offs[t]]`` (the caller keeps every
  ``sh``-th row and ``sw``-th column of each image's grid);
* ``conv_transpose``: its adjoint as the same gather, ``dxp[c, p] = sum_{o of c, t} w[o, t]
  gdp[o, p + offs[t]]``, ``gdp`` being g spread on the grids after a run of zeros as long as
  the largest shift, and ``offs`` that length minus the forward's;
* ``filter_grad``: ``dw[o, t] = sum_q gd[o, q] xp[o // m, q + offs[t]]`` (each sum in lanes:
  ``fastmath`` reassociation).

Nine taps (3x3, the common case) are one pass with the nine weights held in registers (against
nine passes of ``dst += w src``: 0.48 -> 0.22 ms on 128 channels of 16 16x16 images).  Each
kernel has a serial loop over its channels and a ``prange`` twin (``_par``), as in
:mod:`._jit_conv`; the runs are views indexed from 0 (a plain subscript's negative-index
wrap-around kept loops scalar).
"""

from __future__ import annotations

from numba import njit, prange, uint64

from .runtime import configure_threads

configure_threads()

#: (the channel bodies are called, not inlined: compiled once for the serial and the prange
#: loops of both kernels; a call per channel costs nothing next to its run)
_ONE = {"cache": True, "nogil": True, "fastmath": {"contract"}}
_SER = {"cache": True, "nogil": True, "fastmath": {"contract"}}
_PAR = {"cache": True, "nogil": True, "parallel": True, "fastmath": {"contract"}}
_RED = {"reassoc", "contract"}


@njit(**_ONE)
def _taps(src, wv, offs, dst, run, add):
    """``dst[q] (+)= sum_t wv[t] src[q + offs[t]]`` for ``q < run``."""
    if offs.shape[0] == 9:
        a0, a1, a2, a3, a4, a5, a6, a7, a8 = (wv[0], wv[1], wv[2], wv[3], wv[4], wv[5],
                                              wv[6], wv[7], wv[8])
        r0, r1, r2 = src[offs[0]:], src[offs[1]:], src[offs[2]:]
        r3, r4, r5 = src[offs[3]:], src[offs[4]:], src[offs[5]:]
        r6, r7, r8 = src[offs[6]:], src[offs[7]:], src[offs[8]:]
        if add:
            for q in range(run):
                dst[q] += (a0 * r0[q] + a1 * r1[q] + a2 * r2[q] + a3 * r3[q] + a4 * r4[q]
                           + a5 * r5[q] + a6 * r6[q] + a7 * r7[q] + a8 * r8[q])
        else:
            for q in range(run):
                dst[q] = (a0 * r0[q] + a1 * r1[q] + a2 * r2[q] + a3 * r3[q] + a4 * r4[q]
                          + a5 * r5[q] + a6 * r6[q] + a7 * r7[q] + a8 * r8[q])
        return
    if not add:
        dst[:run] = 0
    for t in range(offs.shape[0]):
        a = wv[t]
        s = src[offs[t]:]
        for q in range(run):
            dst[q] += a * s[q]


@njit(**_SER)
def conv(xp, w, offs, yd, m):
    """yd (O, L) on the grids from xp (C, L + the largest shift) and w (O, T)."""
    for o in range(yd.shape[0]):
        _taps(xp[o // m], w[o], offs, yd[o], yd.shape[1], False)


@njit(**_PAR)
def conv_par(xp, w, offs, yd, m):
    for o in prange(yd.shape[0]):
        _taps(xp[o // m], w[o], offs, yd[o], yd.shape[1], False)


@njit(**_SER)
def conv_transpose(gdp, w, offs, dxp, m):
    """dxp (C, L) from gdp (O, L + the largest shift) and w (O, T)."""
    for c in range(dxp.shape[0]):
        for k in range(m):
            _taps(gdp[c * m + k], w[c * m + k], offs, dxp[c], dxp.shape[1], k > 0)


@njit(**_PAR)
def conv_transpose_par(gdp, w, offs, dxp, m):
    for c in prange(dxp.shape[0]):
        for k in range(m):
            _taps(gdp[c * m + k], w[c * m + k], offs, dxp[c], dxp.shape[1], k > 0)


@njit(cache=True, nogil=True, fastmath=_RED)
def _filter_taps(g, x, offs, out):
    """``out[t] = sum_q g[q] x[q + offs[t]]``."""
    run = g.shape[0]
    if offs.shape[0] == 9:
        r0, r1, r2 = x[offs[0]:], x[offs[1]:], x[offs[2]:]
        r3, r4, r5 = x[offs[3]:], x[offs[4]:], x[offs[5]:]
        r6, r7, r8 = x[offs[6]:], x[offs[7]:], x[offs[8]:]
        z = g.dtype.type(0)
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = z
        for q in range(run):
            v = g[q]
            s0 += v * r0[q]
            s1 += v * r1[q]
            s2 += v * r2[q]
            s3 += v * r3[q]
            s4 += v * r4[q]
            s5 += v * r5[q]
            s6 += v * r6[q]
            s7 += v * r7[q]
            s8 += v * r8[q]
        out[0], out[1], out[2], out[3], out[4] = s0, s1, s2, s3, s4
        out[5], out[6], out[7], out[8] = s5, s6, s7, s8
        return
    for t in range(offs.shape[0]):
        s = x[offs[t]:]
        acc = g.dtype.type(0)
        for q in range(run):
            acc += g[q] * s[q]
        out[t] = acc


@njit(cache=True, nogil=True, fastmath=_RED)
def filter_grad(xp, gd, offs, out, m):
    """dw (O, T) from xp (C, L + the largest shift) and gd (O, L)."""
    for o in range(out.shape[0]):
        _filter_taps(gd[o], xp[o // m], offs, out[o])


@njit(cache=True, nogil=True, parallel=True, fastmath=_RED)
def filter_grad_par(xp, gd, offs, out, m):
    for o in prange(out.shape[0]):
        _filter_taps(gd[o], xp[o // m], offs, out[o])


@njit(cache=True, nogil=True)
def grid_copy(src, s0, sn, sc, sr, ss, dst, d0, dn, dc, dr, ds, n_n, c_n, r_n, s_n):
    """``dst[d0 + n dn + c dc + r dr + s ds] = src[s0 + n sn + c sc + r sr + s ss]`` on flat
    buffers: an image onto its grid and back, g spread on the grids (each row a few pixels:
    NumPy's strided copy of such rows took longer than the convolution itself).  The indices
    are unsigned (no negative-index wrap-around per element: 0.66 -> 0.08 ms for 32k rows of
    16 pixels), every offset and stride non-negative."""
    for n in range(n_n):
        for c in range(c_n):
            so = uint64(s0 + n * sn + c * sc)
            do = uint64(d0 + n * dn + c * dc)
            if ss == 1 and ds == 1:
                for r in range(r_n):
                    a = so + uint64(r * sr)
                    b = do + uint64(r * dr)
                    for s in range(s_n):
                        dst[b + uint64(s)] = src[a + uint64(s)]
            else:
                for r in range(r_n):
                    a = so + uint64(r * sr)
                    b = do + uint64(r * dr)
                    for s in range(s_n):
                        dst[b + uint64(s * ds)] = src[a + uint64(s * ss)]
