"""Feeding one output of a multi-output op (a ``tf.cond`` or ``tf.while_loop`` with several
outputs) while fetching something that needs a sibling output: TF1 replaces the fed tensor only,
so the op still runs for the sibling and its step must not overwrite the fed value (it did: the
plan gave the op's outputs new slots over the fed one's, so consumers read the computed value,
or nothing).  Also a fed tensor whose op runs as a fetched target.  Each case runs twice in the
interpreter (``passes=()``) and compiled (``passes='all'``: compiled by the second run); the
compiler's IR had the same bug (``compiler/ir.node_from_op`` mapped every output of a node to
it, over a feed's value; fixed in 6f5c322)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

XV = np.arange(3, dtype=np.float32)
F = np.full(3, 100.0, np.float32)


PASSES = pytest.mark.parametrize("passes", [(), "all"])


def _runs(fetch, feed, passes):
    with tf.Session(passes=passes) as s:
        return [s.run(fetch, feed) for _ in range(2)]


def _cond():
    x = tf.placeholder(tf.float32, (3,), name="x")
    c0, c1 = tf.cond(tf.reduce_sum(x) > 0, lambda: (x + 1, x * 2), lambda: (x * 3, x - 1))
    return x, c0, c1


@PASSES
@pytest.mark.parametrize("which", [0, 1])
def test_a_fed_cond_output_with_its_sibling_needed(which, passes):
    x, c0, c1 = _cond()
    fed = (c0, c1)[which]
    want = F + XV * 2 if which == 0 else XV + 1 + F
    for got in _runs(c0 + c1, {x: XV, fed: F}, passes):
        np.testing.assert_array_equal(got, want)
    for got in _runs([c0, c1, c0 * c1], {fed: F, x: XV}, passes):       # (the fed key first)
        sibling = XV * 2 if which == 0 else XV + 1
        np.testing.assert_array_equal(got[which], F)
        np.testing.assert_array_equal(got[1 - which], sibling)
        np.testing.assert_array_equal(got[2], F * sibling)


@PASSES
def test_a_fed_loop_output_with_its_sibling_needed(passes):
    x = tf.placeholder(tf.float32, (3,), name="x")
    i, w = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2), [0, x])
    for got in _runs(w * tf.cast(i, tf.float32), {x: XV, i: 7}, passes):
        np.testing.assert_array_equal(got, XV * 8 * 7)
    for got in _runs([w, tf.cast(i, tf.float32) + w], {x: XV, w: F}, passes):
        np.testing.assert_array_equal(got[0], F)
        np.testing.assert_array_equal(got[1], F + 3)


@PASSES
def test_a_fed_tensors_op_run_as_a_target_keeps_the_fed_value(passes):
    x = tf.placeholder(tf.float32, (3,), name="x")
    t = x * 2.0
    for got in _runs([t + 1.0, t.op, t], {x: XV, t: F}, passes):
        np.testing.assert_array_equal(got[0], F + 1)
        assert got[1] is None
        np.testing.assert_array_equal(got[2], F)
