"""Issue 19, a graph built per batch: TanhGrad's kernel for known shapes
(``known_shapes.tanh_grad32``) and the node location ``StaticFrontend.apply`` records without
calling ``_user_location`` (its two common cases inline)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu import known_shapes, transcendental
from dlcore.ops.elementwise import tanh_grad_p
from dlcore.registry import AVal
from dlcore_static import _locations
from dlcore_static.graph import format_location

_F32 = np.dtype(np.float32)


def _step_fn(sess, t, feed):
    plan = sess.plan([t], feed)
    plan = getattr(plan, "original", plan)      # (a plan the pipeline optimises later)
    return next((fn for fn, _, _, _, op in plan.steps if op is t.op), None)


def _awkward(rng, shape):
    v = rng.standard_normal(shape).astype(np.float32) * 4
    v.flat[:4] = [np.inf, -np.inf, np.nan, 1e-42]         # (a subnormal)
    return v


def test_tanh_grad_of_known_float32_shapes_is_the_loop_with_the_kernels_bits(fresh_graph,
                                                                           static_passes):
    rng = np.random.default_rng(3)
    gv, tv = _awkward(rng, (3, 32)), np.tanh(_awkward(rng, (3, 32)))
    g = tf.placeholder(tf.float32, (3, 32), name="g")
    t = tf.placeholder(tf.float32, (3, 32), name="t")
    y = tanh_grad_p.bind(g, t)
    assert y.op.type == "TanhGrad" and y.op._kernel is not None
    with tf.Session() as s:
        step = _step_fn(s, y, {g: gv, t: tv})
        assert getattr(step, "__name__", "") == "tanh_grad32" or \
            (step is None and static_passes == "passes")
        got = s.run(y, {g: gv, t: tv})
    np.testing.assert_array_equal(got, transcendental.tanh_grad(gv, tv))
    with np.errstate(all="ignore"):
        want = gv * (1 - tv * tv)                        # (NumPy's three roundings)
    np.testing.assert_array_equal(got, want)


def test_tanh_grad32_sends_what_the_avals_cannot_promise_to_the_kernel():
    a = AVal((4, 8), _F32)
    run = known_shapes.tanh_grad32(transcendental.tanh_grad, (a, a), {}, a)
    rng = np.random.default_rng(4)
    wide_g, wide_t = rng.standard_normal((4, 16)).astype(np.float32), \
        np.tanh(rng.standard_normal((4, 16))).astype(np.float32)
    g, t = wide_g[:, :8], wide_t[:, ::2]                 # strided views: not C-contiguous
    assert not g.flags.c_contiguous
    out = run(g, t)
    np.testing.assert_array_equal(out, g * (1 - t * t))
    gc, tc = np.ascontiguousarray(g), np.ascontiguousarray(t)
    fast = run(gc, tc)
    assert fast.dtype is _F32 and fast.shape == (4, 8) and fast.flags.c_contiguous
    np.testing.assert_array_equal(fast, out)
    g64 = gc.astype(np.float64)                          # not the promised dtype: the kernel's
    np.testing.assert_array_equal(run(g64, tc), transcendental.tanh_grad(g64, tc))


@pytest.mark.parametrize("avals", [
    ((4, 8), (4, 8), np.float64),          # float64: the kernel's NumPy form
    ((None, 8), (None, 8), np.float32),    # a size known at run time only
    ((4, 8), (1, 8), np.float32),          # other shapes
    ((), (), np.float32),                  # 0-d
])
def test_tanh_grad_of_other_avals_keeps_the_kernel(avals):
    sa, sb, d = avals
    a, b = AVal(sa, np.dtype(d)), AVal(sb, np.dtype(d))
    assert known_shapes.tanh_grad32(transcendental.tanh_grad, (a, b), {}, a) is None
    f = AVal((4, 8), _F32)
    assert known_shapes.tanh_grad32(lambda g, t: g, (f, f), {}, f) is None   # a replaced kernel


def test_a_nodes_location_is_the_users_line_from_a_new_file_and_a_known_one(tmp_path):
    # the first op made from a file the location walk has not met yet takes the walk
    # (_user_location), later ones the inline case: both name the file and line of the call
    src = tmp_path / "pgbatch9_user_model.py"
    src.write_text("def build(tf, x):\n"
                   "    a = tf.tanh(x)\n"
                   "    b = a + x\n"
                   "    return a, b\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import pgbatch9_user_model as m
        assert str(src) not in _locations._SKIPPED_FILES
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, (2, 3), name="x")
            a, b = m.build(tf, x)
            assert _locations._SKIPPED_FILES[str(src)] is False
            a2, b2 = m.build(tf, x)
        for t, line in ((a, 2), (b, 3), (a2, 2), (b2, 3)):
            assert t.op.defined_at == f"{os.path.basename(str(src))}:{line}"
            assert format_location(t.op._defined_at) == t.op.defined_at
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("pgbatch9_user_model", None)


def test_nodes_made_by_tf_gradients_are_located_at_its_call():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (2, 3), name="x")
        y = tf.tanh(x * x)
        line = sys._getframe().f_lineno + 1
        (dx,) = tf.gradients(y, [x])
        made = [op for op in dx.graph.get_operations() if op.name.startswith("gradients/")]
        assert made and dx.op in made
        for op in made:
            assert op.defined_at == f"{os.path.basename(__file__)}:{line}", op.name


def test_a_slice_and_a_concat_key_their_rule_outcome_as_the_general_path(monkeypatch):
    # tf.concat's and x[a:b]'s fast calls key the shape rule's outcome themselves (plain=True):
    # the second node of each finds the outcome the first one's rule left (no second rule run),
    # and the nodes are the general path's
    from dlcore_static import frontend
    runs = []
    real = frontend._checked_eval
    monkeypatch.setattr(frontend, "_checked_eval",
                        lambda prim, avals, params, name: runs.append(prim.name) or
                        real(prim, avals, params, name))
    frontend._RULE_OUTPUTS.clear()
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (5, 7), name="x")
        a1, a2 = x[1:3], x[1:3]
        c1, c2 = tf.concat([a1, a2], 1), tf.concat([a2, a1], 1)
        assert runs == ["getitem", "concatenate"]
        assert a1.op.params == a2.op.params == {"idx": (("slice", 1, 3, None),)}
        assert c1.op.params == c2.op.params == {"axis": 1}
        assert [t.op.name for t in (a1, a2, c1, c2)] == \
            ["strided_slice", "strided_slice_1", "concat", "concat_1"]
        assert c2.shape.as_list() == [2, 14] and a1.op._kernel is a2.op._kernel is not None
        xv = np.arange(35, dtype=np.float32).reshape(5, 7)
        with tf.Session() as s:
            got = s.run(c2, {x: xv})
    np.testing.assert_array_equal(got, np.concatenate([xv[1:3], xv[1:3]], 1))
    frontend._RULE_OUTPUTS.clear()


@pytest.mark.parametrize("made,pending_name,clash", [
    ("w", "w_out", True),           # a pending name extends the new one with "_..."
    ("w_out", "w", True),           # the new name extends a pending one
    ("w_out_2", "w_out", True),     # (at its second underscore)
    ("w_out_2", "w", True),         # (at its first)
    ("out", "w_out", False),        # a suffix is no clash
    ("wx", "w", False),             # a prefix without "_" is none either
    ("W", "w", True),               # keys are lower-case
    ("scope/w", "w_1", True),       # the last part of a scoped name counts
])
def test_a_name_made_amid_pending_ones_flushes_them_only_when_they_may_clash(made, pending_name,
                                                                           clash):
    # a name made now (a placeholder's, a constant's) while other nodes wait for theirs: the
    # waiting names are made first only when the two could interact (_may_clash), and either
    # way every name is the one a graph that made all names at once gives
    def build(flush_first):
        with tf.Graph().as_default():   # (the rules' outcomes known: the nodes below wait)
            x0 = tf.placeholder(tf.float32, (2,))
            tf.concat([x0, x0], 0), tf.tanh(x0)
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, (2,), name="x")
            y = tf.concat([x, x], 0, name=pending_name)     # (its name still pending)
            t = tf.tanh(x)
            assert y.op._name is None and t.op._name is None
            if flush_first:
                g._flush_names()
            else:
                assert g._may_clash(made) is clash
            name = g.unique_name(made)
            if not flush_first:
                assert (y.op._name is not None) is clash    # (made first only on a clash)
            return name, y.op.name, t.op.name
    assert build(False) == build(True)
    assert build(False)[1] == pending_name


def test_concat_rows_is_ops_concatenate_node_for_node():
    from dlcore.ops.shape import concatenate
    from dlcore_static._grad_products import concat_rows
    with tf.Graph().as_default():
        a = tf.placeholder(tf.float32, (2, 3), name="a")
        b = tf.placeholder(tf.float32, (1, 3), name="b")
        c = tf.placeholder(tf.float64, (1, 3), name="c")
        for xs in ([a, b, a], [a, c]):                  # (mixed dtypes: cast as there)
            got, want = concat_rows(xs), concatenate(xs, 0)
            assert got.op.type == want.op.type and got.op.params == want.op.params
            assert got.aval == want.aval and got.op.prim is want.op.prim
            assert [t.op.type for t in got.op.inputs] == [t.op.type for t in want.op.inputs]
        assert concat_rows([a]) is a
        with pytest.raises(ValueError, match="concatenate|ConcatV2|rank|Shapes"):
            concat_rows([a, tf.placeholder(tf.float32, (2, 4))])    # (the rule's own error)
        with tf.Session() as s:
            av, bv = np.ones((2, 3), np.float32), np.full((1, 3), 2, np.float32)
            np.testing.assert_array_equal(s.run(concat_rows([a, b, a]), {a: av, b: bv}),
                                          np.concatenate([av, bv, av]))


def test_the_gradient_products_keys_are_rule_keys_parts():
    # _grad_products hands StaticFrontend.apply its MatMuls' key parts (plain=_TA/_TB): they
    # must be _rule_key's, or the rule would run again and the hint differ
    from dlcore.ops.linalg import matmul_p
    from dlcore_static import _grad_products, frontend
    a = AVal((2, 3), _F32)
    for flags, part in (((True, False), _grad_products._TA), ((False, True), _grad_products._TB)):
        params = {"transpose_a": flags[0], "transpose_b": flags[1]}
        assert frontend._rule_key(matmul_p, (a, a), params) == (matmul_p, (a, a), part)


@pytest.mark.parametrize("n", [2, 5, 300])
def test_tanh_grad_of_a_shape_set_but_not_held_runs_on_the_actual_arrays(fresh_graph,
                                                                         static_passes, n):
    # review23 PG1: set_shape refines the static shape and no run checks it (TF 1.15 neither):
    # the TanhGrad node's avals say (2, 32), a (n, 32) batch runs; its gradient is (n, 32)
    x = tf.placeholder(tf.float32, [None, 32], name="x")
    y = tf.tanh(x)
    y.set_shape([2, 32])
    (g,) = tf.gradients(tf.reduce_sum(y * 3.0), [x])
    xv = np.random.default_rng(n).standard_normal((n, 32)).astype(np.float32)
    with tf.Session() as s:
        got = s.run(g, {x: xv})
    t = np.tanh(xv)
    assert got.shape == (n, 32)
    np.testing.assert_allclose(got, 3.0 * (1 - t * t), rtol=1e-5, atol=1e-6)


def test_tanh_grad32_refuses_arrays_of_another_shape_than_promised():
    a = AVal((2, 32), _F32)
    run = known_shapes.tanh_grad32(transcendental.tanh_grad, (a, a), {}, a)
    rng = np.random.default_rng(5)
    for gs, ts in (((5, 32), (5, 32)), ((2, 32), (64,)), ((64,), (2, 32))):
        g = rng.standard_normal(gs).astype(np.float32)
        t = np.tanh(rng.standard_normal(ts)).astype(np.float32)
        if gs == ts:
            np.testing.assert_array_equal(run(g, t), transcendental.tanh_grad(g, t))
        else:
            with pytest.raises(ValueError):
                run(g, t)                       # (the kernel's NumPy broadcast error)
