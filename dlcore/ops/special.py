"""Special functions: the gamma family, Hurwitz zeta, the modified Bessel functions I0/I1, the
scaled complementary error function and the normal distribution's quantile, with their
composites (log_ndtr, ndtr, xlog1py, xlogy/xdivy (TensorFlow's), entr, logit, multigammaln,
lbeta).

Primitives (kernels: :mod:`dlcore.kernels.cpu.special_math` / ``cuda.special_math``, whose maths
is written once in :mod:`dlcore.kernels._special_scalar`; ``lgamma`` is a scalar expression on
``math.lgamma``):

    lgamma(x)        y = log|Gamma(x)| (inf at the poles);    dx = g digamma(x)
    digamma(x)       y = psi(x);                               dx = g polygamma(1, x)
    polygamma(n, x)  y = psi^(n)(x) = (-1)^(n+1) n! zeta(n+1, x); dx = g polygamma(n+1, x), no dn
    zeta(x, q)       y = sum_k (k + q)^-x;                      dq = -g x zeta(x+1, q), no dx
    igamma(a, x)     y = P(a, x);              dx = g exp(-x) x^(a-1) / Gamma(a), no da
    igammac(a, x)    y = Q(a, x) = 1 - P(a, x);                 dx = -(igamma's), no da
    i0(x)            y = I0(x);                                 dx = g I1(x)
    i0e(x)           y = exp(-|x|) I0(x);                       dx = g (i1e(x) - sign(x) y)
    i1(x)            y = I1(x);                                 dx = g (I0(x) - y/x)  (g/2 at 0)
    i1e(x)           y = exp(-|x|) I1(x);       dx = g (i0e(x) - y (sign(x) + 1/x))  (g/2 at 0)
    erfcx(x)         y = exp(x^2) erfc(x);                      dx = g (2 x y - 2/sqrt(pi))
    ndtri(p)         y = Phi^-1(p);                             dp = g sqrt(2 pi) exp(y^2/2)

The binary ones (zeta, polygamma, igamma, igammac) take operands of one shape: their wrappers
promote and broadcast first (``broadcast_like``, whose vjp sums back), so the kernels are flat
loops.
PyTorch has no derivative for zeta's ``x`` or igamma's ``a``: asking for one raises its
NotImplementedError (in a static graph too: TensorFlow's igamma gradient for ``a`` is not
provided); polygamma's ``n`` has none, as in TensorFlow (None).
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from ..api import exports
from ..dtypes import is_floating
from ..kernels.cpu import special_math as _cpu
from ..kernels.cuda import special_math as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from .broadcast import broadcast_like, broadcast_to
from .elementwise import (
    _float_binary,
    _unary,
    add,
    cast,
    div,
    equal,
    exp,
    full_like,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    maximum,
    minimum,
    mul,
    neg,
    sign,
    stop_gradient,
    sub,
    where,
    zeros_like,
)
from .math_binary import bitwise_and, bitwise_or, isfinite, isinf
from .math_unary import erfc, log1p, sin

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_HALF = math.sqrt(0.5)


def _float_rule(name):
    def rule(x: AVal) -> AVal:
        _rules.require_float(name, x)
        return AVal(x.shape, x.dtype)
    return rule


def _pair_rule(name):
    def rule(a: AVal, b: AVal) -> AVal:
        dtype = _rules.same_dtype(name, a, b)
        _rules.require_float(name, a, b)
        return AVal(_rules.broadcast_shapes(name, a.shape, b.shape), dtype)
    return rule


def _special(name, cpu, cuda, vjp, doc, api, tf_type, **kw):
    return Primitive(name, _float_rule(name), vjp, kind="special", doc=doc,
                     kernels={"cpu": cpu, "cuda": cuda}, api=api, convention="unary",
                     float_only=True, tf_type=tf_type, **kw)


def _no_derivative(what: str):
    """The cotangent of an input with no derivative (PyTorch raises when one is asked for)."""
    def raise_():
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")
    return raise_


def _cpu_pair(kernel):
    """The CPU kernel of a binary special function, robust to broadcastable operands (the
    wrappers pass equal shapes; a direct ``bind`` may not)."""
    def k(a, b):
        if a.shape != b.shape:
            a, b = np.broadcast_arrays(a, b)
        return kernel(a, b)
    return k


# ----------------------------------------------------------------------------- gamma family
def _np_lgamma(x):
    def f(v):
        if v <= 0 and (not math.isfinite(v) or v == math.floor(v)):
            return math.inf
        return math.lgamma(v)
    return np.vectorize(f, otypes=[x.dtype])(x)


lgamma_p = _unary(
    "lgamma",
    "math.inf if ({0} <= 0.0 and (not math.isfinite({0}) or {0} == math.floor({0}))) "
    "else math.lgamma({0})",
    _np_lgamma, lambda g, y, x: (mul(g, digamma(x)),),
    "y = log|Gamma(x)| (inf at 0, the negative integers and -inf);  dx = g digamma(x)",
    api={"torch": "lgamma", "Tensor": "lgamma", "torch.special": "gammaln", "tf": "lgamma",
         "tf.math": "lgamma"}, tf_type="Lgamma")

digamma_p = _special(
    "digamma", _cpu.digamma, _cuda.digamma, lambda g, y, x: (mul(g, polygamma(1.0, x)),),
    "y = psi(x) = d/dx log Gamma(x) (-inf at +0, +inf at -0, NaN at the negative integers);  "
    "dx = g polygamma(1, x)",
    {"torch": "digamma", "Tensor": "digamma", "torch.special": ("digamma", "psi"),
     "tf": "digamma", "tf.math": "digamma"}, "Digamma")

polygamma_p = Primitive(
    "polygamma", _pair_rule("polygamma"),
    lambda g, y, n, x: (None, lambda: mul(g, polygamma(add(n, 1.0), x))),
    kind="special", kernels={"cpu": _cpu_pair(_cpu.polygamma), "cuda": _cuda.polygamma},
    doc="y = psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) (digamma for n = 0, NaN for a negative "
        "or non-integer n);  dx = g polygamma(n + 1, x), no gradient for n",
    api={"tf.math": "polygamma", "tf": "polygamma"}, convention="binary",
    fn=lambda n, x: polygamma(n, x), tf_type="Polygamma")

zeta_p = Primitive(
    "zeta", _pair_rule("zeta"),
    lambda g, y, x, q: (_no_derivative("zeta"),
                        lambda: mul(g, mul(neg(x), zeta(add(x, 1.0), q)))),
    kind="special", kernels={"cpu": _cpu_pair(_cpu.zeta), "cuda": _cuda.zeta},
    doc="y = sum_k (k + q)^-x (Hurwitz);  dq = -g x zeta(x + 1, q), no gradient for x "
        "(asking for one raises, as PyTorch)",
    api={"torch.special": "zeta", "tf.math": "zeta", "tf": "zeta"}, convention="binary",
    fn=lambda x, q: zeta(x, q), tf_type="Zeta")



def _igamma_dx(a, x):
    """d/dx P(a, x) = exp(-x) x^(a-1) / Gamma(a)."""
    return exp(sub(mul(sub(a, 1.0), log(x)), add(x, lgamma(a))))


igamma_p = Primitive(
    "igamma", _pair_rule("igamma"),
    lambda g, y, a, x: (_no_derivative("igamma: input"), lambda: mul(g, _igamma_dx(a, x))),
    kind="special", kernels={"cpu": _cpu_pair(_cpu.igamma), "cuda": _cuda.igamma},
    doc="y = P(a, x) = gamma(a, x) / Gamma(a), the regularized lower incomplete gamma "
        "function;  dx = g exp(-x) x^(a-1) / Gamma(a), no gradient for a (none in PyTorch)",
    api={"torch": "igamma", "Tensor": "igamma", "torch.special": "gammainc",
         "tf.math": "igamma", "tf": "igamma"}, convention="binary",
    fn=lambda a, x: igamma(a, x), tf_type="Igamma")
igammac_p = Primitive(
    "igammac", _pair_rule("igammac"),
    lambda g, y, a, x: (_no_derivative("igammac: input"),
                        lambda: neg(mul(g, _igamma_dx(a, x)))),
    kind="special", kernels={"cpu": _cpu_pair(_cpu.igammac), "cuda": _cuda.igammac},
    doc="y = Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function;  "
        "dx = -g exp(-x) x^(a-1) / Gamma(a), no gradient for a",
    api={"torch": "igammac", "Tensor": "igammac", "torch.special": "gammaincc",
         "tf.math": "igammac", "tf": "igammac"}, convention="binary",
    fn=lambda a, x: igammac(a, x), tf_type="Igammac")



def _betainc_rule(a: AVal, b: AVal, x: AVal) -> AVal:
    dtype = _rules.same_dtype("betainc", a, b, x)
    _rules.require_float("betainc", a, b, x)
    return AVal(_rules.broadcast_shapes("betainc", a.shape, b.shape, x.shape), dtype)


def _betainc_dx(g, y, a, b, x):
    """g x^(a-1) (1-x)^(b-1) / B(a, b), in logs."""
    logd = add(sub(lgamma(add(a, b)), add(lgamma(a), lgamma(b))),
               add(mul(sub(a, 1.0), log(x)), mul(sub(b, 1.0), log1p(neg(x)))))
    return mul(g, exp(logd))


betainc_p = Primitive(
    "betainc", _betainc_rule,
    lambda g, y, a, b, x: (None, None, lambda: _betainc_dx(g, y, a, b, x)),
    kind="special", kernels={"cpu": _cpu.betainc, "cuda": _cuda.betainc},
    doc="y = I_x(a, b), the regularized incomplete beta function (NaN outside a, b > 0, "
        "0 <= x <= 1);  dx = g x^(a-1) (1-x)^(b-1) / B(a, b), none for a and b (as TensorFlow)",
    tf_type="Betainc")


def betainc(a, b, x):
    """The regularized incomplete beta function ``I_x(a, b)`` (``tf.math.betainc``, bound in
    dlcore_static.math_long_tail: the static front end has no three-operand convention)."""
    a, x = _float_binary(a, x)
    b, x = _float_binary(b, x)
    a, x = _pair("betainc", a, x)
    b, x = _pair("betainc", b, x)
    a, b = _pair("betainc", a, b)
    return bind(betainc_p, a, b, x)


def _pair(name, a, b):
    """Promote (integers to the default float) and broadcast two operands to one shape."""
    a, b = _float_binary(a, b)
    if _dt.is_python_scalar(a) and _dt.is_python_scalar(b):
        a = np.asarray(a, _dt.default_float)
    if _dt.is_python_scalar(a):
        a = full_like(b, a)
    elif _dt.is_python_scalar(b):
        b = full_like(a, b)
    sa, sb = aval_of(a).shape, aval_of(b).shape
    _rules.broadcast_shapes(name, sa, sb)
    if sa != sb or None in sa:
        ref = add(zeros_like(a), zeros_like(b))
        a, b = broadcast_like(a, ref), broadcast_like(b, ref)
    return a, b


def polygamma(n, x):
    """The n-th derivative of digamma, elementwise (``n`` a number or a tensor)."""
    return bind(polygamma_p, *_pair("polygamma", n, x))


def zeta(x, q):
    """The Hurwitz zeta function ``sum_k (k + q)^-x``."""
    return bind(zeta_p, *_pair("zeta", x, q))


def igamma(a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    return bind(igamma_p, *_pair("igamma", a, x))


def igammac(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return bind(igammac_p, *_pair("igammac", a, x))


def lgamma(x): return bind(lgamma_p, x)
def digamma(x): return bind(digamma_p, x)


# ----------------------------------------------------------------------------- Bessel, erfcx, ndtri
def _i1_vjp(g, y, x):
    safe = where(equal(x, 0.0), 1.0, x)
    return (mul(g, where(equal(x, 0.0), 0.5, sub(i0(x), div(y, safe)))),)


def _i1e_vjp(g, y, x):
    safe = where(equal(x, 0.0), 1.0, x)
    d = sub(i0e(x), mul(y, add(sign(x), div(1.0, safe))))
    return (mul(g, where(equal(x, 0.0), 0.5, d)),)


i0_p = _special("i0", _cpu.i0, _cuda.i0, lambda g, y, x: (mul(g, i1(x)),),
                "y = I0(x) (modified Bessel function of order 0);  dx = g I1(x)",
                {"torch": "i0", "Tensor": "i0", "torch.special": ("i0", "modified_bessel_i0"),
                 "tf.math": "bessel_i0"},
                "BesselI0")
i0e_p = _special("i0e", _cpu.i0e, _cuda.i0e,
                 lambda g, y, x: (mul(g, sub(i1e(x), mul(sign(x), y))),),
                 "y = exp(-|x|) I0(x);  dx = g (i1e(x) - sign(x) y)",
                 {"torch.special": "i0e", "tf.math": "bessel_i0e"}, "BesselI0e")
i1_p = _special("i1", _cpu.i1, _cuda.i1, _i1_vjp,
                "y = I1(x) (modified Bessel function of order 1);  dx = g (I0(x) - y / x), "
                "g / 2 at 0", {"torch.special": ("i1", "modified_bessel_i1"), "tf.math": "bessel_i1"},
                "BesselI1")
i1e_p = _special("i1e", _cpu.i1e, _cuda.i1e, _i1e_vjp,
                 "y = exp(-|x|) I1(x);  dx = g (i0e(x) - y (sign(x) + 1 / x)), g / 2 at 0",
                 {"torch.special": "i1e", "tf.math": "bessel_i1e"}, "BesselI1e")
erfcx_p = _special("erfcx", _cpu.erfcx, _cuda.erfcx,
                   lambda g, y, x: (mul(g, sub(mul(mul(x, y), 2.0), _TWO_OVER_SQRT_PI)),),
                   "y = exp(x^2) erfc(x);  dx = g (2 x y - 2 / sqrt(pi))",
                   {"torch.special": "erfcx", "tf.math": "erfcx"}, "Erfcx")
ndtri_p = _special("ndtri", _cpu.ndtri, _cuda.ndtri,
                   lambda g, y, p: (mul(g, mul(exp(mul(mul(y, y), 0.5)), _SQRT_2PI)),),
                   "y = Phi^-1(p), the standard normal quantile (-+inf at 0 and 1, NaN "
                   "outside);  dp = g sqrt(2 pi) exp(y^2 / 2)",
                   {"torch.special": "ndtri", "tf.math": "ndtri"}, "Ndtri")


def i0(x): return bind(i0_p, x)
def i0e(x): return bind(i0e_p, x)
def i1(x): return bind(i1_p, x)
def i1e(x): return bind(i1e_p, x)
def erfcx(x): return bind(erfcx_p, x)
def ndtri(x): return bind(ndtri_p, x)


# ----------------------------------------------------------------------------- composites
def _as_float(x):
    return x if is_floating(aval_of(x).dtype) else cast(x, _dt.default_float)


@exports({"torch.special": "ndtr"}, "unary", float_only=True)
def ndtr(x):
    """The standard normal CDF ``erfc(-x / sqrt 2) / 2``."""
    return mul(erfc(mul(x, -_SQRT_HALF)), 0.5)


@exports({"torch.special": "log_ndtr"}, "unary", float_only=True)
def log_ndtr(x):
    """``log(ndtr(x))`` without underflow: ``log(erfcx(-x / sqrt 2) / 2) - x^2 / 2`` below -1
    (each branch on inputs clamped to its side, so the other branch's gradient stays finite)."""
    lo = where(greater_equal(x, -1.0), -1.0, x)     # (by where: NaN keeps its NaN gradient)
    hi = where(less(x, -1.0), -1.0, x)
    left = sub(log(mul(erfcx(mul(lo, -_SQRT_HALF)), 0.5)), mul(mul(lo, lo), 0.5))
    right = log1p(mul(erfc(mul(hi, _SQRT_HALF)), -0.5))
    return where(less(x, -1.0), left, right)


def xlog_torch(x, y, log_fn, pole: float):
    """PyTorch's ``xlogy``/``xlog1py`` (``log_fn``: log or log1p, whose argument ``y`` has
    its pole at ``pole``): ``x log_fn(y)``, 0 where ``x`` is 0 and ``y`` is not NaN; the
    gradient as PyTorch's: ``dx = g log_fn(y)`` also where ``x`` is 0 (0 there when ``y <=
    pole``; ``x = 0, y = inf``: 0, where PyTorch gives inf), ``dy = g x / y'`` (y' = y, or
    1 + y).  ``x`` and ``y`` have one shape and dtype."""
    zero = equal(x, 0.0)
    at_pole = bitwise_and(zero, less_equal(y, pole))
    ly = log_fn(where(at_pole, pole + 1.0, y))          # (0 at the pole: no NaN gradient)
    quiet = bitwise_and(zero, equal(y, y))              # (x = 0, y not NaN: the value is 0)
    core = mul(x, where(quiet, 0.0, ly))                # (there: no 0 * inf in its gradient)
    finite = bitwise_and(quiet, isfinite(stop_gradient(ly)))
    # value 0 (x - x is 0 there) with the gradient ly for x
    lift = add(mul(sub(x, stop_gradient(x)), where(finite, stop_gradient(ly), 0.0)), 0.0)
    return where(quiet, lift, core)


@exports({"torch.special": "xlog1py"}, "binary")
def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x`` is 0 and ``y`` is not NaN; PyTorch's gradient
    (:func:`xlog_torch`).  A number operand takes the tensor's dtype (it was an int64 or
    float64 array: xlog1py(x, 2) failed, xlog1py(2, x) was float64)."""
    x, y = _float_binary(x, y)
    if _dt.is_python_scalar(x):
        x = full_like(y, float(x))
    elif _dt.is_python_scalar(y):
        y = full_like(x, float(y))
    shape = np.broadcast_shapes(tuple(aval_of(x).shape), tuple(aval_of(y).shape))
    x, y = broadcast_to(x, shape), broadcast_to(y, shape)
    return xlog_torch(x, y, log1p, -1.0)


@exports({"tf.math": "xlogy", "tf": "xlogy"}, "binary", tf_type="Xlogy")
def xlogy(x, y):
    """TensorFlow's ``xlogy``: 0 where ``x`` is 0, else ``x * log(y)``."""
    x, y = _float_binary(x, y)
    zero = equal(x, 0.0)
    return where(zero, 0.0, mul(x, log(where(zero, 1.0, y))))


@exports({"tf.math": "xdivy", "tf": "xdivy"}, "binary", tf_type="Xdivy")
def xdivy(x, y):
    """TensorFlow's ``xdivy``: 0 where ``x`` is 0, else ``x / y``."""
    x, y = _float_binary(x, y)
    zero = equal(x, 0.0)
    return where(zero, 0.0, div(x, where(zero, 1.0, y)))


@exports({"torch.special": "spherical_bessel_j0"}, "unary", float_only=True)
def spherical_bessel_j0(x):
    """``sin(x) / x``, 1 at 0, 0 at +-inf (the spherical Bessel function of the first kind,
    order 0; PyTorch's limits)."""
    zero = equal(x, 0.0)
    edge = bitwise_or(zero, isinf(x))
    safe = where(edge, 1.0, x)
    return where(zero, 1.0, where(edge, 0.0, div(sin(safe), safe)))


@exports({"torch.special": "entr"}, "unary", float_only=True)
def entr(x):
    """Elementwise entropy ``-x log x`` (0 at 0, -inf below 0);  dx = -g (log x + 1)."""
    pos = greater(x, 0.0)
    val = neg(mul(x, log(where(pos, x, 1.0))))
    return where(pos, val, where(equal(x, 0.0), 0.0, where(equal(x, x), -math.inf, x)))


@exports({"torch": "logit", "Tensor": "logit", "torch.special": "logit"}, "args",
         float_only=True)
def logit(x, eps=None):
    """``log(x / (1 - x))``, ``x`` first clamped to [eps, 1 - eps] when ``eps`` is given."""
    if eps is not None:
        x = minimum(maximum(x, float(eps)), 1.0 - float(eps))
        return log(div(x, sub(1.0, x)))
    # PyTorch's gradient without eps: g / (x (1 - x)) on [0, 1] (+-inf at 0 and 1), NaN
    # outside (the quotient's gradient was NaN at 0 and 1 and finite outside)
    inside = bitwise_and(greater_equal(x, 0.0), less_equal(x, 1.0))
    xs = where(inside, x, 0.5)
    val = sub(log(xs), log1p(neg(xs)))
    return where(inside, val, mul(where(inside, 0.0, x), math.nan))


@exports({"torch.special": "multigammaln", "torch": "mvlgamma", "Tensor": "mvlgamma"}, "args",
         float_only=True)
def multigammaln(x, p):
    """The multivariate log-gamma ``sum_{i<p} lgamma(x - i/2) + p (p-1)/4 log(pi)``."""
    if not isinstance(p, (int, np.integer)) or isinstance(p, bool) or p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _as_float(x)
    out = lgamma(x)
    for i in range(1, int(p)):
        out = add(out, lgamma(sub(x, i / 2.0)))
    return add(out, p * (p - 1) / 4.0 * math.log(math.pi))


@exports({"tf.math": "lbeta", "tf": "lbeta"}, "unary", tf_type="Lbeta")
def lbeta(x):
    """TensorFlow's ``lbeta``: ``sum(lgamma(x), -1) - lgamma(sum(x, -1))`` over the last axis."""
    from .reduce import sum as sum_
    x = _as_float(x)
    return sub(sum_(lgamma(x), -1), lgamma(sum_(x, -1)))


def _torch_polygamma_n(n) -> float:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return float(n)


@exports({"torch": "polygamma", "torch.special": "polygamma"}, "plain",
         name="polygamma_torch")
def polygamma_torch(n, input):
    """PyTorch's ``polygamma(n, input)``: ``n`` a non-negative int."""
    return polygamma(_torch_polygamma_n(n), _as_float(input))


@exports({"Tensor": "polygamma"}, "args", name="polygamma_method")
def polygamma_method(x, n):
    """``Tensor.polygamma(n)``."""
    return polygamma(_torch_polygamma_n(n), _as_float(x))
