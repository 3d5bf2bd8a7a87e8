"""tanh's gradient primitive (``tanh_grad``, kind 'other') joins the compiled loops through the
compiler's own template (``loops.LOOP_EXPRS``), computed in the value's dtype (float32 stays
float32); the compiled gradient equals the interpreter's (within the compiled float32 tanh's
~2e-7, ``_fast32``)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tanh_gradient_is_fused_and_equals_the_interpreter(dtype):
    rng = np.random.default_rng(7)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(dtype, (5, 24))
        y = tf.tanh(x * 1.5)
        loss = tf.reduce_sum(y * tf.constant(rng.standard_normal((5, 24)).astype(dtype)))
        (dx,) = tf.gradients(loss, [x])
    feed = {x: rng.standard_normal((5, 24)).astype(dtype)}
    with tf.Session(graph=g, passes=()) as sess:
        want = sess.run(dx, feed)
    with tf.Session(graph=g, passes="all") as sess:
        got = sess.run(dx, feed)
        rep = sess.plan(dx, feed).compiler
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=2e-6 if dtype == np.float32 else 1e-14,
                               atol=1e-7 if dtype == np.float32 else 1e-15)
    src = rep.codegen["source"]
    one = "np.float32(1.0)" if dtype == np.float32 else "np.float64(1.0)"
    assert f"({one} - " in src
    assert not [w for w in rep.codegen["left_to_python"] if "TanhGrad" in w]
