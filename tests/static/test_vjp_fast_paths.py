"""The direct cases for a graph built per batch (issue 19), each in its primitive's own rule in
dlcore, for graph values: an add of two operands of the cotangent's shape passes the cotangent
through, and a real tanh's gradient is one TanhGrad node, without the rules' thunks and call
layers (tanh's complex wrapper, ``complex_ops._conj_vjp``, is skipped for a real output by
``gradients.op_vjp`` through ``complex_ops.REAL_RULES``).  They must give what the primitives'
own rules give (``prim.vjp``: the same tensors, the same nodes), and leave every other case to
those rules (a broadcast add sums)."""

from __future__ import annotations

import sys

import numpy as np

import dlcore_static as tf
from dlcore.ops.elementwise import add_p, tanh_p

_grads = sys.modules["dlcore_static.gradients"]


def _seed(t):
    return tf.ones_like(t)


def _rule(prim, g, t):
    """The cotangents the primitive's own rule gives, its thunks called."""
    res = prim.vjp(g, t, *t.op.inputs, **t.op.params)
    return tuple(r() if callable(r) and not isinstance(r, tf.Tensor) else r for r in res)


def test_an_add_of_one_shape_passes_the_cotangent_through_as_its_rule(fresh_graph):
    x = tf.placeholder(tf.float32, (2, 3), name="x")
    y = tf.placeholder(tf.float32, (2, 3), name="y")
    s = x + y
    g = _seed(s)
    n = len(fresh_graph.get_operations())
    fast = _grads.op_vjp(s, g)
    assert fast[0] is g and fast[1] is g
    assert len(fresh_graph.get_operations()) == n           # no node made
    assert all(a is b for a, b in zip(fast, _rule(add_p, g, s)))


def test_a_broadcast_add_is_left_to_its_rule_which_sums(fresh_graph):
    x = tf.placeholder(tf.float32, (2, 3), name="x")
    b = tf.placeholder(tf.float32, (3,), name="b")
    r = tf.placeholder(tf.float32, (1, 3), name="r")
    loss = tf.reduce_sum(tf.tanh(x + b) * tf.tanh(x + r) * np.arange(6, dtype=np.float32)
                         .reshape(2, 3))
    gx, gb, gr = tf.gradients(loss, [x, b, r])
    assert gb.shape.as_list() == [3] and gr.shape.as_list() == [1, 3]
    rng = np.random.default_rng(0)
    xv, bv, rv = (rng.standard_normal(s).astype(np.float32) for s in ((2, 3), (3,), (1, 3)))
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    u, v = np.tanh(xv + bv), np.tanh(xv + rv)
    du, dv = w * v * (1 - u * u), w * u * (1 - v * v)
    with tf.Session() as sess:
        got = sess.run([gx, gb, gr], {x: xv, b: bv, r: rv})
    np.testing.assert_allclose(got[0], du + dv, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], du.sum(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], dv.sum(0, keepdims=True), rtol=1e-5, atol=1e-6)


def test_tanh_gives_the_one_tanhgrad_node_of_its_rule(fresh_graph):
    x = tf.placeholder(tf.float32, (2, 3), name="x")
    t = tf.tanh(x)
    g = _seed(t)
    fast = _grads.op_vjp(t, g)
    rule = _rule(tanh_p, g, t)
    assert len(fast) == len(rule) == 1
    a, b = fast[0].op, rule[0].op
    assert a.type == b.type == "TanhGrad"
    assert a.inputs == b.inputs == (g, t) and a.params == b.params
    assert fast[0].aval == rule[0].aval
    xv = np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)
    with tf.Session() as sess:
        got, ref = sess.run([fast[0], rule[0]], {x: xv})
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_allclose(got, 1 - np.tanh(xv) ** 2, rtol=1e-6)


def test_every_holomorphic_wrapper_maps_to_the_rule_it_calls_for_real_outputs():
    from dlcore.ops import complex_ops, elementwise
    from dlcore.registry import PRIMITIVES
    assert complex_ops.REAL_RULES[tanh_p.vjp] is elementwise._tanh_vjp
    assert tanh_p.vjp.__wrapped__ is elementwise._tanh_vjp
    for name in complex_ops.HOLOMORPHIC:
        vjp = PRIMITIVES[name].vjp
        if getattr(vjp, "__name__", "") == "complex_vjp":
            assert complex_ops.REAL_RULES[vjp] is vjp.__wrapped__, name


def test_tanh_rule_called_by_op_vjp_without_its_wrapper(fresh_graph, monkeypatch):
    # a real output: op_vjp calls the rule the wrapper wraps (REAL_RULES), not the wrapper
    from dlcore.ops import complex_ops
    calls = []
    rule = tanh_p.vjp.__wrapped__

    def spy(*a, **k):
        calls.append(a[1])
        return rule(*a, **k)

    monkeypatch.setitem(complex_ops.REAL_RULES, tanh_p.vjp, spy)
    x = tf.placeholder(tf.float64, (2, 2), name="x")
    t = tf.tanh(x)
    (d,) = _grads.op_vjp(t, _seed(t))
    assert calls == [t] and d.op.type == "TanhGrad" and d.op.inputs[1] is t


# -- op_vjp's direct cases (tanh's TanhGrad, an add's pass-through made in op_vjp itself,
# without the rule's call layers): after an unbuilt cotangent is made dense, and never for an
# overridden gradient or a replaced rule
def test_tanh_whose_cotangent_arrives_unbuilt_gets_the_rules_node(fresh_graph):
    x = tf.placeholder(tf.float32, (1, 3), name="x")
    z = tf.placeholder(tf.float32, (1, 2), name="z")
    w = tf.placeholder(tf.float32, (5, 4), name="w")
    y = tf.tanh(x)
    out = tf.matmul(tf.concat([y, z], 1), w)        # y's cotangent: a piece of g @ w^T
    loss = tf.reduce_sum(out * out)
    (gx,) = tf.gradients(loss, [x])
    tg = [op for op in fresh_graph.get_operations() if op.type == "TanhGrad"]
    assert len(tg) == 1 and tg[0].inputs[1] is y and tg[0].inputs[0].op.type == "MatMul"
    rng = np.random.default_rng(1)
    xv, zv, wv = (rng.standard_normal(s).astype(np.float32) for s in ((1, 3), (1, 2), (5, 4)))
    yv = np.tanh(xv)
    o = np.concatenate([yv, zv], 1) @ wv
    want = ((2 * o) @ wv.T)[:, :3] * (1 - yv * yv)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(gx, {x: xv, z: zv, w: wv}), want, rtol=1e-5,
                                   atol=1e-6)


def test_an_overridden_tanh_or_add_gradient_is_the_overrides(fresh_graph):
    name = f"double_{id(fresh_graph)}"

    @tf.RegisterGradient(name)
    def _double(op, g):
        return [g * 2.0 for _ in op.inputs]

    x = tf.placeholder(tf.float32, (2,), name="x")
    with fresh_graph.gradient_override_map({"Tanh": name, "Add": name}):
        y = tf.tanh(x) + x
    gx = tf.gradients(tf.reduce_sum(y), x)[0]
    assert not [op for op in fresh_graph.get_operations() if op.type == "TanhGrad"]
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(gx, {x: np.array([0.3, -1.0], np.float32)}),
                                   [6.0, 6.0])       # (2 * 2 through tanh's override, + 2)


def test_a_replaced_add_rule_is_called(fresh_graph, monkeypatch):
    calls = []
    rule = add_p.vjp

    def spy(*a, **k):
        calls.append(1)
        return rule(*a, **k)
    monkeypatch.setattr(add_p, "vjp", spy)
    x = tf.placeholder(tf.float32, (2, 3), name="x")
    s = x + x
    g = _seed(s)
    assert _grads.op_vjp(s, g) == (g, g) and calls == [1]


def test_a_matmuls_cotangents_are_its_unbuilt_products_and_an_unneeded_one_is_never_built(
        fresh_graph):
    # op_vjp gives a real 2-D MatMul's cotangents as the unbuilt products themselves (no
    # thunks): no node is made until the pass builds one, and none for an input not needed
    P = sys.modules["dlcore_static._grad_products"]
    x = tf.placeholder(tf.float32, (2, 3), name="x")
    z = tf.placeholder(tf.float32, (2, 2), name="z")
    w = tf.placeholder(tf.float32, (5, 4), name="w")
    out = tf.matmul(tf.concat([x, z], 1), w)
    g = _seed(out)
    n = len(fresh_graph.get_operations())
    da, dw = _grads.op_vjp(out, g)
    assert type(da) is P.LeftProduct and da.g is g and da.b is w
    assert type(dw) is P.Products and dw.lefts == [out.op.inputs[0]] and dw.gs == [g]
    assert da.aval == out.op.inputs[0].aval and dw.aval == w.aval
    assert len(fresh_graph.get_operations()) == n           # no node made
    loss = tf.reduce_sum(out * out)
    n = len(fresh_graph.get_operations())
    (gw,) = tf.gradients(loss, [w])
    mm = [op for op in fresh_graph.get_operations()[n:] if op.type == "MatMul"]
    assert [(op.params["transpose_a"], op.params["transpose_b"]) for op in mm] == [(True, False)]
    (gx,) = tf.gradients(loss, [x])
    rng = np.random.default_rng(2)
    xv, zv, wv = (rng.standard_normal(s).astype(np.float32) for s in ((2, 3), (2, 2), (5, 4)))
    a = np.concatenate([xv, zv], 1)
    o = a @ wv
    with tf.Session() as sess:
        gwv, gxv = sess.run([gw, gx], {x: xv, z: zv, w: wv})
    np.testing.assert_allclose(gwv, a.T @ (2 * o), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gxv, ((2 * o) @ wv.T)[:, :3], rtol=1e-5, atol=1e-5)


def test_a_pieces_rows_of_the_right_factor_are_the_node_bind_makes(fresh_graph):
    # LeftProduct.split's piece of columns 3:5 makes b[3:5] with StaticFrontend.apply directly:
    # the node bind(getitem_p, b, idx=...) makes (type, inputs, parameters, output, kernel)
    from dlcore.ops.indexing import getitem_p
    from dlcore.registry import bind
    P = sys.modules["dlcore_static._grad_products"]
    g = tf.placeholder(tf.float32, (2, 4), name="g")
    w = tf.placeholder(tf.float32, (5, 4), name="w")
    x = tf.placeholder(tf.float32, (2, 3), name="x")
    z = tf.placeholder(tf.float32, (2, 2), name="z")
    lp = P.LeftProduct(g, w, tf.concat([x, z], 1).op.outputs[0].aval)
    piece = lp.split((x, z))[1]()
    assert type(piece) is P.LeftProduct and piece.g is g and piece.aval == z.aval
    rows = piece.b
    ref = bind(getitem_p, w, idx=(("slice", 3, 5, None),))
    assert rows.op.type == ref.op.type == "StridedSlice"
    assert rows.op.inputs == ref.op.inputs == (w,)
    assert rows.op.params == ref.op.params == {"idx": (("slice", 3, 5, None),)}
    assert rows.aval == ref.aval and rows.op._kernel == ref.op._kernel
    assert (rows.op.name, ref.op.name) == ("StridedSlice", "StridedSlice_1")
    wv = np.arange(20, dtype=np.float32).reshape(5, 4)
    gv = np.ones((2, 4), np.float32)
    with tf.Session() as sess:
        rv, pv = sess.run([rows, piece.dense()], {w: wv, g: gv})
    np.testing.assert_array_equal(rv, wv[3:5])
    np.testing.assert_allclose(pv, gv @ wv[3:5].T, rtol=1e-6)
