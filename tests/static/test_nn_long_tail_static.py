"""The static front end's names for the long-tail nn ops: ``tf.nn.local_response_normalization``
(and its alias ``tf.nn.lrn``), NHWC, TensorFlow 1's formula.  Values against NumPy, the
gradient against central differences (float64, a random cotangent), errors by type and
message."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

RNG = np.random.default_rng(11)


def _lrn_ref(x, r, bias, alpha, beta):
    d = x.shape[-1]
    sq = np.pad(x * x, [(0, 0)] * (x.ndim - 1) + [(r, r)])
    total = sum(sq[..., o:o + d] for o in range(2 * r + 1))
    return x / (bias + alpha * total) ** beta


@pytest.mark.parametrize("kw", [{}, {"depth_radius": 1, "bias": 2.0, "alpha": 0.3, "beta": 0.75},
                                {"depth_radius": 7, "alpha": 0.05}])
def test_local_response_normalization_matches_tensorflow_formula(kw):
    x = RNG.standard_normal((2, 3, 2, 6)).astype(np.float32)
    with tf.Graph().as_default():
        y = tf.nn.local_response_normalization(tf.constant(x), **kw)
        z = tf.nn.lrn(tf.constant(x), **kw)
        with tf.Session() as s:
            got, alias = s.run([y, z])
    full = {"depth_radius": 5, "bias": 1.0, "alpha": 1.0, "beta": 0.5, **kw}
    want = _lrn_ref(x.astype(np.float64), full["depth_radius"], full["bias"], full["alpha"],
                    full["beta"])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got, alias)


def test_local_response_normalization_gradient_matches_central_differences():
    x0 = RNG.standard_normal((1, 2, 2, 5))
    c = RNG.standard_normal(x0.shape)
    kw = {"depth_radius": 2, "bias": 1.5, "alpha": 0.4, "beta": 0.6}
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [None, 2, 2, 5])
        loss = tf.reduce_sum(tf.nn.lrn(x, **kw) * c)
        (g,) = tf.gradients(loss, [x])
        with tf.Session() as s:
            got = s.run(g, {x: x0})
    want = np.zeros_like(x0)
    eps = 1e-6
    for i in np.ndindex(x0.shape):
        xp, xm = x0.copy(), x0.copy()
        xp[i] += eps
        xm[i] -= eps
        want[i] = (np.sum(_lrn_ref(xp, 2, 1.5, 0.4, 0.6) * c)
                   - np.sum(_lrn_ref(xm, 2, 1.5, 0.4, 0.6) * c)) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_local_response_normalization_needs_rank_4():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"Shape must be rank 4 but is rank 3 for 'LRN' "
                                             r"\(op: 'LRN'\) with input shapes: \[2,3,4\]\."):
            tf.nn.local_response_normalization(tf.constant(np.ones((2, 3, 4), np.float32)))
        assert tf.nn.lrn.__doc__ and "local_response" in tf.nn.lrn.__doc__
