"""PyTorch's dtype rules where they differ from dlcore's primitives, installed over the
generated functions and methods (as :mod:`._complex_guards` does for complex inputs), so that a
program sees what PyTorch 2.13 does on the CPU:

* refused as PyTorch refuses them, with its exception type and words: rounding a bool tensor
  (``"floor_vml_cpu" not implemented for 'Bool'``), ``fmod``/``remainder``/``%`` of two bools,
  ``hypot``/``frac``/``logcumsumexp``/``logaddexp``/``logaddexp2`` of integers or bools,
  ``searchsorted`` of two bool tensors, ``cross`` of tensors of different ranks, ``topk``/``kthvalue``/``median``/``trace`` of
  bools, ``var``/``std`` of integers, a ``lerp`` whose ``end`` or ``weight`` dtype is not
  ``start``'s, and the linear-algebra factorisations, ``cdist``/``pdist``, CTC and 2-d/3-d
  local response normalisation of float16/bfloat16 tensors (PyTorch has no CPU kernel for
  them; dlcore's primitives would compute them in float32 and round, which PyTorch never
  does).  PyTorch names its CPU kernel in the message; dlcore says the same on every device.
* computed as PyTorch defines them: ``amax``/``amin``/``aminmax`` and ``sign``/``sgn`` of a
  bool tensor (bool results; the primitives refuse bool, as TensorFlow does), ``round`` of an
  integer tensor (a copy, not the tensor itself), ``trace`` of a small integer type (int64).

The primitives keep their own rules (the static front end follows TensorFlow's): these live here.
"""

from __future__ import annotations

import numpy as np

from dlcore import dtypes as _dt
from dlcore import ops as _ops

from . import _dtype as D
from ._operand_rules import _int_pow_check, infer_size, infer_sizes, int_divisor
from . import _index_errors
from ._host_grad import legacy_scatter_reduce
from .return_types import aminmax  # PyTorch's result type (torch.return_types.aminmax)
from .tensor import Tensor

_INPUT_KEYS = ("input", "A", "x1", "log_probs", "LU", "self")


def _first(args, kwargs):
    if args and isinstance(args[0], Tensor):
        return args[0]
    for k in _INPUT_KEYS:
        v = kwargs.get(k)
        if isinstance(v, Tensor):
            return v
    return None


def _legacy(dtype) -> str:
    return D.from_numpy_dtype(np.dtype(dtype))._legacy


def _kernel_refusal(kernel: str, dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{_legacy(dtype)}\'')


def _kind(x) -> str:
    """The dtype kind of a tensor or a Python scalar operand ('b', 'i', 'f', 'c')."""
    if isinstance(x, Tensor):
        return x._buf.dtype.kind
    if isinstance(x, bool):
        return "b"
    if isinstance(x, int):
        return "i"
    if isinstance(x, complex):
        return "c"
    return "f"


def _wrap(orig, check):
    """``orig`` preceded by ``check(args, kwargs)``, which raises, or returns a result to use
    instead (not None), or None to call ``orig``."""
    def f(*args, **kwargs):
        r = check(args, kwargs)
        return orig(*args, **kwargs) if r is None else r
    f.__name__ = getattr(orig, "__name__", "f")
    f.__qualname__ = getattr(orig, "__qualname__", f.__name__)
    f.__doc__ = getattr(orig, "__doc__", None)
    f.__wrapped__ = orig  # type: ignore[attr-defined]
    return f


# ----------------------------------------------------------------------------- checks
def _no_bool(kernel):
    def check(args, kwargs):
        x = _first(args, kwargs)
        if x is not None and x._buf.dtype.kind == "b":
            raise _kernel_refusal(kernel, x._buf.dtype)
    return check


def _float_only(kernel, kinds: str = "biu"):    # (kinds: the first operand's refused)
    def check(args, kwargs):
        x = _first(args, kwargs)
        if x is not None and x._buf.dtype.kind in kinds:
            raise _kernel_refusal(kernel, x._buf.dtype)
    return check


def _round(args, kwargs):
    x = _first(args, kwargs)
    if x is None or x._buf.dtype.kind not in "biu":
        return None
    decimals = kwargs.get("decimals", args[1] if len(args) > 1 else 0)
    if x._buf.dtype.kind == "b" or decimals:
        raise _kernel_refusal("round_cpu" if decimals else "round_vml_cpu", x._buf.dtype)
    return x.clone()


def _both_bool(kernel):
    """``fmod``/``remainder`` (and ``%``): refused when the result dtype is bool."""
    def check(args, kwargs):
        a = args[0] if args else kwargs.get("input")
        b = args[1] if len(args) > 1 else kwargs.get("other")
        if _kind(a) == "b" and _kind(b) == "b" and (isinstance(a, Tensor) or
                                                    isinstance(b, Tensor)):
            raise _kernel_refusal(kernel, np.bool_)
    return check


def _int_division(kernel):
    """``remainder``/``fmod``/``floor_divide`` (``%``, ``//``): refused for two bools, and an
    integer division by zero raises PyTorch's RuntimeError('ZeroDivisionError') (dlcore's
    kernels, as NumPy's, give 0)."""
    both_bool = _both_bool(kernel)

    def check(args, kwargs):
        a = args[0] if args else kwargs.get("input")
        b = args[1] if len(args) > 1 else kwargs.get("other")
        ka, kb = _kind(a), _kind(b)
        if ka not in "biu" or kb not in "biu":      # (a float, complex or bfloat16 ('V'))
            return
        both_bool(args, kwargs)
        if isinstance(b, Tensor):
            buf = b._buf
            zero = type(buf) is np.ndarray and not buf.all()
        else:       # (a Python int as the kernel sees it: int8 // 256 divides by 0)
            zero = int_divisor(a, b) == 0
        if zero and all(v._buf.size for v in (a, b) if isinstance(v, Tensor)):  # (an empty
            raise RuntimeError("ZeroDivisionError")            # result divides nothing)
    return check


def _int_pow(args, kwargs):
    """``pow_``/``**=``: ``_tensor_ops``' pow checks (``_operand_rules._int_pow_check``: an
    integer or bool tensor to a negative Python integer power, two bool tensors) on the
    in-place forms' arguments."""
    b = args[1] if len(args) > 1 else kwargs.get("exponent")
    _int_pow_check(args[0] if args else kwargs.get("input"), b)


def _hypot(args, kwargs):
    a = args[0] if args else kwargs.get("input")
    b = args[1] if len(args) > 1 else kwargs.get("other")
    if _kind(a) in "biu" and _kind(b) in "biu" and isinstance(a, Tensor):
        if isinstance(b, Tensor):
            t = D.promote_tensors(a._buf.dtype, a.dim() > 0, b._buf.dtype, b.dim() > 0)
        else:
            t = D.promote_with_scalar(a._buf.dtype, b)
        raise _kernel_refusal("hypot_cpu", t)


def _promoted_refusal(kernel: str, kinds: str = "biu", keys=("input", "other")):
    """A binary op PyTorch has no kernel for when the two operands promote to a dtype of
    ``kinds`` (``logaddexp`` of integers or bools, ``searchsorted`` of two bool tensors): its
    NotImplementedError, naming the promoted dtype."""
    def check(args, kwargs):
        a = args[0] if args else kwargs.get(keys[0])
        b = args[1] if len(args) > 1 else kwargs.get(keys[1])
        if isinstance(a, Tensor) and isinstance(b, Tensor) and _kind(a) in kinds \
                and _kind(b) in kinds:
            t = D.promote_tensors(a._buf.dtype, a.dim() > 0, b._buf.dtype, b.dim() > 0)
            if np.dtype(t).kind in kinds:
                raise _kernel_refusal(kernel, t)
    return check


def _cross_ranks(args, kwargs):
    """``cross``/``linalg.cross``: PyTorch broadcasts the two inputs only within one rank (the
    primitive, NumPy's rule, also across ranks)."""
    a = args[0] if args else kwargs.get("input")
    b = args[1] if len(args) > 1 else kwargs.get("other")
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.dim() != b.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")


def _float_shift(kernel: str, kinds: str = "fcb"):
    """Bit shifts of floating or boolean operands: PyTorch's missing-kernel error, named with
    the promoted dtype (``tensor([1, 2]) << 1.5`` is refused as 'Float'; a bool tensor shifted
    by a Python int is promoted to int64 and computed); ``kinds="fc"``: ``&``, ``|``, ``^``."""
    def check(args, kwargs):
        a = args[0] if args else kwargs.get("input")
        b = args[1] if len(args) > 1 else kwargs.get("other")
        if not isinstance(a, Tensor):
            a, b = b, a                 # (2 << t reaches the check as (2, t))
        if not isinstance(a, Tensor):
            return
        if isinstance(b, Tensor):
            t = D.promote_tensors(a._buf.dtype, a.dim() > 0, b._buf.dtype, b.dim() > 0)
        else:
            t = D.promote_with_scalar(a._buf.dtype, b)
        if np.dtype(t).kind in kinds:
            if isinstance(b, Tensor):       # (PyTorch's broadcast error comes first)
                infer_size(tuple(a.shape), tuple(b.shape))
            raise _kernel_refusal(kernel, t)
    return check


def _relu_bool(args, kwargs):
    x = _first(args, kwargs)
    if x is not None and x._buf.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")


def _invert(args, kwargs):
    x = _first(args, kwargs)
    if x is not None and x._buf.dtype.kind in "fc":     # (PyTorch: the operator's own words)
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")


def _topk(args, kwargs):
    x = _first(args, kwargs)
    if x is not None and x._buf.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")


def _median(kernel_all, kernel_dim):
    """``median``/``nanmedian``: refused for bools; of an empty tensor (no ``dim``), NaN, or
    for integers the value PyTorch gives (the type's lowest for signed types, 0 for uint8);
    along an empty ``dim``, PyTorch's IndexError."""
    def check(args, kwargs):
        x = _first(args, kwargs)
        if x is None:
            return None
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        if x._buf.dtype.kind == "b":
            raise _kernel_refusal(kernel_dim if dim is not None else kernel_all, x._buf.dtype)
        if 0 not in tuple(x.shape):
            return None
        if dim is None:
            d = np.dtype(x._buf.dtype)
            v = np.nan if d.kind in "fc" else (np.iinfo(d).min if d.kind == "i" else 0)
            return _ops_full_like_scalar(x, v)
        k = int(dim) % max(x.dim(), 1)
        if x.dim() and x.shape[k] == 0:
            raise IndexError(f"median(): Expected reduction dim {k} to have non-zero size.")
        return None
    return check


def _ops_full_like_scalar(x, v):
    from .creation import full
    return full((), v, dtype=x.dtype, device=x.device)


def _trace(args, kwargs):
    x = _first(args, kwargs)
    if x is None:
        return None
    d = x._buf.dtype
    if d.kind == "b":
        raise _kernel_refusal("trace", d)
    if d.kind in "iu" and d != np.int64:            # PyTorch sums integers in int64
        return _TRACE[0](_ops.cast(x, np.int64))
    return None


def _var_family(name):
    """``var_mean``/``std_mean`` of integers (``var``/``std`` refuse them themselves)."""
    def check(args, kwargs):
        x = _first(args, kwargs)
        if x is not None and x._buf.dtype.kind in "biu":
            raise RuntimeError(f"{name} only support floating point and complex dtypes")
    return check


def _c_name(dtype) -> str:
    return D.C_TYPE_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


def _lerp(args, kwargs):
    start = args[0] if args else kwargs.get("input")
    end = args[1] if len(args) > 1 else kwargs.get("end")
    weight = args[2] if len(args) > 2 else kwargs.get("weight")
    if not isinstance(start, Tensor):
        return
    d = start._buf.dtype
    if isinstance(end, Tensor) and end._buf.dtype != d:
        raise RuntimeError(f"expected dtype {_c_name(d)} for `end` but got dtype "
                           f"{_c_name(end._buf.dtype)}")
    if isinstance(weight, Tensor) and weight._buf.dtype != d:
        raise RuntimeError(f"expected dtype {_c_name(d)} for `weight` but got dtype "
                           f"{_c_name(weight._buf.dtype)}")
    if d.kind in "biu":
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise _kernel_refusal(kernel, d)
    infer_sizes(start, end, weight)        # PyTorch's broadcast error, its operands' order


def _bool_identity_inplace(args, kwargs):
    x = _first(args, kwargs)
    return x if x is not None and x._buf.dtype.kind == "b" else None


def empty_reduction_error(name: str, shape, dim):
    """PyTorch's error for ``amax``/``amin``/``aminmax``/``argmax``/``argmin`` over an empty
    dimension (the primitives raise a ShapeError, TensorFlow's and NumPy's kind), or ``None``.
    ``amax``/``amin`` name the dim as given, ``aminmax``/``argmax``/``argmin`` wrapped."""
    nd = len(shape)
    if dim is None or (isinstance(dim, (tuple, list)) and not dim and name in ("amax", "amin")):
        if 0 not in shape:
            return None
        if name in ("argmax", "argmin"):
            return IndexError(f"{name}(): Expected reduction dim to be specified for "
                              "input.numel() == 0.")
        if name == "aminmax":
            return RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                                "the operation has no identity.")
        return RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                            "input.numel() == 0. Specify the reduction dim with the 'dim' "
                            "argument.")
    dims = [int(d) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
    for d in dims:                      # (in order, as PyTorch: the first bad dim decides)
        if not -max(nd, 1) <= d < max(nd, 1):
            return None                 # (out of range: the binding's own IndexError)
        if nd and shape[d] == 0:
            shown = d if name in ("amax", "amin") else d % nd
            sep = ":" if name == "aminmax" else "():"
            return IndexError(f"{name}{sep} Expected reduction dim {shown} to have non-zero size.")
    return None


def _dim_arg(args, kwargs):
    if len(args) > 1:
        return args[1]
    return kwargs.get("dim", kwargs.get("axis"))


def _bool_via_uint8(orig):
    """``amax``/``amin``/``aminmax`` of a bool tensor: reduced as uint8, given back as bool;
    over an empty dimension: PyTorch's IndexError/RuntimeError (:func:`empty_reduction_error`)."""
    name = getattr(orig, "__name__", "")

    def f(*args, **kwargs):
        x = _first(args, kwargs)
        if x is not None and 0 in x._buf.shape:
            e = empty_reduction_error(name, x._buf.shape, _dim_arg(args, kwargs))
            if e is not None:
                raise e
        if x is None or x._buf.dtype.kind != "b" or kwargs.get("out") is not None:
            return orig(*args, **kwargs)
        rest = args[1:] if args and args[0] is x else args
        kw = {k: v for k, v in kwargs.items() if v is not x}
        r = orig(_ops.cast(x, np.uint8), *rest, **kw)
        if isinstance(r, tuple):
            values = [_ops.cast(v, np.bool_) for v in r]
            return type(r)(*values) if hasattr(r, "_fields") else tuple(values)
        return _ops.cast(r, np.bool_)
    f.__name__ = getattr(orig, "__name__", "f")
    f.__doc__ = getattr(orig, "__doc__", None)
    f.__wrapped__ = orig  # type: ignore[attr-defined]
    return f


def _sign(args, kwargs):
    """``sign`` of a bool tensor: its values (a copy); of a complex one: refused, as PyTorch."""
    x = args[0]
    if x._buf.dtype.kind == "c":
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex "
                                  "numbers. Please use torch.sgn instead.")
    return x.clone()


def _square_bool(args, kwargs):
    """``square`` of a bool tensor: int64, as PyTorch (``pow(x, 2)`` promotes a bool to the
    integer type; dlcore's primitive kept bool)."""
    return _ops.cast(args[0], np.int64)


def _sgn(args, kwargs):
    """``sgn``: a bool tensor's values (a copy); z / |z| (0 at 0) for complex z."""
    x = args[0]
    if x._buf.dtype.kind != "c":
        return x.clone()
    r = _ops.complex_abs(x)
    zero = _ops.equal(r, 0)
    unit = _ops.div(x, _ops.complex_(_ops.where(zero, 1.0, r), _ops.zeros_like(r)))
    return _ops.where(zero, _ops.zeros_like(x), unit)


def softmax_refusal(name, x, dim) -> NotImplementedError:
    """PyTorch's words for a softmax of an integer or bool tensor (its CPU kernel's name); used
    by ``_api``'s softmax convention and by ``softmin`` here."""
    last = x.ndim == 0 or dim in (-1, x.ndim - 1)
    kernel = ("log_softmax" if "log" in name else "softmax") + \
        ("_lastdim_kernel_impl" if last else "_kernel_impl")
    return NotImplementedError(f'"{kernel}" not implemented for '
                               f"'{D.from_numpy_dtype(x._buf.dtype)._legacy}'")


def _softmin(orig):
    """``F.softmin``: ``dtype=`` casts first (it was ignored), and an integer input is refused
    as PyTorch's softmax kernel refuses it (a bool one as negating a mask is)."""
    def softmin(input, dim=None, _stacklevel=3, dtype=None):
        x = input.to(dtype) if dtype is not None and isinstance(input, Tensor) else input
        if isinstance(x, Tensor) and x._buf.dtype.kind in "iu":
            d = dim if dim is not None else (0 if x.ndim in (0, 1, 3) else 1)
            raise softmax_refusal("softmax", x, int(d) % max(x.ndim, 1))
        if isinstance(x, Tensor) and x._buf.dtype.kind == "b":
            x = -x                                  # (PyTorch's words for negating a mask)
        return orig(x, dim, _stacklevel)
    softmin.__doc__ = orig.__doc__
    return softmin


_AMINMAX = aminmax          # (the wrapper below is named aminmax too)


def _named_aminmax(orig):
    def aminmax(*args, **kwargs):
        dim = kwargs.get("dim")         # (keyword-only: PyTorch's TypeError for a tuple)
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
        r = orig(*args, **kwargs)
        return _AMINMAX(*r) if type(r) is tuple else r
    aminmax.__doc__ = getattr(orig, "__doc__", None)
    aminmax.__wrapped__ = orig  # type: ignore[attr-defined]
    return aminmax


def _half_refusal(kernel=None, message=None):
    """float16/bfloat16 refused (PyTorch has no CPU kernel): its kernel name, or a message
    with ``{name}`` (PyTorch's dtype name) and ``{shape}``."""
    def check(args, kwargs):
        x = _first(args, kwargs)
        if x is not None and x._buf.dtype in _dt.HALF:
            if kernel is not None:
                raise _kernel_refusal(kernel, x._buf.dtype)
            raise RuntimeError(message.format(name=_legacy(x._buf.dtype),
                                               shape=list(x.shape)))
    return check


def _lrn(args, kwargs):
    x = _first(args, kwargs)
    if x is not None and x._buf.dtype in _dt.HALF and x.dim() >= 4:
        raise _kernel_refusal("avg_pool3d_out_frame", x._buf.dtype)


_LOW = "{op}: Low precision dtypes not supported. Got {{name}}"
_FLOAT_DOUBLE = "This function doesn't handle types other than float and double"
_PINV = ("linalg.pinv({name}{{{shape}}}): expected a tensor with 2 or more dimensions of float, "
         "double, cfloat or cdouble types")


# (namespace, names) -> check; "Tensor" also wraps the in-place form where it exists
_ROUNDING = {"floor": "floor_vml_cpu", "ceil": "ceil_vml_cpu", "trunc": "trunc_vml_cpu",
             "fix": "trunc_vml_cpu"}
_TRACE: list = []           # torch.trace (its binding, which consults POLICY; set by install)
_INT_DIVISION = {"fmod": "fmod_cpu", "remainder": "remainder_cpu", "__mod__": "remainder_cpu",
                 "__rmod__": "remainder_cpu", "floor_divide": "div_floor_cpu",
                 "__floordiv__": "div_floor_cpu", "__rfloordiv__": "div_floor_cpu"}


#: The rules that the generated bindings consult themselves (``_api``'s unary and binary
#: conventions look their name up once, when the binding is made), so no wrapper frame stands
#: in front of ``torch.floor``/``Tensor.floor``/``%``: name -> (dtype kinds, check).  The check
#: runs only when the first operand's dtype kind (unary), or either operand's (binary: a Python
#: number counts as bool/int/float), is one of ``kinds``; it raises PyTorch's error, or returns
#: the result to give instead (``sign`` of a bool tensor), or None to compute as usual.
POLICY: dict = {
    **{name: ("b", _no_bool(kernel)) for name, kernel in _ROUNDING.items()},
    "frac": ("biu", _float_only("frac_cpu")),
    "trace": ("biu", _trace),
    "sign": ("bc", _sign),
    "sgn": ("bc", _sgn),
    "square": ("b", _square_bool),
    "hypot": ("biu", _hypot),
    "logaddexp": ("biu", _promoted_refusal("logaddexp_cpu")),
    # activations PyTorch computes for floating tensors only (dlcore's made floats of ints)
    **{name: ("biu", _float_only(kernel)) for name, kernel in (
        ("elu", "elu_cpu"), ("selu", "elu_cpu"), ("celu", "elu_cpu"),
        ("leaky_relu", "leaky_relu_cpu"), ("silu", "silu_cpu"), ("mish", "mish_cpu"),
        ("hardsigmoid", "hardsigmoid_cpu"), ("hardswish", "hardswish_cpu"),
        ("logsigmoid", "log_sigmoid_cpu"))},
    **{name: ("bfc", _float_shift("lshift_cpu"))
       for name in ("bitwise_left_shift", "__lshift__", "__rlshift__")},
    **{name: ("bfc", _float_shift("rshift_cpu"))
       for name in ("bitwise_right_shift", "__rshift__", "__rrshift__")},
    **{name: ("biu", _int_division(kernel)) for name, kernel in _INT_DIVISION.items()},
    **{name: ("fc", _float_shift(f"bitwise_{op}_cpu", "fc")) for op in ("and", "or", "xor")
       for name in (f"bitwise_{op}", f"__{op}__", f"__r{op}__")},
    "bitwise_not": ("fc", _float_only("bitwise_not_cpu", "fc")),
    **{name: ("b", _no_bool("abs_cpu")) for name in ("abs", "absolute", "__abs__")},
    "__invert__": ("fc", _invert), "relu": ("b", _relu_bool),
}


def _checks() -> list[tuple[tuple[str, ...], tuple[str, ...], object, bool]]:
    table: list[tuple[tuple[str, ...], tuple[str, ...], object, bool]] = []
    for name, kernel in _ROUNDING.items():
        table.append((("torch", "Tensor"), (name,), _no_bool(kernel), True))
    table += [
        (("torch", "Tensor"), ("round",), _round, True),
        (("torch", "Tensor"), ("frac",), _float_only("frac_cpu"), True),
        (("torch", "Tensor"), ("logcumsumexp",), _float_only("logcumsumexp_out_cpu"), True),
        (("torch", "Tensor"), ("hypot",), _hypot, True),
        (("torch", "Tensor"), ("logaddexp2",), _promoted_refusal("logaddexp2_cpu"), False),
        (("torch", "Tensor", "linalg"), ("cross",), _cross_ranks, False),
        (("torch", "Tensor"), ("searchsorted",),
         _promoted_refusal("searchsorted_out_cpu", "b", ("sorted_sequence", "input")), False),
        # (the in-place forms; the functions and operators check in their bindings: POLICY)
        (("torch", "Tensor"), ("fmod",), _int_division("fmod_cpu"), True),
        (("torch", "Tensor"), ("remainder",), _int_division("remainder_cpu"), True),
        (("torch", "Tensor"), ("floor_divide",), _int_division("div_floor_cpu"), True),
        (("Tensor",), ("__imod__",), _int_division("remainder_cpu"), False),
        (("Tensor",), ("__ifloordiv__",), _int_division("div_floor_cpu"), False),
        (("Tensor",), ("pow_", "__ipow__"), _int_pow, False),
        (("Tensor",), ("bitwise_left_shift_", "__ilshift__"), _float_shift("lshift_cpu"), False),
        (("Tensor",), ("bitwise_right_shift_", "__irshift__"), _float_shift("rshift_cpu"),
         False),
        (("torch", "Tensor"), ("topk",), _topk, False),
        (("torch", "Tensor"), ("kthvalue",), _no_bool("kthvalue_cpu"), False),
        (("torch", "Tensor"), ("median",), _median("median_cpu", "median_out"), False),
        (("torch", "Tensor"), ("nanmedian",), _median("median_cpu", "median_out"), False),
        (("torch",), ("var_mean",), _var_family("var_mean"), False),
        (("torch",), ("std_mean",), _var_family("std_mean"), False),
        (("torch", "Tensor"), ("lerp",), _lerp, True),
        (("Tensor",), ("sign_", "sgn_"), _bool_identity_inplace, False),
        # float16/bfloat16: no CPU kernel in PyTorch
        (("torch", "Tensor", "linalg"), ("det", "lu_factor", "lu_factor_ex", "lu", "solve",
                                         "solve_ex", "tensorsolve"), _half_refusal("lu_cpu"),
         False),
        (("linalg",), ("slogdet",), _half_refusal(message=_LOW.format(op="linalg.slogdet")),
         False),
        (("torch", "Tensor"), ("slogdet",),
         _half_refusal(message=_LOW.format(op="linalg.slogdet")), False),
        (("torch", "Tensor"), ("logdet",), _half_refusal(message=_LOW.format(op="logdet")),
         False),
        (("torch", "Tensor", "linalg"), ("cholesky", "cholesky_ex"),
         _half_refusal("cholesky_cpu"), False),
        (("linalg",), ("inv", "inv_ex", "tensorinv"),
         _half_refusal(message=_LOW.format(op="linalg.inv")), False),
        (("torch", "Tensor"), ("inverse",),
         _half_refusal(message=_LOW.format(op="linalg.inv")), False),
        (("torch", "Tensor", "linalg"), ("qr", "geqrf"), _half_refusal("geqrf_cpu"), False),
        (("torch", "Tensor", "linalg"), ("svd", "svdvals", "cond"),
         _half_refusal("linalg_svd_cpu"), False),
        (("linalg",), ("eigh", "eigvalsh"), _half_refusal("linalg_eigh_cpu"), False),
        (("linalg",), ("eig", "eigvals"), _half_refusal("linalg_eig_out_cpu"), False),
        (("linalg",), ("matrix_rank", "lstsq"), _half_refusal(message=_FLOAT_DOUBLE), False),
        (("linalg",), ("pinv",), _half_refusal(message=_PINV), False),
        (("torch", "Tensor"), ("pinverse",), _half_refusal(message=_PINV), False),
        (("torch", "Tensor", "linalg"), ("solve_triangular", "triangular_solve"),
         _half_refusal("triangular_solve_cpu"), False),
        (("torch", "Tensor", "linalg"), ("lu_solve",), _half_refusal("linalg.lu_solve_cpu"),
         False),
        (("torch", "Tensor"), ("cholesky_solve",), _half_refusal("cholesky_solve_cpu"), False),
        (("torch", "Tensor"), ("cholesky_inverse",), _half_refusal("cholesky_inverse_out_cpu"),
         False),
        (("linalg",), ("ldl_factor", "ldl_factor_ex"), _half_refusal("ldl_factor_kernel_cpu"),
         False),
        (("torch", "Tensor", "linalg"), ("householder_product", "orgqr"),
         _half_refusal("orgqr_cpu"), False),
        (("torch", "Tensor"), ("ormqr",), _half_refusal("ormqr_cpu"), False),
        (("torch",), ("cdist",), _half_refusal("cdist"), False),
        (("torch", "F"), ("pdist",), _half_refusal("pdist"), False),
        (("F",), ("ctc_loss",), _half_refusal("ctc_loss_cpu"), False),
        (("F",), ("avg_pool3d",), _half_refusal("avg_pool3d_out_frame"), False),
        (("F",), ("local_response_norm",), _lrn, False),
    ]
    return table


def install(torch) -> None:
    _TRACE[:] = [torch.trace]
    targets = {"torch": torch, "Tensor": Tensor, "linalg": torch.linalg,
               "F": torch.nn.functional}
    for spaces, names, check, inplace in _checks():
        for ns in spaces:
            target = targets[ns]
            for name in names:
                forms = (name, name + "_") if inplace and ns == "Tensor" else (name,)
                for form in forms:
                    if form in POLICY and ns in ("torch", "Tensor"):
                        continue                # (checked by the binding itself)
                    orig = getattr(target, form, None)
                    if orig is not None:
                        setattr(target, form, _wrap(orig, check))
    torch.nn.functional.softmin = _softmin(torch.nn.functional.softmin)
    for target in (torch, Tensor):
        for name in ("amax", "amin", "aminmax"):
            orig = getattr(target, name, None)
            if orig is not None:
                f = _bool_via_uint8(orig)
                setattr(target, name, _named_aminmax(f) if name == "aminmax" else f)
    _index_errors.install(torch, Tensor)     # (index_select, gather, scatter: PyTorch's errors)
    for target, name in ((torch, "scatter_reduce"), (Tensor, "scatter_reduce"),
                         (Tensor, "scatter_reduce_")):
        setattr(target, name, legacy_scatter_reduce(getattr(target, name), name[-1] == "_"))
