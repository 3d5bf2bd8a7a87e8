"""TF1's names of tf.cond and tf.while_loop outputs, and ConfigProto's soft-placement default."""

import numpy as np
import pytest

import dlcore_static as tf


def test_cond_output_names_as_tf1():
    with tf.Graph().as_default() as g:
        p = tf.placeholder(tf.bool, [], name="p")
        a = tf.cond(p, lambda: tf.constant(1.0), lambda: tf.constant(2.0), name="n")
        b = tf.cond(p, lambda: (tf.constant(1.0), tf.constant(3)),
                    lambda: (tf.constant(2.0), tf.constant(4)))
        assert a.name == "n/Merge:0" and b[0].name == "cond/Merge:0"
        assert b[1].name == "cond/Merge_1:0" and g.get_tensor_by_name("cond/Merge_1:0") is b[1]
        with tf.Session() as s:
            assert s.run([a, "cond/Merge_1:0"], {p: False}) == [2.0, 4]
            gd = tf.graph_util.convert_variables_to_constants(s, g.as_graph_def(),
                                                              ["cond/Merge_1"])
        assert [n.name for n in gd.node][-2:] == ["cond/Merge", "cond/Merge_1"]


def test_while_loop_output_names_as_tf1():
    with tf.Graph().as_default() as g:
        i, total = tf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), [0, 0],
                                 name="w")
        assert i.name == "w/Exit:0" and total.name == "w/Exit_1:0"
        j = tf.while_loop(lambda k: k < 30, lambda k: k + 2, [0], maximum_iterations=5)
        assert j.name == "while/Exit_1:0"          # (TF's int32 counter is while/Exit)
        with pytest.raises(KeyError):
            g.get_tensor_by_name("while/Exit:0")   # (no counter to give: refused)
        with tf.Session() as s:
            assert s.run([i, "w/Exit_1:0", j]) == [5, 10, 10]


def test_config_proto_soft_placement_default_is_tfs(monkeypatch):
    import dlcore.device
    assert tf.ConfigProto().allow_soft_placement is False
    assert tf.ConfigProto(allow_soft_placement=True).allow_soft_placement is True
    monkeypatch.setattr(dlcore.device, "_cuda_ok", False)     # a machine without CUDA
    with tf.Graph().as_default():
        with tf.device("/gpu:0"):
            y = tf.constant(np.float32(2.0)) * 3.0
        with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as s:
            assert s.run(y) == 6.0
        # (TF 1.15's placer error, not dlcore's 'CUDA is not available' RuntimeError: fidtf9)
        with tf.Session(config=tf.ConfigProto()) as s, \
                pytest.raises(tf.errors.InvalidArgumentError, match="^Cannot assign a device "
                              "for operation mul: node mul .* was explicitly assigned to "
                              "/device:GPU:0 but available devices are"):
            s.run(y)
