"""An SGD update by a scattered gradient (an embedding's) computed on its rows only
(``compiler/sparse_update.py``, ``kernels/cpu/sparse_rows.py``): the same bits as the dense
form ``w - lr * scatter_add(g, ids, w)``, in the kernel and in a compiled training step."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.errors import IndexOutOfBounds
from dlcore.kernels.cpu import gather
from dlcore.kernels.cpu.sparse_rows import sub_scattered


def _bits(x):
    return np.ascontiguousarray(x).view(np.uint8)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("c", [None, 0.37])
def test_kernel_equals_dense_form_bit_for_bit(dt, c):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((50, 7)).astype(dt)
    w[0, 0], w[1, 1] = -0.0, np.nan                     # untouched rows copied exactly
    ids = np.array([[3, -1, 3], [49, 7, 3]])            # repeats and a negative index
    g = rng.standard_normal((3, 2, 7)).astype(dt).transpose(1, 0, 2)   # a transposed view
    dense = gather.scatter_add(g, ids, w)
    want = w - dense if c is None else w - dense * dt(c)
    out = np.empty_like(w)
    assert sub_scattered(out, w, g, ids, c) is out
    assert np.array_equal(_bits(out), _bits(want))


def test_kernel_index_out_of_range_raises_scatter_adds_error_writing_nothing():
    w = np.ones((5, 3), np.float32)
    out = np.full_like(w, 7.0)
    with pytest.raises(IndexOutOfBounds) as want:
        gather.scatter_add(np.ones((2, 3), np.float32), np.array([1, 5]), w)
    with pytest.raises(IndexOutOfBounds) as got:
        sub_scattered(out, w, np.ones((2, 3), np.float32), np.array([1, 5]))
    assert str(got.value) == str(want.value)
    assert (out == 7.0).all()


def _step(passes, lr, fetch_grad=False, steps=3):
    rng = np.random.default_rng(11)
    g = tf.Graph()
    with g.as_default():
        ids = tf.placeholder(tf.int64, (4, 3))
        emb = tf.Variable(rng.standard_normal((30, 5)).astype(np.float32), name="emb")
        w = tf.Variable(rng.standard_normal((5, 2)).astype(np.float32), name="w")
        h = tf.reshape(tf.nn.embedding_lookup(emb, ids), (-1, 5))
        loss = tf.reduce_sum(tf.tanh(tf.matmul(h, w)) ** 2)
        opt = tf.train.GradientDescentOptimizer(lr)
        grads = opt.compute_gradients(loss)
        train = opt.apply_gradients(grads)
        init = tf.global_variables_initializer()
    feed_ids = np.array([[1, 2, 1], [29, 0, 2], [2, 2, 7], [5, 1, 0]])
    fetches = [loss, train] + ([tf.convert_to_tensor(grads[0][0])] if fetch_grad else [])
    pipeline = tf.compiler.Pipeline(passes, after=1) if passes else None
    with tf.Session(graph=g, **({"pipeline": pipeline} if pipeline else {"passes": ()})) as s:
        s.run(init)
        for _ in range(steps):
            s.run(fetches, {ids: feed_ids})
        src = s.plan(fetches, {ids: feed_ids}).compiler.codegen.get("source", "") \
            if passes else ""
        return s.run([emb, w]), src


@pytest.mark.parametrize("lr", [1.0, 0.1])
def test_compiled_step_updates_only_the_rows_and_equals_the_dense_plan(lr, monkeypatch):
    (e1, w1), src = _step("all", lr)
    assert "_ssr(" in src                                # the update is the sparse call
    monkeypatch.setenv("DLCORE_SPARSE_UPDATE", "0")
    (e0, w0), src0 = _step("all", lr)
    assert "_ssr(" not in src0
    assert np.array_equal(_bits(e1), _bits(e0)) and np.array_equal(_bits(w1), _bits(w0))
    (ei, _), _ = _step((), lr)                          # the interpreter: same rows touched
    untouched = np.setdiff1d(np.arange(30), [0, 1, 2, 5, 7, 29])
    np.testing.assert_array_equal(e1[untouched], ei[untouched])
    np.testing.assert_allclose(e1, ei, rtol=1e-3, atol=1e-4)   # (compiled tanh: ~1e-7 a step)


def test_a_fetched_gradient_keeps_the_dense_update():
    (e1, _), src = _step("all", 1.0, fetch_grad=True)
    (ei, _), _ = _step((), 1.0, fetch_grad=True)
    assert "_ssr(" not in src
    np.testing.assert_allclose(e1, ei, rtol=1e-3, atol=1e-4)   # (compiled tanh: ~1e-7 a step)
