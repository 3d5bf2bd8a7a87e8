"""A classifier head's bias add read by the cross-entropy's row loop in its place
(``dlcore_static/compiler/emit_xent.py``: ``defer_bias_add``, ``xent_loss_grad_rows_bias``,
issue 19): the compiled plan's losses and weights equal the interpreter's bit for bit with the
fold on and off, the bias's gradient (the gradient's sum over rows) is made in the same pass,
logits that are fetched or read by another op are written as before, and the row loop gives
the unfused loops' bits (NaN and infinite rows, float64)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu._jit_xent import xent_loss_grad_rows, xent_loss_grad_rows_bias, xent_rows
from dlcore_static.compiler import emit_xent

N, D, C = 24, 16, 40


def _graph(dtype=np.float32, order="ab", bias_shape=(C,), extra=None, seed=5):
    rng = np.random.default_rng(seed)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(dtype, (N, D))
        lab = tf.placeholder(tf.int64, (N,))
        w = tf.Variable((rng.standard_normal((D, C)) * 0.5).astype(dtype), name="w")
        b = tf.Variable((rng.standard_normal(bias_shape) * 0.1).astype(dtype), name="b")
        mm = tf.matmul(x, w)
        logits = mm + b if order == "ab" else b + mm
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=lab, logits=logits))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        fetch = [loss, train]
        if extra == "fetch_logits":
            fetch.append(logits)
        elif extra == "accuracy":
            fetch.append(tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), lab),
                                                tf.float32)))
        init = tf.global_variables_initializer()
    feeds = [{x: rng.standard_normal((N, D)).astype(dtype), lab: rng.integers(0, C, N)}
             for _ in range(4)]
    return g, init, fetch, (w, b), feeds


def _train(passes, **kw):
    g, init, fetch, wb, feeds = _graph(**kw)
    with tf.Session(graph=g, passes=passes) as sess:
        sess.run(init)
        outs = [sess.run(fetch, f) for f in feeds]
        src = sess.plan(fetch, feeds[0]).compiler.codegen["source"] if passes else ""
        return [o[0] for o in outs], [o[2:] for o in outs], sess.run(list(wb)), src


def _same(a, b):
    if isinstance(a[0][0], np.float64):
        # (a float64 mean's last bit depends on the interpreter's sum path, which changes once
        # Numba is loaded (``reduce.sum``), with or without the fold; the weights stay exact)
        np.testing.assert_allclose(a[0], b[0], rtol=1e-14)
    else:
        assert a[0] == b[0]                                     # the losses
    for x, y in zip(a[1], b[1]):                                # fetched extras
        for u, v in zip(x, y):
            np.testing.assert_array_equal(u, v)
    for x, y in zip(a[2], b[2]):                                # w and b after 4 steps
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order,bias_shape", [("ab", (C,)), ("ba", (C,)), ("ab", (1, C))])
def test_the_fold_gives_the_interpreters_bits(monkeypatch, dtype, order, bias_shape):
    plain = _train((), dtype=dtype, order=order, bias_shape=bias_shape)
    folded = _train("all", dtype=dtype, order=order, bias_shape=bias_shape)
    assert len(set(plain[0])) == len(plain[0])                  # (the steps train)
    _same(folded, plain)
    src = folded[3]
    assert src.count("xent_loss_grad_rows_bias(") == 1
    assert f"c_empty(({C}, ), np.float64)" in src               # the bias's gradient with it
    monkeypatch.setattr(emit_xent, "FOLD_BIAS", False)
    off = _train("all", dtype=dtype, order=order, bias_shape=bias_shape)
    _same(off, plain)
    assert "xent_loss_grad_rows(" in off[3] and "xent_loss_grad_rows_bias(" not in off[3]


@pytest.mark.parametrize("extra", ["fetch_logits", "accuracy"])
def test_logits_used_elsewhere_are_written_as_before(extra):
    plain = _train((), extra=extra)
    comp = _train("all", extra=extra)
    _same(comp, plain)
    assert "xent_loss_grad_rows_bias(" not in comp[3]


def test_a_label_out_of_range_still_raises_and_changes_nothing():
    g, init, fetch, (w, b), feeds = _graph()
    lab = next(k for k in feeds[0] if k.dtype == tf.int64)
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        for f in feeds[:2]:
            sess.run(fetch, f)
        assert "xent_loss_grad_rows_bias(" in sess.plan(fetch, feeds[0]).compiler.codegen[
            "source"]
        before = sess.run([w, b])
        bad = dict(feeds[2])
        bad[lab] = bad[lab].copy()
        bad[lab][5] = -1
        with pytest.raises(tf.errors.InvalidArgumentError, match="Received a label value of -1"):
            sess.run(fetch, bad)
        for a, c in zip(before, sess.run([w, b])):
            np.testing.assert_array_equal(c, a)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_row_loop_gives_the_unfused_bits(dtype):
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((9, 300)) * 4).astype(dtype)
    bias = rng.standard_normal(300).astype(dtype)
    a[2, 5] = np.nan
    a[3, 7] = np.inf
    a[4, :] = -np.inf
    k = rng.integers(0, 300, 9).astype(np.int64)
    g = rng.standard_normal(9).astype(dtype)
    x = np.empty_like(a)
    for i in range(9):                                          # the add's loop, row by row
        x[i] = (a[i] + bias).astype(dtype)
    ref_loss, ref_grad = np.empty(9, dtype), np.empty(a.shape, dtype)
    assert xent_loss_grad_rows(g, x, k, ref_loss, ref_grad) == -1
    ref_sum = np.zeros(300)
    for i in range(9):
        ref_sum += ref_grad[i]
    loss, grad, total = np.empty(9, dtype), np.empty(a.shape, dtype), np.zeros(300)
    assert xent_loss_grad_rows_bias(g, a, bias, k, loss, grad, total) == -1
    np.testing.assert_array_equal(loss, ref_loss)
    np.testing.assert_array_equal(grad, ref_grad)
    np.testing.assert_array_equal(total, ref_sum)
    loss2, grad2 = np.empty(9, dtype), np.empty(a.shape, dtype)
    assert xent_loss_grad_rows_bias(g, a, bias, k, loss2, grad2, np.zeros(0)) == -1
    np.testing.assert_array_equal(grad2, ref_grad)
    k[6] = 300
    assert xent_loss_grad_rows_bias(g, a, bias, k, loss2, grad2, np.zeros(0)) == 6


def test_logits_read_by_a_second_cross_entropy_are_written_for_it():
    """Two cross-entropies of the same logits (two label sets, one trained): the trained pair
    reads the bias add in its row loop, the other loss gets the logits written first
    (``emit_xent._materialize``); every value equals the interpreter's."""
    def run(passes):
        rng = np.random.default_rng(9)
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, (N, D))
            lab = tf.placeholder(tf.int64, (N,))
            lab2 = tf.placeholder(tf.int64, (N,))
            w = tf.Variable((rng.standard_normal((D, C)) * 0.5).astype(np.float32))
            b = tf.Variable((rng.standard_normal(C) * 0.1).astype(np.float32))
            logits = tf.matmul(x, w) + b
            xent = tf.nn.sparse_softmax_cross_entropy_with_logits
            loss = tf.reduce_mean(xent(labels=lab, logits=logits))
            other = tf.reduce_mean(xent(labels=lab2, logits=logits))
            train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
            init = tf.global_variables_initializer()
        feeds = [{x: rng.standard_normal((N, D)).astype(np.float32),
                  lab: rng.integers(0, C, N), lab2: rng.integers(0, C, N)} for _ in range(4)]
        with tf.Session(graph=g, passes=passes) as sess:
            sess.run(init)
            outs = [sess.run([loss, other, train], f)[:2] for f in feeds]
            src = sess.plan([loss, other, train], feeds[0]).compiler.codegen["source"] \
                if passes else ""
            return outs, sess.run([w, b]), src

    plain, comp = run(()), run("all")
    assert comp[0] == plain[0]
    for a, c in zip(plain[1], comp[1]):
        np.testing.assert_array_equal(c, a)
    src = comp[2]
    assert "xent_loss_grad_rows_bias(" in src and "xent_rows(" in src


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_row_loop_compiles_only_its_dtypes_exponential(dtype):
    """The row's exponentials are picked by its dtype when a caller is typed
    (``_jit_exp_rows.exp_row``): float32 rows the vectorised loop, float64 rows ``math.exp``'s,
    and the other loop is not compiled for that dtype (a run-time flag compiled both)."""
    from numba import njit

    from dlcore.kernels.cpu import _jit_exp_rows

    @njit
    def caller(x, m, e):                    # (not cached: typed here, in this process)
        return _jit_exp_rows.exp_row(x, m, e)

    x = np.random.default_rng(4).standard_normal(40).astype(dtype)
    e = np.empty_like(x)
    s = caller(x, x.max(), e)
    ref = np.exp((x - x.max()).astype(np.float64))        # (x - m rounded to x's dtype)
    np.testing.assert_allclose(e, ref, rtol=3e-7 if dtype == np.float32 else 1e-15)
    assert s == pytest.approx(float(ref.sum()), rel=1e-6)
    used, other = ("_exp_row32", "_exp_row64")[::1 if dtype == np.float32 else -1]
    ir = "".join(caller.inspect_llvm().values())      # (the callees linked into the caller)
    assert used in ir and other not in ir
    out = np.empty(5, dtype)
    k = np.arange(5, dtype=np.int64)
    xs = np.stack([x[:20]] * 5)
    assert xent_rows(xs, k, out) == -1
    ref = np.log(np.exp(xs.astype(np.float64)).sum(1)) - xs.astype(np.float64)[np.arange(5), k]
    np.testing.assert_allclose(out, ref, rtol=2e-6 if dtype == np.float32 else 1e-13)
