"""Variables, assignments, initializers, optimizers, layers and losses."""

import re

import numpy as np
import pytest

import dlcore_static as tf


def test_assign_ops_change_the_variable_only_when_run():
    v = tf.Variable([1.0, 2.0], name="v")
    a = v.assign([5.0, 5.0])
    add = tf.assign_add(v, [1.0, 1.0])
    sub = v.assign_sub([2.0, 2.0])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(v).tolist() == [1.0, 2.0]
        assert sess.run(a).tolist() == [5.0, 5.0]
        assert sess.run(add).tolist() == [6.0, 6.0]
        assert sess.run(sub).tolist() == [4.0, 4.0]
        assert sess.run(v).tolist() == [4.0, 4.0]
    assert str(v) == "<tf.Variable 'v:0' shape=(2,) dtype=float32_ref>"


def test_initializer_covers_only_variables_that_existed():
    a = tf.Variable(1.0, name="a")
    init = tf.global_variables_initializer()
    b = tf.Variable(2.0, name="b")
    with tf.Session() as sess:
        sess.run(init)
        assert sess.run(a) == 1.0
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value b"):
            sess.run(b)
        sess.run(tf.variables_initializer([b]))
        assert sess.run(b) == 2.0


def test_assign_shape_and_dtype_checks():
    v = tf.Variable(np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="incompatible"):
        v.assign(np.zeros(4, np.float32))
    with pytest.raises(TypeError, match="does not match type float32"):
        v.assign(tf.constant([1, 2, 3]))


def _quadratic(opt_factory, steps=3):
    w = tf.Variable([1.0, -2.0], name="w")
    loss = tf.reduce_sum(w * w * tf.constant([1.0, 3.0]))
    opt = opt_factory()
    train = opt.minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            sess.run(train)
        return sess.run(w)


def _reference(update, steps=3):
    w = np.array([1.0, -2.0])
    state: dict = {}
    for t in range(1, steps + 1):
        g = 2 * w * np.array([1.0, 3.0])
        w = update(w, g, state, t)
    return w


def test_gradient_descent():
    got = _quadratic(lambda: tf.train.GradientDescentOptimizer(0.1))
    np.testing.assert_allclose(got, _reference(lambda w, g, s, t: w - 0.1 * g), rtol=1e-6)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum(nesterov):
    def upd(w, g, s, t):
        a = s.get("a", 0) * 0.9 + g
        s["a"] = a
        return w - 0.1 * (g + 0.9 * a if nesterov else a)
    got = _quadratic(lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=nesterov))
    np.testing.assert_allclose(got, _reference(upd), rtol=1e-5)


def test_adam():
    def upd(w, g, s, t):
        m = 0.9 * s.get("m", 0) + 0.1 * g
        v = 0.999 * s.get("v", 0) + 0.001 * g * g
        s["m"], s["v"] = m, v
        lr = 0.1 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        return w - lr * m / (np.sqrt(v) + 1e-8)
    got = _quadratic(lambda: tf.train.AdamOptimizer(0.1))
    np.testing.assert_allclose(got, _reference(upd), rtol=1e-5)


def test_compute_and_apply_gradients_and_global_step():
    w = tf.Variable(3.0)
    step = tf.train.get_or_create_global_step()
    opt = tf.train.GradientDescentOptimizer(0.5)
    gv = opt.compute_gradients(w * w, var_list=[w])
    assert gv[0][1] is w
    train = opt.apply_gradients(gv, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        assert sess.run([w, step]) == [0.0, 1]


def test_minimize_without_a_path_says_no_gradients():
    w = tf.Variable(1.0, name="w")
    x = tf.placeholder(tf.float32, ())
    with pytest.raises(ValueError, match=re.escape(
            "No gradients provided for any variable, check your graph for ops that do not "
            "support gradients, between variables [\"<tf.Variable 'w:0' shape=() "
            "dtype=float32_ref>\"] and loss")):
        tf.train.GradientDescentOptimizer(0.1).minimize(x * 2)


def test_initializers_statistics():
    shape = (200, 300)
    limit = np.sqrt(6 / (200 + 300))
    inits = {
        "zeros": tf.zeros_initializer()(shape), "ones": tf.ones_initializer()(shape),
        "const": tf.constant_initializer(3.0)(shape),
        "normal": tf.random_normal_initializer(0.0, 2.0, seed=1)(shape),
        "trunc": tf.truncated_normal_initializer(0.0, 1.0, seed=1)(shape),
        "glorot": tf.glorot_uniform_initializer(seed=1)(shape),
        "xavier": tf.contrib.layers.xavier_initializer(seed=1)(shape),
        "he": tf.initializers.he_normal(seed=1)(shape),
    }
    with tf.Session() as sess:
        v = sess.run(inits)
    assert (v["zeros"] == 0).all() and (v["ones"] == 1).all() and (v["const"] == 3).all()
    assert abs(v["normal"].std() - 2.0) < 0.05
    assert np.abs(v["trunc"]).max() <= 2.0
    for k in ("glorot", "xavier"):
        assert np.abs(v[k]).max() <= limit and abs(v[k].std() - limit / np.sqrt(3)) < 0.01
    assert abs(v["he"].std() - np.sqrt(2 / 200)) < 0.01


def test_random_ops_are_reproducible_with_seeds():
    tf.set_random_seed(7)
    a = tf.random_normal((4,))
    b = tf.random_uniform((4,), minval=2.0, maxval=3.0, seed=3)
    with tf.Session() as s1:
        a1, b1 = s1.run([a, b])
        a2 = s1.run(a)
    with tf.Session() as s2:
        a3, b3 = s2.run([a, b])
    np.testing.assert_array_equal(a1, a3)
    np.testing.assert_array_equal(b1, b3)
    assert not np.array_equal(a1, a2)
    assert ((b1 >= 2) & (b1 < 3)).all()


def test_layers_dense_variables_and_values():
    x = tf.placeholder(tf.float32, (None, 3))
    y = tf.layers.dense(x, 4, activation=tf.nn.relu)
    z = tf.layers.dense(y, 2, use_bias=False, name="out")
    names = [v.name for v in tf.trainable_variables()]
    assert names == ["dense/kernel:0", "dense/bias:0", "out/kernel:0"]
    assert y.shape.as_list() == [None, 4] and z.shape.as_list() == [None, 2]
    xv = np.random.randn(5, 3).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        k, b, k2, zv = sess.run(tf.trainable_variables() + [z], {x: xv})
    np.testing.assert_allclose(zv, np.maximum(xv @ k + b, 0) @ k2, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="should be defined"):
        tf.layers.dense(tf.placeholder(tf.float32, (None, None)), 3)


def test_get_variable_and_variable_scope():
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", (2, 3))
    with tf.variable_scope("layer", reuse=True):
        w2 = tf.get_variable("w", (2, 3))
    assert w is w2 and w.name == "layer/w:0"
    with pytest.raises(ValueError, match="already exists"), tf.variable_scope("layer"):
        tf.get_variable("w", (2, 3))


def test_losses():
    p = tf.constant([[1.0, 2.0], [3.0, 5.0]])
    t = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    logits = tf.constant([[2.0, 0.5], [0.1, 1.0]])
    mse = tf.losses.mean_squared_error(t, p)
    ce = tf.losses.softmax_cross_entropy(t, logits)
    sce = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant([0, 1]), logits=logits))
    assert tf.get_collection(tf.GraphKeys.LOSSES) == [mse, ce]
    with tf.Session() as sess:
        m, c, s = sess.run([mse, ce, sce])
    pv, tv, lv = np.array([[1, 2], [3, 5.0]]), np.array([[1, 0], [0, 1.0]]), \
        np.array([[2.0, 0.5], [0.1, 1.0]])
    ls = lv - np.log(np.exp(lv).sum(1, keepdims=True))
    assert np.isclose(m, ((pv - tv) ** 2).mean())
    assert np.isclose(c, -(tv * ls).sum(1).mean()) and np.isclose(s, c)


@pytest.mark.parametrize("make, names", [
    (lambda: tf.train.GradientDescentOptimizer(0.1), []),
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9), ["momentum"]),
    (lambda: tf.train.AdamOptimizer(0.1), ["m", "v"]),
    (lambda: tf.train.RMSPropOptimizer(0.1), ["momentum", "rms"]),
    (lambda: tf.train.RMSPropOptimizer(0.1, centered=True), ["mg", "momentum", "rms"]),
    (lambda: tf.train.AdagradOptimizer(0.1), ["accumulator"]),
    (lambda: tf.train.AdadeltaOptimizer(0.1), ["accum", "accum_update"]),
    (lambda: tf.train.FtrlOptimizer(0.1), ["accum", "linear"]),
])
def test_slot_names_and_slots_by_tensorflow_name(make, names):
    # get_slot_names did not exist (hvd.DistributedOptimizer's forward raised AttributeError,
    # found by mypy) and get_slot took the variable-name suffix ("" for Adam's m)
    import dlcore_static.distributed as hvd
    with tf.Graph().as_default():
        w = tf.Variable(np.ones(3, np.float32))
        opt = make()
        assert opt.get_slot_names() == []                        # none before minimize
        opt.minimize(tf.reduce_sum(w * w))
        assert opt.get_slot_names() == names
        assert hvd.DistributedOptimizer(opt).get_slot_names() == names
        slots = [opt.get_slot(w, n) for n in names]
        assert all(isinstance(s, tf.Variable) for s in slots)
        assert len({id(s) for s in slots}) == len(names)         # one variable per name
        assert opt.get_slot(w, "no such slot") is None
