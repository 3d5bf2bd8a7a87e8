"""The fused GRU layer (``gru_seq``/``gru_seq_grad`` in dlcore/ops/sequence_gru.py) behind eager
``nn.GRU`` (each layer and direction of a padded batch): outputs, final states and every
gradient against PyTorch (float64 and float32, with and without biases, deep, bidirectional,
batch_first, given h0), double backward against PyTorch's, the primitives' vjps against
central differences, which batches take the fused layer and which keep the step loop, and the
shape and dtype errors.
(The GRU update ``gru_gates`` of ``nn.GRUCell`` and of the step loop: test_gru_fused.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.ops import sequence as seq
from dlcore.ops import sequence_gru
from rnn_layers import count_calls, penalty, run_layer
from vjp_fd import fd_check

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("T,B,layers,bidir,hx,batch_first,bias", [
    (5, 3, 2, False, False, False, True), (4, 2, 1, True, True, False, True),
    (1, 1, 1, False, True, True, True), (6, 2, 2, False, True, True, False)])
def test_gru_matches_torch(dtype, tol, T, B, layers, bidir, hx, batch_first, bias):
    a = run_layer(dt, "GRU", dtype, T, B, 4, 6, layers, bidir, hx, batch_first, bias=bias)
    b = run_layer(torch, "GRU", dtype, T, B, 4, 6, layers, bidir, hx, batch_first, bias=bias)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)


def _kernel_calls(monkeypatch):
    return count_calls(monkeypatch, {"gru_seq": sequence_gru.gru_seq_p,
                                     "gru_gates": seq.gru_gates_p})


def test_a_padded_batch_runs_one_fused_kernel_per_layer(monkeypatch):
    calls = _kernel_calls(monkeypatch)
    m = dt.nn.GRU(3, 4, num_layers=2)
    m(dt.randn(7, 2, 3))
    assert calls == {"gru_seq": 2, "gru_gates": 0}


def test_both_directions_of_a_bidirectional_layer_are_fused(monkeypatch):
    calls = _kernel_calls(monkeypatch)
    dt.nn.GRU(3, 4, num_layers=2, bidirectional=True)(dt.randn(5, 2, 3))
    assert calls == {"gru_seq": 4, "gru_gates": 0}


def test_a_packed_batch_runs_the_fused_layer_padded_around_it(monkeypatch):
    calls = _kernel_calls(monkeypatch)
    x = dt.nn.utils.rnn.pack_padded_sequence(dt.randn(5, 2, 3), [5, 3])
    dt.nn.GRU(3, 4, bidirectional=True)(x)
    assert calls == {"gru_seq": 2, "gru_gates": 0}


@pytest.mark.parametrize("mode", ["GRU", "LSTM", "RNN"])
def test_dropout_between_layers_while_training_runs_the_fused_layers(monkeypatch, mode):
    """The fused layers with dropout between them draw the step loop's masks (one dropout of
    a layer's whole output): the same outputs, states and gradients for the same seed."""
    from dlcore_eager.nn import rnn as rnn_module
    runs = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(rnn_module, "_FUSED_FROM", 10 ** 9)
        calls = _kernel_calls(monkeypatch) if mode == "GRU" else None
        dt.manual_seed(3)
        m = getattr(dt.nn, mode)(3, 4, num_layers=3, dropout=0.5,
                                 bidirectional=True).double().train()
        x = dt.randn(6, 2, 3, dtype=dt.float64, requires_grad=True)
        out, hn = m(x)
        loss = (out * out).sum() + sum((h * h).sum() for h in (hn if mode == "LSTM" else (hn,)))
        loss.backward()
        if calls is not None:
            assert calls == ({"gru_seq": 6, "gru_gates": 0} if fused else
                             {"gru_seq": 0, "gru_gates": 36})
        runs.append([out.detach().numpy(), x.grad.numpy()] +
                    [p.grad.numpy() for p in m.parameters()])
    with dt.no_grad():                                  # (the dropout changed the output)
        assert not np.allclose(m.eval()(x)[0].numpy(), runs[0][0], atol=1e-3)
    for a, b in zip(*runs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["layer", "deep", "bidir"])
def test_double_backward_equals_torch(kind):
    args = {"layers": 2 if kind == "deep" else 1, "bidir": kind == "bidir"}
    got = penalty(dt, "GRU", np.random.default_rng(1), **args)
    want = penalty(torch, "GRU", np.random.default_rng(1), **args)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_gru_seq_grad_vjp_finite_differences():
    rng = np.random.default_rng(4)
    T, B, H = 3, 2, 2
    shapes = [(T, B, 5 * H), (T, B, 5 * H), (H, 3 * H), (B, H)]    # g, y = [h, r, z, n, hn]
    fd_check(sequence_gru.gru_seq_grad_p, [rng.standard_normal(s) for s in shapes], rng)


def test_gru_seq_vjp_finite_differences():
    """The whole output [h, r, z, n, hn] (the gates kept for the gradient): a random cotangent
    on every column, which the gradient carries through each gate."""
    rng = np.random.default_rng(5)
    T, B, H = 3, 2, 2
    shapes = [(T, B, 3 * H), (H, 3 * H), (3 * H,), (B, H)]
    fd_check(sequence_gru.gru_seq_p, [rng.standard_normal(s) for s in shapes], rng)


def test_gru_seq_refuses_bad_input():
    from dlcore.errors import DTypeNotImplemented, ShapeError
    xw, u, bh, h0 = np.zeros((3, 2, 6)), np.zeros((2, 6)), np.zeros(6), np.zeros((2, 2))
    with pytest.raises(ShapeError, match=r"expects xw .* for 'gru_seq' with input shapes: "
                                         r"\[3,2,6\], \[2,6\], \[6\], \[2,3\]"):
        seq.gru_seq(xw, u, bh, np.zeros((2, 3)))
    with pytest.raises(ShapeError, match=r"\[3,2,6\], \[2,6\], \[5\], \[2,2\]"):
        seq.gru_seq(xw, u, np.zeros(5), h0)
    with pytest.raises(ShapeError, match="at least one time step"):
        seq.gru_seq(np.zeros((0, 2, 6)), u, bh, h0)
    with pytest.raises(DTypeNotImplemented, match="same floating dtype"):
        seq.gru_seq(xw.astype(np.float32), u, bh, h0)
