"""The prelu primitive (dlcore/ops/activations.py: one elementwise node, ``x if x > 0 else x w``
with the weight broadcast into ``x``): values and first-order gradients against NumPy and
PyTorch (NaN and signed zeros included), central finite differences, one node per call,
PyTorch's channel-count error and a 0-d input's shape."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.ops.activations import prelu_p


def _input(dtype=np.float32):
    a = np.linspace(-3, 3, 2 * 3 * 4).astype(dtype).reshape(2, 3, 4)
    a[0, 0, :3] = [np.nan, -0.0, 0.0]
    return a


@pytest.mark.parametrize("channels", [3, 1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_gradients_as_pytorch(channels, dtype):
    torch = pytest.importorskip("torch")
    a = _input(dtype)
    wv = np.array([0.2, -0.5, 1.5][:channels], dtype)
    g = np.linspace(-1, 1, 24).astype(dtype).reshape(2, 3, 4)
    res = []
    for T in (dl, torch):
        x, w = T.tensor(a, requires_grad=True), T.tensor(wv, requires_grad=True)
        y = T.nn.functional.prelu(x, w)
        y.backward(T.tensor(g))
        res.append((type(y.grad_fn).__name__, y.detach().numpy(), x.grad.numpy(), w.grad.numpy()))
    (nd, *vd), (nt, *vt) = res
    assert nd == nt == "PreluKernelBackward0"
    for u, v in zip(vd, vt):
        assert u.dtype == v.dtype and u.shape == v.shape
        assert np.array_equal(np.signbit(u), np.signbit(v))
        np.testing.assert_allclose(u, v, rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_one_node_and_finite_differences():
    rng = np.random.default_rng(0)
    a = rng.uniform(-2, 2, (3, 4, 5))
    a = np.where(np.abs(a) < 1e-2, 0.5, a)
    x = dl.tensor(a, requires_grad=True)
    w = dl.tensor([0.1, -0.3, 0.7, 2.0], dtype=dl.float64, requires_grad=True)
    y = dl.nn.functional.prelu(x, w)
    assert y.grad_fn.prim is prelu_p
    c = rng.standard_normal(a.shape)
    gx, gw = dl.autograd.grad((y * dl.tensor(c)).sum(), (x, w))
    wv = w.detach().numpy()[:, None]

    def f(av, wvv):
        return (np.where(av > 0, av, av * wvv) * c).sum()
    eps = 1e-6
    fdx = (np.where(a > 0, 1.0, wv) * c)
    np.testing.assert_allclose(gx.numpy(), fdx, rtol=1e-12)
    fdw = [(f(a, wv + eps * np.eye(4)[:, i:i + 1]) - f(a, wv - eps * np.eye(4)[:, i:i + 1]))
           / (2 * eps) for i in range(4)]
    np.testing.assert_allclose(gw.numpy(), fdw, rtol=1e-7)


def test_errors_and_shapes_as_pytorch():
    torch = pytest.importorskip("torch")
    for xs, ws in (((2, 3), (2,)), ((5,), (5,))):
        with pytest.raises(RuntimeError) as et:
            torch.nn.functional.prelu(torch.ones(*xs), torch.ones(*ws))
        with pytest.raises(RuntimeError) as ed:
            dl.nn.functional.prelu(dl.ones(*xs), dl.ones(*ws))
        assert str(ed.value) == str(et.value)
    for x, w in ((-2.0, [0.25]), ([-2.0, 3.0], [0.25])):
        got = dl.nn.functional.prelu(dl.tensor(x), dl.tensor(w))
        want = torch.nn.functional.prelu(torch.tensor(x), torch.tensor(w))
        assert tuple(got.shape) == tuple(want.shape) and got.tolist() == want.tolist()


@pytest.mark.parametrize("xshape,wshape", [((64, 128), (1,)), ((4, 3, 5, 5), (3, 1, 1)),
                                           ((7,), (1,)), ((2, 6, 9), (6, 1)),
                                           ((5, 4), (4,)), ((3, 4), (3, 4))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("g_kind", ["dense", "broadcast", "strided"])
def test_one_pass_cpu_gradient_equals_numpys(xshape, wshape, dtype, g_kind):
    """dlcore/kernels/cpu/leaky_relu.py's ``prelu_grad`` (one Numba pass for both gradients)
    against the NumPy rule it replaced: dx exactly, dw to float64-summation rounding; a weight
    that is neither one slope nor one per element of a single axis is refused (None)."""
    from dlcore.kernels.cpu import leaky_relu as cpu
    rng = np.random.default_rng(len(xshape))
    x = rng.standard_normal(xshape).astype(dtype)
    x.flat[::7] = np.nan
    x.flat[1::11] = -0.0
    w = rng.standard_normal(wshape).astype(dtype)
    if g_kind == "dense":
        g = rng.standard_normal(xshape).astype(dtype)
    elif g_kind == "broadcast":
        g = np.broadcast_to(dtype(0.75), xshape)
    else:
        g = rng.standard_normal(xshape[::-1]).astype(dtype).T
    got = cpu.prelu_grad(g, x, w)
    if len(wshape) == 2 and wshape[0] > 1 and wshape[1] > 1:
        assert got is None                      # (two axes of slopes: the NumPy rule)
        return
    with np.errstate(invalid="ignore"):
        m = x > 0
        dx = np.where(m, g, w * g)
        dw_terms = np.where(m, dtype(0), x * g)
    lead = x.ndim - len(wshape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(wshape) if n == 1)
    dw = dw_terms.astype(np.float64).sum(axes).reshape(wshape).astype(dtype)
    assert got[0].dtype == got[1].dtype == dtype and got[1].shape == wshape
    np.testing.assert_array_equal(got[0], dx)
    np.testing.assert_allclose(got[1], dw, rtol=1e-5 if dtype == np.float32 else 1e-12)
