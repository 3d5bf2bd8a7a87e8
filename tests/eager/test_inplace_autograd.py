"""In-place operations under autograd, against the real PyTorch: an in-place op's own gradient
reads the values from before the write (PyTorch saves the original ``self``), while an earlier op
that saved the overwritten tensor raises in backward.  The DCGAN tutorial's
``nn.LeakyReLU(0.2, inplace=True)`` after a BatchNorm and ``nn.ReLU(True)`` failed here."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

X = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
W = np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5

CASES = {
    "F.relu": lambda m, h: m.nn.functional.relu(h, inplace=True),
    "nn.ReLU(True)": lambda m, h: m.nn.ReLU(True)(h),
    "F.leaky_relu": lambda m, h: m.nn.functional.leaky_relu(h, 0.2, inplace=True),
    "nn.LeakyReLU": lambda m, h: m.nn.LeakyReLU(0.2, inplace=True)(h),
    "F.elu": lambda m, h: m.nn.functional.elu(h, inplace=True),
    "nn.ELU": lambda m, h: m.nn.ELU(0.7, inplace=True)(h),
    "F.hardtanh": lambda m, h: m.nn.functional.hardtanh(h, inplace=True),
    "nn.ReLU6": lambda m, h: m.nn.ReLU6(inplace=True)(h),
    "F.selu": lambda m, h: m.nn.functional.selu(h, inplace=True),
    "nn.CELU": lambda m, h: m.nn.CELU(0.5, inplace=True)(h),
    "F.threshold": lambda m, h: m.nn.functional.threshold(h, 0.1, 20.0, inplace=True),
    "nn.Hardswish": lambda m, h: m.nn.Hardswish(inplace=True)(h),
    "F.silu": lambda m, h: m.nn.functional.silu(h, inplace=True),
    "nn.Mish": lambda m, h: m.nn.Mish(inplace=True)(h),
    "F.rrelu eval": lambda m, h: m.nn.functional.rrelu(h, training=False, inplace=True),
    "sigmoid_": lambda m, h: h.sigmoid_(),
    "exp_": lambda m, h: h.exp_(),
    "clamp_": lambda m, h: h.clamp_(-1, 1),
    "abs_": lambda m, h: h.abs_(),
    "relu_": lambda m, h: h.relu_(),
    "pow_": lambda m, h: h.pow_(2),
    "mul_ scalar": lambda m, h: h.mul_(2),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_inplace_op_values_and_gradient_match_torch(name):
    f = CASES[name]
    got = []
    for m in (dt, torch):
        x = m.tensor(X, requires_grad=True)
        h = x * 1.5
        y = f(m, h)
        assert y is h                                   # written into h, h returned
        (y * m.tensor(W)).sum().backward()
        got.append((h.detach().numpy().copy(), x.grad.numpy().copy()))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-5, atol=1e-6)


def test_inplace_op_with_a_tensor_operand_keeps_both_gradients():
    got = []
    for m in (dt, torch):
        x = m.tensor(X, requires_grad=True)
        w = m.tensor(W, requires_grad=True)
        a = x * 1.0
        a.mul_(w)
        a.sum().backward()
        got.append((x.grad.numpy().copy(), w.grad.numpy().copy()))
    np.testing.assert_allclose(got[0][0], W)
    np.testing.assert_allclose(got[0][1], X)
    np.testing.assert_allclose(got[0][1], got[1][1])


def test_an_earlier_op_that_saved_the_tensor_still_raises_as_torch():
    for m in (dt, torch):
        x = m.tensor(X, requires_grad=True)
        b = x * 2
        c = b.sin()                                      # saves b
        b.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            c.sum().backward()


def test_an_inplace_module_writes_into_its_input_and_prints_as_torch():
    for name, kw in (("ELU", {"alpha": 0.5}), ("Hardtanh", {}), ("Threshold",
                     {"threshold": 0.1, "value": 20.0}), ("SiLU", {}), ("Hardswish", {}),
                     ("RReLU", {})):
        a, b = getattr(dt.nn, name)(**kw, inplace=True), getattr(torch.nn, name)(**kw, inplace=True)
        assert repr(a) == repr(b)
        if name == "RReLU":
            a.eval(), b.eval()
        x, t = dt.tensor(X), torch.tensor(X)
        a(x), b(t)
        np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-6)


def test_rrelu_in_training_draws_one_slope_per_negative_element():
    dt.manual_seed(3)
    x = dt.tensor(X, requires_grad=True)
    y = dt.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    neg = X < 0
    slopes = y.detach().numpy()[neg] / X[neg]
    assert np.all((slopes >= 0.1) & (slopes <= 0.3)) and len(np.unique(slopes)) == neg.sum()
    np.testing.assert_allclose(x.grad.numpy()[neg], slopes, rtol=1e-6)
    np.testing.assert_array_equal(y.detach().numpy()[~neg], X[~neg])
    np.testing.assert_array_equal(x.grad.numpy()[~neg], 1.0)
    dt.manual_seed(3)
    again = dt.nn.functional.rrelu(dt.tensor(X), 0.1, 0.3, training=True)
    np.testing.assert_array_equal(again.numpy(), y.detach().numpy())
