"""Elementwise primitives: unary math, binary arithmetic with NumPy broadcasting, comparisons,
``where``, ``cast`` and friends.

Every elementwise primitive carries a *scalar expression* (``expr``), a Python/Numba expression
over ``{0}``, ``{1}``, ``{2}``.  The CPU kernel factory, the CUDA kernel factory and the graph
compiler's fusion pass all compile from that one expression, so the maths of ``relu`` is written
exactly once.

Broadcasting is part of the binary primitives (their kernels read broadcast inputs without
copying them), and every vjp ends with ``sum_to(g, x)``, which sums a cotangent back to the
shape of the input it belongs to: gradient shapes are right by construction.

The primitive factory (``_elementwise``) and the primitives that need no arithmetic (``cast``,
``full_like``/``zeros_like``/``ones_like``, ``identity``, ``stop_gradient``) are in
:mod:`dlcore.ops.elementwise_cast`, below this module; they are re-exported here.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..kernels.cuda.elementwise import elementwise_kernel as _cuda_kernel
from ..kernels.cpu import known_shapes as _cpu_known_shapes
from ..kernels.cpu import transcendental as _cpu_transcendental
from ..kernels.cpu.runtime import PARALLEL_THRESHOLD as _PARALLEL_THRESHOLD
from ..registry import (AVAL_ATTR_TYPES, CONCRETE, PRIMITIVES, AVal, Primitive, aval_of, bind,
                        scalar_buffer)
from . import _rules
# (the vjp rules' fast-path tests; ``_plain``/``_ufunc_now`` are imported from here elsewhere)
from ._fastpath import LEAN_VJPS, _F32, _F64, _ndarray, lean2, lean3
from ._fastpath import _plain as _plain, _ufunc_now as _ufunc_now
# (promotion, and the binary op functions' lane for concrete values; re-exported)
from ._promote import _float_binary as _float_binary, _op2, _promote as _promote
from .broadcast import _SUM_TO_KERNELS, _cpu_sum_to
from .broadcast import sum_to as _sum_to
from .elementwise_cast import _elementwise, cast as cast, full_like, zeros_like
# (re-exported: many modules import these from here)
from .elementwise_cast import cast_p as cast_p, full_like_p as full_like_p
from .elementwise_cast import identity as identity, identity_p as identity_p
from .elementwise_cast import ones_like as ones_like
from .elementwise_cast import stop_gradient as stop_gradient, stop_gradient_p as stop_gradient_p

# ----------------------------------------------------------------------------- unary
def _unary_rule(name, float_only):
    def rule(x: AVal) -> AVal:
        (_rules.require_float if float_only else _rules.require_numeric)(name, x)
        return AVal(x.shape, x.dtype)
    return rule


def _unary(name, expr, np_fn, vjp, doc, float_only=True, simd=False, **names):
    return _elementwise(name, expr, 1, np_fn, _unary_rule(name, float_only), vjp, doc, "unary",
                        simd, convention="unary", float_only=float_only, **names)


def _neg_vjp(g, y, x):
    if _plain(g):
        return (np.negative(g) if _ufunc_now(g) else neg_p.kernels["cpu"](g),)
    return (neg(g),)


def _log_vjp(g, y, x):
    if type(g) is _ndarray and _plain(g, x):
        return (np.true_divide(g, x) if _ufunc_now(g) else div_p.kernels["cpu"](g, x),)
    fe = lean2(g, x)                     # (concrete values: the front end's lane, as below)
    return _log_lean(fe, g, y, x) if fe is not None else (div(g, x),)


def _log_lean(fe, g, y, x): return (fe.binary(div_p, g, x),)
def _exp_lean(fe, g, y, x): return (fe.binary(mul_p, g, y),)
def _tanh_lean(fe, g, y, x): return (fe.binary(tanh_grad_p, g, y),)
def _sigmoid_lean(fe, g, y, x): return (fe.binary(sigmoid_grad_p, g, y),)


def _relu_vjp(g, y, x):
    return (relu_grad_p.kernels["cpu"](g, y),) if _plain(g, y) else (relu_grad(g, y),)


neg_p = _unary("neg", "-{0}", np.negative, _neg_vjp,
               "y = -x;  dx = -g", float_only=False,
               api={"torch": ("neg", "negative"), "Tensor": ("neg", "negative"),
                    "operator": "__neg__", "tf": ("negative", "neg"), "tf.math": "negative"})
# exp, log, tanh and sigmoid take NumPy's SIMD ufuncs on float arrays (``simd=True``); see
# dlcore/kernels/cpu/transcendental.py for why and for the measurements.
def _exp_vjp(g, y, x):
    if type(g) is _ndarray and _plain(g, y):
        return (np.multiply(g, y) if _ufunc_now(g) else mul_p.kernels["cpu"](g, y),)
    fe = lean2(g, y)                     # (real: no conjugate)
    return _exp_lean(fe, g, y, x) if fe is not None else (mul(g, _conj(y)),)


exp_p = _unary("exp", "math.exp({0})", np.exp, _exp_vjp,
               "y = exp(x);  dx = g * y  (complex: g conj(y))", simd=True,
               api={"torch": "exp", "Tensor": "exp", "tf": "exp", "tf.math": "exp"})
log_p = _unary("log", "math.log({0}) if {0} > 0 else (-math.inf if {0} == 0 else math.nan)",
               np.log, _log_vjp, "y = log(x);  dx = g / x", simd=True,
               api={"torch": "log", "Tensor": "log", "tf": "log", "tf.math": "log"})
# sqrt too: correctly rounded in NumPy as in the loop (the same values), faster at every size
# (float32, CPU time: 1.2 vs 4.2 us at 100 elements, 53 vs 59 us at 100k), compiling nothing.
def _sqrt_vjp(g, y, x):
    if _plain(g, y) and _ufunc_now(g):
        return (np.true_divide(g, np.multiply(y, 2.0)),)   # (the two ops' ufuncs: _ufunc_now)
    return (div(g, mul(y, 2.0)),)


sqrt_p = _unary("sqrt", "math.sqrt({0}) if {0} >= 0 else math.nan", np.sqrt,
                _sqrt_vjp, "y = sqrt(x);  dx = g / (2 y)", simd=True,
                api={"torch": "sqrt", "Tensor": "sqrt", "tf": "sqrt", "tf.math": "sqrt"})
def _tanh_vjp(g, y, x):
    tg = type(g)
    if tg in AVAL_ATTR_TYPES and type(y) is tg and y.aval.dtype.kind != "c":
        # graph values of a real dtype: the one TanhGrad node the last line makes, without the
        # eager tests between (issue 19: a tree net's tanh nodes, rebuilt per batch by
        # tf.gradients; complex values come conjugated by complex_ops and keep the composite)
        return (tanh_grad(g, y),)
    if tg is _ndarray and _plain(g, y):
        return (tanh_grad_p.kernels["cpu"](g, y),)
    fe = lean2(g, y)
    if fe is not None:
        return _tanh_lean(fe, g, y, x)
    # tanh_grad: one kernel (as TensorFlow's TanhGrad and PyTorch's tanh_backward) where the
    # composite is three ops; complex values (conjugated by complex_ops) keep the composite
    d = y.dtype if type(y) is np.ndarray else aval_of(y).dtype
    if d.kind == "c":
        return (mul(g, sub(1.0, mul(y, y))),)
    return (tanh_grad(g, y),)


# float32 tanh/sigmoid: _fast32's Cephes forms in one Numba pass (transcendental.py, issue 19)
tanh_p = _unary("tanh", "math.tanh({0})", _cpu_transcendental.tanh, _tanh_vjp,
                "y = tanh(x);  dx = g (1 - y^2)", simd=True,
                api={"torch": "tanh", "Tensor": "tanh", "torch.nn.functional": "tanh",
                     "tf": "tanh", "tf.math": "tanh", "tf.nn": "tanh"})


def _sigmoid_vjp(g, y):
    if type(g) is _ndarray and _plain(g, y):
        return (sigmoid_grad_p.kernels["cpu"](g, y),)
    fe = lean2(g, y)
    if fe is not None:
        return _sigmoid_lean(fe, g, y, None)
    # sigmoid_grad: one kernel (TensorFlow's SigmoidGrad, PyTorch's sigmoid_backward) where the
    # composite is three ops; complex values keep the composite
    d = y.dtype if type(y) is np.ndarray else aval_of(y).dtype
    if d.kind == "c":
        return (mul(g, mul(y, sub(1.0, y))),)
    return (sigmoid_grad(g, y),)


sigmoid_p = _unary(
    "sigmoid",
    "1.0 / (1.0 + math.exp(-{0})) if {0} >= 0 else math.exp({0}) / (1.0 + math.exp({0}))",
    _cpu_transcendental.sigmoid, lambda g, y, x: _sigmoid_vjp(g, y),
    "y = 1 / (1 + exp(-x));  dx = g y (1 - y)", simd=True,
    api={"torch": "sigmoid", "Tensor": "sigmoid", "torch.nn.functional": "sigmoid",
         "torch.special": "expit", "tf": "sigmoid", "tf.math": "sigmoid", "tf.nn": "sigmoid"})
for _p, _fn in ((tanh_p, _cpu_transcendental.tanh), (sigmoid_p, _cpu_transcendental.sigmoid)):
    _p.kernels["cpu"] = _cpu_transcendental.float32_entry(_p.kernels["cpu"], _fn)
# NaN stays NaN; -inf and -0.0 give +0 (not "x * 0", which is NaN for -inf).
relu_p = _unary("relu", "{0} if ({0} > 0 or {0} != {0}) else 0", lambda x: np.maximum(x, 0),
                _relu_vjp,
                "y = max(x, 0);  dx = relu_grad(g, y) = g where y > 0, else 0 (read from the "
                "output, as PyTorch's threshold_backward: relu_ in place then keeps its gradient)",
                float_only=False,
                api={"torch": "relu", "Tensor": "relu", "torch.nn.functional": "relu",
                     "tf.nn": "relu"}, inplace_arg=True)
abs_p = _unary("abs", "abs({0})", np.abs, lambda g, y, x: (mul(g, sign(x)),),
               "y = |x|;  dx = g * sign(x)", float_only=False,
               api={"torch": ("abs", "absolute"), "Tensor": ("abs", "absolute"),
                    "operator": "__abs__", "tf": "abs", "tf.math": "abs"})
# a zero gradient (PyTorch's SignBackward0, TF's SignGrad): sign(x) requires grad when x does
sign_p = _unary("sign", "({0} > 0) * 1 - ({0} < 0) * 1", np.sign,
                lambda g, y, x: (zeros_like(g),), "y = sign(x);  dx = 0", float_only=False,
                api={"torch": ("sign", "sgn"), "Tensor": ("sign", "sgn"),
                     "tf": "sign", "tf.math": "sign"})


def neg(x): return bind(neg_p, x)
def exp(x): return bind(exp_p, x)
def log(x): return bind(log_p, x)
def sqrt(x): return bind(sqrt_p, x)
def tanh(x): return bind(tanh_p, x)
def sigmoid(x): return bind(sigmoid_p, x)
def relu(x): return bind(relu_p, x)
def abs(x):  # noqa: A001 - NumPy's name
    """|x|; for complex x the modulus, a real array (complex_ops.complex_abs)."""
    b = x if type(x) is np.ndarray else getattr(x, "_buf", None)
    if (b.dtype if b is not None else aval_of(x).dtype).kind == "c":
        return bind(PRIMITIVES["complex_abs"], x)      # (complex_ops: the modulus, real)
    return bind(abs_p, x)
def sign(x): return bind(sign_p, x)


# ----------------------------------------------------------------------------- binary
def _binary_rule(name, float_only=False, out_dtype=None):
    no_bool = name in _rules.BOOL_REFUSALS           # sub: two masks (NumPy and TF refuse too)

    def rule(a: AVal, b: AVal) -> AVal:
        dtype = _rules.same_dtype(name, a, b)
        if float_only:
            _rules.require_float(name, a, b)
        elif no_bool and dtype.kind == "b":
            _rules.require_numeric(name, a, b)
        shape = _rules.broadcast_shapes(name, a.shape, b.shape)
        return AVal(shape, out_dtype or dtype)
    return rule


def _binary(name, expr, np_fn, vjp, doc, float_only=False, **names):
    return _elementwise(name, expr, 2, np_fn, _binary_rule(name, float_only), vjp, doc, "binary",
                        convention=names.pop("convention", "binary"), float_only=float_only,
                        **names)


def _sum_back(g, a):
    """``sum_to(g, a)`` of a vjp, with eager backward's batch of one first: ``g`` of ``a``'s
    shape behind leading axes of one (a bias added to one row) sums one term per element, so
    sum_to's kernel gives the values themselves, copied: that copy without its dispatch."""
    if type(g) is np.ndarray and type(a) is np.ndarray:
        sa, sg = a.shape, g.shape
        if sg == sa:
            return g                     # (sum_to's own first case)
        d = g.dtype
        if g.size == a.size and sg[len(sg) - len(sa):] == sa and (d is _F32 or d is _F64) and \
                a.dtype is d and _SUM_TO_KERNELS["cpu"] is _cpu_sum_to:
            return g.reshape(sa).copy()
    return _sum_to(g, a)


def _add_vjp(g, y, a, b):
    tg = type(g)
    if tg in AVAL_ATTR_TYPES and type(a) is tg and type(b) is tg:
        # graph values, a and b of g's (known, non-scalar) shape: g and g, the two sums back
        # to their inputs being no-ops (bind_like's check) without their thunks (issue 19: a
        # tree net's bias adds, rebuilt per batch by tf.gradients)
        gs = g.aval[0]
        if gs and None not in gs and a.aval[0] == gs and b.aval[0] == gs:
            return g, g
    fe = lean3(g, a, b, shaped=False) if tg in CONCRETE else None
    res = None if fe is None else _add_lean(fe, g, y, a, b)   # (None: a not of g's shape)
    return res if res is not None else (lambda: _sum_back(g, a), lambda: _sum_back(g, b))


def _add_lean(fe, g, y, a, b):
    """_add_vjp's concrete values, a of g's shape: g itself (b's summed where it is not)."""
    if a._buf.shape != g._buf.shape:
        return None
    return (g, g if b._buf.shape == g._buf.shape else lambda: _sum_to(g, b))


add_p = _binary("add", "{0} + {1}", np.add, _add_vjp,
                "y = a + b;  da = g,  db = g  (each summed back to its input's shape)",
                api={"torch": "add", "Tensor": "add", "operator": ("__add__", "__radd__"),
                     "tf": "add", "tf.math": "add"}, alpha=True, tf_type="Add")
def _sub_vjp(g, y, a, b):
    def db():
        if type(g) is _ndarray and _plain(g, b) and b.shape == g.shape:
            return np.negative(g) if _ufunc_now(g) else neg_p.kernels["cpu"](g)
        return _sum_to(neg(g), b)
    fe = lean3(g, a, b, shaped=False) if type(g) in CONCRETE else None
    res = None if fe is None else _sub_lean(fe, g, y, a, b)   # (None: a not of g's shape)
    return res if res is not None else (lambda: _sum_back(g, a), db)


def _sub_lean(fe, g, y, a, b):
    """_sub_vjp's concrete values, a of g's shape: g, and -g (summed where b is smaller)."""
    if a._buf.shape != g._buf.shape:
        return None
    if b._buf.shape == g._buf.shape:
        return (g, lambda: fe.apply(neg_p, (g,), {}))
    return (g, lambda: _sum_to(neg(g), b))


sub_p = _binary("sub", "{0} - {1}", np.subtract, _sub_vjp,
                "y = a - b;  da = g,  db = -g",
                api={"torch": ("sub", "subtract"), "Tensor": ("sub", "subtract"),
                     "operator": ("__sub__", "__rsub__"), "tf": ("subtract", "sub"),
                     "tf.math": "subtract"}, alpha=True, tf_type="Sub")
def _mul_vjp(g, y, a, b):
    if type(g) is _ndarray and _plain(g, a, b) and a.shape == b.shape:
        k = np.multiply if _ufunc_now(g) else mul_p.kernels["cpu"]
        return (lambda: k(g, b), lambda: k(g, a))
    fe = lean3(g, a, b, shaped=False) if type(g) in CONCRETE else None
    if fe is not None:
        res = _mul_lean(fe, g, y, a, b)
        if res is not None:
            return res
    return (lambda: _sum_to(mul(g, _conj(b)), a), lambda: _sum_to(mul(g, _conj(a)), b))


def _mul_lean(fe, g, y, a, b):
    """_mul_vjp's concrete values (real: no conjugate) of g's shape, b maybe 0-d: no sums."""
    s, sb = g._buf.shape, b._buf.shape
    if a._buf.shape != s:
        return None
    if sb == s:
        return (lambda: fe.binary(mul_p, g, b), lambda: fe.binary(mul_p, g, a))
    if not sb:
        return (lambda: fe.binary(mul_p, g, b), lambda: _sum_to(mul(g, a), b))
    return None


mul_p = _binary("mul", "{0} * {1}", np.multiply, _mul_vjp,
                "y = a * b;  da = g b,  db = g a  (complex: g conj(b), g conj(a))",
                api={"torch": ("mul", "multiply"), "Tensor": ("mul", "multiply"),
                     "operator": ("__mul__", "__rmul__"), "tf": ("multiply", "mul"),
                     "tf.math": "multiply"}, tf_type="Mul")
def _div_vjp(g, y, a, b):
    def da():
        if type(g) is _ndarray and _plain(g, a, b) and a.shape == g.shape:  # (a mean's)
            return np.true_divide(g, b) if _ufunc_now(g) else div_p.kernels["cpu"](g, b)
        fe = lean3(g, a, b)
        if fe is not None and a._buf.shape == g._buf.shape:
            return fe.binary(div_p, g, b)
        return _sum_to(div(g, _conj(b)), a)
    return (da, lambda: _div_db(g, y, b))


def _div_db(g, y, b):
    return _sum_to(neg(mul(g, _conj(div(y, b)))), b)


def _div_lean(fe, g, y, a, b):
    """_div_vjp's concrete values of g's shape, b maybe 0-d (a mean's count): da = g / b."""
    s, sb = g._buf.shape, b._buf.shape
    if a._buf.shape != s or (sb != s and sb):
        return None
    # (db: y recomputed as a / b, the same kernel's value, only where b needs a gradient)
    return (lambda: fe.binary(div_p, g, b), lambda: _div_db(g, fe.binary(div_p, a, b), b))


div_p = _binary("div", "{0} / {1}", np.true_divide, _div_vjp,
                "y = a / b;  da = g / b,  db = -g a / b^2 = -g y / b  (complex: conjugated)",
                float_only=True, convention="div",
                api={"torch": ("div", "divide", "true_divide"),
                     "Tensor": ("div", "divide", "true_divide"),
                     "operator": ("__truediv__", "__rtruediv__"),
                     "tf": ("divide", "truediv", "div", "realdiv"), "tf.math": "divide"},
                tf_type="RealDiv")
for _p in (add_p, sub_p, mul_p, div_p):     # (a plan's kernel for two arrays of one shape)
    _p.options["static_cpu"] = _cpu_known_shapes.same_shape_binary
tanh_p.options["static_cpu"] = _cpu_known_shapes.small_tanh32


LEAN_VJPS.update({mul_p: _mul_lean, div_p: _div_lean, add_p: _add_lean,
                  sub_p: _sub_lean, exp_p: _exp_lean, log_p: _log_lean, tanh_p: _tanh_lean,
                  sigmoid_p: _sigmoid_lean})


def _minmax_vjp(select_a):
    def vjp(g, y, a, b):
        # The gradient goes to the input that was selected; ties go to `a` (TensorFlow's rule).
        mask = select_a(a, b)
        return (lambda: _sum_to(where(mask, g, 0), a), lambda: _sum_to(where(mask, 0, g), b))
    return vjp


# NaN in either operand propagates (NumPy, PyTorch, TF): "a != a" is true only for NaN.
maximum_p = _binary("maximum", "{0} if ({0} >= {1} or {0} != {0}) else {1}", np.maximum,
                    _minmax_vjp(lambda a, b: greater_equal(a, b)),
                    "y = max(a, b);  da = g [a >= b],  db = g [a < b]",
                    api={"torch": "maximum", "Tensor": "maximum", "tf": "maximum",
                         "tf.math": "maximum"}, tf_type="Maximum")
minimum_p = _binary("minimum", "{0} if ({0} <= {1} or {0} != {0}) else {1}", np.minimum,
                    _minmax_vjp(lambda a, b: less_equal(a, b)),
                    "y = min(a, b);  da = g [a <= b],  db = g [a > b]",
                    api={"torch": "minimum", "Tensor": "minimum", "tf": "minimum",
                         "tf.math": "minimum"}, tf_type="Minimum")


# (two concrete front-end values: _op2's lane; anything else promoted and bound, as before)
def add(a, b):
    return _op2(add_p, a, b) if type(a) in CONCRETE else bind(add_p, *_promote(a, b))
def sub(a, b):
    return _op2(sub_p, a, b) if type(a) in CONCRETE else bind(sub_p, *_promote(a, b))
def mul(a, b):
    return _op2(mul_p, a, b) if type(a) in CONCRETE else bind(mul_p, *_promote(a, b))
def maximum(a, b): return bind(maximum_p, *_promote(a, b))
def minimum(a, b): return bind(minimum_p, *_promote(a, b))


# relu's vjp as one kernel (PyTorch's threshold_backward, TensorFlow's ReluGrad) where it was
# greater + where with a scalar buffer: two eager calls and two passes per relu in backward.
relu_grad_p = _binary("relu_grad", "{0} if {1} > 0 else 0", lambda g, y: np.where(y > 0, g, 0),
                      lambda c, out, g, y: (lambda: _sum_to(relu_grad(c, y), g),
                                            lambda: zeros_like(y)),
                      "y = g where r > 0, else 0 (r: relu's output);  dg = relu_grad(c, r), "
                      "dr = 0 (piecewise constant: zeros, as TF's _ReluGradGrad, so a second "
                      "derivative reaches relu's input)", tf_type="ReluGrad")


def relu_grad(g, y): return bind(relu_grad_p, g, y)


# tanh's vjp as one kernel (TensorFlow's TanhGrad, PyTorch's tanh_backward) where it was three
# ops (mul, sub with a scalar, mul): CPU time, 1 thread, a (1, 32) float32 raw vjp 21 -> 6 us.
# Not an elementwise kind: its CPU kernel is NumPy's arithmetic in the operands' dtype (the
# same roundings as the three ops), which a fused loop compiled from an expression would not
# keep (a literal 1 makes Numba compute float32 in float64).
def _tanh_grad_vjp(c, out, g, t):
    if _plain(c, g, t) and g.shape == t.shape == c.shape and _ufunc_now(c):
        # (double backward on buffers: the kernel, and the three products' ufuncs)
        return (lambda: tanh_grad_p.kernels["cpu"](c, t),
                lambda: np.multiply(np.multiply(c, g), np.multiply(t, -2.0)))
    return (lambda: _sum_to(tanh_grad(c, t), g),
            lambda: _sum_to(mul(mul(c, g), mul(t, -2.0)), t))


tanh_grad_p = Primitive(
    "tanh_grad", _binary_rule("tanh_grad", float_only=True), _tanh_grad_vjp, kind="other",
    doc="y = g (1 - t^2) (t: tanh's output);  dg = c (1 - t^2),  dt = -2 c g t",
    kernels={"cpu": _cpu_transcendental.tanh_grad,
             "cuda": _cuda_kernel("tanh_grad", "{0} * (1 - {1} * {1})", 2)},
    tf_type="TanhGrad", static_cpu=_cpu_known_shapes.tanh_grad32)   # (a plan's: no tests)


def tanh_grad(g, t): return bind(tanh_grad_p, g, t)


# sigmoid's vjp as one kernel, as tanh_grad above (issue 19): the same roundings as the three ops
# it replaces, mul(g, mul(y, sub(1.0, y))).
def _sigmoid_grad_vjp(c, out, g, y):
    return (lambda: _sum_to(sigmoid_grad(c, y), g),
            lambda: _sum_to(mul(mul(c, g), sub(1.0, mul(y, 2.0))), y))


sigmoid_grad_p = Primitive(
    "sigmoid_grad", _binary_rule("sigmoid_grad", float_only=True), _sigmoid_grad_vjp,
    kind="other",
    doc="y = g s (1 - s) (s: sigmoid's output);  dg = c s (1 - s),  ds = c g (1 - 2 s)",
    kernels={"cpu": _cpu_transcendental.sigmoid_grad,
             "cuda": _cuda_kernel("sigmoid_grad", "{0} * ({1} * (1 - {1}))", 2)},
    tf_type="SigmoidGrad")


def sigmoid_grad(g, y): return bind(sigmoid_grad_p, g, y)


def div(a, b):
    """True division; integer operands are first cast to the default float (float32)."""
    if type(a) is type(b) and type(a) in CONCRETE:    # (as _op2: float operands only)
        fe = lean2(a, b)
        if fe is not None:
            return fe.binary(div_p, a, b)
    return bind(div_p, *_float_binary(a, b))


# ----------------------------------------------------------------------------- comparisons
def _compare(name, sym, np_fn, **names):
    return _elementwise(name, "{0} %s {1}" % sym, 2, np_fn,
                        _binary_rule(name, out_dtype=_dt.bool_), None,
                        f"y = a {sym} b (bool);  not differentiable", "compare",
                        differentiable=False, convention="compare", **names)


less_p = _compare("less", "<", np.less, tf_type="Less",
                  api={"torch": ("lt", "less"), "Tensor": ("lt", "less"), "operator": "__lt__",
                       "tf": "less", "tf.math": "less"})
less_equal_p = _compare("less_equal", "<=", np.less_equal, tf_type="LessEqual",
                        api={"torch": ("le", "less_equal"), "Tensor": ("le", "less_equal"),
                             "operator": "__le__", "tf": "less_equal", "tf.math": "less_equal"})
greater_p = _compare("greater", ">", np.greater, tf_type="Greater",
                     api={"torch": ("gt", "greater"), "Tensor": ("gt", "greater"),
                          "operator": "__gt__", "tf": "greater", "tf.math": "greater"})
greater_equal_p = _compare("greater_equal", ">=", np.greater_equal, tf_type="GreaterEqual",
                           api={"torch": ("ge", "greater_equal"),
                                "Tensor": ("ge", "greater_equal"), "operator": "__ge__",
                                "tf": "greater_equal", "tf.math": "greater_equal"})
# ``==``/``!=`` are elementwise on eager tensors only: a TF1 graph tensor compares by identity.
equal_p = _compare("equal", "==", np.equal, tf_type="Equal",
                   api={"torch": "eq", "Tensor": ("eq", "__eq__"), "tf": "equal",
                        "tf.math": "equal"})
not_equal_p = _compare("not_equal", "!=", np.not_equal, tf_type="NotEqual",
                       api={"torch": ("ne", "not_equal"), "Tensor": ("ne", "not_equal", "__ne__"),
                            "tf": "not_equal", "tf.math": "not_equal"})


def less(a, b): return bind(less_p, *_promote(a, b))
def less_equal(a, b): return bind(less_equal_p, *_promote(a, b))
def greater(a, b): return bind(greater_p, *_promote(a, b))
def greater_equal(a, b): return bind(greater_equal_p, *_promote(a, b))
def equal(a, b): return bind(equal_p, *_promote(a, b))
def not_equal(a, b): return bind(not_equal_p, *_promote(a, b))


def logical_not(x): return equal(x, False)


# ----------------------------------------------------------------------------- where
def _where_rule(c: AVal, a: AVal, b: AVal) -> AVal:
    if c.dtype != _dt.bool_:
        from ..errors import DTypeNotImplemented
        raise DTypeNotImplemented(
            "where", "the condition must be bool", [c.dtype, a.dtype, b.dtype])
    dtype = _rules.same_dtype("where", a, b)
    return AVal(_rules.broadcast_shapes("where", c.shape, a.shape, b.shape), dtype)


def _where_vjp(g, y, c, a, b):
    if _plain(g, a, b) and type(c) is np.ndarray and c.shape == g.shape == a.shape == b.shape \
            and g.size < _PARALLEL_THRESHOLD:
        # eager backward's buffers, no broadcasting: NumPy's select (exact, as the kernel's
        # loop: g, or the weak 0 as +0.0 of g's dtype), without where's scalar buffer and bind
        return (None, lambda: np.where(c, g, 0), lambda: np.where(c, 0, g))
    return (None, lambda: _sum_to(where(c, g, 0), a), lambda: _sum_to(where(c, 0, g), b))


where_p = _elementwise(
    "where", "{1} if {0} else {2}", 3, np.where, _where_rule, _where_vjp,
    "y = c ? a : b;  da = g [c],  db = g [not c]", "where", convention="where", tf_type="Select",
    api={"torch": "where", "Tensor": "where", "tf": "where", "tf.math": "where"})


def where(c, a, b):
    """Elementwise select, with broadcasting; Python scalars take the other branch's dtype."""
    if _dt.is_python_scalar(a) and _dt.is_python_scalar(b):
        dt = _dt.scalar_dtype(a, None) if isinstance(a, float) or not isinstance(b, float) \
            else _dt.scalar_dtype(b, None)
        a, b = full_like(c, a, dt), full_like(c, b, dt)
    elif _dt.is_python_scalar(a):
        a = _scalar_like(a, b)
    elif _dt.is_python_scalar(b):
        b = _scalar_like(b, a)
    else:
        a, b = _promote(a, b)
    return bind(where_p, c, a, b)


def _scalar_like(value, other):
    """A constant shaped like ``other`` holding a weak scalar (it takes ``other``'s dtype); for a
    NumPy buffer, or a front end's value held in one (eager on the CPU: ``X[~mask] = -1e6``'s
    where, issue 19), a shared read-only 0-d buffer, which where's kernel broadcasts (no fill
    op, no filled array)."""
    if type(other) is np.ndarray:
        return scalar_buffer(value, _dt.scalar_dtype(value, other.dtype))
    b = getattr(other, "_buf", None)
    if type(b) is np.ndarray:
        return scalar_buffer(value, _dt.scalar_dtype(value, b.dtype))
    return full_like(other, value, _dt.scalar_dtype(value, aval_of(other).dtype))


def _conj(x):
    """``x`` for real values; its complex conjugate (:func:`dlcore.ops.complex_ops.conj`) for
    complex ones: the vjps of mul, div, exp and matmul conjugate, as PyTorch's do (for a real
    loss, PyTorch's gradient of a complex tensor is dL/dRe + i dL/dIm)."""
    t = type(x)
    if t is np.ndarray:
        if x.dtype.kind != "c":
            return x
    elif t is float or t is int:
        return x
    else:
        # An eager Tensor's buffer (its ``_buf`` slot) answers without building an AVal (the
        # check runs in every mul/div/exp/matmul backward: 0.7 us against 10 us measured).
        buf = getattr(x, "_buf", None)
        d = buf.dtype if buf is not None else (
            np.dtype(complex) if t is complex else aval_of(x).dtype)
        if d.kind != "c":
            return x
    return bind(PRIMITIVES["conj"], x)      # (complex_ops.conj_p: no import, no cycle)

