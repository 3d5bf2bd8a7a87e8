"""The 2-norm primitive (dlcore/ops/norm2.py) through the eager entries against torch 2.13:
values, grad_fn names, gradients (also at a zero norm, inf and NaN), finite differences, and
the WGAN-GP gradient penalty's double backward; the CPU kernel against a float64 reference."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.kernels.cpu import norm2 as cpu_norm2

torch = pytest.importorskip("torch")

CALLS = {
    "Tensor.norm(2, dim=1)": lambda m, x: x.norm(2, dim=1),
    "Tensor.norm()": lambda m, x: x.norm(),
    "Tensor.norm(dim=0, keepdim)": lambda m, x: x.norm(2, dim=0, keepdim=True),
    "torch.norm(dim=(0, 1))": lambda m, x: m.norm(x, dim=(0, 1)),
    "linalg.vector_norm(ord=2, dim=-1)": lambda m, x: m.linalg.vector_norm(x, 2, dim=-1),
    "linalg.vector_norm(keywords)": lambda m, x: m.linalg.vector_norm(x, ord=2, dim=[0],
                                                                      keepdim=True),
    "linalg.norm(vector)": lambda m, x: m.linalg.norm(x[0]),
    "F.normalize": lambda m, x: m.nn.functional.normalize(x, dim=1),
    "float64": lambda m, x: x.double().norm(dim=1),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_values_gradients_and_names_as_torch(name):
    f = CALLS[name]
    xn = np.random.default_rng(0).standard_normal((6, 5)).astype(np.float32)
    xn[2] = 0.0                                     # a zero row: the subgradient 0
    tx, dx = torch.tensor(xn, requires_grad=True), dt.tensor(xn, requires_grad=True)
    ty, dy = f(torch, tx), f(dt, dx)
    assert dy.grad_fn.name() == ty.grad_fn.name()
    assert tuple(dy.shape) == tuple(ty.shape)
    np.testing.assert_allclose(dy.detach().numpy(), ty.detach().numpy(), rtol=2e-7, atol=0)
    gn = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.tensor(gn).to(ty.dtype))
    dy.backward(dt.tensor(gn).to(dy.dtype))
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_edge_values_as_torch():
    xn = np.array([[1e30, 1e30], [0.0, 0.0], [np.inf, 1.0], [np.nan, 1.0], [-0.0, 3.0]],
                  np.float32)
    tx, dx = torch.tensor(xn, requires_grad=True), dt.tensor(xn, requires_grad=True)
    ty, dy = tx.norm(2, dim=1), dx.norm(2, dim=1)
    np.testing.assert_array_equal(dy.detach().numpy(), ty.detach().numpy())
    ty.sum().backward()
    dy.sum().backward()
    np.testing.assert_array_equal(dx.grad.numpy(), tx.grad.numpy())


def test_gradient_penalty_double_backward_as_torch():
    rng = np.random.default_rng(2)
    xn = rng.standard_normal((4, 6)).astype(np.float32)
    wn = rng.standard_normal((6, 3)).astype(np.float32)
    out = []
    for m in (torch, dt):
        x, w = m.tensor(xn, requires_grad=True), m.tensor(wn, requires_grad=True)
        d = m.tanh(x @ w).sum()
        g, = m.autograd.grad(d, x, create_graph=True)
        gp = ((g.norm(2, dim=1) - 1) ** 2).mean()
        gp.backward()
        out.append((gp.detach().numpy(), x.grad.numpy(), w.grad.numpy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("call", ["Tensor.norm(2, dim=1)", "F.normalize",
                                  "linalg.vector_norm(ord=2, dim=-1)"])
@pytest.mark.parametrize("g_row0", [1.0, 0.0])
def test_second_derivative_at_a_zero_norm_as_torch(call, g_row0):
    # the first derivative 0 over a zero norm (F.normalize: 1/eps), the second NaN over that
    # row whatever the cotangents (PyTorch's masked 0 / 0), the cotangent's own gradient 0;
    # other rows finite (the underflowing 1e-200 row is a zero norm too)
    f = CALLS[call]
    xn = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0], [-0.0, 0.0, 1e-200], [3.0, -1.0, 0.5]])
    res = []
    for m in (torch, dt):
        x = m.tensor(xn, requires_grad=True)
        y = f(m, x)
        gy = m.ones(tuple(y.shape), dtype=m.float64)
        gy[(0,) * y.ndim] = g_row0
        gy.requires_grad_(True)
        g, = m.autograd.grad(y, x, gy, create_graph=True)
        hx, hg = m.autograd.grad((g * g).sum() + g.sum(), (x, gy))
        res.append([t.detach().numpy() for t in (g, hx, hg)])
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-300)  # (NaNs where torch's)


def test_third_derivative_by_finite_differences():
    # d/dx of sum(grad(grad(norm)))) in float64 against central differences of the second
    # derivative computed by dlcore itself (norm2_grad's vjp, then its own vjp)
    rng = np.random.default_rng(3)
    xn = rng.uniform(0.3, 1.5, (3, 4)) * np.where(rng.random((3, 4)) < 0.5, -1, 1)
    c = rng.standard_normal((3, 4))

    def second(xv, create=False):
        x = dt.tensor(xv, requires_grad=True)
        g, = dt.autograd.grad(x.norm(2, dim=1).sum(), x, create_graph=True)
        h, = dt.autograd.grad((g * dt.tensor(c)).sum(), x, create_graph=create)
        return x, h

    x, h = second(xn, True)
    (h ** 2).sum().backward()
    eps = 1e-6
    fd = np.zeros_like(xn)
    for i in np.ndindex(xn.shape):
        up, dn = xn.copy(), xn.copy()
        up[i] += eps
        dn[i] -= eps
        fd[i] = ((second(up)[1].detach().numpy() ** 2).sum() -
                 (second(dn)[1].detach().numpy() ** 2).sum()) / (2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("shape,axes,keepdims", [((7, 33), (1,), False), ((3, 4, 5), (0, 2), True),
                                                 ((4, 3), (0,), False), ((0, 3), (0,), False),
                                                 ((5,), (0,), False)])
def test_cpu_kernel_against_float64(shape, axes, keepdims):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(np.float32)
    y = cpu_norm2.norm2(x, axes=axes, keepdims=keepdims)
    want = np.sqrt(np.sum(np.square(x).astype(np.float64), axis=axes, keepdims=keepdims))
    np.testing.assert_array_equal(y, want.astype(np.float32))        # correctly rounded
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = cpu_norm2.norm2_grad(g, x, axes=axes, keepdims=keepdims)
    gk = g if keepdims else np.expand_dims(g, axes)
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = np.where(want.reshape(gk.shape) == 0, 0,
                       x * (gk / want.astype(np.float32).reshape(gk.shape)))
    np.testing.assert_allclose(dx, ref, rtol=1e-6, atol=1e-7)


def test_normalize_lane_refusals_and_arguments_as_torch():
    xn = np.random.default_rng(5).standard_normal((3, 4, 2)).astype(np.float32)
    for kw in ({"dim": -1}, {"p": 2, "dim": 0, "eps": 0.5}, {"p": 1}, {"dim": 2, "eps": 10}):
        want = torch.nn.functional.normalize(torch.tensor(xn), **kw).numpy()
        got = dt.nn.functional.normalize(dt.tensor(xn), **kw).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    with pytest.raises(IndexError):
        dt.nn.functional.normalize(dt.tensor(xn), dim=3)
    with pytest.raises(RuntimeError):
        dt.nn.functional.normalize(dt.tensor([1, 2]))


@pytest.mark.parametrize("call", [
    lambda m, x: m.linalg.vector_norm(x, 2, dim=()),
    lambda m, x: m.linalg.vector_norm(x, ord=1, dim=[], keepdim=True),
    lambda m, x: m.linalg.vector_norm(x, float("inf"), dim=()),
    lambda m, x: x.norm(2, dim=()),
    lambda m, x: m.norm(x, dim=[], keepdim=True),
    lambda m, x: x.norm(3, dim=()),
])
def test_an_empty_dim_reduces_all_dims_as_torch(call):
    xn = np.array([[1.0, -2.0, 3.0], [0.0, 1.0, 4.0]])
    res = []
    for m in (torch, dt):
        x = m.tensor(xn, requires_grad=True)
        y = call(m, x)
        y.sum().backward()
        res.append((y.detach().numpy(), x.grad.numpy(), type(y.grad_fn).__name__))
    assert res[1][0].shape == res[0][0].shape and res[1][2] == res[0][2]
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-14)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-14)


def test_the_core_empty_axis_reduces_none():
    # (TensorFlow's reduction over axis=(): the static front end's tf.norm keeps it)
    from dlcore.ops.linalg_extra import vector_norm
    x = dt.tensor([[3.0, -4.0]])
    np.testing.assert_array_equal(vector_norm(x, 2, ()).numpy(), [[3.0, 4.0]])
