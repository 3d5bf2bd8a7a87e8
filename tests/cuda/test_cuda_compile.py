"""The compile pass on a CUDA Session (``dlcore_static/compiler/cuda_glue.py``): the plan as one
generated glue function calling its numba.cuda kernels (Numba's CUDA simulator in CI, a real GPU
when one is at hand; shapes are tiny because the simulator is slow)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
import dlcore_static as tf
from dlcore_static import compiler

pytestmark = pytest.mark.cuda


@pytest.fixture(autouse=True)
def _need_cuda():
    if not dlcore.cuda_available():
        pytest.skip("CUDA is not available (no GPU and no simulator)")


def _session(device, passes="all"):
    return tf.Session(device=device, pipeline=compiler.Pipeline(passes, after=1))


def _mlp():
    """The seed's static step, tiny: relu(x @ w1) @ w2, mean of row sums of squares, SGD (in a
    fresh default graph: the tests read node names such as ``w1/read`` and ``MatMul``)."""
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, (4, 3))
    y = tf.placeholder(tf.float32, (4, 2))
    w1 = tf.Variable(np.linspace(-1, 1, 15, dtype=np.float32).reshape(3, 5), name="w1")
    w2 = tf.Variable(np.linspace(1, -1, 10, dtype=np.float32).reshape(5, 2), name="w2")
    diff = tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2) - y
    loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
    train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    rng = np.random.default_rng(3)
    feed = {x: rng.standard_normal((4, 3)).astype(np.float32),
            y: rng.standard_normal((4, 2)).astype(np.float32)}
    return (w1, w2), loss, train, feed


def test_training_steps_match_the_cpu_plan_and_copy_only_feeds_and_fetches():
    (w1, w2), loss, train, feed = _mlp()
    results = {}
    for device in ("cpu", "cuda"):
        sess = _session(device)
        sess.run(tf.global_variables_initializer())
        sess.run([loss, train], feed)                   # builds and compiles the plan
        dlcore.reset_transfer_stats()
        losses = [sess.run([loss, train], feed)[0] for _ in range(2)]
        stats = dlcore.transfer_stats()
        results[device] = (losses, sess.run([w1, w2]))
        rep = compiler.explain(sess, [loss, train], feed)
        assert rep.compiled, rep.log
        if device == "cuda":
            # per step: the two feeds to the device and the loss back, nothing else
            assert (stats["host_to_device"], stats["device_to_host"]) == (4, 2), stats
            info = rep.codegen
            assert info["segments"] == 0 and info["compiled_nodes"] >= 8
            assert {"w1/read", "w2/read"} <= set(info["python_nodes"])
            assert not {"MatMul", "MatMul_1"} & set(info["python_nodes"])
            assert sess.plan([loss, train], feed).compiled_run is not None
            # the products and fused groups are launched by the glue itself (cuda_glue.py),
            # the weight gradients' transposes read through swapped strides (no launch)
            assert info["source"].count("_de(") >= 7
            prog = sess.plan([loss, train], feed).program
            ts = [n for n in prog.nodes if n.kind == "prim" and n.prim.name == "transpose"]
            assert len(ts) == 3 and not [n for n in ts if f"E{n.id}(" in info["source"]]
    (lc, wc), (lg, wg) = results["cpu"], results["cuda"]
    np.testing.assert_allclose(lg, lc, rtol=1e-5)
    for a, b in zip(wg, wc):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_gradients_match_finite_differences_in_float64():
    rng = np.random.default_rng(0)
    xv, wv, cv = (rng.standard_normal(s) for s in ((2, 3), (3, 2), (2, 2)))
    x = tf.placeholder(tf.float64, (2, 3))
    w = tf.Variable(wv, name="w")
    f = tf.reduce_sum(tf.tanh(tf.matmul(x, w)) * cv)
    gx, gw = tf.gradients(f, [x, w])
    sess = _session("cuda")
    sess.run(w.initializer)
    got = sess.run([gx, gw], {x: xv})
    assert compiler.explain(sess, [gx, gw], {x: xv}).compiled

    def fn(xa, wa):
        return float(np.sum(np.tanh(xa @ wa) * cv))

    eps = 1e-6
    for k, (arr, g) in enumerate(zip((xv, wv), got)):
        num = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            up, dn = [xv.copy(), wv.copy()], [xv.copy(), wv.copy()]
            up[k][i] += eps
            dn[k][i] -= eps
            num[i] = (fn(*up) - fn(*dn)) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


def test_a_failing_run_names_the_node_and_changes_no_variable():
    a = tf.placeholder(tf.float32, shape=(None, None))
    w = tf.Variable(np.ones((3, 3), np.float32), name="w")
    v = tf.Variable(np.zeros((3,), np.float32), name="v")
    first = v.assign(v + 1.0)                              # runs before the failing node
    with tf.control_dependencies([first]):
        bad = tf.matmul(a, w, name="BadMatMul")
    step = w.assign(w * 2.0 + tf.reduce_sum(bad))
    sess = _session("cuda")
    sess.run(tf.global_variables_initializer())
    sess.run(step, {a: np.ones((2, 3), np.float32)})
    assert sess.plan(step, {a: np.ones((2, 3), np.float32)}).compiled_run is not None
    before = sess.run([w, v])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"(?s)mismatch in its core dimension.*\[\[node BadMatMul"):
        sess.run(step, {a: np.ones((2, 4), np.float32)})
    for got, want in zip(sess.run([w, v]), before):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(before[1], np.ones(3, np.float32))


def test_an_uninitialized_variable_is_named_and_a_traced_run_lists_the_ops():
    x = tf.placeholder(tf.float32, (2, 2))
    w = tf.Variable(np.eye(2, dtype=np.float32), name="weights")
    y = tf.nn.relu(tf.matmul(x, w, name="TracedMatMul") + 1.0)
    sess = _session("cuda")
    feed = {x: np.ones((2, 2), np.float32)}
    with pytest.raises(tf.errors.FailedPreconditionError,
                       match="Attempting to use uninitialized value weights"):
        sess.run(y, feed)
    sess.run(w.initializer)
    md = tf.RunMetadata()
    got = sess.run(y, feed, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                   run_metadata=md)
    np.testing.assert_allclose(got, np.full((2, 2), 2.0))
    assert "TracedMatMul" in md.executed_ops
    np.testing.assert_allclose(sess.run(y, feed), got)
    assert sess.plan(y, feed).compiled_run is not None


def test_cond_and_while_loop_run_by_their_executors_inside_the_glue():
    tf.reset_default_graph()        # (the node names read below: a 'while' left in the default
    x = tf.placeholder(tf.float32, shape=(2, 3))    # graph by another test made 'while_1')
    n = tf.placeholder(tf.int32, shape=())
    w = tf.Variable(np.eye(3, dtype=np.float32) * 0.5, name="w_loop")
    h = tf.cond(tf.reduce_sum(x) > 0, lambda: tf.matmul(x, w), lambda: x - 1.0)
    _, h = tf.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, tf.tanh(h)),
                         [tf.constant(0), h])
    g, = tf.gradients(tf.reduce_sum(h * h), w)
    train = w.assign_sub(0.1 * g)
    feed = {x: np.linspace(-1, 2, 6, dtype=np.float32).reshape(2, 3), n: 2}
    res = {}
    for device, passes in (("cpu", ()), ("cuda", "all")):
        sess = _session(device, passes)
        sess.run(w.initializer)
        res[device] = [sess.run([h, g, train], feed) for _ in range(2)]
    rep = compiler.explain(sess, [h, g, train], feed)
    assert rep.compiled and {"cond/Merge", "while/Exit"} <= set(rep.codegen["python_nodes"])
    for a, b in zip(res["cpu"], res["cuda"]):
        for u, v in zip(a, b):
            np.testing.assert_allclose(v, u, rtol=1e-5, atol=1e-6)


def test_strided_views_and_broadcasts_feed_the_glue_launches(caplog):
    x = tf.placeholder(tf.float32, shape=(3, 6))
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 7, name="w_views")
    y = tf.matmul(x[:, ::2], w) + tf.matmul(tf.transpose(x[:2, :3]), tf.ones((2, 2)))
    s = tf.reduce_sum(tf.broadcast_to(tf.reduce_sum(y, axis=0), (3, 2)) * y)
    xv = np.arange(18, dtype=np.float32).reshape(3, 6) / 10
    sess = _session("cuda")
    sess.run(w.initializer)
    with caplog.at_level("WARNING", logger="dlcore_static.compiler"):
        got = [sess.run([y, s], {x: xv}) for _ in range(2)]
    assert not caplog.records                 # the glue ran (no step-by-step fallback)
    want_y = xv[:, ::2] @ (np.arange(6).reshape(3, 2) / 7) + xv[:2, :3].T @ np.ones((2, 2))
    for yv, sv in got:
        np.testing.assert_allclose(yv, want_y, rtol=1e-5)
        np.testing.assert_allclose(sv, np.sum(want_y.sum(0) * want_y), rtol=1e-5)
