"""Floating-point kernels follow IEEE/NumPy semantics: division by zero gives inf or nan, it does
not raise (Numba's default Python error model would raise ZeroDivisionError)."""

import numpy as np

from dlcore import ops


def test_division_by_zero_gives_inf_and_nan():
    a = np.array([1.0, -1.0, 0.0], np.float32)
    out = ops.div(a, np.zeros(3, np.float32))
    assert out.dtype == np.float32
    assert np.isposinf(out[0]) and np.isneginf(out[1]) and np.isnan(out[2])


def test_broadcast_and_strided_division_by_zero():
    a = np.arange(6, dtype=np.float64).reshape(2, 3).T        # strided
    out = ops.div(a, np.zeros(2))
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(out, a / 0.0)


def test_log_and_sqrt_gradients_at_zero_are_inf_not_errors():
    from dlcore.functional import grad
    g = grad(lambda x: ops.sum(ops.sqrt(x)))(np.array([0.0, 4.0]))
    assert np.isposinf(g[0]) and g[1] == 0.25
    g = grad(lambda x: ops.sum(ops.log(x)))(np.array([0.0, 2.0]))
    assert np.isposinf(g[0]) and g[1] == 0.5


# relu and the running sum/product at the edges of the float range: relu(-inf) is 0 (the scalar
# expression once computed ``x * 0``, NaN for -inf), relu(nan) stays nan, relu(-0.0) is +0.0;
# a scan whose first element is infinite is infinite, not nan (its accumulator started at
# ``x[0] * 0``).  Checked in every place the expression or the kernel runs: the core's CPU and
# CUDA kernels, the eager Tensor, and static graphs with and without the fused compiler.
_EDGES = np.array([-np.inf, -1.0, -0.0, 0.0, 2.0, np.inf, np.nan], np.float32)
_RELU = np.array([0.0, 0.0, 0.0, 0.0, 2.0, np.inf, np.nan], np.float32)


def _same(got, want):
    got = np.asarray(got)
    np.testing.assert_array_equal(got, want)
    assert not np.signbit(got[np.isfinite(want) & (want == 0)]).any()     # +0.0, never -0.0


def _on_cuda(fn, x):
    from dlcore.device import cuda_available, to_device, to_host
    if not cuda_available():
        import pytest
        pytest.skip("CUDA is not available (no GPU and no simulator)")
    return to_host(fn(to_device(x, "cuda")))


def test_relu_of_infinities_nan_and_negative_zero_in_the_core():
    _same(ops.relu(_EDGES), _RELU)
    _same(ops.relu(_EDGES.astype(np.float64)), _RELU.astype(np.float64))
    _same(_on_cuda(ops.relu, _EDGES), _RELU)
    np.testing.assert_array_equal(ops.relu(np.array([-3, 0, 4], np.int32)), [0, 0, 4])


def test_relu_of_infinities_in_both_front_ends():
    import dlcore_eager as torch
    import dlcore_static as tf
    t = torch.tensor(_EDGES)
    for y in (torch.relu(t), t.relu(), torch.nn.functional.relu(t), torch.nn.ReLU()(t),
              torch.tensor(_EDGES).relu_()):
        _same(y.numpy(), _RELU)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (7,))
        y = tf.nn.relu(x)
        fused = tf.nn.relu(x * 1.0) * 2.0 + 0.0      # an elementwise chain: one fused kernel
        for passes in (None, ()):
            kw = {} if passes is None else {"passes": passes}
            with tf.Session(**kw) as sess:
                a, b = sess.run([y, fused], {x: _EDGES})
            _same(a, _RELU)
            _same(b, _RELU * 2.0)


def test_scans_starting_with_an_infinity():
    x = np.array([[-np.inf, 1.0, 2.0], [np.inf, 2.0, 0.5], [1.0, 2.0, 3.0]], np.float32)
    for fn, ref in ((ops.cumsum, np.cumsum), (ops.cumprod, np.cumprod)):
        want = ref(x, axis=1)
        np.testing.assert_array_equal(fn(x, 1), want)
        np.testing.assert_array_equal(_on_cuda(lambda v, f=fn: f(v, 1), x), want)
        rev = fn(x, 1, reverse=True)
        np.testing.assert_array_equal(rev, ref(x[:, ::-1], axis=1)[:, ::-1])
    ints = np.array([3, -1, 2], np.int32)
    assert ops.cumsum(ints, 0).dtype == np.int32
    np.testing.assert_array_equal(ops.cumsum(ints, 0, exclusive=True), [0, 3, 2])
