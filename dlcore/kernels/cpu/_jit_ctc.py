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

As PyTorch's CPU kernel: three-term log-sum-exps with one ``log`` per state, and only the states
that can still reach the end (``s`` in ``[S' - 2 (Tb - t), 2 (t + 1))``) are computed; the sum
over states of one class is accumulated as ``exp(alpha + beta - m_t)`` with ``m_t`` the step's
largest term (one ``exp`` per state).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .runtime import configure_threads

configure_threads()

NEG_INF = -np.inf


@njit(cache=True, nogil=True)
def _lse3(a, b, c):
    """log(exp(a) + exp(b) + exp(c)), -inf when all are -inf (one log, as PyTorch's)."""
    m = max(a, max(b, c))
    if m == -np.inf:
        return -np.inf
    return m + math.log(math.exp(a - m) + math.exp(b - m) + math.exp(c - m))


@njit(cache=True, nogil=True)
def _ext(targets, off, ln, blank):
    """l': blank, target_0, blank, target_1, ..., blank."""
    ext = np.empty(2 * ln + 1, dtype=np.int64)
    for s in range(2 * ln + 1):
        ext[s] = blank if s % 2 == 0 else targets[off + (s - 1) // 2]
    return ext


@njit(cache=True, nogil=True)
def _alpha(lp, b, ext, tb, blank, merge, alpha):
    """alpha[:tb] (rows -inf outside the states that can still reach the end)."""
    sp = ext.shape[0]
    alpha[:tb, :sp] = -np.inf
    alpha[0, 0] = lp[0, b, blank]
    if sp > 1:
        alpha[0, 1] = lp[0, b, ext[1]]
    for t in range(1, tb):
        lo = max(0, sp - 2 * (tb - t))
        hi = min(sp, 2 * (t + 1))
        for s in range(lo, hi):
            ls = ext[s]
            a = alpha[t - 1, s] if merge or ls == blank else -np.inf
            a1 = alpha[t - 1, s - 1] if s > 0 else -np.inf
            a2 = -np.inf
            if s > 1 and ls != blank and not (merge and ls == ext[s - 2]):
                a2 = alpha[t - 1, s - 2]
            v = _lse3(a, a1, a2)
            alpha[t, s] = v + lp[t, b, ls] if v != -np.inf else -np.inf


@njit(cache=True, nogil=True)
def _nll(alpha, tb, sp):
    last = alpha[tb - 1, sp - 1]
    prev = alpha[tb - 1, sp - 2] if sp > 1 else -np.inf
    return -_lse3(last, prev, -np.inf)


@njit(cache=True, nogil=True)
def ctc_fwd(lp, targets, offsets, in_len, tg_len, blank, zero_inf, merge, out):
    """out[b] = -log p(target_b | lp[:in_len[b], b]) (0 for an infinite one with zero_inf)."""
    t_max = lp.shape[0]
    s_max = 0
    for b in range(lp.shape[1]):
        s_max = max(s_max, 2 * tg_len[b] + 1)
    alpha = np.empty((t_max, s_max))
    for b in range(lp.shape[1]):
        tb = in_len[b]
        ln = tg_len[b]
        if tb == 0:
            v = 0.0 if ln == 0 else np.inf
        else:
            ext = _ext(targets, offsets[b], ln, blank)
            _alpha(lp, b, ext, tb, blank, merge, alpha)
            v = _nll(alpha, tb, 2 * ln + 1)
        if zero_inf and v == np.inf:
            v = 0.0
        out[b] = v


@njit(cache=True, nogil=True)
def ctc_bwd(g, lp, targets, offsets, in_len, tg_len, blank, zero_inf, merge, out):
    """out[t, b, c]: PyTorch's ctc_loss_backward (see the module docstring)."""
    t_max, nb, nc = lp.shape
    out[:] = 0.0
    s_max = 0
    for b in range(nb):
        s_max = max(s_max, 2 * tg_len[b] + 1)
    alpha = np.empty((t_max, s_max))
    beta = np.empty((t_max, s_max))
    acc = np.empty(nc)
    for b in range(nb):
        tb = in_len[b]
        ln = tg_len[b]
        if tb == 0:
            continue
        sp = 2 * ln + 1
        ext = _ext(targets, offsets[b], ln, blank)
        _alpha(lp, b, ext, tb, blank, merge, alpha)
        nll = _nll(alpha, tb, sp)
        if zero_inf and nll == np.inf:
            continue
        beta[:tb, :sp] = -np.inf
        beta[tb - 1, sp - 1] = lp[tb - 1, b, blank]
        if sp > 1:
            beta[tb - 1, sp - 2] = lp[tb - 1, b, ext[sp - 2]]
        for t in range(tb - 2, -1, -1):
            lo = max(0, sp - 2 * (tb - t))
            hi = min(sp, 2 * (t + 1))
            for s in range(lo, hi):
                ls = ext[s]
                a = beta[t + 1, s] if merge or ls == blank else -np.inf
                a1 = beta[t + 1, s + 1] if s + 1 < sp else -np.inf
                a2 = -np.inf
                if s + 2 < sp and ls != blank and not (merge and ls == ext[s + 2]):
                    a2 = beta[t + 1, s + 2]
                v = _lse3(a, a1, a2)
                beta[t, s] = v + lp[t, b, ls] if v != -np.inf else -np.inf
        gb = g[b]
        for t in range(tb):
            # sum_{s: l'(s) = c} alpha beta, scaled by the step's largest term m
            m = -np.inf
            for s in range(sp):
                m = max(m, alpha[t, s] + beta[t, s])
            for c in range(nc):
                acc[c] = 0.0
            if m != -np.inf:
                for s in range(sp):
                    acc[ext[s]] += math.exp(alpha[t, s] + beta[t, s] - m)
            for c in range(nc):
                x = lp[t, b, c]
                if acc[c] > 0.0:
                    neg = acc[c] * math.exp(m + nll - x)
                else:                       # PyTorch's exp(-inf + nll - lp): NaN for nll inf
                    neg = math.exp(-np.inf + nll - x)
                out[t, b, c] = (math.exp(x) - neg) * gb
