"""``custom_getter`` of ``tf.variable_scope`` / ``tf.get_variable`` as TF 1.15: the getter is
called with ``getter=`` and the full name, nested scopes' getters compose (inner first), and
what it returns is what ``get_variable`` (and so ``tf.layers``) uses."""
import numpy as np
import pytest

import dlcore_static as tf


def test_getter_sees_full_name_and_keywords_and_its_result_is_used():
    seen = []

    def getter(getter, name, *args, **kwargs):
        seen.append((name, sorted(kwargs)))
        return getter(name, *args, **kwargs) * 2.0

    with tf.variable_scope("outer", custom_getter=getter), tf.variable_scope("inner"):
        v = tf.get_variable("w", shape=[2], initializer=tf.ones_initializer())
    assert seen[0][0] == "outer/inner/w"
    assert seen[0][1] == sorted(["shape", "dtype", "initializer", "regularizer", "reuse",
                                 "trainable", "collections", "caching_device", "partitioner",
                                 "validate_shape", "use_resource", "synchronization",
                                 "aggregation", "constraint"])
    assert [x.name for x in tf.global_variables()] == ["outer/inner/w:0"]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run(v), [2.0, 2.0])


def test_nested_getters_compose_inner_first_and_constraint_only_when_accepted():
    order = []

    def outer(getter, name, shape=None, dtype=None, initializer=None, **kwargs):
        order.append("outer")
        return getter(name, shape, dtype=dtype, initializer=initializer)

    def inner(getter, name, *args, **kwargs):
        order.append("inner")
        return getter(name, *args, **kwargs) + 1.0

    with tf.variable_scope("a", custom_getter=outer), tf.variable_scope("b",
                                                                       custom_getter=inner):
        v = tf.get_variable("w", shape=[], initializer=tf.zeros_initializer())
    assert order == ["inner", "outer"]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(v) == 1.0
    got = []

    def no_constraint(getter, name, shape=None, dtype=None, initializer=None,
                      regularizer=None, reuse=None, trainable=None, collections=None,
                      caching_device=None, partitioner=None, validate_shape=True,
                      use_resource=None, synchronization=None, aggregation=None):
        got.append(trainable)
        return getter(name, shape, dtype=dtype, initializer=initializer)

    with tf.variable_scope("c", custom_getter=no_constraint):
        tf.get_variable("w", shape=[1])
    assert got == [None]              # TF 1.15 hands on trainable=None, and no constraint=


def test_storage_dtype_getter_keeps_float32_variables_and_trains():
    # the mixed-precision training guide's getter (float16 there; dlcore computes float16 in
    # float32, so float64 plays the compute dtype here)

    def float32_variable_storage_getter(getter, name, shape=None, dtype=None,
                                        initializer=None, regularizer=None, trainable=True,
                                        *args, **kwargs):
        storage_dtype = tf.float32 if trainable else dtype
        variable = getter(name, shape, dtype=storage_dtype, initializer=initializer,
                          regularizer=regularizer, trainable=trainable, *args, **kwargs)  # noqa: B026
        if trainable and dtype != tf.float32:
            variable = tf.cast(variable, dtype)
        return variable

    x = tf.placeholder(tf.float64, [None, 3])
    with tf.variable_scope("fp32_vars", custom_getter=float32_variable_storage_getter):
        w = tf.get_variable("w", [3, 1], dtype=tf.float64, trainable=True,
                            initializer=tf.constant_initializer(0.5))
    y = tf.matmul(x, w)
    assert w.dtype == tf.float64 and y.dtype == tf.float64
    (var,) = tf.trainable_variables()
    assert var.dtype.base_dtype == tf.float32 and var.op.name == "fp32_vars/w"
    loss = tf.reduce_sum(tf.cast(y, tf.float32))
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(step, {x: np.ones((2, 3), np.float64)})
        np.testing.assert_allclose(s.run(var), np.full((3, 1), 0.5 - 0.2, np.float32),
                                   rtol=1e-6)


def test_ema_getter_reuses_the_model_with_averaged_weights():
    # the classic "evaluate with moving averages" trick through tf.layers.dense
    x = tf.placeholder(tf.float32, [None, 2])

    def model(inp):
        return tf.layers.dense(inp, 1, name="fc",
                               kernel_initializer=tf.constant_initializer(1.0))

    with tf.variable_scope("net"):
        y = model(x)
    ema = tf.train.ExponentialMovingAverage(0.5)
    ema_op = ema.apply(tf.trainable_variables())

    def ema_getter(getter, name, *args, **kwargs):
        var = getter(name, *args, **kwargs)
        return ema.average(var)

    with tf.variable_scope("net", reuse=True, custom_getter=ema_getter):
        y_ema = model(x)
    assert len(tf.trainable_variables()) == 2
    kernel = next(v for v in tf.trainable_variables() if "kernel" in v.name)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(kernel.assign(tf.fill([2, 1], 3.0)))
        s.run(ema_op)                    # shadow = 0.5 * 1 + 0.5 * 3 = 2
        feed = {x: np.ones((1, 2), np.float32)}
        np.testing.assert_allclose(s.run(y, feed), [[6.0]])
        np.testing.assert_allclose(s.run(y_ema, feed), [[4.0]])


def test_get_variable_argument_overrides_the_scopes_and_errors():
    calls = []

    def scope_getter(getter, name, *a, **k):
        calls.append("scope")
        return getter(name, *a, **k)

    def arg_getter(getter, name, *a, **k):
        calls.append("arg")
        return getter(name, *a, **k)

    with tf.variable_scope("s", custom_getter=scope_getter):
        tf.get_variable("v", [1], custom_getter=arg_getter)
    assert calls == ["arg"]
    with pytest.raises(ValueError, match="not callable"), tf.variable_scope("t",
                                                                           custom_getter=3):
        pass
    with pytest.raises(ValueError, match="already exists"), tf.variable_scope(
            "s", custom_getter=scope_getter):
        tf.get_variable("v", [1])
