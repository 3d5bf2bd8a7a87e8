"""TensorFlow 1.15's math long tail, as compositions of graph ops (gradients come from theirs):

    divide_no_nan(x, y)      x / y, 0 where y == 0                (tf.div_no_nan, tf.math.*)
    multiply_no_nan(x, y)    x * y, 0 where y == 0 (even for x inf or NaN)
    reciprocal_no_nan(x)     1 / x, 0 where x == 0
    xlog1py(x, y)            x log1p(y), 0 where x == 0
    cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False)
                             log(cumsum(exp(x))) without overflow (dlcore's logcumsumexp)
    polyval(coeffs, x)       Horner's rule: coeffs[0] x^(n-1) + ... + coeffs[n-1]
    scalar_mul(scalar, x)    scalar * x for a 0-d scalar
    is_non_decreasing(x), is_strictly_increasing(x)   over x flattened (True below 2 elements)
    invert_permutation(x)    y[x[i]] = i (the argsort of a permutation)
    betainc(a, b, x)         the regularized incomplete beta function (dlcore.ops.betainc)
    real(x), imag(x), conj(x)  for real tensors (dlcore has no complex dtypes): x, zeros, x

Installed under ``tf.math`` and, where TensorFlow 1.15 has them there, ``tf``.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from . import dtypes as _dtypes
from .frontend import constant_value, convert_to_tensor
from .graph import Tensor, name_scope

__all__ = ["betainc", "conj", "cumulative_logsumexp", "divide_no_nan", "imag", "invert_permutation",
           "is_non_decreasing", "is_strictly_increasing", "multiply_no_nan", "polyval", "real",
           "reciprocal_no_nan", "scalar_mul", "xlog1py"]


def _pair(x, y):
    if not isinstance(x, Tensor) and isinstance(y, Tensor):
        x = convert_to_tensor(x, dtype=y.dtype)
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype)
    return x, y


def divide_no_nan(x, y, name=None):
    """``x / y``, 0 where ``y`` is 0."""
    with name_scope(name or "div_no_nan"):
        x, y = _pair(x, y)
        zero = _ops.equal(y, 0)
        return _ops.where(zero, 0, _ops.div(x, _ops.where(zero, 1, y)))


def multiply_no_nan(x, y, name=None):
    """``x * y``, 0 where ``y`` is 0 (even where ``x`` is inf or NaN)."""
    with name_scope(name or "multiply_no_nan"):
        x, y = _pair(x, y)
        zero = _ops.equal(y, 0)
        return _ops.where(zero, 0, _ops.mul(_ops.where(zero, 0, x), y))


def reciprocal_no_nan(x, name=None):
    """``1 / x``, 0 where ``x`` is 0."""
    with name_scope(name or "reciprocal_no_nan"):
        x = convert_to_tensor(x)
        zero = _ops.equal(x, 0)
        return _ops.where(zero, 0, _ops.div(1, _ops.where(zero, 1, x)))


def xlog1py(x, y, name=None):
    """``x * log1p(y)``, 0 where ``x`` is 0."""
    with name_scope(name or "xlog1py"):
        x, y = _pair(x, y)
        zero = _ops.equal(x, 0)
        return _ops.where(zero, 0, _ops.mul(x, _ops.log1p(_ops.where(zero, 0, y))))


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """``log(cumsum(exp(x), axis))`` computed stably; ``exclusive`` starts from -inf,
    ``reverse`` runs from the end."""
    with name_scope(name or "cumulative_logsumexp"):
        x = convert_to_tensor(x)
        rank = x.shape.ndims
        if rank is None:
            raise ValueError("cumulative_logsumexp: the rank of x must be known when the graph "
                             "is built")
        ax = int(axis) % max(rank, 1)
        if reverse:
            x = _ops.flip(x, (ax,))
        y = _ops.logcumsumexp(x, ax)
        if exclusive:
            n = x.shape.as_list()[ax]
            first = _ops.getitem(y, (slice(None),) * ax + (slice(0, 1),))
            start = _ops.add(_ops.zeros_like(first), -np.inf)
            rest = _ops.getitem(y, (slice(None),) * ax + (slice(0, -1),))
            y = start if n == 1 else _ops.concatenate([start, rest], ax)
        if reverse:
            y = _ops.flip(y, (ax,))
        return y


def polyval(coeffs, x, name=None):
    """``coeffs[0] x^(n-1) + ... + coeffs[n-1]`` by Horner's rule."""
    if not isinstance(coeffs, (list, tuple)):         # (TensorFlow raises ValueError here)
        raise ValueError(  # noqa: TRY004
            f"Argument coeffs must be list type found {type(coeffs)}.")
    with name_scope(name or "polyval"):
        x = convert_to_tensor(x)
        if not coeffs:
            return _ops.zeros_like(x)
        p = convert_to_tensor(coeffs[0], dtype=x.dtype)
        for c in coeffs[1:]:
            p = _ops.add(_ops.mul(p, x), convert_to_tensor(c, dtype=x.dtype))
        return p


def scalar_mul(scalar, x, name=None):
    """``scalar * x``; ``scalar`` must be 0-d."""
    s = convert_to_tensor(scalar, dtype=x.dtype if isinstance(x, Tensor) else None)
    if s.shape.ndims != 0:
        raise ValueError(f"Only scalar multiply works, got shape {s.shape}")
    with name_scope(name or "scalar_mul"):
        return _ops.mul(s, convert_to_tensor(x))


def _monotone(x, name, strict):
    with name_scope(name):
        x = convert_to_tensor(x)
        if x.dtype.is_bool or not (x.dtype.is_floating or x.dtype.is_integer):
            raise TypeError(f"Expected x to be numeric, got {x.dtype}")
        flat = _ops.reshape(x, (-1,))
        dims = x.shape.as_list() if x.shape.ndims is not None else None
        n = None if dims is None or None in dims else int(np.prod(dims))
        if n is not None and n < 2:
            return convert_to_tensor(True)
        diff = _ops.sub(_ops.getitem(flat, (slice(1, None),)),
                        _ops.getitem(flat, (slice(0, -1),)))
        ok = _ops.greater(diff, 0) if strict else _ops.greater_equal(diff, 0)
        return _ops.reduce_all(ok)


def is_non_decreasing(x, name=None):
    """True when ``x`` (flattened) never decreases."""
    return _monotone(x, name or "is_non_decreasing", False)


def is_strictly_increasing(x, name=None):
    """True when ``x`` (flattened) always increases."""
    return _monotone(x, name or "is_strictly_increasing", True)


def invert_permutation(x, name=None):
    """The inverse permutation: ``y[x[i]] = i`` for a 1-D permutation of 0..n-1."""
    with name_scope(name or "invert_permutation"):
        x = convert_to_tensor(x)
        if x.shape.ndims not in (None, 1):
            raise ValueError(f"Shape must be rank 1 but is rank {x.shape.ndims} for "
                             "'InvertPermutation'")
        known = constant_value(x)
        if known is not None and sorted(np.asarray(known).tolist()) != list(
                range(np.size(known))):
            raise ValueError(f"{np.asarray(known).tolist()} is not a permutation of "
                             f"0..{np.size(known) - 1}")
        return _ops.cast(_ops.argsort(x, -1), x.dtype.as_numpy_dtype)


def betainc(a, b, x, name=None):
    """The regularized incomplete beta function ``I_x(a, b)``; gradient for ``x`` only (as
    TensorFlow)."""
    with name_scope(name or "Betainc"):
        x = convert_to_tensor(x)
        a = convert_to_tensor(a, dtype=x.dtype)
        b = convert_to_tensor(b, dtype=x.dtype)
        if not (a.dtype == b.dtype == x.dtype):
            raise TypeError(f"Input 'b' of 'Betainc' Op has type {b.dtype.name} that does not "
                            f"match type {a.dtype.name} of argument 'a'.")
        return _ops.betainc(a, b, x)


def real(input, name=None):
    """The real part: ``input`` itself for real tensors."""
    return convert_to_tensor(input)


def imag(input, name=None):
    """The imaginary part: zeros for real tensors."""
    return _ops.zeros_like(convert_to_tensor(input))


def conj(x, name=None):
    """The complex conjugate: ``x`` itself for real tensors."""
    x = convert_to_tensor(x)
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise TypeError(f"Expected numeric or variant tensor, got dtype {x.dtype}")
    return x


ROOT = ["betainc", "div_no_nan", "scalar_mul", "invert_permutation", "real", "imag", "conj",
        "is_non_decreasing", "is_strictly_increasing"]


def install(tf_module, math_module) -> None:
    """Put the functions under ``tf.math`` and (TF 1.15's root names) ``tf``, never over an
    existing name."""
    for name in __all__:
        if not hasattr(math_module, name):
            setattr(math_module, name, globals()[name])
    for name in ROOT:
        fn = divide_no_nan if name == "div_no_nan" else globals()[name]
        if not hasattr(tf_module, name):
            setattr(tf_module, name, fn)
    if not hasattr(math_module, "truediv") and hasattr(tf_module, "truediv"):
        math_module.truediv = tf_module.truediv
    _ = _dtypes
