"""Fused numba.cuda kernels (Numba's CUDA simulator in CI, a real GPU when one is at hand)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
import dlcore_static as tf

pytestmark = pytest.mark.cuda


def test_fused_chains_on_cuda_match_the_cpu():
    if not dlcore.cuda_available():
        pytest.skip("CUDA is not available (no GPU and no simulator)")
    x = tf.placeholder(tf.float32, (3, 4))
    w = tf.Variable(np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2))
    b = tf.Variable(np.array([0.1, -0.2], np.float32))
    h = tf.nn.relu(tf.matmul(x, w) + b)                   # add + relu: one fused kernel
    out = tf.tanh(h) * 2.0 - 1.0
    g, = tf.gradients(tf.reduce_sum(out), w)
    xv = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    results = []
    for device, passes in (("cpu", ()), ("cuda", ["fusion"])):
        with tf.Session(device=device, passes=passes) as sess:
            sess.run(tf.global_variables_initializer())
            results.append(sess.run([h, out, g], {x: xv}))
            if device == "cuda":
                plan = sess.plan([h, out, g], {x: xv})
                fused = [op for *_, op in plan.optimized_steps if getattr(op, "members", None)]
                assert fused, "no fused kernel on CUDA"
    for a, b_ in zip(*results):
        np.testing.assert_allclose(b_, a, rtol=1e-5, atol=1e-6)
