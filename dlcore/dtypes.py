"""Data types and type promotion.

dlcore's canonical dtype is a ``numpy.dtype``.  Ten are supported: float32 (the default for
floating values), float64, int32, int64, bool, the small integers int8, uint8 and int16, and
the two 16-bit storage floats float16 and bfloat16 (Numba has no 16-bit float arithmetic, so the
eager front end computes each op on them in float32 and rounds the result, as PyTorch's CPU
kernels do, and the static front end stores them as float32).  bfloat16 is ml_dtypes' NumPy
dtype (the one JAX, Keras and TensorFlow use; ``ml_dtypes`` is an optional dependency: without it
``bfloat16`` is ``None`` and asking for it raises TypeError).  Its NumPy kind is ``'V'``, not
``'f'``: ask :func:`is_floating`, never ``dtype.kind == "f"``.

ml_dtypes is imported when first needed, not with dlcore: its import registers a dozen NumPy
dtypes with every ufunc, 0.47 s of CPU (NumPy's loop registration scans each ufunc's loops: 70%
of it), which was 75% of ``import dlcore_eager``.  Asking for ``bfloat16`` (this module's
attribute, ``as_dtype("bfloat16")``, a front end's ``bfloat16``) imports it; so does any
other importer (a user, JAX): the import guard (``_import_guard``) calls :func:`_register`
once ml_dtypes is imported, whoever imports it, so no bfloat16 array can exist while the tables
here (``HALF``, ``SUPPORTED``, ``FLOATING``, lists updated in place) and the front ends' (their
:func:`on_bfloat16` hooks) lack it.

complex64 and complex128 are supported too (``is_complex``; ``is_inexact`` is "floating or
complex", the test for "can carry a gradient").  Only the ops marked for complex input accept
them (see dlcore/ops/complex_ops.py, the eager front end's complex and FFT support); the static
front end has no complex dtypes.  Promotion with complex is PyTorch's (not NumPy's):
``int64 + complex64`` is complex64 and a float with a complex gives the complex type of the wider
of the two (``float64 + complex64 -> complex128``).

Promotion between two arrays follows NumPy (``np.result_type``; bfloat16 as PyTorch promotes
it, see :func:`result_type`); a Python scalar is *weak* (NEP 50): it takes the array's kind and
width where it can, so ``float32_array * 2.0`` stays float32 and ``int32_array + 1`` stays
int32, while ``int_array * 0.5`` becomes the default float.
"""

from __future__ import annotations

import importlib.util
import numbers
import sys
from typing import Any, Callable, cast

import numpy as np

from . import _import_guard

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = np.dtype(np.int16)
float16 = np.dtype(np.float16)
complex64 = np.dtype(np.complex64)
complex128 = np.dtype(np.complex128)
COMPLEX = (complex64, complex128)

#: the 16-bit storage floats: each op computes them in float32 and rounds its result (bfloat16
#: is appended once ml_dtypes is imported: test membership, ``d in HALF``, nothing else)
HALF: list[np.dtype] = [float16]
SUPPORTED: list[np.dtype] = [float32, float64, int32, int64, bool_, int8, uint8, int16, float16,
                             complex64, complex128]
FLOATING: list[np.dtype] = [float32, float64, float16]
#: float32 and float64 as objects: ``d in FLOAT32_64`` is an identity test for them
FLOAT32_64 = (float32, float64)
default_float = float32
default_int = int64

_ALIASES: dict[str, np.dtype] = {
    "float32": float32, "float": float32, "float64": float64, "double": float64,
    "int32": int32, "int": int32, "int64": int64, "long": int64, "bool": bool_,
    "int8": int8, "uint8": uint8, "int16": int16, "float16": float16, "half": float16,
    "complex64": complex64, "cfloat": complex64, "complex128": complex128, "cdouble": complex128,
}

# ----------------------------------------------------------------------------- bfloat16
bfloat16: np.dtype | None                # (declared only: set by _register, else __getattr__)
_BF16: np.dtype | None = None            # ml_dtypes' bfloat16 once imported
_ml_dtypes: Any = None
_bf16_missing = False                    # ml_dtypes is not installed (import tried)
_HOOKS: list[Callable[[np.dtype], None]] = []


def _register(module) -> None:
    """ml_dtypes has been imported (by anyone): add bfloat16 to the tables and run the front
    ends' hooks, once."""
    global _BF16, _ml_dtypes
    if _BF16 is not None:
        return
    bf = np.dtype(module.bfloat16)
    _ml_dtypes = module
    HALF.append(bf)
    SUPPORTED.insert(SUPPORTED.index(float16) + 1, bf)
    FLOATING.append(bf)
    _ALIASES["bfloat16"] = bf
    globals()["bfloat16"] = bf           # plain attribute from now on (no __getattr__)
    _BF16 = bf
    for hook in list(_HOOKS):
        hook(bf)


def load_bfloat16() -> np.dtype | None:
    """ml_dtypes' bfloat16 as a ``numpy.dtype``, importing ml_dtypes if nobody has yet (about
    0.5 s); ``None`` when ml_dtypes is not installed."""
    global _bf16_missing
    if _BF16 is None and not _bf16_missing:
        try:
            import ml_dtypes
        except ImportError:              # optional: pip install dlcore[bfloat16]
            _bf16_missing = True
            globals()["bfloat16"] = None
            return None
        _register(ml_dtypes)             # (done by the import hook already, unless that was off)
    return _BF16


def loaded_bfloat16() -> np.dtype | None:
    """bfloat16 if ml_dtypes has been imported, else ``None`` without importing it: the test
    for code that only needs to recognise bfloat16 arrays (none exist before the import)."""
    return _BF16


def on_bfloat16(hook: Callable[[np.dtype], None]) -> None:
    """Call ``hook(bfloat16)`` once ml_dtypes is imported (at once if it is): for a module's
    own tables of dtypes (a front end's dtype objects, its name maps)."""
    _HOOKS.append(hook)
    if _BF16 is not None:
        hook(_BF16)


def np_dtype(x) -> np.dtype:
    """``np.dtype(x)``, also for the names ml_dtypes gives NumPy (``"bfloat16"``, ...) before
    ml_dtypes is imported: on NumPy's TypeError for a string, ml_dtypes is imported and the
    name tried again."""
    try:
        return np.dtype(x)
    except TypeError:
        if not isinstance(x, str) or _BF16 is not None or load_bfloat16() is None:
            raise
    return np.dtype(x)


def bfloat16_installed() -> bool:
    """Is ml_dtypes importable (without importing it)?  For the modules' ``__dir__``."""
    if _BF16 is not None or _bf16_missing:
        return _BF16 is not None
    return importlib.util.find_spec("ml_dtypes") is not None


def dir_with_bfloat16(module_globals: dict, *names: str) -> list[str]:
    """A module's ``__dir__``: its names, plus ``names`` (served by its ``__getattr__``) when
    ml_dtypes is installed, so ``dir()`` and tab completion list them before the import."""
    return sorted(set(module_globals) | (set(names) if bfloat16_installed() else set()))


def __getattr__(name: str):
    if name == "bfloat16":               # the first access imports ml_dtypes
        return load_bfloat16()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The names, bfloat16's included before ml_dtypes is imported (see dlcore.dtypes)."""
    return sorted(set(globals()) | {"bfloat16"})      # (None without ml_dtypes, as always)


_import_guard.after_import("ml_dtypes", _register)
if sys.modules.get("ml_dtypes") is not None:        # imported before dlcore
    _register(sys.modules["ml_dtypes"])


def is_floating(dtype: np.dtype) -> bool:
    """Is ``dtype`` (a ``numpy.dtype``) a floating-point type: float16, float32, float64 or
    bfloat16?  The one test of "floating" in dlcore: ml_dtypes' bfloat16 has NumPy kind ``'V'``,
    so ``dtype.kind == "f"`` misses it."""
    return dtype.kind == "f" or (dtype.kind == "V" and _BF16 is not None and dtype == _BF16)


def finfo(dtype):
    """``np.finfo`` that also knows bfloat16 (ml_dtypes' ``finfo``: NumPy's refuses kind
    ``'V'``); the machine limits (eps, tiny, max, min) of a floating dtype."""
    dtype = np_dtype(dtype)
    if _BF16 is not None and dtype.kind == "V" and dtype == _BF16:
        return _ml_dtypes.finfo(dtype)
    return np.finfo(dtype)


def is_complex(dtype: np.dtype) -> bool:
    """Is ``dtype`` complex64 or complex128?"""
    return dtype.kind == "c"


def is_inexact(dtype: np.dtype) -> bool:
    """Floating or complex: the dtypes that can carry a gradient."""
    return dtype.kind in "fc" or is_floating(dtype)


def to_complex(dtype: np.dtype) -> np.dtype:
    """The complex type of a real one (PyTorch's ``toComplexType``): float64 -> complex128,
    every other type (float32, the 16-bit floats, integers) -> complex64; complex unchanged."""
    if dtype.kind == "c":
        return dtype
    return complex128 if dtype == float64 else complex64


def to_real(dtype: np.dtype) -> np.dtype:
    """The real type of a complex one (complex64 -> float32, complex128 -> float64)."""
    if dtype.kind != "c":
        return dtype
    return float64 if dtype == complex128 else float32


def is_half(dtype: np.dtype) -> bool:
    """Is ``dtype`` a 16-bit storage float (float16 or bfloat16), computed in float32?"""
    return dtype in HALF


def as_dtype(dtype) -> np.dtype:
    """Turn anything dtype-like (a name, a NumPy type, a front end's dtype object) into a
    supported ``numpy.dtype``; raise TypeError naming the dtype otherwise."""
    if isinstance(dtype, np.dtype) and dtype in SUPPORTED:
        return dtype
    # Front-end dtype objects (tf.float32, torch.float32) carry a numpy dtype.
    inner = getattr(dtype, "as_numpy_dtype", None) or getattr(dtype, "np_dtype", None)
    if inner is not None:
        return as_dtype(inner)
    if isinstance(dtype, str) and dtype in _ALIASES:
        return _ALIASES[dtype]
    if isinstance(dtype, str) and dtype == "bfloat16":
        bf = load_bfloat16()
        if bf is not None:
            return bf
        raise TypeError("dlcore: bfloat16 needs the ml_dtypes package (pip install ml_dtypes)")
    if dtype is float:
        return default_float
    if dtype is int:
        return default_int
    if dtype is bool:
        return bool_
    try:
        d = np_dtype(dtype)
    except TypeError:
        load_bfloat16()                  # (the list below names it when installed)
        raise TypeError(f"dlcore: unsupported dtype {dtype!r}; expected one of "
                        f"{', '.join(d.name for d in SUPPORTED)}") from None
    if d not in SUPPORTED:
        load_bfloat16()
        raise TypeError(f"dlcore: unsupported dtype {d.name}; expected one of "
                        f"{', '.join(s.name for s in SUPPORTED)}")
    return d


_PY_SCALAR_TYPES = frozenset({bool, int, float, complex})


def is_python_scalar(x) -> bool:
    t = type(x)
    if t is np.ndarray:          # fast paths first: this runs on every op dispatch
        return False
    if t in _PY_SCALAR_TYPES:
        return True
    if getattr(t, "__dlcore_frontend__", None) is not None:
        return False             # a front end's tensor (the ABC test below costs ~1 us)
    if not isinstance(x, (bool, numbers.Number)) or isinstance(x, (np.ndarray, np.generic)):
        return False
    return np.ndim(cast(Any, x)) == 0       # (NumPy's stubs do not take a numbers.Number)


def scalar_dtype(value, other: np.dtype | None) -> np.dtype:
    """The dtype a weak Python scalar takes when combined with an array of dtype ``other``."""
    t = type(value)              # exact built-in types first (no ABC checks: dispatch cost)
    if t is float:
        return other if other is not None and (is_floating(other) or other.kind == "c") \
            else default_float
    if t is int:
        return other if other is not None and (other.kind in "iuc" or is_floating(other)) \
            else default_int
    if isinstance(value, bool):
        return other if other is not None else bool_
    if isinstance(value, numbers.Integral):
        if other is not None and (other.kind in "iuc" or is_floating(other)):
            return other
        return default_int
    if isinstance(value, numbers.Real):
        if other is not None and (is_floating(other) or other.kind == "c"):
            return other
        return default_float
    if isinstance(value, numbers.Complex):
        return to_complex(other if other is not None and is_inexact(other) else default_float)
    raise TypeError(f"dlcore: unsupported scalar {value!r} of type {type(value).__name__}")


def result_type(*dtypes: np.dtype) -> np.dtype:
    """NumPy promotion between array dtypes (bfloat16 with PyTorch's and JAX's rules, which
    NumPy lacks: it wins over integers and bool, bfloat16 with float16 is float32)."""
    out = dtypes[0]
    for d in dtypes[1:]:
        if d != out:
            out = promote_types(out, d)
    return out


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """``np.promote_types`` that also knows bfloat16 (see :func:`result_type`)."""
    if a.kind == "c" or b.kind == "c":          # PyTorch: int64 + complex64 is complex64
        c, o = (a, b) if a.kind == "c" else (b, a)
        if o.kind == "c" or is_floating(o):
            return complex128 if complex128 in (c, o) or o == float64 else complex64
        return c
    bf16 = _BF16
    if bf16 is not None and (a.kind == "V" or b.kind == "V"):   # (np.dtype('f8') == None)
        if a == bf16 or b == bf16:
            other = b if a == bf16 else a
            if other.kind in "biu" or other == bf16:
                return bf16
            return float32 if other == float16 else other
    return np.promote_types(a, b)
