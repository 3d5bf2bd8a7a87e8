"""F.leaky_relu / nn.LeakyReLU as one primitive (dlcore.ops.activations.leaky_relu_p, its vjp
leaky_relu_grad_p): values, gradients, double backward, grad_fn names, in-place forms and
refusals compared with torch 2.13, bit for bit where torch's kernel is elementwise."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

SLOPES = (0.01, 0.2, -0.5, 1.7, 0, 2)


def _sample(dtype, shape=(5, 7), seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    a.flat[:6] = [np.nan, -0.0, 0.0, np.inf, -np.inf, 1e-45]
    return a


def _bits(t):
    return t.detach().numpy().tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("slope", SLOPES)
def test_forward_backward_double_backward_bits_match_torch(dtype, slope):
    a = _sample(dtype)
    g = np.random.default_rng(1).standard_normal(a.shape).astype(dtype)
    gg = np.random.default_rng(2).standard_normal(a.shape).astype(dtype)
    t, d = torch.tensor(a, requires_grad=True), dt.tensor(a, requires_grad=True)
    yt, yd = TF.leaky_relu(t, slope), F.leaky_relu(d, slope)
    assert _bits(yt) == _bits(yd)
    assert yd.dtype == (dt.float32 if dtype == np.float32 else dt.float64)
    assert type(yd.grad_fn).__name__ == "LeakyReluBackward0"
    gt, = torch.autograd.grad(yt, t, torch.tensor(g), create_graph=True)
    gd, = dt.autograd.grad(yd, d, dt.tensor(g, requires_grad=True), create_graph=True)
    assert _bits(gt) == _bits(gd)
    assert type(gd.grad_fn).__name__ == type(gt.grad_fn).__name__ == "LeakyReluBackwardBackward0"
    ct = torch.tensor(g, requires_grad=True)
    cd = dt.tensor(g, requires_grad=True)
    gt, = torch.autograd.grad(TF.leaky_relu(t, slope), t, ct, create_graph=True)
    gd, = dt.autograd.grad(F.leaky_relu(d, slope), d, cd, create_graph=True)
    ggt, = torch.autograd.grad(gt, ct, torch.tensor(gg))
    ggd, = dt.autograd.grad(gd, cd, dt.tensor(gg))
    assert _bits(ggt) == _bits(ggd)


@pytest.mark.parametrize("call", ["positional", "keyword", "default", "module", "transposed"])
def test_call_forms_match_torch(call):
    a = _sample(np.float32, (6, 4))
    t, d = torch.tensor(a, requires_grad=True), dt.tensor(a, requires_grad=True)
    f = {"positional": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.3),
         "keyword": lambda lib, x: lib.nn.functional.leaky_relu(x, negative_slope=0.3),
         "default": lambda lib, x: lib.nn.functional.leaky_relu(x),
         "module": lambda lib, x: lib.nn.LeakyReLU(0.3)(x),
         "transposed": lambda lib, x: lib.nn.functional.leaky_relu(x.t(), 0.3)}[call]
    yt, yd = f(torch, t), f(dt, d)
    assert _bits(yt) == _bits(yd) and tuple(yt.shape) == tuple(yd.shape)
    (yt * yt).sum().backward()
    (yd * yd).sum().backward()
    assert _bits(t.grad) == _bits(d.grad)


def test_gradient_matches_finite_differences():
    a = np.random.default_rng(3).standard_normal((4, 5))
    a[np.abs(a) < 1e-3] = 0.5
    d = dt.tensor(a, requires_grad=True)
    (F.leaky_relu(d, 0.15) ** 2).sum().backward()
    eps, num = 1e-6, np.zeros_like(a)
    f = lambda v: (np.where(v > 0, v, 0.15 * v) ** 2).sum()   # noqa: E731
    for i in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[i] = eps
        num[i] = (f(a + e) - f(a - e)) / (2 * eps)
    np.testing.assert_allclose(d.grad.numpy(), num, rtol=1e-6, atol=1e-8)


def test_inplace_forms_match_torch():
    a = _sample(np.float32, (3, 4))
    for slope in (0.2, 0.01):
        t, d = torch.tensor(a, requires_grad=True), dt.tensor(a, requires_grad=True)
        ut, ud = t * 1, d * 1
        rt, rd = TF.leaky_relu(ut, slope, inplace=True), F.leaky_relu(ud, slope, inplace=True)
        assert rt is ut and rd is ud and _bits(ut) == _bits(ud)
        assert type(rd.grad_fn).__name__ == type(rt.grad_fn).__name__ == "LeakyReluBackward1"
        ut.sum().backward()
        ud.sum().backward()
        assert _bits(t.grad) == _bits(d.grad)
        mt, md = torch.nn.LeakyReLU(slope, inplace=True), dt.nn.LeakyReLU(slope, inplace=True)
        vt, vd = torch.tensor(a), dt.tensor(a)
        assert mt(vt) is vt and md(vd) is vd and _bits(vt) == _bits(vd)
        vt, vd = torch.tensor(a), dt.tensor(a)             # (keywords, positional)
        assert TF.leaky_relu(vt, inplace=True, negative_slope=slope) is vt
        assert F.leaky_relu(vd, inplace=True, negative_slope=slope) is vd
        assert F.leaky_relu(vd, slope, True) is vd and _bits(vd) == _bits(
            TF.leaky_relu(vt, slope, True))
        wt, wd = torch.tensor(a, requires_grad=True), dt.tensor(a, requires_grad=True)
        yt, yd = mt(wt * 2), md(wd * 2)
        assert type(yd.grad_fn).__name__ == type(yt.grad_fn).__name__ == "LeakyReluBackward1"
        (yt * yt).sum().backward()
        (yd * yd).sum().backward()
        assert _bits(wt.grad) == _bits(wd.grad)
    for lib in (torch, dt):
        leaf = lib.tensor(a, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            lib.nn.functional.leaky_relu(leaf, 0.2, inplace=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            lib.nn.LeakyReLU(inplace=True)(leaf)


def test_argument_errors_match_python_calls():
    x = dt.tensor([1.0, -1.0])
    with pytest.raises(TypeError, match="multiple values for argument 'negative_slope'"):
        F.leaky_relu(x, 0.1, negative_slope=0.2)
    with pytest.raises(TypeError, match="multiple values for argument 'inplace'"):
        F.leaky_relu(x, 0.1, False, inplace=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'slope'"):
        F.leaky_relu(x, slope=0.1)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("inplace", [False, True])
def test_integer_and_bool_inputs_are_refused_as_torch(dtype, inplace):
    msgs = []
    for lib in (torch, dt):
        x = lib.tensor([1, -2, 0]).to(getattr(lib, dtype))
        with pytest.raises(NotImplementedError) as e:
            lib.nn.functional.leaky_relu(x, 0.2, inplace=inplace)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_float16_matches_torch():
    a = _sample(np.float16, (4, 4))
    assert _bits(TF.leaky_relu(torch.tensor(a), 0.1)) == _bits(F.leaky_relu(dt.tensor(a), 0.1))


@pytest.mark.parametrize("slope", [-0.5, 0.0, 0.3])
def test_inplace_backward_refuses_a_negative_slope_as_torch(slope):
    a = np.array([-1.0, 2.0, -3.0], np.float32)
    out = []
    for lib in (torch, dt):
        x = lib.tensor(a, requires_grad=True)
        y = lib.nn.functional.leaky_relu(x * 1, slope, inplace=True)
        try:
            y.sum().backward()
            out.append(x.grad.numpy().tobytes())
        except RuntimeError as e:
            out.append(str(e))
    assert out[0] == out[1]
    assert (slope < 0) == (out[1][:8] == "In-place")
