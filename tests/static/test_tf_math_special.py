"""TensorFlow 1.15's special functions and windows on the static front end: tf.lgamma,
tf.math.digamma/polygamma/zeta/bessel_i0/i0e/i1/i1e/erfcx/ndtri/xlogy/xdivy/lbeta,
tf.signal.hann_window/hamming_window; values against SciPy/NumPy, gradients of
``sum(y * w)`` against central differences in float64, errors by type and message."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special as sp
from static_gradcheck import check_value_and_gradient

import dlcore_static as tf

X = np.array([0.3, 1.7, 4.2, 12.5, 2.9, 0.8])
P = np.array([0.01, 0.05, 0.2, 0.5, 0.9, 0.99])


def _lbeta(x):
    return np.sum(sp.gammaln(x), -1) - sp.gammaln(np.sum(x, -1))


CASES = [
    ("tf.lgamma", lambda t: tf.lgamma(t), sp.gammaln, X),
    ("tf.math.lgamma", lambda t: tf.math.lgamma(t), sp.gammaln, X - 3.5),
    ("tf.digamma", lambda t: tf.digamma(t), sp.digamma, X),
    ("tf.math.digamma", lambda t: tf.math.digamma(t), sp.digamma, X - 3.5),
    ("tf.math.polygamma", lambda t: tf.math.polygamma(tf.constant([1.0, 2.0, 3.0, 1.0, 0.0, 2.0],
                                                                  tf.float64), t),
     lambda x: sp.polygamma(np.array([1, 2, 3, 1, 0, 2]), x), X),
    ("tf.math.zeta", lambda t: tf.math.zeta(tf.constant(3.5, tf.float64), t),
     lambda q: sp.zeta(3.5, q), X),
    ("tf.math.bessel_i0", lambda t: tf.math.bessel_i0(t), sp.i0, X - 2.0),
    ("tf.math.bessel_i0e", lambda t: tf.math.bessel_i0e(t), sp.i0e, X - 2.0),
    ("tf.math.bessel_i1", lambda t: tf.math.bessel_i1(t), sp.i1, X - 2.0),
    ("tf.math.bessel_i1e", lambda t: tf.math.bessel_i1e(t), sp.i1e, X - 2.0),
    ("tf.math.erfcx", lambda t: tf.math.erfcx(t), sp.erfcx, X - 2.0),
    ("tf.math.ndtri", lambda t: tf.math.ndtri(t), sp.ndtri, P),
    ("tf.math.xlogy", lambda t: tf.math.xlogy(t - 0.5, t), lambda x: sp.xlogy(x - 0.5, x), X),
    ("tf.math.xdivy", lambda t: tf.math.xdivy(t - 0.5, t), lambda x: (x - 0.5) / x, X),
    ("tf.math.igamma", lambda t: tf.math.igamma(tf.constant(2.5, tf.float64), t),
     lambda x: sp.gammainc(2.5, x), X),
    ("tf.igammac", lambda t: tf.igammac(tf.constant(1.5, tf.float64), t),
     lambda x: sp.gammaincc(1.5, x), X),
    ("tf.math.betainc", lambda t: tf.math.betainc(tf.constant(2.5, tf.float64), 1.5, t / 13.0),
     lambda x: sp.betainc(2.5, 1.5, x / 13.0), X),
    ("tf.lbeta", lambda t: tf.lbeta(tf.reshape(t, [2, 3])),
     lambda x: _lbeta(x.reshape(2, 3)), X),
]


@pytest.mark.parametrize("name,build,ref,x", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients(name, build, ref, x):
    check_value_and_gradient(build, ref, x, np.random.default_rng(0), passes=(), rtol=1e-9,
                             atol=1e-12)


def test_compiled_plan_and_float32():
    x = tf.placeholder(tf.float32, [None])
    ys = [tf.lgamma(x), tf.math.digamma(x), tf.math.bessel_i1e(x), tf.math.erfcx(x),
          tf.math.polygamma(tf.ones_like(x), x)]
    xv = np.array([0.4, 1.3, 7.0], np.float32)
    want = [sp.gammaln(xv), sp.digamma(xv), sp.i1e(xv), sp.erfcx(xv), sp.polygamma(1, xv)]
    with tf.Session() as s:                      # the default passes (fusion, whole plan)
        for _ in range(2):
            got = s.run(ys, {x: xv})
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=2e-6)


def test_special_values():
    with tf.Session() as s:
        lg, dg, z, xl = s.run([
            tf.lgamma(tf.constant([0.0, -2.0, np.inf], tf.float64)),
            tf.math.digamma(tf.constant([-1.0, np.inf], tf.float64)),
            tf.math.zeta(tf.constant([1.0, 0.5], tf.float64), tf.constant([2.0, 2.0],
                                                                             tf.float64)),
            tf.math.xlogy(tf.constant([0.0, 0.0]), tf.constant([0.0, np.nan]))])
    np.testing.assert_array_equal(lg, [np.inf, np.inf, np.inf])
    assert np.isnan(dg[0]) and dg[1] == np.inf
    assert z[0] == np.inf and np.isnan(z[1])
    np.testing.assert_array_equal(xl, [0.0, 0.0])            # TF: 0 wherever x == 0


@pytest.mark.parametrize("fn,a,b", [(tf.signal.hann_window, 0.5, 0.5),
                                    (tf.signal.hamming_window, 0.54, 0.46)])
def test_windows(fn, a, b):
    with tf.Session() as s:
        for n in (1, 2, 5, 8):
            for periodic in (True, False):
                got = s.run(fn(n, periodic=periodic, dtype=tf.float64))
                denom = n if periodic else n - 1
                want = np.ones(1) if n == 1 else a - b * np.cos(2 * np.pi * np.arange(n) /
                                                                  denom)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
        w = s.run(fn(tf.constant(6)))
    assert w.dtype == np.float32 and w.shape == (6,)


def test_errors():
    # TF 1.15's words (Lgamma's UNARY_REAL list; tests/static/test_fidtf11_dtypes.py)
    with pytest.raises(TypeError, match="Value passed to parameter 'x' has DataType int32 not "
                                        "in list of allowed values: bfloat16, float16, "
                                        "float32, float64$"):
        tf.lgamma(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 2 and 3 for "
                                         "'polygamma'"):
        tf.math.polygamma(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="dtype must be a floating point type. Found"):
        tf.signal.hann_window(4, dtype=tf.int32)
    with pytest.raises(ValueError, match="window_length must be known when the graph is built"):
        tf.signal.hamming_window(tf.placeholder(tf.int32, []))
    with pytest.raises(ValueError, match="Shape must be rank 0 but is rank 1"):
        tf.signal.hann_window([3, 4])
    # a polygamma gradient flows to x only (TensorFlow has none for the order)
    n = tf.placeholder(tf.float64, [2])
    xv = tf.placeholder(tf.float64, [2])
    gn, gx = tf.gradients(tf.reduce_sum(tf.math.polygamma(n, xv)), [n, xv])
    assert gn is None and gx is not None


def _np_cumlse(x, axis, exclusive, reverse):
    x = np.flip(x, axis) if reverse else x
    y = np.logaddexp.accumulate(x, axis=axis)
    if exclusive:
        y = np.concatenate([np.full_like(np.take(y, [0], axis), -np.inf),
                            np.take(y, range(y.shape[axis] - 1), axis)], axis)
    return np.flip(y, axis) if reverse else y


LONG_TAIL = [
    ("div_no_nan", lambda t: tf.div_no_nan(t, t - 1.0), lambda x: x / (x - 1.0)),
    ("multiply_no_nan", lambda t: tf.math.multiply_no_nan(t, t * t), lambda x: x ** 3),
    ("reciprocal_no_nan", lambda t: tf.math.reciprocal_no_nan(t), lambda x: 1 / x),
    ("xlog1py", lambda t: tf.math.xlog1py(t, t), lambda x: x * np.log1p(x)),
    ("polyval", lambda t: tf.math.polyval([2.0, t, -1.0], t), lambda x: 2 * x * x + x * x - 1),
    ("scalar_mul", lambda t: tf.scalar_mul(2.5, t), lambda x: 2.5 * x),
]


@pytest.mark.parametrize("name,build,ref", LONG_TAIL, ids=[c[0] for c in LONG_TAIL])
def test_long_tail_values_and_gradients(name, build, ref):
    check_value_and_gradient(build, ref, X.copy(), np.random.default_rng(1), passes=())


@pytest.mark.parametrize("axis,exclusive,reverse", [(0, False, False), (1, True, False),
                                                    (1, False, True), (-1, True, True)])
def test_cumulative_logsumexp(axis, exclusive, reverse):
    x = X.reshape(2, 3)
    if exclusive:           # -inf first entries: values only
        with tf.Session() as s:
            got = s.run(tf.math.cumulative_logsumexp(tf.constant(x), axis, exclusive, reverse))
        np.testing.assert_allclose(got, _np_cumlse(x, axis, exclusive, reverse), rtol=1e-12)
        return
    check_value_and_gradient(
        lambda t: tf.math.cumulative_logsumexp(t, axis=axis, exclusive=exclusive,
                                               reverse=reverse),
        lambda v: _np_cumlse(v, axis, exclusive, reverse), x, np.random.default_rng(2),
        passes=())


def test_long_tail_predicates_and_permutations():
    with tf.Session() as s:
        got = s.run([tf.is_non_decreasing([1, 2, 2]), tf.math.is_strictly_increasing([1, 2, 2]),
                     tf.math.is_strictly_increasing([[1.0, 2.0], [3.0, 4.5]]),
                     tf.is_non_decreasing([5]), tf.invert_permutation([3, 1, 0, 2]),
                     tf.math.imag(tf.constant([1.0, -2.0])), tf.math.real([1.0, 2.0]),
                     tf.conj(tf.constant([1, 2])),
                     tf.math.divide_no_nan(tf.constant([1.0, np.nan]), [0.0, 0.0]),
                     tf.math.multiply_no_nan(tf.constant([np.inf, np.nan]), [0.0, 0.0])])
    assert got[:4] == [True, False, True, True]
    np.testing.assert_array_equal(got[4], [2, 1, 3, 0])
    assert got[4].dtype == np.int32
    np.testing.assert_array_equal(got[5], [0.0, 0.0])
    np.testing.assert_array_equal(got[6], [1.0, 2.0])
    np.testing.assert_array_equal(got[7], [1, 2])
    np.testing.assert_array_equal(got[8], [0.0, 0.0])
    np.testing.assert_array_equal(got[9], [0.0, 0.0])
    with pytest.raises(ValueError, match="Only scalar multiply works, got shape"):
        tf.scalar_mul(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="Argument coeffs must be list type"):
        tf.math.polyval(tf.constant([1.0]), tf.constant(2.0))
    with pytest.raises(ValueError, match="is not a permutation of 0..2"):
        tf.invert_permutation([0, 0, 2])
