"""tf.norm's 2-norm is the norm2 primitive (an EuclideanNorm node) with TensorFlow's gradient:
x / ||x||, NaN at a zero norm (TF's sqrt(reduce_sum(x * x)) gives 0 * inf there), interpreted
and compiled; the eager 2-norm keeps PyTorch's 0 there (tests/eager/test_norm2_vs_torch.py)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


@pytest.mark.parametrize("passes", [(), "all"])
def test_tf_norm_gradient_nan_at_zero(passes):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3, 2))
        y = tf.norm(x, axis=1)
        gr = tf.gradients(tf.reduce_sum(y), [x])[0]
    a = np.array([[3, 4], [0, 0], [1, -2]], np.float32)
    with tf.Session(graph=g, passes=passes) as s:
        for _ in range(2):                      # (the second run: the compiled plan)
            yv, gv = s.run([y, gr], {x: a})
    assert "EuclideanNorm" in {op.type for op in g.get_operations()}
    np.testing.assert_allclose(yv, np.linalg.norm(a, axis=1), rtol=1e-7)
    want = a / np.linalg.norm(a, axis=1, keepdims=True).clip(1e-30)
    np.testing.assert_allclose(gv[[0, 2]], want[[0, 2]], rtol=1e-6)
    assert np.isnan(gv[1]).all()
