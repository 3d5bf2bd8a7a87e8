"""TensorFlow-style dtype objects (``tf.float32``, ``tf.int64``, ...).

A ``DType`` is a thin, named wrapper around a ``numpy.dtype``: it prints like TensorFlow
(``<dtype: 'float32'>``), exposes ``as_numpy_dtype`` (which the core's ``dlcore.dtypes.as_dtype``
understands), and compares equal to the NumPy dtype it wraps, so ``t.dtype == np.float32`` works.
"""

from __future__ import annotations

import builtins as _builtins
import numbers

import numpy as np
import numpy.typing as _npt

from dlcore import dtypes as _core
from dlcore.dtypes import is_floating


class DType:
    """A graph tensor's element type."""

    __slots__ = ("name", "np")

    def __init__(self, np_dtype: _npt.DTypeLike):
        self.np = np.dtype(np_dtype)
        self.name = "bool" if self.np == np.bool_ else \
            "string" if self.np == np.object_ else self.np.name

    @property
    def as_numpy_dtype(self):
        return self.np.type

    @property
    def is_floating(self) -> _builtins.bool:
        return is_floating(self.np)

    @property
    def is_integer(self) -> _builtins.bool:
        return self.np.kind in "iu"

    @property
    def is_bool(self) -> _builtins.bool:
        return self.np.kind == "b"

    @property
    def is_complex(self) -> _builtins.bool:
        return self.np.kind == "c"

    @property
    def real_dtype(self) -> DType:
        """complex64 -> float32, complex128 -> float64; any other dtype itself (as TF)."""
        return float32 if self.np == np.complex64 else \
            float64 if self.np == np.complex128 else self

    @property
    def base_dtype(self) -> DType:
        return self

    def __eq__(self, other) -> _builtins.bool:
        if isinstance(other, DType):
            return self.np == other.np
        try:
            return self.np == np.dtype(other)
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.np)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"


float32 = DType(np.float32)
float64 = DType(np.float64)
int32 = DType(np.int32)
int64 = DType(np.int64)
bool = DType(np.bool_)
double = float64
half = float16 = DType(np.float16)
int8 = DType(np.int8)
int16 = DType(np.int16)
uint8 = DType(np.uint8)
uint16 = DType(np.uint16)
uint32 = DType(np.uint32)
uint64 = DType(np.uint64)
# Strings: held at run time as NumPy object arrays of Python ``bytes`` (what TensorFlow's
# Session.run returns); only the host string ops of ``strings.py`` compute on them.
string = DType(np.object_)
# complex64/complex128: the core's complex arithmetic (dlcore.ops.complex_ops, the same kernels
# as the eager front end); tf.abs of one is TF's ComplexAbs (a real tensor)
complex64 = DType(np.complex64)
complex128 = DType(np.complex128)

_BY_NP = {d.np: d for d in (float32, float64, int32, int64, bool, float16, int8, int16, uint8,
                            uint16, uint32, uint64, string, complex64, complex128)}
#: the unsigned dtypes the kernel core does not list (``dlcore.dtypes.SUPPORTED``) that graph
#: tensors hold as they are: TF 1.15's uint16 images (decode_png(dtype=tf.uint16),
#: convert_image_dtype), casts to and from them, feeds and fetches, shape ops, and what TF 1.15's
#: kernels compute on uint16 (Mul, Sub, Div, Sum...: wrapping).  dlcore is more permissive than
#: TF 1.15 here: it also computes what TF's op definitions refuse at build time (``+``/tf.add
#: of uint16, whose Add/AddV2 type lists lack uint16 until TF 2; most arithmetic on uint32 and
#: uint64), with NumPy's wrapping integer rules
STORED_UNSIGNED = frozenset({np.dtype(np.uint16), np.dtype(np.uint32), np.dtype(np.uint64)})


# The kernel core has int8, uint8 and int16 (``dlcore.dtypes``), so tensors of those dtypes keep
# them (a uint8 image placeholder is uint8, fed and fetched as uint8); uint16, uint32 and uint64
# are kept too (``STORED_UNSIGNED``).  The 16-bit floats the core lacks are stored and computed
# in float32 (float16 arithmetic computes in float32, as the eager front end does; bfloat16
# likewise).  A tensor declared with one of those reports float32 (``t.dtype``); values fed or
# fetched are converted.
COMPUTE: dict[np.dtype, np.dtype] = {np.dtype(np.float16): np.dtype(np.float32)}
bfloat16: DType                     # (declared only: set by _add_bfloat16, else __getattr__)


def _add_bfloat16(np_bf16: np.dtype) -> None:
    """ml_dtypes' bfloat16 (optional; see dlcore.dtypes), once ml_dtypes is imported (reading
    ``bfloat16`` imports it, see ``__getattr__``): stored and computed in float32."""
    global bfloat16
    bfloat16 = DType(np_bf16)
    _BY_NP[np_bf16] = bfloat16
    COMPUTE[np_bf16] = np.dtype(np.float32)


def __getattr__(name: str):
    if name == "bfloat16" and _core.load_bfloat16() is not None:
        return globals()["bfloat16"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The names, bfloat16's included before ml_dtypes is imported (see dlcore.dtypes)."""
    return _core.dir_with_bfloat16(globals(), "bfloat16")


_core.on_bfloat16(_add_bfloat16)

# TensorFlow calls float32 'float' in error messages ("with dtype float and shape [?,784]").
TF_NAMES = {"float32": "float", "float64": "double", "int32": "int32", "int64": "int64",
            "bool": "bool", "float16": "half", "bfloat16": "bfloat16", "object": "string"}
_warned: set = set()
# TensorFlow's DataType enum (types.proto: DT_FLOAT = 1, ...), as TF1's tf.as_dtype reads it
_ENUM = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8",
         7: "string", 8: "complex64", 9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16",
         18: "complex128", 19: "float16", 22: "uint32", 23: "uint64"}


def as_dtype(dtype) -> DType:
    """Anything dtype-like (tf.float32, np.float32, 'float32', float) -> a DType."""
    if isinstance(dtype, DType):
        return dtype
    if type(dtype) is type or isinstance(dtype, np.dtype):
        # a NumPy dtype or a class (np.float32, float): its DType, looked up once (issue 19:
        # every placeholder and constant asks; the checks below cost ~0.7 us, the
        # numbers.Integral test an ABC check)
        hit = _AS_DTYPE.get(dtype)
        if hit is None:
            hit = _as_dtype(dtype)
            if len(_AS_DTYPE) < 256:
                _AS_DTYPE[dtype] = hit
        return hit
    return _as_dtype(dtype)


# as_dtype's results for NumPy dtypes and classes (keys of those kinds only: a NumPy dtype
# equals its name as a string, and 1 == True == 1.0 would mix the enum numbers)
_AS_DTYPE: dict = {}


def _as_dtype(dtype) -> DType:
    """``as_dtype`` of anything but a DType, uncached."""
    if isinstance(dtype, str) and dtype == "half":
        return float16
    if dtype is str or dtype is bytes or (isinstance(dtype, str) and dtype == "string"):
        return string
    if isinstance(dtype, numbers.Integral) and not isinstance(dtype, (_builtins.bool, np.bool_)) \
            and int(dtype) in _ENUM:             # TF's DataType numbers: dtype=1 is float32
        return as_dtype(_ENUM[int(dtype)])       # (np.int64(1) too, as TF1's table lookup)
    try:
        d = np.dtype(dtype) if not hasattr(dtype, "as_numpy_dtype") else \
            np.dtype(dtype.as_numpy_dtype)
    except TypeError:
        d = None
    if d is not None and (d in COMPUTE or d in STORED_UNSIGNED or d.kind in "OSU"):
        return string if d.kind in "OSU" else _BY_NP[d]
    d = _core.as_dtype(dtype)
    found = _BY_NP.get(d)
    if found is None:            # the core's complex64/complex128: eager-only for now
        _core.load_bfloat16()    # (listed below when installed)
        raise TypeError(f"dlcore: unsupported dtype {d.name} in a graph; expected one of "
                        f"{', '.join(sorted(t.name for t in _BY_NP.values()))}")
    return found


def as_np(dtype) -> np.dtype:
    """The NumPy dtype a tensor of ``dtype`` is computed in (see ``COMPUTE``)."""
    d = as_dtype(dtype).np
    wide = COMPUTE.get(d)
    if wide is None:
        return d
    if d.name not in _warned:
        _warned.add(d.name)
        import warnings
        warnings.warn(f"dlcore_static: {d.name} tensors are stored and computed in {wide.name} "
                      "(the kernel core has no narrower arithmetic)", UserWarning, stacklevel=3)
    return wide


def as_bytes_array(value, what: str = "tf.string") -> np.ndarray:
    """String data (``str``, ``bytes``, nested lists of them, a NumPy ``str``/``bytes``/object
    array) as a NumPy object array of Python ``bytes`` (text is encoded as UTF-8), the run-time
    value of a ``tf.string`` tensor; anything else is a ``TypeError`` naming ``what``."""
    arr = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)
    if arr.dtype.kind == "S":
        return arr.astype(object)
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(arr.reshape(-1).tolist()):
        if isinstance(v, str):
            v = v.encode("utf-8")
        elif isinstance(v, (bytearray, memoryview, np.bytes_)):
            v = bytes(v)
        elif not isinstance(v, bytes):
            raise TypeError(f"{what}: expected binary or unicode string, got {v!r} "
                            f"({type(v).__name__})")
        flat[i] = v
    return out
