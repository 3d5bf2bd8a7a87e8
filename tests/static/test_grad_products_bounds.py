"""Two bounds on ``tf.gradients``' unbuilt cotangents (``dlcore_static._grad_products``,
``gradients.RowSlices``, issue 19): a weight's products are stacked only while the stacked
factors hold no more than the separate products would (a big batch and a small weight take
a MatMul per product and their AddN, as TensorFlow builds them), and the rows of slices of a
wanted value that has a wanted ancestor are built once for both.  Values against PyTorch's
autograd and NumPy; peak memory with tracemalloc."""

from __future__ import annotations

import collections
import tracemalloc

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import _grad_products

torch = pytest.importorskip("torch")


def _weight_in_products(B, K, T, rng):
    """``sum_t sum(tanh(x_t @ w))``: ``w`` a right factor in T products of B rows each."""
    xs = [tf.placeholder(tf.float32, (B, K)) for _ in range(T)]
    w = tf.placeholder(tf.float32, (K, K))
    loss = tf.add_n([tf.reduce_sum(tf.tanh(tf.matmul(x, w))) for x in xs])
    vals = [rng.standard_normal((B, K)).astype(np.float32) for _ in range(T)]
    wv = (rng.standard_normal((K, K)) / np.sqrt(K)).astype(np.float32)
    feed = dict(zip(xs, vals))
    feed[w] = wv
    want = sum(x.T.astype(np.float64) @ (1 - np.tanh(x.astype(np.float64) @ wv) ** 2)
               for x in vals)
    return loss, w, feed, want


def _grad_types(g, n):
    return collections.Counter(o.type for o in g.get_operations()[n:])


def test_a_big_batch_takes_separate_products_a_small_one_the_stack():
    rng = np.random.default_rng(0)
    for B, stacked in ((512, False), (4, True)):
        with tf.Graph().as_default() as g:
            loss, w, feed, want = _weight_in_products(B, 16, 8, rng)
            n = len(g.get_operations())
            gw, = tf.gradients(loss, [w])
            types = _grad_types(g, n)
            if stacked:     # 8 * 4 rows * (16 + 16) elements: one MatMul of the stacks
                assert types["MatMul"] == 1 and types["ConcatV2"] == 2, types
                assert [t.op.type for t in gw.op.inputs] == ["ConcatV2"] * 2
            else:           # 8 * 512 * 32 stacked > 8 * 16 * 16 separate (and the floor)
                assert types["MatMul"] == 8 and types["ConcatV2"] == 0, types
                assert gw.op.type == "AddN" and len(gw.op.inputs) == 8
            with tf.Session() as s:
                got = s.run(gw, feed)
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4)


def test_products_of_run_time_row_counts_sum_without_stacking():
    rng = np.random.default_rng(1)
    xv = rng.standard_normal((5, 3)).astype(np.float32)
    wv = rng.standard_normal((3, 3)).astype(np.float32)
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, (None, 3))      # rows known at run time only: no
        w = tf.placeholder(tf.float32, (3, 3))        # bound to check, so no stack
        h = tf.tanh(tf.matmul(x, w))
        loss = tf.reduce_sum(tf.tanh(tf.matmul(tf.concat([h, x], 0), w)))
        n = len(g.get_operations())
        gw, gx = tf.gradients(loss, [w, x])
        types = _grad_types(g, n)
        assert gw.op.type == "Add" and [t.op.type for t in gw.op.inputs] == ["MatMul"] * 2
        assert types["ConcatV2"] == 0, types
        with tf.Session() as s:
            got = s.run([gw, gx], {x: xv, w: wv})
    tx, tw = torch.tensor(xv, requires_grad=True), torch.tensor(wv, requires_grad=True)
    y = torch.tanh(torch.cat([torch.tanh(tx @ tw), tx], 0) @ tw).sum()
    for a, b in zip(got, torch.autograd.grad(y, [tw, tx])):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-6)


def _peak_of_run(floor, monkeypatch):
    monkeypatch.setattr(_grad_products, "STACK_FLOOR", floor)
    rng = np.random.default_rng(2)
    with tf.Graph().as_default():
        loss, w, feed, want = _weight_in_products(1024, 16, 8, rng)
        gw, = tf.gradients(loss, [w])
        with tf.Session() as s:
            for _ in range(3):          # (the second run compiles the plan)
                s.run(gw, feed)
            tracemalloc.start()
            try:
                got = s.run(gw, feed)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4)
    return peak


def test_the_separate_products_hold_less_than_the_stacked_factors(monkeypatch):
    # the stacked factors: two 8192 x 16 float32 arrays (1 MiB) alive for the whole run; the
    # separate products: eight 16 x 16 partial sums (8 KiB)
    floor = _grad_products.STACK_FLOOR
    stacked = _peak_of_run(1 << 40, monkeypatch)      # (a floor that stacks anything)
    separate = _peak_of_run(floor, monkeypatch)
    assert separate < stacked - 800_000, (separate, stacked)


def test_rows_of_a_wanted_value_with_a_wanted_ancestor_are_built_once():
    rng = np.random.default_rng(3)
    ev = rng.standard_normal((4, 3)).astype(np.float32)
    wv = rng.standard_normal((6, 5)).astype(np.float32)
    with tf.Graph().as_default() as g:
        e0 = tf.placeholder(tf.float32, (4, 3))
        w = tf.placeholder(tf.float32, (6, 5))
        e = tf.tanh(e0)                   # e's rows are the leaves; e and e0 both wanted
        loss = tf.reduce_sum(tf.tanh(tf.matmul(tf.concat([e[0:1], e[2:3]], 1), w)) +
                             tf.matmul(tf.concat([e[1:2], e[2:3]], 1), w))
        n = len(g.get_operations())
        ge, ge0 = tf.gradients(loss, [e, e0])
        types = _grad_types(g, n)
        # one ScatterAdd of the rows, one MatMul per row block of w and one for w's own
        # products' concat... as when only e is wanted: nothing built twice
        assert types["ScatterAdd"] == 1 and types["TanhGrad"] == 2, types
        assert ge0.op.type == "TanhGrad" and ge0.op.inputs[0] is ge, ge0.op.inputs
        alone = tf.Graph()
        with alone.as_default():
            e0b = tf.placeholder(tf.float32, (4, 3))
            wb = tf.placeholder(tf.float32, (6, 5))
            eb = tf.tanh(e0b)
            lb = tf.reduce_sum(tf.tanh(tf.matmul(tf.concat([eb[0:1], eb[2:3]], 1), wb)) +
                               tf.matmul(tf.concat([eb[1:2], eb[2:3]], 1), wb))
            m = len(alone.get_operations())
            tf.gradients(lb, [eb])
            only_e = _grad_types(alone, m)
        assert types - collections.Counter({"TanhGrad": 1}) == only_e, (types, only_e)
        with tf.Session() as s:
            got = s.run([ge, ge0], {e0: ev, w: wv})
    te0 = torch.tensor(ev, requires_grad=True)
    tw = torch.tensor(wv)
    te = torch.tanh(te0)
    te.retain_grad()
    tl = (torch.tanh(torch.cat([te[0:1], te[2:3]], 1) @ tw) +
          torch.cat([te[1:2], te[2:3]], 1) @ tw).sum()
    tl.backward()
    np.testing.assert_allclose(got[0], te.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], te0.grad.numpy(), rtol=1e-5, atol=1e-6)
