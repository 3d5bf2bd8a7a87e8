"""The SGD update folded into its weight-gradient GEMM with a learning rate that is a tensor
(``gemm_fold._rate``, ``gemm_update.sgemm_update_rate``, issue 19): a fed rate and an
``exponential_decay`` of the global step are read once per step in the glue and passed as the
GEMM's alpha; a rate of 0 or not finite is computed as the unfused plan computes it.  Tiny
shapes: the gate's size threshold is lowered for them."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu import gemm_update
from dlcore.kernels.cpu import linalg as cpu_linalg

pytestmark = pytest.mark.skipif(not gemm_update.available(),
                                reason="NumPy's OpenBLAS cblas_sgemm not found")


def _steps(monkeypatch, fold: bool, rates):
    """w after one step per fed rate (and the decayed rate's model), and whether it folded."""
    monkeypatch.setattr(cpu_linalg, "FUSED_UPDATE_MIN_OUT", 1)
    monkeypatch.setenv("DLCORE_FOLD_UPDATE_GEMM", "1" if fold else "0")
    monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "1")
    rng = np.random.default_rng(5)
    xv = rng.standard_normal((4, 6)).astype(np.float32)
    wv = rng.standard_normal((6, 5)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4, 6))
        lr = tf.placeholder(tf.float32, ())
        w = tf.Variable(wv, name="w")
        u = tf.Variable(wv, name="u")
        gs = tf.train.get_or_create_global_step()
        fed = tf.train.GradientDescentOptimizer(lr).minimize(
            tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2))
        decayed = tf.train.GradientDescentOptimizer(
            tf.train.exponential_decay(0.1, gs, 1, 0.5)).minimize(
            tf.reduce_sum(tf.tanh(tf.matmul(x, u)) ** 2), global_step=gs)
        init = tf.global_variables_initializer()
    out = []
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        for r in rates:
            sess.run([fed, decayed], {x: xv, lr: np.float32(r)})
            out.append((sess.run(w), sess.run(u)))
        names = sess.plan([fed, decayed], {x: xv, lr: np.float32(0.1)}).compiled_run \
            .__code__.co_varnames
    return out, names.count("_gur") > 0, (xv, wv)


def test_fed_and_decayed_rates_fold_and_equal_the_unfused_plan(monkeypatch):
    rates = [0.1, 0.05, 0.2]
    got, folded, (xv, wv) = _steps(monkeypatch, True, rates)
    ref, unfolded, _ = _steps(monkeypatch, False, rates)
    assert folded and not unfolded
    for (a, b), (c, d) in zip(got, ref):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b, d, rtol=1e-5, atol=1e-6)
    w, u = wv.astype(np.float64), wv.astype(np.float64)
    x = xv.astype(np.float64)
    for t, r in enumerate(rates):
        for which in ("w", "u"):
            v = w if which == "w" else u
            z = np.tanh(x @ v)
            grad = x.T @ (2 * z * (1 - z * z))
            if which == "w":
                w = v - r * grad
            else:
                u = v - 0.1 * 0.5 ** t * grad
        np.testing.assert_allclose(got[t][0], w, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got[t][1], u, rtol=1e-4, atol=1e-5)


def test_a_zero_or_nan_rate_gives_the_unfused_values(monkeypatch):
    got, folded, _ = _steps(monkeypatch, True, [0.0, float("nan")])
    assert folded
    before = got[0][0]
    _, wv = _steps(monkeypatch, False, [])[2]
    np.testing.assert_array_equal(before, wv)               # w - 0 * dW is w
    assert np.isnan(got[1][0]).all()


def test_sgemm_update_rate_edges():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 2)).astype(np.float32)
    w = rng.standard_normal((3, 2)).astype(np.float32)
    out = np.empty_like(w)
    got = gemm_update.sgemm_update_rate(out, w, a, b, np.array(0.5, np.float32))
    assert got is out
    np.testing.assert_allclose(out, w - np.float32(0.5) * (a @ b), rtol=1e-5, atol=1e-6)
    b[0, 0] = np.inf                          # a product of inf: 0 * inf is NaN, as unfused
    gemm_update.sgemm_update_rate(out, w, a, b, np.float32(0.0))
    with np.errstate(invalid="ignore"):
        want = w - (a @ b) * np.float32(0.0)
    np.testing.assert_array_equal(out, want)
    assert np.isnan(out[:, 0]).all() and not np.isnan(out[:, 1]).any()
