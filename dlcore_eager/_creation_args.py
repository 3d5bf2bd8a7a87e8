"""PyTorch's argument rules of the factories in ``creation`` (which stays under 600 lines):

* ``full_args``: ``torch.full``'s size (a sequence; ``full(3, v)`` is the parser's TypeError)
  and fill value (a Python number, a NumPy number or a one-element 0-d tensor read as its
  number; anything else "must be Number"), and the dtype a fill value infers (bool, int64,
  the default complex or the default float);
* ``arange_values``: an integer ``dtype`` reads start, end and step as C truncates them
  (int64: the length from the truncated values, ``arange(0, 2.5, dtype=long)`` is [0, 1]; the
  other integer types: the length from the floats, the values from the truncated ones, as
  ATen's arange kernel), a NaN or infinite bound "unsupported range";
* ``unsupported_data``/``element``: ``torch.tensor``'s errors for data it cannot read and the
  tensors inside a sequence (one-element tensors read as numbers);
* ``float_kernel``: a random float fill (rand, randn, normal and their ``_like``) of an
  integer or bool dtype refused with the CPU kernel's NotImplementedError;
* ``linspace_values`` (with ``fma``): ``torch.linspace``'s CPU kernel, bit for bit;
* ``python_array``: ``torch.tensor(data)``'s array for Python numbers and lists of them, the
  common case, without the general path's reading (the quick entry and the legacy
  constructors: ``torch.FloatTensor([1, 2])``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from dlcore.kernels.cpu._fp_quiet import _FP

from . import _dtype as D
from ._scalar_convert import fill_scalar, scalar_as
from ._sizes import size_type_error
from .tensor import Tensor

_F32 = np.dtype(np.float32)


def full_args(size, fill_value, dtype):
    """``(size tuple, fill value, dtype or None)`` of ``torch.full(size, fill_value)``."""
    if not isinstance(size, (tuple, list)):
        raise size_type_error("full", (size,), False)
    if isinstance(fill_value, Tensor) and fill_value.dim() == 0:
        fill_value = fill_value.item()
    elif isinstance(fill_value, np.generic) and fill_value.dtype.kind in "biufc":
        fill_value = fill_value.item()
    if not isinstance(fill_value, numbers.Number) or isinstance(fill_value, np.generic):
        raise TypeError("full(): argument 'fill_value' (position 2) must be Number, not "
                        f"{type(fill_value).__name__}")
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = D.bool_
        elif isinstance(fill_value, numbers.Integral):
            dtype = D.int64
        elif isinstance(fill_value, complex):
            dtype = D.complex128 if D.get_default_dtype() is D.float64 else D.complex64
    # (1000 into int8, 1e300 into float32: PyTorch's RuntimeError)
    npd = D.to_numpy_dtype(dtype if dtype is not None else D.get_default_dtype())
    if npd.kind in "biu":
        if isinstance(fill_value, complex):     # (an imaginary part: PyTorch's overflow error)
            fill_value = fill_value.real if not fill_value.imag else math.nan
        fill_value = scalar_as(fill_value, npd)
    elif not isinstance(fill_value, complex):     # (one float16 element: rounded, as ATen)
        fill_value = fill_scalar(fill_value, npd, _numel(size))
    return size, fill_value, dtype


def _numel(size) -> int:
    try:
        return math.prod(int(n) for n in size)
    except (TypeError, ValueError):
        return -1


def arange_values(start, end, step, npd: np.dtype) -> np.ndarray | None:
    """The values of ``arange(start, end, step)`` in the integer dtype ``npd`` as ATen computes
    them (None for any other dtype: NumPy's arange then), after PyTorch's checks of the
    arguments."""
    if not (step > 0 or step < 0):
        raise RuntimeError("step must be nonzero")
    for v in (start, end):
        if isinstance(v, float) and not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {_num(start)} -> {_num(end)}")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if npd.itemsize < 8 and npd.kind in "fV":   # (float16/bfloat16: ATen's accscalar_t is
        for v in (start, step):                 # float for start and step, end only compared;
            if npd.itemsize == 2:               # past the range inf, no warning)
                scalar_as(v, _F32)
        with np.errstate(over="ignore"):
            return np.arange(start, end, step).astype(npd)
    if npd.kind not in "iu":
        return None
    i0, i1, di = int(start), int(end), int(step)
    if npd == np.int64:
        if di == 0:
            raise ValueError("step must be nonzero")
        num = i1 - i0 + di - ((di > 0) - (di < 0))
        n = max(0, abs(num) // abs(di) if (num >= 0) == (di > 0) else 0)   # (C's division)
    else:
        n = max(0, math.ceil((float(end) - float(start)) / float(step)))
    return (i0 + di * np.arange(n, dtype=np.int64)).astype(npd)


def _num(v) -> str:
    return str(v) if not isinstance(v, float) or not v.is_integer() else str(int(v))


#: PyTorch's names of the integer and bool dtypes in its kernels' errors
_KERNEL_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                 "uint8": "Byte", "bool": "Bool"}


def float_kernel(npd: np.dtype, kernel: str) -> np.dtype:
    """``npd``, the dtype of a random float fill; an integer or bool one refused as PyTorch's
    CPU ``kernel`` ("normal_kernel_cpu", "check_uniform_bounds") refuses it."""
    if npd.kind not in "biu":         # (a float: no name lookup, ``dtype.name`` costs ~4 us)
        return npd
    name = _KERNEL_NAMES.get(npd.name)
    if name is not None:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')
    return npd


def unsupported_data(data) -> None:
    """PyTorch's error for Python data holding a string or something that is not a number (a
    sequence whose first leaf is a string: PyTorch reads the string as a sequence)."""
    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    if isinstance(first, str) and first is not data:
        raise ValueError("too many dimensions 'str'")
    items = list(data) if isinstance(data, (list, tuple)) else [data]
    while items:
        v = items.pop(0)
        if isinstance(v, (list, tuple)):
            items[:0] = list(v)
        elif isinstance(v, str):
            raise TypeError("new(): invalid data type 'str'")
        elif not isinstance(v, (int, float, complex, bool, np.generic, Tensor)):
            raise RuntimeError(f"Could not infer dtype of {type(v).__name__}")


def element(x, host):
    """An element of a sequence given to ``torch.tensor``: a tensor is read as a number (one
    element, of any shape: its dtype kept), as PyTorch; anything else ``host(x)``."""
    if not isinstance(x, Tensor):
        return host(x)
    if x.numel() != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    return host(x).reshape(())


def inferred_with_tensors(data):
    """PyTorch's dtype for ``torch.tensor(data)`` when the sequence ``data`` holds tensors (or
    NumPy arrays and scalars): each one's dtype, a Python float the default dtype, an int int64, a bool bool, a
    complex the default complex, promoted together (``[tensor(1), tensor(2.5)]`` is float32:
    NumPy's reading of the values made it float64); None where no tensor is inside."""
    found: list = []
    has_tensor = False

    def walk(x):
        nonlocal has_tensor
        if isinstance(x, Tensor):
            has_tensor = True
            found.append(x._buf.dtype)
        elif isinstance(x, (np.ndarray, np.generic)):   # (before float: np.float64 is one)
            has_tensor = True               # (a NumPy value counts with its dtype, as a tensor)
            found.append(x.dtype if x.dtype.kind in "biufc" else None)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        elif isinstance(x, bool):
            found.append(np.dtype(np.bool_))
        elif isinstance(x, int):
            found.append(np.dtype(np.int64))
        elif isinstance(x, float):
            found.append(D.get_default_dtype().np_dtype)
        elif isinstance(x, complex):
            found.append(D.default_complex())
        else:
            found.append(None)
    walk(data)
    if not has_tensor or not found or any(f is None for f in found):
        return None
    out = found[0]
    for f in found[1:]:
        out = D.promote_tensors(out, True, f, True)
    return out


def tensors_inside(data, error: Exception, host) -> np.ndarray:
    """``data``, nested sequences NumPy could not read, as an array when tensors inside them
    made it fail (each read as a number by ``element``); else ``error`` raised."""
    def holds(x) -> bool:
        return isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and any(map(holds, x)))

    def read(x):
        return [read(v) for v in x] if isinstance(x, (list, tuple)) else element(x, host)
    if not holds(data):
        raise error
    return np.array(read(data))


def c_pow(b: float, v: float) -> float:
    """C's ``pow`` (``logspace``'s kernel): past float64's range +-inf, where ``math.pow``
    raises OverflowError."""
    try:
        return math.pow(b, v)
    except OverflowError:
        odd = b < 0 and float(v).is_integer() and int(v) % 2 == 1
        return -math.inf if odd else math.inf


def complex_bounds_check(name: str, start, end, dtype, steps: int = 2) -> None:
    """PyTorch's RuntimeError for ``linspace``/``logspace`` with a complex bound and a real
    ``dtype`` (the inferred complex type cannot be cast safely; the value was a TypeError of
    float()); with two steps or more a real bound converted to a float16/bfloat16/float32
    ``dtype`` (1e20 into float16: PyTorch's overflow error, where NaNs came)."""
    if steps > 1 and not isinstance(start, complex) and not isinstance(end, complex):
        npd = D.to_numpy_dtype(dtype if dtype is not None else D.get_default_dtype())
        if npd.kind in "fViu":
            for v in (start, end):
                scalar_as(v, npd)
    if dtype is None or not (isinstance(start, complex) or isinstance(end, complex)):
        return
    npd = D.to_numpy_dtype(dtype)
    if npd.kind != "c":
        part = "double" if D.get_default_dtype() is D.float64 else "float"
        raise RuntimeError(f"torch.{name}(): inferred dtype c10::complex<{part}> can't be "
                           f"safely cast to passed dtype {D.from_numpy_dtype(npd)._legacy}")


def int_overflow(arr: np.ndarray, data) -> None:
    """``tensor(data, dtype=<an integer type>)`` of Python data holding an int past int64
    (NumPy read it as uint64, object or float64): PyTorch's ValueError, which its parser
    raises before any conversion (``[2**63, 1]`` into int64 was -2**63 and 1)."""
    if arr.dtype == np.int64 or not arr.size or isinstance(data, (np.ndarray, np.generic)):
        return
    if arr.dtype.kind == "f" and not float(np.abs(arr).max()) >= 2.0 ** 63:
        return
    if arr.dtype.kind in "ufO" and _big_int(data):
        raise ValueError("Overflow when unpacking long long")


def _big_int(data) -> bool:
    if isinstance(data, (list, tuple)):
        return any(_big_int(v) for v in data)
    return type(data) is int and not -2 ** 63 <= data < 2 ** 63


def converted(arr: np.ndarray, npd, dtype, data, host) -> np.ndarray:
    """``arr`` (read from ``data``) as a C-contiguous array of ``npd``; with a ``dtype=`` given
    for Python numbers (no array, no tensor inside): PyTorch's RuntimeError where a value does
    not fit an integer dtype ("value cannot be converted to type uint8 without overflow": 300,
    1e20, NaN, -1.5 into uint8), where NumPy's cast wrapped silently.  Integers into an
    unsigned type may go down to minus its maximum (they wrap, as PyTorch's checked_convert
    lets them)."""
    npd = np.dtype(npd)
    checked = dtype is not None and host is data and not isinstance(data, np.ndarray)
    if checked and arr.dtype.kind == "c" and npd.kind in "iufV":    # (Python complex numbers
        raise TypeError("must be real number, not complex" if npd.kind in "fV" else  # into
                        "'complex' object cannot be interpreted as an integer")  # a real type)
    if checked and npd.kind in "iu" and arr.dtype.kind in "iuf" and arr.size and \
            arr.dtype != npd:       # (values NumPy read as this very dtype fit it)
        info = np.iinfo(npd)
        low = -int(info.max) if npd.kind == "u" and arr.dtype.kind != "f" else int(info.min)
        with np.errstate(invalid="ignore"):
            bad = not (bool((arr >= low).all()) and bool((arr <= info.max).all()))
        if bad:
            raise RuntimeError(f"value cannot be converted to type {npd.name} without overflow")
    if npd.itemsize < arr.dtype.itemsize and npd.kind in "fV":      # (to +-inf, no warning,
        with np.errstate(over="ignore"):                            # as PyTorch's cast)
            return np.asarray(arr, dtype=npd, order="C")
    return np.asarray(arr, dtype=npd, order="C")


def linspace_values(start, end, n: int, npd: np.dtype) -> np.ndarray:
    """PyTorch's kernel: ``step = (end - start) / (n - 1)``; the first ``n // 2`` values
    ``start + step i``, the others ``end - step (n - 1 - i)``, each a fused multiply-add of
    the dtype (float32, float64; integers: in float64, then truncated); float16 and bfloat16
    round the counts, the product and the sum to the dtype."""
    if n <= 1 or npd.kind == "c":
        return np.linspace(start, end, n).astype(npd)
    i = np.arange(n)
    half = n // 2
    low, high = i[:half].astype(np.float64), (n - 1 - i[half:]).astype(np.float64)
    if npd.kind in "fV" and npd.itemsize == 2:               # float16, bfloat16 ('V')
        s, e = npd.type(start), npd.type(end)
        step = npd.type((e - s) / npd.type(n - 1))
        f32 = np.float32                 # (the counts, too, rounded to the dtype)
        return np.concatenate([s + (f32(step) * low.astype(npd).astype(f32)).astype(npd),
                               e - (f32(step) * high.astype(npd).astype(f32)).astype(npd)]
                              ).astype(npd)
    if npd.kind == "f":
        calc = npd.type
        s, e = float(calc(start)), float(calc(end))
        step = float(calc(calc(e) - calc(s)) / calc(n - 1))
    else:                                                    # integers: steps in float64
        # (the bounds converted to the dtype first: -1 into uint8 is 255, as c10's cast)
        s, e = (float(np.array(int(v)).astype(npd)) for v in (start, end))
        step = (e - s) / (n - 1)
    with np.errstate(invalid="ignore", over="ignore"):   # (an infinite bound: NaNs, silently,
        if npd == np.float32:        # as PyTorch's) (a float32 fma: the float64 product is exact)
            out = np.concatenate([s + step * low, e - step * high])
        else:
            out = np.concatenate([fma(step, low, s), fma(-step, high, e)])
        return out.astype(npd)


def fma(a: float, b: np.ndarray, c: float) -> np.ndarray:
    """``a b + c`` rounded once (float64; Dekker's exact product, then Knuth's sum)."""
    def split(x):
        t = 134217729.0 * x                       # 2^27 + 1
        hi = t - (t - x)
        return hi, x - hi
    p = a * b
    ah, al = split(np.float64(a))
    bh, bl = split(b)
    p_err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    s_err = (p - (s - bb)) + (c - bb)
    return s + (p_err + s_err)


#: a first number's type -> the dtype of NumPy's array of data made of such numbers
_LEAF_DTYPES = {float: np.dtype(np.float64), int: np.dtype(np.int64), bool: np.dtype(np.bool_)}


def python_array(data, npd: np.dtype | None = None) -> np.ndarray | None:
    """``tensor(data)``'s array (``npd``: ``tensor(data, dtype=...)``'s NumPy dtype, a float
    one or int64) for its common case, a Python number or a (nested) list of them whose NumPy
    array has the first number's dtype, with nothing to check: float64 for a float (then the
    default float dtype), int64 for an int, bool; None for anything else (a tensor or a NumPy
    value inside, an int past int64, ragged lists, a cast that checks values), which the
    general path reads.  (``torch.tensor([1.0, 2.0, 3.0])`` 9.5 -> ~2 us, PyTorch 5.4.)"""
    leaf = data
    while type(leaf) is list and leaf:
        leaf = leaf[0]
    want = _LEAF_DTYPES.get(type(leaf))
    if want is None or not (type(data) is list or data is leaf):
        return None
    try:
        arr = np.array(data)
    except (ValueError, TypeError, OverflowError):
        return None
    if arr.dtype is not want:
        return None
    if npd is None:
        if want.kind != "f":
            return arr
        npd = D.get_default_dtype().np_dtype
    if npd == want:
        return arr
    if npd.kind != "f" and not (npd == np.int64 and want.kind == "b"):
        return None                     # (into an integer type: the general path's checks)
    get, put, ignore = _FP              # (1e300 into float32: inf, silently, as PyTorch;
    before = get()                      # NumPy's error state set directly, as the cast
    try:                                # kernel does: np.errstate's 2 us less)
        put(ignore)
        return arr.astype(npd)
    finally:
        put(before)
