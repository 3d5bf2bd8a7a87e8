"""Parts of a node that many nodes share (issue 19: a graph built per batch is freed by the
cyclic collector, which walks every container it holds): the ``(code, offset)`` location of
the line that built it (``_locations.location``), the ``(scope, name)`` entry of a pending
name (``_graph_names.scoped_name``) and a slice's canonical index (``array_ops._SLICE_INDEX``)
are one tuple each, however many nodes use them.  Same locations, names and values as one
tuple per node gave; each cache bounded."""

from __future__ import annotations

import gc

import numpy as np

import dlcore_static as tf
from dlcore_static import _graph_names, _locations, array_ops

HERE = "test_shared_node_parts.py"


def _tree_nodes(x, w, depth):
    """A small recursive net's nodes: every level's nodes built at the same lines."""
    if depth == 0:
        return x[1:2]
    h = tf.concat([_tree_nodes(x, w, depth - 1), _tree_nodes(x, w, depth - 1)], 1)
    return tf.tanh(tf.matmul(h, w))


def test_nodes_built_at_one_line_share_their_location(fresh_graph):
    x = tf.placeholder(tf.float32, (4, 3), name="x")
    w = tf.placeholder(tf.float32, (6, 3), name="w")
    _tree_nodes(x, w, 2)                            # (the shape rules' outcomes cached)
    out = _tree_nodes(x, w, 3)
    tanhs = [op for op in fresh_graph.get_operations()[-30:] if op.type == "Tanh"]
    assert len(tanhs) >= 4
    assert all(type(op._defined_at) is tuple for op in tanhs)
    assert len({id(op._defined_at) for op in tanhs}) == 1         # one tuple, shared
    line = _tree_nodes.__code__.co_firstlineno + 5
    assert {op.defined_at for op in tanhs} == {f"{HERE}:{line}"}
    assert out.op.defined_at == f"{HERE}:{line}"
    # (formatting a node's location leaves the shared tuple as it was, for the next nodes)
    again = _tree_nodes(x, w, 1)
    assert type(again.op._defined_at) is tuple and again.op.defined_at == f"{HERE}:{line}"


def test_locations_stay_right_when_the_cache_is_cleared(fresh_graph, monkeypatch):
    monkeypatch.setattr(_locations, "_LOCATIONS_MAX", 1)
    x = tf.placeholder(tf.float32, (2,), name="x")
    a = tf.tanh(x); b = tf.exp(x)                   # noqa: E702 - one line, two nodes
    c = tf.sin(x)
    assert a.op.defined_at == b.op.defined_at
    assert int(c.op.defined_at.rsplit(":", 1)[1]) == int(a.op.defined_at.rsplit(":", 1)[1]) + 1
    assert len(_locations._LOCATIONS) <= 1
    loc = _locations.location(test_locations_stay_right_when_the_cache_is_cleared.__code__, 6)
    assert loc == (test_locations_stay_right_when_the_cache_is_cleared.__code__, 6)


def test_pending_names_share_their_scope_and_name(fresh_graph, monkeypatch):
    x = tf.placeholder(tf.float32, (4, 3), name="x")
    w = tf.placeholder(tf.float32, (6, 3), name="w")
    _tree_nodes(x, w, 1)
    start = len(fresh_graph._ops)
    with tf.name_scope("layer"):
        _tree_nodes(x, w, 2)
    entries = fresh_graph._pending[1::2]
    ops = fresh_graph._pending[0::2]
    concat = [e for op, e in zip(ops, entries) if op._id >= start and op.type == "ConcatV2"]
    assert len(concat) == 3 and concat[0] == ("layer", "concat")
    assert all(e is concat[0] for e in concat)                    # one tuple, shared
    names = [op.name for op in fresh_graph.get_operations()[start:]]
    assert names[:3] == ["layer/strided_slice", "layer/strided_slice_1", "layer/concat"]
    assert "layer/concat_2" in names and "layer/Tanh_2" in names
    monkeypatch.setattr(_graph_names, "_SCOPED_MAX", 1)
    _graph_names._SCOPED.clear()            # (a cache: what other tests put there goes)
    assert _graph_names.scoped_name("s", "a") == ("s", "a")
    assert _graph_names.scoped_name("s", "b") == ("s", "b")
    assert _graph_names.scoped_name("t", "a") == ("t", "a") and len(_graph_names._SCOPED) == 1


def test_a_slices_index_is_shared_and_leaves_its_parameters_untracked(fresh_graph):
    array_ops._SLICE_INDEX.clear()          # (new tuples: none an earlier test made, which a
    x = tf.placeholder(tf.float32, (5, 3), name="x")    # gc.freeze may hold out of sight)
    a, b, c = x[1:2], x[1:2], x[0:4:2]
    assert a.op.params["idx"] is b.op.params["idx"] == (("slice", 1, 2, None),)
    assert c.op.params["idx"] == (("slice", 0, 4, 2),)
    gc.collect()                            # (the collector's first look untracks the tuple:
    gc.collect()                            # then a new node's parameters hold no container)
    d = x[1:2]
    assert not gc.is_tracked(d.op.params["idx"]) and not gc.is_tracked(d.op.params)
    xv = np.arange(15, dtype=np.float32).reshape(5, 3)
    with tf.Session() as s:
        got = s.run([a, b, c, d], {x: xv})
    for g, want in zip(got, (xv[1:2], xv[1:2], xv[0:4:2], xv[1:2])):
        np.testing.assert_array_equal(g, want)
    array_ops._SLICE_INDEX.clear()
    assert x[1:2].op.params["idx"] == (("slice", 1, 2, None),)
