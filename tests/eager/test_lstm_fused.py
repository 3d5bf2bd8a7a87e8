"""The fused LSTM layer (``lstm_seq``/``lstm_seq_grad`` in dlcore/ops/sequence.py) behind eager
``nn.LSTM``, and the vectorised float32 gate loops (dlcore/kernels/cpu/_jit_rnn.py): outputs,
final states and every gradient against PyTorch, NaN kept by the float32 activations."""

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.kernels.cpu import rnn as K

torch = pytest.importorskip("torch")


def _run(lib, dtype, T, B, D, H, layers, bidir, hx, batch_first):
    m = lib.nn.LSTM(D, H, layers, bidirectional=bidir, batch_first=batch_first)
    rng = np.random.default_rng(1)
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.from_numpy(rng.uniform(-0.5, 0.5, tuple(p.shape)).astype(np.float32)))
    m = m.double() if dtype == np.float64 else m
    x = lib.from_numpy(rng.standard_normal((B, T, D) if batch_first else (T, B, D))
                       .astype(dtype)).requires_grad_()
    nd = 2 if bidir else 1
    states = [lib.from_numpy(rng.standard_normal((layers * nd, B, H)).astype(dtype))
              .requires_grad_() for _ in range(2)]
    out, (hn, cn) = m(x, tuple(states)) if hx else m(x)
    w = lib.from_numpy(rng.standard_normal(tuple(out.shape)).astype(dtype))
    ((out * w).sum() + (hn ** 2).sum() + (cn * 0.5).sum()).backward()
    res = [out.detach().numpy(), hn.detach().numpy(), cn.detach().numpy(), x.grad.numpy()]
    return res + [p.grad.numpy() for p in m.parameters()] + \
        ([s.grad.numpy() for s in states] if hx else [])


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("T,B,layers,bidir,hx,batch_first", [
    (5, 3, 2, False, False, False), (4, 2, 1, True, True, False), (1, 1, 1, False, True, True)])
def test_lstm_matches_torch(dtype, tol, T, B, layers, bidir, hx, batch_first):
    a = _run(dt, dtype, T, B, 4, 6, layers, bidir, hx, batch_first)
    b = _run(torch, dtype, T, B, 4, 6, layers, bidir, hx, batch_first)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)


def test_float32_gates_against_float64():
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((5, 4 * 33)) * 4).astype(np.float32)
    c = rng.standard_normal((5, 33)).astype(np.float32)
    z[0, 3], z[1, 40], z[2, 70] = np.nan, 200.0, -200.0
    got = K.lstm_gates(z, c)
    want = K.lstm_gates(z.astype(np.float64), c.astype(np.float64))
    assert np.isnan(got[0, 3]) and np.isnan(got[0, 33 + 3])
    assert np.isnan(got).sum() == 2
    np.testing.assert_allclose(got[1:], want[1:], rtol=0, atol=5e-7)
    gy = rng.standard_normal((5, 66)).astype(np.float32)
    np.testing.assert_allclose(K.lstm_gates_grad(gy, z, c)[1:],
                               K.lstm_gates_grad(gy.astype(np.float64), z.astype(np.float64),
                                                 c.astype(np.float64))[1:], rtol=0, atol=2e-6)


def test_lstm_seq_refuses_bad_shapes():
    from dlcore.errors import ShapeError
    from dlcore.ops import sequence as seq
    xw, u = np.zeros((3, 2, 8)), np.zeros((2, 8))
    with pytest.raises(ShapeError, match=r"expects xw .* for 'lstm_seq' with input shapes: "
                                         r"\[3,2,8\], \[2,8\], \[2,3\], \[2,2\]"):
        seq.lstm_seq(xw, u, np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ShapeError, match="at least one time step"):
        seq.lstm_seq(np.zeros((0, 2, 8)), u, np.zeros((2, 2)), np.zeros((2, 2)))


def _cell_run(lib, dtype, B=4, D=4, H=5, T=4):
    cell = lib.nn.LSTMCell(D, H)
    rng = np.random.default_rng(1)
    with lib.no_grad():
        for p in cell.parameters():
            p.copy_(lib.from_numpy(rng.uniform(-0.5, 0.5, tuple(p.shape)).astype(np.float32)))
    cell = cell.double() if dtype == np.float64 else cell
    cell.bias_hh.requires_grad_(False)
    x = lib.from_numpy(rng.standard_normal((T, B, D)).astype(dtype)).requires_grad_()
    h0, c0 = (lib.from_numpy(rng.standard_normal((B, H)).astype(dtype)).requires_grad_()
              for _ in range(2))
    h, c, loss = h0, c0, 0
    for t in range(T):                    # the batch shrinks as in the variable-length loop
        h, c = cell(x[t, :B - t], (h[:B - t], c[:B - t]))
        loss = loss + (h * h).sum() + c.sum() * 0.3
    loss.backward()
    return [h.detach().numpy(), c.detach().numpy(), x.grad.numpy(), h0.grad.numpy(),
            c0.grad.numpy()] + [p.grad.numpy() for p in cell.parameters() if p.requires_grad]


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_lstm_cell_step_matches_torch(dtype, tol):
    for u, v in zip(_cell_run(dt, dtype), _cell_run(torch, dtype)):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)


def test_each_layer_and_direction_of_a_padded_batch_is_one_fused_kernel_call(monkeypatch):
    """Both directions of a bidirectional layer run ``lstm_seq`` (the reverse one over the
    time-reversed inputs); no step runs ``lstm_gates``."""
    from dlcore.ops import sequence as seq
    calls = {"lstm_seq": 0, "lstm_gates": 0}
    for name in calls:
        prim = getattr(seq, name + "_p")

        def counted(*a, _k=prim.kernels["cpu"], _n=name):
            calls[_n] += 1
            return _k(*a)
        monkeypatch.setitem(prim.kernels, "cpu", counted)
    dt.nn.LSTM(3, 4, num_layers=2, bidirectional=True)(dt.randn(5, 2, 3))
    assert calls == {"lstm_seq": 4, "lstm_gates": 0}
