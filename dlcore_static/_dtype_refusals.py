"""TensorFlow 1.15's dtype lists for the ops of ``tf.add``, ``x + y``, ``tf.reduce_sum`` ...:
a dtype outside an op's list is a build-time ``TypeError``, where dlcore's kernels would
compute something (``tf.constant(True) + tf.constant(False)``, the sum of a bool vector, the
maximum of two uint8 images, uint16/uint32/uint64 additions) or refuse in their own words
(``tf.sqrt`` of an int32 tensor).

TensorFlow checks an input's dtype against the op's registered ``T`` attribute in
``op_def_library._SatisfiesTypeConstraint`` and says (the list in the registration's order)::

    Value passed to parameter 'x' has DataType bool not in list of allowed values: bfloat16,
    float16, float32, float64, uint8, int8, int16, int32, int64, complex64, complex128, string

The lists below are TensorFlow 1.15's ``math_ops.cc`` registrations (``BINARY_MORE``,
``numbertype``, ``realnumbertype`` as ``types.h`` orders them).  ``x + y`` is AddV2 in 1.15
(``math_ops._add_dispatch``), whose list lacks ``string``: strings go to Add, as there.

The binary and reduction adapters of ``_api.py`` look their op's list up once, when they are
made, and keep the dtypes of dlcore's graphs that the list lacks (``refused``); the check on a
graph tensor is then an identity test for float32 and one set lookup otherwise (10-30 ns
against about 1.2 us for the node).  The unary float ops (Sqrt, Exp, Floor ...) refuse ints in
the core already: their adapter translates that TypeError on its way out (no cost on the
node's path); ``PRECHECKED`` ones, which the core computes, are checked first.

Not covered: dtypes an op's list allows but for which 1.15 registers no CPU kernel (Sum of
uint32/uint64: TensorFlow's run-time "No OpKernel was registered to support Op 'Sum'" error;
dlcore computes them).
"""

from __future__ import annotations

import numpy as np

from .graph import Tensor

_NUMBER = ("float32, float64, int32, uint8, int16, int8, complex64, int64, qint8, quint8, "
           "qint32, bfloat16, uint16, complex128, float16, uint32, uint64")
_REAL = ("float32, float64, int32, uint8, int16, int8, int64, bfloat16, uint16, float16, "
         "uint32, uint64")
_MORE = ("bfloat16, float16, float32, float64, uint8, int8, uint16, int16, int32, int64, "
         "complex64, complex128")
_ADD_V2 = "bfloat16, float16, float32, float64, uint8, int8, int16, int32, int64, complex64, " \
          "complex128"
_MIN_MAX = "bfloat16, float16, float32, float64, int32, int64"
_UNARY_REAL = "bfloat16, float16, float32, float64"                # (math_ops.cc UNARY_REAL)
_UNARY = "bfloat16, float16, float32, float64, int32, int64, complex64, complex128"    # (UNARY)
_UNARY_COMPLEX = _UNARY_REAL + ", complex64, complex128"            # (UNARY_COMPLEX)

#: op type -> (the parameter TensorFlow names, its allowed dtypes in TensorFlow's words)
ALLOWED: dict[str, tuple[str, str]] = {
    "Add": ("x", _ADD_V2 + ", string"),
    "AddV2": ("x", _ADD_V2),
    "Sub": ("x", _MORE), "Mul": ("x", _MORE), "FloorDiv": ("x", _MORE),
    "Maximum": ("x", _MIN_MAX), "Minimum": ("x", _MIN_MAX),
    "FloorMod": ("x", "int32, int64, bfloat16, float16, float32, float64"),
    "TruncateMod": ("x", "int32, int64, bfloat16, float16, float32, float64"),
    "Pow": ("x", "bfloat16, float32, float16, float64, int32, int64, complex64, complex128"),
    "Less": ("x", _REAL), "LessEqual": ("x", _REAL),
    "Greater": ("x", _REAL), "GreaterEqual": ("x", _REAL),
    **{t: ("x", _UNARY_COMPLEX) for t in (
        "Sqrt", "Rsqrt", "Exp", "Expm1", "Log", "Log1p", "Sinh", "Cosh", "Tanh", "Asinh",
        "Acosh", "Atanh", "Sigmoid", "Sin", "Cos")},
    **{t: ("x", _UNARY_REAL) for t in (
        "Lgamma", "Digamma", "Erf", "Erfc", "Floor", "Ceil", "IsNan", "IsInf", "IsFinite")},
    "Sum": ("input", _NUMBER), "Prod": ("input", _NUMBER), "Mean": ("input", _NUMBER),
    "Max": ("input", _REAL), "Min": ("input", _REAL),
    # math_ops.cc: Abs's own list; Tan, Asin, Acos, Atan are UNARY() (TF 1.15 has no CPU
    # kernel for their int32/int64, which the core refuses when built)
    "Abs": ("x", "bfloat16, float16, float32, float64, int8, int16, int32, int64"),
    **{t: ("x", _UNARY) for t in ("Tan", "Asin", "Acos", "Atan")},
    # Neg (tf.negative, -x): REGISTER_OP("Neg").UNARY() in 1.15, so no unsigned, bool, int8 or
    # int16 type (the core wrapped uint8 -1 to 255; TF 2 added int8/int16 later)
    "Neg": ("x", _UNARY),
}

# the dtypes a dlcore graph tensor can have (float16/bfloat16 ones report float32; strings
# are left to the string ops' own refusals: "'Mul' does not support tf.string inputs")
_GRAPH_DTYPES = tuple(np.dtype(d) for d in (
    np.float32, np.float64, np.int32, np.int64, np.bool_, np.uint8, np.int8, np.int16,
    np.uint16, np.uint32, np.uint64))


def _tf_name(d: np.dtype) -> str:
    return "string" if d.kind in "OSU" else d.name


def refused(op_type: str) -> frozenset:
    """The graph dtypes ``op_type``'s TensorFlow 1.15 list lacks (none when it has no list
    here)."""
    entry = ALLOWED.get(op_type)
    if entry is None:
        return frozenset()
    allowed = {s.strip() for s in entry[1].split(",")}
    return frozenset(d for d in _GRAPH_DTYPES if _tf_name(d) not in allowed)


def dtype_of(value) -> np.dtype | None:
    """The dtype ``value`` has as a tensor (a graph tensor's, a Variable's, data's; a list
    holding tensors: the first one's), None when that is not plain to see."""
    if type(value) is Tensor:
        return value.aval.dtype
    aval = getattr(value, "aval", None)
    if aval is not None:
        return np.dtype(aval.dtype)
    dt = getattr(value, "dtype", None)
    if dt is not None:
        try:
            return np.dtype(getattr(dt, "as_numpy_dtype", dt))
        except TypeError:
            return None
    if isinstance(value, (list, tuple)):
        for v in value:
            if isinstance(v, (list, tuple)) or hasattr(v, "aval"):
                d = dtype_of(v)
                if d is None or hasattr(v, "aval"):
                    return d
    try:
        d = np.asarray(value).dtype
    except Exception:  # noqa: BLE001 - the conversion itself says what is wrong with it
        return None
    if not isinstance(value, (np.ndarray, np.generic)):     # Python data: TF's int32, float32
        d = {"i": np.dtype(np.int32), "f": np.dtype(np.float32)}.get(d.kind, d)
    return d


def refuse(op_type: str, dtype) -> None:
    """TensorFlow's build-time TypeError for ``dtype`` outside ``op_type``'s list."""
    param, allowed = ALLOWED[op_type]
    raise TypeError(f"Value passed to parameter '{param}' has DataType "
                    f"{_tf_name(np.dtype(dtype))} not in list of allowed values: {allowed}")


def check(op_type: str, bad: frozenset, value) -> None:
    """Refuse ``value`` (data or a tensor) when its dtype is in ``bad`` (``refused(op_type)``)."""
    if bad:
        d = dtype_of(value)
        if d in bad:
            refuse(op_type, d)


#: unary ops whose refused dtypes the core computes (IsNan of an int: False): checked before
#: the node is made (the others refuse them in the core, translated on the way out)
PRECHECKED = frozenset({"IsNan", "IsInf", "IsFinite", "Neg"})


def prechecked(f, op_type: str, bad: frozenset):
    """``f(x, name=None)`` after the check of ``x``'s dtype."""
    def g(x, name=None):
        check(op_type, bad, x)
        return f(x, name)
    return g


def check_pair(op_type: str, bad: frozenset, x, y) -> None:
    """``check`` for a binary op's operands: the dtype is the first tensor's (a Python scalar
    takes it), else the data's."""
    for v in (x, y):
        if isinstance(v, Tensor) or hasattr(v, "aval"):
            check(op_type, bad, v)
            return
    check(op_type, bad, x)
