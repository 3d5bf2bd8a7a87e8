"""A plan runs the kernel for an op's known shapes (``frontend._static_kernel``, a primitive's
``static_cpu`` option; ``dlcore.kernels.cpu.known_shapes``, ``linalg.for_static_shapes``):
the branch the general kernel's run-time tests lead to for such operands, without them (issue
19).  The values are the general kernel's, bit for bit; any other case keeps the kernel; a
kernel replaced after the ops were made is the one that runs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu import linalg as cpu_linalg
from dlcore.ops.linalg import matmul_p
from dlcore.registry import PRIMITIVES


def _step_fn(sess, t, feed):
    plan = sess.plan([t], feed)
    plan = getattr(plan, "original", plan)      # (a plan the pipeline optimises later)
    # (None: the pipeline compiled the plan at once, its steps are the compiler's)
    return next((fn for fn, _, _, _, op in plan.steps if op is t.op), None)


def _plain(fn):
    return getattr(fn, "__name__", "")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ta,tb", [(False, False), (False, True), (True, False), (True, True)])
def test_a_tiny_product_runs_np_dot_with_the_kernels_values(fresh_graph, static_passes, dtype, ta,
                                                            tb):
    rng = np.random.default_rng(0)
    av = rng.standard_normal((5, 3) if ta else (3, 5)).astype(dtype)
    bv = rng.standard_normal((4, 5) if tb else (5, 4)).astype(dtype)
    a = tf.placeholder(dtype, av.shape, name="a")
    b = tf.placeholder(dtype, bv.shape, name="b")
    y = tf.matmul(a, b, transpose_a=ta, transpose_b=tb)
    feed = {a: av, b: bv}
    with tf.Session() as s:
        fn = _step_fn(s, y, feed)
        assert fn is cpu_linalg._TINY[ta, tb] or (fn is None and static_passes == "passes")
        got = s.run(y, feed)
    want = cpu_linalg.matmul(av, bv, transpose_a=ta, transpose_b=tb)
    assert got.dtype == dtype and got.shape == (3, 4)
    np.testing.assert_array_equal(got, want)


def test_other_products_keep_the_kernel(fresh_graph):
    f, i = tf.float32, tf.int32
    cases = [
        (tf.placeholder(f, (None, 4)), tf.placeholder(f, (4, 2))),       # a dimension unknown
        (tf.placeholder(i, (2, 4)), tf.placeholder(i, (4, 2))),          # integers
        (tf.placeholder(f, (3, 2, 4)), tf.placeholder(f, (3, 4, 2))),    # a batch
        (tf.placeholder(f, (2048, 1024)), tf.placeholder(f, (1024, 8))),   # not tiny
    ]
    for a, b in cases:
        y = tf.matmul(a, b)
        assert y.op._kernel is None, (a.shape, b.shape, a.dtype)


def test_a_kernel_replaced_after_the_ops_were_made_is_the_one_that_runs(fresh_graph,
                                                                         static_passes,
                                                                         monkeypatch):
    if static_passes == "passes":
        pytest.skip("a compiled plan runs the compiler's code, not the steps' kernels")
    a = tf.placeholder(tf.float32, (2, 3), name="a")
    b = tf.placeholder(tf.float32, (3, 2), name="b")
    y = tf.matmul(a, b)
    assert y.op._kernel is not None
    calls = []
    general = matmul_p.kernels["cpu"]

    def spy(*args, **kw):
        calls.append(kw)
        return general(*args, **kw)

    monkeypatch.setitem(matmul_p.kernels, "cpu", spy)
    feed = {a: np.ones((2, 3), np.float32), b: np.ones((3, 2), np.float32)}
    with tf.Session() as s:
        assert _step_fn(s, y, feed) is spy
        np.testing.assert_array_equal(s.run(y, feed), np.full((2, 2), 3.0, np.float32))
    assert calls == [{}]


@pytest.mark.parametrize("name,fn", [("add", np.add), ("sub", np.subtract),
                                     ("mul", np.multiply), ("div", np.true_divide)])
def test_same_shape_arithmetic_is_the_ufunc_silent_as_the_kernel(fresh_graph, static_passes, name,
                                                                 fn):
    av = np.array([[np.inf, 3e38, 1.0], [0.0, -2.5, 7.0]], np.float32)
    bv = np.array([[np.inf, 3e38, 0.0], [0.0, 4.0, -7.0]], np.float32)
    a = tf.placeholder(tf.float32, (2, 3), name="a")
    b = tf.placeholder(tf.float32, (2, 3), name="b")
    y = {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b}[name]
    feed = {a: av, b: bv}
    with np.errstate(all="warn"), warnings.catch_warnings():   # (loud outside the kernels)
        warnings.simplefilter("error")
        before = np.geterr()
        with tf.Session() as s:
            step = _step_fn(s, y, feed)
            assert _plain(step) == f"quiet_{fn.__name__}" or \
                (step is None and static_passes == "passes")
            got = s.run(y, feed)
        want = PRIMITIVES[name].kernels["cpu"](av, bv)
        assert np.geterr() == before            # (the state as the run found it)
    np.testing.assert_array_equal(got, want)


def test_arithmetic_of_other_shapes_keeps_the_kernel(fresh_graph):
    m = tf.placeholder(tf.float32, (2, 3))
    assert (m + tf.placeholder(tf.float32, (3,))).op._kernel is None        # a bias add
    assert (m * tf.placeholder(tf.float32, (1, 3))).op._kernel is None      # broadcast
    s = tf.placeholder(tf.float32, ())
    assert (s + tf.placeholder(tf.float32, ())).op._kernel is None          # 0-d
    n = tf.placeholder(tf.int32, (2, 3))
    assert (n + tf.placeholder(tf.int32, (2, 3))).op._kernel is None        # integers
    u = tf.placeholder(tf.float32, (None, 3))
    assert (u - tf.placeholder(tf.float32, (None, 3))).op._kernel is None   # unknown size


def test_slices_and_concatenations_bind_their_index_and_axis(fresh_graph, static_passes):
    xv = np.arange(24, dtype=np.float32).reshape(4, 6)
    x = tf.placeholder(tf.float32, (4, 6), name="x")
    rows, cols, one = x[1:3], x[:, 2:5], x[2]
    joined = tf.concat([rows, x[0:1]], 0)
    feed = {x: xv}
    with tf.Session() as s:
        for t in (rows, cols, one, joined):
            step = _step_fn(s, t, feed)
            assert _plain(step) in ("basic_slice", "joined_along") or \
                (step is None and static_passes == "passes")
        got = s.run([rows, cols, one, joined], feed)
    for g, w in zip(got, (xv[1:3], xv[:, 2:5], xv[2], np.concatenate([xv[1:3], xv[0:1]]))):
        np.testing.assert_array_equal(g, w)


def test_a_tree_nets_gradients_are_the_same_with_and_without(monkeypatch):
    # tf.gradients of a small recursive net (issue 19's graph built per batch), run with the
    # kernels for known shapes and without them (the options removed, rule outcomes forgotten)
    from dlcore_static import frontend
    rng = np.random.default_rng(1)
    w = {"E": rng.standard_normal((20, 4)).astype(np.float32),
         "W": rng.standard_normal((8, 4)).astype(np.float32),
         "b": rng.standard_normal((1, 4)).astype(np.float32)}
    tree = ((3, 7), ((1, 9), 4))

    def run():
        g = tf.Graph()
        with g.as_default():
            ph = {k: tf.placeholder(tf.float32, v.shape, name=k) for k, v in w.items()}

            def enc(n):
                if isinstance(n, int):
                    return ph["E"][n:n + 1]
                return tf.tanh(tf.matmul(tf.concat([enc(n[0]), enc(n[1])], 1), ph["W"]) +
                               ph["b"])
            loss = tf.reduce_sum(tf.square(enc(tree)))
            grads = tf.gradients(loss, list(ph.values()))
            fast = sum(op._kernel is not None for op in g.get_operations())
            with tf.Session(graph=g) as s:
                return s.run([loss] + grads, {ph[k]: v for k, v in w.items()}), fast

    frontend._RULE_OUTPUTS.clear()
    on, n_on = run()
    for p in PRIMITIVES.values():
        if "static_cpu" in p.options:
            monkeypatch.delitem(p.options, "static_cpu")
    frontend._RULE_OUTPUTS.clear()
    off, n_off = run()
    frontend._RULE_OUTPUTS.clear()
    assert n_on > 20 and n_off == 0
    for a, b in zip(on, off):
        np.testing.assert_array_equal(a, b)


def test_a_small_float32_tanh_is_np_tanh_as_in_the_kernel(fresh_graph, static_passes):
    from dlcore.kernels.cpu import transcendental
    from dlcore.ops.elementwise import tanh_p
    xv = np.linspace(-30, 30, 96, dtype=np.float32).reshape(3, 32)
    x = tf.placeholder(tf.float32, (3, 32), name="x")
    y = tf.tanh(x)
    assert 96 < transcendental.TANH32_MIN
    with tf.Session() as s:
        step = _step_fn(s, y, {x: xv})
        assert step is np.tanh or (step is None and static_passes == "passes")
        got = s.run(y, {x: xv})
    if static_passes == "passes":                   # (a compiled plan's own tanh)
        np.testing.assert_allclose(got, np.tanh(xv), rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(got, tanh_p.kernels["cpu"](xv))
    big = tf.placeholder(tf.float32, (64, 32))                  # the Numba pass's size
    assert tf.tanh(big).op._kernel is None
    assert tf.tanh(tf.placeholder(tf.float64, (3, 32))).op._kernel is None
    assert tf.tanh(tf.placeholder(tf.float32, (None, 32))).op._kernel is None
