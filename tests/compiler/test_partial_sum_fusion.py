"""Per-channel sums join the fused loops (fusion: partial reductions; simplify: static *_like;
constant_folding: shape_of of a known shape).

Batch norm over NHWC (its composite, ``fused=False``): its statistics and its gradient sums are
``sum`` over N, H, W of values
that fused loops make, and its gradient broadcasts ``like`` and sums ``to`` references whose
shapes are known while compiling.  With the passes the sums are accumulated in the loop that
makes their operand, and no reference value is kept only for its shape; the values and
gradients equal the interpreter's.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import dlcore_static as tf


def _bn_relu_step():
    g = tf.Graph()
    rng = np.random.default_rng(0)
    with g.as_default():
        x = tf.placeholder(tf.float32, (2, 3, 3, 4))
        w = tf.Variable(rng.standard_normal((1, 1, 4, 4)).astype(np.float32))
        h = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
        # fused=False: the composite of moments and arithmetic (the fused kernel, TF's
        # default for 4-D inputs, is the core's batch-norm primitives: no sums to fuse)
        y = tf.nn.relu(tf.layers.batch_normalization(h, momentum=0.9, epsilon=1e-5,
                                                     training=True, fused=False) + h)
        loss = tf.reduce_sum(y * y)
        grads = tf.gradients(loss, [x, w])
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            upd = tf.no_op()
        init = tf.global_variables_initializer()
    feed = {x: rng.standard_normal((2, 3, 3, 4)).astype(np.float32)}
    return g, init, [loss, *grads, upd], feed


@pytest.mark.parametrize("passes", ["all", ["simplify", "cse", "fusion"]])
def test_batch_norm_step_equals_the_interpreter(passes):
    g, init, fetches, feed = _bn_relu_step()
    out = {}
    for key, p in (("plain", ()), ("passes", passes)):
        with tf.Session(graph=g, passes=p) as sess:
            sess.run(init)
            vals = [sess.run(fetches[:-1] + [fetches[-1]], feed) for _ in range(2)]
            moving = [sess.run(v) for v in g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)]
        out[key] = (vals, moving)
    for a, b in zip(out["plain"][0], out["passes"][0]):
        for u, v in zip(a[:-1], b[:-1]):
            np.testing.assert_allclose(v, u, rtol=2e-5, atol=2e-5)
    for u, v in zip(*(out[k][1] for k in ("plain", "passes"))):
        np.testing.assert_allclose(v, u, rtol=2e-6, atol=1e-6)


def test_per_channel_sums_are_fused_and_no_reference_is_kept():
    g, init, fetches, feed = _bn_relu_step()
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        sess.run(fetches, feed)
        rep = sess.plan(fetches, feed).compiler
        progs = rep.programs
    assert not [n for n in progs["constant_folding"].nodes
                if n.kind == "prim" and n.prim.name == "shape_of"]   # the sample count
    simplified = progs["simplify"]
    left = {n.prim.name for n in simplified.nodes if n.kind == "prim"}
    assert not left & {"broadcast_like", "sum_to", "reshape_like"}, left
    # the mean, squeezed to (C,) and reshaped back, is the mean itself again: one x - mean
    assert not [n for n in simplified.nodes if n.kind == "prim" and n.prim.name == "reshape"
                and n.inputs[0].node.kind == "prim"
                and n.inputs[0].node.prim.name in ("squeeze", "expand_dims", "reshape")]
    fused = [n for n in progs["fusion"].nodes if n.kind == "fused"]
    partial = [m for n in fused for m in n.members
               if m.kind == "prim" and m.prim.name == "sum"
               and len(m.params["axes"]) < len(m.inputs[0].aval.shape)]
    # the variance and, in the gradient, the sums over N, H, W of the relu's and the
    # normalised value's cotangents
    assert len(partial) >= 3, [n.name for n in fused]


def test_a_loop_reads_the_operand_of_a_broadcast_in_its_place():
    # the gradient of the mean over axis 0 broadcasts a (4,) cotangent back over x
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3, 4))
        e = tf.exp(x)
        m = tf.reduce_mean(e, axis=0)
        loss = tf.reduce_sum(m * m) + tf.reduce_mean(e * x)
        (dx,) = tf.gradients(loss, [x])
    feed = {x: np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)}
    with tf.Session(graph=g, passes=()) as sess:
        want = sess.run([loss, dx], feed)
    with tf.Session(graph=g, passes="all") as sess:
        got = sess.run([loss, dx], feed)
        rep = sess.plan([loss, dx], feed).compiler
    for u, v in zip(want, got):
        np.testing.assert_allclose(v, u, rtol=1e-6, atol=1e-6)
    assert "broadcast_to" in {n.prim.name for n in rep.programs["simplify"].nodes
                              if n.kind == "prim"}
    src = rep.codegen["source"]
    views = re.findall(r"(\w+) = np\.broadcast_to\(", src)
    assert views and not [v for v in views if f"{v}[" in src]    # no loop reads the view
