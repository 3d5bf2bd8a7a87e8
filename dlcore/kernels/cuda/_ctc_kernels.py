"""numba.cuda kernels of the CTC loss and its gradient (imported on first use).  One thread per
batch element runs the recursions of ``dlcore/kernels/cpu/_jit_ctc.py`` over scratch buffers in
global memory: ``alpha``/``beta`` (N, T, 2*S_max + 1) and ``lcab`` (N, C), all flat."""

from __future__ import annotations

import math

from numba import cuda

NEG_INF = -math.inf


@cuda.jit(device=True)
def _lae(a, b):
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


@cuda.jit(device=True)
def _label(targets, off, s, blank):
    if s % 2 == 0:
        return blank
    return targets[off + (s - 1) // 2]


@cuda.jit(device=True)
def _alpha(lp, b, nb, nc, targets, off, tb, ln, blank, merge, alpha, base, spm):
    sp = 2 * ln + 1
    for s in range(sp):
        alpha[base + s] = NEG_INF
    alpha[base] = lp[b * nc + blank]
    if ln > 0:
        alpha[base + 1] = lp[b * nc + _label(targets, off, 1, blank)]
    for t in range(1, tb):
        row = base + t * spm
        prev = row - spm
        for s in range(sp):
            ls = _label(targets, off, s, blank)
            a = NEG_INF
            if merge or ls == blank:
                a = alpha[prev + s]
            if s > 0:
                a = _lae(a, alpha[prev + s - 1])
            if s > 1 and ls != blank and not (merge and ls == _label(targets, off, s - 2, blank)):
                a = _lae(a, alpha[prev + s - 2])
            alpha[row + s] = a + lp[(t * nb + b) * nc + ls] if a != NEG_INF else NEG_INF
    last = base + (tb - 1) * spm
    ll = alpha[last + sp - 1]
    if sp > 1:
        ll = _lae(ll, alpha[last + sp - 2])
    return -ll


@cuda.jit
def ctc_fwd(lp, targets, offsets, in_len, tg_len, out, alpha, nb, nt, nc, spm, blank,
            zero_inf, merge):
    b = cuda.grid(1)
    if b >= nb:
        return
    tb = in_len[b]
    ln = tg_len[b]
    if tb == 0:
        v = 0.0 if ln == 0 else math.inf
    else:
        v = _alpha(lp, b, nb, nc, targets, offsets[b], tb, ln, blank, merge, alpha,
                   b * nt * spm, spm)
    if zero_inf and v == math.inf:
        v = 0.0
    out[b] = v


@cuda.jit
def ctc_bwd(g, lp, targets, offsets, in_len, tg_len, out, alpha, beta, lcab, nb, nt, nc, spm,
            blank, zero_inf, merge):
    b = cuda.grid(1)
    if b >= nb:
        return
    for t in range(nt):
        for c in range(nc):
            out[(t * nb + b) * nc + c] = 0.0
    tb = in_len[b]
    ln = tg_len[b]
    if tb == 0:
        return
    sp = 2 * ln + 1
    off = offsets[b]
    base = b * nt * spm
    nll = _alpha(lp, b, nb, nc, targets, off, tb, ln, blank, merge, alpha, base, spm)
    if zero_inf and nll == math.inf:
        return
    last = base + (tb - 1) * spm
    for s in range(sp):
        beta[last + s] = NEG_INF
    beta[last + sp - 1] = lp[((tb - 1) * nb + b) * nc + blank]
    if ln > 0:
        beta[last + sp - 2] = lp[((tb - 1) * nb + b) * nc + _label(targets, off, sp - 2, blank)]
    for t in range(tb - 2, -1, -1):
        row = base + t * spm
        nxt = row + spm
        for s in range(sp):
            ls = _label(targets, off, s, blank)
            a = NEG_INF
            if merge or ls == blank:
                a = beta[nxt + s]
            if s + 1 < sp:
                a = _lae(a, beta[nxt + s + 1])
            if s + 2 < sp and ls != blank and not (
                    merge and ls == _label(targets, off, s + 2, blank)):
                a = _lae(a, beta[nxt + s + 2])
            beta[row + s] = a + lp[(t * nb + b) * nc + ls] if a != NEG_INF else NEG_INF
    gb = g[b]
    cb = b * nc
    for t in range(tb):
        row = base + t * spm
        for c in range(nc):
            lcab[cb + c] = NEG_INF
        for s in range(sp):
            ls = _label(targets, off, s, blank)
            lcab[cb + ls] = _lae(lcab[cb + ls], alpha[row + s] + beta[row + s])
        for c in range(nc):
            i = (t * nb + b) * nc + c
            x = lp[i]
            out[i] = (math.exp(x) - math.exp(lcab[cb + c] + nll - x)) * gb
