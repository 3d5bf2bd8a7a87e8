"""The same program through both front ends gives the same values and gradients: both run
dlcore's kernels and dlcore's vjp rules, one through a graph and a Session, one on the tape."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as torch

tf = pytest.importorskip("dlcore_static")
if not all(hasattr(tf, n) for n in ("placeholder", "gradients", "Session", "matmul")):
    pytest.skip("dlcore_static is not complete enough yet", allow_module_level=True)


def test_seed_network_same_loss_and_gradients():
    rng = np.random.default_rng(0)
    x_np, y_np = (rng.standard_normal((8, 5)).astype(np.float32),
                  rng.standard_normal((8, 3)).astype(np.float32))
    w1_np, w2_np = (rng.standard_normal((5, 4)).astype(np.float32),
                    rng.standard_normal((4, 3)).astype(np.float32))

    x = tf.placeholder(tf.float32, shape=(8, 5))
    y = tf.placeholder(tf.float32, shape=(8, 3))
    w1 = tf.placeholder(tf.float32, shape=(5, 4))
    w2 = tf.placeholder(tf.float32, shape=(4, 3))
    diff = tf.matmul(tf.maximum(tf.matmul(x, w1), 0), w2) - y
    loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
    g1, g2 = tf.gradients(loss, [w1, w2])
    with tf.Session() as sess:
        loss_s, g1_s, g2_s = sess.run([loss, g1, g2],
                                      feed_dict={x: x_np, y: y_np, w1: w1_np, w2: w2_np})

    tw1 = torch.tensor(w1_np, requires_grad=True)
    tw2 = torch.tensor(w2_np, requires_grad=True)
    d = torch.from_numpy(x_np).mm(tw1).clamp(min=0).mm(tw2) - torch.from_numpy(y_np)
    loss_e = (d ** 2).sum(1).mean()
    loss_e.backward()

    np.testing.assert_allclose(loss_e.item(), loss_s, rtol=1e-6)
    np.testing.assert_allclose(tw1.grad.numpy(), g1_s, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(tw2.grad.numpy(), g2_s, rtol=1e-6, atol=1e-6)
