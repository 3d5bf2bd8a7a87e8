"""``fusion``'s batch norm as elementwise members (``batch_norm_fold.py``): a training-mode
batch norm followed by a ReLU (or a residual add) runs in the ReLU's loop, with the values and
gradients of the unoptimised plan and of NumPy."""

from __future__ import annotations

import re

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler


def _prims(sess, fetches, feed):
    prog = compiler.explain(sess, fetches, feed).programs["fusion"]
    names, members = [], []
    for n in prog.nodes:
        if n.kind == "prim":
            names.append(n.prim.name)
        if n.kind == "fused":
            members.append([m.prim.name for m in n.members])
    return names, members


def _reference(x, gamma, beta, eps):
    mean = x.mean(axis=(0, 1, 2), dtype=np.float64)
    var = x.astype(np.float64).var(axis=(0, 1, 2))
    return ((x - mean) / np.sqrt(var + eps) * gamma + beta).astype(np.float32)


@pytest.mark.parametrize("center,scale", [(True, True), (False, True), (True, False)])
def test_batch_norm_then_relu_runs_in_one_loop_with_the_same_values(center, scale):
    rng = np.random.default_rng(1)
    xv = (rng.standard_normal((4, 5, 6, 8)) * 3 + 1).astype(np.float32)
    gamma = rng.uniform(0.5, 2.0, 8).astype(np.float32) if scale else np.ones(8, np.float32)
    beta = rng.uniform(-1.0, 1.0, 8).astype(np.float32) if center else np.zeros(8, np.float32)
    x = tf.placeholder(tf.float32, xv.shape)
    y = tf.layers.batch_normalization(x, center=center, scale=scale, training=True,
                                      epsilon=1e-3,
                                      gamma_initializer=tf.constant_initializer(gamma),
                                      beta_initializer=tf.constant_initializer(beta))
    out = tf.nn.relu(y)
    r = tf.constant(rng.standard_normal(xv.shape).astype(np.float32))
    loss = tf.reduce_sum(out * r)
    grads = tf.gradients(loss, [x] + tf.trainable_variables())
    fetches = [out, loss] + grads
    plain, opt = tf.Session(passes=()), tf.Session(passes="all")
    for s in (plain, opt):
        s.run(tf.global_variables_initializer())
    want = plain.run(fetches, {x: xv})
    np.testing.assert_allclose(want[0], np.maximum(_reference(xv, gamma, beta, 1e-3), 0),
                               rtol=1e-5, atol=1e-5)
    for _ in range(3):                  # interpreted, then the optimised plan
        got = opt.run(fetches, {x: xv})
        for g, e in zip(got, want):
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)
    names, members = _prims(opt, fetches, {x: xv})
    assert "batch_norm_train" not in names
    loops = [m for m in members if "relu" in m]
    assert loops and loops[0][:4] == ["cast", "mul", "add", "cast"], members


def test_a_batch_norm_read_only_by_a_convolution_stays_one_kernel():
    rng = np.random.default_rng(2)
    xv = rng.standard_normal((2, 6, 6, 4)).astype(np.float32)
    x = tf.placeholder(tf.float32, xv.shape)
    y = tf.layers.batch_normalization(x, training=True)
    z = tf.nn.conv2d(y, tf.constant(rng.standard_normal((3, 3, 4, 8)).astype(np.float32)),
                     [1, 1, 1, 1], "SAME")
    plain, opt = tf.Session(passes=()), tf.Session(passes="all")
    for s in (plain, opt):
        s.run(tf.global_variables_initializer())
    want = plain.run(z, {x: xv})
    for _ in range(3):
        np.testing.assert_allclose(opt.run(z, {x: xv}), want, rtol=1e-5, atol=1e-5)
    names, _ = _prims(opt, z, {x: xv})
    assert "batch_norm_train" in names


def test_folding_off_keeps_the_kernel():
    from dlcore_static.compiler import batch_norm_fold
    xv = np.arange(96, dtype=np.float32).reshape(2, 4, 3, 4)
    x = tf.placeholder(tf.float32, xv.shape)
    out = tf.nn.relu(tf.layers.batch_normalization(x, training=True) - 0.5)
    runs = {}
    for on in (False, True):
        sess = tf.Session(passes="all")
        sess.run(tf.global_variables_initializer())
        batch_norm_fold.ENABLED = on
        try:
            runs[on] = [sess.run(out, {x: xv}) for _ in range(3)][-1]
            names, _ = _prims(sess, out, {x: xv})
        finally:
            batch_norm_fold.ENABLED = True
        assert ("batch_norm_train" in names) == (not on)
    np.testing.assert_allclose(runs[True], runs[False], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("channels,run_time", [(16, True), (3, False)])
def test_the_fused_loop_reads_its_innermost_bound_at_run_time_from_8_elements(channels,
                                                                             run_time):
    # (with a literal 16 LLVM unrolled the loop and left its float64 body scalar: 4x slower)
    rng = np.random.default_rng(3)
    xv = rng.standard_normal((2, 3, 4, channels)).astype(np.float32)
    x = tf.placeholder(tf.float32, xv.shape)
    out = tf.nn.relu(tf.layers.batch_normalization(x, training=True, epsilon=1e-3))
    sess = tf.Session(passes="all")
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        got = sess.run(out, {x: xv})
    mean, var = xv.mean((0, 1, 2)), xv.var((0, 1, 2))
    np.testing.assert_allclose(got, np.maximum((xv - mean) / np.sqrt(var + 1e-3), 0),
                               rtol=1e-5, atol=1e-5)
    source = sess.plan(out, {x: xv}).compiler.codegen["source"]
    # (the innermost loop, its index the last: i3 over (2, 3, 4, C), or i1 once the loop runs
    # over the folded (24, C), compiler/loop_fold.py)
    assert bool(re.search(r"for i(\d) in range\(\w+\.shape\[\1\]\):", source)) == run_time, \
        source
