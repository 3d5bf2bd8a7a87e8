"""Several updates of one variable in one ``Session.run`` all apply, as in TensorFlow 1.

TF1's ``AssignAdd``/``AssignSub``/``Scatter*``/``Apply*`` kernels each read-modify-write their
variable atomically, so ``sess.run([v.assign_add(1), v.assign_add(1)])`` adds 2 and fetches the
variable after each add (one of them sees the other's result).  Each update reads the variable
through a read of its own (``Variable._update_read``), run just before it, so the updates apply
one after the other; a run that fails commits none of them.  Every check runs interpreted and
compiled (``passes='all'`` with ``DLCORE_OPTIMIZE_AFTER=1``: the optimised plan from the first
run), several runs in a row (the compiled plan's in-place buffers alternate between runs).
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

MODES = ["interpreted", "compiled"]


@pytest.fixture(autouse=True)
def _optimize_first_run(monkeypatch):
    monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "1")


def _session(g, mode):
    return tf.Session(graph=g, passes="all" if mode == "compiled" else ())


def _run(s, fetches, feed=None, mode="interpreted"):
    """``s.run``, checking that the compiled mode did run generated code."""
    out = s.run(fetches, feed)
    if mode == "compiled":
        assert s.plan(fetches, feed).compiled_run is not None
    return out


@pytest.mark.parametrize("mode", MODES)
def test_two_assign_add_both_apply(mode):
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([9.0, 1.0])
        a = tf.assign_add(v, [1.0, 2.0])
        b = tf.assign_add(v, [1.0, 2.0])
        c = v.assign_sub([0.5, 0.5])
        grouped = tf.group(a, b)
        init = tf.global_variables_initializer()
    with _session(g, mode) as s:
        s.run(init)
        want = np.array([9.0, 1.0], np.float32)
        for _ in range(3):
            ra, rb = _run(s, [a, b], mode=mode)
            want = want + 2 * np.array([1.0, 2.0], np.float32)
            got = sorted([ra.tolist(), rb.tolist()])
            np.testing.assert_array_equal(got, [(want - [1.0, 2.0]).tolist(), want.tolist()])
            np.testing.assert_array_equal(s.run(v), want)
        s.run([a, c, b])
        s.run(grouped)
        want = want + 4 * np.array([1.0, 2.0], np.float32) - 0.5
        np.testing.assert_array_equal(s.run(v), want)


@pytest.mark.parametrize("mode", MODES)
def test_scatter_add_and_update_twice(mode):
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.zeros((4, 2), np.float32))
        s1 = tf.scatter_add(v, [0, 2], np.ones((2, 2), np.float32))
        s2 = tf.scatter_add(v, [2, 3], 2 * np.ones((2, 2), np.float32))
        u1 = tf.scatter_update(v, [0], [[5.0, 5.0]])
        u2 = tf.scatter_update(v, [1], [[7.0, 7.0]])
        init = tf.global_variables_initializer()
    with _session(g, mode) as s:
        s.run(init)
        for k in (1, 2):
            _run(s, [s1, s2], mode=mode)
            np.testing.assert_array_equal(s.run(v), k * np.array([[1, 1], [0, 0], [3, 3],
                                                                  [2, 2]], np.float32))
        s.run(tf.group(u1, u2))
        np.testing.assert_array_equal(s.run(v), [[5, 5], [7, 7], [6, 6], [4, 4]])


def _mlp(mode, same_optimizer: bool, opt_cls):
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((4, 3)).astype(np.float32)
    w0 = rng.standard_normal((3, 2)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4, 3))
        w = tf.Variable(w0)
        loss1 = tf.reduce_sum(tf.matmul(x, w) ** 2)
        loss2 = tf.reduce_sum(tf.matmul(x, w))
        o1 = opt_cls()
        o2 = o1 if same_optimizer else opt_cls()
        t1, t2 = o1.minimize(loss1), o2.minimize(loss2)
        init = tf.global_variables_initializer()
    return _session(g, mode), init, (t1, t2), w, {x: xv}, xv, w0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("same", [False, True])
def test_two_minimize_in_one_run(mode, same):
    lr = 0.1
    s, init, train, w, feed, xv, w0 = _mlp(mode, same,
                                            lambda: tf.train.GradientDescentOptimizer(lr))
    with s:
        s.run(init)
        want = w0.astype(np.float64)
        for _ in range(3):
            _run(s, train, feed, mode)
            # both gradients at the value the run started from (the forward pass's read)
            g1 = 2 * xv.T @ (xv @ want)
            g2 = xv.T @ np.ones((4, 2))
            want = want - lr * g1 - lr * g2
            np.testing.assert_allclose(s.run(w), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", MODES)
def test_momentum_minimize_twice_with_one_optimizer(mode):
    lr, m = 0.1, 0.9
    s, init, train, w, feed, xv, w0 = _mlp(mode, True,
                                            lambda: tf.train.MomentumOptimizer(lr, m))
    with s:
        s.run(init)
        want, acc = w0.astype(np.float64), np.zeros((3, 2))
        for _ in range(2):
            _run(s, train, feed, mode)
            g1, g2 = 2 * xv.T @ (xv @ want), xv.T @ np.ones((4, 2))
            for gr in (g1, g2):     # the shared accumulator takes both, in creation order
                acc = acc * m + gr
                want = want - lr * acc
            np.testing.assert_allclose(s.run(w), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", MODES)
def test_read_in_the_same_run_is_before_or_after(mode):
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.full(5, 3.0, np.float32))
        a = tf.assign_add(v, np.ones(5, np.float32))
        init = tf.global_variables_initializer()
    with _session(g, mode) as s:
        s.run(init)
        for k in range(3):
            r, ra = _run(s, [v.read_value(), a], mode=mode)
            assert r.tolist() in ([3.0 + k] * 5, [4.0 + k] * 5)     # whole, never torn
            np.testing.assert_array_equal(ra, np.full(5, 4.0 + k))
        np.testing.assert_array_equal(s.run(v), np.full(5, 6.0))


@pytest.mark.parametrize("mode", MODES)
def test_failing_run_commits_no_update(mode):
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([1.0, 2.0])
        p = tf.placeholder(tf.float32, (2,))
        a = tf.assign_add(v, [1.0, 1.0])
        b = tf.assign_add(v, p)
        bad = tf.debugging.check_numerics(b, "bad update")
        init = tf.global_variables_initializer()
    with _session(g, mode) as s:
        s.run(init)
        _run(s, [a, bad], {p: [1.0, 1.0]}, mode)
        np.testing.assert_array_equal(s.run(v), [3.0, 4.0])
        with pytest.raises(tf.errors.InvalidArgumentError, match="bad update"):
            s.run([a, bad], {p: [np.nan, 1.0]})
        np.testing.assert_array_equal(s.run(v), [3.0, 4.0])
        s.run([a, bad], {p: [2.0, 2.0]})
        np.testing.assert_array_equal(s.run(v), [6.0, 7.0])


@pytest.mark.cuda
@pytest.mark.parametrize("passes", [(), "all"])
def test_cuda_session_applies_both_and_commits_nothing_on_failure(passes):
    import dlcore
    from dlcore_static import compiler
    if not dlcore.cuda_available():
        pytest.skip("CUDA is not available (no GPU and no simulator)")
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([9.0, 1.0])
        a = tf.assign_add(v, [1.0, 2.0])
        b = tf.assign_add(v, [1.0, 2.0])
        p = tf.placeholder(tf.float32, (2,))
        c = tf.debugging.check_numerics(tf.assign_add(v, p), "bad update")
        init = tf.global_variables_initializer()
    s = tf.Session(graph=g, device="cuda", pipeline=compiler.Pipeline(passes, after=1))
    with s:
        s.run(init)
        for k in (1, 2):
            ra, rb = s.run([a, b])
            assert sorted([ra.tolist(), rb.tolist()]) == [[8.0 + 2 * k, 4.0 * k - 1],
                                                          [9.0 + 2 * k, 4.0 * k + 1]]
        with pytest.raises(tf.errors.InvalidArgumentError, match="bad update"):
            s.run([a, b, c], {p: [np.nan, 0.0]})
        np.testing.assert_array_equal(s.run(v), [13.0, 9.0])
        assert (getattr(s.plan([a, b]), "compiled_run", None) is not None) == bool(passes)


@pytest.mark.parametrize("mode", MODES)
def test_batch_norm_applied_twice_updates_its_moving_mean_twice(mode):
    rng = np.random.default_rng(1)
    x1v, x2v = rng.standard_normal((2, 6, 3)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        x1, x2 = tf.constant(x1v), tf.constant(x2v)
        tf.layers.batch_normalization(x1, training=True, momentum=0.5, name="bn")
        tf.layers.batch_normalization(x2, training=True, momentum=0.5, name="bn", reuse=True)
        updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        mean = next(v for v in tf.global_variables() if "moving_mean" in v.name)
        init = tf.global_variables_initializer()
    with _session(g, mode) as s:
        s.run(init)
        _run(s, updates, mode=mode)
        want = np.zeros(3)
        for xv in (x1v, x2v):               # m -= (m - batch mean) * (1 - momentum), in turn
            want = want - (want - xv.mean(axis=0)) * 0.5
        np.testing.assert_allclose(s.run(mean), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_exponential_moving_average_applied_twice(mode):
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.full(3, 10.0, np.float32))
        ema = tf.train.ExponentialMovingAverage(0.5)
        u1, u2 = ema.apply([v]), ema.apply([v])
        init = tf.global_variables_initializer()
    with _session(g, mode) as s:
        s.run(init)
        v.load(np.full(3, 20.0, np.float32), s)
        s.run([u1, u2])                     # 10 -> 15 -> 17.5
        np.testing.assert_allclose(s.run(ema.average(v)), np.full(3, 17.5))
