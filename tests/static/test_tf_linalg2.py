"""TensorFlow 1's solvers and factorizations on dlcore_static: tf.linalg.solve/tf.matrix_solve,
triangular_solve (lower by default, adjoint), cholesky, cholesky_solve, qr, eigh/eigvalsh
(self_adjoint_eig), det, slogdet, logdet, lstsq/matrix_solve_ls, pinv, lu, lu_solve,
lu_matrix_inverse, lu_reconstruct, expm: values against NumPy/SciPy,
gradients (tf.gradients) against central differences in float64, partly unknown shapes, and
run-time errors as InvalidArgumentError."""

from __future__ import annotations

import numpy as np
import pytest
from static_gradcheck import check_value_and_gradient

import dlcore_static as tf

RNG = np.random.default_rng(5)


def check(build, ref, x, shape=None, passes=None):
    """Values and gradients; the cotangent weights come from a generator of their own per call,
    so a test's draws do not depend on which tests ran before it on the same xdist worker (the
    expm gradient's central differences sit within 2x of their tolerance for some weights)."""
    return check_value_and_gradient(build, ref, x, np.random.default_rng(11), shape=shape,
                                    passes=passes, rtol=1e-9, atol=1e-10)


def _well(shape):
    return RNG.uniform(-0.9, 0.9, shape) + 3.0 * np.eye(shape[-1])


def _spd(shape):
    a = RNG.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _t(a):
    return np.swapaxes(a, -1, -2)


B = RNG.standard_normal((2, 3, 2))


def test_solve_and_triangular_solve():
    a = _well((2, 3, 3))
    check(lambda p: tf.linalg.solve(p, tf.constant(B)), lambda v: np.linalg.solve(v, B), a,
          [None, 3, 3])
    check(lambda p: tf.matrix_solve(p, tf.constant(B), adjoint=True),
          lambda v: np.linalg.solve(_t(v), B), a, passes="all")
    check(lambda p: tf.linalg.solve(tf.constant(a), p), lambda v: np.linalg.solve(a, v), B)
    check(lambda p: tf.linalg.triangular_solve(p, tf.constant(B)),
          lambda v: np.linalg.solve(np.tril(v), B), a)
    check(lambda p: tf.matrix_triangular_solve(p, tf.constant(B), lower=False, adjoint=True),
          lambda v: np.linalg.solve(_t(np.triu(v)), B), a)


def test_cholesky_family():
    s = _spd((2, 3, 3))
    # the gradient is TensorFlow's symmetric one: check it through a symmetric input
    check(lambda p: tf.linalg.cholesky(p + tf.transpose(p, [0, 2, 1])),
          lambda v: np.linalg.cholesky(v + _t(v)), s / 2)
    lo = np.linalg.cholesky(s)
    check(lambda p: tf.linalg.cholesky_solve(p, tf.constant(B)),
          lambda v: np.linalg.solve(np.tril(v) @ _t(np.tril(v)), B), lo)
    check(lambda p: tf.linalg.logdet(p + tf.transpose(p, [0, 2, 1])),
          lambda v: np.linalg.slogdet(v + _t(v))[1], s / 2)
    check(lambda p: tf.cholesky(p + tf.transpose(p, [0, 2, 1])),
          lambda v: np.linalg.cholesky(v + _t(v)), s / 2, [None, None, None], passes="all")


def test_determinants():
    a = RNG.standard_normal((2, 3, 3))
    check(lambda p: tf.linalg.det(p), np.linalg.det, a)
    check(lambda p: tf.matrix_determinant(p), np.linalg.det, a[0], [None, None])
    check(lambda p: tf.linalg.slogdet(p).log_abs_determinant,
          lambda v: np.linalg.slogdet(v)[1], a)
    sign, _ = tf.log_matrix_determinant(tf.constant(a))
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(sign), np.linalg.slogdet(a)[0])


@pytest.mark.parametrize("shape,full", [((4, 3), False), ((3, 5), False), ((3, 3), True)])
def test_qr(shape, full):
    a = RNG.standard_normal(shape)
    check(lambda p: tf.linalg.qr(p, full_matrices=full).q,
          lambda v: np.linalg.qr(v, "complete" if full else "reduced")[0], a)
    check(lambda p: tf.qr(p, full_matrices=full)[1],
          lambda v: np.linalg.qr(v, "complete" if full else "reduced")[1], a)


def test_eigh_reads_the_lower_triangle_with_tf_gradient():
    s = _spd((2, 3, 3)) + np.triu(RNG.standard_normal((3, 3)), 1)

    def sym(v):
        return np.tril(v) + _t(np.tril(v, -1))
    check(lambda p: tf.linalg.eigvalsh(p), lambda v: np.linalg.eigvalsh(sym(v)), s)
    check(lambda p: tf.self_adjoint_eig(p)[1] ** 2, lambda v: np.linalg.eigh(sym(v))[1] ** 2, s)
    e = tf.self_adjoint_eigvals(tf.constant(s))
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(e), np.linalg.eigvalsh(s), rtol=1e-10)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_lstsq_and_pinv(shape):
    a, b = RNG.standard_normal(shape), RNG.standard_normal((shape[0], 2))
    check(lambda p: tf.linalg.lstsq(p, tf.constant(b)),
          lambda v: np.linalg.lstsq(v, b, rcond=None)[0], a)
    check(lambda p: tf.matrix_solve_ls(p, tf.constant(b), l2_regularizer=0.5),
          lambda v: (np.linalg.solve(_t(v) @ v + 0.5 * np.eye(shape[1]), _t(v) @ b)
                     if shape[0] >= shape[1] else
                     _t(v) @ np.linalg.solve(v @ _t(v) + 0.5 * np.eye(shape[0]), b)), a)
    check(lambda p: tf.linalg.lstsq(p, tf.constant(b), fast=False),
          lambda v: np.linalg.pinv(v) @ b, a)
    check(lambda p: tf.linalg.pinv(p), np.linalg.pinv, a)


def test_lu_family():
    import scipy.linalg as sl
    a = np.array([[[1.0, 2, 0.5], [3, 1, 2], [0.5, 4, 1]], _well((3, 3))])   # pivots rows
    lu, p = tf.linalg.lu(tf.constant(a))
    rec = tf.linalg.lu_reconstruct(lu, p)
    with tf.Session() as s:
        vlu, vp, vrec = s.run([lu, p, rec])
    assert vp.dtype == np.int32
    for i in range(2):
        _, lo, up = sl.lu(a[i])
        np.testing.assert_allclose(vlu[i], np.tril(lo, -1) + up, rtol=1e-12)
        np.testing.assert_allclose(a[i][vp[i]], (np.tril(vlu[i], -1) + np.eye(3))
                                   @ np.triu(vlu[i]), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(vrec, a, rtol=1e-12)
    check(lambda x: tf.linalg.lu_solve(*tf.linalg.lu(x), tf.constant(B)),
          lambda v: np.linalg.solve(v, B), a)
    check(lambda x: tf.linalg.lu_matrix_inverse(*tf.linalg.lu(x)), np.linalg.inv, a,
          [None, 3, 3])


@pytest.mark.parametrize("passes", [None, "all"])
def test_expm_squares_each_matrix_as_it_needs(passes):
    rng = np.random.default_rng(17)              # its own draws: the norm is asserted
    m = rng.standard_normal((3, 3))
    # the second: skew-symmetric with 1-norm > 5.37 (squared at least once), exp orthogonal
    a = np.stack([rng.standard_normal((3, 3)) * 0.1, 8.0 * (m - m.T)])
    assert np.abs(a[1]).sum(0).max() > 5.4

    def ref(v):
        """exp by a fixed scaling (2^-8) and 20 Taylor terms: smooth in v, so its central
        differences are clean (SciPy's expm switches Pade degree with the norm, whose
        jumps of ~1e-13 show in differences with a 1e-6 step)."""
        x = v / 256.0
        out, term = np.broadcast_to(np.eye(3), v.shape).copy(), np.broadcast_to(
            np.eye(3), v.shape).copy()
        for k in range(1, 21):
            term = term @ x / k
            out = out + term
        for _ in range(8):
            out = out @ out
        return out
    check(lambda p: tf.linalg.expm(p), ref, a, [None, 3, 3], passes=passes)


def test_matrix_transpose_and_adjoint():
    a = RNG.standard_normal((2, 3, 4))
    check(lambda p: tf.linalg.matrix_transpose(p) * 2.0, lambda v: 2.0 * _t(v), a)
    check(lambda p: tf.linalg.adjoint(p), _t, a, [None, None, 4])
    check(lambda p: tf.matrix_transpose(p, conjugate=True), _t, a)


def test_errors():
    with pytest.raises(ValueError, match="square matrices"):
        tf.linalg.cholesky(tf.placeholder(tf.float32, [2, 3]))
    with pytest.raises(TypeError, match="floating point"):
        tf.linalg.det(tf.placeholder(tf.int32, [2, 2]))
    with pytest.raises(ValueError, match="Incompatible shapes"):
        tf.linalg.solve(tf.placeholder(tf.float64, [3, 3]), tf.placeholder(tf.float64, [2, 1]))
    not_pd = tf.linalg.cholesky(tf.constant([[1.0, 2.0], [2.0, 1.0]]))
    singular = tf.linalg.solve(tf.constant([[1.0, 2.0], [2.0, 4.0]]), tf.constant([[1.0], [1.0]]))
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="not positive-definite"):
            s.run(not_pd)
        with pytest.raises(tf.errors.InvalidArgumentError, match="input matrix is singular"):
            s.run(singular)
