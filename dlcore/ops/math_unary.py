"""Unary math primitives beyond the seed: trigonometric, hyperbolic, error functions,
logarithm/exponential variants and rounding.

Each is an elementwise primitive built by :func:`dlcore.ops.elementwise._unary` from one scalar
expression, so the CPU kernel family, the CUDA kernel and the graph compiler's fused loops all
come from the same text.  Expressions guard their domains explicitly (``asin(2)`` is NaN,
``floor(inf)`` is inf): Numba's ``math`` functions would give NaN too, but the CUDA simulator runs
plain Python, whose ``math`` raises ``ValueError`` outside the domain.

Rounding (floor, ceil, trunc, round) has a zero gradient almost everywhere, and PyTorch returns
that zero gradient rather than refusing: so do these vjps.  ``round`` rounds half to even, as
PyTorch, NumPy and TensorFlow do.

``erfinv`` has no scalar expression (no ``math`` function): its kernels are in
:mod:`dlcore.kernels.cpu.special` / :mod:`dlcore.kernels.cuda.special` (an initial
approximation polished by two Newton steps on ``erf``).
"""

from __future__ import annotations

import math

import numpy as np

from ..kernels.cpu import special as _cpu_special
from ..kernels.cpu import transcendental as _cpu_transcendental
from ..kernels.cuda import special as _cuda_special
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from .elementwise import _unary, div, exp, mul, neg, sqrt, sub, zeros_like, add

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0


def _tf(name: str, *, root: bool = True) -> dict:
    """TensorFlow names: ``tf.math.<name>`` and (for the common ones) ``tf.<name>``."""
    return {"tf": name, "tf.math": name} if root else {"tf.math": name}


def _api(torch_name, *, special=None, tf=None, tf_root=True, F=None) -> dict:
    api = {"torch": torch_name, "Tensor": torch_name}
    if special:
        api["torch.special"] = special
    if F:
        api["torch.nn.functional"] = F
    if tf:
        api.update(_tf(tf, root=tf_root))
    return api


def _vectorized(f):
    """A NumPy fallback (exotic layouts only) for a scalar ``math`` function."""
    def fn(x):
        return np.vectorize(f, otypes=[x.dtype])(x)
    return fn


def _np_rsqrt(x):
    return 1.0 / np.sqrt(x)


def _zero_vjp(g, y, x):
    return (zeros_like(g),)


# ----------------------------------------------------------------------------- trigonometric
# sin and cos take NumPy's ufuncs on float arrays (``simd=True``, as exp and log): its float32
# loops are vectorised (65,536 values, one thread, us, generated loop -> NumPy (PyTorch): 555 ->
# 40 (39); 1,024: 5.0 -> 1.9; within 1.4 ulp, PyTorch's 0.6), its float64 ones as fast as libm's
sin_p = _unary("sin", "math.sin({0})", np.sin, lambda g, y, x: (mul(g, cos(x)),),
               "y = sin(x);  dx = g cos(x)", simd=True, api=_api("sin", tf="sin"),
               tf_type="Sin")
cos_p = _unary("cos", "math.cos({0})", np.cos, lambda g, y, x: (neg(mul(g, sin(x))),),
               "y = cos(x);  dx = -g sin(x)", simd=True, api=_api("cos", tf="cos"),
               tf_type="Cos")
tan_p = _unary("tan", "math.tan({0})", np.tan, lambda g, y, x: (mul(g, add(1.0, mul(y, y))),),
               "y = tan(x);  dx = g (1 + y^2)", api=_api("tan", tf="tan"), tf_type="Tan")
def _over_sqrt(g, w):
    """``g / sqrt(w)``; for complex ``w``, ``g * rsqrt(w)``, PyTorch's complex form (the
    derivatives of asin, acos, asinh, acosh): at ``w = 0`` (asin at +-1, asinh at +-i) the
    product with rsqrt(0) = inf+nanj is nan+nanj as PyTorch's, where a complex division by
    zero gives inf+nanj."""
    if aval_of(w).dtype.kind == "c":
        return mul(g, rsqrt(w))
    return div(g, sqrt(w))


asin_p = _unary("asin", "math.asin({0}) if -1.0 <= {0} <= 1.0 else math.nan", np.arcsin,
                lambda g, y, x: (_over_sqrt(g, sub(1.0, mul(x, x))),),
                "y = asin(x) (NaN outside [-1, 1]);  dx = g / sqrt(1 - x^2)",
                api={**_api(("asin", "arcsin"), tf="asin")}, tf_type="Asin")
acos_p = _unary("acos", "math.acos({0}) if -1.0 <= {0} <= 1.0 else math.nan", np.arccos,
                lambda g, y, x: (neg(_over_sqrt(g, sub(1.0, mul(x, x)))),),
                "y = acos(x) (NaN outside [-1, 1]);  dx = -g / sqrt(1 - x^2)",
                api=_api(("acos", "arccos"), tf="acos"), tf_type="Acos")
atan_p = _unary("atan", "math.atan({0})", np.arctan,
                lambda g, y, x: (div(g, add(1.0, mul(x, x))),),
                "y = atan(x);  dx = g / (1 + x^2)", api=_api(("atan", "arctan"), tf="atan"),
                tf_type="Atan")

# ----------------------------------------------------------------------------- hyperbolic
sinh_p = _unary("sinh", "math.sinh({0}) if abs({0}) < 710.0 else {0} * math.inf", np.sinh,
                lambda g, y, x: (mul(g, cosh(x)),), "y = sinh(x);  dx = g cosh(x)",
                api=_api("sinh", tf="sinh"), tf_type="Sinh")
cosh_p = _unary("cosh", "math.cosh({0}) if abs({0}) < 710.0 else abs({0}) * math.inf", np.cosh,
                lambda g, y, x: (mul(g, sinh(x)),), "y = cosh(x);  dx = g sinh(x)",
                api=_api("cosh", tf="cosh"), tf_type="Cosh")
asinh_p = _unary("asinh", "math.asinh({0})", np.arcsinh,
                 lambda g, y, x: (_over_sqrt(g, add(mul(x, x), 1.0)),),
                 "y = asinh(x);  dx = g / sqrt(x^2 + 1)",
                 api=_api(("asinh", "arcsinh"), tf="asinh"), tf_type="Asinh")


def _acosh_vjp(g, y, x):
    """TensorFlow's ``_AcoshGrad`` for real x, ``g / sinh(y)``: NaN for x <= -1 (y is NaN there),
    +-inf at x = 1 (the static front end's rule).  Complex x: ``g / (sqrt(x - 1) sqrt(x + 1))``
    (as ``g rsqrt(x - 1) rsqrt(x + 1)``: nan+nanj at +-1), the derivative on both sides of the
    branch cut (PyTorch's complex acosh gradient; ``sqrt(x^2 - 1)`` has the other sign for
    Re x < 0), in both conventions."""
    if aval_of(x).dtype.kind == "c":    # (x - 1 as x + (-1): a -0.0 imaginary part made
        return (mul(g, mul(rsqrt(add(x, -1.0)), rsqrt(add(x, 1.0)))),)   # +0.0, as PyTorch's)
    return (div(g, sinh(y)),)


def _torch_acosh_vjp(g, y, x):
    """PyTorch's ``acosh_backward`` for real x, ``g / sqrt(x^2 - 1)``: finite below -1 (where
    the value is NaN), +-inf at +-1 (the eager front end's rule, ``vjp_conventions``); complex
    x as the primitive's rule (its complex wrapper, ``acosh_p.vjp``)."""
    if aval_of(x).dtype.kind == "c":
        return acosh_p.vjp(g, y, x)
    return (div(g, sqrt(sub(mul(x, x), 1.0))),)


acosh_p = _unary("acosh", "math.acosh({0}) if {0} >= 1.0 else math.nan", np.arccosh,
                 _acosh_vjp,
                 "y = acosh(x) (NaN below 1);  dx = g / sinh(y) (TensorFlow's; PyTorch's, the "
                 "eager front end's: g / sqrt(x^2 - 1), finite below -1; complex: "
                 "g / (sqrt(x - 1) sqrt(x + 1)))",
                 api=_api(("acosh", "arccosh"), tf="acosh"), tf_type="Acosh")
acosh_p.options["vjp_conventions"] = {"torch": _torch_acosh_vjp}
atanh_p = _unary("atanh",
                 "math.atanh({0}) if -1.0 < {0} < 1.0 else "
                 "(math.copysign(math.inf, {0}) if abs({0}) == 1.0 else math.nan)", np.arctanh,
                 lambda g, y, x: (div(g, sub(1.0, mul(x, x))),),
                 "y = atanh(x) (+-inf at +-1, NaN outside);  dx = g / (1 - x^2)",
                 api=_api(("atanh", "arctanh"), tf="atanh"), tf_type="Atanh")

# ----------------------------------------------------------------------------- error functions
erf_p = _unary("erf", "math.erf({0})", _vectorized(math.erf),
               lambda g, y, x: (mul(g, mul(exp(neg(mul(x, x))), _TWO_OVER_SQRT_PI)),),
               "y = erf(x);  dx = g 2/sqrt(pi) exp(-x^2)",
               api=_api("erf", special="erf", tf="erf"), tf_type="Erf")
# float32: one vectorised pass of _fast32.erf32 (transcendental.erf; a libm call per element
# took 16 ns: GELU's erf was 7% of a nanoGPT step)
erf_p.kernels["cpu"] = _cpu_transcendental.float32_entry(erf_p.kernels["cpu"],
                                                        _cpu_transcendental.erf)
erfc_p = _unary("erfc", "math.erfc({0})", _vectorized(math.erfc),
                lambda g, y, x: (mul(g, mul(exp(neg(mul(x, x))), -_TWO_OVER_SQRT_PI)),),
                "y = erfc(x) = 1 - erf(x);  dx = -g 2/sqrt(pi) exp(-x^2)",
                api=_api("erfc", special="erfc", tf="erfc"), tf_type="Erfc")


def _float_unary_rule(name):
    def rule(x: AVal) -> AVal:
        _rules.require_float(name, x)
        return AVal(x.shape, x.dtype)
    return rule


erfinv_p = Primitive(
    "erfinv", _float_unary_rule("erfinv"),
    lambda g, y, x: (mul(g, mul(exp(mul(y, y)), _SQRT_PI_OVER_2)),), kind="special",
    doc="y = erfinv(x) (+-inf at +-1, NaN outside [-1, 1]);  dx = g sqrt(pi)/2 exp(y^2)",
    kernels={"cpu": _cpu_special.erfinv, "cuda": _cuda_special.erfinv},
    api={"torch": "erfinv", "Tensor": "erfinv", "torch.special": "erfinv",
         "tf.math": "erfinv"}, convention="unary", float_only=True, tf_type="Erfinv")

# ----------------------------------------------------------------------------- exp / log
log1p_p = _unary("log1p",
                 "math.log1p({0}) if {0} > -1.0 else (-math.inf if {0} == -1.0 else math.nan)",
                 np.log1p, lambda g, y, x: (div(g, add(x, 1.0)),),
                 "y = log(1 + x);  dx = g / (1 + x)",
                 api=_api("log1p", special="log1p", tf="log1p"), tf_type="Log1p")
expm1_p = _unary("expm1", "math.expm1({0}) if {0} < 709.0 else {0} * math.inf", np.expm1,
                 lambda g, y, x: (mul(g, add(y, 1.0)),), "y = exp(x) - 1;  dx = g (y + 1)",
                 api=_api("expm1", special="expm1", tf="expm1"), tf_type="Expm1")
log2_p = _unary("log2",
                "math.log2({0}) if {0} > 0 else (-math.inf if {0} == 0 else math.nan)", np.log2,
                lambda g, y, x: (div(g, mul(x, _LN2)),), "y = log2(x);  dx = g / (x ln 2)",
                api=_api("log2"))
log10_p = _unary("log10",
                 "math.log10({0}) if {0} > 0 else (-math.inf if {0} == 0 else math.nan)", np.log10,
                 lambda g, y, x: (div(g, mul(x, _LN10)),), "y = log10(x);  dx = g / (x ln 10)",
                 api=_api("log10"))
exp2_p = _unary("exp2", "2.0 ** {0} if {0} < 1024.0 else {0} * math.inf", np.exp2,
                lambda g, y, x: (mul(g, mul(y, _LN2)),), "y = 2^x;  dx = g y ln 2",
                api=_api("exp2", special="exp2"))

# ----------------------------------------------------------------------------- rounding
# Every float of magnitude 2^52 or more is an integer already (and math.floor of it would leave
# int64's range), as are +-inf, NaN and +-0: those come back unchanged.  The result takes x's
# sign (math.copysign), as C's floor/ceil/trunc/rint do: ceil(-0.5), trunc(-0.5) and
# round(-0.3) are -0.0, as in PyTorch, NumPy and TensorFlow.
_AS_IS = "{0} if not abs({0}) < 4503599627370496.0 or {0} == 0 else "
# (int_identity: PyTorch returns an integer input unchanged, as a copy, not a float)
floor_p = _unary("floor", _AS_IS + "math.copysign(math.floor({0}), {0})", np.floor, _zero_vjp,
                 "y = floor(x);  dx = 0", api=_api("floor", tf="floor"), tf_type="Floor",
                 int_identity=True)
ceil_p = _unary("ceil", _AS_IS + "math.copysign(math.ceil({0}), {0})", np.ceil, _zero_vjp,
                "y = ceil(x) (-0.0 for x in (-1, 0]);  dx = 0", api=_api("ceil", tf="ceil"),
                tf_type="Ceil", int_identity=True)
# (not math.trunc: NumPy 2 scalars have no __trunc__, and the CUDA simulator runs plain Python)
trunc_p = _unary("trunc", _AS_IS + "math.copysign(math.floor(abs({0})), {0})",
                 np.trunc, _zero_vjp,
                 "y = trunc(x) (towards zero; -0.0 for x in (-1, 0]);  dx = 0",
                 api=_api(("trunc", "fix")), int_identity=True)
# Half to even: floor, plus one where the fraction is above one half, or exactly one half
# from an odd floor.
rint_p = _unary(
    "rint",
    _AS_IS + "math.copysign(math.floor({0}) + (1.0 if ({0} - math.floor({0}) > 0.5 or "
    "({0} - math.floor({0}) == 0.5 and math.floor({0}) % 2.0 != 0.0)) else 0.0), {0})",
    np.rint, _zero_vjp, "y = round(x) (half to even; -0.0 for x in [-0.5, 0]);  dx = 0",
    api={"tf": ("round", "rint"), "tf.math": ("round", "rint")}, tf_type="Round")
reciprocal_p = _unary("reciprocal", "1.0 / {0} if {0} != 0 else math.copysign(math.inf, {0})",
                      np.reciprocal, lambda g, y, x: (neg(mul(g, mul(y, y))),),
                      "y = 1 / x;  dx = -g y^2", api=_api("reciprocal", tf="reciprocal"),
                      tf_type="Reciprocal")
rsqrt_p = _unary("rsqrt",
                 "1.0 / math.sqrt({0}) if {0} > 0 else "
                 "(math.copysign(math.inf, {0}) if {0} == 0 else math.nan)",
                 _np_rsqrt, lambda g, y, x: (mul(g, mul(mul(y, mul(y, y)), -0.5)),),
                 "y = 1 / sqrt(x) (-inf at -0.0);  dx = -g y^3 / 2", api=_api("rsqrt", tf="rsqrt"),
                 tf_type="Rsqrt")


def sin(x): return bind(sin_p, x)
def cos(x): return bind(cos_p, x)
def tan(x): return bind(tan_p, x)
def asin(x): return bind(asin_p, x)
def acos(x): return bind(acos_p, x)
def atan(x): return bind(atan_p, x)
def sinh(x): return bind(sinh_p, x)
def cosh(x): return bind(cosh_p, x)
def asinh(x): return bind(asinh_p, x)
def acosh(x): return bind(acosh_p, x)
def atanh(x): return bind(atanh_p, x)
def erf(x): return bind(erf_p, x)
def erfc(x): return bind(erfc_p, x)
def erfinv(x): return bind(erfinv_p, x)
def log1p(x): return bind(log1p_p, x)
def expm1(x): return bind(expm1_p, x)
def log2(x): return bind(log2_p, x)
def log10(x): return bind(log10_p, x)
def exp2(x): return bind(exp2_p, x)
def floor(x): return bind(floor_p, x)
def ceil(x): return bind(ceil_p, x)
def trunc(x): return bind(trunc_p, x)
def rint(x): return bind(rint_p, x)
def reciprocal(x): return bind(reciprocal_p, x)
def rsqrt(x): return bind(rsqrt_p, x)
