"""Scalar float32 ``exp``/``sigmoid``/``tanh`` that LLVM vectorises inside a Numba loop.

This llvmlite links no vector maths library: ``math.exp``/``math.tanh`` in a ``@njit`` loop are
one scalar libm call per element, and a loop holding one is not vectorised.  These functions are
plain float32 arithmetic (``inline='always'``), so a generated loop that calls them still
vectorises: the compiler's fused float32 loops (``dlcore_static/compiler/loops.py``) call them.

* ``exp32``: Cephes' ``expf`` (also used by the sparse cross-entropy, ``_jit_xent``; the eager
  LSTM gates, ``_jit_rnn``, keep their own array form of it, clamped at -87 (no subnormal
  results), which measured 3.5x faster there than these scalar forms: 70 against 248 us for a (20, 800) gate step): the argument
  clamped to [-105, 89], ``k = round(x / ln 2)``, ``f = x - k ln 2`` (two-part ln 2),
  ``e^f`` by its degree-7 polynomial, times ``2^k`` built from the exponent bits
  (``_f32_from_bits``, an LLVM bitcast; below 2^-125 as 2^(k+64) then 2^-64, so a subnormal
  result is rounded once); relative error under 1.2e-7 where the result is a normal float32,
  the subnormal e^x below x = -87.33 and 0 below -103.9 (-inf included); +inf above 88.72
  (the float32 overflow; until session 56 the argument was clamped at 88, e^100 = 1.65e38,
  harmless to its callers then, whose arguments were <= 0).  NaN stays NaN.
  (Until session 21 the argument was clamped at -87.33: e^-inf and sigmoid(-inf) were
  1.18e-38, not 0, in the compiled plans' fused loops.)
* ``sigmoid32(x) = 1 / (1 + e)`` for x >= 0, ``e / (1 + e)`` below, with ``e = exp32(-|x|)``
  (one division: e / (1 + e) rather than e * (1 / (1 + e)), max 2.29 rather than 2.64 ulp
  from float64 over 2M points; torch's float32 sigmoid is 2.31 ulp): relative error ~1.8e-7 wherever the result is a normal float32 (below x = -87.33, e^x: subnormal, then 0).
* ``tanh32``: Cephes' ``tanhf``: ``x + x^3 P(x^2)`` for |x| < 0.625 (relative error ~1e-7, so
  small arguments keep their digits), else ``sign(x) (1 - 2 / (exp32(2|x|) + 1))``; +-1 beyond
  |x| = 9.1 (the float32 rounding of tanh there).  NaN stays NaN.  Its polynomials are in
  Estrin's form (pairs, then pairs of pairs) and its exponential inlines ``exp32``'s without
  the clamps (|x| <= 9.5 there) and rounds k with 1.5 * 2^23 rather than ``floor``: a shorter
  dependency chain, same error (max 1.35e-7 relative against float64 tanh, 1.19e-7 against
  torch's float32 tanh over 6M points); 8192 float32 in a loop, one thread, loaded machine:
  33 -> 26 us of CPU time.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def _f32_from_bits(typingctx, bits):
    """The float32 whose bit pattern is the low 32 bits of the integer ``bits``."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        v = args[0]
        if bits.bitwidth > 32:
            v = builder.trunc(v, ir.IntType(32))
        return builder.bitcast(v, ir.FloatType())
    return types.float32(bits), codegen


@njit(inline="always", nogil=True, cache=True)
def exp32(x):
    """``e^x`` of a float32 (see the module docstring)."""
    x = np.float32(x)
    x = x if not x < np.float32(-105.0) else np.float32(-105.0)
    x = x if not x > np.float32(89.0) else np.float32(89.0)
    k = np.floor(x * np.float32(1.4426950408889634) + np.float32(0.5))
    f = x - k * np.float32(0.693359375) - k * np.float32(-2.12194440e-4)
    p = np.float32(1.9875691500e-4)
    p = p * f + np.float32(1.3981999507e-3)
    p = p * f + np.float32(8.3334519073e-3)
    p = p * f + np.float32(4.1665795894e-2)
    p = p * f + np.float32(1.6666665459e-1)
    p = p * f + np.float32(5.0000001201e-1)
    e = p * f * f + f + np.float32(1.0)
    kk = np.int32(k) if k == k else np.int32(0)  # noqa: PLR0124 - NaN: any k, e is NaN
    # 2^k in two factors below 2^-125 (a subnormal result: 2^(k+64), exact, then 2^-64, the
    # one rounding), so that e^x is the subnormal it is down to e^-103.9 and 0 below
    low = kk < np.int32(-125)
    high = kk > np.int32(127)           # (x in (88.38, 89]: 2^(k-1), then 2: inf past 88.72)
    shift = np.int32(64) if low else (np.int32(-1) if high else np.int32(0))
    e = e * _f32_from_bits((kk + shift + np.int32(127)) << np.int32(23))
    return e * (np.float32(5.421010862427522e-20) if low else
                (np.float32(2.0) if high else np.float32(1.0)))


@njit(inline="always", nogil=True, cache=True)
def sigmoid32(x):
    """``1 / (1 + e^-x)`` of a float32 (see the module docstring)."""
    x = np.float32(x)
    e = exp32(-abs(x))                  # NaN -> NaN, so NaN / NaN
    return (e if x < np.float32(0.0) else np.float32(1.0)) / (np.float32(1.0) + e)


@intrinsic
def _bits_of_f32(typingctx, v):
    """The bit pattern of the float32 ``v`` as an int32 (an LLVM bitcast)."""
    if not isinstance(v, types.Float) or v.bitwidth != 32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))
    return types.int32(v), codegen


@njit(inline="always", nogil=True, cache=True)
def tanh32(x):
    """``tanh(x)`` of a float32 (see the module docstring)."""
    x = np.float32(x)
    a = abs(x)
    z = x * x
    z2 = z * z
    s = ((np.float32(-5.70498872745e-3) * z + np.float32(2.06390887954e-2)) * z2
         + (np.float32(-5.37397155531e-2) * z + np.float32(1.33314422036e-1)))
    small = (s * z2 + np.float32(-3.33332819422e-1) * z) * x + x
    # e^(2b), b = min(|x|, 9.5) (NaN -> 9.5, so no NaN reaches the integer k): exp32's
    # polynomial without its clamps, k rounded by adding 1.5 * 2^23 (k = the low bits)
    b = a if a < np.float32(9.5) else np.float32(9.5)    # noqa: FURB136 - NaN -> 9.5
    y = b + b
    t = y * np.float32(1.4426950408889634) + np.float32(12582912.0)
    k = t - np.float32(12582912.0)
    f = y - k * np.float32(0.693359375) - k * np.float32(-2.12194440e-4)
    f2 = f * f
    p = ((np.float32(1.9875691500e-4) * f + np.float32(1.3981999507e-3)) * (f2 * f2)
         + ((np.float32(8.3334519073e-3) * f + np.float32(4.1665795894e-2)) * f2
            + (np.float32(1.6666665459e-1) * f + np.float32(5.0000001201e-1))))
    e = (p * f2 + f + np.float32(1.0)) * _f32_from_bits(
        (_bits_of_f32(t) - np.int32(0x4B400000) + np.int32(127)) << np.int32(23))
    big = np.float32(1.0) - np.float32(2.0) / (e + np.float32(1.0))
    big = big if not a > np.float32(9.1) else np.float32(1.0)
    big = big if x >= np.float32(0.0) else -big
    small = small if a != np.float32(0.0) else x          # tanh(-0.0) = -0.0
    return small if a < np.float32(0.625) or x != x else big  # noqa: PLR0124 - NaN


# erf32: the rational approximation of Eigen's float32 erf (TensorFlow's and XLA's on the CPU),
# ``x P(x^2) / Q(x^2)`` on x clamped to [-4, 4] (erf(4) rounds to 1.0f), evaluated in float64:
# in float32 it was up to 6.7 ulp from the exact erf (|x| ~ 3.3), in float64 1.59
# (mean 0.6; PyTorch's float32 erf: 0.71), still plain arithmetic that LLVM vectorises.

@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def erf32(a):
    """``erf(a)`` of a float32, as a float32 (see the note above); NaN stays NaN, +-inf give
    +-1, -0.0 gives -0.0."""
    x = min(max(np.float64(a), -4.0), 4.0)
    z = x * x
    p = ((((((-2.72614225801306e-10 * z + 2.77068142495902e-08) * z - 2.10102402082508e-06)
            * z - 5.69250639462346e-05) * z - 7.34990630326855e-04) * z
          - 2.95459980854025e-03) * z - 1.60960333262415e-02) * x
    q = (((-1.45660718464996e-05 * z - 2.13374055278905e-04) * z - 1.68282697438203e-03) * z
         - 7.37332916720468e-03) * z - 1.42647390514189e-02
    r = np.float32(p / q)
    return r if a == a else np.float32(a)        # noqa: PLR0124 - NaN


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def gelu32(x):
    """The exact GELU of a float32 in PyTorch's float32 form and order, ``x 0.5 (1 + erf(x
    sqrt(1/2)))`` with ``erf32`` (so its tail below x ~ -4 cancels as PyTorch's does, where the
    float64 ``math.erf`` loop kept the digits; +inf gives +inf where PyTorch's gives NaN)."""
    x = np.float32(x)
    return x * np.float32(0.5) * (np.float32(1.0) + erf32(x * np.float32(0.7071067811865476)))


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def gelu_grad32(g, x):
    """``g (cdf(x) + x pdf(x))`` of float32s in PyTorch's ``gelu_backward`` form and order
    (``erf32``, ``exp32``)."""
    g = np.float32(g)
    x = np.float32(x)
    cdf = np.float32(0.5) * (np.float32(1.0) + erf32(x * np.float32(0.7071067811865476)))
    pdf = np.float32(0.3989422804014327) * exp32(x * x * np.float32(-0.5))
    return g * (cdf + x * pdf)


# log1p32: log(1 + u) of a float32 u >= 0 in float64, rounded once: y = 1 + u (exact in
# float64), y = 2^k m with m in [sqrt(1/2), sqrt 2] (k from y's float32 exponent, m scaled by
# an exact power of two), log m = 2 atanh(s) = 2 (s + s^3/3 + ... + s^15/15), s = (m-1)/(m+1),
# |s| <= 0.1716 (truncation ~1e-14).  Against PyTorch's softplus (Sleef's log1pf), 1M values:
# 15.6k results differ (max 2 ulp), where Cephes' float32 logf with the correction
# log(y) u / (y - 1) (13.5 against 20 us for a (64, 128) softplus) differed in 158k (3 ulp) and
# libm's log1p per element (95 us) in 71k.

@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def log1p32(u):
    """``log(1 + u)`` of a float32 ``u >= 0`` (see the note above); +inf gives +inf, NaN NaN,
    ``u`` below 2^-29 itself (log1p(u) = u (1 - u/2 ...) rounds to u)."""
    u = np.float32(u)
    y = 1.0 + np.float64(u)
    yf = np.float32(y)
    k = (_bits_of_f32(yf) >> np.int32(23)) - np.int32(127)
    m = y * np.float64(_f32_from_bits((np.int32(127) - k) << np.int32(23)))    # [1, 2]
    big = m > 1.4142135623730951
    m = m * 0.5 if big else m
    k = k + (np.int32(1) if big else np.int32(0))
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    p = 1.0 / 15.0
    p = p * z + 1.0 / 13.0
    p = p * z + 1.0 / 11.0
    p = p * z + 1.0 / 9.0
    p = p * z + 1.0 / 7.0
    p = p * z + 1.0 / 5.0
    p = p * z + 1.0 / 3.0
    r = np.float32(np.float64(k) * 0.6931471805599453 + 2.0 * s + 2.0 * s * z * p)
    r = r if yf < np.float32(np.inf) else yf
    return u if u < np.float32(1.8626451e-09) or u != u else r   # noqa: PLR0124 - NaN


# The activations in PyTorch's float32 forms and order (its vectorised CPU kernels, Sleef's
# expf/log1pf there, exp32/log1p32 here): silu and silu_backward, softplus (beta 1, threshold
# 20) and softplus_backward, log_sigmoid and its backward, mish and mish_backward.

@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def silu32(x):
    """``x / (1 + e^-x)``."""
    x = np.float32(x)
    return x / (np.float32(1.0) + exp32(-x))


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def silu_grad32(g, x):
    """``g s (1 + x (1 - s))``, ``s = 1 / (1 + e^-x)``."""
    g = np.float32(g)
    x = np.float32(x)
    s = np.float32(1.0) / (np.float32(1.0) + exp32(-x))
    return g * s * (np.float32(1.0) + x * (np.float32(1.0) - s))


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def softplus32(x):
    """``x`` above 20, else ``log1p(e^x)``."""
    x = np.float32(x)
    return x if x > np.float32(20.0) else log1p32(exp32(x))


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def softplus_grad32(g, x):
    """``g`` above 20, else ``g z / (z + 1)``, ``z = e^x``."""
    g = np.float32(g)
    x = np.float32(x)
    z = exp32(x)
    return g if x > np.float32(20.0) else g * z / (z + np.float32(1.0))


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def logsigmoid32(x):
    """``min(0, x) - log1p(e^-|x|)`` (NaN: NaN)."""
    x = np.float32(x)
    lo = x if x < np.float32(0.0) else np.float32(0.0)
    return lo - log1p32(exp32(-abs(x)))


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def logsigmoid_grad32(g, x):
    """``g (1 - z / (1 + z))`` below 0, ``g z / (1 + z)`` elsewhere, ``z = e^-|x|``."""
    g = np.float32(g)
    x = np.float32(x)
    z = exp32(-abs(x))
    q = z / (np.float32(1.0) + z)
    return ((np.float32(1.0) - q) if x < np.float32(0.0) else q) * g


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def mish32(x):
    """``x tanh(log1p(e^x))`` (no threshold, as PyTorch's)."""
    x = np.float32(x)
    return x * tanh32(log1p32(exp32(x)))


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def mish_grad32(g, x):
    """``g (t + x s (1 - t^2))``, ``t = tanh(softplus(x))``, ``s = sigmoid(x)``."""
    g = np.float32(g)
    x = np.float32(x)
    s = np.float32(1.0) / (np.float32(1.0) + exp32(-x))
    t = tanh32(log1p32(exp32(x)))
    return g * (t + x * s * (np.float32(1.0) - t * t))


# GELU's tanh approximation in PyTorch's float32 form and order (its vectorised CPU kernel:
# kBeta = sqrt(2) 2/sqrt(pi) / 2, kKappa = 0.044715, Sleef's tanhf there, tanh32 here)
_BETA = np.float32(0.7978845608028654)
_KAPPA = np.float32(0.044715)


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def gelu_tanh32(x):
    """``0.5 x (1 + tanh(kBeta (x + kKappa x^3)))``."""
    x = np.float32(x)
    inner = _BETA * (x + _KAPPA * (x * x * x))
    return np.float32(0.5) * x * (np.float32(1.0) + tanh32(inner))


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def gelu_tanh_grad32(g, x):
    """PyTorch's gelu_backward (tanh): ``g (0.5 (1 + t) + 0.5 x (1 - t^2) kBeta (1 + 3 kKappa
    x^2))``, ``t = tanh(kBeta (x + kKappa x^3))``."""
    g = np.float32(g)
    x = np.float32(x)
    x_sq = x * x
    t = tanh32(_BETA * (x + _KAPPA * (x_sq * x)))
    left_derivative = np.float32(0.5) * (np.float32(1.0) + t)
    inner_derivative = _BETA * (np.float32(1.0) + np.float32(3.0) * _KAPPA * x_sq)
    right = np.float32(0.5) * x * (np.float32(1.0) - t * t) * inner_derivative
    return g * (left_derivative + right)


@njit(inline="always", nogil=True, cache=True, error_model="numpy")
def bce_logits32(x, z):
    """PyTorch's binary_cross_entropy_with_logits term, ``(1 - z) x - log_sigmoid(x)``."""
    x = np.float32(x)
    z = np.float32(z)
    return (np.float32(1.0) - z) * x - logsigmoid32(x)
