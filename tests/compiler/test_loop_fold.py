"""Folded loops (``dlcore_static/compiler/loop_fold.py``): a fused loop over several axes runs
over fewer where its operands allow, through reshaped views of its C-contiguous arrays; the
elements are visited in the same order, so a folded plan's values are the unfolded plan's bit
for bit, and the interpreter's (NumPy's) to float32 rounding."""

from __future__ import annotations

import re

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.compiler import loop_fold
from dlcore_static.compiler.loop_fold import fold_axes, folded_shape


@pytest.mark.parametrize("loop,shapes,summed,keep_last,want", [
    # an NHWC ReLU gradient with its bias gradient (a sum over N, H, W): (N H W, C)
    ((16, 10, 10, 16), [(16, 10, 10, 16)] * 3, [{0, 1, 2}], True, ((0, 1, 2), (3,))),
    # elementwise: one axis
    ((2, 3, 4), [(2, 3, 4), (2, 3, 4)], [], False, ((0, 1, 2),)),
    # a bias broadcast over the leading axes: those fold, the channels stay
    ((2, 3, 4), [(2, 3, 4), (4,)], [], False, ((0, 1), (2,))),
    ((2, 3, 4), [(2, 3, 4), (1, 1, 4)], [], False, ((0, 1), (2,))),
    # full, broadcast, full: nothing folds
    ((2, 3, 4), [(2, 3, 4), (3, 1)], [], False, None),
    # a sum over the middle axis alone: its neighbours are kept, nothing folds
    ((2, 3, 4), [(2, 3, 4)], [{1}], True, None),
    # with keep_last the innermost axis stays its own (a row sum's fsum64)
    ((2, 3, 4), [(2, 3, 4)], [], True, ((0, 1), (2,))),
    # an axis of size 1 folds with any neighbour ...
    ((2, 1, 3), [(2, 1, 3), (2, 1, 1)], [], False, ((0, 1), (2,))),
    # ... but does not join a broadcast axis to a full one across it
    ((4, 1, 5), [(4, 1, 5), (1, 1, 5)], [], False, ((0, 1), (2,))),
    ((1, 4, 5), [(1, 4, 5), (5,)], [], False, ((0, 1), (2,))),
])
def test_which_axes_fold(loop, shapes, summed, keep_last, want):
    assert fold_axes(loop, shapes, summed, keep_last) == want
    if want is not None:
        # each operand's folded shape is full or broadcast (1) on every folded axis
        to = folded_shape(loop, len(loop), want)
        for s in shapes:
            f = folded_shape(s, len(loop), want)
            assert all(d in (1, t) for d, t in zip(f, to)), (s, f, to)


def _train_plan(xv, relu=True):
    """An NHWC layer's gradient step: ReLU gradient, bias gradient (a sum over N, H, W),
    batch-norm-style per-channel scale and shift, a momentum update of the bias."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, xv.shape)
        b = tf.Variable(np.linspace(-0.5, 0.5, xv.shape[-1]).astype(np.float32))
        s = tf.Variable(np.linspace(0.5, 1.5, xv.shape[-1]).astype(np.float32))
        h = x * s + b
        y = tf.nn.relu(h) if relu else tf.tanh(h)
        m = tf.reduce_mean(y, axis=[0, 1, 2], keepdims=True)
        loss = tf.reduce_sum((y - m) ** 2) + tf.reduce_sum(tf.reduce_sum(y, axis=0) ** 2)
        train = tf.train.MomentumOptimizer(0.01, 0.9).minimize(loss)
        init = tf.global_variables_initializer()
    return g, x, b, s, loss, train, init


def _steps(xv, fold: bool, monkeypatch, passes="all"):
    monkeypatch.setattr(loop_fold, "FOLD", fold)
    g, x, b, s, loss, train, init = _train_plan(xv)
    out = []
    with tf.Session(graph=g, passes=passes) as sess:
        sess.run(init)
        for _ in range(4):
            out.append(sess.run([loss, train], {x: xv})[0])
            out += sess.run([b, s])
        src = "".join(getattr(getattr(p, "compiler", None), "codegen", {}).get("source", "")
                      for p, _ in sess._cache.values())
    return out, src


@pytest.mark.parametrize("shape", [(4, 5, 6, 8), (3, 7, 16), (2, 3, 4, 5, 16)])
def test_a_folded_plan_gives_the_unfolded_plans_values(shape, monkeypatch):
    xv = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
    folded, src = _steps(xv, True, monkeypatch)
    plain, src0 = _steps(xv, False, monkeypatch)
    interp, _ = _steps(xv, True, monkeypatch, passes=())
    view = re.compile(r"\n\s*f\d+ = c_view\(\w+, \(")        # a folded loop's view
    assert view.search(src), src
    assert not view.search(src0), src0
    for a, b, c in zip(folded, plain, interp):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=2e-5, atol=1e-5)


def test_an_operand_of_unknown_layout_leaves_the_loop_unfolded(monkeypatch):
    """A loop reading a transposed view (``x.T`` inside the segment: not C-contiguous) keeps
    its axes: a reshape would fail on it at run time."""
    monkeypatch.setattr(loop_fold, "FOLD", True)
    a = np.random.default_rng(5).standard_normal((6, 9)).astype(np.float32)
    x = tf.placeholder(tf.float32, (6, 9))
    y = tf.exp(tf.transpose(x)) * 2.0 + tf.transpose(x)
    with tf.Session(passes="all") as sess:
        for _ in range(3):
            got = sess.run(y, {x: a})
        src = sess.plan(y, {x: a}).compiler.codegen["source"]
    np.testing.assert_allclose(got, np.exp(a.T) * 2 + a.T, rtol=1e-6)
    for ln in src.splitlines():
        if ".reshape(" in ln:                   # (a view only of the segment's own arrays)
            assert ".T" not in ln, src


def test_folded_loops_in_a_while_body_and_a_cond_branch(monkeypatch):
    """Loops inside a compiled ``tf.while_loop`` body and ``tf.cond`` branches fold too (their
    own fresh buffers are C-contiguous): the same values as with folding off, and NumPy's."""
    rng = np.random.default_rng(11)
    xv = rng.standard_normal((4, 5, 6)).astype(np.float32)
    bv = rng.standard_normal(6).astype(np.float32)

    def run(fold: bool):
        monkeypatch.setattr(loop_fold, "FOLD", fold)
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, xv.shape)
            b = tf.constant(bv)
            _, y = tf.while_loop(lambda i, h: i < 3,
                                 lambda i, h: (i + 1, tf.tanh(h) * 0.5 + b), (0, x))
            z = tf.cond(tf.reduce_sum(y) > 0, lambda: y * y + 1.0, lambda: y - b)
        with tf.Session(graph=g, passes="all") as sess:
            outs = [sess.run(z, {x: xv}) for _ in range(3)]
            src = sess.plan(z, {x: xv}).compiler.codegen["source"]
        assert bool(re.search(r"\n\s*f\d+ = c_view\(\w+, \(", src)) == fold, src
        return outs[-1]

    h = xv
    for _ in range(3):
        h = (np.tanh(h) * np.float32(0.5) + bv).astype(np.float32)
    want = h * h + 1 if h.sum() > 0 else h - bv
    folded, plain = run(True), run(False)
    np.testing.assert_array_equal(folded, plain)
    np.testing.assert_allclose(folded, want, rtol=1e-5, atol=1e-6)
