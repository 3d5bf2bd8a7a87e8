"""The CPU kernels of leaky_relu and leaky_relu_grad (dlcore/kernels/cpu/leaky_relu.py) on every
layout they take a path for, against NumPy's where(x > 0, x, x * alpha) in the operands' dtype,
bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu import leaky_relu as K


def _x(dtype, shape=(6, 5), seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    a.flat[:5] = [np.nan, -0.0, 0.0, np.inf, -np.inf]
    return a


LAYOUTS = {
    "C": lambda a: a,
    "F": lambda a: np.asfortranarray(a),
    "strided": lambda a: np.repeat(a, 2, axis=1)[:, ::2],
    "transposed-view": lambda a: a.T.copy().T,
}


def _same(u, v):
    """Equal dtype, shape and bits (NaN payloads and signed zeros included)."""
    return u.dtype == v.dtype and u.shape == v.shape and \
        np.ascontiguousarray(u).tobytes() == np.ascontiguousarray(v).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("alpha", [0.01, 0.2, -0.5])
def test_forward_and_grad_every_layout(dtype, layout, alpha):
    a = dtype(alpha)
    x = LAYOUTS[layout](_x(dtype))
    assert _same(K.leaky_relu(x, alpha=alpha), np.where(x > 0, x, x * a))
    for glayout in LAYOUTS:
        g = LAYOUTS[glayout](_x(dtype, seed=1))
        assert _same(K.leaky_relu_grad(g, x, alpha=alpha), np.where(x > 0, g, g * a))
    g = np.broadcast_to(dtype(1.5), x.shape)           # a sum's cotangent
    assert _same(K.leaky_relu_grad(g, x, alpha=alpha), np.where(x > 0, g, g * a))


@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (7,)])
def test_small_and_empty(shape):
    x = np.asarray(np.random.default_rng(2).standard_normal(shape), np.float32)
    a = np.float32(0.2)
    assert _same(K.leaky_relu(x, alpha=0.2), np.asarray(np.where(x > 0, x, x * a)))
    assert _same(K.leaky_relu_grad(x, x, alpha=0.2), np.asarray(np.where(x > 0, x, x * a)))


def test_float16_in_float32_then_rounded():
    x = _x(np.float16)
    x32 = x.astype(np.float32)
    want = np.where(x32 > 0, x32, x32 * np.float32(0.1)).astype(np.float16)
    assert _same(K.leaky_relu(x, alpha=0.1), want)
