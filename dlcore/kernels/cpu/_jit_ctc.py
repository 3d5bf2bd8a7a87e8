"""Numba loops of the CTC loss and its gradient (imported on first use by ``ctc.py``).

Per batch element ``b`` with input length ``Tb`` and target length ``L`` (extended label
sequence ``l'`` of ``2L + 1`` states, blanks at the even states), in log space::

    alpha[0, 0] = lp[0, blank],  alpha[0, 1] = lp[0, l'(1)]
    alpha[t, s] = lp[t, l'(s)] + logsumexp(alpha[t-1, s] (if merging or l'(s) is blank),
                                           alpha[t-1, s-1],
                                           alpha[t-1, s-2] (if l'(s) != blank, l'(s-2)))
    nll = -logsumexp(alpha[Tb-1, 2L], alpha[Tb-1, 2L-1])

``beta`` is the same recursion run backwards (it includes ``lp[t]``, as PyTorch's), and the
gradient is PyTorch's ``ctc_loss_backward``::

    grad[t, b, c] = g[b] (exp(lp[t,b,c]) - exp(logsumexp_{s: l'(s)=c} (alpha + beta)[t, s]
                                               + nll - lp[t,b,c]))   for t < Tb, else 0
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .runtime import configure_threads

configure_threads()

NEG_INF = -np.inf


@njit(cache=True, nogil=True)
def _lae(a, b):
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


@njit(cache=True, nogil=True)
def _label(targets, off, s, blank):
    if s % 2 == 0:
        return blank
    return targets[off + (s - 1) // 2]


@njit(cache=True, nogil=True)
def _alpha(lp, b, targets, off, tb, ln, blank, merge, alpha):
    sp = 2 * ln + 1
    for s in range(sp):
        alpha[0, s] = -np.inf
    alpha[0, 0] = lp[0, b, blank]
    if ln > 0:
        alpha[0, 1] = lp[0, b, _label(targets, off, 1, blank)]
    for t in range(1, tb):
        for s in range(sp):
            ls = _label(targets, off, s, blank)
            a = -np.inf
            if merge or ls == blank:
                a = alpha[t - 1, s]
            if s > 0:
                a = _lae(a, alpha[t - 1, s - 1])
            if s > 1 and ls != blank and not (merge and ls == _label(targets, off, s - 2, blank)):
                a = _lae(a, alpha[t - 1, s - 2])
            alpha[t, s] = a + lp[t, b, ls] if a != -np.inf else -np.inf


@njit(cache=True, nogil=True)
def _nll(alpha, tb, ln):
    sp = 2 * ln + 1
    ll = alpha[tb - 1, sp - 1]
    if sp > 1:
        ll = _lae(ll, alpha[tb - 1, sp - 2])
    return -ll


@njit(cache=True, nogil=True)
def ctc_fwd(lp, targets, offsets, in_len, tg_len, blank, zero_inf, merge, out):
    """out[b] = -log p(target_b | lp[:in_len[b], b]) (0 for an infinite one with zero_inf)."""
    t_max = lp.shape[0]
    for b in range(lp.shape[1]):
        tb = in_len[b]
        ln = tg_len[b]
        if tb == 0:
            v = 0.0 if ln == 0 else np.inf
        else:
            alpha = np.empty((t_max, 2 * ln + 1))
            _alpha(lp, b, targets, offsets[b], tb, ln, blank, merge, alpha)
            v = _nll(alpha, tb, ln)
        if zero_inf and v == np.inf:
            v = 0.0
        out[b] = v


@njit(cache=True, nogil=True)
def ctc_bwd(g, lp, targets, offsets, in_len, tg_len, blank, zero_inf, merge, out):
    """out[t, b, c]: PyTorch's ctc_loss_backward (see the module docstring)."""
    nb, nc = lp.shape[1], lp.shape[2]
    out[:] = 0.0
    for b in range(nb):
        tb = in_len[b]
        ln = tg_len[b]
        if tb == 0:
            continue
        sp = 2 * ln + 1
        off = offsets[b]
        alpha = np.empty((tb, sp))
        _alpha(lp, b, targets, off, tb, ln, blank, merge, alpha)
        nll = _nll(alpha, tb, ln)
        if zero_inf and nll == np.inf:
            continue
        beta = np.empty((tb, sp))
        for s in range(sp):
            beta[tb - 1, s] = -np.inf
        beta[tb - 1, sp - 1] = lp[tb - 1, b, blank]
        if ln > 0:
            beta[tb - 1, sp - 2] = lp[tb - 1, b, _label(targets, off, sp - 2, blank)]
        for t in range(tb - 2, -1, -1):
            for s in range(sp):
                ls = _label(targets, off, s, blank)
                a = -np.inf
                if merge or ls == blank:
                    a = beta[t + 1, s]
                if s + 1 < sp:
                    a = _lae(a, beta[t + 1, s + 1])
                if s + 2 < sp and ls != blank and not (
                        merge and ls == _label(targets, off, s + 2, blank)):
                    a = _lae(a, beta[t + 1, s + 2])
                beta[t, s] = a + lp[t, b, ls] if a != -np.inf else -np.inf
        lcab = np.full(nc, -np.inf)
        gb = g[b]
        for t in range(tb):
            for c in range(nc):
                lcab[c] = -np.inf
            for s in range(sp):
                ls = _label(targets, off, s, blank)
                lcab[ls] = _lae(lcab[ls], alpha[t, s] + beta[t, s])
            for c in range(nc):
                x = lp[t, b, c]
                out[t, b, c] = (math.exp(x) - math.exp(lcab[c] + nll - x)) * gb
