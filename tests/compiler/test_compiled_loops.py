"""while_loop and cond through the compile pass (``compiler/control.py``): loop bodies with a
matmul run as compiled sub-programs, the gradient of a loop (``WhileGrad``) reads the history
its forward loop kept instead of running it again.  Values and gradients against NumPy and
central finite differences (float64), with ``passes=()`` and ``passes="all"``, and the compiled
plan's report must say that the loops really were compiled (so a silent fall-back to the
interpreter fails here)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler

RNG = np.random.default_rng(12)
PASSES = [(), "all"]


def _fd(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of scalar ``f`` at ``x``."""
    g = np.zeros_like(x)
    for k in range(x.size):
        d = np.zeros_like(x)
        d.flat[k] = eps
        g.flat[k] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def _status(sess, fetches, feed) -> dict:
    """{node name: ControlStatus} of the cond/while nodes the compiled plan runs in its glue."""
    rep = compiler.explain(sess, fetches, feed)
    assert rep.compiled, rep
    return rep.codegen["control"]


def _assert_compiled(status, *, depth: int = 0) -> None:
    """``status`` and the cond/while executors nested in its sub-programs all compiled; only
    BLAS calls (and those nested executors) stay in the glue; a WhileGrad never ran the forward
    loop again."""
    assert status.compiled, status
    if not depth:       # a nested one before its forward loop was linked: see the nesting test
        assert status.recomputed == 0, status
    nested = {"(MatMul)", "(While)", "(WhileGrad)", "(Cond)", "SIMD ufunc"}
    assert all(any(k in w for k in nested) for w in status.left_to_python), \
        status.left_to_python
    for rep in status.programs.values():
        for inner in rep.codegen.get("control", {}).values():
            _assert_compiled(inner, depth=depth + 1)


# ----------------------------------------------------------------------------- a matmul body
def _tanh_loop_ref(w, b, x, c, n):
    h = x
    for _ in range(n):
        h = np.tanh(h @ w + b)
    return float(np.sum(h * h * c))


@pytest.mark.parametrize("passes", PASSES, ids=["none", "all"])
def test_loop_with_a_matmul_values_and_gradients(passes):
    w0 = RNG.standard_normal((4, 4)) * 0.6
    b0 = RNG.standard_normal(4) * 0.2
    x0 = RNG.standard_normal((3, 4))
    c = RNG.standard_normal((3, 4))
    x = tf.placeholder(tf.float64, (3, 4))
    n = tf.placeholder(tf.int32, ())
    w, b = tf.Variable(w0), tf.Variable(b0)
    _, h = tf.while_loop(lambda i, h: i < n,
                         lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w) + b)),
                         [tf.constant(0), x])
    loss = tf.reduce_sum(h * h * c)
    grads = tf.gradients(loss, [w, b, x])
    sess = tf.Session(passes=passes)
    sess.run(tf.global_variables_initializer())
    for steps in (3, 0, 1, 3):                   # the trip count comes with the feed
        feed = {x: x0, n: steps}
        lv, gw, gb, gx = sess.run([loss] + grads, feed)
        np.testing.assert_allclose(lv, _tanh_loop_ref(w0, b0, x0, c, steps), rtol=1e-12)
        np.testing.assert_allclose(gw, _fd(lambda v, s=steps: _tanh_loop_ref(v, b0, x0, c, s), w0),
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(gb, _fd(lambda v, s=steps: _tanh_loop_ref(w0, v, x0, c, s), b0),
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(gx, _fd(lambda v, s=steps: _tanh_loop_ref(w0, b0, v, c, s), x0),
                                   rtol=1e-6, atol=1e-8)
    if passes:
        st = _status(sess, [loss] + grads, {x: x0, n: 3})
        assert {s.type for s in st.values()} == {"While", "WhileGrad"}
        for s in st.values():
            _assert_compiled(s)
        grad = next(s for s in st.values() if s.type == "WhileGrad")
        # the weight's transpose (g @ w.T) is loop-invariant: computed once per loop (a view
        # of the weight, control_loops.Prologue) and fed to the gradient body's program
        assert set(grad.programs) == {"gradient body"}
        body = grad.programs["gradient body"].programs["input"]
        assert not any(n.kind == "prim" and n.prim.name == "transpose" for n in body.nodes)


def test_training_step_updates_variables_like_the_interpreter():
    """SGD through a loop: a few steps with passes=() and "all" end with the same weights."""
    w0 = RNG.standard_normal((5, 5)) * 0.4
    x0 = RNG.standard_normal((2, 5))
    finals = []
    for passes in PASSES:
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float64, (2, 5))
            w = tf.Variable(w0)
            _, h = tf.while_loop(lambda i, h: i < 3,
                                 lambda i, h, w=w: (i + 1, tf.sigmoid(tf.matmul(h, w))),
                                 [tf.constant(0), x])
            loss = tf.reduce_sum(h ** 2)
            train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
            sess = tf.Session(passes=passes)
            sess.run(tf.global_variables_initializer())
            losses = [sess.run([loss, train], {x: x0})[0] for _ in range(4)]
            finals.append((losses, sess.run(w)))
    np.testing.assert_allclose(finals[1][0], finals[0][0], rtol=1e-12)
    np.testing.assert_allclose(finals[1][1], finals[0][1], rtol=1e-12)
    assert finals[0][0][-1] < finals[0][0][0]


# ----------------------------------------------------------------------------- data trip count
def _count_ref(w, x, c):
    n = int(np.sum(x > 0))                       # the trip count depends on the data
    h = x
    for _ in range(n):
        h = np.tanh(h @ w) * 0.9
    return float(np.sum(h * c))


@pytest.mark.parametrize("passes", PASSES, ids=["none", "all"])
def test_trip_count_computed_from_the_data(passes):
    w0 = RNG.standard_normal((3, 3)) * 0.7
    c = RNG.standard_normal((2, 3))
    x = tf.placeholder(tf.float64, (2, 3))
    w = tf.placeholder(tf.float64, (3, 3))
    n = tf.reduce_sum(tf.cast(x > 0, tf.int32))
    _, h = tf.while_loop(lambda i, h: i < n,
                         lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w)) * 0.9),
                         [tf.constant(0), x])
    loss = tf.reduce_sum(h * c)
    gw, gx = tf.gradients(loss, [w, x])
    sess = tf.Session(passes=passes)
    for x0 in (RNG.standard_normal((2, 3)), np.abs(RNG.standard_normal((2, 3))),
               -np.abs(RNG.standard_normal((2, 3)))):
        lv, a, b = sess.run([loss, gw, gx], {x: x0, w: w0})
        np.testing.assert_allclose(lv, _count_ref(w0, x0, c), rtol=1e-12)
        np.testing.assert_allclose(a, _fd(lambda v, x0=x0: _count_ref(v, x0, c), w0), rtol=1e-6,
                                   atol=1e-8)
        np.testing.assert_allclose(b, _fd(lambda v: _count_ref(w0, v, c), x0), rtol=1e-6,
                                   atol=1e-8)


# ----------------------------------------------------------------------------- nesting
def _nested_ref(w, v, x, m):
    h = x
    for _ in range(2):
        for _ in range(m):
            h = np.tanh(h @ w)
        h = 1 / (1 + np.exp(-(h @ v)))
    return float(np.sum(h ** 3))


@pytest.mark.parametrize("passes", PASSES, ids=["none", "all"])
def test_nested_loops_with_matmuls_and_their_gradients(passes):
    w0, v0 = RNG.standard_normal((3, 3)) * 0.8, RNG.standard_normal((3, 3)) * 0.8
    x0 = RNG.standard_normal((2, 3))
    x = tf.placeholder(tf.float64, (2, 3))
    m = tf.placeholder(tf.int32, ())
    w, v = tf.Variable(w0), tf.Variable(v0)

    def outer(i, h):
        _, h2 = tf.while_loop(lambda j, g: j < m,
                              lambda j, g: (j + 1, tf.tanh(tf.matmul(g, w))),
                              [tf.constant(0), h])
        return i + 1, tf.sigmoid(tf.matmul(h2, v))
    _, h = tf.while_loop(lambda i, h: i < 2, outer, [tf.constant(0), x])
    loss = tf.reduce_sum(h ** 3)
    grads = tf.gradients(loss, [w, v, x])
    sess = tf.Session(passes=passes)
    sess.run(tf.global_variables_initializer())
    for steps in (2, 3):
        feed = {x: x0, m: steps}
        for _ in range(2):          # the second run finds the inner loops' histories kept
            lv, gw, gv, gx = sess.run([loss] + grads, feed)
            np.testing.assert_allclose(lv, _nested_ref(w0, v0, x0, steps), rtol=1e-12)
            for got, k in ((gw, 0), (gv, 1), (gx, 2)):
                args = [w0, v0, x0]

                def f(val, k=k, args=args, steps=steps):
                    a = list(args)
                    a[k] = val
                    return _nested_ref(*a, steps)
                np.testing.assert_allclose(got, _fd(f, args[k]), rtol=1e-6, atol=1e-8)
    if passes:
        st = _status(sess, [loss] + grads, {x: x0, m: 3})
        for s in st.values():
            _assert_compiled(s)
        grad = next(s for s in st.values() if s.type == "WhileGrad")
        inner = grad.programs["gradient body"].codegen["control"]
        assert {s.type for s in inner.values()} == {"WhileGrad"}   # no forward loop in it
        # 4 runs x 2 outer iterations; the forward loop ran again only in the first run (its
        # WhileGrad is compiled, and linked to it, when the outer gradient first runs)
        assert [(s.runs, s.recomputed) for s in inner.values()] == [(8, 2)]


# ----------------------------------------------------------------------------- cond
def _cond_loop_ref(w, v, x):
    h = x
    for _ in range(3):
        h = np.tanh(h @ w if np.sum(h) > 0 else h @ v)
    return float(np.sum(h * h))


@pytest.mark.parametrize("passes", PASSES, ids=["none", "all"])
def test_cond_with_matmuls_inside_a_loop(passes):
    w0, v0 = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    x = tf.placeholder(tf.float64, (2, 3))
    w, v = tf.placeholder(tf.float64, (3, 3)), tf.placeholder(tf.float64, (3, 3))

    def body(i, h):
        h = tf.cond(tf.reduce_sum(h) > 0, lambda: tf.matmul(h, w), lambda: tf.matmul(h, v))
        return i + 1, tf.tanh(h)
    _, h = tf.while_loop(lambda i, h: i < 3, body, [tf.constant(0), x])
    loss = tf.reduce_sum(h * h)
    grads = tf.gradients(loss, [w, v, x])
    sess = tf.Session(passes=passes)
    for _ in range(3):
        x0 = RNG.standard_normal((2, 3))
        feed = {x: x0, w: w0, v: v0}
        lv, gw, gv, gx = sess.run([loss] + grads, feed)
        np.testing.assert_allclose(lv, _cond_loop_ref(w0, v0, x0), rtol=1e-12)
        np.testing.assert_allclose(gw, _fd(lambda a, x0=x0: _cond_loop_ref(a, v0, x0), w0),
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(gv, _fd(lambda a, x0=x0: _cond_loop_ref(w0, a, x0), v0),
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(gx, _fd(lambda a: _cond_loop_ref(w0, v0, a), x0),
                                   rtol=1e-6, atol=1e-8)


def test_a_cond_with_matmul_branches_compiles_its_branches():
    x = tf.placeholder(tf.float64, (2, 3))
    w = tf.placeholder(tf.float64, (3, 4))
    y = tf.cond(tf.reduce_mean(x) > 0, lambda: tf.matmul(x, w) * 2.0,
                lambda: tf.tanh(tf.matmul(x, w)))
    g = tf.gradients(tf.reduce_sum(y * y), [w])[0]
    sess = tf.Session(passes="all")
    w0 = RNG.standard_normal((3, 4))
    for sign in (1.0, -1.0):
        x0 = np.abs(RNG.standard_normal((2, 3))) * sign
        yv, gv = sess.run([y, g], {x: x0, w: w0})
        ref = x0 @ w0 * 2 if sign > 0 else np.tanh(x0 @ w0)
        np.testing.assert_allclose(yv, ref, rtol=1e-12)

        def f(a, x0=x0, sign=sign):
            r = x0 @ a * 2 if sign > 0 else np.tanh(x0 @ a)
            return float(np.sum(r * r))
        np.testing.assert_allclose(gv, _fd(f, w0), rtol=1e-6, atol=1e-8)
    st = _status(sess, [y, g], {x: x0, w: w0})
    assert {s.type for s in st.values()} == {"Cond"}
    for s in st.values():
        _assert_compiled(s)


# ----------------------------------------------------------------------------- dynamic_rnn
def test_dynamic_rnn_compiles_its_loop_and_gradient_like_the_interpreter():
    B, T, D, H = 3, 5, 2, 4
    x0 = RNG.standard_normal((B, T, D))
    lengths = np.array([5, 2, 4])
    kernel = int(RNG.integers(1 << 30))             # (the kernels' seed: equal in both graphs)
    results = []
    for passes in PASSES:
        g = tf.Graph()
        with g.as_default():
            # (an LSTM cell with peepholes: the loop; a plain one's is the fused layer,
            # tests/static/test_dynamic_rnn_fused.py)
            x = tf.placeholder(tf.float64, (B, None, D))
            n = tf.placeholder(tf.int64, (B,))
            cell = tf.nn.rnn_cell.LSTMCell(
                H, use_peepholes=True,
                initializer=tf.random_normal_initializer(stddev=0.4, seed=kernel))
            out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=n, dtype=tf.float64)
            loss = tf.reduce_sum(out * out) + tf.reduce_sum(state.h)
            grads = tf.gradients(loss, [x] + tf.trainable_variables())
            sess = tf.Session(passes=passes)
            sess.run(tf.global_variables_initializer())
            feed = {x: x0, n: lengths}
            results.append(sess.run([loss] + grads, feed))
            if passes:
                st = _status(sess, [loss] + grads, feed)
                assert {s.type for s in st.values()} >= {"While", "WhileGrad"}
                for s in st.values():
                    _assert_compiled(s)
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def test_an_index_out_of_range_inside_a_compiled_loop_names_the_node():
    x = tf.placeholder(tf.float64, (4, 3))
    k = tf.placeholder(tf.int32, ())
    w = tf.placeholder(tf.float64, (3, 3))
    _, acc = tf.while_loop(
        lambda i, a: i < 2,
        lambda i, a: (i + 1, a + tf.matmul(tf.gather(x, tf.reshape(i + k, (1,))), w)),
        [tf.constant(0), tf.zeros((1, 3), tf.float64)])
    sess = tf.Session(passes="all")
    feed = {x: np.ones((4, 3)), w: np.eye(3)}
    np.testing.assert_allclose(sess.run(acc, {**feed, k: 1}), [[2.0, 2.0, 2.0]])
    # TensorFlow's words for tf.gather's index (dlcore_static/_index_checks.py)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"indices\[0\] = 4 is not in \[0, 4\)(.|\n)*GatherV2"):
        sess.run(acc, {**feed, k: 3})


# ----------------------------------------------------------------------------- bounds, shapes
def test_maximum_iterations_stops_before_the_cond_reads_past_the_end():
    """With ``maximum_iterations`` the cond is not evaluated once the bound is reached (here it
    would read row 4 of a 4-row tensor), so the compiled loop does not fuse the next cond into
    the body."""
    x = tf.placeholder(tf.float64, (4, 3))
    w = tf.placeholder(tf.float64, (3, 3))
    _, h = tf.while_loop(
        lambda i, h: tf.reduce_sum(tf.gather(x, i)) > -100.0,
        lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w)) + tf.reshape(tf.gather(x, i), (1, 3))),
        [tf.constant(0), tf.zeros((1, 3), tf.float64)], maximum_iterations=4)
    g = tf.gradients(tf.reduce_sum(h * h), [w])[0]
    x0, w0 = RNG.standard_normal((4, 3)), RNG.standard_normal((3, 3))

    def ref(wv):
        v = np.zeros((1, 3))
        for r in x0:
            v = np.tanh(v @ wv) + r
        return v
    for passes in PASSES:
        sess = tf.Session(passes=passes)
        hv, gv = sess.run([h, g], {x: x0, w: w0})
        np.testing.assert_allclose(hv, ref(w0), rtol=1e-12)
        np.testing.assert_allclose(gv, _fd(lambda a: float(np.sum(ref(a) ** 2)), w0),
                                   rtol=1e-6, atol=1e-8)
    for s_ in _status(sess, [h, g], {x: x0, w: w0}).values():
        _assert_compiled(s_)


def test_a_loop_variable_that_changes_shape_runs_in_the_interpreter():
    x = tf.placeholder(tf.float64, (1, 2))
    w = tf.placeholder(tf.float64, (2, 2))
    _, h = tf.while_loop(lambda i, h: i < 3,
                         lambda i, h: (i + 1, tf.concat([h, tf.matmul(h[-1:], w)], 0)),
                         [tf.constant(0), x],
                         shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 2])])
    x0, w0 = RNG.standard_normal((1, 2)), RNG.standard_normal((2, 2))
    rows = [x0[0]]
    for _ in range(3):
        rows.append(rows[-1] @ w0)
    sess = tf.Session(passes="all")
    fetches = [h, x * 2.0]                 # something that compiles, so the plan is compiled
    np.testing.assert_allclose(sess.run(fetches, {x: x0, w: w0})[0], np.array(rows),
                               rtol=1e-12)
    st = _status(sess, fetches, {x: x0, w: w0})
    (s_,) = st.values()
    assert not s_.compiled and "changes shape" in s_.interpreted


def test_concurrent_runs_keep_their_own_loop_histories():
    """Two threads fetch loop gradients of different feeds from one Session at once: each
    WhileGrad reads the history of its own thread's forward loop (thread-local scopes)."""
    import threading
    w0, c = RNG.standard_normal((4, 4)) * 0.6, RNG.standard_normal((3, 4))
    b0 = np.zeros(4)
    x = tf.placeholder(tf.float64, (3, 4))
    n = tf.placeholder(tf.int32, ())
    w = tf.placeholder(tf.float64, (4, 4))
    _, h = tf.while_loop(lambda i, h: i < n,
                         lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w))), [tf.constant(0), x])
    gw = tf.gradients(tf.reduce_sum(h * h * c), [w])[0]
    feeds = [(RNG.standard_normal((3, 4)), k) for k in (2, 5)]
    for passes in PASSES:
        sess = tf.Session(passes=passes)
        sess.run(gw, {x: feeds[0][0], n: 1, w: w0})            # built (and compiled) once
        errors: list = []

        def work(x0, steps, errors=errors, sess=sess):
            ref = _fd(lambda v: _tanh_loop_ref(v, b0, x0, c, steps), w0)
            for _ in range(20):
                got = sess.run(gw, {x: x0, n: steps, w: w0})
                if not np.allclose(got, ref, rtol=1e-6, atol=1e-8):
                    errors.append((steps, got, ref))
        threads = [threading.Thread(target=work, args=f) for f in feeds]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
