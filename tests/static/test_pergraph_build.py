"""A graph built per batch (issue 19, the tree net's "new graph per batch" row): the fast paths
of building nodes and of a Session's first plan must give what the general paths give.

* ``plan._plain_steps`` (no device copies, no fed tensor in a cond branch) makes the same steps,
  slots and fields as ``build_plan``'s general loop;
* the shape-rule cache key of a one-parameter call (``frontend._rule_key``) is the general
  loop's key, and ``_plain_tuple`` refuses what it refused (bools, floats, NumPy ints);
* a shared transpose of ``tf.gradients`` is made in the same ``apply`` call (same names, one
  node per weight and call, the same values);
* a node's location is kept as (code, offset) and formatted with the line ``f_lineno`` gives.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.ops.indexing import getitem_p
from dlcore.registry import AVal
from dlcore_static import frontend as _fe
from dlcore_static import plan as _plan
from dlcore_static._locations import format_location, line_at

HERE = "test_pergraph_build.py"


def _same_steps(a: list, b: list) -> bool:
    """Steps equal, an executor's closure (made per plan) compared by its code."""
    def norm(steps):
        return [(getattr(fn, "__code__", fn), ins, out, params, op)
                for fn, ins, out, params, op in steps]
    return norm(a) == norm(b)


def _tree_graph():
    """A small tree net's loss and gradients (as the benchmark's graph per batch)."""
    rng = np.random.default_rng(0)
    ph = {k: tf.placeholder(tf.float32, s, name=k)
          for k, s in (("E", (10, 4)), ("W", (8, 4)), ("b", (1, 4)), ("w_out", (4, 1)))}

    def encode(node):
        if isinstance(node, int):
            return ph["E"][node:node + 1]
        h = tf.concat([encode(node[0]), encode(node[1])], 1)
        return tf.tanh(tf.matmul(h, ph["W"]) + ph["b"])

    roots = tf.concat([encode(((1, 2), 3)), encode((4, (5, (6, 1))))], 0)
    loss = tf.reduce_mean(tf.square(tf.matmul(roots, ph["w_out"]) - tf.constant([[0.5], [-1.0]])))
    grads = tf.gradients(loss, [ph[k] for k in ("E", "W", "b", "w_out")])
    feed = {ph["E"]: rng.standard_normal((10, 4)).astype(np.float32),
            ph["W"]: rng.standard_normal((8, 4)).astype(np.float32),
            ph["b"]: rng.standard_normal((1, 4)).astype(np.float32),
            ph["w_out"]: rng.standard_normal((4, 1)).astype(np.float32)}
    return loss, grads, feed


def _by_tensor(plan) -> list:
    """A plan's steps with each slot replaced by the tensor(s) it holds (the sweep numbers
    slots in another order than the passes), an executor's closure by its code."""
    of = {s: t for t, s in plan.slot_of.items()}

    def at(out, op):                # (a fed tensor's op that runs: its own slot, unlisted)
        return tuple(of[s] for s in range(out.start, out.stop)) if type(out) is slice \
            else of.get(out, ("own slot of", op))
    return [(getattr(fn, "__code__", fn), tuple(of[s] for s in ins), at(out, op), params, op)
            for fn, ins, out, params, op in plan.steps]


def _three_plans(s, leaves, fed, monkeypatch) -> tuple:
    """The plan of the sweep (``_swept``), of prune + ``_plain_steps``, of the general loop."""
    swept = _plan.build_plan(s, leaves, fed)
    monkeypatch.setattr(_plan, "_swept", lambda *a: False)
    plain = _plan.build_plan(s, leaves, fed)
    monkeypatch.setattr(_plan, "_HOST", frozenset())     # every op "off the host":
    general = _plan.build_plan(s, leaves, fed)            # the general loop
    monkeypatch.undo()
    for other in (plain, general):
        assert _by_tensor(swept) == _by_tensor(other)
        assert swept.ops == other.ops and swept.writes_state == other.writes_state
        assert (swept.nslots, swept.fed, swept.fetches) == \
            (other.nslots, other.fed, other.fetches)
        assert [swept.slot_of.get(t) for t in leaves] == list(swept.fetch_slots)
        assert [swept.slot_of[t] for t in fed] == list(swept.feed_slots)
        assert set(swept.feed_slots) == set(range(len(set(fed))))     # (fed first)
    return swept, plain, general


def test_plain_steps_are_the_general_loops_steps(fresh_graph, monkeypatch):
    loss, grads, feed = _tree_graph()
    leaves, fed = [loss, *grads], list(feed)
    with tf.Session() as s:
        swept, fast, general = _three_plans(s, leaves, fed, monkeypatch)
        assert _same_steps(fast.steps, general.steps)
        assert (fast.nslots, fast.feed_slots, fast.fetch_slots, fast.writes_state) == \
            (general.nslots, general.feed_slots, general.fetch_slots, general.writes_state)
        assert fast.slot_of == general.slot_of and fast.ops == general.ops
        want = s.run(leaves, feed)
    from dlcore_static.runtime import run_plan
    for plan in (swept, fast, general):
        got = run_plan(plan, [feed[t] for t in fed])
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


def test_plain_steps_with_an_assign_and_a_multi_output_op(fresh_graph, monkeypatch):
    v = tf.Variable(np.ones((2, 3), np.float32))
    x = tf.placeholder(tf.float32, (2, 3))
    a, b = tf.split(x, 2, axis=0) if hasattr(tf, "split") else (x[:1], x[1:])
    upd = tf.assign(v, v * 2.0 + tf.concat([a, b], 0))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        swept, fast, general = _three_plans(s, [upd], [x], monkeypatch)
        assert _same_steps(fast.steps, general.steps) and fast.nslots == general.nslots
        assert swept.writes_state and fast.writes_state and general.writes_state
        got = s.run(upd, {x: np.full((2, 3), 0.5, np.float32)})
    np.testing.assert_array_equal(got, np.full((2, 3), 2.5, np.float32))


def test_the_sweep_with_targets_control_inputs_and_unused_outputs(fresh_graph, monkeypatch):
    """Fetched ops and a fed tensor fetched, a control input, a multi-output op with one output
    used (its slots stay consecutive), a tensor fed twice, a Const (an executor, made in
    creation order), an op that is not needed."""
    x = tf.placeholder(tf.float32, (4, 3), name="x")
    _, plus = tf.py_func(lambda v: (v * 2, v + 1), [x], [tf.float32, tf.float32])
    pyfunc = plus.op.inputs[0].op
    c = tf.constant(np.full((1, 3), 2.0, np.float32))
    side = tf.reduce_sum(x, name="side")
    with tf.control_dependencies([side.op]):
        y = tf.multiply(plus, c, name="y")
    tf.tanh(x, name="unneeded")
    leaves = [y, y.op, x, x[3:4], side.op]
    with tf.Session() as s:
        swept, _, _ = _three_plans(s, leaves, [x, x], monkeypatch)
        assert "unneeded" not in [op.name for op in swept.ops]
        out = next(st for st in swept.steps if st[4] is pyfunc)[2]
        assert len(pyfunc.outputs) == 2 and out == slice(out.start, out.start + 2)
        xv = np.arange(12, dtype=np.float32).reshape(4, 3)
        got = s.run(leaves, {x: xv})
    np.testing.assert_array_equal(got[0], (xv + 1) * 2)
    assert got[1] is None and got[4] is None
    np.testing.assert_array_equal(got[2], xv)
    np.testing.assert_array_equal(got[3], xv[3:4])


def test_the_sweep_with_a_fed_intermediate_and_its_op_needed(fresh_graph, monkeypatch):
    """A fed tensor that is not a placeholder: what only it needs is not needed (an unfed
    placeholder above it raises nothing), its op runs when it is a control input (its value
    to a slot of its own, the feed's untouched), a later op reads the feed."""
    x = tf.placeholder(tf.float32, (2, 2), name="x")
    above = tf.placeholder(tf.float32, (2, 2), name="above")
    h = tf.tanh(above * 3.0, name="h")              # fed: ``above`` is never needed
    z = tf.sin(x, name="z")
    with tf.control_dependencies([z.op]):
        y = tf.add(h, x, name="y")
    w = tf.matmul(y, z)                             # z: fed too, its op still a control input
    hv, xv, zv = (np.full((2, 2), v, np.float32) for v in (0.5, 2.0, -1.0))
    with tf.Session() as s:
        swept, _, _ = _three_plans(s, [w, y], [h, z, x], monkeypatch)
        names = [op.name for op in swept.ops]
        assert "above" not in names and "h" not in names and "z" in names
        assert swept.slot_of[z] in swept.feed_slots
        got = s.run([w, y], {h: hv, z: zv, x: xv})
    np.testing.assert_array_equal(got[1], hv + xv)
    np.testing.assert_array_equal(got[0], (hv + xv) @ zv)


def test_the_sweep_raises_for_unfed_placeholders_as_the_general_path(fresh_graph, monkeypatch):
    a = tf.placeholder(tf.float32, (2,), name="a")
    b = tf.placeholder(tf.float32, (2,), name="b")
    y = b * 2.0 + a
    with tf.Session() as s:
        errors = []
        for off in (False, True):
            if off:
                monkeypatch.setattr(_plan, "_swept", lambda *args: False)
            for leaves, fed in (([y], []), ([y], [b]), ([y, a.op], [a, b])):
                with pytest.raises(tf.errors.InvalidArgumentError) as e:
                    _plan.build_plan(s, leaves, fed)
                errors.append(str(e.value).split("\n")[0])
        assert errors[:3] == errors[3:]
        assert [m.split("'")[1] for m in errors[:3]] == ["a", "a", "a"]


def test_the_sweep_leaves_control_flow_and_devices_to_the_general_path(fresh_graph):
    x = tf.placeholder(tf.float32, (), name="x")
    y = tf.cond(x > 0, lambda: x * 2.0, lambda: x - 1.0)
    with tf.device("/cpu:0"):
        z = tf.identity(y + 1.0)
    i, v = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 2.0),
                         [tf.constant(0), x])
    with tf.Session() as s:
        assert s.run(z, {x: 3.0}) == 7.0 and s.run(z, {x: -3.0}) == -3.0
        assert s.run([i, v], {x: 1.5}) == [3, 12.0]
        plan = _plan.build_plan(s, [z], [x])
        assert [op.type for op in plan.ops][-1] == z.op.type
        # the sweep itself gave up on the op placed on a device (the general path built that
        # plan); a cond's or while_loop's own outputs are top-level ops it takes
        seen = []
        real = _plan._swept

        def spy(*args):
            seen.append(real(*args))
            return seen[-1]
        _plan._swept = spy
        try:
            for fetches in ([z], [y], [i, v]):
                _plan.build_plan(s, fetches, [x])
        finally:
            _plan._swept = real
        assert seen == [False, True, True]


def test_an_unfed_placeholder_is_named_before_anything_runs(fresh_graph):
    x = tf.placeholder(tf.float32, (2,), name="first")
    y = tf.placeholder(tf.float32, (2,), name="second")
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="placeholder tensor 'first'"):
            s.run(x + y)
        np.testing.assert_array_equal(s.run(x + y, {x: np.ones(2, np.float32), y: np.ones(
            2, np.float32)}), np.full(2, 2, np.float32))


@pytest.mark.parametrize("params", [
    {"idx": (("slice", 0, 1, None),)},
    {"idx": (("slice", None, None, None), ("slice", 0, 32, None))},
    {"idx": (0, None, ("slice", 1, None, 2))},
    {"axis": 1}, {"axis": 1.0}, {"axis": True}, {"perm": (1, 0)}, {"name": "x"},
    {"axes": (0,), "keepdims": True}, {"axes": (0,), "keepdims": 1},
])
def test_one_parameter_keys_are_the_general_keys(params):
    a = AVal((1, 64), np.dtype(np.float32))
    key = _fe._rule_key(getitem_p, [a], params)
    items = tuple((k, type(v), v) for k, v in params.items())
    assert key == (getitem_p, (a,), items)
    assert [t for _, t, _ in key[2]] == [type(v) for v in params.values()]


def test_keys_tell_1_true_and_1_0_apart_and_refuse_what_is_not_plain():
    a = AVal((2, 2), np.dtype(np.float32))
    keys = {_fe._rule_key(getitem_p, [a], {"axis": v}) for v in (1, True, 1.0)}
    assert len(keys) == 3
    for bad in ((("slice", True, 1, None),), ((1, (2, (3, 1.0))),), (np.int64(1),),
                (("slice", 0, np.int32(1), None),), ([1, 2],)):
        assert not _fe._plain_tuple(bad)
        assert _fe._rule_key(getitem_p, [a], {"idx": bad}) is None
        assert _fe._rule_key(getitem_p, [a], {"idx": bad, "other": 1}) is None
    assert _fe._plain_tuple(((1, (2, (3, None))), "s", None, ("slice", -1, None, None)))
    assert _fe._rule_key(getitem_p, [a], {"dtype": np.dtype(np.float32)}) is not None
    assert _fe._rule_key(getitem_p, [a], {"value": np.ones(2)}) is None


def test_matmul_gradients_are_matmuls_with_transpose_flags(fresh_graph):
    # TensorFlow's _MatMulGrad: g @ w^T and h^T @ g are MatMuls with transpose_b / transpose_a
    # set, no Transpose node; the values as NumPy's
    x = tf.placeholder(tf.float32, (2, 3))
    w = tf.placeholder(tf.float32, (3, 3))
    h = x
    for _ in range(3):
        h = tf.tanh(tf.matmul(h, w))
    y = tf.reduce_sum(h)
    first = len(fresh_graph.get_operations())
    gx, gw = tf.gradients(y, [x, w])
    new = fresh_graph.get_operations()[first:]
    assert not [op for op in new if op.type == "Transpose"]
    mms = [op for op in new if op.type == "MatMul"]
    # g @ w^T per layer; w's three terms h^T @ g as one product of the stacked factors
    # (dlcore_static._grad_products): two ConcatV2 and one MatMul instead of three and an AddN
    assert len(mms) == 4
    assert [op.params for op in mms] == [{"transpose_a": False, "transpose_b": True}] * 3 + \
        [{"transpose_a": True, "transpose_b": False}]
    assert mms[0].inputs[1] is w and mms[0].name == "gradients/MatMul"
    assert gx.op is mms[2] and gw.op is mms[3]
    assert [t.op.type for t in gw.op.inputs] == ["ConcatV2", "ConcatV2"]
    assert not [op for op in new if op.type == "AddN"]
    rng = np.random.default_rng(2)
    xv, wv = rng.standard_normal((2, 3)), rng.standard_normal((3, 3))
    hs = [xv]
    for _ in range(3):
        hs.append(np.tanh(hs[-1] @ wv))
    g, want_w = np.ones((2, 3)), np.zeros((3, 3))
    for k in range(3, 0, -1):
        d = g * (1 - hs[k] ** 2)
        want_w += hs[k - 1].T @ d
        g = d @ wv.T
    with tf.Session() as s:
        got = s.run([gx, gw], {x: xv.astype(np.float32), w: wv.astype(np.float32)})
    np.testing.assert_allclose(got[0], g, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got[1], want_w, rtol=1e-4, atol=1e-6)


def test_a_location_is_formatted_with_the_frames_line(fresh_graph):
    x = tf.placeholder(tf.float32, (2,))
    line = sys._getframe().f_lineno + 1
    y = tf.tanh(
        x)                                   # (the call's instruction is on the first line)
    assert y.op.defined_at == f"{HERE}:{line}"
    assert type(y.op._defined_at) is str     # formatted once, then kept
    frame = sys._getframe()
    assert line_at(frame.f_code, frame.f_lasti) == frame.f_lineno
    assert format_location("<loaded>") == "<loaded>"
    assert format_location((frame.f_code, frame.f_lasti)) == f"{HERE}:{frame.f_lineno}"
    with pytest.raises(ValueError, match=rf"defined at {HERE}:\d+"):
        tf.matmul(tf.placeholder(tf.float32, (2, 3)), tf.placeholder(tf.float32, (4, 5)))


def test_unknown_rank_still_flows_through_elementwise_ops(fresh_graph):
    x = tf.placeholder(tf.float32)                      # unknown rank: a 0-d stand-in
    y = tf.tanh(x) * 2.0
    assert y.shape.ndims is None
    z = tf.reduce_sum(y)
    w = tf.placeholder(tf.float32, (2, 2))
    assert (w + 1.0).shape.as_list() == [2, 2]
    with tf.Session() as s:
        xv = np.arange(6, dtype=np.float32).reshape(2, 3) / 10
        np.testing.assert_allclose(s.run(z, {x: xv}), (np.tanh(xv) * 2).sum(), rtol=1e-6)


@pytest.mark.parametrize("idx", [slice(1, 3), slice(None, 2), slice(None, None, 2), slice(-2, None),
                                 slice(0, 1), slice(1, 3, 1), slice(np.int64(1), 3),
                                 slice(True, 2), slice(None)])
def test_a_slice_of_ints_is_the_general_paths_slice(fresh_graph, idx):
    from dlcore import ops as _ops
    x = tf.placeholder(tf.float32, (5, 3))
    fast = x[idx]                                       # (array_ops.getitem's fast path)
    general = _ops.getitem(x, idx)
    assert fast.op.type == general.op.type == "StridedSlice"
    assert fast.op.params == general.op.params and fast.shape == general.shape
    assert fast.op.name.startswith("strided_slice")
    xv = np.arange(15, dtype=np.float32).reshape(5, 3)
    with tf.Session() as s:
        a, b = s.run([fast, general], {x: xv})
    np.testing.assert_array_equal(a, xv[idx])
    np.testing.assert_array_equal(b, xv[idx])


def test_a_slice_of_a_scalar_is_refused_as_before(fresh_graph):
    z = tf.placeholder(tf.float32, ())
    with pytest.raises(IndexError, match="too many indices"):
        z[0:1]


@pytest.mark.parametrize("axis", [0, 1, -1, -2, np.int64(1), 1.0])
def test_a_concat_of_one_dtype_is_the_general_paths_concat(fresh_graph, axis):
    from dlcore import ops as _ops
    a = tf.placeholder(tf.float32, (2, 3))
    b = tf.placeholder(tf.float32, (2, 3))
    fast = tf.concat([a, b], axis)                      # (array_ops.concat's fast path)
    general = _ops.concatenate([a, b], int(axis))
    assert fast.op.type == general.op.type == "ConcatV2"
    assert fast.op.params == general.op.params and fast.shape == general.shape
    assert fast.op.name.startswith("concat")
    av = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tf.Session() as s:
        got, want = s.run([fast, general], {a: av, b: av + 10})
    np.testing.assert_array_equal(got, np.concatenate([av, av + 10], int(axis)))
    np.testing.assert_array_equal(want, got)


def test_concat_refusals_and_one_input_are_as_before(fresh_graph):
    a = tf.placeholder(tf.float32, (2, 3))
    one = tf.concat([a], 1)                 # (one input: TF's identity, named concat)
    assert one is not a and one.op.type == "Identity" and one.op.name.startswith("concat")
    with pytest.raises((ValueError, IndexError), match="out of range"):
        tf.concat([a, a], 2)
    i = tf.placeholder(tf.int32, (2, 3))
    mixed = tf.concat([a, tf.cast(i, tf.float32)], 0)
    assert mixed.shape.as_list() == [4, 3]


def test_a_matmul_of_one_dtype_is_the_general_paths_matmul(fresh_graph):
    from dlcore import ops as _ops
    a = tf.placeholder(tf.float32, (2, 3))
    w = tf.placeholder(tf.float32, (3, 4))
    fast = tf.matmul(a, w)                          # (math_ops.matmul's fast path)
    general = _ops.matmul(a, w)
    assert fast.op.type == general.op.type == "MatMul" and fast.op.name == "MatMul"
    assert fast.op.params == general.op.params and fast.shape == general.shape
    assert tf.matmul(a, w, name="mine").op.name == "mine"
    with pytest.raises(ValueError, match=r"Dimensions must be equal.*'MatMul_\d+'"):
        tf.matmul(a, a)
    d = tf.placeholder(tf.float64, (3, 4))
    with pytest.raises(TypeError):
        tf.matmul(a, d)
    av = np.arange(6, dtype=np.float32).reshape(2, 3)
    wv = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    with tf.Session() as s:
        got, want = s.run([fast, general], {a: av, w: wv})
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got, av @ wv, rtol=1e-6)


def test_a_list_of_distinct_fetches_maps_as_the_general_path(fresh_graph):
    from dlcore_static import fetches as _f
    x = tf.placeholder(tf.float32, (2,))
    y, z = x * 2.0, x + 1.0
    noop = tf.no_op()
    for fetches in ([y, z, noop], [y], [], [y, z, y], [y, "add:0"], [y, [z]], [noop, noop]):
        fast = _f.FetchMapper(fresh_graph, fetches)
        general = _f.FetchMapper.__new__(_f.FetchMapper)
        general.leaves, general._index = [], {}
        general.rebuild = general._build(fresh_graph, fetches)
        assert fast.leaves == general.leaves and fast._index == general._index
        vals = list(range(len(fast.leaves)))
        assert fast.rebuild(list(vals)) == general.rebuild(list(vals))
    with tf.Graph().as_default():
        other = tf.constant(1.0)
    with pytest.raises(ValueError, match="is not an element of this graph"):
        _f.FetchMapper(fresh_graph, [y, other])
    with tf.Session() as s:
        got = s.run([y, z, noop], {x: np.ones(2, np.float32)})
    assert got[2] is None
    np.testing.assert_array_equal(got[0], [2, 2])
    np.testing.assert_array_equal(got[1], [2, 2])


def test_the_inline_node_is_setup_ops_node(fresh_graph):
    # frontend.StaticFrontend.apply builds a plain graph's node inline: every slot as
    # graph.setup_op sets it (a slot added there and not here fails this test)
    from dlcore_static.graph import Operation, new_op, setup_op
    x = tf.placeholder(tf.float32, (2, 3), name="x")
    y = tf.placeholder(tf.float32, (2, 3), name="y")
    first = x * y                       # (the rule's outcome cached: the next one is inline)
    fast = tf.tanh(x) * y
    assert fresh_graph._plain and fast.op.type == first.op.type == "Mul"
    ref = setup_op(new_op(Operation), fresh_graph, "Mul", None, fast.op.inputs,
                   (fast.aval,), fast.op.prim, fast.op.params, None, fast.op._defined_at)
    slots = [s for s in Operation.__slots__ if s not in ("__weakref__",)]
    for s in slots:
        assert hasattr(fast.op, s) == hasattr(ref.op, s), s
        if s in ("_name", "_outputs", "_id", "_kernel"):
            continue
        a, b = getattr(fast.op, s, None), getattr(ref.op, s, None)
        assert a == b and type(a) is type(b), s
    # (the kernel for its static shapes: the cached rule outcome's, first's too; setup_op's
    # callers set it where they know it, frontend._apply)
    assert ref.op._kernel is None and fast.op._kernel is first.op._kernel
    assert fast.op._kernel[0] is fast.op.prim.kernels["cpu"]
    assert fast.op._id == ref.op._id - 1 and fast.op._name is None
    assert (fast.value_index, fast.aval, fast.op._outputs) == (0, ref.aval, fast)
    assert fast.op.name == "mul_1" and ref.op.name.lower().startswith("mul_")
    assert fast.op.control_inputs is ref.op.control_inputs       # (the shared empty list)
    with tf.Session() as s:
        xv, yv = np.ones((2, 3), np.float32), np.full((2, 3), 2.0, np.float32)
        np.testing.assert_allclose(s.run(fast, {x: xv, y: yv}), np.tanh(xv) * yv, rtol=1e-6)


@pytest.mark.parametrize("with_cond", [False, True])
def test_the_inline_nodes_refuse_inputs_as_setup_op(fresh_graph, with_cond):
    """An input of another graph (1, 2, 3 inputs), or made inside a cond branch and used
    outside it: setup_op's errors, in a graph with ops made inside a branch (then every input
    is looked at) and in one without (then only another graph's can be wrong)."""
    x = tf.placeholder(tf.float32, (2, 3), name="x")
    inner = []
    if with_cond:
        def branch():
            inner.append(x * 2.0)
            return inner[-1]
        tf.cond(tf.reduce_sum(x) > 0, branch, lambda: x)
    assert fresh_graph._ctx_ops is with_cond
    with tf.Graph().as_default():
        other = tf.placeholder(tf.float32, (2, 3), name="other")
    for make in (lambda a: x + a, lambda a: tf.concat([x, x, a], 0), lambda a: tf.tanh(a) + x):
        with pytest.raises(ValueError, match="must be from the same graph"):
            make(other)
        for t in inner:
            with pytest.raises(ValueError, match="created inside a cond branch and cannot be used"):
                make(t)
    y = tf.concat([x * 3.0, tf.tanh(x), x[0:1]], 0)       # (after the cond: fast nodes again)
    assert all(op._ctx is None for op in fresh_graph.get_operations()[-4:])
    xv = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tf.Session() as s:
        got = s.run(y, {x: xv})
    np.testing.assert_allclose(got, np.concatenate([xv * 3, np.tanh(xv), xv[0:1]]), rtol=1e-6)
