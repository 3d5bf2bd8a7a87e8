"""TensorFlow 1 API gaps, second round: einsum with ellipsis and diagonals, gather_nd/gather with
batch_dims, and tile/boolean_mask/tensordot/einsum on placeholders whose sizes are known only at
run time.  Values against NumPy, gradients against central differences, with and without the
graph compiler."""

from __future__ import annotations

import re

import numpy as np
import pytest
from static_gradcheck import check_value_and_gradient

import dlcore_static as tf

RNG = np.random.default_rng(41)


def check(build, ref, x, shape, passes=()):
    """``build(placeholder) -> tensor`` against ``ref(array)``; the gradient of
    ``sum(y * w)`` (a random ``w``) against central differences of the reference."""
    return check_value_and_gradient(build, ref, x, RNG, shape=shape, passes=passes)


# ----------------------------------------------------------------------------- einsum
B = RNG.standard_normal((3, 4, 2))


@pytest.mark.parametrize("eq,other", [
    ("...ij,...jk->...ik", B),
    ("bij,bjk->bik", B),
    ("...ij,jk", B[0]),
    ("bij->jb", None),
    ("...ii->...i", None),
    ("bii", None),
])
def test_einsum_with_unknown_dimensions(eq, other):
    x = RNG.standard_normal((3, 4, 4) if "ii" in eq else (3, 2, 4))
    if other is None:
        y = check(lambda p: tf.einsum(eq, p), lambda v: np.einsum(eq, v), x,
                  [None, 4, 4] if "ii" in eq else [None, None, None])
    else:
        y = check(lambda p: tf.einsum(eq, p, tf.constant(other)),
                  lambda v: np.einsum(eq, v, other), x, [None, None, None])
    assert y.shape.ndims == np.einsum(eq, *([x] if other is None else [x, other])).ndim


def test_einsum_compiled_and_errors():
    a, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((5, 1, 4, 2))
    check(lambda p: tf.einsum("...ij,...jk", p, tf.constant(b)),
          lambda v: np.einsum("...ij,...jk", v, b), a, [None, 3, None], passes="all")
    p = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(ValueError, match="subscript j has size 4 .* previously seen size 3"):
        tf.einsum("ij,jk->ik", p, tf.ones([4, 2]))
    with pytest.raises(TypeError):
        tf.einsum("ij,jk->ik", p, tf.ones([3, 2], tf.float64))


# ----------------------------------------------------------------------------- run-time sizes
X = RNG.standard_normal((3, 4))


@pytest.mark.parametrize("passes", [(), "all"])
def test_tile_with_unknown_dimensions(passes):
    for shape, mult in [([None, None], [2, 3]), ([None, 4], [1, 2]), ([None, None], [2, 1]),
                        ([None, None], [1, 1])]:
        y = check(lambda p: tf.tile(p, mult), lambda v: np.tile(v, mult), X, shape, passes)
        assert y.shape.as_list() == [None if d is None else d * m for d, m in zip(shape, mult)]
    with pytest.raises(ValueError, match="must be rank 2"):
        tf.tile(tf.placeholder(tf.float32, [None, None]), [2])


def test_tensordot_and_dense_with_unknown_dimensions():
    w = RNG.standard_normal((4, 5))
    check(lambda p: tf.tensordot(p, tf.constant(w), 1), lambda v: v @ w, X, [None, None])
    check(lambda p: tf.tensordot(p, p, [[1], [1]]), lambda v: v @ v.T, X, [None, None])
    x3 = RNG.standard_normal((2, 3, 4))
    check(lambda p: tf.tensordot(p, tf.constant(w), [[2], [0]]),
          lambda v: np.tensordot(v, w, [[2], [0]]), x3, [None, None, 4], passes="all")
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 4 and 3"):
        tf.tensordot(tf.placeholder(tf.float32, [None, 4]), tf.ones([3, 2]), 1)
    from dlcore_static.keras.layers import Dense
    inp = tf.placeholder(tf.float32, [None, None, 4])
    out = Dense(2)(inp)
    assert out.shape.as_list() == [None, None, 2]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(out, {inp: x3}).shape == (2, 3, 2)


def test_boolean_mask_with_unknown_dimensions():
    x3 = RNG.standard_normal((2, 3, 4))
    m2 = x3.sum(2) > 0
    check(lambda p: tf.boolean_mask(p, tf.constant(m2)), lambda v: v[m2], x3,
          [None, None, None])
    m1 = x3.sum((0, 2)) > 0
    check(lambda p: tf.boolean_mask(p, tf.constant(m1), axis=1), lambda v: v[:, m1], x3,
          [None, None, None], passes="all")
    check(lambda p: tf.boolean_mask(p, p > 0), lambda v: v[v > 0], X, [None, None])
    with pytest.raises(ValueError, match=r"Shapes \(3,\) and \(2,\) are incompatible"):
        tf.boolean_mask(tf.placeholder(tf.float32, [3, None]), tf.constant([True, False]))


# ----------------------------------------------------------------------------- batch_dims
P = RNG.standard_normal((2, 3, 4, 5))


def _np_gather_nd(p, ind, b):
    out = np.empty(ind.shape[:-1] + p.shape[b + ind.shape[-1]:])
    for j in np.ndindex(*ind.shape[:-1]):
        out[j] = p[j[:b] + tuple(ind[j])]
    return out


def _np_gather(p, ind, axis, b):
    if not b:
        return np.take(p, ind, axis)
    out = [np.take(p[j], ind[j], axis - b) for j in np.ndindex(*ind.shape[:b])]
    return np.stack(out).reshape(ind.shape[:b] + out[0].shape)


@pytest.mark.parametrize("passes", [(), "all"])
def test_gather_nd_batch_dims(passes):
    i1 = RNG.integers(0, 3, (2, 6, 1))
    i2 = np.stack([RNG.integers(0, 3, (2, 6)), RNG.integers(0, 4, (2, 6))], -1)
    i3 = RNG.integers(0, 4, (2, 3, 2))
    for ind, b in [(i1, 1), (i2, 1), (i3, 2), (i3 % 2, 0), (i2[:, :, :1], -2)]:
        bb = b % ind.ndim
        y = check(lambda p: tf.gather_nd(p, ind, batch_dims=b),
                  lambda v: _np_gather_nd(v, ind, bb), P, [None, 3, None, 5], passes)
        assert y.shape.ndims == ind.ndim - 1 + P.ndim - bb - ind.shape[-1]


def test_gather_batch_dims():
    ig = RNG.integers(0, 4, (2, 3, 7))
    for ind, axis, b in [(ig, 2, 2), (ig[:, :2] % 3, 1, 1), (ig[:, 0], 3, 1),
                         (ig[:, :, :2], None, -1), (ig[:, 0] % 3, 1, 0)]:
        a = (b % ind.ndim) if axis is None else axis
        check(lambda p: tf.gather(p, ind, axis=axis, batch_dims=b),
              lambda v: _np_gather(v, ind, a, b % ind.ndim), P, [None, 3, None, 5])
    with pytest.raises(ValueError, match=r"batch_dims \(2\) must be less than or equal to "
                                         r"axis \(1\)"):
        tf.gather(tf.constant(P), ig, axis=1, batch_dims=2)


def test_gather_nd_out_of_range_is_an_error():
    p = tf.constant(np.arange(12.0).reshape(3, 4))
    for idx in ([[0, 5]], [[-1, 0]], [[3, 0]]):
        y = tf.gather_nd(p, np.array(idx))
        text = f"indices[0] = [{idx[0][0]}, {idx[0][1]}] does not index into param shape [3,4]"
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                              match=re.escape(text)):     # (TF's words)
            s.run(y)
    with tf.Session() as s:
        assert s.run(tf.gather_nd(p, np.array([[2, 3], [0, 1]]))).tolist() == [11.0, 1.0]


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumprod_gradient_with_zeros(exclusive, reverse):
    x = RNG.standard_normal((3, 5))
    x[0, 1] = x[1, 0] = x[1, 3] = x[2, 4] = 0.0

    def ref(v):
        w = v[:, ::-1] if reverse else v
        c = np.cumprod(w, 1)
        if exclusive:
            c = np.concatenate([np.ones((3, 1)), c[:, :-1]], 1)
        return c[:, ::-1] if reverse else c
    check(lambda p: tf.cumprod(p, axis=1, exclusive=exclusive, reverse=reverse), ref, x,
          [None, 5])


# ----------------------------------------------------------------------------- tf.linalg
def test_matrix_inverse_and_svd():
    a = RNG.uniform(-0.9, 0.9, (2, 3, 3)) + 3.0 * np.eye(3)
    check(lambda p: tf.linalg.inv(p), np.linalg.inv, a, [None, 3, 3])
    check(lambda p: tf.matrix_inverse(p, adjoint=True),
          lambda v: np.linalg.inv(np.swapaxes(v, -1, -2)), a, [None, None, None])
    b = RNG.standard_normal((2, 4, 3))
    check(lambda p: tf.linalg.svd(p, compute_uv=False),
          lambda v: np.linalg.svd(v, compute_uv=False), b, [None, 4, 3])
    check(lambda p: (lambda s, u, v: tf.matmul(u * tf.expand_dims(s, -2), v,
                                               transpose_b=True))(*tf.svd(p)),
          lambda v: v, b, [None, 4, 3])
    s, u, v = tf.linalg.svd(tf.constant(b), full_matrices=True)
    assert u.shape.as_list() == [2, 4, 4] and v.shape.as_list() == [2, 3, 3]
    with pytest.raises(TypeError, match="floating point"):
        tf.linalg.inv(tf.placeholder(tf.int32, [2, 2]))
    with pytest.raises(ValueError, match="square matrices"):
        tf.linalg.inv(tf.placeholder(tf.float32, [2, 3]))
    singular = tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                             match="input matrix is singular"):
        sess.run(singular)


def test_reduce_mean_of_integers_truncates_in_their_dtype():
    """TensorFlow: the integer sum divided by the count, truncated toward zero, same dtype."""
    x = tf.constant(np.array([[1, 2], [-3, -4]], np.int32))
    m, m1 = tf.reduce_mean(x), tf.reduce_mean(x, 1, keepdims=True)
    assert m.dtype == tf.int32 and m1.dtype == tf.int32
    for passes in (None, "all"):
        with tf.Session(passes=passes) as sess:
            got, got1 = sess.run([m, m1])
        assert got == -1 and got.dtype == np.int32
        np.testing.assert_array_equal(got1, [[1], [-3]])
