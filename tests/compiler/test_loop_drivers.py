"""The compiled while_loop's generated drivers (helper-A, issue 19): the forward loop and the
gradient loop run as generated Python (``control_loops.forward_driver``/``gradient_driver``),
a weight's gradient as one stacked matmul with no zero-filled running sum, a transposed weight
as a view (no sub-program).  Values and gradients against NumPy in float64 for several trip
counts (0 included), and a failing iteration still names its node and changes no variable."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.compiler import control_loops

RNG = np.random.default_rng(7)


def _ref(w, b, table, x, k):
    """loss = sum(h_k), h_{j+1} = tanh(h_j @ w + b + table[j]); its gradients by w, b, table."""
    hs = [x]
    for j in range(k):
        hs.append(np.tanh(hs[-1] @ w + b + table[j]))
    g = np.ones_like(x)
    gw, gb, gt = np.zeros_like(w), np.zeros_like(b), np.zeros_like(table)
    for j in range(k, 0, -1):
        g = g * (1 - hs[j] ** 2)
        gw += hs[j - 1].T @ g
        gb += g.sum(0)
        gt[j - 1] += g.sum(0)
        g = g @ w.T
    return hs[-1].sum(), gw, gb, gt


def test_drivers_values_and_gradients_for_several_trip_counts(monkeypatch):
    made = []
    for name in ("forward_driver", "gradient_driver"):
        real = getattr(control_loops, name)
        monkeypatch.setattr(control_loops, name,
                            lambda *a, _r=real, _n=name: made.append(_n) or _r(*a))
    w0 = RNG.standard_normal((4, 4)) * 0.5
    b0 = RNG.standard_normal(4) * 0.1
    t0 = RNG.standard_normal((3, 4)) * 0.1
    x0 = RNG.standard_normal((2, 4))
    x = tf.placeholder(tf.float64, (2, 4))
    n = tf.placeholder(tf.int32, ())
    w, b, table = tf.Variable(w0), tf.Variable(b0), tf.Variable(t0)
    _, h = tf.while_loop(
        lambda i, h: i < n,
        lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w) + b + tf.gather(table, i))),
        [tf.constant(0), x])
    loss = tf.reduce_sum(h)
    grads = tf.gradients(loss, [w, b, table])
    with tf.Session(passes="all") as sess:
        sess.run(tf.global_variables_initializer())
        for k in (2, 3, 0, 3, 1):
            got = sess.run([loss] + grads, {x: x0, n: k})
            for g, r in zip(got, _ref(w0, b0, t0, x0, k)):
                np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12)
    assert "forward_driver" in made and "gradient_driver" in made


def test_a_failing_iteration_names_the_node_and_changes_no_variable():
    w0 = RNG.standard_normal((3, 3)) * 0.5
    table0 = RNG.standard_normal((2, 3))
    x = tf.placeholder(tf.float64, (1, 3))
    n = tf.placeholder(tf.int32, ())
    w, table = tf.Variable(w0), tf.Variable(table0)
    _, h = tf.while_loop(
        lambda i, h: i < n,
        lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w)) + tf.gather(table, i, name="row")),
        [tf.constant(0), x])
    train = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(h))
    x0 = np.ones((1, 3))
    with tf.Session(passes="all") as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(2):                      # compiled from the second run on
            sess.run(train, {x: x0, n: 2})
        before = sess.run([w, table])
        with pytest.raises(tf.errors.InvalidArgumentError, match="row"):
            sess.run(train, {x: x0, n: 3})      # table has 2 rows: the third iteration fails
        after = sess.run([w, table])
        np.testing.assert_array_equal(before[0], after[0])
        np.testing.assert_array_equal(before[1], after[1])
        sess.run(train, {x: x0, n: 2})          # and the plan still runs


@pytest.mark.parametrize("shape", [(5, 40), (2, 3, 17)])
def test_a_float32_sum_of_everything_sums_rows_in_float64(shape):
    """A full float32 ``sum`` compiled by the emitter (not a fused loop) sums each row with
    ``fsum64``: the float64 sum of the values, rounded to float32 once (here exactly)."""
    from dlcore_static import compiler
    x0 = (RNG.standard_normal(shape) * 3).astype(np.float32)
    x = tf.placeholder(tf.float32, shape)
    m = tf.reduce_mean(x)
    pred = tf.greater(m, 0.0)
    with tf.Session(passes="all") as sess:
        rep = compiler.explain(sess, [m, pred], {x: x0})
        assert "fsum64(" in rep.codegen["source"]
        got_m, got_p = sess.run([m, pred], {x: x0})
    want = np.float32(np.float32(x0.astype(np.float64).sum()) / np.float32(x0.size))
    assert got_m == want and got_p == (want > 0)


def test_a_gradient_that_saves_nothing_still_runs_once_per_iteration():
    """``h = h + w``: the body's gradient reads no forward value (an empty history entry per
    iteration), so d sum(h_n) / dw = n * rows."""
    w0 = RNG.standard_normal(3)
    x = tf.placeholder(tf.float64, (2, 3))
    n = tf.placeholder(tf.int32, ())
    w = tf.Variable(w0)
    _, h = tf.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, h + w), [tf.constant(0), x])
    loss = tf.reduce_sum(h)
    gw = tf.gradients(loss, [w])[0]
    x0 = RNG.standard_normal((2, 3))
    with tf.Session(passes="all") as sess:
        sess.run(tf.global_variables_initializer())
        for k in (2, 3, 0, 4):
            lv, g = sess.run([loss, gw], {x: x0, n: k})
            np.testing.assert_allclose(lv, (x0 + k * w0).sum(), rtol=1e-12)
            np.testing.assert_allclose(g, np.full(3, 2.0 * k), rtol=1e-12)


def test_a_loop_writing_an_accumulator_runs_by_both_drivers(monkeypatch):
    """plan23: a body that writes rows of an accumulator (``functional_ops.write``, as
    ``dynamic_rnn`` writes its outputs: the rows added in place, ``forward_driver``'s ``ups``)
    is driven too, and so is its gradient (a uniform history); values and gradients as the
    interpreter's, for several trip counts."""
    from dlcore_static import functional_ops as _f
    made = []
    for name in ("forward_driver", "gradient_driver"):
        real = getattr(control_loops, name)
        monkeypatch.setattr(control_loops, name, lambda *a, _r=real, _n=name: made.append(
            (_n, bool(a[6]) if _n == "forward_driver" and len(a) > 6 else None)) or _r(*a))
    w0 = RNG.standard_normal((3, 3)) * 0.5
    xs0 = RNG.standard_normal((4, 2, 3))
    xs = tf.placeholder(tf.float64, (4, 2, 3))
    n = tf.placeholder(tf.int32, ())
    w = tf.Variable(w0)

    def body(i, h, out):
        h = tf.tanh(tf.matmul(h, w) + tf.gather(xs, i))
        return i + 1, h, _f.write(out, i, h * 2.0)

    _, h, out = tf.while_loop(lambda i, h, out: i < n, body,
                              [tf.constant(0), tf.zeros((2, 3), tf.float64),
                               tf.zeros((4, 2, 3), tf.float64)])
    loss = tf.reduce_sum(out ** 2) + tf.reduce_sum(h)
    grads = tf.gradients(loss, [w, xs])
    results = {}
    for passes in ((), "all"):
        with tf.Session(passes=passes) as sess:
            sess.run(tf.global_variables_initializer())
            results[passes] = [sess.run([loss] + grads, {xs: xs0, n: k}) for k in (2, 4, 0, 3, 3)]
    for got, want in zip(results["all"], results[()]):
        for g, r in zip(got, want):
            np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12)
    assert ("forward_driver", True) in made and any(m[0] == "gradient_driver" for m in made)
