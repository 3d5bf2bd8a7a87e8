"""The gradient of a ``split`` (a sum of zero-filled ``slice_scatter``s tiling one axis) is
rewritten by the ``simplify`` pass into one ``concatenate`` (``compiler/simplify.py``, issue
19: an LSTM cell's four gates, in every iteration of its loop's gradient).  Values equal the
compiled plan's without the rewrite bit for bit (and the interpreter's up to the compiled
activations' rounding); sums that do not tile the result are left as they are."""

from __future__ import annotations

import numpy as np

import dlcore_static as tf
from dlcore_static import compiler
from dlcore_static.compiler import simplify


def _build(pieces_used):
    rng = np.random.default_rng(7)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (8, 12))
        w = tf.Variable(rng.standard_normal((12, 12)).astype(np.float32) * 0.3, name="w")
        z = tf.matmul(x, w)
        parts = tf.split(z, 4, axis=1)
        acts = [tf.sigmoid, tf.tanh, tf.sigmoid, tf.nn.relu]
        terms = [tf.reduce_sum(acts[i](parts[i]) * (i + 1.5)) for i in pieces_used]
        loss = tf.add_n(terms) if len(terms) > 1 else terms[0]
        grads = tf.gradients(loss, [x, w])
        init = tf.global_variables_initializer()
    xv = rng.standard_normal((8, 12)).astype(np.float32)
    return g, init, x, loss, grads, xv


def _run(passes, pieces_used):
    g, init, x, loss, grads, xv = _build(pieces_used)
    with tf.Session(graph=g, passes=passes) as sess:
        sess.run(init)
        for _ in range(2):
            out = sess.run([loss] + grads, {x: xv})
        rep = compiler.explain(sess, [loss] + grads, {x: xv}) if passes else None
    return out, rep


def _kinds(rep, stage):
    return [n.prim.name for n in rep.programs[stage].nodes if n.kind == "prim"]


def _check(pieces_used, monkeypatch):
    plain, _ = _run((), pieces_used)
    comp, rep = _run("all", pieces_used)
    with monkeypatch.context() as m:
        m.setattr(simplify, "_tiled_scatters", lambda n: None)
        unrewritten, _ = _run("all", pieces_used)
    for a, c, u in zip(plain, comp, unrewritten):
        np.testing.assert_array_equal(c, u)
        np.testing.assert_allclose(c, a, rtol=2e-6, atol=1e-6)
    return rep


def test_a_split_gradient_becomes_one_concatenate_with_the_same_values(monkeypatch):
    rep = _check([0, 1, 2, 3], monkeypatch)             # (tf.gradients' add_n of the four)
    before, after = _kinds(rep, "input"), _kinds(rep, "simplify")
    assert before.count("slice_scatter") == 4
    assert "slice_scatter" not in after and after.count("concatenate") == 1
    assert rep.compiled


def test_pieces_that_do_not_tile_the_result_keep_their_scatters(monkeypatch):
    rep = _check([0, 1, 3], monkeypatch)      # piece 2 unused: its slice stays zero
    after = _kinds(rep, "simplify")
    assert after.count("slice_scatter") == 3 and "concatenate" not in after
