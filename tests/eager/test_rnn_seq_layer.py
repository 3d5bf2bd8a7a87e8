"""The fused Elman layer (``rnn_seq``/``rnn_seq_grad`` in dlcore/ops/sequence_rnn.py) behind
eager ``nn.RNN`` (each layer and direction of a padded batch of three steps or more): outputs,
final states and every gradient against PyTorch (tanh and relu, float64 and float32, deep,
bidirectional, without biases, batch_first, given h0), double backward against PyTorch's, the
primitives' vjps against central differences, which batches take the fused layer, and the
errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.ops import sequence_rnn
from vjp_fd import fd_check

torch = pytest.importorskip("torch")


def _run(lib, dtype, T, B, D, H, act, layers, bidir, hx, batch_first, bias):
    m = lib.nn.RNN(D, H, layers, nonlinearity=act, bias=bias, bidirectional=bidir,
                   batch_first=batch_first)
    rng = np.random.default_rng(1)
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.from_numpy(rng.uniform(-0.6, 0.6, tuple(p.shape)).astype(np.float32)))
    m = m.double() if dtype == np.float64 else m
    x = lib.from_numpy(rng.standard_normal((B, T, D) if batch_first else (T, B, D))
                       .astype(dtype)).requires_grad_()
    nd = 2 if bidir else 1
    h0 = lib.from_numpy(rng.standard_normal((layers * nd, B, H)).astype(dtype)).requires_grad_()
    out, hn = m(x, h0) if hx else m(x)
    w = lib.from_numpy(rng.standard_normal(tuple(out.shape)).astype(dtype))
    ((out * w).sum() + (hn ** 2).sum()).backward()
    res = [out.detach().numpy(), hn.detach().numpy(), x.grad.numpy()]
    return res + [p.grad.numpy() for p in m.parameters()] + ([h0.grad.numpy()] if hx else [])


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 3e-6)])
@pytest.mark.parametrize("act", ["tanh", "relu"])
@pytest.mark.parametrize("T,B,layers,bidir,hx,batch_first,bias", [
    (5, 3, 2, False, False, False, True), (4, 2, 1, True, True, False, True),
    (6, 2, 2, True, True, True, False)])
def test_rnn_matches_torch(dtype, tol, act, T, B, layers, bidir, hx, batch_first, bias):
    a = _run(dt, dtype, T, B, 4, 6, act, layers, bidir, hx, batch_first, bias)
    b = _run(torch, dtype, T, B, 4, 6, act, layers, bidir, hx, batch_first, bias)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)


def _count(monkeypatch):
    calls = {"rnn_seq": 0, "tanh": 0}
    from dlcore.ops import elementwise
    for name, prim in (("rnn_seq", sequence_rnn.rnn_seq_p), ("tanh", elementwise.tanh_p)):
        kernel = prim.kernels["cpu"]

        def counted(*a, _k=kernel, _n=name, **kw):
            calls[_n] += 1
            return _k(*a, **kw)
        monkeypatch.setitem(prim.kernels, "cpu", counted)
    return calls


def test_each_layer_and_direction_is_one_fused_kernel_call(monkeypatch):
    calls = _count(monkeypatch)
    dt.nn.RNN(3, 4, num_layers=2, bidirectional=True)(dt.randn(5, 2, 3))
    assert calls == {"rnn_seq": 4, "tanh": 0}


@pytest.mark.parametrize("case", ["packed", "two steps"])
def test_what_keeps_the_step_loop(monkeypatch, case):
    """A packed batch, and one or two steps (where the loop is the cheaper form), run the
    step loop."""
    calls = _count(monkeypatch)
    if case == "packed":
        x = dt.nn.utils.rnn.pack_padded_sequence(dt.randn(5, 2, 3), [5, 3])
        dt.nn.RNN(3, 4)(x)
        assert calls == {"rnn_seq": 0, "tanh": 5}
    else:
        dt.nn.RNN(3, 4)(dt.randn(2, 2, 3))
        assert calls == {"rnn_seq": 0, "tanh": 2}


def _penalty(lib, act, rng):
    m = lib.nn.RNN(3, 4, num_layers=2, nonlinearity=act).double()
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.from_numpy(rng.standard_normal(tuple(p.shape)) * 0.5))
    x = lib.tensor(rng.standard_normal((5, 2, 3)), requires_grad=True)
    h0 = lib.tensor(rng.standard_normal((2, 2, 4)), requires_grad=True)
    y, hn = m(x, h0)
    gx, gh = lib.autograd.grad((y * y).sum() + hn.sum() ** 2, (x, h0), create_graph=True)
    pen = (gx ** 2).sum() + (gh ** 3).sum()
    return [t.detach().numpy() for t in lib.autograd.grad(pen, [x, h0, *m.parameters()])]


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_double_backward_equals_torch(act):
    got = _penalty(dt, act, np.random.default_rng(1))
    want = _penalty(torch, act, np.random.default_rng(1))
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_rnn_seq_grad_vjp_finite_differences():
    rng = np.random.default_rng(4)
    shapes = [(3, 2, 2), (3, 2, 2), (2, 2)]                 # g, y, u
    args = [rng.standard_normal(s) for s in shapes]
    args[1] = np.tanh(args[1])
    fd_check(sequence_rnn.rnn_seq_grad_p, args, rng, nonlinearity="tanh")


def test_rnn_seq_refuses_bad_input():
    from dlcore.errors import DTypeNotImplemented, ShapeError
    xw, u, h0 = np.zeros((3, 2, 4)), np.zeros((4, 4)), np.zeros((2, 4))
    with pytest.raises(ShapeError, match=r"expects xw .* for 'rnn_seq' with input shapes: "
                                         r"\[3,2,4\], \[4,4\], \[2,3\]"):
        sequence_rnn.rnn_seq(xw, u, np.zeros((2, 3)))
    with pytest.raises(ShapeError, match="at least one time step"):
        sequence_rnn.rnn_seq(np.zeros((0, 2, 4)), u, h0)
    with pytest.raises(DTypeNotImplemented, match="same floating dtype"):
        sequence_rnn.rnn_seq(xw, u.astype(np.float32), h0)
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu', got 'gelu'"):
        sequence_rnn.rnn_seq(xw, u, h0, "gelu")
