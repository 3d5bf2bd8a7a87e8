"""Float sums over a fused loop's innermost axis go through a row buffer and ``fsum64``
(dlcore/kernels/cpu/_fsum.py; ``loops.Emitted.row_sums``): a full sum, a per-row sum (the seed
MSE loss's ``reduce_sum(d ** 2, axis=1)``) and a sum over the first and last axes equal NumPy's
float64 sums; rows shorter than ``loops.ROW_SUM_MIN`` and sums over a kept innermost axis keep
the add per element."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu._fsum import fsum64
from dlcore_static.compiler import loops


def _run(shape, axes):
    g = tf.Graph()
    rng = np.random.default_rng(len(shape) + sum(shape))
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)
    with g.as_default():
        x = tf.placeholder(tf.float32, shape)
        y = tf.placeholder(tf.float32, shape)
        d = x - y
        s = tf.reduce_sum(d * d, axis=axes)
        grad = 2.0 * d                       # an array output of the same loop
    with tf.Session(graph=g, passes="all") as sess:
        got_s, got_g = sess.run([s, grad], {x: a, y: b})
        src = sess.plan([s, grad], {x: a, y: b}).compiler.codegen["source"]
    d64 = a.astype(np.float64) - b.astype(np.float64)
    want = np.sum(np.float32(d64) ** 2, axis=axes, dtype=np.float64)
    np.testing.assert_allclose(got_s, want.astype(np.float32), rtol=3e-7, atol=0)
    np.testing.assert_array_equal(got_g, np.float32(2.0) * (a - b))
    return src


@pytest.mark.parametrize("shape,axes", [((6, 40), None), ((6, 40), 1), ((3, 5, 33), (0, 2))])
def test_innermost_sums_use_the_row_buffer(shape, axes):
    src = _run(shape, axes)
    assert "fsum64(" in src


@pytest.mark.parametrize("shape,axes", [((40, 6), 1), ((40, 33), 0)])
def test_short_rows_and_kept_innermost_axes_add_per_element(shape, axes):
    assert shape[-1] < loops.ROW_SUM_MIN or axes == 0
    src = _run(shape, axes)
    assert "fsum64(" not in src


def test_fsum64_is_the_float64_sum():
    x = np.random.default_rng(3).standard_normal(1001).astype(np.float32)
    assert fsum64(x, 1001) == pytest.approx(np.sum(x, dtype=np.float64), rel=1e-14, abs=0)
    assert fsum64(x, 0) == 0.0 and fsum64(x, 3) == pytest.approx(float(np.sum(x[:3],
                                                                         dtype=np.float64)))
