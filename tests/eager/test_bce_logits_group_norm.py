"""F.binary_cross_entropy_with_logits as one primitive (``softplus_family.bce_logits_p``,
PyTorch's ``(1 - z) x - log_sigmoid(x)`` and its gradients) and F.group_norm through the fused
layer_norm primitive (F.instance_norm too): PyTorch's values, first and second derivatives, node
names, edge values."""
import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.ops.softplus_family import bce_logits_p

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_as_torch(dtype, reduction):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 10, 3)) * 4
    x.flat[:6] = [0.0, -0.0, 50.0, -50.0, 1e-8, -120.0]
    z = (rng.random((4, 10, 3)) > 0.5) * 1.0
    z.flat[6:9] = [0.3, 0.0, 1.0]
    res = []
    for L in (dt, torch):
        t = L.tensor(x, dtype=getattr(L, dtype), requires_grad=True)
        zt = L.tensor(z, dtype=getattr(L, dtype), requires_grad=True)
        y = L.nn.functional.binary_cross_entropy_with_logits(t, zt, reduction=reduction)
        gx, gz = L.autograd.grad(y, (t, zt), L.ones_like(y) * 0.7, create_graph=True)
        (ggx,) = L.autograd.grad((gx * gx).sum() + (gz * gz).sum(), t)
        res.append((y.detach().numpy(), gx.detach().numpy(), gz.detach().numpy(), ggx.numpy(),
                    y.grad_fn.name()))
    tol = 2e-6 if dtype == "float32" else 1e-13
    for a, b in zip(res[0][:4], res[1][:4]):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * 1e-2)
    assert res[0][4] == res[1][4]


def test_bce_logits_one_node_and_its_kernels():
    t = dt.randn(3, 4, requires_grad=True)
    y = dt.nn.functional.binary_cross_entropy_with_logits(t, dt.rand(3, 4), reduction="none")
    assert y._node.prim is bce_logits_p
    kernel = bce_logits_p.kernels["cpu"]
    x = np.random.default_rng(1).standard_normal((5, 6)).astype(np.float32)
    z = np.random.default_rng(2).random((5, 6)).astype(np.float32)
    same = kernel(x, z)                         # (the float32 loop)
    np.testing.assert_array_equal(kernel(x.T.copy().T, z), same)
    broadcast = kernel(x, z[:1])                # (the generated loop: z broadcast)
    np.testing.assert_allclose(broadcast, kernel(x, np.repeat(z[:1], 5, 0)), rtol=1e-6)
    np.testing.assert_allclose(kernel(x.astype(np.float64), z.astype(np.float64)), same,
                               rtol=1e-6)


def _norm_as_torch(make, shape, affine, dtype, name):
    """A norm module (``make(L)``) of both libraries, affine set alike: values, first and
    second derivatives and the node's name compared."""
    x = np.random.default_rng(3).standard_normal(shape) * 3 + 1
    g = np.cos(np.arange(np.prod(shape))).reshape(shape)
    res = []
    for L in (dt, torch):
        d = getattr(L, dtype)
        t = L.tensor(x, dtype=d, requires_grad=True)
        m = make(L).to(d)
        if affine:
            with L.no_grad():
                m.weight.copy_(L.tensor(np.linspace(0.5, 1.5, shape[1]), dtype=d))
                m.bias.copy_(L.tensor(np.linspace(-1, 1, shape[1]), dtype=d))
        y = m(t)
        (gx,) = L.autograd.grad(y, t, L.tensor(g, dtype=d), create_graph=True)
        (ggx,) = L.autograd.grad((gx * gx).sum(), t)
        res.append((y.detach().numpy(), gx.detach().numpy(), ggx.numpy(), y.grad_fn.name()))
    tol = 2e-6 if dtype == "float32" else 1e-13
    for a, b in zip(res[0][:3], res[1][:3]):
        np.testing.assert_allclose(a, b, rtol=tol * 10, atol=tol)
    assert res[0][3] == res[1][3] == name


@pytest.mark.parametrize("shape,groups,affine,dtype", [
    ((4, 6, 5, 5), 3, True, "float32"), ((2, 4, 7), 2, False, "float64"),
    ((3, 8), 4, True, "float32"), ((2, 6, 3, 3), 6, True, "float64"),
    ((1, 4, 2, 2, 2), 1, True, "float32")])
def test_group_norm_as_torch(shape, groups, affine, dtype):
    _norm_as_torch(lambda L: L.nn.GroupNorm(groups, shape[1], affine=affine), shape, affine,
                   dtype, "NativeGroupNormBackward0")


@pytest.mark.parametrize("shape,affine,dtype", [((4, 3, 16, 16), False, "float32"),
                                                ((2, 4, 7), True, "float64"),
                                                ((2, 3, 4, 5, 2), True, "float32")])
def test_instance_norm_as_torch(shape, affine, dtype):
    """F.instance_norm through the fused layer_norm primitive over the spatial axes."""
    def make(L):
        cls = {3: L.nn.InstanceNorm1d, 4: L.nn.InstanceNorm2d, 5: L.nn.InstanceNorm3d}
        return cls[len(shape)](shape[1], affine=affine)
    _norm_as_torch(make, shape, affine, dtype, "ViewBackward0")


def test_group_norm_of_an_empty_batch_as_torch():
    for L in (dt, torch):
        x = L.zeros(0, 4, 3, requires_grad=True)
        y = L.nn.GroupNorm(2, 4)(x)
        y.sum().backward()
        assert tuple(y.shape) == (0, 4, 3) and tuple(x.grad.shape) == (0, 4, 3)
        assert tuple(L.nn.functional.group_norm(L.zeros(0, 6), 3).shape) == (0, 6)
