"""Fused loops read basic slices from the sliced array (``Emitter._sliced_source``): chained
slices compose their starts, an integer index stays a constant, and the values equal those of
the loops that read the views exactly (the same elements, read through another name), and the
interpreter's to float32 rounding (the compiled tanh is the fast float32 form)."""

import numpy as np

import dlcore_static as tf
from dlcore_static.compiler import emit_numba


def test_loops_read_slices_from_their_base_array(monkeypatch):
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, (4, 6, 7, 3))
    w = tf.Variable(rng.standard_normal((4, 4, 5, 3)).astype(np.float32))
    u = x[:, 1:5, 1:6][1:3, :, 2:]                  # a slice of a slice: starts add up
    a = tf.tanh(u * 2.0 + 1.0) * w[1:3, :, 2:5]
    b = x[2, 1:5, 0:5] + 3.0                        # an integer index drops an axis
    c = x[:, 2:6][1, 1:3] * 0.5                     # ... inside a chain
    loss = tf.reduce_sum(a * a) + tf.reduce_sum(b * b) + tf.reduce_sum(c * c)
    fetches = [loss, a, b, c, *tf.gradients(loss, [x, w])]
    feed = {x: rng.standard_normal((4, 6, 7, 3)).astype(np.float32)}
    got = {}
    for passes, offsets in (((), True), ("all", False), ("all", True)):
        monkeypatch.setattr(emit_numba, "SLICE_OFFSETS", offsets)
        with tf.Session(passes=passes) as sess:
            sess.run(tf.global_variables_initializer())
            got[passes, offsets] = sess.run(fetches, feed)
            src = sess.plan(fetches, feed).compiler.codegen["source"] if passes else ""
    for want, views, have in zip(got[(), True], got["all", False], got["all", True]):
        np.testing.assert_array_equal(have, views)
        np.testing.assert_allclose(have, want, rtol=1e-5, atol=1e-6)
    assert "[i0 + 1, i1 + 1, i2 + 3, i3]" in src      # x[:, 1:5, 1:6][1:3, :, 2:]
    assert "[i0 + 1, i1, i2 + 2, i3]" in src          # w[1:3, :, 2:5]
    assert "[2, i0 + 1, i1, i2]" in src               # x[2, 1:5, 0:5]
    assert "[1, i0 + 3, i1, i2]" in src               # x[:, 2:6][1, 1:3]
