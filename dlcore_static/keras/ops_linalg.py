"""``keras.ops`` linear algebra (Keras 3's ``keras.ops.linalg``, also at ``keras.ops``):
norms, solves, inverses, determinants and factorizations on graph tensors and NumPy values,
with Keras 3's signatures and result conventions (``svd`` gives ``(u, s, vh)`` with
``full_matrices=True`` by default, ``solve_triangular`` upper unless ``lower=True``, an int
input computed in float32)."""

from __future__ import annotations

import numbers

import numpy as np

from .ops_base import check, dname, pair, rank, t, tf, to_float
from .ops_shape import moveaxis

__all__ = ["norm", "solve", "inv", "det", "cholesky", "cholesky_inverse", "qr", "svd", "eigh",
           "lstsq", "slogdet", "logdet", "solve_triangular", "pinv", "cdist", "trapezoid",
           "vander", "corrcoef"]


def _square(x, op):
    x = to_float(x)
    s = x.shape.as_list()
    check(len(s) >= 2 and (s[-1] is None or s[-2] is None or s[-1] == s[-2]), op,
          f"expects square matrices in the last two axes, got shape {tuple(s)}")
    return x


def norm(x, ord=None, axis=None, keepdims=False):
    x = to_float(x)
    nd = rank(x)
    if axis is None:
        ax = list(range(nd))
    elif isinstance(axis, numbers.Integral):
        ax = [int(axis) % nd]
    else:
        ax = [int(a) % nd for a in axis]
    if axis is None and ord is not None:
        check(nd in (1, 2), "norm", f"ord={ord!r} with axis=None needs a 1-D or 2-D input")
    ax = sorted(ax) if len(ax) != 2 else ax
    a = tf().abs(x)
    if len(ax) == 1 or axis is None and ord is None:
        if ord is None or ord == 2:
            return tf().sqrt(tf().reduce_sum(tf().square(x), axis=ax, keepdims=keepdims))
        if ord == np.inf or ord == "inf":
            return tf().reduce_max(a, axis=ax, keepdims=keepdims)
        if ord == -np.inf:
            return tf().reduce_min(a, axis=ax, keepdims=keepdims)
        if ord == 0:
            return tf().reduce_sum(tf().cast(tf().not_equal(x, tf().zeros_like(x)), x.dtype),
                                   axis=ax, keepdims=keepdims)
        check(isinstance(ord, numbers.Number), "norm", f"invalid ord {ord!r} for a vector norm")
        p = tf().cast(ord, x.dtype)
        return tf().pow(tf().reduce_sum(tf().pow(a, p), axis=ax, keepdims=keepdims),
                        tf().cast(1.0 / ord, x.dtype))
    check(len(ax) == 2 and ax[0] != ax[1], "norm", f"invalid axis {axis!r}")
    r, c = ax
    if ord in (None, "fro"):
        return tf().sqrt(tf().reduce_sum(tf().square(x), axis=ax, keepdims=keepdims))
    if ord in (1, -1):
        s = tf().reduce_sum(a, axis=r, keepdims=True)
        f = tf().reduce_max if ord == 1 else tf().reduce_min
        out = f(s, axis=c, keepdims=True)
    elif ord in (np.inf, -np.inf):
        s = tf().reduce_sum(a, axis=c, keepdims=True)
        f = tf().reduce_max if ord == np.inf else tf().reduce_min
        out = f(s, axis=r, keepdims=True)
    elif ord in ("nuc", 2, -2):
        m = moveaxis(x, [r, c], [-2, -1])
        sv = tf().linalg.svd(m, compute_uv=False)
        out = tf().reduce_sum(sv, -1) if ord == "nuc" else \
            tf().reduce_max(sv, -1) if ord == 2 else tf().reduce_min(sv, -1)
        if keepdims:
            out = tf().expand_dims(tf().expand_dims(out, -1), -1)
            return moveaxis(out, [-2, -1], [r, c])
        return out
    else:
        raise ValueError(f"keras.ops.norm: invalid ord {ord!r} for a matrix norm")
    return out if keepdims else tf().squeeze(out, ax)


def solve(a, b):
    a, b = pair(a, b, floating=True)
    _square(a, "solve")
    if rank(b) == rank(a) - 1:
        return tf().squeeze(tf().linalg.solve(a, tf().expand_dims(b, -1)), [-1])
    return tf().linalg.solve(a, b)


def inv(x):
    return tf().linalg.inv(_square(x, "inv"))


def det(x):
    return tf().linalg.det(_square(x, "det"))


def cholesky(x, upper=False):
    low = tf().linalg.cholesky(_square(x, "cholesky"))
    return tf().linalg.adjoint(low) if upper else low


def cholesky_inverse(x, upper=False):
    f = _square(x, "cholesky_inverse")
    low = tf().linalg.adjoint(f) if upper else f
    eye = tf().eye(f.shape.as_list()[-1], dtype=f.dtype) + tf().zeros_like(f)
    return tf().linalg.cholesky_solve(low, eye)


def qr(x, mode="reduced"):
    check(mode in ("reduced", "complete"), "qr",
          f"`mode` argument value not supported. Expected one of {{'reduced', 'complete'}}. "
          f"Received: mode={mode}")
    x = to_float(x)
    check(rank(x) >= 2, "qr", f"expects a matrix, got shape {tuple(x.shape.as_list())}")
    q, r = tf().linalg.qr(x, full_matrices=mode == "complete")
    return q, r


def svd(x, full_matrices=True, compute_uv=True):
    x = to_float(x)
    if not compute_uv:
        return tf().linalg.svd(x, full_matrices=full_matrices, compute_uv=False)
    s, u, v = tf().linalg.svd(x, full_matrices=full_matrices, compute_uv=True)
    return u, s, tf().linalg.adjoint(v)


def eigh(x):
    w, v = tf().linalg.eigh(_square(x, "eigh"))
    return w, v


def lstsq(a, b, rcond=None):
    a, b = pair(a, b, floating=True)
    vec = rank(b) == 1
    bb = tf().expand_dims(b, -1) if vec else b
    out = tf().matmul(pinv(a, rcond), bb)
    return tf().squeeze(out, [-1]) if vec else out


def slogdet(x):
    s, ld = tf().linalg.slogdet(_square(x, "slogdet"))
    return s, ld


def logdet(x):
    return tf().linalg.logdet(_square(x, "logdet"))


def solve_triangular(a, b, lower=False):
    a, b = pair(a, b, floating=True)
    _square(a, "solve_triangular")
    vec = rank(b) == rank(a) - 1
    bb = tf().expand_dims(b, -1) if vec else b
    out = tf().linalg.triangular_solve(a, bb, lower=bool(lower))
    return tf().squeeze(out, [-1]) if vec else out


def pinv(x, rcond=None):
    x = to_float(x)
    s, u, v = tf().linalg.svd(x, full_matrices=False, compute_uv=True)
    m, n = x.shape.as_list()[-2:]
    if rcond is None:
        rcond = 10.0 * max(m or 1, n or 1) * float(np.finfo(dname(x)).eps)
    cut = tf().cast(rcond, x.dtype) * tf().reduce_max(s, axis=-1, keepdims=True)
    keep = tf().greater(s, cut)
    sinv = tf().where(keep, tf().cast(1.0, x.dtype) / tf().where(keep, s, tf().ones_like(s)),
                      tf().zeros_like(s))
    return tf().matmul(v * tf().expand_dims(sinv, -2), u, adjoint_b=True)


def cdist(x1, x2):
    a, b = pair(x1, x2)
    check(rank(a) >= 2 and rank(b) >= 2, "cdist", "`cdist` inputs must have rank >= 2")
    check(a.shape.as_list()[-1] == b.shape.as_list()[-1], "cdist",
          "Last dimension of inputs to `cdist` must match")
    d = tf().expand_dims(a, -2) - tf().expand_dims(b, -3)
    return tf().sqrt(tf().reduce_sum(d * d, axis=-1))


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = to_float(y)
    n = y.shape.as_list()[axis]
    check(n is not None, "trapezoid", "the axis needs a known length")
    lo = tf().gather(y, np.arange(n - 1, dtype=np.int32), axis=axis)
    hi = tf().gather(y, np.arange(1, n, dtype=np.int32), axis=axis)
    if x is None:
        d = tf().cast(dx, y.dtype)
    else:
        xx = t(x, dname(y))
        if rank(xx) == 1:
            shape = [1] * rank(y)
            shape[axis] = -1
            xx = tf().reshape(xx, shape)
            d = tf().gather(xx, np.arange(1, n, dtype=np.int32), axis=axis) - \
                tf().gather(xx, np.arange(n - 1, dtype=np.int32), axis=axis)
        else:
            d = tf().gather(xx, np.arange(1, n, dtype=np.int32), axis=axis) - \
                tf().gather(xx, np.arange(n - 1, dtype=np.int32), axis=axis)
    return tf().reduce_sum(d * (lo + hi) / tf().cast(2.0, y.dtype), axis=axis)


def vander(x, N=None, increasing=False):
    x = t(x)
    check(rank(x) == 1, "vander", f"x must be 1-D, got shape {tuple(x.shape.as_list())}")
    n = x.shape.as_list()[0] if N is None else int(N)
    p = np.arange(n) if increasing else np.arange(n)[::-1].copy()
    return tf().pow(tf().expand_dims(x, -1), tf().constant(p.astype(dname(x))))


def corrcoef(x):
    x = to_float(x)
    if rank(x) == 1:
        x = tf().expand_dims(x, 0)
    c = x - tf().reduce_mean(x, axis=1, keepdims=True)
    cov = tf().matmul(c, c, transpose_b=True)
    d = tf().sqrt(tf().linalg.diag_part(cov))
    out = cov / tf().expand_dims(d, 1) / tf().expand_dims(d, 0)
    return tf().clip_by_value(out, tf().cast(-1.0, x.dtype), tf().cast(1.0, x.dtype))
