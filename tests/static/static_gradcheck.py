"""Shared by the static tests: central-difference gradients of a NumPy reference, and the check
that a graph built on a float64 placeholder matches the reference in value and in the gradient
of ``sum(y * w)`` for a random cotangent ``w``."""

from __future__ import annotations

import numpy as np

import dlcore_static as tf


def numeric_grad(f, x, eps=1e-6):
    """d f / d x by central differences, one element at a time."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def check_value_and_gradient(build, ref, x, rng, *, shape=None, passes=None, rtol=1e-10,
                             atol=1e-12, grad_rtol=1e-6, grad_atol=1e-8):
    """``build(placeholder)`` against ``ref(x)`` and its gradient against central differences;
    returns the built tensor.  ``shape``: the placeholder's (default ``x.shape``);
    ``passes``: the Session's (its default when None); a plan with passes is optimised
    before its one run.  ``grad_rtol``/``grad_atol``: the gradient's tolerances (an op that
    computes in float32 on a float64 input: TF 1.15's ResizeBilinear)."""
    p = tf.placeholder(tf.float64, x.shape if shape is None else shape)
    y = build(p)
    expected = ref(x)
    w = rng.standard_normal(expected.shape)
    (g,) = tf.gradients(tf.reduce_sum(y * w), [p])
    if passes is None:
        session = tf.Session()
    elif passes:    # optimised before its one run (a plan is otherwise interpreted first)
        from dlcore_static.compiler import Pipeline
        session = tf.Session(pipeline=Pipeline(passes, after=1))
    else:
        session = tf.Session(passes=passes)
    with session as s:
        got, gv = s.run([y, g], {p: x})
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    np.testing.assert_allclose(gv, numeric_grad(lambda v: np.sum(ref(v) * w), x),
                               rtol=grad_rtol, atol=grad_atol)
    return y
