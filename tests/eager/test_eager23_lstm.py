"""The fused LSTM layer keeps each step's pre-activations (``lstm_seq``'s output
``y[t] = [h_t, c_t, z_t]``, ``z_t = xw_t + h_{t-1} u``) and its gradient kernel reads them
(``lstm_seq_grad(g, y, u, h0, c0)``) instead of recomputing them: values against NumPy, the
vjp (including a cotangent on the z columns) against float64 central differences, and
``nn.LSTM`` on a CUDA device (Numba's simulator in CI) against the CPU."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
import dlcore_eager as dt
from dlcore import functional as F
from dlcore.errors import ShapeError
from dlcore.ops import sequence as seq


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _layer(xw, u, h0, c0):
    n, h, c, ys = u.shape[0], h0, c0, []
    for t in range(xw.shape[0]):
        z = xw[t] + h @ u
        c = _sig(z[:, n:2 * n]) * c + _sig(z[:, :n]) * np.tanh(z[:, 2 * n:3 * n])
        h = _sig(z[:, 3 * n:]) * np.tanh(c)
        ys.append(np.concatenate([h, c, z], -1))
    return np.stack(ys)


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_lstm_seq_output_is_h_c_z(dtype, tol):
    rng = np.random.default_rng(0)
    T, B, H = 4, 3, 5
    args = [rng.standard_normal(s).astype(dtype) for s in
            ((T, B, 4 * H), (H, 4 * H), (B, H), (B, H))]
    y = np.asarray(seq.lstm_seq(*args))
    assert y.shape == (T, B, 6 * H) and y.dtype == dtype
    np.testing.assert_allclose(y, _layer(*[a.astype(np.float64) for a in args]),
                               rtol=tol, atol=tol)


def _fd(prim, args, rng, eps=1e-6):
    out, pullback = F.vjp(lambda *a: seq.bind(prim, *a), *args)
    w = rng.standard_normal(out.buf.shape)
    grads = [g.buf for g in pullback(w)]
    for i, a in enumerate(args):
        num = np.empty_like(a)
        for k in range(a.size):
            up, dn = list(args), list(args)
            up[i], dn[i] = a.copy(), a.copy()
            up[i].flat[k] += eps
            dn[i].flat[k] -= eps
            num.flat[k] = np.sum(w * (seq.bind(prim, *up) - seq.bind(prim, *dn))) / (2 * eps)
        np.testing.assert_allclose(grads[i], num, rtol=1e-6, atol=1e-8,
                                   err_msg=f"{prim.name} input {i}")


def test_lstm_seq_vjp_finite_differences_with_z_cotangent():
    """A random cotangent on the whole output, z columns too: the gradient adds them to dz_t
    before dh_{t-1} = dz_t u^T, so they reach xw, u, h0 (not c0)."""
    rng = np.random.default_rng(7)
    T, B, H = 3, 2, 2
    shapes = [(T, B, 4 * H), (H, 4 * H), (B, H), (B, H)]
    _fd(seq.lstm_seq_p, [rng.standard_normal(s) for s in shapes], rng)


def test_lstm_seq_grad_refuses_a_y_without_z():
    u, h = np.zeros((2, 8)), np.zeros((3, 2))
    with pytest.raises(ShapeError, match=r"expects g and y \(time, batch, 6\*hidden.*"
                                         r"for 'lstm_seq_grad'"):
        seq.bind(seq.lstm_seq_grad_p, np.zeros((4, 3, 4)), np.zeros((4, 3, 4)), u, h, h)


def test_lstm_on_cuda_equals_cpu():
    if not dlcore.cuda_available():
        pytest.skip("no CUDA device or simulator")
    dt.manual_seed(0)
    m = dt.nn.LSTM(3, 2).double()
    rng = np.random.default_rng(1)
    x0, h0, c0 = (rng.standard_normal(s) for s in ((2, 2, 3), (1, 2, 2), (1, 2, 2)))
    res = []
    for dev in ("cpu", "cuda"):
        mm = m.to(dev)
        x = dt.tensor(x0).to(dev).requires_grad_()
        h = dt.tensor(h0).to(dev).requires_grad_()
        y, (hn, cn) = mm(x, (h, dt.tensor(c0).to(dev)))
        (y * y).sum().add(hn.sum() * cn.sum()).backward()
        res.append([y.detach().cpu().numpy(), x.grad.cpu().numpy(), h.grad.cpu().numpy()]
                   + [p.grad.cpu().numpy() for p in mm.parameters()])
        for p in mm.parameters():
            p.grad = None
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_lstm_seq_at_ptb_size_matches_float64():
    """PTB small's layer size (B 20, H 200): float32 recurrent products MKL's where
    ``gemm_mkl.takes`` sends 20x200 @ 200x800 (the backward's dh written into a column slice
    of the carried [dh, dc]); the forward against NumPy in float64, the backward against the
    float64 kernel (NumPy's products)."""
    from dlcore.kernels.cpu import gemm_mkl
    from dlcore.kernels.cpu import rnn as cpu_rnn

    rng = np.random.default_rng(3)
    T, B, H = 3, 20, 200
    args = [rng.standard_normal(s) * k for s, k in
            (((T, B, 4 * H), 1.0), ((H, 4 * H), 0.05), ((B, H), 1.0), ((B, H), 1.0))]
    y32 = cpu_rnn.lstm_seq(*[a.astype(np.float32) for a in args])
    np.testing.assert_allclose(y32, _layer(*args), rtol=2e-4, atol=2e-5)
    g = rng.standard_normal((T, B, 6 * H))
    y64 = cpu_rnn.lstm_seq(*args)
    want = cpu_rnn.lstm_seq_grad(g, y64, args[1], args[2], args[3])
    got = cpu_rnn.lstm_seq_grad(g.astype(np.float32), y32, *[a.astype(np.float32)
                                                              for a in args[1:]])
    assert got.dtype == np.float32 and got.shape == (T + 1, B, 4 * H)
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4)
    if gemm_mkl.available() and not gemm_mkl.NT_ONLY:     # (Intel: every layout)
        assert gemm_mkl.takes(B, H, 4 * H) and gemm_mkl.takes(B, 4 * H, H)
