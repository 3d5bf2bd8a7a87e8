"""hardshrink, softshrink and threshold as primitives (``dlcore/ops/shrink.py``): PyTorch's
values and gradients bit for bit on its vectorised bodies (NaN, signed zeros, bounds, infinities
inside 32-element tensors), double backward, the half types, other layouts, the in-place and
integer forms, one node each way, and the CUDA kernels (under the simulator in CI); the lane
entries of these and of selu and celu (``dlcore_eager/_lane_params.py``) against PyTorch's calls."""
import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.ops import shrink

torch = pytest.importorskip("torch")

SPECIAL = [np.nan, -0.3, 0.3, -0.5, 0.5, -0.0, 0.0, 1.0, -1.0, np.inf, -np.inf, 0.50001,
           -0.49999, 2.0, -2.0, 0.25]

CASES = [("hardshrink", (0.5,)), ("hardshrink", ()), ("softshrink", (0.5,)),
         ("softshrink", (0.0,)), ("threshold", (0.3, -2.0)), ("threshold", (-1, 7))]


def _x(dtype):
    rest = np.random.default_rng(0).standard_normal(48) * 2
    return np.array(SPECIAL + list(rest), dtype)


def _bits_equal(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(np.ascontiguousarray(a).view(np.uint8),
                                  np.ascontiguousarray(b).view(np.uint8))


@pytest.mark.parametrize("name,args", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_gradients_bit_for_bit(name, args, dtype):
    x = _x(dtype)
    g = np.random.default_rng(1).standard_normal(x.size).astype(dtype)
    out = []
    for L in (dt, torch):
        t = L.tensor(x, requires_grad=True)
        y = getattr(L.nn.functional, name)(t, *args)
        y.backward(L.tensor(g))
        out.append((y.detach().numpy(), t.grad.numpy(), y.grad_fn.name()))
    _bits_equal(out[0][0], out[1][0])
    _bits_equal(out[0][1], out[1][1])
    assert out[0][2] == out[1][2]


@pytest.mark.parametrize("name,args", CASES[::2])
def test_double_backward_as_torch(name, args):
    x = _x(np.float64)[16:]
    res = []
    for L in (dt, torch):
        t = L.tensor(x, requires_grad=True)
        y = getattr(L.nn.functional, name)(t, *args)
        (g,) = L.autograd.grad(y, t, L.ones_like(y) * 3, create_graph=True)
        (gg,) = L.autograd.grad((g * g).sum(), t, allow_unused=True)
        res.append((g.detach().numpy(), None if gg is None else gg.numpy()))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])


@pytest.mark.parametrize("name,prim,grad_p", [
    ("hardshrink", shrink.hardshrink_p, shrink.shrink_grad_p),
    ("softshrink", shrink.softshrink_p, shrink.shrink_grad_p),
    ("threshold", shrink.threshold_p, shrink.threshold_grad_p)])
def test_one_node_each_way(name, prim, grad_p):
    t = dt.randn(4, 5, requires_grad=True)
    args = (0.1, 2.0) if name == "threshold" else (0.3,)
    y = getattr(dt.nn.functional, name)(t, *args)
    assert y._node.prim is prim and len(y._node.parents) == 1
    calls = []
    kernel = grad_p.kernels["cpu"]
    grad_p.kernels["cpu"] = lambda g, x, **p: calls.append(p) or kernel(g, x, **p)
    try:
        y.sum().backward()
    finally:
        grad_p.kernels["cpu"] = kernel
    assert len(calls) == 1


@pytest.mark.parametrize("name,args", CASES[::2])
def test_other_layouts_and_half_types(name, args):
    x = np.random.default_rng(2).standard_normal((6, 8)).astype(np.float32)
    for view in (lambda a: a.T, lambda a: a[:, ::2], lambda a: a[1]):
        a = getattr(dt.nn.functional, name)(view(dt.tensor(x)), *args).numpy()
        b = getattr(torch.nn.functional, name)(view(torch.tensor(x)), *args).numpy()
        # (values: PyTorch's strided path is its scalar body, -0.0 in softshrink's dead zone)
        np.testing.assert_array_equal(a, b)
    for d, td in ((dt.bfloat16, torch.bfloat16), (dt.float16, torch.float16)):
        t = dt.tensor(x).to(d).requires_grad_(True)
        tt = torch.tensor(x).to(td).requires_grad_(True)
        y = getattr(dt.nn.functional, name)(t, *args)
        ty = getattr(torch.nn.functional, name)(tt, *args)
        np.testing.assert_array_equal(y.float().detach().numpy(), ty.float().detach().numpy())
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_array_equal(t.grad.float().numpy(), tt.grad.float().numpy())


def test_threshold_in_place_and_integer_forms():
    x = np.array([-2.0, 0.1, 0.3, 0.5, np.nan], np.float32)
    t, tt = dt.tensor(x), torch.tensor(x)
    assert dt.nn.functional.threshold(t, 0.3, 9.0, inplace=True) is t
    torch.nn.functional.threshold(tt, 0.3, 9.0, inplace=True)
    _bits_equal(t.numpy(), tt.numpy())
    i = np.array([-3, 0, 2, 5], np.int64)
    a = dt.threshold(dt.tensor(i), 1, 7)
    b = torch.threshold(torch.tensor(i), 1, 7)
    assert a.dtype == dt.int64
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert dt.tensor(x).hardshrink(0.2).shape == (5,)


def test_softshrink_negative_lambda_refused_as_torch():
    with pytest.raises(RuntimeError) as ours:
        dt.nn.functional.softshrink(dt.randn(3), -0.5)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.softshrink(torch.randn(3), -0.5)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name,args", CASES[::2])
def test_cuda_kernels_as_cpu(name, args):
    if not dt.cuda.is_available():
        pytest.skip("no CUDA device or simulator")
    x = _x(np.float32)
    t = dt.tensor(x).cuda().requires_grad_(True)
    y = getattr(dt.nn.functional, name)(t, *args)
    y.sum().backward()
    c = dt.tensor(x, requires_grad=True)
    yc = getattr(dt.nn.functional, name)(c, *args)
    yc.sum().backward()
    _bits_equal(y.detach().cpu().numpy(), yc.detach().numpy())
    _bits_equal(t.grad.cpu().numpy(), c.grad.numpy())


CALLS = [("hardshrink", (), {}), ("hardshrink", (0.3,), {}), ("hardshrink", (), {"lambd": 1}),
         ("hardshrink", (0.3,), {"lambd": 0.3}), ("softshrink", (0.2,), {}),
         ("softshrink", (-0.1,), {}), ("threshold", (0.1, 20.0), {}),
         ("threshold", (0.1, 20), {"inplace": False}), ("threshold", (0.1,), {"value": 2.0}),
         ("threshold", (), {"threshold": 0.1, "value": 2.0}), ("threshold", (0.1, 2.0, False), {}),
         ("threshold", (0.1,), {"threshold": 2.0}),
         ("selu", (), {}), ("selu", (False,), {}), ("selu", (), {"inplace": False}),
         ("celu", (), {}), ("celu", (0.5,), {}), ("celu", (), {"alpha": 2}), ("celu", (0.0,), {}),
         ("celu", (0.5,), {"alpha": 1.0}), ("celu", (2.0, False), {})]


@pytest.mark.parametrize("name,args,kw", CALLS)
def test_lane_calls_as_torch(name, args, kw):
    """The lane entries (``dlcore_eager/_lane_params.py``: the shrinks and threshold, selu and
    celu through the elu primitive) and the general entry behind them: values (bit for bit for
    the selections), gradients, node names and ``_saved_*`` as PyTorch's; the same errors."""
    x = _x(np.float32)
    res = []
    for L in (dt, torch):
        t = L.tensor(x, requires_grad=True)
        try:
            y = getattr(L.nn.functional, name)(t, *args, **kw)
        except (TypeError, RuntimeError) as e:
            # (PyTorch's F.threshold names its inner _threshold in its TypeError)
            res.append((type(e), str(e).split("(")[-1]))
            continue
        y.sum().backward()
        saved = sorted(a for a in dir(y.grad_fn) if a.startswith("_saved"))
        shown = [getattr(y.grad_fn, a) for a in saved if a != "_saved_self"]
        res.append((y.detach().numpy(), t.grad.numpy(), y.grad_fn.name(), saved, shown))
    if len(res[0]) == 2:
        assert res[0] == res[1]
        return
    for a, b in zip(res[0][:2], res[1][:2]):
        if name in ("selu", "celu"):                 # (expm1: NumPy's against Sleef's)
            np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7, equal_nan=True)
        else:
            _bits_equal(a, b)
    assert res[0][2:] == res[1][2:]


def test_methods_modules_and_the_general_entry():
    x = _x(np.float32)
    t, tt = dt.tensor(x), torch.tensor(x)
    _bits_equal(t.hardshrink(0.25).numpy(), tt.hardshrink(0.25).numpy())
    _bits_equal(dt.hardshrink(t, 0.25).numpy(), torch.hardshrink(tt, 0.25).numpy())
    for m, tm in ((dt.nn.Hardshrink(0.4), torch.nn.Hardshrink(0.4)),
                  (dt.nn.Softshrink(0.4), torch.nn.Softshrink(0.4)),
                  (dt.nn.Threshold(0.1, -3.0), torch.nn.Threshold(0.1, -3.0))):
        _bits_equal(m(t).numpy(), tm(tt).numpy())
    packed = []
    with dt.autograd.graph.saved_tensors_hooks(lambda v: packed.append(v) or v, lambda v: v):
        y = dt.nn.functional.hardshrink(dt.tensor(x, requires_grad=True), 0.3)
    assert packed and y.grad_fn.name() == "HardshrinkBackward0"
    h = dt.nn.functional.softshrink(dt.tensor(x).half(), 0.3)
    np.testing.assert_array_equal(
        h.float().numpy(), torch.nn.functional.softshrink(tt.half(), 0.3).float().numpy())
