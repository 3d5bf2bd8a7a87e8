"""Complex numbers: the primitives that cross between real and complex values, and the one list of
primitives that accept complex input.

dlcore's complex dtypes are complex64 and complex128 (:mod:`dlcore.dtypes`).  A primitive takes
complex input only when it is marked ``complex=True`` (``Primitive.abstract_eval`` raises
:class:`~dlcore.errors.ComplexUnsupported`, PyTorch's ``"lt" not implemented for
'ComplexFloat'``, for every other one, so no real-only kernel ever computes on complex values).
:data:`COMPLEX_PRIMITIVES` below is that list for the existing primitives: the data movement ones
(reshape, transpose, slicing, broadcasting, concatenation, where, cast) and the arithmetic whose
kernels and vjps are right for complex values (add, sub, mul, div, neg, exp, matmul, sum,
cumsum, equal/not_equal).  The new primitives here and in :mod:`.fft` are marked where they are defined.

Gradients follow PyTorch's convention: for a real loss L of a complex z = x + iy, the gradient
PyTorch stores is ``dL/dx + i dL/dy`` (twice the conjugate Wirtinger derivative), so a
holomorphic f has ``dz = g * conj(f'(z))`` (mul: ``da = g conj(b)``; matmul: ``da = g b^H``) and
a real-valued function of z gets a complex gradient.  Primitives (CPU kernels: NumPy's own
complex routines, which are exact here: ``x.real``, ``np.conj``, ``np.abs`` (hypot),
``np.angle``; CUDA kernels in dlcore/kernels/cuda/complex_ops.py)::

    real(z)            y = Re z (float);              dz = g + 0i
    imag(z)            y = Im z (float);              dz = 0 + g i
    conj(z)            y = conj(z);                   dz = conj(g)
    complex(re, im)    y = re + i im;                 dre = Re g,  dim = Im g
    complex_abs(z)     y = |z| (float);               dz = g z / |z|        (0 at z = 0)
    angle(z)           y = atan2(Im z, Re z) (float); dz = i g z / |z|^2    (0 at z = 0)
    view_as_real(z)    y[..., 0] = Re z, y[..., 1] = Im z;   dz = view_as_complex(g)
    view_as_complex(x) y = x[..., 0] + i x[..., 1];          dx = view_as_real(g)

``real``/``imag``/``view_as_real``/``view_as_complex`` return views on the CPU, as PyTorch's do.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import int_power as _int_power
from ..kernels.cuda import complex_ops as _cuda
from ..registry import AVAL_ATTR_TYPES, PRIMITIVES, AVal, Primitive, aval_of, bind
from . import _rules
from .elementwise import add, div, equal, mul, neg, where, zeros_like

# The existing primitives whose kernels, shape rules and vjps are right for complex values.
COMPLEX_PRIMITIVES = (
    "add", "sub", "mul", "div", "neg", "exp", "matmul", "sum", "sum_to", "equal", "not_equal",
    "broadcast_to", "broadcast_like", "reshape", "reshape_like", "transpose", "expand_dims",
    "squeeze", "getitem", "concatenate", "concat_part", "stack", "where", "cast", "full_like",
    "identity", "stop_gradient", "slice_scatter", "index_update", "take", "cumsum",
)


def _widen_rule(name, rule):
    """A float-only rule (exp, div) widened to complex: complex operands of one dtype pass with
    their own shape rule's broadcasting; everything else goes to the original rule."""
    def widened(*avals, **params):
        if any(a.dtype.kind == "c" for a in avals):
            d = avals[0].dtype
            if any(a.dtype != d for a in avals):
                raise DTypeNotImplemented(name, "inputs must have the same dtype",
                                          [a.dtype for a in avals])
            shape = _rules.broadcast_shapes(name, *(a.shape for a in avals))
            return AVal(shape, d)
        return rule(*avals, **params)
    setattr(widened, "__wrapped__", rule)  # noqa: B010 - a function attribute (mypy)
    return widened


def _mark_complex() -> None:
    for name in COMPLEX_PRIMITIVES:
        p = PRIMITIVES[name]
        p.options["complex"] = True
        if name in ("exp", "div") and not hasattr(p.shape_rule, "__wrapped__"):
            p.shape_rule = _widen_rule(name, p.shape_rule)
    exp_p = PRIMITIVES["exp"]            # (the CPU kernel takes complex through NumPy's ufunc)
    if not getattr(exp_p.kernels["cuda"], "complex_aware", False):
        exp_p.kernels["cuda"] = _cuda.complex_or(exp_p.kernels["cuda"], _cuda.exp)
        setattr(exp_p.kernels["cuda"], "complex_aware", True)  # noqa: B010


def complex_pow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a ** b`` of complex arrays as PyTorch's: NumPy's complex power (exact for integer
    exponents: ``(1+1j) ** -2`` is ``-0.5j``), and ``inf + nan j`` where ``a`` is 0 and
    ``Re b < 0`` (PyTorch's ``exp(b log a)``, and its ``1 / (a a)`` for -2; NumPy and Numba
    give ``nan + nan j`` there).  ``0 ** b`` with ``Re b >= 0`` is left to NumPy (0, or NaN
    for ``Re b == 0``, as PyTorch's)."""
    with np.errstate(all="ignore"):
        out = np.asarray(np.power(a, b))
        pole = np.logical_and(a == 0, np.real(b) < 0)
    if pole.any():
        out = np.array(np.broadcast_to(out, pole.shape))
        out[pole] = complex(np.inf, np.nan)
    return out


def _wrapped_like(kernel, real_kernel):
    """``kernel`` (a complex-aware wrapper) with ``real_kernel``'s entry attributes, name and
    doc, marked ``complex_aware``."""
    for attr in ("module", "kernel", "into", "float32"):
        if hasattr(real_kernel, attr):
            setattr(kernel, attr, getattr(real_kernel, attr))
    kernel.__name__ = getattr(real_kernel, "__name__", "kernel")
    kernel.__doc__ = real_kernel.__doc__
    setattr(kernel, "complex_aware", True)  # noqa: B010
    return kernel


def _cpu_complex_pow(real_kernel):
    """pow's CPU kernel: ``complex_pow`` for complex operands (one dtype after promotion),
    NumPy's wrapping integer power where an integer exponent is past Numba's loop
    (``kernels.cpu.int_power``), the real kernel otherwise (its attributes kept)."""
    def kernel(a, b, **params):
        k = a.dtype.kind
        if k == "c":
            return complex_pow(a, b).astype(a.dtype, copy=False)
        if k in "iu" and type(b) is np.ndarray and b.dtype.kind in "iu" and \
                _int_power.beyond_loop(b):
            return _int_power.int_power(a, b)
        return real_kernel(a, b, **params)
    return _wrapped_like(kernel, real_kernel)


# Primitives whose maths holds for complex z as written (power series with real coefficients,
# principal branches as NumPy and PyTorch take them): (NumPy function for the CPU, cmath
# expression for CUDA).  Their vjps, written for real x as g f'(x), are evaluated at conj(x)
# and conj(y): g f'(conj z) = g conj(f'(z)), PyTorch's convention.
HOLOMORPHIC = {
    "log": (np.log, "cmath.log(x0)"),
    "sqrt": (np.sqrt, "cmath.sqrt(x0)"),
    "tanh": (np.tanh, "cmath.tanh(x0)"),
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)), "1.0 / (1.0 + cmath.exp(-x0))"),
    "sin": (np.sin, "cmath.sin(x0)"),
    "cos": (np.cos, "cmath.cos(x0)"),
    "reciprocal": (lambda z: np.divide(z.dtype.type(1), z), "1.0 / x0"),   # (PyTorch's
    # 1 / z: inf + nan j at 0, 0.5 + 0j at 2, where np.reciprocal gives nan + nan j, 0.5 - 0j)
    "rsqrt": (lambda z: 1.0 / np.sqrt(z), "1.0 / cmath.sqrt(x0)"),
    "log1p": (np.log1p, "cmath.log(1.0 + x0)"),
    "expm1": (np.expm1, "cmath.exp(x0) - 1.0"),
    # (a zero base spelled out: Numba's complex power raises ZeroDivisionError for 0 ** b
    # with b complex or Re b < 0, which a real GPU ignores, leaving garbage: 0j ** 1j gave a
    # number on an H200, not NumPy's nan + nan j; complex_pow's values on every branch)
    "pow": (complex_pow, "(x0 ** x1 if x0 != 0 else complex(math.inf, math.nan) if x1.real < 0"
                         " else complex(1.0, 0.0) if x1 == 0 else complex(0.0, 0.0)"
                         " if x1.real > 0 else complex(math.nan, math.nan))"),
    "tan": (np.tan, "cmath.tan(x0)"),
    "asin": (np.arcsin, "cmath.asin(x0)"),
    "acos": (np.arccos, "cmath.acos(x0)"),
    "atan": (np.arctan, "cmath.atan(x0)"),
    "sinh": (np.sinh, "cmath.sinh(x0)"),
    "cosh": (np.cosh, "cmath.cosh(x0)"),
    "asinh": (np.arcsinh, "cmath.asinh(x0)"),
    "acosh": (np.arccosh, "cmath.acosh(x0)"),
    "atanh": (np.arctanh, "cmath.atanh(x0)"),
    "exp2": (np.exp2, "cmath.exp(x0 * 0.6931471805599453)"),
    "log2": (np.log2, "cmath.log(x0) / 0.6931471805599453"),
    "log10": (np.log10, "cmath.log10(x0)"),
}


# CPU kernels that already send complex arrays to NumPy, at no cost to the real path: log and
# tanh (their SIMD entry takes NumPy's ufunc for floating and complex arrays).  pow has its own
# complex entry (``_cpu_complex_pow``).
_CPU_ALREADY_COMPLEX = frozenset({"log", "tanh"})


_NDARRAY, _F32 = np.ndarray, np.dtype(np.float32)


def _cpu_complex_or(real_kernel, np_fn):
    """The CPU kernel of a unary primitive: NumPy's complex function for complex input (one
    dtype test in front of the real kernel, whose entry and attributes stay as they were; no
    argument packing: about 0.1 us on the real path).  A real kernel with a ``float32`` form
    (``kernels.cpu.transcendental.float32_entry``: sigmoid) gets float32 arrays first, one
    call layer less (a (1, 32) sigmoid kernel ~0.86 -> ~0.55 us)."""
    f32 = getattr(real_kernel, "float32", None)
    if f32 is not None:
        def kernel(x):
            if type(x) is _NDARRAY and x.dtype is _F32:
                return f32(x)
            if x.dtype.kind == "c":
                with np.errstate(all="ignore"):
                    return np.asarray(np_fn(x)).astype(x.dtype, copy=False)
            return real_kernel(x)
    else:
        def kernel(x):
            if x.dtype.kind == "c":
                with np.errstate(all="ignore"):
                    return np.asarray(np_fn(x)).astype(x.dtype, copy=False)
            return real_kernel(x)
    return _wrapped_like(kernel, real_kernel)


#: a holomorphic primitive's vjp wrapper (``_conj_vjp``, ``_conj_of_vjp``) -> the rule it
#: wraps, which the wrapper calls as it is where the output is real: a front end that knows the
#: output's dtype calls that rule itself, and the wrapper costs nothing for real dtypes
#: (``dlcore_static.gradients.op_vjp``; issue 19: the wrapper's call and test were ~0.5 us of
#: each of a tree net's TanhGrad nodes).  Filled as the wrappers are made, at import.
REAL_RULES: dict = {}


def _conj_vjp(vjp):
    """``vjp`` evaluated at the conjugates of the output and inputs when they are complex."""
    def complex_vjp(g, y, *xs, **params):
        if _is_complex_fast(y):
            return vjp(g, conj(y), *[conj(x) for x in xs], **params)
        return vjp(g, y, *xs, **params)
    setattr(complex_vjp, "__wrapped__", vjp)  # noqa: B010
    REAL_RULES[complex_vjp] = vjp
    return complex_vjp


def _conj_of_vjp(vjp):
    """``vjp`` as g conj(f'(z)) computed at z itself: conj(vjp(conj g, y, z)), for the
    functions whose derivative has a branch cut of its own (asin, acos: sqrt(1 - z^2); asinh:
    sqrt(1 + z^2); acosh).  On the cut f'(conj z) is not conj(f'(z)): the arithmetic before
    the square root loses the sign of a zero imaginary part (asin at 2+0j: torch's +0.577j)."""
    def complex_vjp(g, y, *xs, **params):
        if _is_complex_fast(y):
            out = vjp(conj(g), y, *xs, **params)
            if isinstance(out, (tuple, list)):
                return type(out)(None if r is None else conj(r) for r in out)
            return None if out is None else conj(out)
        return vjp(g, y, *xs, **params)
    setattr(complex_vjp, "__wrapped__", vjp)  # noqa: B010
    REAL_RULES[complex_vjp] = vjp
    return complex_vjp


#: HOLOMORPHIC functions whose derivative has a branch cut (see _conj_of_vjp)
_CUT_DERIVATIVE = frozenset({"asin", "acos", "asinh", "acosh"})


def _is_complex_fast(x) -> bool:
    if type(x) is np.ndarray:
        return x.dtype.kind == "c"
    if type(x) in AVAL_ATTR_TYPES:  # (a static graph's Tensor: no _buf to look for)
        return x.aval.dtype.kind == "c"
    try:
        buf = getattr(x, "_buf", None)
    except RuntimeError:        # (an eager tensor changed in place since it was saved: its
        buf = None              # dtype is still known, only reading its values raises)
    return (buf.dtype if buf is not None else aval_of(x).dtype).kind == "c"


def _mark_holomorphic() -> None:
    for name, (np_fn, code) in HOLOMORPHIC.items():
        p = PRIMITIVES[name]
        if getattr(p.kernels["cuda"], "complex_aware", False):
            continue
        p.options["complex"] = True
        if name != "pow":
            p.shape_rule = _widen_rule(name, p.shape_rule)
        if name == "pow":
            p.kernels["cpu"] = _cpu_complex_pow(p.kernels["cpu"])
        elif name not in _CPU_ALREADY_COMPLEX:
            p.kernels["cpu"] = _cpu_complex_or(p.kernels["cpu"], np_fn)
        p.kernels["cuda"] = _cuda.complex_or_n(p.kernels["cuda"], _cuda.holomorphic(name, code))
        p.vjp = (_conj_of_vjp if name in _CUT_DERIVATIVE else _conj_vjp)(p.vjp)


_mark_complex()


def _is_complex(x) -> bool:
    if type(x) is np.ndarray:
        return x.dtype.kind == "c"
    if _dt.is_python_scalar(x):
        return isinstance(x, complex)
    return aval_of(x).dtype.kind == "c"


def _complex_input(op: str, z: AVal) -> None:
    if z.dtype.kind != "c":
        raise DTypeNotImplemented(
            op, f"{op} expects a complex input tensor, but got {z.dtype.name}",
            [z.dtype])


# ----------------------------------------------------------------------------- real, imag, conj
def _to_real_rule(op):
    def rule(z: AVal) -> AVal:
        _complex_input(op, z)
        return AVal(z.shape, _dt.to_real(z.dtype))
    return rule


def _zero_d_safe(ufunc):
    """A NumPy ufunc as a CPU kernel that returns an array for a 0-d input too (a ufunc on a
    0-d array returns a NumPy scalar, which a raw-buffer pass would carry as a buffer: the
    second backward of a complex whole sum sent such a cotangent to the CUDA path)."""
    def kernel(z):
        r = ufunc(z)
        return r if type(r) is np.ndarray else np.asarray(r)
    kernel.__name__ = ufunc.__name__
    return kernel


def _conj_rule(z: AVal) -> AVal:
    _complex_input("conj", z)
    return AVal(z.shape, z.dtype)


real_p = Primitive("real", _to_real_rule("real"), lambda g, y, z: (complex_(g, zeros_like(g)),),
                   kind="complex", view=True, complex=True,
                   doc="y = Re z;  dz = g + 0i",
                   kernels={"cpu": lambda z: z.real, "cuda": _cuda.real})
imag_p = Primitive("imag", _to_real_rule("imag"), lambda g, y, z: (complex_(zeros_like(g), g),),
                   kind="complex", view=True, complex=True,
                   doc="y = Im z;  dz = 0 + g i",
                   kernels={"cpu": lambda z: z.imag, "cuda": _cuda.imag})
conj_p = Primitive("conj", _conj_rule, lambda g, y, z: (conj(g),), kind="complex", complex=True,
                   doc="y = conj(z);  dz = conj(g)",
                   kernels={"cpu": _zero_d_safe(np.conjugate), "cuda": _cuda.conj})


_mark_holomorphic()


def real(z):
    """The real part (a float tensor); a real ``z`` is returned as it is."""
    return bind(real_p, z) if _is_complex(z) else z


def imag(z):
    """The imaginary part of a complex ``z`` (PyTorch refuses a real one)."""
    if not _is_complex(z):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return bind(imag_p, z)


def conj(z):
    """The complex conjugate; a real ``z`` is returned as it is (PyTorch's ``conj``)."""
    return bind(conj_p, z) if _is_complex(z) else z


# ----------------------------------------------------------------------------- complex(re, im)
def _complex_rule(re: AVal, im: AVal) -> AVal:
    if re.dtype != im.dtype:
        names = {"float32": "Float", "float64": "Double", "float16": "Half"}
        raise DTypeNotImplemented("complex", f"Expected object of scalar type "
                                  f"{names.get(re.dtype.name, re.dtype.name)} but got scalar type "
                                  f"{names.get(im.dtype.name, im.dtype.name)} for second argument",
                                  [re.dtype, im.dtype])
    if re.dtype not in (_dt.float32, _dt.float64):
        names = {"int64": "Long", "int32": "Int", "bool": "Bool", "float16": "Half"}
        n = names.get(re.dtype.name, re.dtype.name)
        raise DTypeNotImplemented(
            "complex", f"Expected both inputs to be Half, Float or Double tensors "
            f"but got {n} and {n}", [re.dtype, im.dtype])
    return AVal(_rules.broadcast_shapes("complex", re.shape, im.shape), _dt.to_complex(re.dtype))


def _complex_cpu(re, im):
    out = np.empty(np.broadcast_shapes(re.shape, im.shape), _dt.to_complex(re.dtype))
    out.real = re
    out.imag = im
    return out


def _complex_vjp(g, y, re, im):
    from .broadcast import sum_to
    return (lambda: sum_to(real(g), re), lambda: sum_to(imag(g), im))


complex_p = Primitive("complex", _complex_rule, _complex_vjp, kind="complex",
                      doc="y = re + i im (re, im float32 or float64, broadcast);  dre = Re g,  "
                          "dim = Im g",
                      kernels={"cpu": _complex_cpu, "cuda": _cuda.complex_})


def complex_(re, im):
    """``re + i im`` from two real tensors of one dtype (PyTorch's ``torch.complex``)."""
    return bind(complex_p, re, im)


# ----------------------------------------------------------------------------- abs, angle
def _abs_vjp(g, y, z):
    # g z / |z| = (g Re z + i g Im z) / |z|, 0 where z = 0 (PyTorch: g * sgn(z))
    zero = equal(y, 0)
    s = div(g, where(zero, 1.0, y))
    return (complex_(where(zero, 0.0, mul(s, real(z))), where(zero, 0.0, mul(s, imag(z)))),)


def _angle_vjp(g, y, z):
    # dz = i g z / |z|^2 = (-g Im z + i g Re z) / |z|^2, 0 where z = 0
    re, im = real(z), imag(z)
    r2 = add(mul(re, re), mul(im, im))
    zero = equal(r2, 0)
    s = div(g, where(zero, 1.0, r2))
    return (complex_(where(zero, 0.0, neg(mul(s, im))), where(zero, 0.0, mul(s, re))),)


complex_abs_p = Primitive("complex_abs", _to_real_rule("abs"), _abs_vjp, kind="complex",
                          complex=True, doc="y = |z| (hypot(Re z, Im z));  dz = g z / |z| "
                                            "(0 at z = 0)",
                          kernels={"cpu": _zero_d_safe(np.abs), "cuda": _cuda.abs_})
angle_p = Primitive("angle", _to_real_rule("angle"), _angle_vjp, kind="complex", complex=True,
                    doc="y = atan2(Im z, Re z);  dz = i g z / |z|^2 (0 at z = 0)",
                    kernels={"cpu": _zero_d_safe(np.angle), "cuda": _cuda.angle})


def complex_abs(z):
    """|z| of a complex tensor (a float tensor)."""
    return bind(complex_abs_p, z)


def angle(z):
    """The argument of each complex value, in (-pi, pi]."""
    return bind(angle_p, z)


# ----------------------------------------------------------------------------- views
def _view_as_real_rule(z: AVal) -> AVal:
    if z.dtype.kind != "c":
        raise DTypeNotImplemented(
            "view_as_real", "view_as_real is only supported for complex tensors",
            [z.dtype])
    return AVal(tuple(z.shape) + (2,), _dt.to_real(z.dtype))


def _view_as_complex_rule(x: AVal) -> AVal:
    if x.dtype not in (_dt.float32, _dt.float64):
        names = {"int64": "Long", "int32": "Int", "float16": "Half", "bool": "Bool"}
        raise DTypeNotImplemented(
            "view_as_complex", "view_as_complex is only supported for float and "
            f"double tensors, but got a tensor of scalar type: "
            f"{names.get(x.dtype.name, x.dtype.name)}", [x.dtype])
    if not x.shape or x.shape[-1] != 2:
        raise ShapeError("view_as_complex", "Tensor must have a last dimension of size 2",
                         [x.shape])
    return AVal(tuple(x.shape[:-1]), _dt.to_complex(x.dtype))


def _view_as_real_cpu(z):
    try:
        return z[..., None].view(_dt.to_real(z.dtype))
    except ValueError:                  # a layout NumPy cannot reinterpret: a copy
        return np.stack([z.real, z.imag], axis=-1)


def _view_as_complex_cpu(x):
    if x.strides[-1] != x.itemsize:
        x = np.ascontiguousarray(x)
    return x.view(_dt.to_complex(x.dtype))[..., 0]


view_as_real_p = Primitive("view_as_real", _view_as_real_rule,
                           lambda g, y, z: (view_as_complex(g),), kind="complex", view=True,
                           complex=True, doc="y[..., 0] = Re z, y[..., 1] = Im z;  "
                                             "dz = view_as_complex(g)",
                           kernels={"cpu": _view_as_real_cpu, "cuda": _cuda.view_as_real})
view_as_complex_p = Primitive("view_as_complex", _view_as_complex_rule,
                              lambda g, y, x: (view_as_real(g),), kind="complex", view=True,
                              doc="y = x[..., 0] + i x[..., 1];  dx = view_as_real(g)",
                              kernels={"cpu": _view_as_complex_cpu,
                                       "cuda": _cuda.view_as_complex})


def view_as_real(z):
    return bind(view_as_real_p, z)


def view_as_complex(x):
    return bind(view_as_complex_p, x)
