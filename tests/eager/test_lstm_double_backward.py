"""Second derivatives through the fused LSTM primitives (``dlcore/ops/sequence_grad2.py``):
``create_graph=True`` through ``nn.LSTM`` (``lstm_seq``, and ``lstm_gates`` in its step loop)
and ``nn.LSTMCell`` (``lstm_step``), against PyTorch's double backward, and the vjps of the
gradient primitives against float64 central differences (dlcore's functional front end).
``lstm_gates_grad``'s vjp is also in the op table (tests/core/op_rows_seq.py)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.ops import sequence as seq
from vjp_fd import fd_check

torch = pytest.importorskip("torch")


def _penalty(lib, kind: str, rng):
    """A gradient penalty ``|d loss / d x|^2`` and its gradients w.r.t. x, h0 and the weights."""
    lib.manual_seed(0)
    if kind == "cell":
        m = lib.nn.LSTMCell(3, 4).double()
    else:
        m = lib.nn.LSTM(3, 4, num_layers=2 if kind == "deep" else 1,
                        bidirectional=kind == "bidir", batch_first=kind == "deep").double()
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.from_numpy(rng.standard_normal(tuple(p.shape)) * 0.5))
    ndir = 2 if kind == "bidir" else 1
    layers = 2 if kind == "deep" else 1
    shape = (2, 3) if kind == "cell" else ((2, 5, 3) if kind == "deep" else (5, 2, 3))
    x = lib.tensor(rng.standard_normal(shape), requires_grad=True)
    h0 = lib.tensor(rng.standard_normal((2, 4) if kind == "cell" else (layers * ndir, 2, 4)),
                    requires_grad=True)
    c0 = lib.tensor(rng.standard_normal(tuple(h0.shape)))
    if kind == "cell":
        h, c = m(x, (h0, c0))
        y = h * 1.5 + c * c
    else:
        y, (hn, cn) = m(x, (h0, c0))
        y = y * y + hn.sum() * cn.sum()
    gx, gh = lib.autograd.grad(y.sum(), (x, h0), create_graph=True)
    pen = (gx ** 2).sum() + (gh ** 3).sum()
    return [t.detach().numpy() for t in lib.autograd.grad(pen, [x, h0, *m.parameters()])]


@pytest.mark.parametrize("kind", ["layer", "deep", "bidir", "cell"])
def test_double_backward_equals_torch(kind):
    got = _penalty(dt, kind, np.random.default_rng(1))
    want = _penalty(torch, kind, np.random.default_rng(1))
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_double_backward_float32_layer_equals_torch():
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((4, 2, 3)).astype(np.float32)
    out = []
    for lib in (dt, torch):
        lib.manual_seed(0)
        m = lib.nn.LSTM(3, 5)
        prng = np.random.default_rng(3)
        with lib.no_grad():
            for p in m.parameters():
                p.copy_(lib.from_numpy(
                    (prng.standard_normal(tuple(p.shape)) * 0.4).astype(np.float32)))
        x = lib.tensor(xs, requires_grad=True)
        gx, = lib.autograd.grad(m(x)[0].pow(2).sum(), x, create_graph=True)
        out.append(lib.autograd.grad(gx.pow(2).sum(), m.weight_hh_l0)[0].detach().numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=2e-4, atol=2e-5)


def test_lstm_seq_grad_vjp_finite_differences():
    rng = np.random.default_rng(4)
    T, B, H = 3, 2, 2
    shapes = [(T, B, 6 * H), (T, B, 6 * H), (H, 4 * H), (B, H), (B, H)]   # g, y = [h, c, z]
    fd_check(seq.lstm_seq_grad_p, [rng.standard_normal(s) for s in shapes], rng)


def test_lstm_step_grad_vjp_finite_differences():
    rng = np.random.default_rng(5)
    B, H = 2, 2
    shapes = [(B, 6 * H), (B, 6 * H), (B, H)]        # g, y = [h', c', z], c
    fd_check(seq.lstm_step_grad_p, [rng.standard_normal(s) for s in shapes], rng)


def test_lstm_step_vjp_finite_differences():
    """The step's whole output [h', c', z] (z kept for the gradient): a random cotangent on
    the z columns too, which the gradient adds to dz."""
    rng = np.random.default_rng(6)
    B, D, H = 2, 3, 2
    shapes = [(B, D), (B, H), (B, H), (4 * H, D), (4 * H, H), (4 * H,), (4 * H,)]
    fd_check(seq.lstm_step_p, [rng.standard_normal(s) for s in shapes], rng)


def test_first_order_backward_records_nothing_for_double_backward():
    """Without create_graph the fused gradient runs as before: nothing of it is on a tape."""
    m = dt.nn.LSTM(3, 4)
    x = dt.randn(4, 2, 3, requires_grad=True)
    gx, = dt.autograd.grad(m(x)[0].sum(), x)
    assert not gx.requires_grad and gx.grad_fn is None
