"""``keras.ops`` element-wise maths and reductions (Keras 3's ``keras.ops.numpy``), on graph
tensors, NumPy arrays and Python numbers, with Keras 3's dtypes: floating maths of an int or
bool tensor gives float32, ``abs``/``sign``/``negative`` keep the dtype, binary ops promote
as ``keras.backend.result_type``."""

from __future__ import annotations

import numpy as np

from .ops_base import FLOATX, axes, dname, is_float, pair, rank, t, tf, to_float

__all__ = ["absolute", "fabs", "negative", "sign", "floor", "ceil", "round", "trunc",
           "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh",
           "arccosh", "arctanh", "erf", "erfc", "log1p", "expm1", "log2", "log10", "exp2",
           "rsqrt", "reciprocal", "cbrt", "deg2rad", "rad2deg", "isnan", "isfinite", "isinf",
           "isneginf", "isposinf", "signbit", "nan_to_num", "power", "true_divide",
           "floor_divide", "mod", "fmod", "arctan2", "hypot", "logaddexp", "logaddexp2",
           "greater_equal", "less_equal", "logical_xor", "heaviside", "fmax", "fmin",
           "divide_no_nan", "all", "any", "prod", "std", "var", "amax", "amin",
           "logsumexp", "count_nonzero", "average", "ptp", "cumsum", "cumprod", "isclose",
           "allclose", "sinc", "i0", "ldexp"]


def _float_unary(name, fn):
    def op(x):
        return fn(to_float(x))
    op.__name__ = op.__qualname__ = name
    return op


def _tfn(path):
    def fn(x):
        o = tf()
        for p in path.split("."):
            o = getattr(o, p)
        return o(x)
    return fn


sin, cos, tan = (_float_unary(n, _tfn(n)) for n in ("sin", "cos", "tan"))
arcsin, arccos, arctan = (_float_unary("arc" + n[1:], _tfn(n)) for n in ("asin", "acos", "atan"))
sinh, cosh = _float_unary("sinh", _tfn("sinh")), _float_unary("cosh", _tfn("cosh"))
arcsinh, arccosh, arctanh = (_float_unary("arc" + n[1:], _tfn(n))
                             for n in ("asinh", "acosh", "atanh"))
erf, erfc = _float_unary("erf", _tfn("erf")), _float_unary("erfc", _tfn("erfc"))
log1p, expm1 = _float_unary("log1p", _tfn("log1p")), _float_unary("expm1", _tfn("expm1"))
rsqrt = _float_unary("rsqrt", _tfn("rsqrt"))
i0 = _float_unary("i0", _tfn("math.bessel_i0"))
log2 = _float_unary("log2", lambda x: tf().log(x) / tf().cast(np.log(2.0), x.dtype))
log10 = _float_unary("log10", lambda x: tf().log(x) / tf().cast(np.log(10.0), x.dtype))
exp2 = _float_unary("exp2", lambda x: tf().exp(x * tf().cast(np.log(2.0), x.dtype)))
deg2rad = _float_unary("deg2rad", lambda x: x * tf().cast(np.pi / 180.0, x.dtype))
rad2deg = _float_unary("rad2deg", lambda x: x * tf().cast(180.0 / np.pi, x.dtype))
cbrt = _float_unary("cbrt", lambda x: tf().sign(x) * tf().pow(
    tf().abs(x), tf().cast(1.0 / 3.0, x.dtype)))


def reciprocal(x):
    x = to_float(x)
    return tf().cast(1.0, x.dtype) / x


def sinc(x):
    x = to_float(x)
    px = x * tf().cast(np.pi, x.dtype)
    zero = tf().equal(x, tf().zeros_like(x))
    safe = tf().where(zero, tf().ones_like(px), px)
    return tf().where(zero, tf().ones_like(x), tf().sin(safe) / safe)


def absolute(x):
    x = t(x)
    return x if dname(x).startswith("uint") or dname(x) == "bool" else tf().abs(x)


fabs = _float_unary("fabs", _tfn("abs"))


def negative(x):
    return tf().negative(t(x))


def sign(x):
    x = t(x)
    return x if dname(x) == "bool" else tf().sign(x)


def _keep_int(name, fn):
    """floor/ceil/round/trunc: an int tensor is returned as it is (Keras 3: floor/ceil/trunc
    of ints give float32 for floor and ceil)."""
    def op(x):
        return fn(t(x))
    op.__name__ = op.__qualname__ = name
    return op


floor = _float_unary("floor", _tfn("floor"))
ceil = _float_unary("ceil", _tfn("ceil"))


def trunc(x):
    x = t(x)
    if not is_float(x):
        return x
    return tf().where(tf().less(x, tf().zeros_like(x)), tf().ceil(x), tf().floor(x))


def round(x, decimals=0):
    x = t(x)
    if not is_float(x):
        if decimals >= 0:
            return x
        f = 10 ** (-decimals)
        xf = tf().cast(x, FLOATX)
        return tf().cast(tf().round(xf / f) * f, x.dtype)
    if decimals == 0:
        return tf().round(x)
    f = tf().cast(10.0 ** decimals, x.dtype)
    return tf().round(x * f) / f


def _bool_test(name, fn, int_value):
    def op(x):
        x = t(x)
        if not is_float(x):
            return tf().fill(tf().shape(x), int_value) if rank(x) else tf().constant(int_value)
        return fn(x)
    op.__name__ = op.__qualname__ = name
    return op


isnan = _bool_test("isnan", _tfn("is_nan"), False)
isinf = _bool_test("isinf", _tfn("is_inf"), False)
isfinite = _bool_test("isfinite", _tfn("is_finite"), True)
isposinf = _bool_test("isposinf", lambda x: tf().equal(x, tf().cast(np.inf, x.dtype)), False)
isneginf = _bool_test("isneginf", lambda x: tf().equal(x, tf().cast(-np.inf, x.dtype)), False)


def signbit(x):
    x = t(x)
    if dname(x) == "bool" or dname(x).startswith("uint"):
        return tf().zeros_like(x, dtype=tf().bool)
    if not is_float(x):
        return tf().less(x, tf().zeros_like(x))
    neg_zero = tf().logical_and(tf().equal(x, tf().zeros_like(x)),
                                tf().less(tf().cast(1.0, x.dtype) / x, tf().zeros_like(x)))
    return tf().logical_or(tf().less(x, tf().zeros_like(x)), neg_zero)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = t(x)
    if not is_float(x):
        return x
    info = np.finfo(x.dtype.as_numpy_dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = tf().where(tf().is_nan(x), tf().fill(tf().shape(x), tf().cast(nan, x.dtype)), x)
    x = tf().where(isposinf(x), tf().fill(tf().shape(x), tf().cast(posinf, x.dtype)), x)
    return tf().where(isneginf(x), tf().fill(tf().shape(x), tf().cast(neginf, x.dtype)), x)


def power(x1, x2):
    a, b = pair(x1, x2)
    return tf().pow(a, b)


def true_divide(x1, x2):
    a, b = pair(x1, x2, floating=True)
    return a / b


def floor_divide(x1, x2):
    a, b = pair(x1, x2)
    return tf().floordiv(a, b)


def mod(x1, x2):
    a, b = pair(x1, x2)
    if dname(a) == "bool":
        a, b = tf().cast(a, "int32"), tf().cast(b, "int32")
    return tf().floormod(a, b)


def fmod(x1, x2):
    a, b = pair(x1, x2)
    if is_float(a):
        q = a / b
        q = tf().where(tf().less(q, tf().zeros_like(q)), tf().ceil(q), tf().floor(q))
        return a - q * b
    return tf().truncatemod(a, b)


def arctan2(x1, x2):
    a, b = pair(x1, x2, floating=True)
    return tf().atan2(a, b)


def hypot(x1, x2):
    a, b = pair(x1, x2, floating=True)
    return tf().sqrt(a * a + b * b)


def logaddexp(x1, x2):
    a, b = pair(x1, x2, floating=True)
    m = tf().maximum(a, b)
    out = m + tf().log1p(tf().exp(-tf().abs(a - b)))
    return tf().where(tf().is_inf(m), m, out)


def logaddexp2(x1, x2):
    a, b = pair(x1, x2, floating=True)
    ln2 = tf().cast(np.log(2.0), a.dtype)
    return logaddexp(a * ln2, b * ln2) / ln2


def greater_equal(x1, x2):
    a, b = pair(x1, x2)
    return tf().greater_equal(a, b)


def less_equal(x1, x2):
    a, b = pair(x1, x2)
    return tf().less_equal(a, b)


def logical_xor(x1, x2):
    return tf().not_equal(tf().cast(t(x1), "bool"), tf().cast(t(x2), "bool"))


def heaviside(x1, x2):
    a, b = pair(x1, x2)
    if not is_float(a):
        a, b = tf().cast(a, FLOATX), tf().cast(b, FLOATX)
    zero = tf().zeros_like(a)
    return tf().where(tf().less(a, zero), zero,
                      tf().where(tf().greater(a, zero), tf().ones_like(a), b + zero))


def fmax(x1, x2):
    a, b = pair(x1, x2)
    if not is_float(a):
        return tf().maximum(a, b)
    return tf().where(tf().is_nan(a), b, tf().where(tf().is_nan(b), a, tf().maximum(a, b)))


def fmin(x1, x2):
    a, b = pair(x1, x2)
    if not is_float(a):
        return tf().minimum(a, b)
    return tf().where(tf().is_nan(a), b, tf().where(tf().is_nan(b), a, tf().minimum(a, b)))


def divide_no_nan(x1, x2):
    a, b = pair(x1, x2, floating=True)
    zero = tf().equal(b, tf().zeros_like(b))
    safe = tf().where(zero, tf().ones_like(b), b)
    return tf().where(zero, tf().zeros_like(a / safe), a / safe)


def ldexp(x1, x2):
    x2 = t(x2)
    if is_float(x2):
        raise TypeError(f"keras.ops.ldexp: x2 must be an integer tensor, got {dname(x2)}")
    a = to_float(x1)
    return a * tf().pow(tf().cast(2.0, a.dtype), tf().cast(x2, a.dtype))


def _red(fn, x, axis, keepdims):
    if isinstance(axis, list):
        axis = tuple(axis)
    return fn(x, axis=axis, keepdims=bool(keepdims))


def all(x, axis=None, keepdims=False):
    return _red(tf().reduce_all, tf().cast(t(x), "bool"), axis, keepdims)


def any(x, axis=None, keepdims=False):
    return _red(tf().reduce_any, tf().cast(t(x), "bool"), axis, keepdims)


def amax(x, axis=None, keepdims=False):
    return _red(tf().reduce_max, t(x), axis, keepdims)


def amin(x, axis=None, keepdims=False):
    return _red(tf().reduce_min, t(x), axis, keepdims)


def prod(x, axis=None, keepdims=False, dtype=None):
    x = t(x)
    if dtype is None:           # Keras 3: bool/int8/int16 -> int32, uint8/16 -> uint32
        d = dname(x)
        dtype = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32",
                 "uint16": "uint32"}.get(d, d)
    return _red(tf().reduce_prod, t(x, dtype), axis, keepdims)


def var(x, axis=None, keepdims=False):
    x = to_float(x)
    calc = x if dname(x) != "float16" else tf().cast(x, FLOATX)
    m = _red(tf().reduce_mean, calc, axis, True)
    v = _red(tf().reduce_mean, tf().square(calc - m), axis, keepdims)
    return tf().cast(v, x.dtype)


def std(x, axis=None, keepdims=False):
    return tf().sqrt(var(x, axis, keepdims))


def logsumexp(x, axis=None, keepdims=False):
    return _red(tf().reduce_logsumexp, to_float(x), axis, keepdims)


def count_nonzero(x, axis=None):
    x = t(x)
    nz = tf().not_equal(x, tf().zeros_like(x))
    return _red(tf().reduce_sum, tf().cast(nz, "int32"), axis, False)


def average(x, axis=None, weights=None):
    x = t(x)
    if weights is None:
        return _red(tf().reduce_mean, to_float(x), axis, False)
    x, w = pair(x, weights, floating=True)
    if rank(w) == 1 and rank(x) > 1 and axis is not None:
        shape = [1] * rank(x)
        shape[int(axis) % rank(x)] = -1
        w = tf().reshape(w, shape)
    return _red(tf().reduce_sum, x * w, axis, False) / _red(
        tf().reduce_sum, w * tf().ones_like(x), axis, False)


def ptp(x, axis=None, keepdims=False):
    x = t(x)
    return amax(x, axis, keepdims) - amin(x, axis, keepdims)


def _cum(fn, x, axis, dtype):
    x = t(x)
    if dtype is None:
        d = dname(x)
        dtype = "int32" if d in ("bool", "int8", "int16") else \
            "uint32" if d in ("uint8", "uint16") else d
    x = t(x, dtype)
    if axis is None:
        x, axis = tf().reshape(x, [-1]), 0
    return fn(x, axis=axis)


def cumsum(x, axis=None, dtype=None):
    return _cum(tf().cumsum, x, axis, dtype)


def cumprod(x, axis=None, dtype=None):
    return _cum(tf().cumprod, x, axis, dtype)


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    a, b = pair(x1, x2)
    if not is_float(a):
        return tf().equal(a, b)
    d = tf().abs(a - b)
    ok = tf().less_equal(d, tf().cast(atol, a.dtype) + tf().cast(rtol, a.dtype) * tf().abs(b))
    ok = tf().logical_or(ok, tf().equal(a, b))
    if equal_nan:
        ok = tf().logical_or(ok, tf().logical_and(tf().is_nan(a), tf().is_nan(b)))
    return ok


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return tf().reduce_all(isclose(x1, x2, rtol, atol, equal_nan))


del axes
