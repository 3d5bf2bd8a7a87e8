"""Issue 19, compile time bounded: ``source._zero_update`` (skip a cond gradient's SGD update
in the branch not taken) scans every node of the plan for other readers of the update's value.
Run before the cheap tests, that scan ran for every SGD update of a plan: code generation was
quadratic in depth (``python -m benchmarks.compile_time`` train 10000: 111 s, 45x the
1,000-deep plan; 2.6 s after).  Structure, not timing: a plan without a cond never scans."""

from __future__ import annotations

import builtins

import numpy as np

import dlcore_static as tf
from dlcore_static.compiler import source


def test_sgd_updates_without_a_cond_do_not_scan_the_plan(monkeypatch):
    scans = []

    def counting_any(it):
        scans.append(1)
        return builtins.any(it)

    monkeypatch.setattr(source, "any", counting_any, raising=False)
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, (4, 8))
    y = tf.placeholder(tf.float32, (4, 8))
    h = x
    for _ in range(10):                 # as benchmarks.compile_time's "train" workload
        w = tf.Variable(rng.standard_normal((8, 8)).astype(np.float32) * 0.3)
        b = tf.Variable(np.zeros(8, np.float32))
        h = tf.tanh(tf.matmul(h, w) + b)
    loss = tf.reduce_mean((h - y) ** 2)
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    sess = tf.Session(passes="all")
    sess.run(tf.global_variables_initializer())
    feed = {x: rng.standard_normal((4, 8)).astype(np.float32),
            y: rng.standard_normal((4, 8)).astype(np.float32)}
    rep = sess.plan([loss, train], feed).compiler
    assert rep.compiled and rep.codegen["segments"] >= 10
    assert scans == []
