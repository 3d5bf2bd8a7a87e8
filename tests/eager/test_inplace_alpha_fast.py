"""``add_``/``sub_`` with ``alpha`` written into the tensor (issue 19: a tutorial's manual SGD
step ``p.data.add_(p.grad.data, alpha=-lr)`` took 32 us a parameter against PyTorch's 5):
``_api_install._scaled_into`` gives the general path's values bit for bit, bumps the version
as an in-place op does, and leaves every other case (and its errors) to the general path."""

import numpy as np
import pytest

import dlcore_eager as T
from dlcore_eager import _api_install


def _pair(dtype, shape_b=(4, 5)):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5)).astype(dtype)
    b = rng.standard_normal(shape_b).astype(dtype)
    return a, b


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", ["add_", "sub_"])
@pytest.mark.parametrize("alpha", [-0.005, 3, 0.1])
@pytest.mark.parametrize("shape_b", [(4, 5), (5,)])
def test_the_general_paths_values_and_a_new_version(monkeypatch, dtype, method, alpha,
                                                    shape_b):
    a, b = _pair(dtype, shape_b)
    calls: list = []
    real = _api_install._scaled_into
    monkeypatch.setattr(_api_install, "_scaled_into",
                        lambda *x: calls.append(1) or real(*x))
    x = T.tensor(a)
    v0 = x._version
    assert getattr(x, method)(T.tensor(b), alpha=alpha) is x
    assert calls and x._version == v0 + 1
    monkeypatch.setattr(_api_install, "_scaled_into", lambda *x: False)
    y = T.tensor(a)
    getattr(y, method)(T.tensor(b), alpha=alpha)
    np.testing.assert_array_equal(x.numpy(), y.numpy())
    torch = pytest.importorskip("torch")
    t = torch.tensor(a)
    getattr(t, method)(torch.tensor(b), alpha=alpha)
    tol = 1e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=tol, atol=tol)


def test_a_parameters_data_updated_by_its_gradient():
    lin = T.nn.Linear(3, 2)
    w0 = lin.weight.detach().numpy().copy()
    lin(T.ones(1, 3)).sum().backward()
    g = lin.weight.grad.numpy().copy()
    for p in lin.parameters():
        p.data.add_(p.grad.data, alpha=-0.5)
    np.testing.assert_array_equal(lin.weight.detach().numpy(),
                                  w0 + (g * np.float32(-0.5)).astype(np.float32))
    assert lin.weight.requires_grad and lin.weight.grad is not None


def test_what_it_leaves_to_the_general_path_keeps_its_errors():
    a = T.ones(3)
    assert not _api_install._scaled_into(a, None, None, T.ones(3), {"alpha": True})
    with pytest.raises(RuntimeError, match="Boolean alpha only supported for Boolean results"):
        a.add_(T.ones(3), alpha=True)
    i = T.ones(3, dtype=T.int64)
    with pytest.raises(RuntimeError, match="For integral input tensors, argument alpha must "
                                           "not be a floating point number"):
        i.add_(T.ones(3, dtype=T.int64), alpha=0.5)
    big = 1e39
    assert not _api_install._scaled_into(a, None, None, T.ones(3), {"alpha": big})
    w = T.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation"):
        w.add_(T.ones(3), alpha=2.0)
    h = T.ones(3, requires_grad=True) * 1           # (a non-leaf: recorded, general path)
    h.add_(T.full((3,), 2.0), alpha=0.5)
    h.sum().backward()
    np.testing.assert_array_equal(h.detach().numpy(), [2.0, 2.0, 2.0])
    assert h.grad_fn.name() == "AddBackward0"
