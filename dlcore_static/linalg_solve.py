"""TensorFlow's functions for dlcore's solvers and factorizations (``dlcore.ops.linalg_systems``,
``dlcore.ops.linalg_factor``); :func:`dlcore_static.linalg_decomp.adapter` looks names up here
after its own table.

Where TensorFlow differs from the op: ``tf.linalg.triangular_solve`` reads the lower triangle
by default (``lower=True``) and ``adjoint`` solves with the transpose; ``cholesky_solve(chol,
rhs)`` takes the factor first; ``eigh``/``eigvalsh`` read the lower triangle and their gradient
is TensorFlow's (folded onto the lower triangle: the input is symmetrised from it first, and the
vjp of that symmetrisation does the folding); ``logdet`` is the log-determinant of a
positive-definite matrix through its Cholesky factor; ``matrix_solve_ls`` solves the
regularised normal equations by Cholesky (``fast=True``, TensorFlow's default) or takes the
minimum-norm solution through the pseudo-inverse (``fast=False``, no regulariser); ``pinv``'s
``rcond`` defaults to ``10 eps max(m, n)``.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import linalg_factor as _factor
from dlcore.registry import aval_of

from ._convert import _scoped

Qr = namedtuple("Qr", ["q", "r"])
Lu = namedtuple("Lu", ["lu", "p"])
LogMatrixDeterminant = namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])


def solve(matrix, rhs, adjoint: bool = False, name: str | None = None):
    """X with ``matrix X = rhs`` (``adjoint``: ``matrix^T X = rhs``)."""
    def f(a, b):
        return _ops.linalg_solve(_ops.matrix_transpose(a) if adjoint else a, b, True, False)
    return _scoped("MatrixSolve", name, f, matrix, rhs)


def triangular_solve(matrix, rhs, lower: bool = True, adjoint: bool = False,
                     name: str | None = None):
    """X with ``matrix X = rhs`` for triangular ``matrix`` (its lower triangle by default)."""
    def f(a, b):
        if adjoint:
            return _ops.solve_triangular(_ops.matrix_transpose(a), b, upper=bool(lower))
        return _ops.solve_triangular(a, b, upper=not lower)
    return _scoped("MatrixTriangularSolve", name, f, matrix, rhs)


def cholesky(input, name: str | None = None):
    return _scoped("Cholesky", name, _ops.cholesky, input)


def cholesky_solve(chol, rhs, name: str | None = None):
    """X with ``A X = rhs`` where ``chol`` is A's lower Cholesky factor."""
    from dlcore.ops.linalg_systems import cholesky_solve_triangular
    return _scoped("CholeskySolve", name, lambda c, b: cholesky_solve_triangular(b, c), chol,
                   rhs)


def qr(input, full_matrices: bool = False, name: str | None = None):
    """``(q, r)`` with ``input = q r``."""
    mode = "complete" if full_matrices else "reduced"
    return _scoped("Qr", name, lambda x: Qr(*_ops.qr(x, mode)), input)


def _from_lower(x):
    """The symmetric matrix whose lower triangle is x's."""
    return _ops.add(_ops.tril(x), _ops.matrix_transpose(_ops.tril(x, -1)))


def eigh(tensor, name: str | None = None):
    """``(e, v)``: eigenvalues ascending and eigenvectors of self-adjoint matrices."""
    return _scoped("SelfAdjointEigV2", name, lambda x: _ops.eigh(_from_lower(x)), tensor)


def eigvalsh(tensor, name: str | None = None):
    return _scoped("SelfAdjointEigV2", name, lambda x: _ops.eigvalsh(_from_lower(x)), tensor)


def det(input, name: str | None = None):
    return _scoped("MatrixDeterminant", name, _ops.det, input)


def slogdet(input, name: str | None = None):
    """``(sign, log_abs_determinant)``."""
    return _scoped("LogMatrixDeterminant", name,
                   lambda x: LogMatrixDeterminant(*_ops.slogdet(x)), input)


def logdet(matrix, name: str | None = None):
    """log det of Hermitian positive-definite matrices (through their Cholesky factor)."""
    from dlcore.ops.linalg_systems import logdet_pd
    return _scoped("logdet", name, logdet_pd, matrix, inner="mul")     # (TF1: logdet/mul)


def matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast: bool = True,
                    name: str | None = None):
    """Least squares: the regularised normal equations by Cholesky (``fast``), else the
    minimum-norm solution (``l2_regularizer`` must then be 0, as in TensorFlow)."""
    if not fast:
        if l2_regularizer != 0.0:
            raise ValueError("matrix_solve_ls: fast=False (the minimum-norm solution) takes "
                             "no l2_regularizer in dlcore; use fast=True")
        return _scoped("MatrixSolveLs", name, lambda a, b: _ops.lstsq(a, b), matrix, rhs)
    return _scoped("MatrixSolveLs", name,
                   lambda a, b: _factor.solve_ls_normal(a, b, float(l2_regularizer)),
                   matrix, rhs)


def pinv(a, rcond=None, validate_args: bool = False, name: str | None = None):
    """The pseudo-inverse; singular values at or below ``rcond`` times the largest are
    dropped (default ``10 eps max(m, n)``)."""
    def f(x):
        r = rcond
        if r is None:
            m, n = aval_of(x).shape[-2:]
            r = 10.0 * float(np.finfo(aval_of(x).dtype).eps) * max(m or 1, n or 1)
        return _ops.pinv(x, None, r)
    return _scoped("pinv", name, f, a, name_last=False)


def lu(input, output_idx_type=None, name: str | None = None):
    """``(lu, p)``: L (unit diagonal implied) and U packed, and the row order p (row j of
    ``L U`` is row ``p[j]`` of ``input``)."""
    from dlcore.ops.linalg_factor import lu_perm
    want64 = output_idx_type is not None and np.dtype(getattr(
        output_idx_type, "as_numpy_dtype", output_idx_type)) == np.int64

    def f(x):
        packed, perm = lu_perm(x)
        return Lu(packed, _ops.cast(perm, np.int64) if want64 else perm)
    return _scoped("Lu", name, f, input)


def lu_solve(lower_upper, perm, rhs, validate_args: bool = False, name: str | None = None):
    """X with ``A X = rhs`` from ``tf.linalg.lu``'s output."""
    from dlcore.ops.linalg_factor import lu_solve as _lu_solve
    return _scoped("lu_solve", name, lambda a, p, b: _lu_solve(a, p, b), lower_upper, perm, rhs)


def lu_matrix_inverse(lower_upper, perm, validate_args: bool = False, name: str | None = None):
    """A^-1 from ``tf.linalg.lu``'s output."""
    from dlcore.ops.decompositions import _eye_like
    from dlcore.ops.linalg_factor import lu_solve as _lu_solve
    return _scoped("lu_matrix_inverse", name, lambda a, p: _lu_solve(a, p, _eye_like(a)),
                   lower_upper, perm)


def lu_reconstruct(lower_upper, perm, validate_args: bool = False, name: str | None = None):
    """A from ``tf.linalg.lu``'s output: ``L U`` with its rows put back in place."""
    from dlcore.ops.linalg_factor import lu_unpack

    def f(a, p):
        lo, up = lu_unpack(a)
        prod = _ops.matmul(lo, up)
        idx = _ops.broadcast_like(_ops.expand_dims(_ops.argsort(p, -1), -1), prod)
        return _ops.take_along_axis(prod, idx, -2)
    return _scoped("lu_reconstruct", name, f, lower_upper, perm)


def expm(input, name: str | None = None):
    """exp of square matrices: each matrix scaled by 2^-s (s from its 1-norm, Higham's bound
    for the [13/13] Pade approximant), the approximant, then squared s times in a
    ``tf.while_loop`` that runs as many times as the largest s (matrices that need fewer keep
    their value: TensorFlow's scheme, which picks s at run time the same way)."""
    from dlcore.ops.linalg_systems import PADE13_THETA, matrix_exp

    from .control_flow import while_loop

    def f(x):
        norm = _ops.max_(_ops.sum(_ops.abs(x), -2), -1)
        s = _ops.maximum(_ops.ceil(_ops.div(_ops.log(_ops.div(norm, PADE13_THETA)),
                                            float(np.log(2.0)))), 0.0)
        s = _ops.stop_gradient(s)
        scale = _ops.expand_dims(_ops.pow(2.0, _ops.neg(s)), (-2, -1))
        r = matrix_exp(_ops.mul(x, scale), 0)
        total = _ops.max_(s)
        s_mat = _ops.expand_dims(s, (-2, -1))

        def body(i, r):
            return _ops.add(i, 1.0), _ops.where(_ops.less(i, s_mat), _ops.matmul(r, r), r)
        return while_loop(lambda i, r: _ops.less(i, total), body,
                          [_ops.full_like(total, 0.0), r])[1]
    return _scoped("MatrixExponential", name, f, input)


def matrix_transpose(a, name: str = "matrix_transpose", conjugate: bool = False):
    """``tf.linalg.matrix_transpose`` / ``tf.matrix_transpose``: the last two axes swapped
    (real tensors: ``conjugate`` changes nothing)."""
    from .unknown_rank import unknown
    from .unknown_rank_ops import matrix_transpose as _mt
    return _scoped("matrix_transpose", name, lambda x: _mt(x) if unknown(x) else
                   _ops.matrix_transpose(x), a, inner="transpose")      # (TF1: matrix_transpose/transpose, array_ops.py)


def adjoint(matrix, name: str | None = None):
    """``tf.linalg.adjoint``: the conjugate transpose of the last two axes (the transpose,
    for real tensors)."""
    return _scoped("adjoint", name, _ops.matrix_transpose, matrix)


_FUNCTIONS = {
    ("linalg_solve", "tf.linalg", "solve"): solve,
    ("linalg_solve", "tf", "matrix_solve"): solve,
    ("solve_triangular", "tf.linalg", "triangular_solve"): triangular_solve,
    ("solve_triangular", "tf", "matrix_triangular_solve"): triangular_solve,
    ("cholesky", "tf.linalg", "cholesky"): cholesky,
    ("cholesky", "tf", "cholesky"): cholesky,
    ("cholesky_solve", "tf.linalg", "cholesky_solve"): cholesky_solve,
    ("qr", "tf.linalg", "qr"): qr,
    ("qr", "tf", "qr"): qr,
    ("eigh", "tf.linalg", "eigh"): eigh,
    ("eigh", "tf", "self_adjoint_eig"): eigh,
    ("eigvalsh", "tf.linalg", "eigvalsh"): eigvalsh,
    ("eigvalsh", "tf", "self_adjoint_eigvals"): eigvalsh,
    ("det", "tf.linalg", "det"): det,
    ("det", "tf", "matrix_determinant"): det,
    ("slogdet", "tf.linalg", "slogdet"): slogdet,
    ("slogdet", "tf", "log_matrix_determinant"): slogdet,
    ("logdet_pd", "tf.linalg", "logdet"): logdet,
    ("lstsq", "tf.linalg", "lstsq"): matrix_solve_ls,
    ("lstsq", "tf", "matrix_solve_ls"): matrix_solve_ls,
    ("pinv", "tf.linalg", "pinv"): pinv,
    ("lu_perm", "tf.linalg", "lu"): lu,
    ("matrix_exp", "tf.linalg", "expm"): expm,
    ("lu_solve", "tf.linalg", "lu_solve"): lu_solve,
    ("lu_solve", "tf.linalg", "lu_matrix_inverse"): lu_matrix_inverse,
    ("lu_unpack", "tf.linalg", "lu_reconstruct"): lu_reconstruct,
}
