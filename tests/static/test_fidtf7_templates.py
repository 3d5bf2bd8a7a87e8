"""tf.make_template (TF 1.15's template_test names) and tf.train.replica_device_setter."""

import numpy as np
import pytest

import dlcore_static as tf


def _linear(x, output_size):
    w = tf.get_variable("w", shape=[x.get_shape()[1], output_size],
                        initializer=tf.constant_initializer(0.5))
    b = tf.get_variable("b", shape=[output_size], initializer=tf.zeros_initializer())
    return tf.matmul(x, w) + b, w


def test_template_name_scopes_as_tf():
    with tf.Graph().as_default():
        inputs = tf.ones((3, 4))
        lin1 = tf.make_template("foo", _linear, output_size=2, create_scope_now_=True)
        a, w1 = lin1(inputs)
        b, w1b = lin1(inputs)
        assert w1 is w1b and lin1.variable_scope.name == "foo" and w1.name == "foo/w:0"
        assert (a.name, b.name) == ("foo/add:0", "foo_1/add:0")
        lin2 = tf.make_template("foo", _linear, output_size=2, create_scope_now_=True)
        c, w2 = lin2(inputs)
        d, _ = lin2(inputs)
        assert lin2.variable_scope.name == "foo_1" and w2.name == "foo_1/w:0"
        assert (c.name, d.name) == ("foo_1_1/add:0", "foo_1_2/add:0")
        assert [v.name for v in lin1.trainable_variables] == ["foo/w:0", "foo/b:0"]
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            np.testing.assert_allclose(s.run(a), np.full((3, 2), 2.0))


def test_template_shares_on_second_call_and_unique_names():
    def f():
        return tf.get_variable("dummy", [1], initializer=tf.zeros_initializer())

    with tf.Graph().as_default():
        t1 = tf.make_template("s1", f)
        t2 = tf.make_template("s1", f)
        assert t1.variable_scope is None
        v1, v2, v3 = t1(), t1(), t2()
        assert v1 is v2 and v1 is not v3
        assert (v1.name, v3.name) == ("s1/dummy:0", "s1_1/dummy:0")
        assert len(tf.trainable_variables()) == 2
        assert tf.compat.v1.make_template is tf.make_template


def test_template_refuses_new_trainable_variable_on_second_call():
    with tf.Graph().as_default():
        t = tf.make_template("bad", lambda x: x * tf.Variable(1.0))
        t(1.0)
        with pytest.raises(ValueError, match="Trainable variable created when calling a "
                                             "template after the first time"):
            t(1.0)
        with pytest.raises(ValueError, match="name cannot be None"):
            tf.make_template(None, lambda: 1)



def test_replica_device_setter_round_robin_as_tf():
    with tf.Graph().as_default():
        with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
            v1, v2, v3 = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
            w = v1 + v2 + v3
        setter = tf.train.replica_device_setter(ps_tasks=2)
        assert [setter(v.op) for v in (v1, v2, v3)] == [
            "/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:0"]
        assert setter(w.op) == "/job:worker"
        s2 = tf.train.replica_device_setter(ps_tasks=3, ps_device="/job:ps/cpu:0",
                                            worker_device="/job:worker/task:1/cpu:0")
        assert s2(v1.op) == "/job:ps/task:0/device:CPU:0"
        assert s2(w.op) == "/job:worker/task:1/device:CPU:0"
        assert tf.train.replica_device_setter(ps_tasks=0) is None
        cl = tf.train.replica_device_setter(cluster={"ps": ["h:1", "h:2", "h:3"]})
        assert [cl(v.op) for v in (v1, v2, v3, v1)][-1] == "/job:ps/task:0"
        with pytest.raises(TypeError, match="ps_strategy must be callable"):
            tf.train.replica_device_setter(ps_tasks=1, ps_strategy=3)
        with tf.Session() as s:           # one process: the job/task fields place nothing
            s.run(tf.global_variables_initializer())
            assert s.run(w) == 6.0


@pytest.mark.parametrize("now", [False, True])
def test_template_custom_getter_wraps_each_variable(now):
    calls = []

    def doubled(getter, name, *args, **kwargs):       # (TF passes getter= by keyword)
        calls.append(name)
        return getter(name, *args, **kwargs) * 2.0

    def f(x):
        return x * tf.get_variable("w", [], initializer=tf.constant_initializer(3.0))

    with tf.Graph().as_default():
        t = tf.make_template("t", f, create_scope_now_=now, custom_getter_=doubled)
        y1, y2 = t(1.0), t(2.0)
        assert calls == ["t/w", "t/w"]
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            assert s.run([y1, y2]) == [6.0, 12.0]
