"""Float32 sigmoid/tanh in generated CPU loops (dlcore/kernels/cpu/_fast32.py, loops.FAST32):
the scalar forms against PyTorch 2.13's float32 kernels over the whole float range (NaN, +-inf,
-0.0, subnormal-free relative error), and a compiled float32 LSTM gate step (sigmoid, tanh and
their gradients fused into the generated segments) against torch's float32 values and grads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from numba import njit

import dlcore_static as tf
from dlcore.kernels.cpu._fast32 import sigmoid32, tanh32
from dlcore_static import compiler


@njit(cache=False, error_model="numpy")
def _sig(x, o):
    for i in range(x.shape[0]):
        o[i] = sigmoid32(x[i])


@njit(cache=False, error_model="numpy")
def _tanh(x, o):
    for i in range(x.shape[0]):
        o[i] = tanh32(x[i])


def _points() -> np.ndarray:
    tiny = np.geomspace(1e-30, 1.0, 400)
    return np.concatenate([np.linspace(-120, 120, 20001), np.linspace(-2, 2, 8001), tiny, -tiny,
                           [np.nan, np.inf, -np.inf, 0.0, -0.0, 9.0, 9.1, 9.2, -9.2, 0.625,
                            -0.625, 87.33, -87.33, 88.0, -88.0]]).astype(np.float32)


@pytest.mark.parametrize("fn,ref", [(_sig, torch.sigmoid), (_tanh, torch.tanh)])
def test_scalar_forms_equal_torch(fn, ref):
    x = _points()
    out = np.empty_like(x)
    fn(x, out)
    want = ref(torch.from_numpy(x)).numpy()
    assert np.array_equal(np.isnan(out), np.isnan(want))
    ok = ~np.isnan(want)
    d = np.abs(out[ok].astype(np.float64) - want[ok])
    assert d.max() <= 1.2e-7
    # a normal result (below x = -87.33 sigmoid32 gives the subnormal e^x, torch 0 from -88.7)
    normal = ok & (np.abs(want) >= np.finfo(np.float32).tiny)
    rel = np.abs(out[normal].astype(np.float64) - want[normal]) / np.abs(want[normal])
    assert rel.max() <= 3e-7
    assert np.array_equal(np.signbit(out[ok]), np.signbit(want[ok]))     # -0.0 kept
    if fn is _tanh:
        big = np.abs(x) > 9.1
        assert np.array_equal(out[big], np.sign(x[big]))


def _gates(tfm, z, c, w):
    i, j, f, o = (z[:, k * 8:(k + 1) * 8] for k in range(4))
    c2 = tfm.sigmoid(f) * c + tfm.sigmoid(i) * tfm.tanh(j)
    h = tfm.tanh(c2) * tfm.sigmoid(o)
    return (h * w).sum() + (c2 * c2).sum()


def test_compiled_lstm_gates_equal_torch(fresh_graph):
    rng = np.random.default_rng(3)
    zv = (3 * rng.standard_normal((20, 32))).astype(np.float32)
    cv = rng.standard_normal((20, 8)).astype(np.float32)
    wv = rng.standard_normal((20, 8)).astype(np.float32)
    z = tf.placeholder(tf.float32, (20, 32))
    c = tf.placeholder(tf.float32, (20, 8))
    i, j, f, o = tf.split(z, 4, axis=1)
    c2 = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(j)
    h = tf.tanh(c2) * tf.sigmoid(o)
    loss = tf.reduce_sum(h * wv) + tf.reduce_sum(c2 * c2)
    fetches = [loss] + tf.gradients(loss, [z, c])
    sess = tf.Session(passes="all")
    feed = {z: zv, c: cv}
    got = sess.run(fetches, feed)
    rep = compiler.explain(sess, fetches, feed)
    assert rep.compiled
    text = "".join(Path(p).read_text() for p in rep.codegen["segment_paths"])
    assert "sigmoid32(" in text and "tanh32(" in text       # fused, in the loops
    tz = torch.from_numpy(zv).requires_grad_()
    tc = torch.from_numpy(cv).requires_grad_()
    tl = _gates(torch, tz, tc, torch.from_numpy(wv))
    tl.backward()
    np.testing.assert_allclose(got[0], tl.item(), rtol=1e-6)
    np.testing.assert_allclose(got[1], tz.grad.numpy(), rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(got[2], tc.grad.numpy(), rtol=2e-6, atol=2e-6)
