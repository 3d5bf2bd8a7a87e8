"""Fewer segments per training step (issue 19, the digits classifier's step): the optimizer's
variable reads run before the other variables' assigns (``schedule.graph_order``), so the
updates join the backward segment instead of one segment each; a transpose only segments read
is made in the segment reading it (``schedule.sink_transposes``), not returned by an earlier
one; the sparse cross-entropy and its gradient run inside a segment (``emit_xent.py``).

Every test compares the compiled plan with the interpreter (``passes=()``) bit for bit, over
several training steps, and checks the structure the change is for.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler
from dlcore_static.compiler import gemm_in_numba, schedule

from .openblas_child import run_without_coretype


def _mlp(rng, batch=32, hidden=64):
    x = tf.placeholder(tf.float32, (batch, 64))
    lab = tf.placeholder(tf.int64, (batch,))
    w1 = tf.Variable((rng.standard_normal((64, hidden)) * 0.125).astype(np.float32), name="w1")
    b1 = tf.Variable(np.zeros(hidden, np.float32), name="b1")
    w2 = tf.Variable((rng.standard_normal((hidden, 10)) * 0.125).astype(np.float32), name="w2")
    b2 = tf.Variable(np.zeros(10, np.float32), name="b2")
    logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
    loss = tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=logits))
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    return x, lab, [w1, b1, w2, b2], loss, train


def _train(passes, steps=5, batch=32, bad_label_at=None):
    rng = np.random.default_rng(3)
    g = tf.Graph()
    with g.as_default():
        x, lab, ws, loss, train = _mlp(rng, batch)
        init = tf.global_variables_initializer()
    feeds = [{x: rng.random((batch, 64), dtype=np.float32),
              lab: rng.integers(0, 10, batch)} for _ in range(steps)]
    losses, report = [], None
    with tf.Session(graph=g, passes=passes) as sess:
        sess.run(init)
        for k, f in enumerate(feeds):
            if k == bad_label_at:
                before = sess.run(ws)
                bad = dict(f)
                bad[lab] = f[lab].copy()
                bad[lab][5] = 12
                # (train alone: the loss's own executor would raise first)
                with pytest.raises(tf.errors.InvalidArgumentError,
                                   match=r"^Received a label value of 12 which is "
                                   r"outside the valid range of \[0, 10\)") as err:
                    sess.run(train, bad)
                # (the interpreter's plan runs the loss's op too and fails there first; the
                # compiled plan has only the gradient's, which then names itself)
                assert "[[node gradients/SparseSoftmaxXentGrad " in str(err.value) or \
                    "[[node SparseSoftmaxCrossEntropyWithLogits/" in str(err.value)
                for a, b in zip(before, sess.run(ws)):
                    np.testing.assert_array_equal(a, b)      # nothing applied
            losses.append(sess.run([loss, train], f)[0])
        weights = sess.run(ws)
        if passes:
            report = compiler.explain(sess, [loss, train], feeds[0])
    return losses, weights, report


def test_classifier_step_equals_the_interpreter_in_three_or_four_segments():
    plain_l, plain_w, _ = _train(())
    comp_l, comp_w, rep = _train("all")
    assert len(set(plain_l)) == len(plain_l)               # (the steps train)
    assert comp_l == plain_l
    for a, b in zip(plain_w, comp_w):
        np.testing.assert_array_equal(b, a)
    info = rep.codegen
    assert sorted(info["inplace"]) == ["b1", "b2", "w1", "w2"]
    # forward, backward with the updates, the last update after the glue's product (3 with
    # the products in the segments, ``gemm_in_numba``; else 4): it was one per update (7)
    assert info["segments"] <= 4
    src = info["source"]
    # the loss and its gradient in a segment, one row loop for both, the bias add and the
    # bias's gradient in it (emit_xent.py)
    assert "xent_loss_grad_rows_bias(" in src
    assert not any("Xent" in n or "xent" in n.lower() for n in info["python_nodes"])
    # no segment returns a transpose for a later one (made where it is read)
    assert "return (np.ascontiguousarray(o2), tcopy32(" not in src


def test_a_label_out_of_range_raises_the_executors_error_and_changes_nothing():
    plain_l, plain_w, _ = _train((), steps=4, bad_label_at=2)
    comp_l, comp_w, rep = _train("all", steps=4, bad_label_at=2)
    assert comp_l == plain_l
    for a, b in zip(plain_w, comp_w):
        np.testing.assert_array_equal(b, a)
    assert rep.compiled


def test_reads_move_before_other_variables_assigns_only():
    # v is assigned, then read again in the same run (the read must see the new value), and w
    # is read after v's assign (it may move before it); a py_func between stays a barrier
    g = tf.Graph()
    calls = []

    def note(a):
        calls.append(float(a))
        return a

    with g.as_default():
        x = tf.placeholder(tf.float32, (4,))
        v = tf.Variable(np.arange(4, dtype=np.float32), name="v")
        w = tf.Variable(np.ones(4, np.float32), name="w")
        a1 = v.assign(v * 2.0 + x)
        with tf.control_dependencies([a1]):
            rv = v.read_value()
            rw = w.read_value()
        seen = tf.py_func(note, [tf.reduce_sum(rv)], tf.float32)
        with tf.control_dependencies([seen]):
            a2 = w.assign(rw * 0.5 + rv)
        with tf.control_dependencies([a2]):
            out = tf.reduce_sum(w.read_value() * rv)
        init = tf.global_variables_initializer()
    results = {}
    for passes in ((), "all"):
        calls.clear()
        with tf.Session(graph=g, passes=passes) as sess:
            sess.run(init)
            vals = [sess.run(out, {x: np.full(4, k, np.float32)}) for k in range(4)]
            results[passes] = (vals, sess.run([v, w]), list(calls))
    plain, comp = results[()], results["all"]
    assert comp[0] == plain[0]
    for a, b in zip(plain[1], comp[1]):
        np.testing.assert_array_equal(b, a)
    assert comp[2] == plain[2]


def test_graph_order_edges():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.zeros(2, np.float32), name="v")
        w = tf.Variable(np.zeros(2, np.float32), name="w")
        av = v.assign(v.read_value() + 1.0)
        with tf.control_dependencies([av]):
            rw = w.read_value()          # may run before v's assign
            rv = v.read_value()          # may not
        aw = w.assign(rw + rv)
        init = tf.global_variables_initializer()
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        sess.run(aw)
        sess.run(aw)
        prog = sess.plan(aw).program
        np.testing.assert_array_equal(sess.run([v, w]), [[2, 2], [1, 1] + np.array([2, 2])])
    edges = schedule.graph_order(prog, {})
    graph_nodes = [n for n in prog.nodes if n.kind == "graph"]
    assign_v = next(n for n in graph_nodes if n.type == "Assign" and
                    n.op.attrs["variable"] is v.op)
    later_reads = [n for n in graph_nodes if n.type == "VariableRead" and
                   graph_nodes.index(n) > graph_nodes.index(assign_v)]
    into = {n: {a for a, z in edges if z is n} for n in graph_nodes}
    for r in later_reads:
        if r.op.attrs["variable"] is v.op:
            assert assign_v in into[r]
        else:
            assert assign_v not in into[r]


def test_small_products_run_in_segments_by_the_shape_rule():
    from dlcore_static.compiler.gemm_direct import direct_shape, segment_shape
    # the glue's rule (a dispatcher call each: only large products gain)
    assert not direct_shape(32, 64, 64) and direct_shape(64, 128, 128)
    # inside a segment: small products too, with n a multiple of 16 (the same bits as
    # np.dot), m >= 2, and not n = 16 with m * k > 4096 (slower there)
    assert segment_shape(32, 64, 64) and segment_shape(32, 10, 64) and segment_shape(2, 64, 16)
    assert segment_shape(32, 128, 16) and segment_shape(64, 128, 128)
    assert not segment_shape(32, 64, 10)          # n not a multiple of 16
    assert not segment_shape(1, 64, 64)           # m = 1
    assert not segment_shape(32, 256, 16) and not segment_shape(128, 128, 16)
    assert not segment_shape(32, 512, 64)         # k past DIRECT_MAX_K


needs_kernel = pytest.mark.skipif(not gemm_in_numba.available(),
                                  reason="NumPy's OpenBLAS does not run its SkylakeX kernels")


@needs_kernel
def test_small_products_in_numba_equal_numpy_bit_for_bit():
    from numba import njit
    gemm32 = gemm_in_numba.gemm32

    @njit
    def product(a, b):
        return gemm32(a, b)

    rng = np.random.default_rng(8)
    from dlcore_static.compiler.gemm_direct import segment_shape
    for m, k, n in ((2, 10, 16), (8, 64, 64), (32, 64, 64), (32, 10, 64), (64, 32, 64),
                    (16, 128, 128), (64, 64, 16)):
        assert segment_shape(m, k, n)
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        np.testing.assert_array_equal(product(a, b), np.dot(a, b))
        at = np.asfortranarray(a)             # (made C-contiguous first, as segments pass)
        np.testing.assert_array_equal(product(at, b), np.dot(a, b))


@needs_kernel
def test_a_small_loop_body_compiles_whole_with_its_product():
    # h = tanh(h @ w) with (8, 64) @ (64, 64): the product in the body's segment, so the
    # while_loop is one segment of the plan (no executor calling a compiled body per trip)
    rng = np.random.default_rng(2)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (8, 64))
        n = tf.placeholder(tf.int32, ())
        w = tf.Variable((rng.standard_normal((64, 64)) * 0.125).astype(np.float32))
        _, h = tf.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w))),
                             [tf.constant(0), x])
        loss = tf.reduce_sum(h * h)
        init = tf.global_variables_initializer()
    x0 = rng.standard_normal((8, 64)).astype(np.float32)
    got = {}
    for passes in ((), "all"):
        with tf.Session(graph=g, passes=passes) as sess:
            sess.run(init)
            got[passes] = [sess.run(loss, {x: x0, n: k}) for k in (0, 1, 3, 3, 2)]
            if passes:
                info = compiler.explain(sess, loss, {x: x0, n: 3}).codegen
    # (a compiled float32 tanh is _fast32's form, ~2e-7 from NumPy's: loops.FAST32)
    np.testing.assert_allclose(got["all"], got[()], rtol=2e-6)
    assert got["all"][0] == got[()][0]                  # (no trip: no tanh)
    assert info["control"] == {} and "gemm32(" in info["source"]
    assert not any("While" in p or "Exit" in p for p in info["python_nodes"])


def test_the_kernel_tests_run_where_openblas_picks_its_own_kernels():
    run_without_coretype(__file__, gemm_in_numba.available(),
                         "from dlcore_static.compiler import gemm_in_numba; "
                         "print(gemm_in_numba.available())",
                         "openblas_picks_its_own")


def test_transpose32_of_a_read_only_value_goes_through_the_c_function():
    # a variable's committed value is read-only: its transpose is made by the registered C
    # function (one compiled copy of the tiles), not by a read-only overload of the tiles
    from dlcore_static.compiler import transpose
    rng = np.random.default_rng(4)
    for shape in ((128, 128), (64, 10), (33, 17), (0, 5)):
        x = rng.standard_normal(shape).astype(np.float32)
        x.flags.writeable = False
        y = transpose.transpose32(x)
        assert y.flags.c_contiguous and y.flags.writeable and y.shape == shape[::-1]
        np.testing.assert_array_equal(y, x.T)
    assert all(sig[0].mutable for sig in transpose._transpose_into.overloads)
    assert any(not sig[0].mutable for sig in transpose._into.overloads)


def test_int32_labels_keep_the_gradient_in_the_glue_with_equal_values():
    rng = np.random.default_rng(6)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (16, 8))
        lab = tf.placeholder(tf.int32, (16,))
        w = tf.Variable((rng.standard_normal((8, 5)) * 0.3).astype(np.float32))
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=lab, logits=tf.matmul(x, w)))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        init = tf.global_variables_initializer()
    feeds = [{x: rng.standard_normal((16, 8)).astype(np.float32),
              lab: rng.integers(0, 5, 16).astype(np.int32)} for _ in range(4)]
    got = {}
    for passes in ((), "all"):
        with tf.Session(graph=g, passes=passes) as sess:
            sess.run(init)
            got[passes] = [sess.run([loss, train], f)[0] for f in feeds] + [sess.run(w)]
            if passes:
                info = compiler.explain(sess, [loss, train], feeds[0]).codegen
    assert got["all"][:-1] == got[()][:-1]
    np.testing.assert_array_equal(got["all"][-1], got[()][-1])
    assert "xent_grad_rows(" not in info["source"]
    assert any("int64 labels" in why for why in info["left_to_python"])
