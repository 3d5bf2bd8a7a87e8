"""Issue 15, item 3: results that used to be silently wrong, checked against NumPy and (where
installed) PyTorch: NaN propagation through maximum/minimum/clamp, relu(-1) = +0.0, std/var of
an empty tensor, norm(p=0); and the static front end's maximum on the same values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_static as tf

NAN = float("nan")
A = [NAN, 1.0, -2.0, NAN, 0.0]
B = [1.0, NAN, -3.0, NAN, -0.0]

CASES = [
    ("maximum", lambda T: T.maximum(T.tensor(A), T.tensor(B)), np.maximum(A, B)),
    ("minimum", lambda T: T.minimum(T.tensor(A), T.tensor(B)), np.minimum(A, B)),
    ("max_other", lambda T: T.max(T.tensor(B), T.tensor(A)), np.maximum(B, A)),
    ("clamp_min", lambda T: T.tensor(A).clamp(min=0), np.array([NAN, 1.0, 0.0, NAN, 0.0])),
    ("clamp_max", lambda T: T.tensor(A).clamp(max=0), np.array([NAN, 0.0, -2.0, NAN, 0.0])),
    ("clamp_both", lambda T: T.tensor(A).clamp(-1, 0.5), np.array([NAN, 0.5, -1.0, NAN, 0.0])),
    ("relu", lambda T: T.relu(T.tensor([-1.0, -0.0, 2.0, NAN])), np.array([0.0, 0.0, 2.0, NAN])),
    ("std_empty", lambda T: T.ones(0).std(), np.array(NAN)),
    ("var_empty", lambda T: T.ones(0).var(), np.array(NAN)),
    ("var_one", lambda T: T.ones(1).var(), np.array(NAN)),
    ("var_empty_biased", lambda T: T.ones(0).var(unbiased=False), np.array(NAN)),
    ("norm0", lambda T: T.tensor([0.0, 2.0, -3.0, 0.0]).norm(p=0), np.array(2.0)),
    ("norm_inf", lambda T: T.tensor([1.0, -5.0, 3.0]).norm(p=float("inf")), np.array(5.0)),
]


@pytest.mark.parametrize("fn, want", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_eager_matches_numpy(fn, want):
    got = fn(dl).numpy()
    np.testing.assert_array_equal(got, np.asarray(want, got.dtype))


@pytest.mark.parametrize("fn, want", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pytorch_agrees(fn, want):
    torch = pytest.importorskip("torch")
    with np.errstate(all="ignore"):
        got = fn(torch).numpy()
    np.testing.assert_array_equal(got, np.asarray(want, got.dtype))


@pytest.mark.parametrize("x", [-1.0, -1e-30, -0.0])
def test_relu_of_negatives_is_positive_zero(x):
    for dt in (dl.float32, dl.float64):
        y = dl.relu(dl.tensor([x], dtype=dt)).numpy()
        assert y[0] == 0.0 and not np.signbit(y[0]), (x, dt, y)


def test_relu_of_minus_one_scalar():
    assert math.copysign(1.0, float(dl.relu(dl.tensor(-1.0)))) == 1.0


@pytest.mark.parametrize("op, ref", [("maximum", np.maximum), ("minimum", np.minimum)])
def test_static_maximum_minimum_propagate_nan(op, ref):
    with tf.Graph().as_default():
        a = tf.placeholder(tf.float32, (5,))
        b = tf.placeholder(tf.float32, (5,))
        y = getattr(tf, op)(a, b)
        with tf.Session() as s:
            got = s.run(y, {a: np.float32(A), b: np.float32(B)})
    np.testing.assert_array_equal(got, ref(np.float32(A), np.float32(B)))
