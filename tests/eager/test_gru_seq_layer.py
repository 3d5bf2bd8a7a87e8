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
from vjp_fd import fd_check

torch = pytest.importorskip("torch")


def _run(lib, dtype, T, B, D, H, layers, bidir, hx, batch_first, bias=True):
    m = lib.nn.GRU(D, H, layers, bias=bias, bidirectional=bidir, batch_first=batch_first)
    rng = np.random.default_rng(1)
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.from_numpy(rng.uniform(-0.5, 0.5, tuple(p.shape)).astype(np.float32)))
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


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("T,B,layers,bidir,hx,batch_first,bias", [
    (5, 3, 2, False, False, False, True), (4, 2, 1, True, True, False, True),
    (1, 1, 1, False, True, True, True), (6, 2, 2, False, True, True, False)])
def test_gru_matches_torch(dtype, tol, T, B, layers, bidir, hx, batch_first, bias):
    a = _run(dt, dtype, T, B, 4, 6, layers, bidir, hx, batch_first, bias)
    b = _run(torch, dtype, T, B, 4, 6, layers, bidir, hx, batch_first, bias)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)


def _kernel_calls(monkeypatch):
    """Count the fused layer's kernel calls and the step loop's gate kernel calls."""
    calls = {"gru_seq": 0, "gru_gates": 0}
    for name in calls:
        prim = getattr(sequence_gru, "gru_seq_p") if name == "gru_seq" else seq.gru_gates_p
        kernel = prim.kernels["cpu"]

        def counted(*a, _k=kernel, _n=name, **kw):
            calls[_n] += 1
            return _k(*a, **kw)
        monkeypatch.setitem(prim.kernels, "cpu", counted)
    return calls


def test_a_padded_batch_runs_one_fused_kernel_per_layer(monkeypatch):
    calls = _kernel_calls(monkeypatch)
    m = dt.nn.GRU(3, 4, num_layers=2)
    m(dt.randn(7, 2, 3))
    assert calls == {"gru_seq": 2, "gru_gates": 0}


def test_both_directions_of_a_bidirectional_layer_are_fused(monkeypatch):
    calls = _kernel_calls(monkeypatch)
    dt.nn.GRU(3, 4, num_layers=2, bidirectional=True)(dt.randn(5, 2, 3))
    assert calls == {"gru_seq": 4, "gru_gates": 0}


@pytest.mark.parametrize("case", ["packed", "dropout"])
def test_what_keeps_the_step_loop(monkeypatch, case):
    """A packed batch and dropout between layers while training run the step loop (gru_gates
    per step), as before the fused layer."""
    calls = _kernel_calls(monkeypatch)
    if case == "packed":
        m = dt.nn.GRU(3, 4)
        x = dt.nn.utils.rnn.pack_padded_sequence(dt.randn(5, 2, 3), [5, 3])
        m(x)
        assert calls == {"gru_seq": 0, "gru_gates": 5}
    else:
        m = dt.nn.GRU(3, 4, num_layers=2, dropout=0.5).train()
        m(dt.randn(5, 2, 3))
        assert calls == {"gru_seq": 0, "gru_gates": 10}


def _penalty(lib, kind, rng):
    """A gradient penalty ``|d loss / d x|^2`` and its gradients w.r.t. x, h0 and weights."""
    m = lib.nn.GRU(3, 4, num_layers=2 if kind == "deep" else 1,
                   bidirectional=kind == "bidir").double()
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.from_numpy(rng.standard_normal(tuple(p.shape)) * 0.5))
    nd, layers = (2 if kind == "bidir" else 1), (2 if kind == "deep" else 1)
    x = lib.tensor(rng.standard_normal((5, 2, 3)), requires_grad=True)
    h0 = lib.tensor(rng.standard_normal((layers * nd, 2, 4)), requires_grad=True)
    y, hn = m(x, h0)
    gx, gh = lib.autograd.grad((y * y).sum() + hn.sum() ** 2, (x, h0), create_graph=True)
    pen = (gx ** 2).sum() + (gh ** 3).sum()
    return [t.detach().numpy() for t in lib.autograd.grad(pen, [x, h0, *m.parameters()])]


@pytest.mark.parametrize("kind", ["layer", "deep", "bidir"])
def test_double_backward_equals_torch(kind):
    got = _penalty(dt, kind, np.random.default_rng(1))
    want = _penalty(torch, kind, np.random.default_rng(1))
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
