"""``torch.div(..., rounding_mode=)`` and ``F.softplus(x, beta, threshold)`` as PyTorch 2.13:
both raised before (NotImplementedError, TypeError), breaking programs that use them."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.nn.functional as F

torch = pytest.importorskip("torch")

A = [7, -7, 5, -5, 0, 9]
B = [2, 2, -3, -3, 4, -4]
FA = [7.5, -7.5, 1.0, -0.0, 3.0, np.inf]
FB = [2.0, 2.0, 0.1, 3.0, 0.0, 2.0]


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("case", ["int-int", "int32-int16", "int-scalar", "float-float",
                                  "float-scalar", "int-float-scalar"])
def test_div_rounding_values_and_dtypes(mode, case):
    def build(lib):
        if case == "int-int":
            return lib.tensor(A), lib.tensor(B)
        if case == "int32-int16":
            return lib.tensor(A, dtype=lib.int32), lib.tensor(B, dtype=lib.int16)
        if case == "int-scalar":
            return lib.tensor(A), -3
        if case == "float-float":
            return lib.tensor(FA), lib.tensor(FB)
        if case == "float-scalar":
            return lib.tensor(FA, dtype=lib.float32), 0.1
        return lib.tensor(A), 2.5
    got = dt.div(*build(dt), rounding_mode=mode)
    want = torch.div(*build(torch), rounding_mode=mode)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    if mode == "floor":     # (trunc's kernel gives +0.0 for -0.0 / 3: trunc_p, sign of zero)
        np.testing.assert_array_equal(np.signbit(got.numpy()), np.signbit(want.numpy()))
    a, b = build(dt)
    np.testing.assert_array_equal(a.div(b, rounding_mode=mode).numpy(), want.numpy())


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_gradient_is_zero_as_torch(mode):
    x = dt.tensor([3.0, -4.5, 7.0], requires_grad=True)
    y = dt.tensor([2.0, 2.0, -3.0], requires_grad=True)
    q = dt.div(x, y, rounding_mode=mode)
    assert type(q.grad_fn).__name__ == "DivBackward2"
    (q * dt.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 0.0, 0.0])


def test_div_rounding_errors_as_torch():
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
        dt.div(dt.tensor([4, 2]), dt.tensor([1, 0]), rounding_mode="floor")
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
        dt.div(dt.tensor([4, 2]), 0, rounding_mode="trunc")
    with pytest.raises(RuntimeError, match="div expected rounding_mode to be one of None, "
                                           "'trunc', or 'floor' but found 'round'"):
        dt.div(dt.tensor([4.0]), 2, rounding_mode="round")
    with pytest.raises(NotImplementedError, match="\"div_floor_cpu\" not implemented for 'Bool'"):
        dt.div(dt.tensor([True]), dt.tensor([True]), rounding_mode="floor")


@pytest.mark.parametrize("kw", [{}, {"beta": 2}, {"beta": 0.5, "threshold": 5}, {"threshold": 1}])
def test_softplus_beta_threshold_as_torch(kw):
    a = np.linspace(-30.0, 30.0, 25)
    x = dt.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, ty = F.softplus(x, **kw), torch.nn.functional.softplus(tx, **kw)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-15)
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__ == "SoftplusBackward0"
    g = np.cos(a)
    y.backward(dt.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(F.softplus(dt.tensor([1.0]), 2, 10).numpy(),
                               torch.nn.functional.softplus(torch.tensor([1.0]), 2, 10).numpy(),
                               rtol=1e-6)
