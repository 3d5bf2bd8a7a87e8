"""Binary math primitives beyond the seed (atan2, hypot, fmod, remainder, floor_divide,
logaddexp), the bitwise primitives on integers and booleans, and the float classification
primitives (isnan, isinf, isfinite).

All are elementwise, built from one scalar expression by the factories of
:mod:`dlcore.ops.elementwise`, with NumPy broadcasting and the usual ``sum_to`` at the end of
each vjp.  Two kinds of remainder, as in every library:

    fmod(a, b)       = a - trunc(a / b) b    sign of a  (C's fmod; torch.fmod, tf.truncatemod)
    remainder(a, b)  = a - floor(a / b) b    sign of b  (Python's %; torch.remainder, tf.floormod)

Bitwise and classification ops are not differentiable; ``bitwise_not`` on booleans is the
logical not (Python's ``~True`` is -2, which is not what a tensor library means).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..dtypes import is_floating
from ..errors import DTypeNotImplemented
from ..registry import AVal, aval_of, bind
from . import _rules
from .elementwise import (_binary, _elementwise, _float_binary, _promote, _sum_to, add, div,
                          equal, exp, full_like, less, maximum_p, minimum_p, mul, neg,
                          not_equal, sub, where)
from .math_unary import floor, trunc


# ----------------------------------------------------------------------------- float maths
def _atan2_vjp(g, y, a, b):
    # PyTorch's atan2_backward: g b / r2 and -g a / r2 through the reciprocal of r2 = a^2 + b^2,
    # which is 0 at the origin (both gradients 0 there: NaN before, 0 / 0)
    box: list = []

    def recip():
        if not box:
            r2 = add(mul(a, a), mul(b, b))
            box.append(where(equal(r2, 0.0), 0.0, div(1.0, r2)))
        return box[0]
    return (lambda: _sum_to(mul(mul(g, b), recip()), a),
            lambda: _sum_to(mul(mul(g, neg(a)), recip()), b))


atan2_p = _binary("atan2", "math.atan2({0}, {1})", np.arctan2, _atan2_vjp,
                  "y = atan2(a, b);  da = g b / (a^2 + b^2),  db = -g a / (a^2 + b^2) (0 at the "
                  "origin, as PyTorch's)",
                  float_only=True,
                  fn=lambda a, b: atan2(a, b),
                  api={"torch": ("atan2", "arctan2"), "Tensor": ("atan2", "arctan2"),
                       "tf": "atan2", "tf.math": "atan2"}, tf_type="Atan2")
hypot_p = _binary("hypot", "math.hypot({0}, {1})", np.hypot,
                  lambda g, y, a, b: (lambda: _sum_to(div(mul(g, a), y), a),
                                      lambda: _sum_to(div(mul(g, b), y), b)),
                  "y = sqrt(a^2 + b^2);  da = g a / y,  db = g b / y", float_only=True,
                  fn=lambda a, b: hypot(a, b),
                  api={"torch": "hypot", "Tensor": "hypot"})
logaddexp_p = _binary(
    "logaddexp",
    "({0} + 0.6931471805599453 if {0} == {1} else "
    "(({0} if {0} > {1} else {1}) + math.log1p(math.exp(-abs({0} - {1})))))",
    np.logaddexp,
    lambda g, y, a, b: (lambda: _sum_to(div(g, add(exp(sub(b, a)), 1.0)), a),
                        lambda: _sum_to(div(g, add(exp(sub(a, b)), 1.0)), b)),
    "y = log(exp(a) + exp(b));  da = g / (1 + exp(b - a)),  db = g / (1 + exp(a - b)) "
    "(PyTorch's form: exp(a - y) was NaN at a = inf)", float_only=True,
    fn=lambda a, b: logaddexp(a, b),
    api={"torch": "logaddexp", "Tensor": "logaddexp"})
fmod_p = _binary("fmod",
                 "math.copysign(abs({0}) % abs({1}), {0}) if {1} != 0 else {0} * math.nan",
                 np.fmod,
                 lambda g, y, a, b: (lambda: _sum_to(g, a),
                                     lambda: _sum_to(neg(mul(g, trunc(div(a, b)))), b)),
                 "y = a - trunc(a / b) b;  da = g,  db = -g trunc(a / b)", float_only=True,
                 fn=lambda a, b: fmod(a, b),
                 api={"torch": "fmod", "Tensor": "fmod", "tf": "truncatemod",
                      "tf.math": "truncatemod"}, tf_type="TruncateMod")
# (a zero result takes the dividend's sign, as PyTorch's and TensorFlow's FloorMod: Python's %
# gives it the divisor's: 0.0 % -1.0 is -0.0)
remainder_p = _binary("remainder", "(({0} % {1}) if {0} % {1} != 0 else math.copysign(0.0, {0})) "
                      "if {1} != 0 else {0} * math.nan", np.remainder,
                      lambda g, y, a, b: (lambda: _sum_to(g, a),
                                          lambda: _sum_to(neg(mul(g, floor(div(a, b)))), b)),
                      "y = a - floor(a / b) b;  da = g,  db = -g floor(a / b)", float_only=True,
                      fn=lambda a, b: remainder(a, b),
                      api={"torch": "remainder", "Tensor": "remainder",
                           "operator": ("__mod__", "__rmod__"),
                           "tf": ("floormod", "mod"), "tf.math": ("floormod", "mod")},
                      tf_type="FloorMod")


def atan2(a, b): return bind(atan2_p, *_float_binary(a, b))
def hypot(a, b): return bind(hypot_p, *_float_binary(a, b))
def logaddexp(a, b): return bind(logaddexp_p, *_float_binary(a, b))


def _is_int(a, b) -> bool:
    for x in (a, b):
        if not _dt.is_python_scalar(x):
            return aval_of(x).dtype.kind in "iu"
    return False


def remainder(a, b):
    """Python's ``%``: the sign of ``b``; integers stay integers (a - floor_divide(a, b) b)."""
    a, b = _promote(a, b)
    if _is_int(a, b):
        return sub(a, mul(floor_divide(a, b), b))
    return bind(remainder_p, *_float_binary(a, b))


def fmod(a, b):
    """C's fmod: the sign of ``a``; integers stay integers."""
    a, b = _promote(a, b)
    if _is_int(a, b):
        # C's from Python's: r = a mod b has b's sign; where r is not 0 and its sign is not
        # a's, fmod is r - b (wrapping arithmetic: right for the dtype's minimum too, where
        # abs(a) overflowed and fmod(int16 -32768, 234) was -226, not -8)
        r = remainder(a, b)
        wrong = bitwise_and(not_equal(r, 0), not_equal(less(r, 0), less(a, 0)))
        return where(wrong, sub(r, b), r)
    return bind(fmod_p, *_float_binary(a, b))


# ----------------------------------------------------------------------------- integer maths
def _int_rule(name, allow_float=False, allow_bool=True):
    def rule(a: AVal, b: AVal) -> AVal:
        dtype = _rules.same_dtype(name, a, b)
        kinds = "iu" + ("b" if allow_bool else "") + ("f" if allow_float else "")
        if dtype.kind not in kinds:
            raise DTypeNotImplemented(name, "expects integer" + (" or floating" if allow_float else
                                                                 " or bool") + " inputs",
                                      [a.dtype, b.dtype])
        return AVal(_rules.broadcast_shapes(name, a.shape, b.shape), dtype)
    return rule


def _int_binary(name, expr, np_fn, doc, allow_float=False, **names):
    return _elementwise(name, expr, 2, np_fn, _int_rule(name, allow_float, not allow_float),
                        None, doc, "binary", differentiable=False, convention="binary",
                        **names)


# (b = -1 divides -a by 1: the one quotient that overflows, INT_MIN // -1, wraps to INT_MIN as in
# NumPy and PyTorch, where Numba's // gave 0 and so INT_MIN % -1 INT_MIN; floats are unchanged,
# floor(a / -1) = floor(-a / 1))
floor_divide_p = _int_binary(
    "floor_divide", "((-{0}) // (-{1}) if {1} == -1 else {0} // {1})", np.floor_divide,
    "y = floor(a / b) (0 where b = 0 for integers, +-inf/NaN for floats: see NumPy);  "
    "not differentiable", allow_float=True,
    api={"torch": "floor_divide", "Tensor": "floor_divide",
         "operator": ("__floordiv__", "__rfloordiv__"),
         "tf": ("floordiv", "floor_div"), "tf.math": "floordiv"}, tf_type="FloorDiv")
bitwise_and_p = _int_binary("bitwise_and", "{0} & {1}", np.bitwise_and,
                            "y = a & b (integers, booleans);  not differentiable",
                            api={"torch": "bitwise_and", "Tensor": "bitwise_and",
                                 "operator": ("__and__", "__rand__")}, tf_type="BitwiseAnd")
bitwise_or_p = _int_binary("bitwise_or", "{0} | {1}", np.bitwise_or,
                           "y = a | b (integers, booleans);  not differentiable",
                           api={"torch": "bitwise_or", "Tensor": "bitwise_or",
                                "operator": ("__or__", "__ror__")}, tf_type="BitwiseOr")
bitwise_xor_p = _int_binary("bitwise_xor", "{0} ^ {1}", np.bitwise_xor,
                            "y = a ^ b (integers, booleans);  not differentiable",
                            api={"torch": "bitwise_xor", "Tensor": "bitwise_xor",
                                 "operator": ("__xor__", "__rxor__")}, tf_type="BitwiseXor")


def floor_divide(a, b):
    """PyTorch's ``//``: floor(a / b), in the operands' promoted dtype."""
    a, b = _promote(a, b)
    if _dt.is_python_scalar(a) and _dt.is_python_scalar(b):
        return a // b
    return bind(floor_divide_p, a, b)


def bitwise_and(a, b): return bind(bitwise_and_p, *_promote(a, b))
def bitwise_or(a, b): return bind(bitwise_or_p, *_promote(a, b))
def bitwise_xor(a, b): return bind(bitwise_xor_p, *_promote(a, b))


def _invert_rule(x: AVal) -> AVal:
    if x.dtype.kind not in "iub":
        raise DTypeNotImplemented("bitwise_not", "expects integer or boolean inputs", [x.dtype])
    return AVal(x.shape, x.dtype)


# (booleans: NumPy's invert and Numba's ``~`` of a bool are the logical not; one kernel where
# ``equal(x, False)`` took the general path with a scalar: ``~mask`` 11 -> ~2.5 us, issue 19)
bitwise_not_p = _elementwise("bitwise_not", "~{0}", 1, np.invert, _invert_rule, None,
                             "y = ~x (the logical not of booleans);  not differentiable",
                             "unary", differentiable=False, convention="unary", float_only=False,
                             fn=lambda x: bitwise_not(x),
                             api={"torch": "bitwise_not", "Tensor": "bitwise_not",
                                  "operator": "__invert__"})


def bitwise_not(x):
    """``~x``: the bitwise complement of integers, the logical not of booleans."""
    return bind(bitwise_not_p, x)


# ----------------------------------------------------------------------------- classification
def _classify_rule(name):
    def rule(x: AVal) -> AVal:
        if not is_floating(x.dtype):
            raise DTypeNotImplemented(
                name, "expects floating-point inputs (integers are always finite)",
                [x.dtype])
        return AVal(x.shape, _dt.bool_)
    return rule


def _classify(name, expr, np_fn, always, tf_name, tf_type):
    def fn(x):
        if not is_floating(aval_of(x).dtype):       # integers and booleans: never NaN nor inf
            return full_like(x, always, _dt.bool_)
        return bind(prim, x)
    fn.__name__ = name
    prim = _elementwise(name, expr, 1, np_fn, _classify_rule(name), None,
                        f"y = {name}(x) (bool; False/True for integers);  not differentiable",
                        "compare", differentiable=False, convention="unary", float_only=False,
                        fn=fn, api={"torch": name, "Tensor": name, "tf": tf_name,
                                    "tf.math": tf_name}, tf_type=tf_type)
    return prim, fn


isnan_p, isnan = _classify("isnan", "math.isnan({0})", np.isnan, False, "is_nan", "IsNan")
isinf_p, isinf = _classify("isinf", "math.isinf({0})", np.isinf, False, "is_inf", "IsInf")
isfinite_p, isfinite = _classify("isfinite", "math.isfinite({0})", np.isfinite, True,
                                 "is_finite", "IsFinite")


# ----------------------------------------------------------------------------- eager maximum's vjp
def _eager_minmax_vjp(prim, a_loses):
    """PyTorch's maximum/minimum backward for a node whose params say ``ties="split"`` (the
    eager front end marks torch.maximum/minimum/max(a, b)/min(a, b) so):
    ``where(a == b, g / 2, g).masked_fill(a loses, 0)`` for each input, so a tie splits the
    cotangent half and half and a NaN in either operand sends it to both.  ``ties="clamp"``
    (clamp with a tensor bound ``b``): ``a`` keeps the core rule, the bound gets ``g`` only
    where ``a`` is strictly beyond it (``a < b`` for min), so 0 at a NaN (PyTorch's
    ``clamp.Tensor`` backward; the core rule sent it there).  Unmarked nodes (the
    eager composites: clamp, fmax, losses; PyTorch's clamp gives a tie to its input) keep the
    core rule, TensorFlow's ``_MaximumGrad`` (a tie to ``a``), which the static front end uses.
    ``a_loses(a, b)``: the mask where ``a`` is not the result (``a < b`` for maximum)."""
    core = prim.vjp

    def vjp(g, y, a, b, ties=None):
        if ties is None:
            return core(g, y, a, b)
        if ties == "clamp":         # (a clamp's tensor bound b: g where a strictly beyond it)
            da = core(g, y, a, b)[0]
            return da, lambda: _sum_to(where(a_loses(a, b), g, 0), b)
        shared: list = []           # (the tie mask and its where, built once for both inputs)

        def split():
            if not shared:
                shared.append(where(equal(a, b), mul(g, 0.5), g))
            return shared[0]

        return (lambda: _sum_to(where(a_loses(a, b), 0, split()), a),
                lambda: _sum_to(where(a_loses(b, a), 0, split()), b))
    return vjp


#: eager's rules for maximum_p / minimum_p (dlcore_eager registers them in its table of eager
#: vjps; ``ties="split"`` in a node's params selects PyTorch's rule)
eager_maximum_vjp = _eager_minmax_vjp(maximum_p, less)
eager_minimum_vjp = _eager_minmax_vjp(minimum_p, lambda a, b: less(b, a))
