"""float32 tanh / sigmoid / tanh_grad CPU kernels (dlcore/kernels/cpu/transcendental.py: the
Cephes forms of _fast32 in one Numba pass from a size threshold, NumPy below it) against torch
2.13's float32 results (tanh within 2 ulp; sigmoid within 3 ulp of float64, as torch's own is
2.3 ulp, so within 4 of torch), special values (-0.0, +-inf, NaN, tiny, large) kept."""

import numpy as np
import pytest
import torch

import dlcore_eager as E
from dlcore.kernels.cpu import transcendental as T

SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-40, -1e-38, 1e-30,
                    -1e-8, 3e-4, 0.6249, -0.625, 0.626, 9.0, -9.09, 9.11, 9.5, 20.0, 1e30, -3e38,
                    87.0, -87.0, -87.33, -87.4, -88.0, -90.0, -103.0, -104.0, -110.0], np.float32)


def _inputs(n):
    rng = np.random.default_rng(19)
    x = (rng.standard_normal(n) * 4).astype(np.float32)
    x[:SPECIAL.size] = SPECIAL
    return x


def _ulp_close(got, want, ulps=2):
    """Elementwise |got - want| <= ulps float32 spacings (subnormals: those of the smallest
    normal), NaN where NaN, and the sign of zeros kept."""
    assert got.dtype == np.float32 and got.shape == want.shape
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    g, w = got[~nan].astype(np.float64), want[~nan].astype(np.float64)
    tiny = np.float32(np.finfo(np.float32).tiny)
    tol = ulps * np.spacing(np.maximum(np.abs(want[~nan]), tiny)).astype(np.float64)
    bad = ~((g == w) | (np.abs(g - w) <= tol))
    assert not bad.any(), (got[~nan][bad][:5], want[~nan][bad][:5])
    zero = w == 0
    assert np.array_equal(np.signbit(g[zero]), np.signbit(w[zero]))


@pytest.mark.parametrize("n", [40, 4096])          # NumPy below the threshold, Numba above
def test_tanh_float32_vs_torch(n):
    x = _inputs(n)
    _ulp_close(T.tanh(x), torch.tanh(torch.from_numpy(x)).numpy())
    y = T.tanh(x.reshape(64, -1) if n == 4096 else x)
    assert y.shape == (64, 64) if n == 4096 else y.shape == (n,)


@pytest.mark.parametrize("n", [40, 4096])
def test_sigmoid_float32_vs_torch(n):
    x = _inputs(n)
    got = T.sigmoid(x)
    want = torch.sigmoid(torch.from_numpy(x)).numpy()
    # below -88.7 torch flushes to 0 (1 / (1 + inf)); these kernels keep the subnormal e^x,
    # the float64 value rounded, as the NumPy form did before them
    far = x < -88.5
    with np.errstate(over="ignore"):
        exact = (1 / (1 + np.exp(-x.astype(np.float64)))).astype(np.float32)
    want[far] = exact[far]
    _ulp_close(got, want, 4)
    _ulp_close(got, exact, 3)
    assert got[SPECIAL.size - 3] > 0 and got[SPECIAL.size - 1] == 0      # -103: subnormal


def test_noncontiguous_and_tanh_grad_rounding():
    x = _inputs(4096).reshape(64, 64)
    _ulp_close(T.tanh(x.T), np.tanh(x.T))
    _ulp_close(T.sigmoid(x[:, ::2]), T.sigmoid(np.ascontiguousarray(x[:, ::2])), 0)
    g = np.random.default_rng(1).standard_normal((64, 64)).astype(np.float32)
    t = T.tanh(x)
    with np.errstate(all="ignore"):
        want = g * (1 - t * t)               # NumPy's three float32 roundings
    got = T.tanh_grad(g, t)
    assert np.array_equal(got, want, equal_nan=True)


def test_eager_forward_and_backward_vs_torch():
    x = _inputs(2048)
    x[np.isnan(x) | np.isinf(x)] = 0.5
    x = np.maximum(x, -80).reshape(32, 64)      # (the far tail: see the sigmoid test)
    for fn in ("tanh", "sigmoid"):
        a = E.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        ya, yb = getattr(E, fn)(a), getattr(torch, fn)(b)
        _ulp_close(ya.detach().numpy(), yb.detach().numpy(), 2 if fn == "tanh" else 4)
        ya.sum().backward()
        yb.sum().backward()
        # (1 - y^2, y (1 - y): cancellation where y is near 1 magnifies the forward's ulps)
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n", [40, 4096])
def test_sigmoid_grad_rounds_as_the_three_ops(n):
    rng = np.random.default_rng(3)
    g = rng.standard_normal(n).astype(np.float32)
    y = T.sigmoid((rng.standard_normal(n) * 4).astype(np.float32))
    assert np.array_equal(T.sigmoid_grad(g, y), g * (y * (1 - y)))
    y64 = y.astype(np.float64)
    assert np.array_equal(T.sigmoid_grad(g.astype(np.float64), y64), g * (y64 * (1 - y64)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_first_and_second_derivatives_as_torch(dtype):
    x = np.random.default_rng(5).standard_normal((3, 5)).astype(dtype) * 3
    w = np.random.default_rng(6).standard_normal((3, 5)).astype(dtype)
    res = []
    for m in (E, torch):
        a = m.tensor(x, requires_grad=True)
        (d,) = m.autograd.grad((m.sigmoid(a) * m.tensor(w)).sum(), a, create_graph=True)
        assert d.grad_fn is not None
        (dd,) = m.autograd.grad(d.sum(), a)
        res.append((d.detach().numpy(), dd.numpy()))
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == "float32" else dict(rtol=1e-13, atol=1e-15)
    for got, want in zip(*res):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, **tol)


def test_static_sigmoid_gradient_is_fused_and_equals_the_interpreter():
    import dlcore_static as tf
    rng = np.random.default_rng(8)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(np.float32, (5, 24))
        loss = tf.reduce_sum(tf.sigmoid(x * 1.5) * tf.constant(
            rng.standard_normal((5, 24)).astype(np.float32)))
        (dx,) = tf.gradients(loss, [x])
    assert "SigmoidGrad" in [op.type for op in g.get_operations()]
    feed = {x: rng.standard_normal((5, 24)).astype(np.float32)}
    with tf.Session(graph=g, passes=()) as sess:
        want = sess.run(dx, feed)
    with tf.Session(graph=g, passes="all") as sess:
        got = sess.run(dx, feed)
        rep = sess.plan(dx, feed).compiler
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7)
    assert not [w for w in rep.codegen["left_to_python"] if "SigmoidGrad" in w]


def test_kernel_entries_keep_shapes_and_dtypes():
    from dlcore.ops.elementwise import sigmoid_p, tanh_p
    for k, ref in ((tanh_p.kernels["cpu"], np.tanh), (sigmoid_p.kernels["cpu"], None)):
        for x in (np.array(-0.0, np.float32), np.zeros((0, 3), np.float32),
                  np.array([0.5, -2.0]), np.array([1j, 0.5], np.complex64)):
            y = k(x)
            assert type(y) is np.ndarray and y.dtype == x.dtype and y.shape == x.shape
            if ref is not None:
                np.testing.assert_allclose(y, ref(x), rtol=1e-6)
    assert np.signbit(tanh_p.kernels["cpu"](np.array(-0.0, np.float32)))


def test_float32_loop_results_carry_numpys_canonical_dtype_object():
    """The eager fast paths test ``dtype is float32``; an array boxed by Numba carries an equal
    but distinct dtype object, which sent every op after a tanh to the general path."""
    from dlcore.kernels.cpu import transcendental as T
    x = np.random.default_rng(0).standard_normal((64, 128)).astype(np.float32)
    for out, want in ((T.tanh(x), np.tanh(x)),
                      (T.tanh_grad(x, x), x * (1 - x * x)),
                      (T.sigmoid_grad(x, x), x * (x * (1 - x))),
                      (T.sigmoid(x), 1 / (1 + np.exp(-x.astype(np.float64))))):
        assert out.dtype is np.dtype(np.float32)
        np.testing.assert_allclose(out, want, rtol=2e-6, atol=1e-7)


def test_erf_float32_within_two_ulp_of_the_exact_value_and_torch():
    """erf of float32 through _fast32.erf32 (Eigen's rational form evaluated in float64):
    within 1.6 ulp of the exact erf, so 2 of its float32 rounding (3 of torch's, whose own is
    0.71 from the exact), special
    values kept (+-0, +-inf to +-1, NaN, tiny arguments' 2x/sqrt(pi)); 0-d and strided inputs
    keep their shapes; float64 keeps libm's erf."""
    import math
    x = np.concatenate([_inputs(60_000), np.linspace(-4.5, 4.5, 90_001, dtype=np.float32)])
    got = E.erf(E.from_numpy(x)).numpy()
    exact = np.array([math.erf(float(v)) if v == v else math.nan for v in x]).astype(np.float32)
    _ulp_close(got, exact, 2)
    _ulp_close(got, torch.special.erf(torch.from_numpy(x)).numpy(), 3)
    assert got[0] == 0 and np.signbit(got[1]) and got[2] == 1 and got[3] == -1
    assert E.erf(E.tensor(0.5)).shape == () and E.erf(E.tensor(0.5)).dtype == E.float32
    strided = x[:4000:2]
    np.testing.assert_array_equal(T.erf(strided), got[:4000:2])
    x64 = x.astype(np.float64)[:2000]
    np.testing.assert_allclose(E.erf(E.from_numpy(x64)).numpy(),
                               [math.erf(v) if v == v else math.nan for v in x64], rtol=1e-15)
