"""Op-table rows of the CTC loss (dlcore/ops/ctc.py) and a NumPy reference of it, written in
probability space straight from Graves et al. (2006): alpha and beta over the extended label
sequence l' (blanks around every label), loss = -log p, and PyTorch's gradient
``exp(lp) - (1/p) sum_{s: l'(s)=c} alpha_t(s) beta_t(s) / y_t(c)``."""

from __future__ import annotations

import numpy as np

from dlcore import ops
from dlcore.ops import ctc


def _ext(target, blank):
    ext = [blank]
    for c in target:
        ext += [int(c), blank]
    return ext


def np_ctc_alpha_beta(y, target, blank, merge=True):
    """alpha, beta (T, 2L+1) of one sequence in probability space; y is (T, C) probabilities."""
    ext = _ext(target, blank)
    t_len, sp = y.shape[0], len(ext)
    alpha = np.zeros((t_len, sp))
    beta = np.zeros((t_len, sp))
    alpha[0, 0] = y[0, blank]
    if sp > 1:
        alpha[0, 1] = y[0, ext[1]]
    for t in range(1, t_len):
        for s in range(sp):
            a = alpha[t - 1, s] if merge or ext[s] == blank else 0.0
            if s > 0:
                a += alpha[t - 1, s - 1]
            if s > 1 and ext[s] != blank and not (merge and ext[s] == ext[s - 2]):
                a += alpha[t - 1, s - 2]
            alpha[t, s] = a * y[t, ext[s]]
    beta[-1, -1] = y[-1, blank]
    if sp > 1:
        beta[-1, -2] = y[-1, ext[-2]]
    for t in range(t_len - 2, -1, -1):
        for s in range(sp):
            b = beta[t + 1, s] if merge or ext[s] == blank else 0.0
            if s + 1 < sp:
                b += beta[t + 1, s + 1]
            if s + 2 < sp and ext[s] != blank and not (merge and ext[s] == ext[s + 2]):
                b += beta[t + 1, s + 2]
            beta[t, s] = b * y[t, ext[s]]
    return alpha, beta, ext


def _targets(targets, b, tl):
    return targets[b, :tl[b]] if targets.ndim == 2 else \
        targets[int(np.sum(tl[:b])):int(np.sum(tl[:b + 1]))]


def np_ctc_loss(lp, targets, il, tl, blank=0, zero_infinity=False, merge=True):
    """-log p per batch element of log-probabilities lp (T, N, C)."""
    lp = np.asarray(lp, np.float64)
    out = np.zeros(lp.shape[1])
    for b in range(lp.shape[1]):
        tb = int(il[b])
        if tb == 0:
            out[b] = 0.0 if tl[b] == 0 else np.inf
        else:
            alpha, _, _ = np_ctc_alpha_beta(np.exp(lp[:tb, b]), _targets(targets, b, tl), blank,
                                            merge)
            p = alpha[-1, -1] + (alpha[-1, -2] if alpha.shape[1] > 1 else 0.0)
            with np.errstate(divide="ignore"):
                out[b] = -np.log(p)
        if zero_infinity and out[b] == np.inf:
            out[b] = 0.0
    return out


def np_ctc_grad(g, lp, targets, il, tl, blank=0, zero_infinity=False, merge=True):
    """PyTorch's ctc_loss_backward: (T, N, C)."""
    lp = np.asarray(lp, np.float64)
    out = np.zeros(lp.shape)
    for b in range(lp.shape[1]):
        tb = int(il[b])
        if tb == 0:
            continue
        y = np.exp(lp[:tb, b])
        alpha, beta, ext = np_ctc_alpha_beta(y, _targets(targets, b, tl), blank, merge)
        p = alpha[-1, -1] + (alpha[-1, -2] if alpha.shape[1] > 1 else 0.0)
        if p == 0.0 and zero_infinity:
            continue
        ab = np.zeros((tb, lp.shape[2]))
        for s, c in enumerate(ext):
            ab[:, c] += alpha[:, s] * beta[:, s]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:tb, b] = (y - ab / (p * y)) * g[b]
    return out


def ctc_rows(OpRow) -> list:
    T, N, C, S = 4, 2, 4, 2

    def f(lp, tg, il, tl):
        return ctc.ctc_loss(ops.log_softmax(lp, -1), tg, il, tl, blank=C - 1,
                            zero_infinity=True)

    def ref(lp, tg, il, tl):
        lsm = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
        return np_ctc_loss(lsm, tg, il, tl, C - 1, True).astype(lp.dtype)

    def fg(g, lp, tg, il, tl):
        return ctc.bind(ctc.ctc_loss_grad_p, g, lp, tg, il, tl, blank=0, zero_infinity=True,
                        merge_repeated=True)

    def refg(g, lp, tg, il, tl):
        return np_ctc_grad(g, lp, tg, il, tl, 0, True).astype(lp.dtype)

    shapes = (((T, N, C), (N, S), (N,), (N,)),)
    return [
        OpRow("ctc_loss[log_softmax]", "ctc_loss", f, ref, shapes,
              ("real", f"int{C - 1}", f"int{T + 1}", f"int{S + 1}"), (0,), rtol=1e-4,
              atol=1e-5, primitives=("ctc_loss", "ctc_loss_grad")),
        OpRow("ctc_loss_grad", "ctc_loss_grad", fg, refg, (((N,),) + shapes[0],),
              ("real", "real", f"int{C}", f"int{T + 1}", f"int{S + 1}"), (), rtol=1e-4,
              atol=1e-5),
    ]
