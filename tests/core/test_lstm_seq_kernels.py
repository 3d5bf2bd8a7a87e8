"""The float32 ``lstm_seq`` and ``lstm_seq_grad`` CPU kernels (``kernels/cpu/rnn.py``): each step
one Numba loop (``_jit_rnn.lstm_seq_step32``, ``lstm_seq_bwd_step32``) for what were NumPy's
adds and copy around the gate loop.  They must give, bit for bit, what the loops they replaced
gave (the same product, the gate kernels ``lstm_gates_fwd32``/``_step_bwd32`` and NumPy's adds
and copy: written out below), and agree with float64 and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu import _jit_rnn as J
from dlcore.kernels.cpu import rnn

F32 = np.float32


def _inputs(T, B, H, seed=0, dtype=F32):
    rng = np.random.default_rng(seed)
    xw = rng.standard_normal((T, B, 4 * H)).astype(dtype)
    u = (rng.standard_normal((H, 4 * H)) * 0.3).astype(dtype)
    h0 = rng.standard_normal((B, H)).astype(dtype)
    c0 = rng.standard_normal((B, H)).astype(dtype)
    return xw, u, h0, c0


def _forward_by_steps(xw, u, h0, c0):
    """The layer as its steps were run before the fused loop: the product, NumPy's add of
    ``xw_t``, the gate kernel (``lstm_gates_fwd32``) writing [h_t, c_t] into ``y[t]``, NumPy's
    copy of z_t beside them."""
    t_len, nb, n4 = xw.shape
    n = n4 // 4
    dt = xw.dtype
    y = np.empty((t_len, nb, 6 * n), dt)
    z = np.empty((nb, n4), dt)
    h, c = h0, rnn._like_state(c0, nb, n, dt)
    fwd = J.lstm_gates_fwd32
    mm = rnn._step_product(nb, n, n4, dt)
    for t in range(t_len):
        yt = y[t]
        mm(h, np.ascontiguousarray(u), z)
        np.add(z, xw[t], out=z)
        fwd(z, c, yt[:, :2 * n])
        np.copyto(yt[:, 2 * n:], z)
        h, c = yt[:, :n], yt[:, n:2 * n]
    return y


def _backward_by_steps(g, y, u, c0):
    """lstm_seq_grad's recursion as it was run before the fused loop: NumPy's add of the
    carried [dh, dc], the gate gradient kernel, NumPy's add of g's z columns, the product."""
    t_len, nb, n6 = y.shape
    n = n6 // 6
    dt = y.dtype
    out = np.empty((t_len + 1, nb, 4 * n), dt)
    dhc = out[t_len, :, :2 * n]
    dhc[...] = 0
    out[t_len, :, 2 * n:] = 0
    dh, dc = dhc[:, :n], dhc[:, n:]
    gy = np.empty((nb, 2 * n), dt)
    ut = np.ascontiguousarray(u.T)
    c0 = rnn._like_state(c0, nb, n, dt)

    def bwd(gy, z, c, dz, dc):
        J._step_bwd32(gy[:, :n], gy[:, n:], z, c, dz, dc)
    mm = rnn._step_product(nb, 4 * n, n, dt)
    for t in range(t_len - 1, -1, -1):
        gt, dz = g[t], out[t]
        np.add(gt[:, :2 * n], dhc, out=gy)
        bwd(gy, y[t, :, 2 * n:], y[t - 1, :, n:2 * n] if t else c0, dz, dc)
        np.add(dz, gt[:, 2 * n:], out=dz)
        mm(dz, ut, dh)
    return out


def _exact_product(m, k, n, dt):
    """A recurrent product whose bits do not depend on where its operands lie in memory
    (BLAS's own may: OpenBLAS's one-row kernels follow the operands' alignment): float64
    sums rounded once to float32."""
    def product(a, b, out):
        out[...] = (a.astype(np.float64) @ b.astype(np.float64)).astype(out.dtype)
    return product


@pytest.mark.parametrize("T,B,H", [(1, 3, 5), (4, 2, 7), (10, 20, 100), (3, 1, 16)])
def test_the_float32_layer_is_its_steps_bit_for_bit(T, B, H, monkeypatch):
    monkeypatch.setattr(rnn, "_step_product", _exact_product)
    xw, u, h0, c0 = _inputs(T, B, H)
    y = rnn.lstm_seq(xw, u, h0, c0)
    assert y.shape == (T, B, 6 * H) and y.dtype == F32 and y.flags.c_contiguous
    np.testing.assert_array_equal(y, _forward_by_steps(xw, u, h0, c0))
    g = np.random.default_rng(1).standard_normal(y.shape).astype(F32)
    d = rnn.lstm_seq_grad(g, y, u, h0, c0)
    assert d.shape == (T + 1, B, 4 * H)
    np.testing.assert_array_equal(d, _backward_by_steps(g, y, u, c0))
    np.testing.assert_array_equal(d[T, :, 2 * H:], 0)


def test_strided_and_fortran_operands_give_the_same_values():
    xw, u, h0, c0 = _inputs(5, 4, 8)
    want = rnn.lstm_seq(xw, u, h0, c0)
    wide = np.zeros((5, 4, 64), F32)
    wide[:, :, 8:40] = xw                               # a column slice: not C-ordered
    y = rnn.lstm_seq(wide[:, :, 8:40], np.asfortranarray(u), h0[:, ::1], c0.T.copy().T)
    np.testing.assert_array_equal(y, want)
    g = np.random.default_rng(2).standard_normal(want.shape).astype(F32)
    gw = np.zeros((5, 4, 100), F32)
    gw[:, :, 2:50] = g
    np.testing.assert_array_equal(rnn.lstm_seq_grad(gw[:, :, 2:50], y, u, h0, c0),
                                  rnn.lstm_seq_grad(g, want, u, h0, c0))
    sum_like = np.broadcast_to(np.float32(1.0), want.shape)  # a sum's stride-0 cotangent
    np.testing.assert_array_equal(rnn.lstm_seq_grad(sum_like, want, u, h0, c0),
                                  rnn.lstm_seq_grad(np.ones_like(want), want, u, h0, c0))


def test_float32_agrees_with_float64_and_finite_differences():
    xw, u, h0, c0 = _inputs(6, 3, 4, seed=3, dtype=np.float64)
    y64 = rnn.lstm_seq(xw, u, h0, c0)
    y32 = rnn.lstm_seq(*(a.astype(F32) for a in (xw, u, h0, c0)))
    np.testing.assert_allclose(y32, y64, rtol=2e-5, atol=2e-6)
    rng = np.random.default_rng(4)
    g = rng.standard_normal(y64.shape)
    d32 = rnn.lstm_seq_grad(g.astype(F32), y32, u.astype(F32), h0.astype(F32),
                            c0.astype(F32))

    def loss(xw_):                       # float64 loss: <g, lstm_seq(xw_)>
        return float((g * rnn.lstm_seq(xw_, u, h0, c0)).sum())
    eps = 1e-6
    for idx in [(0, 0, 0), (2, 1, 5), (5, 2, 15), (3, 0, 9)]:
        e = np.zeros_like(xw)
        e[idx] = eps
        fd = (loss(xw + e) - loss(xw - e)) / (2 * eps)
        assert d32[idx] == pytest.approx(fd, rel=2e-3, abs=2e-4)
