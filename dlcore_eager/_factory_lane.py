"""Quick entries of the everyday factories (issue 19): ``torch.zeros(2, 3)``,
``torch.zeros(x.shape, dtype=torch.long)``, ``torch.ones(n)``, ``torch.empty(b, h)``,
``torch.full((n,), -1)``.

The general entries (``creation``) read every argument form PyTorch takes, check it, convert
the dtype, move the result to a device and mark it as a leaf that requires grad, through five
to seven calls: 3.1 us for ``zeros(20, 4)`` against PyTorch's 1.0, 7.6 for ``full((20,), -1)``
against 2.7.  The common call (the sizes as non-negative ints or one tuple of them, a dlcore
dtype or none, no other argument, no default device set) makes its NumPy array here and wraps
it; anything else (``size=``, ``device=``, ``requires_grad=``, ``out=``, ``memory_format=``, a
list or a tensor as the size, a float fill beyond float32's range, a failed allocation) goes
to the general entry, so its results and errors are PyTorch's as before; called with no size
at all, PyTorch's TypeError (the general entry, which dlcore's own code calls with a shape of
``()``, makes a 0-d tensor)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import _dtype as D
from ._front_entry import dressed
from ._creation_args import python_array
from .creation import _DEFAULT_DEVICE, _FULL_TOPS
from .tensor import Tensor, _make

_DType = D.dtype
_INT64, _BOOL = D.int64, D.bool_
_I64, _B = np.dtype(np.int64), np.dtype(np.bool_)


def _shape(sizes: tuple) -> tuple | None:
    """``sizes`` (``f(2, 3)`` or ``f((2, 3))``) as a shape of non-negative ints, or None."""
    if len(sizes) == 1 and type(sizes[0]) is not int:
        sizes = sizes[0]
        if not isinstance(sizes, tuple):
            return None
    for n in sizes:
        if type(n) is not int or n < 0:
            return None
    return sizes


def sized(np_fn: Callable, general: Callable) -> Callable:
    """``general`` (zeros, ones, empty) with the quick call in front: ``np_fn(shape, dtype)``."""
    def factory_entry(*sizes, dtype=None, **kw):
        if sizes and not kw and _DEFAULT_DEVICE[0] is None and \
                (dtype is None or type(dtype) is _DType):
            shape = _shape(sizes)
            if shape is not None:
                npd = (D.get_default_dtype() if dtype is None else dtype).np_dtype
                try:
                    return _make(np_fn(shape, npd))
                except (MemoryError, ValueError):   # (the general entry's words for it)
                    pass
        if not sizes and "size" not in kw:  # (PyTorch's parser: see the module docstring)
            raise TypeError(f'{general.__name__}() missing 1 required positional arguments: '
                            '"size"')
        return general(*sizes, dtype=dtype, **kw)
    return _named(factory_entry, general)


def full(general: Callable) -> Callable:
    """``general`` (torch.full) with the quick call in front: a tuple size and an int fill
    into int64 (no dtype or ``torch.long``), a bool fill into bool (no dtype or
    ``torch.bool``) or a float fill within the default float dtype's range into it (no
    dtype), PyTorch's inferred dtypes."""
    def factory_entry(*args, dtype=None, **kw):
        if len(args) == 2 and not kw and _DEFAULT_DEVICE[0] is None:
            size, value = args
            t = type(value)
            npd: np.dtype | None
            if t is int and (dtype is None or dtype is _INT64) and \
                    -9223372036854775808 <= value <= 9223372036854775807:
                npd = _I64
            elif t is bool and (dtype is None or dtype is _BOOL):
                npd = _B
            elif t is float and dtype is None:  # (within the default float's range: its check)
                npd = D.get_default_dtype().np_dtype
                top = _FULL_TOPS.get(npd)
                if top is None or not (-top <= value <= top or value != value or
                                       abs(value) == math.inf):
                    npd = None
            else:
                npd = None
            shape = _shape((size,)) if npd is not None and isinstance(size, tuple) else None
            if shape is not None:
                try:
                    return _make(np.full(shape, value, npd))
                except (MemoryError, ValueError):
                    pass
        return general(*args, dtype=dtype, **kw)
    return _named(factory_entry, general)


def full_like(general: Callable) -> Callable:
    """``general`` (torch.full_like) with the quick call in front: ``full_like(x, v)`` of a
    C-contiguous CPU float32/float64 tensor and a Python int or float within its range, or
    of an int64 tensor and an int (6.0 -> 1.9 us, PyTorch 1.6)."""
    def factory_entry(*args, **kw):
        if len(args) == 2 and not kw:
            x, value = args
            b = getattr(x, "_buf", None)
            if type(b) is np.ndarray and isinstance(x, Tensor) and b.flags.c_contiguous:
                d, t = b.dtype, type(value)
                if t is float or (t is int and
                                  -9223372036854775808 <= value <= 9223372036854775807):
                    top = _FULL_TOPS.get(d) if d.kind == "f" else None
                    ok = (d is _I64 and t is int) or (d.kind == "f" and d.itemsize >= 4 and (
                        top is None or -top <= value <= top or value != value or
                        abs(value) == math.inf))
                    if ok:
                        try:
                            return _make(np.full(b.shape, value, d))
                        except (MemoryError, ValueError, OverflowError):
                            pass
        return general(*args, **kw)
    return _named(factory_entry, general)


#: n -> (n // 2, the counts of the first half, those of the second from the end: float64)
_LIN_COUNTS: dict = {}
_F32 = np.dtype(np.float32)
_F32_TOP = _FULL_TOPS[_F32]


def linspace(general: Callable) -> Callable:
    """``general`` (torch.linspace) with the quick call in front: ``linspace(a, b, n)`` of
    finite Python numbers within float32's range, an int ``n`` of 2 or more, the default
    dtype float32: ``_creation_args.linspace_values``' float32 arithmetic (PyTorch's kernel,
    bit for bit) on counts kept per ``n`` (11.3 -> 4.8 us, PyTorch 1.8)."""
    def factory_entry(*args, **kw):
        if len(args) == 3 and not kw and _DEFAULT_DEVICE[0] is None:
            start, end, n = args
            ts, te = type(start), type(end)
            if (ts is float or ts is int) and (te is float or te is int) and type(n) is int \
                    and n >= 2 and -_F32_TOP <= start <= _F32_TOP and \
                    -_F32_TOP <= end <= _F32_TOP and D.get_default_dtype().np_dtype is _F32:
                counts = _LIN_COUNTS.get(n)
                if counts is None:
                    if len(_LIN_COUNTS) > 256:
                        _LIN_COUNTS.clear()
                    i, half = np.arange(n), n // 2
                    counts = _LIN_COUNTS[n] = (half, i[:half].astype(np.float64),
                                               (n - 1 - i[half:]).astype(np.float64))
                half, low, high = counts
                f32 = np.float32
                s, e = f32(start), f32(end)
                step = float(f32(e - s) / f32(n - 1))
                out = np.empty(n)
                head, tail = out[:half], out[half:]
                np.multiply(low, step, out=head)
                head += float(s)
                np.multiply(high, -step, out=tail)
                tail += float(e)
                return _make(out.astype(_F32))
        return general(*args, **kw)
    return _named(factory_entry, general)


def tensor(general: Callable) -> Callable:
    """``general`` (torch.tensor) with the quick call in front: a Python number or a (nested)
    list of them and no other argument, ``_creation_args.python_array``'s case."""
    def tensor(*args, **kw):
        if len(args) == 1 and not kw and _DEFAULT_DEVICE[0] is None:
            arr = python_array(args[0])
            if arr is not None:
                return _make(arr)
        return general(*args, **kw)
    return _named(tensor, general)


def _named(entry: Callable, general: Callable) -> Callable:
    return dressed(entry, general, "__factory_lane__")


def install(module) -> None:
    """The quick entries in front of ``module``'s (torch's) zeros, ones, empty, full,
    full_like, linspace and tensor."""
    for name, np_fn in (("zeros", np.zeros), ("ones", np.ones), ("empty", np.empty)):
        f = getattr(module, name)
        if not getattr(f, "__factory_lane__", False):
            setattr(module, name, sized(np_fn, f))
    if not getattr(module.full, "__factory_lane__", False):
        module.full = full(module.full)
    if not getattr(module.full_like, "__factory_lane__", False):
        module.full_like = full_like(module.full_like)
    if not getattr(module.linspace, "__factory_lane__", False):
        module.linspace = linspace(module.linspace)
    if not getattr(module.tensor, "__factory_lane__", False):
        module.tensor = tensor(module.tensor)
