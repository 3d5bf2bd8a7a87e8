"""Property tests (Hypothesis) of the CPU kernels against NumPy: broadcastable shape pairs,
non-contiguous inputs (transposed, strided, broadcast views), 0-d and size-0 arrays, every dtype.
Shapes are small; the interesting part is the layout, not the size."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlcore import ops

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

BINARY = [(ops.add, np.add), (ops.sub, np.subtract), (ops.mul, np.multiply),
          (ops.maximum, np.maximum), (ops.minimum, np.minimum), (ops.less, np.less),
          (ops.equal, np.equal), (ops.greater_equal, np.greater_equal)]
DTYPES = ["float32", "float64", "int32", "int64"]


def _values(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    return rng.integers(-5, 5, shape).astype(dtype)


def _layout(x: np.ndarray, how: int) -> np.ndarray:
    """The same values in a different memory layout."""
    if how == 1 and x.ndim >= 2:                  # Fortran order: a transposed buffer
        return np.asfortranarray(x)
    if how == 2 and x.ndim >= 1:                  # a strided view
        big = np.repeat(x, 2, axis=-1)
        return big[..., ::2]
    if how == 3 and x.ndim >= 1:                  # reversed (negative strides)
        return np.flip(np.flip(x, -1).copy(), -1)
    return x


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                 min_side=0, max_side=4),
       op=st.sampled_from(BINARY), dtype=st.sampled_from(DTYPES),
       layouts=st.tuples(st.integers(0, 3), st.integers(0, 3)), seed=st.integers(0, 2**16))
def test_binary_broadcasting(shapes, op, dtype, layouts, seed):
    f, ref = op
    a = _layout(_values(shapes.input_shapes[0], dtype, seed), layouts[0])
    b = _layout(_values(shapes.input_shapes[1], dtype, seed + 1), layouts[1])
    got = np.asarray(f(a, b))
    want = ref(a, b)
    assert got.shape == want.shape == shapes.result_shape
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                 min_side=0, max_side=3),
       seed=st.integers(0, 2**16))
def test_where_broadcasting(shapes, seed):
    rng = np.random.default_rng(seed)
    c = rng.random(shapes.input_shapes[0]) < 0.5
    a = _values(shapes.input_shapes[1], "float32", seed)
    b = _values(shapes.input_shapes[2], "float32", seed + 1)
    got = np.asarray(ops.where(c, a, b))
    np.testing.assert_array_equal(got, np.where(c, a, b))
    assert got.dtype == np.float32


@SETTINGS
@given(x=hnp.arrays(st.sampled_from([np.float32, np.float64]),
                    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
                    elements=st.floats(-10, 10, width=32)),
       layout=st.integers(0, 3))
def test_unary_any_layout(x, layout):
    x = _layout(x, layout)
    for f, ref in [(ops.exp, np.exp), (ops.tanh, np.tanh), (ops.neg, np.negative),
                   (ops.relu, lambda v: np.maximum(v, 0))]:
        got = np.asarray(f(x))
        assert got.dtype == x.dtype and got.shape == x.shape
        np.testing.assert_allclose(got, ref(x), rtol=2e-6 if x.dtype == np.float32 else 1e-12)


@SETTINGS
@given(x=hnp.arrays(st.sampled_from([np.float32, np.float64, np.int32, np.int64]),
                    hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4),
                    elements=st.integers(-100, 100)),
       data=st.data(), keepdims=st.booleans(), layout=st.integers(0, 3))
def test_reductions_any_axes(x, data, keepdims, layout):
    x = _layout(x, layout)
    axes = data.draw(st.lists(st.integers(0, x.ndim - 1), unique=True, max_size=x.ndim))
    axis = None if not axes else tuple(axes)
    # dlcore's sum keeps an integer dtype (TensorFlow's rule); NumPy widens int32 to int64.
    np_sum = lambda v, axis, keepdims: np.sum(v, axis=axis, keepdims=keepdims, dtype=v.dtype)
    for f, ref in [(ops.sum, np_sum), (ops.max, np.max), (ops.min, np.min)]:
        got = np.asarray(f(x, axis, keepdims))
        want = ref(x, axis=axis, keepdims=keepdims)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-6)
    ax = data.draw(st.integers(0, x.ndim - 1))
    np.testing.assert_array_equal(ops.argmax(x, ax), np.argmax(x, ax))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=4),
       keepdims=st.booleans())
def test_sum_of_size_zero(shape, keepdims):
    x = np.ones(shape, np.float32)
    got = np.asarray(ops.sum(x, 0, keepdims))
    want = np.sum(x, 0, keepdims=keepdims)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


@SETTINGS
@given(m=st.integers(1, 5), k=st.integers(1, 5), n=st.integers(1, 5),
       batch=st.sampled_from([(), (2,), (1, 3)]), ta=st.booleans(), tb=st.booleans())
def test_matmul_layouts(m, k, n, batch, ta, tb):
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    a = rng.standard_normal(batch + (m, k))
    b = rng.standard_normal((k, n))
    if ta:
        a = np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
    if tb:
        b = np.asfortranarray(b)
    np.testing.assert_allclose(ops.matmul(a, b), np.matmul(a, b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_zero_d_and_size_zero_every_dtype(dtype):
    z = np.array(True) if dtype == "bool" else np.array(3, dtype)
    e = np.ones((0, 2), dtype)
    for f, ref in [(ops.equal, np.equal), (ops.not_equal, np.not_equal)]:
        assert np.asarray(f(z, z)).shape == () and bool(f(z, z)) == bool(ref(z, z))
        assert np.asarray(f(e, e)).shape == (0, 2)
    if dtype != "bool":
        out = np.asarray(ops.add(z, z))
        assert out.shape == () and out.dtype == np.dtype(dtype) and out == z + z
        assert np.asarray(ops.mul(e, z)).shape == (0, 2)
    assert np.asarray(ops.cast(z, "float32")).dtype == np.float32
    assert np.asarray(ops.cast(e, "int64")).shape == (0, 2)
