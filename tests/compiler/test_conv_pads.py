"""``simplify``'s folding of ``tf.pad`` into the convolution after it (``conv_pads.py``): the
padded copies go, every value and gradient stays what the unoptimised plan computes."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler


def _ops(sess, fetches, feed, stage="simplify"):
    prog = compiler.explain(sess, fetches, feed).programs[stage]
    return [n for n in prog.nodes if n.kind == "prim"]


def _step(pads, strides, constant_values=0.0, channels=8, seed=0):
    """A pad -> VALID conv2d -> loss program; its fetches (loss, dx, dw) and feed."""
    rng = np.random.default_rng(seed)
    x = tf.placeholder(tf.float32, (2, 9, 10, 3))
    w = tf.Variable(rng.standard_normal((3, 3, 3, channels)).astype(np.float32))
    h = tf.pad(x, pads, constant_values=constant_values)
    y = tf.nn.conv2d(h, w, [1, strides, strides, 1], "VALID")
    r = tf.constant(rng.standard_normal(y.shape.as_list()).astype(np.float32))
    loss = tf.reduce_sum(y * r)
    dx, dw = tf.gradients(loss, [x, w])
    feed = {x: rng.standard_normal((2, 9, 10, 3)).astype(np.float32)}
    return [loss, dx, dw], feed


@pytest.mark.parametrize("pads,strides", [
    ([[0, 0], [1, 1], [1, 1], [0, 0]], 2),         # the official ResNets' fixed_padding
    ([[0, 0], [2, 1], [0, 3], [0, 0]], 2),         # uneven, one side only
    ([[0, 0], [1, 1], [1, 1], [0, 0]], 1),
])
def test_a_zero_pad_before_a_convolution_becomes_its_padding(pads, strides):
    fetches, feed = _step(pads, strides)
    plain = tf.Session(passes=())
    folded = tf.Session(passes="all")
    for s in (plain, folded):
        s.run(tf.global_variables_initializer())
    want = plain.run(fetches, feed)
    for _ in range(3):                         # the first run is interpreted, then compiled
        got = folded.run(fetches, feed)
        for g, e in zip(got, want):
            np.testing.assert_allclose(g, e, rtol=2e-5, atol=2e-5)
    ops = _ops(folded, fetches, feed)
    names = [n.prim.name for n in ops]
    assert "concatenate" not in names, names       # no padded copy of x is made
    convs = [n for n in ops if n.prim.name in ("conv", "conv_filter_grad", "conv_transpose")]
    want_pad = ((pads[1][0], pads[1][1]), (pads[2][0], pads[2][1]))
    assert sorted(n.prim.name for n in convs) == ["conv", "conv_filter_grad", "conv_transpose"]
    for n in convs:
        assert n.params["padding"] == want_pad, (n.prim.name, n.params)
    ct = [n for n in convs if n.prim.name == "conv_transpose"][0]
    assert ct.params["in_size"] == (9, 10)          # the unpadded input's gradient directly
    assert "getitem" not in names                   # and no crop of a padded one


@pytest.mark.parametrize("pads,value", [
    ([[0, 0], [1, 1], [1, 1], [0, 0]], 1.0),      # not zeros: a different convolution
    ([[1, 0], [1, 1], [1, 1], [0, 0]], 0.0),      # the batch padded: not the conv's padding
])
def test_other_pads_stay_and_give_the_same_values(pads, value):
    fetches, feed = _step(pads, 2, constant_values=value, channels=8)
    plain = tf.Session(passes=())
    opt = tf.Session(passes="all")
    for s in (plain, opt):
        s.run(tf.global_variables_initializer())
    want = plain.run(fetches, feed)
    for _ in range(3):
        for g, e in zip(opt.run(fetches, feed), want):
            np.testing.assert_allclose(g, e, rtol=2e-5, atol=2e-5)
    names = [n.prim.name for n in _ops(opt, fetches, feed)]
    assert "pad_constant" in names           # (the pad stays: one node)
    convs = [n for n in _ops(opt, fetches, feed) if n.prim.name == "conv"]
    assert convs[0].params["padding"] == ((0, 0), (0, 0))


def test_the_padded_value_still_made_when_fetched():
    x = tf.placeholder(tf.float32, (1, 6, 6, 2))
    w = tf.constant(np.arange(36, dtype=np.float32).reshape(3, 3, 2, 2) / 36)
    h = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    y = tf.nn.conv2d(h, w, [1, 2, 2, 1], "VALID")
    feed = {x: np.arange(72, dtype=np.float32).reshape(1, 6, 6, 2)}
    plain, opt = tf.Session(passes=()), tf.Session(passes="all")
    want = plain.run([h, y], feed)
    for _ in range(3):
        got = opt.run([h, y], feed)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
    conv = [n for n in _ops(opt, [h, y], feed) if n.prim.name == "conv"][0]
    assert conv.params["padding"] == ((1, 1), (1, 1))
