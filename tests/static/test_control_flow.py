"""cond and while_loop: built once, only the taken branch runs, gradients through them."""

import collections

import numpy as np
import pytest

import dlcore_static as tf


def executed(sess, fetches, feed=None):
    md = tf.RunMetadata()
    out = sess.run(fetches, feed, run_metadata=md)
    return out, md.executed_ops


def test_branch_functions_are_called_once_at_build_time():
    calls = collections.Counter()
    p = tf.placeholder(tf.bool, ())

    def t():
        calls["t"] += 1
        return tf.constant(1.0)

    def f():
        calls["f"] += 1
        return tf.constant(2.0)
    y = tf.cond(p, t, f)
    assert calls == {"t": 1, "f": 1}
    with tf.Session() as sess:
        assert sess.run(y, {p: True}) == 1.0
        assert sess.run(y, {p: False}) == 2.0
    assert calls == {"t": 1, "f": 1}


def test_only_the_taken_branch_runs_and_outside_ops_always_run():
    x = tf.placeholder(tf.float32, ())
    y = tf.placeholder(tf.float32, ())
    z = tf.multiply(x, y, name="outside_mul")          # created outside: always runs
    out = tf.cond(x < y, lambda: tf.add(x, z, name="t_add"),
                  lambda: tf.square(y, name="f_square"))
    with tf.Session() as sess:
        v, names = executed(sess, out, {x: 1.0, y: 2.0})
        assert v == 3.0
        assert "outside_mul" in names
        assert any(n.endswith("t_add") for n in names)
        assert not any(n.endswith("f_square") for n in names)
        v, names = executed(sess, out, {x: 3.0, y: 2.0})
        assert v == 4.0
        assert "outside_mul" in names
        assert any(n.endswith("f_square") for n in names)
        assert not any(n.endswith("t_add") for n in names)


def test_gradient_flows_through_the_taken_branch_only():
    x = tf.placeholder(tf.float32, ())
    p = tf.placeholder(tf.bool, ())
    y = tf.cond(p, lambda: x * x, lambda: 3.0 * x)
    g, = tf.gradients(y, x)
    with tf.Session() as sess:
        assert sess.run(g, {x: 2.0, p: True}) == 4.0
        assert sess.run(g, {x: 2.0, p: False}) == 3.0
        _, names = executed(sess, g, {x: 2.0, p: False})
    # the true branch's nodes (forward or gradient) never ran
    assert not any(n.startswith("cond/") and "Mul" in n and "true" in n for n in names)


def test_nan_in_the_untaken_branch_does_not_poison_the_gradient():
    x = tf.placeholder(tf.float32, ())
    y = tf.cond(x > 0, lambda: tf.sqrt(x), lambda: x)
    g, = tf.gradients(y, x)
    w = tf.where(x > 0, tf.sqrt(x), x)                # where computes both sides
    gw, = tf.gradients(w, x)
    with tf.Session() as sess:
        assert sess.run(g, {x: -1.0}) == 1.0
        assert np.isnan(sess.run(gw, {x: -1.0}))


def test_nested_outputs_and_singleton_unpacking():
    p = tf.placeholder(tf.bool, ())
    Pair = collections.namedtuple("Pair", "a b")
    out = tf.cond(p, lambda: {"x": [tf.constant(1.0)], "p": Pair(tf.constant(2), 3)},
                  lambda: {"x": [tf.constant(4.0)], "p": Pair(tf.constant(5), 6)})
    single = tf.cond(p, lambda: [tf.constant(1.0)], lambda: [tf.constant(2.0)])
    strict = tf.cond(p, lambda: [tf.constant(1.0)], lambda: [tf.constant(2.0)], strict=True)
    assert isinstance(out["p"], Pair)
    assert isinstance(single, tf.Tensor) and isinstance(strict, list)
    with tf.Session() as sess:
        v = sess.run(out, {p: False})
    assert v["x"] == [4.0] and v["p"] == Pair(5, 6)


def test_branches_must_return_the_same_structure():
    p = tf.placeholder(tf.bool, ())
    with pytest.raises(ValueError, match="must have the same number, type, and overall "
                       "structure"):
        tf.cond(p, lambda: [tf.constant(1.0), tf.constant(2.0)], lambda: [tf.constant(1.0)])
    with pytest.raises(ValueError, match="same type"):
        tf.cond(p, lambda: tf.constant(1.0), lambda: tf.constant(1))


def test_branch_tensors_cannot_leak_out():
    p = tf.placeholder(tf.bool, ())
    leaked = []

    def t():
        leaked.append(tf.constant(1.0) * 2)
        return leaked[0]
    tf.cond(p, t, lambda: tf.constant(0.0))
    with pytest.raises(ValueError, match="was created inside a cond branch"):
        leaked[0] + 1
    with tf.Session() as sess, pytest.raises(ValueError, match="was created inside a cond "
                                             "branch and cannot be used from the outer graph"):
        sess.run(leaked[0], {p: True})


def test_nested_cond_and_its_gradient():
    x = tf.placeholder(tf.float32, ())
    a = tf.placeholder(tf.bool, ())
    b = tf.placeholder(tf.bool, ())
    y = tf.cond(a, lambda: tf.cond(b, lambda: x * x * x, lambda: 2 * x), lambda: -x)
    g, = tf.gradients(y, x)
    with tf.Session() as sess:
        for av, bv, ev, eg in [(True, True, 8.0, 12.0), (True, False, 4.0, 2.0),
                               (False, True, -2.0, -1.0)]:
            assert sess.run([y, g], {x: 2.0, a: av, b: bv}) == [ev, eg]


def test_while_loop_values_and_maximum_iterations():
    i0 = tf.constant(0)
    x0 = tf.placeholder(tf.float32, (2,))
    i, x = tf.while_loop(lambda i, x: i < 5, lambda i, x: (i + 1, x * 2.0), [i0, x0])
    _, capped = tf.while_loop(lambda i, x: i < 5, lambda i, x: (i + 1, x * 2.0), [i0, x0],
                              maximum_iterations=2)
    single = tf.while_loop(lambda v: v < 100, lambda v: v * 3, tf.constant(1))
    with tf.Session() as sess:
        iv, xv, cv, sv = sess.run([i, x, capped, single], {x0: [1.0, 3.0]})
    assert iv == 5 and xv.tolist() == [32.0, 96.0]
    assert cv.tolist() == [4.0, 12.0] and sv == 243


def test_while_loop_gradient_matches_finite_differences():
    x = tf.placeholder(tf.float64, (3,))
    w = tf.placeholder(tf.float64, (3,))
    _, y = tf.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, tf.tanh(v * w) + v),
                         [tf.constant(0), x])
    loss = tf.reduce_sum(y * y)
    gx, gw = tf.gradients(loss, [x, w])
    xv, wv = np.array([0.3, -0.2, 0.5]), np.array([0.7, 1.1, -0.4])
    with tf.Session() as sess:
        got = sess.run([gx, gw], {x: xv, w: wv})
        eps = 1e-6
        for k, (t, v) in enumerate([(x, xv), (w, wv)]):
            num = np.zeros(3)
            for j in range(3):
                vp, vm = v.copy(), v.copy()
                vp[j] += eps
                vm[j] -= eps
                other = {x: xv, w: wv}
                fp = sess.run(loss, {**other, t: vp})
                fm = sess.run(loss, {**other, t: vm})
                num[j] = (fp - fm) / (2 * eps)
            np.testing.assert_allclose(got[k], num, rtol=1e-5, atol=1e-7)


def test_while_loop_shape_invariants():
    x0 = tf.constant(np.zeros((2,), np.float32))
    with pytest.raises(ValueError, match="enters the loop with shape \\(2,\\), but has shape "
                       "\\(4,\\) after one iteration"):
        tf.while_loop(lambda x: tf.reduce_sum(x) < 10.0, lambda x: tf.concat([x, x], 0), [x0])
    out = tf.while_loop(lambda x: tf.reduce_sum(x) < 10.0,
                        lambda x: tf.concat([x, x + 1.0], 0), [x0],
                        shape_invariants=[tf.TensorShape([None])])
    with tf.Session() as sess:
        assert sess.run(out).shape == (16,)


def test_while_loop_body_of_unknown_rank_is_a_shape_error():
    # the body's output has no known rank: TensorFlow's shape message, not a TypeError from
    # len(None) (found by mypy)
    p = tf.placeholder(tf.float32)
    x0 = tf.constant(np.zeros((2,), np.float32))
    with pytest.raises(ValueError, match="enters the loop with shape \\(2,\\), but has shape "
                       "<unknown> after one iteration"):
        tf.while_loop(lambda x: tf.reduce_sum(x) < 10.0, lambda x: p, [x0])


def test_group_runs_everything_and_returns_none():
    v = tf.Variable(0.0)
    w = tf.Variable(0.0)
    g = tf.group(v.assign(1.0), w.assign(2.0))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(g) is None
        assert sess.run([v, w]) == [1.0, 2.0]


def test_control_dependency_orders_a_read_after_an_assign():
    v = tf.Variable(1.0)
    upd = v.assign(10.0)
    with tf.control_dependencies([upd]):
        after = tf.identity(v)
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(after) == 10.0
