"""Node names made lazily (issue 19): an op the front end's hot path builds gets its unique name
only when a name is asked for, in creation order and with the scope it was built in, so every
name is the one it got when names were made at once."""

from __future__ import annotations

import pytest

import dlcore_static as tf


def _build():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (2,))
        tf.tanh(x)
        with tf.name_scope("s"):
            tf.tanh(x)
            tf.tanh(x) + x
        tf.identity(x, name="Tanh")                 # a user's name between lazy ones
        tf.tanh(x)
        with tf.name_scope("s"):                    # a reused scope: s_1
            tf.tanh(x)
            with tf.name_scope("t"):
                tf.concat([x, x], 0)
                x[0:1]
        tf.exp(tf.tanh(x))
    return g


EXPECTED = ["Placeholder", "Tanh", "s/Tanh", "s/Tanh_1", "s/Add", "Tanh_1", "Tanh_2",
            "s_1/Tanh", "s_1/t/concat", "s_1/t/StridedSlice", "Tanh_3", "Exp"]


def test_names_are_the_creation_order_ones():
    g = _build()
    assert [op.name for op in g.get_operations()] == EXPECTED


def test_a_lookup_by_name_names_the_pending_ops_first():
    g = _build()
    assert g.get_operation_by_name("Tanh_2") is g.get_operations()[6]
    assert g.get_tensor_by_name("s_1/t/StridedSlice:0").op is g.get_operations()[9]
    with pytest.raises(KeyError, match="Tanh_4"):
        g.get_operation_by_name("Tanh_4")


def test_a_new_name_comes_after_the_pending_ones():
    g = _build()
    with g.as_default():
        assert g.unique_name("tanh", mark_as_used=False) == "tanh_4"
        t = tf.tanh(tf.constant([1.0, 2.0]))
        assert g.unique_name("Tanh") == "Tanh_5"
    assert t.op.name == "Tanh_4"
    assert t.name == "Tanh_4:0"


def test_a_shape_error_names_its_node_after_lazy_ones():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (2, 3))
        w = tf.placeholder(tf.float32, (3, 2))
        tf.matmul(x, w)                             # MatMul (its rule's outcome cached)
        with pytest.raises(ValueError, match=r"for 'MatMul_1' \(op: 'MatMul'\)"):
            tf.matmul(x, x)
        assert tf.tanh(x).op.name == "Tanh"
        assert [op.name for op in g.get_operations()] == [
            "Placeholder", "Placeholder_1", "MatMul", "Tanh"]
