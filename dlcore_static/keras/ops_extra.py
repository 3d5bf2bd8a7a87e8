"""More of Keras 3's ``keras.ops.numpy``: window functions (constants, as NumPy's), ``gcd``/
``lcm`` (Euclid's loop on the graph), ``nanargmax``/``nanargmin`` (-1 for an all-NaN slice),
``matrix_rank``, ``correlate`` (1-D, modes valid/same/full), ``diagflat``, ``bincount``."""

from __future__ import annotations

import numpy as np

from .ops_base import FLOATX, check, dname, is_float, pair, rank, result_type, t, tf
from .ops_shape import diag

__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser", "gcd", "lcm", "nanargmax",
           "nanargmin", "matrix_rank", "correlate", "diagflat", "bincount", "adaptive_average_pool",
           "adaptive_max_pool"]


def _window(fn, x, *args):
    n = int(np.asarray(x))
    return tf().constant(fn(n, *args).astype(FLOATX))


def bartlett(x):
    return _window(np.bartlett, x)


def blackman(x):
    return _window(np.blackman, x)


def hamming(x):
    return _window(np.hamming, x)


def hanning(x):
    return _window(np.hanning, x)


def kaiser(x, beta):
    return _window(np.kaiser, x, float(beta))


def gcd(x1, x2):
    a, b = pair(x1, x2)
    check(not is_float(a), "gcd", f"expects integer inputs, got {dname(a)}")
    a, b = tf().abs(a), tf().abs(b)
    a, b = a + tf().zeros_like(b), b + tf().zeros_like(a)          # (broadcast)

    def body(u, v):
        nz = tf().not_equal(v, tf().zeros_like(v))
        safe = tf().where(nz, v, tf().ones_like(v))
        return tf().where(nz, v, u), tf().where(nz, tf().floormod(u, safe), v)
    out = tf().while_loop(lambda u, v: tf().reduce_any(tf().not_equal(v, tf().zeros_like(v))),
                          body, [a, b])
    return out[0]


def lcm(x1, x2):
    a, b = pair(x1, x2)
    g = gcd(a, b)
    zero = tf().equal(g, tf().zeros_like(g))
    safe = tf().where(zero, tf().ones_like(g), g)
    return tf().where(zero, tf().zeros_like(g), tf().abs(a * tf().floordiv(b, safe)))


def _nanarg(fn, fill, x, axis, keepdims):
    x = t(x)
    if axis is None:
        x, axis = tf().reshape(x, [-1]), 0
    if not is_float(x):
        out = fn(x, axis=axis, output_type=tf().int32)
        return tf().expand_dims(out, axis) if keepdims else out
    nan = tf().is_nan(x)
    filled = tf().where(nan, tf().zeros_like(x) + tf().cast(fill, x.dtype), x)
    out = fn(filled, axis=axis, output_type=tf().int32)
    allnan = tf().reduce_all(nan, axis=axis)
    out = tf().where(allnan, -tf().ones_like(out), out)
    return tf().expand_dims(out, axis) if keepdims else out


def nanargmax(x, axis=None, keepdims=False):
    return _nanarg(tf().argmax, -np.inf, x, axis, keepdims)


def nanargmin(x, axis=None, keepdims=False):
    return _nanarg(tf().argmin, np.inf, x, axis, keepdims)


def matrix_rank(x, tol=None):
    x = t(x)
    if not is_float(x):
        x = tf().cast(x, FLOATX)
    s = tf().linalg.svd(x, compute_uv=False)
    m, n = x.shape.as_list()[-2:]
    smax = tf().reduce_max(s, axis=-1, keepdims=True)
    if tol is None:
        tol_t = smax * tf().cast(max(m or 1, n or 1) * float(np.finfo(dname(x)).eps), x.dtype)
    else:
        tol_t = tf().cast(tol, x.dtype)
    return tf().reduce_sum(tf().cast(tf().greater(s, tol_t), "int32"), axis=-1)


def correlate(x1, x2, mode="valid"):
    check(mode in ("valid", "same", "full"), "correlate",
          f"mode must be 'valid', 'same' or 'full', got {mode!r}")
    a, b = t(x1), t(x2)
    d = result_type(dname(a), dname(b))
    d = FLOATX if not np.dtype(d).kind == "f" else d
    a, b = t(a, d), t(b, d)
    check(rank(a) == 1 and rank(b) == 1, "correlate",
          f"expects 1-D inputs, got shapes {a.shape.as_list()} and {b.shape.as_list()}")
    n, m = a.shape.as_list()[0], b.shape.as_list()[0]
    check(n is not None and m is not None, "correlate", "the inputs need known lengths")
    if n < m:                                   # (NumPy swaps and reverses)
        out = tf().reverse(correlate(b, a, mode), [0])
        return out
    pad = {"valid": (0, 0), "same": (m // 2, m - 1 - m // 2), "full": (m - 1, m - 1)}[mode]
    ap = tf().pad(a, [list(pad)])
    length = n + sum(pad) - m + 1
    idx = (np.arange(length)[:, None] + np.arange(m)[None, :]).astype(np.int32)
    return tf().reduce_sum(tf().gather(ap, idx) * b, axis=1)


def diagflat(x, k=0):
    return diag(tf().reshape(t(x), [-1]), k)


def bincount(x, weights=None, minlength=0, sparse=False):
    if sparse:
        raise ValueError("keras.ops.bincount: sparse=True is not supported")
    x = tf().cast(t(x), "int32")
    check(rank(x) in (1, 2), "bincount", f"x must be 1-D or 2-D, got shape "
          f"{tuple(x.shape.as_list())}")
    if weights is None:
        w, dt = None, "int32"
    else:
        w = t(weights)
        dt = dname(w) if is_float(w) else "int32" if dname(w) in ("bool", "int8", "int16") \
            else dname(w)
    n = tf().maximum(tf().reduce_max(x) + 1, int(minlength))
    if rank(x) == 1:
        ones = tf().ones_like(x, dtype=tf().as_dtype(dt)) if w is None else t(w, dt)
        return _count(x, ones, n)
    rows = tf().unstack(x, axis=0)
    ws = [None] * len(rows) if w is None else tf().unstack(t(w, dt), axis=0)
    return tf().stack([_count(r, tf().ones_like(r, dtype=tf().as_dtype(dt)) if wr is None
                              else wr, n) for r, wr in zip(rows, ws)])


def _count(x, w, n):
    """The sum of ``w`` per value of ``x`` over ``range(n)`` (``n`` a scalar tensor)."""
    hit = tf().equal(tf().expand_dims(x, -1), tf().range(n))
    return tf().reduce_sum(tf().where(hit, tf().expand_dims(w, -1) + tf().zeros_like(
        hit, dtype=w.dtype), tf().zeros_like(hit, dtype=w.dtype)), axis=0)


def _adaptive(inputs, output_size, data_format, mode):
    x = t(inputs)
    n = rank(x) - 2
    op = f"adaptive_{mode}_pool"
    check(n in (1, 2, 3), op, f"inputs of rank 3 to 5, got shape {tuple(x.shape.as_list())}")
    last = (data_format or "channels_last") == "channels_last"
    sizes = [int(output_size)] * n if isinstance(output_size, (int, np.integer)) else \
        [int(v) for v in output_size]
    check(len(sizes) == n, op, f"output_size {output_size!r} for {n} spatial axes")
    first = 1 if last else 2
    red = tf().reduce_mean if mode == "average" else tf().reduce_max
    for k, out_len in enumerate(sizes):
        ax = first + k
        length = x.shape.as_list()[ax]
        check(length is not None, op, "the spatial sizes must be known")
        parts = []
        for i in range(out_len):          # PyTorch's bins: [floor(i L / n), ceil((i+1) L / n))
            lo, hi = (i * length) // out_len, -((-(i + 1) * length) // out_len)
            seg = tf().gather(x, np.arange(lo, hi, dtype=np.int32), axis=ax)
            parts.append(red(seg, axis=ax, keepdims=True))
        x = tf().concat(parts, axis=ax)
    return x


def adaptive_average_pool(inputs, output_size, data_format=None):
    return _adaptive(inputs, output_size, data_format, "average")


def adaptive_max_pool(inputs, output_size, data_format=None):
    return _adaptive(inputs, output_size, data_format, "max")
