"""Shared oracle for the keras.ops table tests: each case is run by Keras 3 (NumPy backend) on
NumPy arrays and by dlcore's ``keras.ops`` on graph tensors (constants, and placeholders fed
the same arrays), and the values and dtypes are compared."""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_static as tf


def keras3_ops():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "numpy":
        pytest.skip("Keras 3 is loaded with another backend")
    return keras.ops


def _np_out(v):
    if isinstance(v, (list, tuple)):
        return [_np_out(u) for u in v]
    return np.asarray(v)


def compare(k3, ops, f, args, rtol=1e-5, atol=1e-6, feed=True):
    """Keras 3's ``f(k3, *args)`` against dlcore's on constants (and on placeholders fed the
    same arrays, ``feed``): equal values, shapes and dtypes."""
    want = _np_out(f(k3, *args))
    g = tf.Graph()
    with g.as_default():
        consts = [tf.constant(a) if isinstance(a, np.ndarray) else a for a in args]
        outs = [f(ops, *consts)]
        feeds = {}
        if feed and any(isinstance(a, np.ndarray) for a in args):
            phs = [tf.placeholder(a.dtype, a.shape) if isinstance(a, np.ndarray) else a
                   for a in args]
            outs.append(f(ops, *phs))
            feeds = {p: a for p, a in zip(phs, args) if isinstance(a, np.ndarray)}
        with tf.Session() as sess:
            gots = sess.run(outs, feed_dict=feeds)
    for got in gots:
        _same(_np_out(got), want, rtol, atol)


def _same(got, want, rtol, atol):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want)
        for a, b in zip(got, want):
            _same(a, b, rtol, atol)
        return
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)
