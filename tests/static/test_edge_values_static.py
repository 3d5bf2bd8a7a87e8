"""Edge values through the TF twins of primitives fixed against PyTorch (one definition serves
both front ends): signs of zero from rounding and floormod, NaN through cosh/expm1/exp2, rsqrt
of -0.0, and relu6's gradient at its bounds, with TensorFlow's documented semantics (C's
floor/ceil/rint keep the sign of zero; FloorMod is fmod with the divisor's sign added back only
for a non-zero remainder; Relu6Grad is g where 0 < x < 6)."""

import math

import numpy as np
import pytest

import dlcore_static as tf

X = np.array([-0.0, -0.5, -0.3, 0.5, 2.5, -2.5, 1e300, -1e300, math.inf, math.nan])


def _run(build, x, dtype=np.float64):
    g = tf.Graph()
    with g.as_default():
        p = tf.placeholder(tf.float64 if dtype == np.float64 else tf.float32, [None])
        outs = build(p)
        with tf.Session(graph=g) as s:
            return s.run(outs, {p: x.astype(dtype)})


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.array_equal(a, b, equal_nan=True) and \
        np.array_equal(np.signbit(a[a == 0]), np.signbit(b[b == 0]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rounding_keeps_the_sign_of_zero_and_huge_values(dtype):
    x = X.astype(dtype)
    with np.errstate(all="ignore"):
        got = _run(lambda p: [tf.floor(p), tf.math.ceil(p), tf.round(p), tf.math.rint(p)], X,
                   dtype)
        for g, ref in zip(got, (np.floor(x), np.ceil(x), np.rint(x), np.rint(x))):
            assert _same(g, ref), (g, ref)


def test_floormod_zero_takes_the_dividends_sign_and_nan_propagates():
    a = np.array([0.0, -0.0, 5.0, -5.0, 3.0, math.nan, 1.0])
    b = np.array([-1.0, 1.0, -5.0, 5.0, -2.0, 1.0, math.nan])
    x = np.concatenate([a, b])
    got = _run(lambda p: tf.math.floormod(p[:7], p[7:]), x)
    assert _same(got, [0.0, -0.0, 0.0, -0.0, -1.0, math.nan, math.nan]), got
    got = _run(lambda p: [tf.math.cosh(p), tf.math.expm1(p), tf.math.rsqrt(p)],
               np.array([math.nan, -0.0, 800.0]))
    assert _same(got[0], [math.nan, 1.0, math.inf])
    assert _same(got[1], [math.nan, -0.0, math.inf])
    assert _same(got[2], [math.nan, -math.inf, 1 / math.sqrt(800.0)])


def test_relu6_gradient_is_zero_at_its_bounds():
    x = np.array([-1.0, 0.0, 3.0, 6.0, 7.0])
    got = _run(lambda p: tf.gradients(tf.nn.relu6(p), p)[0], x)
    assert got.tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
