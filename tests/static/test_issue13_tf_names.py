"""The math primitives added for issue 13 under their TensorFlow names (declared in their
definition blocks, installed by dlcore_static._api): values against NumPy, gradients through
tf.gradients, and the cumsum convention's exclusive/reverse."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dlcore_static as tf

X = np.array([0.3, -0.7, 1.4, -2.2], np.float32)
U = np.array([0.1, -0.5, 0.8, 0.2], np.float32)

UNARY = [
    ("sin", tf.sin, np.sin), ("math.cos", tf.math.cos, np.cos),
    ("math.tan", tf.math.tan, np.tan), ("asin", tf.asin, lambda v: np.arcsin(v)),
    ("math.atan", tf.math.atan, np.arctan), ("math.sinh", tf.math.sinh, np.sinh),
    ("math.asinh", tf.math.asinh, np.arcsinh), ("math.atanh", tf.math.atanh, np.arctanh),
    ("math.erf", tf.math.erf, np.vectorize(math.erf)),
    ("erfc", tf.erfc, np.vectorize(math.erfc)),
    ("math.log1p", tf.math.log1p, lambda v: np.log1p(np.abs(v))),
    ("math.expm1", tf.math.expm1, np.expm1), ("floor", tf.floor, np.floor),
    ("math.ceil", tf.math.ceil, np.ceil), ("round", tf.round, np.rint),
    ("math.reciprocal", tf.math.reciprocal, np.reciprocal),
    ("math.rsqrt", tf.math.rsqrt, lambda v: 1 / np.sqrt(np.abs(v))),
]


@pytest.mark.parametrize("name,fn,ref", UNARY, ids=[u[0] for u in UNARY])
def test_unary_names(name, fn, ref):
    x = tf.placeholder(tf.float32, [4])
    arg = tf.abs(x) if name in ("math.log1p", "math.rsqrt") else x
    feed = U if name in ("asin", "math.atanh") else X
    y = fn(arg)
    (g,) = tf.gradients(tf.reduce_sum(y), [x])
    with tf.Session() as s:
        out, grad = s.run([y, g], {x: feed})
    np.testing.assert_allclose(out, ref(feed), rtol=1e-5, atol=1e-6)
    assert grad.shape == (4,) and np.all(np.isfinite(grad))


def test_binary_logical_and_classification_names():
    a = tf.constant([5.5, -5.5, 7.0])
    b = tf.constant([2.0, 2.0, -3.0])
    with tf.Session() as s:
        fm, tm, at, nan, lx = s.run([
            tf.math.floormod(a, b), tf.math.truncatemod(a, b), tf.atan2(a, b),
            tf.math.is_nan(tf.constant([np.nan, 1.0])),
            tf.math.logical_xor(tf.constant([True, False]), tf.constant([True, True]))])
    np.testing.assert_allclose(fm, np.mod([5.5, -5.5, 7.0], [2.0, 2.0, -3.0]))
    np.testing.assert_allclose(tm, np.fmod([5.5, -5.5, 7.0], [2.0, 2.0, -3.0]))
    np.testing.assert_allclose(at, np.arctan2([5.5, -5.5, 7.0], [2.0, 2.0, -3.0]), rtol=1e-6)
    assert nan.tolist() == [True, False] and lx.tolist() == [False, True]


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumsum_and_cumprod(exclusive, reverse):
    v = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.math.cumsum(x, axis=1, exclusive=exclusive, reverse=reverse)
    z = tf.cumprod(x, axis=1, exclusive=exclusive, reverse=reverse)
    (g,) = tf.gradients(tf.reduce_sum(y), [x])
    with tf.Session() as s:
        ys, zs, gs = s.run([y, z, g], {x: v})
    w = v[:, ::-1] if reverse else v
    cs = np.cumsum(w, 1)
    cp = np.cumprod(w, 1)
    if exclusive:
        cs = np.concatenate([np.zeros((2, 1)), cs[:, :-1]], 1)
        cp = np.concatenate([np.ones((2, 1)), cp[:, :-1]], 1)
    if reverse:
        cs, cp = cs[:, ::-1], cp[:, ::-1]
    np.testing.assert_allclose(ys, cs)
    np.testing.assert_allclose(zs, cp)
    counts = np.arange(3, 0, -1) if not reverse else np.arange(1, 4)
    np.testing.assert_allclose(gs[0], counts - (1 if exclusive else 0))
