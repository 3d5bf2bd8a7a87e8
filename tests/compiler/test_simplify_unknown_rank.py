"""The simplify pass must not trust the stand-in scalar aval of a value of unknown rank (a
shapeless placeholder's result): ``2 + zeros_like(x)`` rewritten to ``2`` gave a scalar where x's
shape was meant, silently, from the compiled plan's run on (found by unkrank2)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


@pytest.mark.parametrize("passes", ["all", "constant_folding,simplify"])
@pytest.mark.parametrize("feed_shape", [(2, 3), (4,), (2, 1, 3)])
def test_identity_rewrites_keep_the_run_time_shape(monkeypatch, passes, feed_shape):
    monkeypatch.setenv("DLCORE_PASSES", passes)
    monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "1")
    xv = np.arange(np.prod(feed_shape), dtype=np.float32).reshape(feed_shape)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32)
        outs = [tf.constant(2.0) + tf.zeros_like(x), 2.0 * tf.ones_like(x),
                tf.zeros_like(x) + tf.constant(3.0), tf.constant(5.0) - tf.zeros_like(x),
                tf.ones_like(x) * x]
        want = [np.full(feed_shape, 2.0), np.full(feed_shape, 2.0), np.full(feed_shape, 3.0),
                np.full(feed_shape, 5.0), xv]
        with tf.Session() as s:
            for _ in range(3):                  # interpreted, then the optimised plan
                got = s.run(outs, {x: xv})
                for g, w in zip(got, want):
                    assert g.shape == w.shape
                    np.testing.assert_array_equal(g, w)
