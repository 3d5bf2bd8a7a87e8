"""The reverse-mode routine beyond single rows (each row's gradient against finite differences
is in the one op-table body, tests/core/test_op_table.py): casts, float32 gradients, gradients of
gradients by nesting ``vjp``, deep chains, several paths, unconnected inputs."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore import functional as F
from dlcore import ops

EPS = 1e-6


def numeric_vjp(f, xs, i, g):
    """<g, d f / d xs[i]> by central differences, one element at a time."""
    x = xs[i]
    grad = np.zeros_like(x, dtype=np.float64)
    flat = grad.reshape(-1)
    for k in range(x.size):
        def at(delta, k=k):
            step = np.zeros(x.size)
            step[k] = delta
            xk = x + step.reshape(x.shape)
            args = list(xs)
            args[i] = xk
            return np.asarray(f(*args), dtype=np.float64)
        flat[k] = np.sum(g * (at(EPS) - at(-EPS))) / (2 * EPS)
    return grad


def analytic_vjp(f, xs, g):
    out, f_vjp = F.vjp(f, *xs)
    return out, [np.asarray(c.buf) if c is not None else None for c in f_vjp(g)]


def test_cast_vjp_casts_the_cotangent_back():
    x = np.array([1.5, -2.0], np.float32)
    out, f_vjp = F.vjp(lambda x: ops.cast(x, "float64"), x)
    (gx,) = f_vjp(np.array([0.25, 3.0]))
    assert out.buf.dtype == np.float64 and gx.buf.dtype == np.float32
    np.testing.assert_array_equal(gx.buf, np.array([0.25, 3.0], np.float32))
    _, f_vjp = F.vjp(lambda x: ops.cast(x, "int32"), x)
    assert np.all(np.asarray(f_vjp(np.ones(2, np.int32))[0].buf) == 0)


def test_vjp_float32_gradients_stay_float32():
    x = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    b = np.ones(4, np.float32)
    out, f_vjp = F.vjp(lambda x, b: ops.mul(ops.tanh(ops.add(x, b)), 2.0), x, b)
    gx, gb = f_vjp(np.ones((3, 4), np.float32))
    assert out.buf.dtype == gx.buf.dtype == gb.buf.dtype == np.float32
    assert gb.buf.shape == (4,)


SECOND_ORDER = [
    ("tanh", ops.tanh, ((3,),)),
    ("exp", ops.exp, ((2, 3),)),
    ("sigmoid", ops.sigmoid, ((4,),)),
    ("mul-self", lambda x: ops.mul(x, ops.mul(x, x)), ((3,),)),
    ("log_softmax", ops.log_softmax, ((2, 4),)),
    ("matmul-sum", lambda x: ops.matmul(x, ops.transpose(x)), ((2, 3),)),
    ("div", lambda x: ops.div(1.0, ops.add(ops.mul(x, x), 1.0)), ((3,),)),
]


@pytest.mark.parametrize("name,f,shapes", SECOND_ORDER, ids=[s[0] for s in SECOND_ORDER])
def test_gradient_of_gradient(name, f, shapes):
    """d/dx <g, df/dx . v>  by nesting vjp, against finite differences of the first vjp."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shapes[0])
    g = rng.standard_normal(np.asarray(f(x)).shape)

    def first(xv):          # x -> vjp(f, x)(g): the gradient as a function of x
        _, f_vjp = F.vjp(f, xv)
        return f_vjp(g)[0]

    h = rng.standard_normal(x.shape)
    _, second_vjp = F.vjp(first, x)
    got = np.asarray(second_vjp(h)[0].buf)
    want = numeric_vjp(lambda xv: first(xv).buf, [x], 0, h)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_ten_thousand_deep_chain():
    def chain(x):
        for _ in range(10_000):
            x = ops.add(x, 1.0)
        return x
    x = np.zeros(3)
    out, f_vjp = F.vjp(chain, x)
    np.testing.assert_array_equal(out.buf, np.full(3, 10_000.0))
    g = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(f_vjp(g)[0].buf, g)


def test_multiple_paths_sum():
    x = np.array([1.0, 2.0, -3.0])
    _, f_vjp = F.vjp(lambda x: ops.add(ops.mul(x, x), ops.mul(x, 3.0)), x)
    np.testing.assert_allclose(f_vjp(np.ones(3))[0].buf, 2 * x + 3)


def test_unconnected_input_gets_zeros():
    x, y = np.ones(2), np.ones(3)
    _, f_vjp = F.vjp(lambda x, y: ops.exp(x), x, y)
    _, gy = f_vjp(np.ones(2))
    np.testing.assert_array_equal(np.asarray(gy.buf), np.zeros(3))
