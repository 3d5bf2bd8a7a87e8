"""The control-flow glue's caches (helper-I, issue 19): a WhileGrad that finds no history of
its forward loop and runs it again (``control_flow.history_for``) works out how to pick each
saved value (``loop_history.picks_for``, a scan of the whole graph per saved loop variable)
once, not on every run, and again once the graph grew; values of a loop and its gradient
against NumPy (float64), with and without the compile pass."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import control_flow as cf


def _loop_and_grad():
    x = tf.placeholder(tf.float64, (2, 3))
    n = tf.placeholder(tf.int32, ())
    w = tf.constant(np.linspace(-0.5, 0.5, 9).reshape(3, 3))
    _, h = tf.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, tf.tanh(h @ w)),
                         [tf.constant(0), x])
    gw = tf.gradients(tf.reduce_sum(h), w)[0]
    return x, n, w, h, gw


def test_history_for_scans_the_graph_once_and_again_when_it_grew(monkeypatch):
    calls, ran = [], []
    real = cf.picks_for
    monkeypatch.setattr(cf, "picks_for", lambda *a: calls.append(1) or real(*a))
    with tf.Graph().as_default() as g:
        h = _loop_and_grad()[3]
        op = next(o for o in g.get_operations() if o.type == "WhileGrad")
        parts = cf.grad_parts(op)
        args = tuple(np.zeros(()) for _ in op.inputs)

        def forward(init, caps, picks, inter):
            ran.append((picks, inter))
            return []
        for _ in range(3):
            assert cf.history_for(parts, None, args, forward) == ([], True)
        assert len(calls) == 1 and len(ran) == 3 and ran[0] == ran[2]
        tf.identity(h) * 2.0                        # the graph grows: scanned again, once
        for _ in range(2):
            cf.history_for(parts, None, args, forward)
        assert len(calls) == 2 and ran[-1] == ran[0]


def _ref(w, x, k):
    """sum(h_k) and its gradient by w, for h_{j+1} = tanh(h_j @ w)."""
    hs = [x]
    for _ in range(k):
        hs.append(np.tanh(hs[-1] @ w))
    g, gw = np.ones_like(x), np.zeros_like(w)
    for j in range(k, 0, -1):
        g = g * (1 - hs[j] ** 2)
        gw += hs[j - 1].T @ g
        g = g @ w.T
    return hs[-1].sum(), gw


@pytest.mark.parametrize("passes", [(), "all"], ids=["none", "all"])
def test_loop_values_and_gradients_across_runs(passes):
    x0 = np.random.default_rng(3).normal(size=(2, 3))
    with tf.Graph().as_default():
        x, n, _, h, gw = _loop_and_grad()
        w0 = np.linspace(-0.5, 0.5, 9).reshape(3, 3)
        loss = tf.reduce_sum(h)
        with tf.Session(passes=passes) as sess:
            for k in (1, 3, 2, 3):
                lv, gv = sess.run([loss, gw], {x: x0, n: k})
                rl, rg = _ref(w0, x0, k)
                np.testing.assert_allclose(lv, rl, rtol=1e-12)
                np.testing.assert_allclose(gv, rg, rtol=1e-12)
