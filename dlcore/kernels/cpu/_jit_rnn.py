"""Numba loops of the fused LSTM gate update (imported on first use by ``rnn.py``): float64
(and other dtypes) with libm's exp and tanh, float32 through the vectorised loops at the end."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._fast32 import _f32_from_bits
from .runtime import configure_threads

configure_threads()

# error_model="numpy": a division needs no zero test (Numba's default raises ZeroDivisionError,
# whose per-element branch keeps LLVM from vectorising a loop that divides; none of these
# divisors can be 0: 1 + e^x >= 1).  The float32 loops also let LLVM fuse a multiply and an add
# (``contract``: no NaN/inf assumptions, results within a float32 rounding of the unfused ones).
# (20, 400) float32 step, 1 thread, CPU time: forward 46-50 -> 29 us, gradient 55-61 -> 38-39 us.
_EM = "numpy"
_FM = {"contract"}


@njit(cache=True, nogil=True, error_model=_EM)
def lstm_gates_fwd(z, c, out):
    """out[:, :H] = h', out[:, H:] = c' from z (B, 4H: i, f, g, o) and c (B, H)."""
    n = c.shape[1]
    for b in range(c.shape[0]):
        for j in range(n):
            i = 1.0 / (1.0 + math.exp(-z[b, j]))
            f = 1.0 / (1.0 + math.exp(-z[b, n + j]))
            g = math.tanh(z[b, 2 * n + j])
            o = 1.0 / (1.0 + math.exp(-z[b, 3 * n + j]))
            c2 = f * c[b, j] + i * g
            out[b, n + j] = c2
            out[b, j] = o * math.tanh(c2)


@njit(cache=True, nogil=True, error_model=_EM)
def lstm_gates_bwd(gy, z, c, out):
    """out[:, :4H] = dz, out[:, 4H:] = dc from gy (B, 2H: dh', dc'), z and c."""
    n = c.shape[1]
    for b in range(c.shape[0]):
        for j in range(n):
            i = 1.0 / (1.0 + math.exp(-z[b, j]))
            f = 1.0 / (1.0 + math.exp(-z[b, n + j]))
            g = math.tanh(z[b, 2 * n + j])
            o = 1.0 / (1.0 + math.exp(-z[b, 3 * n + j]))
            cp = c[b, j]
            th = math.tanh(f * cp + i * g)
            gh = gy[b, j]
            dc2 = gy[b, n + j] + gh * o * (1.0 - th * th)
            out[b, j] = dc2 * g * i * (1.0 - i)
            out[b, n + j] = dc2 * cp * f * (1.0 - f)
            out[b, 2 * n + j] = dc2 * i * (1.0 - g * g)
            out[b, 3 * n + j] = gh * th * o * (1.0 - o)
            out[b, 4 * n + j] = dc2 * f


# ------------------------------------------------------------------ float32, vectorised
# Float32 gates: ``math.exp``/``math.tanh`` are scalar libm calls (about 20 ns each here, five
# or six per unit and step: the larger part of an LSTM step).  These loops compute
# ``sigmoid(x) = 1 / (1 + e^-x)`` and ``tanh(x) = 2 sigmoid(2x) - 1`` with Cephes' ``expf``
# (range reduction by ln 2, a degree-7 polynomial, ``2^k`` from exponent bits) written as array
# loops that LLVM vectorises; absolute error about 1e-7 (float32 rounding), NaN kept.

@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def _exp_inplace32(v):
    """v[j] = exp(v[j]) for a float32 vector (arguments clamped to [-87, 88]): ``2^k`` as the
    float32 of its exponent bits (``_fast32._f32_from_bits``, an LLVM bitcast) in the same
    pass; the same bits as its earlier two-pass form (the bits stored in an int32 array, then
    read through a float32 view), which took 0.36 s to compile against 0.12 s (one core, an
    empty cache) and ran 1.2 against 1.0 us on 3200 values."""
    for j in range(v.shape[0]):
        x = v[j]
        x = x if not x < np.float32(-87.0) else np.float32(-87.0)
        x = x if not x > np.float32(88.0) else np.float32(88.0)
        k = np.floor(x * np.float32(1.4426950408889634) + np.float32(0.5))
        f = x - k * np.float32(0.693359375) - k * np.float32(-2.12194440e-4)
        p = np.float32(1.9875691500e-4)
        p = p * f + np.float32(1.3981999507e-3)
        p = p * f + np.float32(8.3334519073e-3)
        p = p * f + np.float32(4.1665795894e-2)
        p = p * f + np.float32(1.6666665459e-1)
        p = p * f + np.float32(5.0000001201e-1)
        v[j] = (p * f * f + f + np.float32(1.0)) * _f32_from_bits(
            (np.int32(k) + np.int32(127)) << np.int32(23))


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def _gates32(zb, a):
    """a = [s(z_i), s(z_f), tanh(z_g), s(z_o)] for one row ``zb`` (4H) of float32."""
    n4 = zb.shape[0]
    n = n4 // 4
    one, two = np.float32(1.0), np.float32(2.0)
    for j in range(n4):
        a[j] = -zb[j]
    for j in range(2 * n, 3 * n):
        a[j] = a[j] * two
    _exp_inplace32(a)
    for j in range(n4):
        a[j] = one / (one + a[j])
    for j in range(2 * n, 3 * n):
        a[j] = two * a[j] - one


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def _tanh32(x, out):
    """out = tanh(x) for float32 vectors, as 2 sigmoid(2x) - 1."""
    one, two = np.float32(1.0), np.float32(2.0)
    for j in range(x.shape[0]):
        out[j] = -two * x[j]
    _exp_inplace32(out)
    for j in range(x.shape[0]):
        out[j] = two / (one + out[j]) - one


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM, inline="always")
def _workspace32(n):
    """The per-row buffers of the float32 gate loops for H = ``n``: the four gates ``a``
    (4n), c' and tanh(c') (n each)."""
    return np.empty(4 * n, np.float32), np.empty(n, np.float32), np.empty(n, np.float32)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM, inline="always")
def _row32(z, c, b, a, c2, th):
    """Row ``b``'s float32 activations: a = the four gates (``_gates32``), c2 = c' and
    th = tanh(c'); what the forward and the gradient of a step both start from."""
    n = c.shape[1]
    _gates32(z[b], a)
    for j in range(n):
        c2[j] = a[n + j] * c[b, j] + a[j] * a[2 * n + j]
    _tanh32(c2, th)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM, inline="always")
def _row_out32(out, b, a, c2, th):
    """Row ``b`` of a step's ``[h', c']``: c' and h' = o tanh(c') (``_row32``'s results)."""
    n = c2.shape[0]
    for j in range(n):
        out[b, n + j] = c2[j]
        out[b, j] = a[3 * n + j] * th[j]


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def lstm_gates_fwd32(z, c, out):
    """lstm_gates_fwd for float32 through the vectorised activations."""
    nb, n = c.shape
    a, c2, th = _workspace32(n)
    for b in range(nb):
        _row32(z, c, b, a, c2, th)
        _row_out32(out, b, a, c2, th)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def lstm_seq_step32(y, t, z, xw):
    """Step ``t`` (1-based) of a float32 ``lstm_seq`` into ``y`` (T + 1, B, 6H; ``y[0]``
    holds h0 and c0, ``y[t] = [h_t, c_t, z_t]``): ``z_t = z + xw[t - 1]`` (z the recurrent
    product h_{t-1} u, C-ordered, overwritten with the sum) written to its columns, then the
    gates of ``lstm_gates_fwd32`` from ``c_{t-1} = y[t - 1]``'s c columns.  One loop for what
    were NumPy's add of xw and copy of z into y (3D C-ordered arrays: strides known, loops
    vectorised)."""
    nb = z.shape[0]
    n = z.shape[1] // 4
    n4 = 4 * n
    a, c2, th = _workspace32(n)
    for b in range(nb):
        for j in range(n4):
            s = z[b, j] + xw[t - 1, b, j]
            z[b, j] = s
            y[t, b, 2 * n + j] = s
        _gates32(z[b], a)
        for j in range(n):
            c2[j] = a[n + j] * y[t - 1, b, n + j] + a[j] * a[2 * n + j]
        _tanh32(c2, th)
        for j in range(n):
            y[t, b, n + j] = c2[j]
            y[t, b, j] = a[3 * n + j] * th[j]


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def lstm_seq_bwd_step32(g, y, c0, t, dhc, dz):
    """Step ``t`` (0-based) of a float32 ``lstm_seq_grad``: from ``g[t]`` (the cotangent of
    ``y[t] = [h_t, c_t, z_t]``, (T, B, 6H)) plus ``dhc = [dh_t, dc_t]`` carried from step t + 1
    (B, 2H), the gate gradient at the saved ``z_t`` with ``c_{t-1}`` (``y[t - 1]``'s, or
    ``c0`` at t = 0) into ``dz`` (B, 4H), ``g``'s own z columns added; ``dc_{t-1}`` written
    to ``dhc``'s c columns (its h columns are the caller's next product).  The loop of
    ``_step_bwd32_plus`` with NumPy's two adds around it folded in (3D C-ordered arrays)."""
    nb = dz.shape[0]
    n = dz.shape[1] // 4
    n4 = 4 * n
    one = np.float32(1.0)
    a, c2, th = _workspace32(n)
    zr = np.empty(n4, np.float32)
    cp = np.empty(n, np.float32)
    for b in range(nb):
        for j in range(n4):
            zr[j] = y[t, b, 2 * n + j]
        if t == 0:
            for j in range(n):
                cp[j] = c0[b, j]
        else:
            for j in range(n):
                cp[j] = y[t - 1, b, n + j]
        _gates32(zr, a)
        for j in range(n):
            c2[j] = a[n + j] * cp[j] + a[j] * a[2 * n + j]
        _tanh32(c2, th)
        for j in range(n):
            i, f, gg, o = a[j], a[n + j], a[2 * n + j], a[3 * n + j]
            tt = th[j]
            h = g[t, b, j] + dhc[b, j]
            gc = g[t, b, n + j] + dhc[b, n + j]
            d = gc + h * o * (one - tt * tt)
            dz[b, j] = d * gg * i * (one - i)
            dz[b, n + j] = d * cp[j] * f * (one - f)
            dz[b, 2 * n + j] = d * i * (one - gg * gg)
            dz[b, 3 * n + j] = h * tt * o * (one - o)
            dhc[b, n + j] = d * f
        for j in range(n4):
            dz[b, j] += g[t, b, 2 * n + j]


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def lstm_step_fwd32(zx, zh, b_ih, b_hh, c, out):
    """One float32 LSTM step after its two GEMMs: z = (zx + b_ih) + (zh + b_hh) (the
    composite's order of sums) written to ``out``'s last 4n columns, then the gates as
    ``lstm_gates_fwd32`` into its first 2n: ``out = [h', c', z]``.  The three bias and sum
    passes of NumPy (each over (B, 4n), ~4 us at (32, 256)) become part of this one loop."""
    nb, n = c.shape
    n4 = 4 * n
    z = out[:, 2 * n:]
    a, c2, th = _workspace32(n)
    for b in range(nb):
        for j in range(n4):
            z[b, j] = (zx[b, j] + b_ih[j]) + (zh[b, j] + b_hh[j])
        _row32(z, c, b, a, c2, th)
        _row_out32(out, b, a, c2, th)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def _step_bwd32(gh, gc, z, c, dz, dc):
    """The gate gradient of one step for float32 rows (see lstm_gates_bwd): gh, gc (B, H) the
    gradients of h' and c'; writes dz (B, 4H) and dc (B, H)."""
    _step_bwd32_plus(gh, gc, gh[:, :0], z, c, dz, dc)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def lstm_step_bwd32(gh, gc, gz, z, c, dz, dc):
    """``_step_bwd32`` with ``gz`` (B, 4H), the cotangent of the step's saved z columns
    (``lstm_step``'s output [h', c', z]), added to dz in the same loop (``lstm_step_grad``:
    the NumPy add on the strided columns took 5 of its 25 us at (32, 64))."""
    _step_bwd32_plus(gh, gc, gz, z, c, dz, dc)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM, inline="always")
def _step_bwd32_plus(gh, gc, gz, z, c, dz, dc):
    """The loop of both: ``gz`` added when it has columns (an empty one: nothing added)."""
    nb, n = c.shape
    plus = gz.shape[1] != 0
    one = np.float32(1.0)
    a, c2, th = _workspace32(n)
    for b in range(nb):
        _row32(z, c, b, a, c2, th)
        for j in range(n):
            i, f, g, o = a[j], a[n + j], a[2 * n + j], a[3 * n + j]
            t = th[j]
            h = gh[b, j]
            d = gc[b, j] + h * o * (one - t * t)
            dz[b, j] = d * g * i * (one - i)
            dz[b, n + j] = d * c[b, j] * f * (one - f)
            dz[b, 2 * n + j] = d * i * (one - g * g)
            dz[b, 3 * n + j] = h * t * o * (one - o)
            dc[b, j] = d * f
        if plus:
            for j in range(4 * n):
                dz[b, j] += gz[b, j]


# ------------------------------------------------------------------ the GRU update (gru_gates)
# PyTorch's order r, z, n with the reset gate after the recurrent product.  The forward writes
# y = [h', r, z, n] (B, 4H): the gates are the gradient's workspace (as PyTorch's fused cell
# saves them), so the gradient loop below evaluates no exp or tanh.

@njit(cache=True, nogil=True, error_model=_EM)
def gru_gates_fwd(xz, hz, h, out):
    """out = [h', r, z, n] from xz, hz (B, 3H: r, z, n) and h (B, H); libm's exp and tanh."""
    n = h.shape[1]
    for b in range(h.shape[0]):
        for j in range(n):
            r = 1.0 / (1.0 + math.exp(-(xz[b, j] + hz[b, j])))
            z = 1.0 / (1.0 + math.exp(-(xz[b, n + j] + hz[b, n + j])))
            c = math.tanh(xz[b, 2 * n + j] + r * hz[b, 2 * n + j])
            out[b, n + j] = r
            out[b, 2 * n + j] = z
            out[b, 3 * n + j] = c
            out[b, j] = c + z * (h[b, j] - c)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def gru_gates_fwd32(xz, hz, h, out):
    """gru_gates_fwd for float32 through the vectorised activations (``_exp_inplace32``)."""
    nb, n = h.shape
    one, two = np.float32(1.0), np.float32(2.0)
    a = np.empty(2 * n, np.float32)
    t = np.empty(n, np.float32)
    for b in range(nb):
        for j in range(2 * n):
            a[j] = -(xz[b, j] + hz[b, j])
        _exp_inplace32(a)
        for j in range(2 * n):
            a[j] = one / (one + a[j])
        for j in range(n):
            t[j] = -two * (xz[b, 2 * n + j] + a[j] * hz[b, 2 * n + j])
        _exp_inplace32(t)
        for j in range(n):
            c = two / (one + t[j]) - one
            z = a[n + j]
            out[b, n + j] = a[j]
            out[b, 2 * n + j] = z
            out[b, 3 * n + j] = c
            out[b, j] = c + z * (h[b, j] - c)


@njit(cache=True, nogil=True, error_model=_EM)
def gru_gates_bwd(g, y, hz, h, out):
    """out = [dxz, dhz, dh] (B, 7H) from g (B, 4H: the cotangents of y = [h', r, z, n]), y
    (the forward's output: its gates), hz and h: with a_n = x_n + r h_n,
    da_n = (g_h (1 - z) + g_n)(1 - n^2),  da_r = (da_n h_n + g_r) r (1 - r),
    da_z = (g_h (h - n) + g_z) z (1 - z);  dxz = [da_r, da_z, da_n],
    dhz = [da_r, da_z, da_n r],  dh = g_h z."""
    n = h.shape[1]
    for b in range(h.shape[0]):
        for j in range(n):
            r = y[b, n + j]
            z = y[b, 2 * n + j]
            c = y[b, 3 * n + j]
            gh = g[b, j]
            dan = (gh * (1.0 - z) + g[b, 3 * n + j]) * (1.0 - c * c)
            dar = (dan * hz[b, 2 * n + j] + g[b, n + j]) * r * (1.0 - r)
            daz = (gh * (h[b, j] - c) + g[b, 2 * n + j]) * z * (1.0 - z)
            out[b, j] = dar
            out[b, n + j] = daz
            out[b, 2 * n + j] = dan
            out[b, 3 * n + j] = dar
            out[b, 4 * n + j] = daz
            out[b, 5 * n + j] = dan * r
            out[b, 6 * n + j] = gh * z


# ------------------------------------------------------------------ a GRU layer (gru_seq)
# ``full`` (T + 1, B, 5H) holds h0 in step 0's first H columns and the layer's output after it:
# full[t] = [h, r, z, n, hn] of step t - 1, hn = (h u + b_hh)'s candidate columns (the product
# the reset gate scales, which the gradient reads).  ``hz`` = h_{t-1} u without the bias.  The
# sums are the step path's (``gru_gates`` after ``h W_hh^T + b_hh``), in the same order.

@njit(cache=True, nogil=True, error_model=_EM)
def gru_seq_step(full, t, hz, xw, bh):
    """Step ``t`` (1-based) of a GRU layer, libm's exp and tanh."""
    nb, n5 = full.shape[1], full.shape[2]
    n = n5 // 5
    x = xw[t - 1]
    for b in range(nb):
        for j in range(n):
            r = 1.0 / (1.0 + math.exp(-(x[b, j] + (hz[b, j] + bh[j]))))
            z = 1.0 / (1.0 + math.exp(-(x[b, n + j] + (hz[b, n + j] + bh[n + j]))))
            hn = hz[b, 2 * n + j] + bh[2 * n + j]
            c = math.tanh(x[b, 2 * n + j] + r * hn)
            full[t, b, n + j] = r
            full[t, b, 2 * n + j] = z
            full[t, b, 3 * n + j] = c
            full[t, b, 4 * n + j] = hn
            full[t, b, j] = c + z * (full[t - 1, b, j] - c)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def gru_seq_step32(full, t, hz, xw, bh):
    """gru_seq_step for float32 through the vectorised activations (``_exp_inplace32``)."""
    nb, n5 = full.shape[1], full.shape[2]
    n = n5 // 5
    one, two = np.float32(1.0), np.float32(2.0)
    a = np.empty(2 * n, np.float32)
    e = np.empty(n, np.float32)
    hn = np.empty(n, np.float32)
    x = xw[t - 1]
    for b in range(nb):
        for j in range(2 * n):
            a[j] = -(x[b, j] + (hz[b, j] + bh[j]))
        _exp_inplace32(a)
        for j in range(2 * n):
            a[j] = one / (one + a[j])
        for j in range(n):
            hn[j] = hz[b, 2 * n + j] + bh[2 * n + j]
            e[j] = -two * (x[b, 2 * n + j] + a[j] * hn[j])
        _exp_inplace32(e)
        for j in range(n):
            c = two / (one + e[j]) - one
            z = a[n + j]
            full[t, b, n + j] = a[j]
            full[t, b, 2 * n + j] = z
            full[t, b, 3 * n + j] = c
            full[t, b, 4 * n + j] = hn[j]
            full[t, b, j] = c + z * (full[t - 1, b, j] - c)


@njit(cache=True, nogil=True, error_model=_EM, inline="always")
def _gru_seq_bwd_rows(gt, yt, hp, dh, outt, dhz, one):
    """One step of a GRU layer's backpropagation through time (``gru_gates_bwd``'s formulas at
    the saved gates, hz_n = the saved hn) on 2-D rows: gt, yt = g[t], y[t] (B, 5H), hp =
    h_{t-1} (B, H); ``dh`` holds the cotangent of h_t from the later steps on entry and the
    direct part ``g_h z`` of h_{t-1}'s on return (the caller adds ``dhz u^T``); outt = out[t]
    = [dxz, dhz] with g's hn columns added to dhz's candidate block, and ``dhz`` (B, 3H) a
    C-ordered copy of the latter for the product.  ``one``: 1 in the arrays' dtype."""
    n = hp.shape[1]
    for b in range(hp.shape[0]):
        for j in range(n):
            r = yt[b, n + j]
            z = yt[b, 2 * n + j]
            c = yt[b, 3 * n + j]
            gh = gt[b, j] + dh[b, j]
            dan = (gh * (one - z) + gt[b, 3 * n + j]) * (one - c * c)
            dar = (dan * yt[b, 4 * n + j] + gt[b, n + j]) * r * (one - r)
            daz = (gh * (hp[b, j] - c) + gt[b, 2 * n + j]) * z * (one - z)
            dnr = dan * r + gt[b, 4 * n + j]
            outt[b, j] = dar
            outt[b, n + j] = daz
            outt[b, 2 * n + j] = dan
            outt[b, 3 * n + j] = dar
            outt[b, 4 * n + j] = daz
            outt[b, 5 * n + j] = dnr
            dhz[b, j] = dar
            dhz[b, n + j] = daz
            dhz[b, 2 * n + j] = dnr
            dh[b, j] = gh * z


@njit(cache=True, nogil=True, error_model=_EM)
def gru_seq_bwd_step(gt, yt, hp, dh, outt, dhz):
    """``_gru_seq_bwd_rows`` for float64 (and other dtypes)."""
    _gru_seq_bwd_rows(gt, yt, hp, dh, outt, dhz, 1.0)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def gru_seq_bwd_step32(gt, yt, hp, dh, outt, dhz):
    """``_gru_seq_bwd_rows`` for float32: float32 arithmetic throughout (a float64 ``1.0``
    would widen every product), a multiply and an add fused where LLVM can."""
    _gru_seq_bwd_rows(gt, yt, hp, dh, outt, dhz, np.float32(1.0))


# ------------------------------------------------------------------ an Elman layer (rnn_seq)
# ``full`` (T + 1, B, H) holds h0 in step 0 and h_t after it; ``hz`` = h_{t-1} u.  The sum is
# the step path's ``xw_t + h u``; relu keeps NaN (dlcore's relu: x if x > 0 or x != x else 0).

@njit(cache=True, nogil=True, error_model=_EM)
def rnn_seq_step(full, t, hz, xw, relu):
    """Step ``t`` (1-based) of an Elman layer: h_t = act(xw_{t-1} + hz), libm's tanh."""
    x = xw[t - 1]
    for b in range(hz.shape[0]):
        for j in range(hz.shape[1]):
            a = x[b, j] + hz[b, j]
            if relu:
                full[t, b, j] = a if (a > 0 or a != a) else 0.0
            else:
                full[t, b, j] = math.tanh(a)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def rnn_seq_step32(full, t, hz, xw, relu):
    """rnn_seq_step for float32, tanh through the vectorised ``_tanh32``."""
    n = hz.shape[1]
    a = np.empty(n, np.float32)
    x = xw[t - 1]
    zero = np.float32(0.0)
    for b in range(hz.shape[0]):
        for j in range(n):
            a[j] = x[b, j] + hz[b, j]
        if relu:
            for j in range(n):
                full[t, b, j] = a[j] if (a[j] > zero or a[j] != a[j]) else zero
        else:
            _tanh32(a, full[t, b])


@njit(cache=True, nogil=True, error_model=_EM, inline="always")
def _rnn_seq_bwd_rows(gt, yt, dh, da, relu, one):
    """da = (g_t + dh) act'(h_t) from the saved h_t (tanh: 1 - h^2; relu: 0 where h <= 0,
    as PyTorch's threshold_backward, so a NaN h passes the cotangent)."""
    zero = one - one
    for b in range(yt.shape[0]):
        for j in range(yt.shape[1]):
            y = yt[b, j]
            d = gt[b, j] + dh[b, j]
            if relu:
                da[b, j] = zero if y <= zero else d
            else:
                da[b, j] = d * (one - y * y)


@njit(cache=True, nogil=True, error_model=_EM)
def rnn_seq_bwd_step(gt, yt, dh, da, relu):
    """``_rnn_seq_bwd_rows`` for float64 (and other dtypes)."""
    _rnn_seq_bwd_rows(gt, yt, dh, da, relu, 1.0)


@njit(cache=True, nogil=True, error_model=_EM, fastmath=_FM)
def rnn_seq_bwd_step32(gt, yt, dh, da, relu):
    """``_rnn_seq_bwd_rows`` for float32 (float32 arithmetic throughout)."""
    _rnn_seq_bwd_rows(gt, yt, dh, da, relu, np.float32(1.0))
