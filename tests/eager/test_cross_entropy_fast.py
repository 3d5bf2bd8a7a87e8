"""F.cross_entropy's fast path (issue 19: ``nn.functional._fast_cross_entropy``, (N, C)
float logits and int64 class indices through the eager lane) against PyTorch and against the
general path (the same nodes, values and gradients; the general path's errors)."""

import numpy as np
import pytest

import dlcore_eager as T
import dlcore_eager.nn.functional as FM
from _grad_graph import graph_names as _graph

torch = pytest.importorskip("torch")


def _general(monkeypatch, *args, **kw):
    with monkeypatch.context() as m:
        m.setattr(FM, "_fast_cross_entropy", lambda *a: None)
        return T.nn.functional.cross_entropy(*args, **kw)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(32, 10), (1, 3), (5, 1)])
def test_values_gradients_and_nodes(monkeypatch, dtype, reduction, shape):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    y = rng.integers(0, shape[1], shape[0])
    a = T.tensor(x, requires_grad=True)
    loss = T.nn.functional.cross_entropy(a, T.from_numpy(y), reduction=reduction)
    b = T.tensor(x, requires_grad=True)
    ref = _general(monkeypatch, b, T.from_numpy(y), reduction=reduction)
    ta = torch.tensor(x, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(ta, torch.from_numpy(y), reduction=reduction)
    assert loss.dtype == ref.dtype and loss.shape == ref.shape == tuple(tl.shape)
    np.testing.assert_array_equal(loss.detach().numpy(), ref.detach().numpy())
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(loss.detach().numpy(), tl.detach().numpy(), rtol=tol, atol=tol)
    assert loss.grad_fn.name() == "NllLossBackward0" == tl.grad_fn.name()
    assert _graph(loss) == _graph(ref)
    g = np.arange(1, loss.numel() + 1, dtype=dtype).reshape(loss.shape)
    loss.backward(T.tensor(g))
    ref.backward(T.tensor(g))
    tl.backward(torch.tensor(g))
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=tol, atol=tol)


def test_non_leaf_strided_and_no_grad():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((10, 6)).astype("float32")
    y = rng.integers(0, 3, 6)
    a = T.tensor(x, requires_grad=True)
    ta = torch.tensor(x, requires_grad=True)
    loss = T.nn.functional.cross_entropy((a * 2).t()[:, :3], T.from_numpy(y))
    tl = torch.nn.functional.cross_entropy((ta * 2).t()[:, :3], torch.from_numpy(y))
    np.testing.assert_allclose(loss.item(), tl.item(), rtol=1e-6)
    loss.backward()
    tl.backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-7)
    with T.no_grad():
        out = T.nn.functional.cross_entropy(a[:6, :3], T.from_numpy(y))
    assert out.grad_fn is None and not out.requires_grad
    out = T.nn.functional.cross_entropy(T.tensor(x[:6, :3]), T.from_numpy(y))
    assert out.grad_fn is None and not out.requires_grad


def test_targets_out_of_range_and_ignored():
    x = T.tensor(np.zeros((3, 4), np.float32), requires_grad=True)
    for bad in (4, -1, 7):
        with pytest.raises(IndexError, match=f"Target {bad} is out of bounds."):
            T.nn.functional.cross_entropy(x, T.tensor([0, bad, 1]))
    # -100 (the default ignore_index) among the targets: ignored, as PyTorch
    tx = torch.zeros((3, 4), requires_grad=True)
    t = torch.nn.functional.cross_entropy(tx, torch.tensor([0, -100, 1]))
    loss = T.nn.functional.cross_entropy(x, T.tensor([0, -100, 1]))
    np.testing.assert_allclose(loss.item(), t.item(), rtol=1e-6)
    loss.backward()
    t.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    # an ignore_index inside [0, C)
    x2 = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    y = np.array([0, 1, 2, 1])
    out = T.nn.functional.cross_entropy(T.tensor(x2), T.from_numpy(y), ignore_index=1)
    ref = torch.nn.functional.cross_entropy(torch.tensor(x2), torch.from_numpy(y),
                                            ignore_index=1)
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-6)


def test_errors_of_the_general_path():
    x = T.zeros((3, 4))
    with pytest.raises(ValueError, match="Expected input batch_size"):
        T.nn.functional.cross_entropy(x, T.tensor([0, 1]))
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        T.nn.functional.cross_entropy(x, T.tensor([0, 1, 2]), reduction="bad")
    with pytest.raises(RuntimeError, match="label_smoothing must be between"):
        T.nn.functional.cross_entropy(x, T.tensor([0, 1, 2]), label_smoothing=2)
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not"):
        T.nn.functional.cross_entropy(x, T.zeros((3, 1), dtype=T.int64))


def test_int_label_smoothing_zero_and_empty_batch():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5)).astype(np.float64)
    y = rng.integers(0, 5, 4)
    out = T.nn.functional.cross_entropy(T.tensor(x), T.from_numpy(y), label_smoothing=0)
    ref = torch.nn.functional.cross_entropy(torch.tensor(x), torch.from_numpy(y))
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-12)
    e = T.nn.functional.cross_entropy(T.zeros((0, 5)), T.zeros(0, dtype=T.int64),
                                      reduction="sum")
    assert e.item() == 0.0


def test_spatial_target_size_error():
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2\]"):
        T.nn.functional.cross_entropy(T.zeros((2, 3, 4)), T.tensor([0, 1]))
    out = T.nn.functional.cross_entropy(T.zeros((2, 3, 4)), T.zeros((2, 4), dtype=T.int64))
    np.testing.assert_allclose(out.item(), np.log(3.0), rtol=1e-6)


@pytest.mark.parametrize("dtype,name", [("int32", "Int"), ("int16", "Short"), ("int8", "Char"),
                                        ("bool", "Bool"), ("float32", "Float"),
                                        ("float64", "Double")])
def test_target_dtypes_other_than_long_or_byte_are_refused_as_pytorch(dtype, name):
    # PyTorch 2.13: cross_entropy and nll_loss take int64 or uint8 class indices only; a
    # float target of another shape than the input's is class indices too, not probabilities
    x = T.tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32))
    t = T.tensor(np.array([0, 1, 1, 1]).astype(dtype))
    msg = f"expected target dtype to be Long or Byte, but got {name}"
    with pytest.raises(RuntimeError, match=msg):
        FM.cross_entropy(x, t)
    with pytest.raises(RuntimeError, match=msg):
        FM.nll_loss(FM.log_softmax(x, 1), t)
    with pytest.raises(RuntimeError, match=msg):
        T.nn.CrossEntropyLoss()(x, t)


def test_byte_targets_equal_long_targets():
    x = T.tensor(np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32))
    lab = np.array([0, 3, 1, 2, 3])
    a = FM.cross_entropy(x, T.tensor(lab.astype(np.uint8)))
    b = FM.cross_entropy(x, T.tensor(lab.astype(np.int64)))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    p = T.softmax(T.tensor(np.full((5, 4), 0.25, np.float32)), 1)   # probabilities: same shape
    np.testing.assert_allclose(FM.cross_entropy(x, p).numpy(),
                               np.mean(-np.log(np.exp(x.numpy()) /
                                               np.exp(x.numpy()).sum(1, keepdims=True)).mean(1)),
                               rtol=1e-6)
