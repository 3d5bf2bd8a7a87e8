"""Shortcuts of eager backward (issue 19) held to the general path they skip, bit for bit:
``x ** e``'s gradient for a 0-d float exponent on buffers (its sub, pow and two muls on their
kernels, without four binds), reshape's gradient on buffers (``g.reshape``, without bind),
and the CPU ``sum`` over leading axes (a bias gradient: the column loop on the rows, without
``_reduce``'s transposed view), which ``sum_to_shape`` now takes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import dlcore_eager
from dlcore.kernels.cpu import reduce as R
from dlcore.ops import elementwise as ew
from dlcore.ops import power
from dlcore.ops import shape as shape_ops


def _values(rng, shape, dtype):
    x = rng.standard_normal(shape).astype(dtype) * 3
    flat = x.reshape(-1)
    flat[:5] = [np.inf, -np.inf, np.nan, -0.0, 0.0]
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("e", [3.0, -1.5, 0.5, 2.5, 7.0, -2.0])
def test_pow_da_of_a_0d_exponent_is_the_general_rules_bits(dtype, e):
    rng = np.random.default_rng(0)
    a = _values(rng, (6, 5), dtype)
    g = rng.standard_normal((6, 5)).astype(dtype)
    b = np.array(e, dtype)
    fast = power._pow_vjp(g, None, a, b)[0]()
    with np.errstate(all="ignore"):
        slow = ew.mul(g, ew.mul(b, power.pow(a, ew.sub(b, 1))))    # the ops, bound
    assert type(fast) is np.ndarray and fast.dtype == dtype and fast.shape == a.shape
    assert fast.tobytes() == np.asarray(slow).tobytes()


def test_cube_gradient_matches_torch():
    x = np.random.default_rng(1).standard_normal((16, 2)).astype(np.float32)
    d = dlcore_eager.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    (d ** 3 * dlcore_eager.arange(32.0).reshape(16, 2)).sum().backward()
    (t ** 3 * torch.arange(32.0).reshape(16, 2)).sum().backward()
    np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_reshape_gradient_on_buffers_is_the_bound_ops():
    g = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    x = np.zeros((2, 6), np.float32)
    fast = shape_ops.reshape_p.vjp(g, None, x, shape=(3, 4))[0]
    assert fast.shape == (2, 6) and fast.tobytes() == g.tobytes()
    t = dlcore_eager.tensor(g)                      # a Tensor cotangent: the bound op
    slow = shape_ops.reshape_p.vjp(t, None, dlcore_eager.tensor(x), shape=(3, 4))[0]
    assert type(slow) is dlcore_eager.Tensor and slow.shape == (2, 6)
    np.testing.assert_array_equal(slow.numpy(), fast)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axes", [((64, 128), (0,)), ((3, 4, 5), (0, 1)),
                                        ((3, 4, 5), (0,)), ((5, 1), (0,)), ((40, 300), (0,)),
                                        ((7, 3, 2), (0, 1)), ((1, 9), (0,))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_leading_axes_sum_is_reduces_bits(dtype, shape, axes, keepdims):
    x = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    fast = R.sum(x, axes=axes, keepdims=keepdims)
    slow = R._reduce(x, axes, keepdims, "sum")
    assert fast.dtype == slow.dtype == dtype and fast.shape == slow.shape
    assert fast.tobytes() == slow.tobytes()
    np.testing.assert_allclose(fast, x.astype(np.float64).sum(axes, keepdims=keepdims),
                               rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_sum_to_shape_of_a_bias_gradient():
    x = np.random.default_rng(3).standard_normal((16, 32)).astype(np.float32)
    out = R.sum_to_shape(x, (32,))
    assert out.shape == (32,) and out.dtype == np.float32
    assert out.tobytes() == R._reduce(x, (0,), False, "sum").tobytes()
    out = R.sum_to_shape(x, (16, 1))
    np.testing.assert_allclose(out, x.sum(1, keepdims=True), rtol=1e-5)


def _edge(rng, n, dtype, positive=False):
    x = rng.standard_normal(n).astype(dtype) * 3
    if positive:
        x = np.abs(x)
    x[:4] = [0.0, -0.0 if not positive else 0.0, np.inf, np.nan]
    return x


def _same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=True)
    assert np.array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("e", [3, 3.0, -1, -2.0, -0.5, 2, 1])
@pytest.mark.parametrize("n,step", [(37, 1), (100000, 1), (1000, 2)])
def test_number_powers_are_pytorchs_bits(dtype, e, n, step):
    """x ** e for PyTorch's shortcut exponents: x x x, 1 / x, 1 / (x x), 1 / sqrt(x), bit for
    bit at every size (below and above the parallel threshold) and on a strided view."""
    x = _edge(np.random.default_rng(4), n, dtype, positive=e == -0.5)
    got = (dlcore_eager.tensor(x)[::step] ** e).numpy()
    with np.errstate(all="ignore"):
        want = (torch.tensor(x)[::step] ** e).numpy()
    _same_bits(got, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_number_square_root_is_the_correctly_rounded_sqrt(dtype):
    # (PyTorch's own sqrt differs from IEEE's in the last bit of a sixth of float32 values)
    x = _edge(np.random.default_rng(5), 5000, dtype, positive=True)
    _same_bits((dlcore_eager.tensor(x) ** 0.5).numpy(), np.sqrt(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("e", [3, 4, -1, 0.5, 2])
def test_number_power_gradients_are_pytorchs_bits(dtype, e):
    """pow_backward's grad (e x.pow(e - 1)) with its shortcut for e - 1 (x x, x x x, 1 / (x x),
    1 / sqrt(x)), through backward() with a non-uniform cotangent."""
    x = np.abs(_edge(np.random.default_rng(6), 300, dtype))[4:] + 0.25
    w = np.random.default_rng(7).standard_normal(x.shape).astype(dtype)
    d = dlcore_eager.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    ((d ** e) * dlcore_eager.tensor(w)).sum().backward()
    ((t ** e) * torch.tensor(w)).sum().backward()
    _same_bits(d.grad.numpy(), t.grad.numpy())


def test_static_pow_keeps_the_libm_power_as_tensorflow():
    """The shortcuts are the eager front end's (PyTorch's convention): the primitive's kernel,
    which tf.pow runs, is still pow itself (a float32 1 - 0.999 ** 3 keeps its digits)."""
    import dlcore_static as tf
    b = np.array(0.999, np.float32)
    with tf.Session() as sess:
        got = sess.run(tf.pow(tf.constant(b), 3.0))
    assert got == power.pow_p.kernels["cpu"](b, np.array(3, np.float32))
    assert got == np.float32(np.float64(b) ** 3)          # (correctly rounded here)


def test_in_place_number_powers_are_pytorchs_bits():
    x = _edge(np.random.default_rng(8), 1000, np.float32)
    for e in (3, -2):
        d, t = dlcore_eager.tensor(x), torch.tensor(x)
        d.pow_(e)
        t.pow_(e)
        _same_bits(d.numpy(), t.numpy())
        d **= e
        t **= e
        _same_bits(d.numpy(), t.numpy())
