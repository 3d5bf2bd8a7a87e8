"""The float32 forms of silu, softplus, log_sigmoid and mish (``_fast32``: ``exp32`` and the
float64 ``log1p32``, one vectorised Numba pass each way, PyTorch's forms and order) against
PyTorch's float32 kernels, element by element in ulps, edge values included; ``exp32`` past
float32's overflow; the CPU kernels' other layouts and dtypes."""
import numpy as np
import pytest

from dlcore.kernels.cpu import _fast32_loops as L
from dlcore.kernels.cpu import transcendental as tr

torch = pytest.importorskip("torch")
F = torch.nn.functional

EDGES = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 20.0, 20.0001, 19.9999, 88.0, 88.5,
                  88.7, 88.8, 89.0, 100.0, -88.5, -100.0, -105.0, -120.0, 1e-30, -1e-30,
                  1e-40, -1.2785, -1.1924], np.float32)


def _values():
    rng = np.random.default_rng(7)
    parts = [rng.standard_normal(20000).astype(np.float32) * s for s in (0.01, 1, 5, 30)]
    return np.concatenate(parts + [EDGES])


def _ulps(a, b):
    """|a - b| in float32 ulps (0 where equal or both NaN), on the ordered integer line."""
    ia = a.view(np.int32).astype(np.int64)
    ib = b.view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    return np.where(same, 0, np.abs(ia - ib))


def _torch(fn, x, g):
    t = torch.tensor(x, requires_grad=True)
    y = fn(t)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), t.grad.numpy()


# (name, PyTorch's function, most ulps apart forward and backward away from cancellation (mish's
# 1 - t^2 at t ~ 1 above x ~ 8 amplifies tanh's last bit), the
# largest share of forward results not bit for bit PyTorch's: 0.6%, 1.6%, 1.4% and 9.7% of 1M
# values measured; the libm loops they replaced differed in 18%, 7.1%, 11.7% and 13%)
CASES = [("silu", F.silu, 4, 8, 0.02), ("softplus", F.softplus, 2, 3, 0.04),
         ("logsigmoid", F.logsigmoid, 2, 4, 0.04), ("mish", F.mish, 4, 16, 0.15)]


@pytest.mark.parametrize("name,fn,fwd_ulps,grad_ulps,share", CASES)
def test_float32_forms_track_torch(name, fn, fwd_ulps, grad_ulps, share):
    x = _values()
    g = np.random.default_rng(8).standard_normal(x.size).astype(np.float32)
    want, want_grad = _torch(fn, x, g)
    got = np.empty_like(x)
    getattr(L, f"{name}32_into")(x, got)
    got_grad = np.empty_like(x)
    getattr(L, f"{name}_grad32_into")(g, x, got_grad)
    # deep in the subnormals (|y| < 1e-30: e^-69 and below) PyTorch's exp flushes earlier
    big = np.abs(want) > 1e-30
    d = _ulps(got[big], want[big])
    assert d.max() <= fwd_ulps, (name, x[big][d.argmax()], got[big][d.argmax()])
    assert (d > 0).mean() < share                # mostly the same bits, not merely close
    np.testing.assert_allclose(got, want, rtol=5e-7, atol=1e-37, equal_nan=True)
    # the gradients: ulps where no cancellation (silu' and mish' cross 0 near -1.28, -1.19)
    far = (np.abs(want_grad) > 0.05 * np.abs(g)) & (np.abs(want_grad) > 1e-30)
    dg = _ulps(got_grad[far], want_grad[far])
    assert dg.max() <= grad_ulps, (name, x[far][dg.argmax()])
    np.testing.assert_allclose(got_grad, want_grad, rtol=2e-6, atol=1e-6 * np.abs(g).max(),
                               equal_nan=True)


def test_exp32_overflows_to_inf_as_float32_exp():
    x = np.array([88.0, 88.5, 88.72, 88.73, 89.0, 100.0, np.inf, -np.inf, np.nan, -104.0],
                 np.float32)
    with np.errstate(over="ignore"):
        want = np.exp(x.astype(np.float64)).astype(np.float32)
    out = np.empty_like(x)
    L.silu32_into(-x, out)          # silu(-x) = -x / (1 + e^x): e^x itself through exp32
    with np.errstate(over="ignore", invalid="ignore"):
        np.testing.assert_allclose(out, (-x) / (np.float32(1) + want), rtol=4e-7,
                                   equal_nan=True)
    assert out[5] == 0 and np.signbit(out[5])            # -100 / inf = -0.0, as PyTorch


@pytest.mark.parametrize("name", ["silu", "softplus", "logsigmoid", "mish"])
def test_array_forms_keep_shape_and_layout(name):
    fn = getattr(tr, name)
    x = np.random.default_rng(3).standard_normal((6, 8)).astype(np.float32)
    flat = np.empty_like(x)
    getattr(L, f"{name}32_into")(x, flat)
    np.testing.assert_array_equal(fn(x.T), flat.T)              # a transposed view: copied
    np.testing.assert_array_equal(fn(x[:, ::2]), flat[:, ::2])  # a strided one
    zero_d = fn(np.array(x[0, 0]))
    assert zero_d.shape == () and zero_d == flat[0, 0]
    assert fn(np.empty((0, 3), np.float32)).shape == (0, 3)


def test_float64_keeps_its_own_loops():
    import dlcore_eager as dt
    x = np.random.default_rng(4).standard_normal(50) * 10
    for name in ("silu", "softplus"):
        a = getattr(dt.nn.functional, name)(dt.tensor(x)).numpy()
        b = getattr(F, name)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("prim", ["silu_grad", "softplus_grad", "gelu_grad",
                                  "logsigmoid_grad", "mish_grad", "gelu_tanh_grad"])
def test_gradient_kernels_take_other_layouts_of_the_cotangent(prim):
    """A sum's cotangent (one value broadcast, strides 0) or a transposed one runs the float32
    loop on a C-ordered copy: the same bits as a dense cotangent."""
    from dlcore.registry import PRIMITIVES
    kernel = PRIMITIVES[prim].kernels["cpu"]
    x = np.random.default_rng(9).standard_normal((6, 8)).astype(np.float32) * 3
    dense = np.full((6, 8), 0.75, np.float32)
    want = kernel(dense, x)
    got = kernel(np.broadcast_to(np.float32(0.75), (6, 8)), x)
    assert got.dtype == np.float32 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(kernel(dense.T.copy().T, x.T.copy().T), want)
    g = np.random.default_rng(10).standard_normal((8, 6)).astype(np.float32)
    np.testing.assert_array_equal(kernel(g.T, x), kernel(np.ascontiguousarray(g.T), x))
