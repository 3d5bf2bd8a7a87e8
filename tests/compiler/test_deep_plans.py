"""Deep plans compile in bounded pieces (issue 15 #7): fused groups and generated Numba
functions have a bounded size, so compile time grows linearly with depth."""

from __future__ import annotations

import numpy as np

import dlcore_static as tf
from dlcore_static import compiler
from dlcore_static.compiler import fusion, source


def test_a_deep_chain_is_split_into_bounded_groups_and_segments(monkeypatch):
    monkeypatch.setattr(fusion, "MAX_GROUP", 6)
    monkeypatch.setattr(source, "MAX_SEGMENT_WEIGHT", 15)
    depth = 90
    x = tf.placeholder(tf.float64, (5,))
    y = x
    for i in range(depth):
        y = tf.tanh(y) if i % 2 else y * 1.25
    z = tf.reduce_sum(y * y)
    sess = tf.Session(passes="all")
    xv = np.linspace(-2.0, 2.0, 5)
    ref = xv.copy()
    for i in range(depth):
        ref = np.tanh(ref) if i % 2 else ref * 1.25
    for _ in range(2):
        got_y, got_z = sess.run([y, z], {x: xv})
        np.testing.assert_allclose(got_y, ref, rtol=1e-13)
        np.testing.assert_allclose(got_z, np.sum(ref * ref), rtol=1e-13)
    plan = sess.plan([y, z], {x: xv})
    rep = compiler.explain(sess, [y, z], {x: xv})
    assert rep.compiled
    fused = [n for n in plan.program.nodes if n.kind == "fused"]
    assert len(fused) >= depth // 6 and all(len(n.members) <= 6 for n in fused)
    src = rep.codegen["source"]
    assert rep.codegen["segments"] >= depth // 15
    # equal segments are one function (compile caching by structure)
    assert src.count("def segment") == rep.codegen["distinct_segments"] < depth // 15
    # each segment's weight (fused members, or 1 per other node) stays within the bound
    for body in src.split("def segment")[1:]:
        body = body.split("\n\n\n")[0]
        assert body.count("= np.empty(") <= 15
