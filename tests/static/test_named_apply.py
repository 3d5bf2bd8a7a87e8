"""``StaticFrontend.apply(prim, args, params, name)`` names the node it makes as
``constant_op.rename(apply(prim, args, params), name, first)`` did after the call (tf.concat's
and a slice's fast paths, issue 19): the same names in every case the naming distinguishes (a
name scope, a name with '/', clashes with pending and named ops, a graph with control
dependencies, inputs that are lifted, a shape rule that runs, a name already taken)."""

from __future__ import annotations

import numpy as np

import dlcore_static as tf
from dlcore.ops.indexing import getitem_p
from dlcore.ops.shape import concatenate_p
from dlcore_static import constant_op
from dlcore_static.frontend import StaticFrontend


def _named(prim, args, params, name):
    return StaticFrontend.apply(prim, args, params, name)


def _renamed(prim, args, params, name):       # (the two calls the name replaces)
    g = tf.get_default_graph()
    first = len(g._ops)
    return constant_op.rename(StaticFrontend.apply(prim, args, params), name, first)


def _program(make):
    x = tf.placeholder(tf.float32, (2, 3), name="x")
    y = tf.placeholder(tf.float32, (2, 3), name="y")
    out = [make(concatenate_p, (x, y), {"axis": 1}, "concat")]
    out.append(tf.tanh(out[-1]))                                # a pending op in between
    out.append(make(concatenate_p, (x, out[0][:, :3]), {"axis": 0}, "concat"))
    with tf.name_scope("scope"):
        out.append(make(getitem_p, (x,), {"idx": (("slice", 0, 1, None),)}, "strided_slice"))
        out.append(make(concatenate_p, (x, y), {"axis": 0}, "part/concat"))   # (a '/')
        made = [tf.get_default_graph().unique_name("part/concat")]  # (made at once: the
        out.append(make(concatenate_p, (x, y), {"axis": 0}, "concat"))    # pending op first)
        made.append(tf.get_default_graph().unique_name("concat"))
        out.append(tf.identity(x, name="concat"))
    out.append(make(concatenate_p, (x, y), {"axis": 0}, "x"))  # a name already taken
    out.append(make(concatenate_p, (x, y), {"axis": 0}, None))
    out.append(make(concatenate_p, (x, np.ones((2, 3), np.float32)), {"axis": 0}, "lifted"))
    out.append(make(concatenate_p, (x, y[:, :2]), {"axis": 1}, "rule_runs"))
    with tf.control_dependencies([out[0].op]):                  # (no longer a plain graph)
        out.append(make(concatenate_p, (x, y), {"axis": 1}, "concat"))
        out.append(make(getitem_p, (y,), {"idx": (("slice", 1, 2, None),)}, "strided_slice"))
    return x, y, out, made


def test_a_name_given_to_apply_is_the_name_rename_gave(fresh_graph):
    graphs = []
    for make in (_named, _renamed):
        g = tf.Graph()
        with g.as_default():
            x, y, out, made = _program(make)
            xv = np.arange(6, dtype=np.float32).reshape(2, 3)
            with tf.Session() as s:
                vals = s.run(out, {x: xv, y: xv * 2})
        graphs.append(([(op.name, op.type, [t.name for t in op.inputs],
                         [c.name for c in op.control_inputs]) for op in g.get_operations()],
                       vals, {op.name for op in g.get_operations()}, made))
    (ops, vals, names, made), (ops2, vals2, _, made2) = graphs
    assert ops == ops2 and made == made2 == ["scope/part/concat_1", "scope/concat_1"]
    for a, b in zip(vals, vals2):
        np.testing.assert_array_equal(a, b)
    assert {"concat", "concat_1", "scope/strided_slice", "scope/part/concat", "scope/concat",
            "x_1", "ConcatV2", "lifted", "rule_runs", "concat_2"} <= names
    got = {o[0]: o[2] for o in ops}         # (the pending ops took their names first)
    assert got["scope/part/concat"] == got["scope/concat"] == ["x:0", "y:0"]
    assert got["scope/concat_2"] == ["x:0"]
    assert len(ops) > 15


def test_tf_concat_and_slices_name_their_nodes_in_the_making(fresh_graph):
    e = tf.placeholder(tf.float32, (10, 4), name="E")
    rows = [e[i:i + 1] for i in range(3)]
    with tf.name_scope("tree"):
        h = tf.concat(rows[:2], 1)
        k = tf.concat([h, h], 0, name="pair")
    assert [r.op.name for r in rows] == ["strided_slice", "strided_slice_1", "strided_slice_2"]
    assert (h.op.name, k.op.name) == ("tree/concat", "tree/pair")
    g = tf.get_default_graph()
    assert g.get_operation_by_name("tree/concat") is h.op
    ev = np.arange(40, dtype=np.float32).reshape(10, 4)
    with tf.Session() as s:
        got = s.run(k, {e: ev})
    np.testing.assert_array_equal(got, np.concatenate([np.concatenate([ev[0:1], ev[1:2]], 1)] * 2))


def test_operators_name_their_nodes_as_rename_did(fresh_graph):
    """``x + y``, ``x - y``, ``x * y`` of two tensors of one dtype (_api's operator fast path):
    ``add``, ``sub``, ``mul`` made unique in their turn, as the rename after the node gave."""
    from dlcore.ops.elementwise import add_p, mul_p, sub_p

    def program(op):
        x = tf.placeholder(tf.float32, (2, 3), name="x")
        y = tf.placeholder(tf.float32, (2, 3), name="y")
        out = [op("add", add_p, x, y), op("mul", mul_p, x, y)]
        made = [tf.get_default_graph().unique_name("mul")]      # (made at once)
        with tf.name_scope("s"):
            out += [op("sub", sub_p, x, y), op("add", add_p, out[0], y)]
            made.append(tf.get_default_graph().unique_name("add"))
        out.append(op("add", add_p, x, 1.0))                      # (the general path)
        return x, y, out, made

    operators = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}
    results = []
    for op in (lambda n, p, a, b: operators[n](a, b), lambda n, p, a, b: _renamed(p, (a, b), {}, n)):
        g = tf.Graph()
        with g.as_default():
            x, y, out, made = program(op)
            xv = np.arange(6, dtype=np.float32).reshape(2, 3)
            with tf.Session() as s:
                vals = s.run(out, {x: xv, y: xv + 0.5})
        results.append(([(o.name, o.type, [t.name for t in o.inputs]) for o in g.get_operations()],
                        made, vals))
    (ops, made, vals), (ops2, made2, vals2) = results
    assert ops == ops2 and made == made2 == ["mul_1", "s/add_1"]
    assert [o[0] for o in ops if o[1] in ("Add", "Sub", "Mul")] == ["add", "mul", "s/sub", "s/add",
                                                                   "add_1"]
    for a, b in zip(vals, vals2):
        np.testing.assert_array_equal(a, b)
