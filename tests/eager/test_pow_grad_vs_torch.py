"""pow's gradient in eager as PyTorch 2.13's (pow_backward_self / pow_backward_exponent): 0
for d/da where the exponent is 0 (not NaN at a = 0), d/db 0 at a = 0 with b >= 0, NaN for a
negative base, -inf at a = 0 with b < 0; the static front end keeps TensorFlow's rule (dlcore's
``_pow_vjp``: d/db 0 wherever a <= 0)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as de

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")
X = [0., 0., 0., 2., -2., -2., 0., 0., -0., 3., -1.]
P = [0., 1., 2., 0., .5, 2., -1., .5, 0., -2., 3.]
G = [1., 1., 1., 1., 1., 1., 1., NAN, INF, 2., -1.]


def _pair(lib, dtype, x, p, g, create_graph=False):
    dt = getattr(lib, dtype)
    xt = lib.tensor(x, dtype=dt, requires_grad=True)
    pt = lib.tensor(p, dtype=dt, requires_grad=True)
    return lib.autograd.grad(xt ** pt, (xt, pt), lib.tensor(g, dtype=dt),
                             create_graph=create_graph)


def _same(ours, theirs):
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_tensor_exponent_gradients_as_torch(dtype, create_graph):
    _same(_pair(de, dtype, X, P, G, create_graph), _pair(torch, dtype, X, P, G, create_graph))


def test_half_tensor_exponent_as_torch():
    """float16: the same zeros, NaNs and infinities; values within an ulp (PyTorch rounds
    each op of its composite backward to half, eager's rule runs in float32, rounded once)."""
    for a, b in zip(_pair(de, "float16", X, P, G), _pair(torch, "float16", X, P, G)):
        assert a.dtype == de.float16
        np.testing.assert_allclose(a.numpy().astype(np.float32), b.numpy().astype(np.float32),
                                   rtol=1e-3, atol=0, equal_nan=True)


@pytest.mark.parametrize("base", [0.0, 2.0, -2.0, 1.0])
def test_number_base_gradient_as_torch(base):
    p = [0., 1., -1., .5, 2.]
    ours = de.tensor(p, requires_grad=True)
    theirs = torch.tensor(p, requires_grad=True)
    _same(de.autograd.grad((base ** ours).sum(), ours),
          torch.autograd.grad((base ** theirs).sum(), theirs))


@pytest.mark.parametrize("e", [0.0, 2.0, -1.0])
def test_zero_d_exponent_that_requires_grad(e):
    x = [0., 1., -1., 2.]
    res = []
    for lib in (de, torch):
        xt, et = lib.tensor(x, requires_grad=True), lib.tensor(e, requires_grad=True)
        res.append(lib.autograd.grad((xt ** et).sum(), (xt, et)))
    _same(*res)


def test_broadcast_exponent():
    res = []
    for lib in (de, torch):
        xt = lib.tensor([[0.], [-1.], [2.]], requires_grad=True)
        pt = lib.tensor([0., 2., -1.], requires_grad=True)
        res.append(lib.autograd.grad((xt ** pt).sum(), (xt, pt)))
    _same(*res)


def test_second_derivative_as_torch():
    """create_graph: the gradient's own graph differentiates as PyTorch's."""
    res = []
    for lib in (de, torch):
        xt = lib.tensor([0., 1.5, 2., 0.5], dtype=lib.float64, requires_grad=True)
        pt = lib.tensor([0., 2., 3., -1.], dtype=lib.float64, requires_grad=True)
        gx, gp = lib.autograd.grad((xt ** pt).sum(), (xt, pt), create_graph=True)
        res.append(lib.autograd.grad((gx * gx).sum() + gp.sum(), (xt, pt)))
    for a, b in zip(*res):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("e", [0, 0.0, 1, 2, 2.0, 3])
def test_number_exponent_gradients_unchanged(e):
    x = [0., 1., -1., 2.5]
    res = []
    for lib in (de, torch):
        xt = lib.tensor(x, requires_grad=True)
        g1, = lib.autograd.grad((xt ** e).sum(), xt, create_graph=True)
        res.append((g1,) + ((lib.autograd.grad(g1.sum(), xt)[0],) if g1.requires_grad
                            else ()))
    assert len(res[0]) == len(res[1]) == (1 if e == 0 else 2)   # (x ** 0: zeros, no graph)
    _same(*res)


def test_static_rule_stays_tensorflows():
    """dlcore's core rule (the static front end's) is TensorFlow's: log(a) taken as 0 wherever
    a <= 0 (y * 0: NaN where y is infinite, 0 ** -1), d/da NaN at a = 0, b = 0 (0 * 0^-1)."""
    from dlcore.ops.power import pow_p
    a = np.array([0., -2., 2., 0.], np.float32)
    b = np.array([0., 2., 1., -1.], np.float32)
    g = np.ones(4, np.float32)
    with np.errstate(all="ignore"):
        da, db = pow_p.vjp(g, np.power(a, b), a, b)
        np.testing.assert_array_equal(np.asarray(db()), np.array([0., 0., 2 * np.log(2.), NAN],
                                                                 np.float32))
        assert np.isnan(np.asarray(da())[0])


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_square_create_graph_three_orders(shape):
    """x ** 2's create_graph gradient (eager's one-frame lane for PyTorch's three nodes,
    pow/mul/mul): values, grad_fn names and the second and third derivatives as torch's, a 0-d
    x included (NumPy's 0-d products are scalars: made arrays)."""
    vals = np.linspace(-1.5, 2.0, int(np.prod(shape))).reshape(shape)
    res = []
    for lib in (de, torch):
        x = lib.tensor(vals, dtype=lib.float64, requires_grad=True)
        g1, = lib.autograd.grad((x ** 2).sum() * 3.0, x, create_graph=True)
        g2, = lib.autograd.grad((g1 * g1).sum(), x, create_graph=True)
        g3, = lib.autograd.grad(g2.sum(), x)
        names = (type(g1.grad_fn).__name__, type(g1.grad_fn.next_functions[1][0]).__name__)
        res.append((names, [t.detach().numpy().tolist() for t in (g1, g2, g3)]))
    assert res[0] == res[1]
