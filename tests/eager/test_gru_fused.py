"""The fused GRU update (``gru_gates``/``gru_gates_grad`` in dlcore/ops/sequence.py, PyTorch's
``_thnn_fused_gru_cell``) behind eager ``nn.GRUCell`` and ``nn.GRU``: outputs, final states,
every gradient and double backward against PyTorch live; the float32 kernel against float64
(NaN kept, large arguments); the vjps of both primitives against central differences; the
refusals naming the op and the shapes; the composite kept for Keras' gate order."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.errors import DTypeNotImplemented, ShapeError
from dlcore.kernels.cpu import rnn as K
from dlcore.ops import sequence as seq
from vjp_fd import fd_check

torch = pytest.importorskip("torch")


def _load(lib, m, rng, dtype):
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.from_numpy(rng.uniform(-0.6, 0.6, tuple(p.shape)).astype(dtype)))
    return m


def _cell(lib, dtype, B, D, H, bias):
    rng = np.random.default_rng(1)
    m = lib.nn.GRUCell(D, H, bias=bias)
    m = _load(lib, m.double() if dtype == np.float64 else m, rng, dtype)
    x = lib.from_numpy(rng.standard_normal((B, D)).astype(dtype)).requires_grad_()
    h = lib.from_numpy(rng.standard_normal((B, H)).astype(dtype)).requires_grad_()
    h1 = m(x, h)
    h2 = m(x * 0.5, h1)                               # two steps: h1 feeds the next product
    w = lib.from_numpy(rng.standard_normal((B, H)).astype(dtype))
    ((h2 * w).sum() + (h1 ** 2).sum()).backward()
    return [h1.detach().numpy(), h2.detach().numpy(), x.grad.numpy(), h.grad.numpy()] + \
        [p.grad.numpy() for p in m.parameters()]


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("B,D,H,bias", [(3, 5, 4, True), (1, 2, 7, False), (16, 32, 64, True)])
def test_gru_cell_matches_torch(dtype, tol, B, D, H, bias):
    a = _cell(dt, dtype, B, D, H, bias)
    b = _cell(torch, dtype, B, D, H, bias)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert u.dtype == v.dtype
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)


def _layer(lib, dtype, T, B, layers, bidir, batch_first, packed):
    rng = np.random.default_rng(2)
    m = lib.nn.GRU(3, 5, layers, bidirectional=bidir, batch_first=batch_first)
    m = _load(lib, m.double() if dtype == np.float64 else m, rng, dtype)
    x = lib.from_numpy(rng.standard_normal((B, T, 3) if batch_first else (T, B, 3))
                       .astype(dtype)).requires_grad_()
    nd = 2 if bidir else 1
    h0 = lib.from_numpy(rng.standard_normal((layers * nd, B, 5)).astype(dtype)).requires_grad_()
    if packed:
        lengths = [T - k for k in range(B)]
        out, hn = m(lib.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first), h0)
        out = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first)[0]
    else:
        out, hn = m(x, h0)
    w = lib.from_numpy(rng.standard_normal(tuple(out.shape)).astype(dtype))
    ((out * w).sum() + (hn ** 2).sum()).backward()
    return [out.detach().numpy(), hn.detach().numpy(), x.grad.numpy(), h0.grad.numpy()] + \
        [p.grad.numpy() for p in m.parameters()]


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 3e-6)])
@pytest.mark.parametrize("T,B,layers,bidir,batch_first,packed", [
    (5, 3, 2, False, False, False), (4, 2, 1, True, True, False), (4, 3, 1, True, False, True),
    (1, 1, 1, False, True, False)])
def test_gru_layer_matches_torch(dtype, tol, T, B, layers, bidir, batch_first, packed):
    a = _layer(dt, dtype, T, B, layers, bidir, batch_first, packed)
    b = _layer(torch, dtype, T, B, layers, bidir, batch_first, packed)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)


def _penalty(lib, kind, rng):
    """A gradient penalty ``|d loss / d x|^2 + (d loss / d h0)^3`` and its gradients."""
    lib.manual_seed(0)
    m = lib.nn.GRUCell(3, 4) if kind == "cell" else \
        lib.nn.GRU(3, 4, bidirectional=kind == "bidir")
    m = _load(lib, m.double(), rng, np.float64)
    x = lib.tensor(rng.standard_normal((2, 3) if kind == "cell" else (4, 2, 3)),
                   requires_grad=True)
    h0 = lib.tensor(rng.standard_normal((2, 4) if kind == "cell" else
                                        (2 if kind == "bidir" else 1, 2, 4)),
                    requires_grad=True)
    if kind == "cell":
        y = m(x, h0)
        y = y * y + m(x, y)
    else:
        y, hn = m(x, h0)
        y = y * y + hn.sum()
    gx, gh = lib.autograd.grad(y.sum(), (x, h0), create_graph=True)
    pen = (gx ** 2).sum() + (gh ** 3).sum()
    return [t.detach().numpy() for t in lib.autograd.grad(pen, [x, h0, *m.parameters()])]


@pytest.mark.parametrize("kind", ["cell", "layer", "bidir"])
def test_double_backward_equals_torch(kind):
    got = _penalty(dt, kind, np.random.default_rng(3))
    want = _penalty(torch, kind, np.random.default_rng(3))
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_cell_and_layer_run_the_fused_primitive():
    cell = dt.nn.GRUCell(3, 4)
    y = cell(dt.randn(2, 3, requires_grad=True))
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "GruGatesBackward0"
    m = dt.nn.GRU(3, 4)
    x = dt.randn(3, 2, 3, requires_grad=True)
    out, hn = m(x)
    seen, todo = set(), [hn.grad_fn]
    while todo:
        f = todo.pop()
        if f is None or id(f) in seen:
            continue
        seen.add(id(f))
        todo += [n for n, _ in f.next_functions]
        if type(f).__name__ == "GruSeqBackward0":   # (a padded batch: the fused layer,
            break                                   # tests/eager/test_gru_seq_layer.py)
    else:
        raise AssertionError("nn.GRU did not record gru_seq")


def test_first_order_backward_records_nothing():
    m = dt.nn.GRUCell(3, 4)
    x = dt.randn(2, 3, requires_grad=True)
    gx, = dt.autograd.grad(m(x).sum(), x)
    assert not gx.requires_grad and gx.grad_fn is None


def test_float32_kernel_against_float64():
    rng = np.random.default_rng(0)
    B, H = 5, 37
    xz = (rng.standard_normal((B, 3 * H)) * 4).astype(np.float32)
    hz = (rng.standard_normal((B, 3 * H)) * 4).astype(np.float32)
    h = rng.standard_normal((B, H)).astype(np.float32)
    xz[0, 3] = np.nan                           # r of row 0, unit 3: r, n and h' NaN
    xz[1, 40], xz[2, 70], hz[3, 2 * H + 5] = 200.0, -200.0, 500.0
    got = K.gru_gates(xz, hz, h)
    want = K.gru_gates(xz.astype(np.float64), hz.astype(np.float64), h.astype(np.float64))
    nan = np.isnan(got)
    assert nan[0, 3] and nan[0, H + 3] and nan[0, 3 * H + 3] and nan.sum() == 3
    np.testing.assert_allclose(got[1:], want[1:], rtol=0, atol=5e-7)
    np.testing.assert_allclose(got[0, ~nan[0]], want[0, ~nan[0]], rtol=0, atol=5e-7)
    g = rng.standard_normal((B, 4 * H)).astype(np.float32)
    np.testing.assert_allclose(
        K.gru_gates_grad(g, got, hz, h)[1:],
        K.gru_gates_grad(g.astype(np.float64), want, hz.astype(np.float64),
                         h.astype(np.float64))[1:], rtol=0, atol=2e-5)


def test_gru_gates_vjp_finite_differences():
    """The whole output [h', r, z, n]: a cotangent on the gate columns too."""
    rng = np.random.default_rng(5)
    fd_check(seq.gru_gates_p, [rng.standard_normal(s) for s in ((2, 6), (2, 6), (2, 2))], rng)


def test_gru_gates_grad_vjp_finite_differences():
    rng = np.random.default_rng(6)
    shapes = [(2, 8), (2, 8), (2, 6), (2, 2)]                # g, y = [h', r, z, n], hz, h
    fd_check(seq.gru_gates_grad_p, [rng.standard_normal(s) for s in shapes], rng)


def test_refusals_name_the_op_and_shapes():
    f64 = np.zeros
    with pytest.raises(ShapeError, match=r"expects xz and hz \(batch, 3\*hidden\) "
                       r"and h \(batch, hidden\) for 'gru_gates' with input shapes: "
                       r"\[2,6\], \[2,5\], \[2,2\]"):
        seq.bind(seq.gru_gates_p, f64((2, 6)), f64((2, 5)), f64((2, 2)))
    with pytest.raises(ShapeError, match=r"'gru_gates' .*\[2,6\], \[2,6\], \[3,2\]"):
        seq.bind(seq.gru_gates_p, f64((2, 6)), f64((2, 6)), f64((3, 2)))
    with pytest.raises(ShapeError, match=r"'gru_gates' .*\[2,3,6\]"):
        seq.bind(seq.gru_gates_p, f64((2, 3, 6)), f64((2, 6)), f64((2, 2)))
    with pytest.raises(DTypeNotImplemented, match="gru_gates.*float32.*float64"):
        seq.bind(seq.gru_gates_p, f64((2, 6), np.float32), f64((2, 6)), f64((2, 2)))
    with pytest.raises(DTypeNotImplemented, match="gru_gates.*int64"):
        seq.bind(seq.gru_gates_p, *(f64(s, np.int64) for s in ((2, 6), (2, 6), (2, 2))))
    with pytest.raises(ShapeError, match=r"output \[h', r, z, n\].*'gru_gates_grad' .*"
                       r"\[2,8\], \[2,7\], \[2,6\], \[2,2\]"):
        seq.bind(seq.gru_gates_grad_p, f64((2, 8)), f64((2, 7)), f64((2, 6)), f64((2, 2)))
    with pytest.raises(DTypeNotImplemented, match="'gru_gates_grad'.*float32.*float64"):
        seq.bind(seq.gru_gates_grad_p, f64((2, 8), np.float32), f64((2, 8)), f64((2, 6)),
                 f64((2, 2)))


def test_composite_kept_where_the_primitive_does_not_apply():
    """Keras' order z, r, h, other activations, unbatched and mixed dtypes keep the
    composite (the same values as written out)."""
    rng = np.random.default_rng(7)
    xz, hz = rng.standard_normal((2, 3, 6)), rng.standard_normal((2, 3, 6))
    h = rng.standard_normal((2, 3, 2))
    sig = 1 / (1 + np.exp(-(xz[..., :4] + hz[..., :4])))
    for order, (r, z) in (("rz", (sig[..., :2], sig[..., 2:])),
                          ("zr", (sig[..., 2:], sig[..., :2]))):
        n = np.tanh(xz[..., 4:] + r * hz[..., 4:])
        want = (1 - z) * n + z * h
        got = seq.gru_gates(dt.tensor(xz), dt.tensor(hz), dt.tensor(h), order=order)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
        got2 = seq.gru_gates(dt.tensor(xz[0]), dt.tensor(hz[0]), dt.tensor(h[0]), order=order)
        np.testing.assert_allclose(got2.numpy(), want[0], rtol=1e-12, atol=1e-12)
    relu = seq.relu
    got = seq.gru_gates(dt.tensor(xz[0]), dt.tensor(hz[0]), dt.tensor(h[0]), activation=relu)
    n = np.maximum(xz[0, :, 4:] + sig[0, :, :2] * hz[0, :, 4:], 0)
    np.testing.assert_allclose(got.numpy(), (1 - sig[0, :, 2:]) * n + sig[0, :, 2:] * h[0],
                               rtol=1e-12, atol=1e-12)
