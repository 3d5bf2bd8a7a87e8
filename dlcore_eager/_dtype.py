"""PyTorch-style dtype objects and PyTorch's type-promotion rules.

A ``dlcore_eager.dtype`` is a thin named wrapper around a ``numpy.dtype`` (``torch.float32`` prints
as ``torch.float32``; ``dlcore.dtypes.as_dtype`` understands it through its ``np_dtype``).

Promotion follows PyTorch, which differs from NumPy in one important way: dimensioned tensors win
over zero-dimensional tensors and Python scalars of the same *category* (bool < integer < float).
So ``float32_tensor + float64_scalar_tensor`` stays float32, and ``int64_tensor * 0.5`` becomes
the default float (float32), not float64 as NumPy would say.
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from dlcore import dtypes as _dt
from dlcore.dtypes import is_floating


class dtype:
    """A tensor element type, e.g. ``dlcore_eager.float32``."""

    __slots__ = ("_legacy", "is_complex", "is_floating_point", "itemsize", "name", "np_dtype")

    def __init__(self, name: str, np_dtype, legacy: str):
        self.name = name
        self.np_dtype = np.dtype(np_dtype)
        self.is_floating_point = is_floating(self.np_dtype)
        self.is_complex = self.np_dtype.kind == "c"
        self.itemsize = self.np_dtype.itemsize
        self._legacy = legacy          # 'Float' -> torch.FloatTensor / torch.cuda.FloatTensor

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    @property
    def is_signed(self) -> bool:
        """PyTorch's: False for uint8 and bool (unsigned), True for the others; a quantized
        dtype's refusal."""
        if self.name in ("quint8", "qint8", "qint32"):
            raise RuntimeError("isSignedType not supported for quantized types")
        return self.np_dtype.kind not in "ub"

    def __reduce__(self):           # dtypes are singletons
        return (from_numpy_dtype, (self.np_dtype.str,))


float32 = dtype("float32", np.float32, "Float")
float64 = dtype("float64", np.float64, "Double")
int32 = dtype("int32", np.int32, "Int")
int64 = dtype("int64", np.int64, "Long")
bool_ = dtype("bool", np.bool_, "Bool")
int8 = dtype("int8", np.int8, "Char")
uint8 = dtype("uint8", np.uint8, "Byte")
int16 = dtype("int16", np.int16, "Short")
short = int16
float16 = dtype("float16", np.float16, "Half")
half = float16
complex64 = dtype("complex64", np.complex64, "ComplexFloat")
complex128 = dtype("complex128", np.complex128, "ComplexDouble")
cfloat = complex64
cdouble = complex128
float = float32
double = float64
int = int32
long = int64

ALL: tuple[dtype, ...] = (float32, float64, int32, int64, bool_, int8, uint8, int16, float16,
                          complex64, complex128)
_BY_NP = {d.np_dtype: d for d in ALL}
bfloat16: dtype                     # (declared only: set by _add_bfloat16, else __getattr__)


def _add_bfloat16(np_bf16: np.dtype) -> None:
    """ml_dtypes' bfloat16 (optional; see dlcore.dtypes): ``bfloat16`` here once ml_dtypes is
    imported (reading ``bfloat16`` imports it, see ``__getattr__``)."""
    global ALL, bfloat16
    bfloat16 = dtype("bfloat16", np_bf16, "BFloat16")
    ALL += (bfloat16,)
    _BY_NP[np_bf16] = bfloat16


def __getattr__(name: str):
    if name == "bfloat16" and _dt.load_bfloat16() is not None:
        return globals()["bfloat16"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The names, bfloat16's included before ml_dtypes is imported (see dlcore.dtypes)."""
    return _dt.dir_with_bfloat16(globals(), "bfloat16")


_dt.on_bfloat16(_add_bfloat16)
_default_float = [float32]


def from_numpy_dtype(np_dtype) -> dtype:
    """The dtype object for a NumPy dtype (TypeError for unsupported ones)."""
    d = _BY_NP.get(_dt.np_dtype(np_dtype))
    if d is None:
        _dt.load_bfloat16()                 # (listed below when installed)
        raise TypeError(f"dlcore_eager: unsupported dtype {np.dtype(np_dtype).name}; "
                        f"supported: {', '.join(x.name for x in ALL)}")
    return d


def to_numpy_dtype(d) -> np.dtype:
    """Accept a dtype object, a NumPy dtype, a Python type or a name."""
    if isinstance(d, dtype):
        return d.np_dtype
    if d is None:
        return _default_float[0].np_dtype
    if d is builtins.float:             # (PyTorch's: float64, whatever the default dtype)
        return np.dtype(np.float64)
    if d is builtins.int:
        return np.dtype(np.int64)
    if d is builtins.bool:
        return np.dtype(np.bool_)
    return from_numpy_dtype(d).np_dtype


def get_default_dtype() -> dtype:
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float[0] = d


# ----------------------------------------------------------------------------- promotion
_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}


def category(d: np.dtype) -> builtins.int:
    """0 for bool, 1 for the integers, 2 for the floating types (bfloat16 included), 3 for
    the complex types."""
    return 2 if is_floating(d) else _CATEGORY[d.kind]


def scalar_category(value) -> builtins.int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, numbers.Integral):
        return 1
    if isinstance(value, numbers.Real):
        return 2
    return 3 if isinstance(value, numbers.Complex) else 2


def default_complex() -> np.dtype:
    """complex64, or complex128 when the default float is float64 (PyTorch's rule)."""
    return _dt.to_complex(_default_float[0].np_dtype)


def promote_with_scalar(t: np.dtype, value) -> np.dtype:
    """The result dtype of ``tensor(t) op python_scalar``."""
    sc = scalar_category(value)
    if sc <= category(t):
        return t
    if sc == 3:                  # a complex scalar: the complex type of a float tensor's width
        return _dt.to_complex(t) if is_floating(t) else default_complex()
    return np.dtype(np.int64) if sc == 1 else _default_float[0].np_dtype


def promote_tensors(a: np.dtype, a_dim: bool, b: np.dtype, b_dim: bool) -> np.dtype:
    """The result dtype of ``tensor(a) op tensor(b)``; ``*_dim`` is False for 0-d tensors.

    A higher category wins (``int64 + float32 -> float32``); within a category the wider type
    wins, except that a 0-d tensor does not widen a dimensioned one of its category."""
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        if ca + cb == 5 and a_dim != b_dim:   # complex with float: PyTorch's combine_categories
            c, c_dim, f = (a, a_dim, b) if ca == 3 else (b, b_dim, a)
            return c if c_dim else _dt.to_complex(f)
        if ca + cb == 5:
            return _dt.promote_types(a, b)
        return a if ca > cb else b
    if a_dim != b_dim:
        return a if a_dim else b
    return _dt.promote_types(a, b)      # (bfloat16 with float16: float32, as PyTorch)


#: PyTorch's C++ names of the dtypes, as its error messages print them ("long int").
C_TYPE_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
                "float16": "c10::Half", "bfloat16": "c10::BFloat16", "bool": "bool", "int16": "short int",
                "int8": "signed char", "uint8": "unsigned char",
                "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}
