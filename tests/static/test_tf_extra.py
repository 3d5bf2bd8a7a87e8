"""TensorFlow 1 functions added in dlcore_static/tf_extra.py, against NumPy (values, gradients
by central differences) and TF1's documented behaviour."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

X = np.array([[3.0, 1.0, 2.0, 3.0], [0.0, 5.0, 5.0, 1.0], [-2.0, 4.0, 0.5, 7.0]])


def _run(*fetches, feed=None):
    with tf.Session() as s:
        return s.run(list(fetches), feed)


def _grad_check(build, x0, eps=1e-6):
    """tf.gradients of sum(build(x) * w) against central differences, float64."""
    x = tf.placeholder(tf.float64, x0.shape)
    y = build(x)
    w = np.random.default_rng(0).standard_normal(tuple(y.shape.as_list()))
    g = tf.gradients(tf.reduce_sum(y * w), [x])[0]
    with tf.Session() as s:
        got = s.run(g, {x: x0})
        num = np.zeros_like(x0)
        for i in np.ndindex(x0.shape):
            e = np.zeros_like(x0)
            e[i] = eps
            num[i] = (np.sum(s.run(y, {x: x0 + e}) * w) -
                      np.sum(s.run(y, {x: x0 - e}) * w)) / (2 * eps)
    np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-7)


def test_top_k_sort_argsort():
    x = tf.constant(X)
    tk = tf.nn.top_k(x, 2)
    v, i, s, a, d = _run(tk.values, tk.indices, tf.sort(x, axis=0),
                         tf.argsort(x, direction="DESCENDING"), tf.math.top_k(x).indices)
    np.testing.assert_array_equal(v, [[3, 3], [5, 5], [7, 4]])
    np.testing.assert_array_equal(i, [[0, 3], [1, 2], [3, 1]])     # ties: lower index first
    assert i.dtype == np.int32 and a.dtype == np.int32
    np.testing.assert_array_equal(s, np.sort(X, 0))
    np.testing.assert_array_equal(a, np.argsort(-X, 1, kind="stable"))
    np.testing.assert_array_equal(d, [[0], [1], [3]])
    _grad_check(lambda t: tf.nn.top_k(t, 2).values, X + np.arange(12).reshape(3, 4) * 1e-3)
    with pytest.raises(ValueError, match="input must have at least k columns. Had 4, needed 5"):
        tf.nn.top_k(x, 5)
    with pytest.raises(ValueError, match="Unknown direction: UP"):
        tf.sort(x, direction="UP")


def test_norms_trace_std_xor():
    x = tf.constant(X)
    n, n1, nm, nf, tr, sd, var, xo = _run(
        tf.norm(x), tf.norm(x, axis=1, keepdims=True), tf.norm(x, ord=1, axis=[0, 1]),
        tf.norm(x, ord="fro", axis=[-2, -1]), tf.linalg.trace(x[:, :3]),
        tf.math.reduce_std(x, 0), tf.math.reduce_variance(x, [0, 1]),
        tf.logical_xor(tf.constant([True, True, False]), tf.constant([True, False, False])))
    np.testing.assert_allclose(n, np.linalg.norm(X))
    np.testing.assert_allclose(n1, np.linalg.norm(X, axis=1, keepdims=True))
    np.testing.assert_allclose(nm, np.linalg.norm(X, 1))
    np.testing.assert_allclose(nf, np.linalg.norm(X, "fro"))
    np.testing.assert_allclose(tr, np.trace(X[:, :3]))
    np.testing.assert_allclose(sd, X.std(0))
    np.testing.assert_allclose(var, X.var())
    np.testing.assert_array_equal(xo, [False, True, False])
    _grad_check(lambda t: tf.norm(t, axis=1), X)
    _grad_check(lambda t: tf.math.reduce_std(t, 1), X)
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm, got fro"):
        tf.norm(x, ord="fro")


def test_segments_and_confusion_matrix():
    data = tf.constant(X)
    ss, sm, us = _run(tf.segment_sum(data, tf.constant([0, 0, 2])),
                      tf.math.segment_mean(data, [0, 0, 1]),
                      tf.unsorted_segment_sum(data, tf.constant([2, 0, 2]), 4))
    np.testing.assert_allclose(ss, [X[0] + X[1], np.zeros(4), X[2]])
    np.testing.assert_allclose(sm, [(X[0] + X[1]) / 2, X[2]])
    np.testing.assert_allclose(us, [X[1], np.zeros(4), X[0] + X[2], np.zeros(4)])
    _grad_check(lambda t: tf.unsorted_segment_sum(t, tf.constant([1, 0, 1]), 2), X)
    with pytest.raises(ValueError, match="segment ids are not increasing"):
        tf.segment_sum(data, tf.constant([1, 0, 1]))
    cm, wcm = _run(tf.confusion_matrix([0, 1, 2, 1, 1], [0, 2, 2, 1, 1]),
                   tf.math.confusion_matrix(tf.constant([0, 1]), tf.constant([1, 1]),
                                            num_classes=3, weights=tf.constant([2.0, 0.5]),
                                            dtype=tf.float32))
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 2, 1], [0, 0, 1]])
    assert cm.dtype == np.int32
    np.testing.assert_allclose(wcm, [[0, 2, 0], [0, 0.5, 0], [0, 0, 0]])


def test_scatter_ops_on_variables():
    v = tf.Variable(np.zeros((4, 2), np.float32))
    up = tf.scatter_update(v, [1, 3], [[1.0, 2.0], [3.0, 4.0]])
    add = tf.scatter_add(v, tf.constant([0, 0, 3]), tf.ones((3, 2)))
    sub = tf.scatter_sub(v, [1], [[0.5, 0.5]])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run(up), [[0, 0], [1, 2], [0, 0], [3, 4]])
        np.testing.assert_array_equal(s.run(add), [[2, 2], [1, 2], [0, 0], [4, 5]])
        np.testing.assert_array_equal(s.run(sub), [[2, 2], [0.5, 1.5], [0, 0], [4, 5]])
        np.testing.assert_array_equal(s.run(v), [[2, 2], [0.5, 1.5], [0, 0], [4, 5]])
    with pytest.raises(TypeError, match="'ref' must be a Variable"):
        tf.scatter_update(tf.constant([1.0]), [0], [2.0])


def test_exponential_moving_average_as_tf1():
    w = tf.Variable(1.0)
    step = tf.Variable(0, trainable=False)
    ema = tf.train.ExponentialMovingAverage(0.9, num_updates=step)
    inc = tf.group(w.assign_add(1.0), step.assign_add(1))
    with tf.control_dependencies([inc]):
        train = ema.apply([w])
    avg = ema.average(w)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        shadow, wv, n = 1.0, 1.0, 0
        for _ in range(4):
            s.run(train)
            wv, n = wv + 1, n + 1
            d = min(0.9, (1 + n) / (10 + n))
            shadow = d * shadow + (1 - d) * wv
            np.testing.assert_allclose(s.run(avg), shadow, rtol=1e-6)
    assert ema.average_name(w) == "Variable/ExponentialMovingAverage"
    assert set(ema.variables_to_restore()) >= {"Variable/ExponentialMovingAverage"}


def test_contrib_regularizers():
    w = tf.constant([[1.0, -2.0], [3.0, 0.5]])
    l2 = tf.contrib.layers.l2_regularizer(0.1)(w)
    l1 = tf.contrib.layers.l1_regularizer(0.2)(w)
    total = tf.contrib.layers.apply_regularization(tf.contrib.layers.l2_regularizer(0.1), [w, w])
    a, b, c = _run(l2, l1, total)
    np.testing.assert_allclose(a, 0.1 * (1 + 4 + 9 + 0.25) / 2, rtol=1e-6)
    np.testing.assert_allclose(b, 0.2 * 6.5, rtol=1e-6)
    np.testing.assert_allclose(c, 2 * a, rtol=1e-6)
    assert tf.contrib.layers.l2_regularizer(0.0)(w) is None
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) >= 1
    with pytest.raises(ValueError, match="scale less than 0"):
        tf.contrib.layers.l1_regularizer(-1.0)


def test_minimize_inside_update_ops_dependencies_and_tf_slot_names():
    """The canonical batch-norm pattern: the optimizer's slots are created outside the control
    dependencies (their initializers must not need the fed batch), named as TensorFlow names
    them."""
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        training = tf.placeholder_with_default(False, [])
        h = tf.layers.batch_normalization(tf.layers.dense(x, 4, name="d"), training=training)
        loss = tf.reduce_mean(tf.square(h))
        step = tf.train.get_or_create_global_step()
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            train = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=step)
        names = [v.op.name for v in tf.global_variables()]
        assert {"d/kernel/Adam", "d/kernel/Adam_1", "beta1_power", "beta2_power",
                "global_step"} <= set(names)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())          # no feed needed
            s.run(train, {x: np.ones((2, 3), np.float32), training: True})
            assert s.run(step) == 1
    with tf.Graph().as_default():
        w = tf.Variable(1.0, name="w")
        for opt in (tf.train.MomentumOptimizer(0.1, 0.9), tf.train.RMSPropOptimizer(0.1),
                    tf.train.AdagradOptimizer(0.1)):
            opt.minimize(w * w)
        assert [v.op.name for v in tf.global_variables()][1:] == [
            "w/Momentum", "w/RMSProp", "w/RMSProp_1", "w/Adagrad"]


def test_scalar_tensor_indices_and_python_int_loop_counters():
    """``x[i]`` with a computed i, and a while_loop counted from Python's 0 (int32 as TF
    makes it, so ``i < tf.shape(x)[0]`` compares int32 with int32)."""
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 4])
        i, total = tf.while_loop(lambda i, s: i < tf.shape(x)[0],
                                 lambda i, s: (i + 1, s + tf.reduce_sum(x[i] * x[i])), [0, 0.0])
        assert i.dtype == tf.int32
        c = tf.constant(X)
        j, k = tf.constant(-1), tf.constant(1, tf.int64)
        picks = [c[j], c[:, k], c[k, j], c[None, k, ..., 1:], c[..., j]]
        g = tf.gradients(tf.reduce_sum(c[k] * 2.0) + tf.reduce_sum(c[:, j]), c)[0]
        with tf.Session() as s:
            n, tot = s.run([i, total], {x: X.astype(np.float32)})
            got = s.run(picks)
            gv = s.run(g)
    assert n == 3 and tot == pytest.approx(float((X ** 2).sum()), rel=1e-6)
    for a, b in zip(got, [X[-1], X[:, 1], X[1, -1], X[None, 1, ..., 1:], X[..., -1]]):
        np.testing.assert_allclose(a, b)
    want = np.zeros_like(X)
    want[1] += 2.0
    want[:, -1] += 1.0
    np.testing.assert_allclose(gv, want)
    with pytest.raises(TypeError, match="scalar tf.int32/tf.int64 tensors are valid indices"):
        c[tf.constant([0, 1])]
