"""``Graph.as_default()`` and ``name_scope()`` are context-manager classes (a graph per batch
enters both each step, issue 19), decorators as the generators they replaced were: a decorated
function gets a fresh scope per call (recursion, threads), and no use leaks a scope or a default
graph into what is built after it (review21 P1)."""

from __future__ import annotations

import threading

import dlcore_static as tf


def test_a_decorated_recursive_function_leaves_no_scope_behind():
    with tf.Graph().as_default() as g:
        @tf.name_scope("blk")
        def f(x, n):
            y = x * 2.0
            return f(y, n - 1) if n else y
        r = f(tf.constant(1.0), 1)
        after = tf.constant(3.0, name="after")
        assert r.name == "blk/blk/mul:0"             # each call's scope inside the caller's
        assert g.get_name_scope() == "" and after.name == "after:0"


def test_one_scope_object_entered_inside_itself_restores_each_scope():
    with tf.Graph().as_default() as g:
        cm = tf.name_scope("outer")
        with cm as outer:
            with cm as inner:
                a = tf.constant(1.0, name="a")
            b = tf.constant(1.0, name="b")
        d = tf.constant(1.0, name="d")
        assert (outer, inner) == ("outer/", "outer/outer/")
        assert (a.name, b.name, d.name) == ("outer/outer/a:0", "outer/b:0", "d:0")
        assert g.get_name_scope() == ""


def test_scopes_and_default_graphs_are_restored_after_errors_and_in_threads():
    g = tf.Graph()
    try:
        with g.as_default(), g.name_scope("s"):
            raise KeyError("boom")
    except KeyError:
        pass
    assert tf.get_default_graph() is not g and g.get_name_scope() == ""

    @g.as_default()
    def build(out, i):
        out[i] = tf.get_default_graph()

    out: dict = {}
    threads = [threading.Thread(target=build, args=(out, i)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(v is g for v in out.values()) and len(out) == 3
    assert tf.get_default_graph() is not g
    with g.as_default() as h:
        assert h is g and tf.get_default_graph() is g
