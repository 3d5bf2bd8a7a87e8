"""Numba loops of the reset-before GRU layer over time (``gru_rb_seq``, imported on first use by
``rnn.py``): TensorFlow 1's ``GRUCell`` and Keras' ``GRU(reset_after=False)``, whose reset
gate scales the state before the candidate's recurrent product, so a step has two products
(``h ug`` for the gates, then ``(r h) uc``) with a loop after each.  libm's exp and tanh in the
arrays' dtype (float32's forward: the vectorised loops at the end); ``one`` is 1 in that dtype
(a float64 ``1.0`` would widen float32 products)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._jit_rnn import _exp_inplace32
from .runtime import configure_threads

configure_threads()

_EM = "numpy"           # (no zero test before a division: 1 + e^x >= 1)


# full[t] = [h, r, u, c] of step t - 1 (full[0]'s h = h0); xw[t - 1] = [x_r, x_u, x_c] with the
# biases; hz = h_{t-1} ug (B, 2H), hc = (r h_{t-1}) uc (B, H).

@njit(cache=True, nogil=True, error_model=_EM)
def gru_rb_gates(full, t, hz, xw, rh, one):
    """Step ``t``'s gates r and u into ``full[t]`` and ``rh = r h_{t-1}`` (the candidate
    product's operand, C-ordered) from ``hz``."""
    nb, n = rh.shape
    x = xw[t - 1]
    for b in range(nb):
        for j in range(n):
            r = one / (one + math.exp(-(x[b, j] + hz[b, j])))
            u = one / (one + math.exp(-(x[b, n + j] + hz[b, n + j])))
            full[t, b, n + j] = r
            full[t, b, 2 * n + j] = u
            rh[b, j] = r * full[t - 1, b, j]


@njit(cache=True, nogil=True, error_model=_EM)
def gru_rb_update(full, t, hc, xw):
    """Step ``t``'s candidate ``c = tanh(x_c + hc)`` and state ``h = u h_{t-1} + (1 - u) c``."""
    nb, n = hc.shape
    x = xw[t - 1]
    for b in range(nb):
        for j in range(n):
            c = math.tanh(x[b, 2 * n + j] + hc[b, j])
            full[t, b, 3 * n + j] = c
            full[t, b, j] = c + full[t, b, 2 * n + j] * (full[t - 1, b, j] - c)


@njit(cache=True, nogil=True, error_model=_EM)
def gru_rb_bwd_c(gt, yt, hp, dh, outt, dzc, one):
    """Backward, first half of step t: from ``gt`` = g[t] = [g_h, g_r, g_u, g_c] and ``dh`` (the
    later steps' cotangent of h_t), the candidate's and the update gate's pre-activation
    cotangents ``dzc`` (C-ordered, for ``dzc uc^T``) and ``dzu`` (into ``outt``'s u block);
    ``dh`` becomes ``gh u``, h_{t-1}'s direct part (gh = g_h + dh)."""
    nb, n = dh.shape
    for b in range(nb):
        for j in range(n):
            u = yt[b, 2 * n + j]
            c = yt[b, 3 * n + j]
            gh = gt[b, j] + dh[b, j]
            d = (gh * (one - u) + gt[b, 3 * n + j]) * (one - c * c)
            dzc[b, j] = d
            outt[b, 2 * n + j] = d
            outt[b, n + j] = (gh * (hp[b, j] - c) + gt[b, 2 * n + j]) * u * (one - u)
            dh[b, j] = gh * u


@njit(cache=True, nogil=True, error_model=_EM)
def gru_rb_bwd_r(gt, yt, hp, drh, dh, outt, dzg, one):
    """Backward, second half of step t: from ``drh`` = dzc uc^T (the cotangent of r h_{t-1}),
    the reset gate's pre-activation cotangent ``dzr`` (into ``outt``), ``dzg = [dzr, dzu]``
    (C-ordered, for ``dzg ug^T``) and ``dh += drh r``."""
    nb, n = dh.shape
    for b in range(nb):
        for j in range(n):
            r = yt[b, n + j]
            dzr = (drh[b, j] * hp[b, j] + gt[b, n + j]) * r * (one - r)
            outt[b, j] = dzr
            dzg[b, j] = dzr
            dzg[b, n + j] = outt[b, n + j]
            dh[b, j] += drh[b, j] * r



# float32: the exponentials through ``_jit_rnn``'s vectorised Cephes ``expf`` (a row at a time;
# absolute error about 1e-7), as gru_seq's and lstm_seq's float32 steps.

@njit(cache=True, nogil=True, error_model=_EM, fastmath={"contract"})
def gru_rb_gates32(full, t, hz, xw, rh):
    """``gru_rb_gates`` for float32."""
    nb, n = rh.shape
    one = np.float32(1.0)
    a = np.empty(2 * n, np.float32)
    x = xw[t - 1]
    for b in range(nb):
        for j in range(2 * n):
            a[j] = -(x[b, j] + hz[b, j])
        _exp_inplace32(a)
        for j in range(n):
            r = one / (one + a[j])
            full[t, b, n + j] = r
            full[t, b, 2 * n + j] = one / (one + a[n + j])
            rh[b, j] = r * full[t - 1, b, j]


@njit(cache=True, nogil=True, error_model=_EM, fastmath={"contract"})
def gru_rb_update32(full, t, hc, xw):
    """``gru_rb_update`` for float32 (tanh as 2 sigmoid(2x) - 1)."""
    nb, n = hc.shape
    one, two = np.float32(1.0), np.float32(2.0)
    e = np.empty(n, np.float32)
    x = xw[t - 1]
    for b in range(nb):
        for j in range(n):
            e[j] = -two * (x[b, 2 * n + j] + hc[b, j])
        _exp_inplace32(e)
        for j in range(n):
            c = two / (one + e[j]) - one
            full[t, b, 3 * n + j] = c
            full[t, b, j] = c + full[t, b, 2 * n + j] * (full[t - 1, b, j] - c)
