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
from rnn_layers import count_calls, penalty, run_layer
from vjp_fd import fd_check

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 3e-6)])
@pytest.mark.parametrize("act", ["tanh", "relu"])
@pytest.mark.parametrize("T,B,layers,bidir,hx,batch_first,bias", [
    (5, 3, 2, False, False, False, True), (4, 2, 1, True, True, False, True),
    (6, 2, 2, True, True, True, False)])
def test_rnn_matches_torch(dtype, tol, act, T, B, layers, bidir, hx, batch_first, bias):
    kw = {"nonlinearity": act, "bias": bias}
    a = run_layer(dt, "RNN", dtype, T, B, 4, 6, layers, bidir, hx, batch_first, **kw)
    b = run_layer(torch, "RNN", dtype, T, B, 4, 6, layers, bidir, hx, batch_first, **kw)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)


def _count(monkeypatch):
    from dlcore.ops import elementwise
    return count_calls(monkeypatch, {"rnn_seq": sequence_rnn.rnn_seq_p,
                                     "tanh": elementwise.tanh_p})


def test_each_layer_and_direction_is_one_fused_kernel_call(monkeypatch):
    calls = _count(monkeypatch)
    dt.nn.RNN(3, 4, num_layers=2, bidirectional=True)(dt.randn(5, 2, 3))
    assert calls == {"rnn_seq": 4, "tanh": 0}


def test_two_steps_keep_the_step_loop(monkeypatch):
    """One or two steps, where the loop is the cheaper form, run the step loop."""
    calls = _count(monkeypatch)
    dt.nn.RNN(3, 4)(dt.randn(2, 2, 3))
    assert calls == {"rnn_seq": 0, "tanh": 2}


def _packed_run(lib, name, dtype, lengths, **kwargs):
    """A packed batch (unsorted lengths: enforce_sorted=False) through a 2-layer bidirectional
    ``name``: the padded outputs, the final states and every gradient."""
    m = getattr(lib.nn, name)(3, 4, num_layers=2, bidirectional=True, **kwargs)
    rng = np.random.default_rng(7)
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.from_numpy(rng.uniform(-0.6, 0.6, tuple(p.shape)).astype(np.float32)))
    m = m.double() if dtype == np.float64 else m
    x = lib.from_numpy(rng.standard_normal((max(lengths), len(lengths), 3)).astype(dtype))
    x.requires_grad_()
    packed = lib.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
    out, state = m(packed)
    padded, got_lengths = lib.nn.utils.rnn.pad_packed_sequence(out)
    states = list(state) if isinstance(state, tuple) else [state]
    w = lib.from_numpy(rng.standard_normal(tuple(padded.shape)).astype(dtype))
    ((padded * w).sum() + sum((s ** 2).sum() * (k + 1) for k, s in enumerate(states))).backward()
    return [padded.detach().numpy(), np.asarray(got_lengths)] + \
        [s.detach().numpy() for s in states] + [x.grad.numpy()] + \
        [p.grad.numpy() for p in m.parameters()]


@pytest.mark.parametrize("name,kwargs", [("LSTM", {}), ("GRU", {}), ("RNN", {}),
                                         ("RNN", {"nonlinearity": "relu"})])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 3e-6)])
def test_packed_batches_on_the_fused_layers_match_torch(name, kwargs, dtype, tol):
    """PackedSequence through the fused layers (padded around them: each sequence's own
    length in both directions, its final states at its length) against PyTorch."""
    lengths = [5, 2, 4, 1, 5]
    got = _packed_run(dt, name, dtype, lengths, **kwargs)
    want = _packed_run(torch, name, dtype, lengths, **kwargs)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_double_backward_equals_torch(act):
    got = penalty(dt, "RNN", np.random.default_rng(1), layers=2, nonlinearity=act)
    want = penalty(torch, "RNN", np.random.default_rng(1), layers=2, nonlinearity=act)
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
