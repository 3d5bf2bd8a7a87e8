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


# (TF1's names: ``+`` is ``add``, ``x[0:1]`` is array_ops._slice_helper's ``strided_slice``)
EXPECTED = ["Placeholder", "Tanh", "s/Tanh", "s/Tanh_1", "s/add", "Tanh_1", "Tanh_2",
            "s_1/Tanh", "s_1/t/concat", "s_1/t/strided_slice", "Tanh_3", "Exp"]


def test_names_are_the_creation_order_ones():
    g = _build()
    assert [op.name for op in g.get_operations()] == EXPECTED


def test_a_lookup_by_name_names_the_pending_ops_first():
    g = _build()
    assert g.get_operation_by_name("Tanh_2") is g.get_operations()[6]
    assert g.get_tensor_by_name("s_1/t/strided_slice:0").op is g.get_operations()[9]
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


def _named_ops():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (7, 13))     # shapes no other test builds
        t = tf.transpose(x)                         # "transpose" (no "Transpose" kept)
        tf.concat([x, x], 0)
        tf.concat([x, x], 0, name="concat")
        tf.matmul(x, t, name="mm")
        with tf.name_scope("q"):
            tf.concat([x, x], 1)
        tf.add_n([x, x, x], name="total")
        tf.tanh(x, name="Tanh")
        tf.tanh(x)
    return [op.name for op in g.get_operations()]


def test_names_do_not_depend_on_the_rule_cache():
    first = _named_ops()                # the shape rules run (names made at once) ...
    assert _named_ops() == first        # ... then their outcomes are cached (names deferred)
    # TF1 creates each op with its given name, never its type's first: transpose (not
    # transpose_1 after Transpose), and the op named "Tanh" is Tanh
    assert first[:6] == ["Placeholder", "transpose", "concat", "concat_1", "mm", "q/concat"]
    assert first[-3:] == ["total", "Tanh", "Tanh_1"]


def test_names_made_amid_pending_ones_that_could_clash():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3,))
        tf.tanh(tf.tanh(x))
        with tf.name_scope("Tanh"):                 # a scope named like the pending ops
            tf.tanh(x)
        tf.constant(1.0, name="tanh_2")             # a pending op's suffixed name
        tf.tanh(x)
        f = tf.constant(2.0)                        # no clash: the pending ops stay so
        h = tf.tanh(x) + f
        with tf.name_scope("add"):
            tf.tanh(h)
        with tf.name_scope("s"):
            tf.identity(tf.tanh(x), name="q/r")
        tf.placeholder(tf.float32, (3,), name="Add_1")
        tf.concat([x, x], 0)
        tf.concat([x, x], 0, name="ConcatV2")
        tf.concat([x, x], 0, name="concat_1")
        tf.concat([x, x], 0)
    assert [op.name for op in g.get_operations()] == [
        "Placeholder", "Tanh", "Tanh_1", "Tanh_2/Tanh", "tanh_2_1", "Tanh_3", "Const", "Tanh_4",
        "add", "add_1/Tanh", "s/Tanh", "s/q/r", "Add_1_1", "concat", "ConcatV2", "concat_1",
        "concat_2"]     # (TF1: "+" is add; a concat named ConcatV2 is ConcatV2, never reserved)


def test_threads_asking_for_names_at_once_get_them_all():
    import threading

    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3,))
        ts = [tf.tanh(x) for _ in range(2000)]
    seen: list = [None, None]
    start = threading.Barrier(2)

    def read(k):
        start.wait()
        seen[k] = [t.op.name for t in reversed(ts)]

    threads = [threading.Thread(target=read, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    expected = ["Tanh"] + [f"Tanh_{i}" for i in range(1, 2000)]
    assert seen[0] == seen[1] == expected[::-1]


def _consts_and_placeholders(read_each: bool) -> list:
    """Constants, placeholders and weak numbers with names that clash with each other's and
    with types; ``read_each``: each op's name asked for as soon as it is made (names at once)."""
    g = tf.Graph()
    with g.as_default():
        def k(t):
            if read_each:
                assert t.op.name
            return t
        x = k(tf.placeholder(tf.float32, (3,), name="Const"))
        k(tf.constant(1.0))
        k(tf.constant(2.0, name="Placeholder"))
        k(x * 2.0)
        k(x * 2.0)
        k(tf.placeholder(tf.float32, (3,)))
        with tf.name_scope("s"):
            k(tf.constant(3.0, name="x"))
            k(tf.placeholder(tf.float32, name="Const_1"))
            k(1.0 - x)
        k(tf.constant(4.0, name="s/y"))             # a name with a scope in it
        k(tf.constant(5.0, name="const"))           # (names are unique without case)
        k(tf.placeholder(tf.float32, (3,), name="mul"))
        k(x * 3.0)
        k(tf.constant(6.0, name="Const_5"))
        k(tf.constant(7.0, name=""))
    return [op.name for op in g.get_operations()]


def test_constants_and_placeholders_are_named_as_when_names_were_made_at_once():
    assert _consts_and_placeholders(False) == _consts_and_placeholders(True) == [
        "Const", "Const_1", "Placeholder", "Const_2", "mul", "Const_3", "mul_1", "Placeholder_1",
        "s/x", "s/Const_1", "s/Const", "s/sub", "s/y", "const_4", "mul_2", "Const_5", "mul_3",
        "Const_5_1", "Const_6"]
    with tf.Graph().as_default():
        c = tf.constant(1.0, name="c")
        p = tf.placeholder(tf.float32, (2,), name="p")
        assert c.op._name is None and p.op._name is None       # (waiting for their names)
        assert (c.name, p.name) == ("c:0", "p:0")
