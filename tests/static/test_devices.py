"""Sessions on CUDA (numba.cuda kernels; Numba's CUDA simulator in CI)."""

import numpy as np
import pytest

import dlcore
import dlcore_static as tf

pytestmark = pytest.mark.cuda


def _need_cuda():
    if not dlcore.cuda_available():
        pytest.skip("CUDA is not available (no GPU and no simulator)")


def _run_or_skip(sess, fetches, feed=None):
    try:
        return sess.run(fetches, feed)
    except NotImplementedError as e:             # tf.errors.UnimplementedError is one too
        pytest.skip(f"a CUDA kernel is not written yet: {str(e).splitlines()[0]}")


def test_session_on_cuda_matches_cpu_and_counts_copies():
    _need_cuda()
    x = tf.placeholder(tf.float32, (2, 3))
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 10)
    y = tf.reduce_sum(tf.maximum(tf.matmul(x, w), 0.1) * 2.0, axis=1)
    g, = tf.gradients(tf.reduce_sum(y), w)
    xv = np.array([[1, -2, 3], [0.5, 1, -1]], np.float32)
    with tf.Session() as cpu:
        cpu.run(w.initializer)
        expect = cpu.run([y, g], {x: xv})
    sess = tf.Session(device="cuda")
    dlcore.reset_transfer_stats()
    _run_or_skip(sess, w.initializer)
    got = _run_or_skip(sess, [y, g], {x: xv})
    for a, b in zip(got, expect):
        assert isinstance(a, np.ndarray)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    stats = dlcore.transfer_stats()
    assert stats["host_to_device"] >= 1 and stats["device_to_host"] >= 2


def test_tf_device_scope_places_ops_on_the_gpu():
    _need_cuda()
    x = tf.placeholder(tf.float32, (4,))
    with tf.device("/gpu:0"):
        y = x * 3.0 + 1.0
    z = y - 1.0                                   # back on the CPU
    assert y.op.device == dlcore.Device("cuda", 0) and z.op.device is None
    with tf.Session() as sess:
        plan = sess.plan(z, {x: np.ones(4)})
        copies = [i for i, (*_, op) in enumerate(plan.steps) if op is None]
        assert len(copies) >= 2                    # to the GPU for y, back to the CPU for z
        out = _run_or_skip(sess, z, {x: np.arange(4.0)})
    np.testing.assert_allclose(out, np.arange(4.0) * 3.0)
