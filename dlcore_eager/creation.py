"""Creating tensors: from data (``tensor``, ``from_numpy``, DLPack), filled (``zeros``, ``ones``,
``full``, ``empty``, ``arange``, ``linspace``, ``eye``), random (``rand``, ``randn``, ``randint``,
``randperm``, seeded by ``manual_seed`` or a ``Generator``) and ``*_like``.

Factory functions make *leaf* tensors: ``requires_grad=True`` is allowed here even inside
``no_grad``.  Random numbers are PyTorch's CPU streams (MT19937 and ATen's transformations, in
:mod:`dlcore_eager._torch_rng`): after ``manual_seed(s)`` ``rand``/``randn``/``randint``/
``randperm``/``normal`` give PyTorch's numbers, float32 and float64.  CUDA tensors draw the same
host stream and are copied (PyTorch's own CUDA Philox streams are out of scope).
"""

from __future__ import annotations

import functools
import math
import numbers
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

from dlcore.device import CPU, as_device, to_device
from dlcore.dtypes import is_floating

from . import _creation_args as _args
from . import _dtype as D
from . import _memory_format as _mf
from ._sizes import int_sizes, size_type_error
from .tensor import Tensor, _fill, _make

_F = TypeVar("_F", bound=Callable[..., Any])


class CPUAllocationError(RuntimeError, MemoryError):
    """PyTorch's error for a failed CPU allocation (RuntimeError; MemoryError as NumPy's too)."""


def _oom(fn: _F) -> _F:
    """PyTorch's errors of a factory: a failed allocation (DefaultCPUAllocator), a dtype string."""
    def factory(*args, **kwargs):
        if type(kwargs.get("dtype")) is str:
            raise TypeError(f"{fn.__name__}(): argument 'dtype' must be torch.dtype, not str")
        try:
            return fn(*args, **kwargs)
        except MemoryError as e:
            if isinstance(e, CPUAllocationError):
                raise
            n = getattr(e, "_total_size", None)
            raise CPUAllocationError(
                "DefaultCPUAllocator: can't allocate memory: you tried to allocate "
                f"{n if n is not None else 'too many'} bytes. Error code 12 (Cannot allocate "
                "memory)") from None
    return cast(_F, functools.wraps(fn)(factory))     # (typed as the factory it wraps)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``, as PyTorch's CPU kernel: the exponents
    ``start + step i`` (first half) and ``end - step (steps - 1 - i)`` in float64 from the
    dtype's ``start``, ``end`` and ``end - start``, then the C library's float64 ``pow``."""
    npd = _default(dtype)
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"logspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    _args.complex_bounds_check("logspace", start, end, dtype, steps)
    if steps <= 1 or npd.kind == "c":
        return _finish(np.logspace(start, end, steps, base=base).astype(npd), None, device,
                       requires_grad)
    cast = npd.type if npd.kind in "fV" else (lambda v: int(v))
    s, e = cast(start), cast(end)
    step = float(cast(e - s)) / (steps - 1)
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    ex = np.concatenate([float(s) + step * i[:half], float(e) - step * (steps - 1 - i[half:])])
    # the C library's pow element by element, as PyTorch's kernel calls std::pow: NumPy's
    # vectorised pow differs from it in the last bit (10 ** 2.5: 316.2277660168379 against
    # 316.22776601683796 with AVX-512)
    b = float(base)
    out = np.fromiter((_args.c_pow(b, v) for v in ex.tolist()), np.float64, count=steps)
    return _finish(out.astype(npd), None, device, requires_grad)


# ----------------------------------------------------------------------------- random state
class Generator:
    """A random-number generator; ``Generator().manual_seed(0)`` as in PyTorch, drawing
    PyTorch's CPU stream (MT19937, see :mod:`dlcore_eager._torch_rng`).  The CUDA Philox
    streams of ``Generator("cuda")`` are not reproduced: every generator draws on the host."""

    def __init__(self, device="cpu"):
        from ._torch_rng import NumpyLike, TorchCPUEngine
        self._engine = TorchCPUEngine()
        self._np = NumpyLike(self._engine)
        self.device = as_device(device)

    def manual_seed(self, seed) -> Generator:
        seed = int(seed)
        if not -2 ** 63 <= seed < 2 ** 64:
            raise ValueError("Overflow when unpacking long long")
        self._engine.manual_seed(seed % 2 ** 64)
        return self

    def seed(self) -> int:
        entropy = cast(int, np.random.SeedSequence().entropy)      # an int when none is given
        return self.manual_seed(entropy % (2 ** 63)).initial_seed()

    def initial_seed(self) -> int:
        return self._engine.seed

    def get_state(self) -> Tensor:
        """The whole state as a uint8 tensor, for ``set_state`` (format: _rng_state)."""
        from ._rng_state import encode
        return encode(self)

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from ``get_state()`` (validated first: a bad one changes nothing)."""
        from ._rng_state import decode
        decode(self, new_state)
        return self


default_generator = Generator()

# A DataLoader worker thread's own default generator (utils/data/workers.py): PyTorch's workers
# are processes, each seeding its own global generator with base_seed + worker id, so random
# ops in a dataset's __getitem__ draw per-worker streams (reproducible, and the main stream is
# not advanced); every other thread shares ``default_generator``, as PyTorch's threads do.
_THREAD = threading.local()


def _default_generator() -> Generator:
    return getattr(_THREAD, "generator", None) or default_generator


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (used by rand/randn/init/Dropout/DataLoader shuffling)."""
    return _default_generator().manual_seed(seed)


def seed() -> int:
    return _default_generator().seed()


def initial_seed() -> int:
    return _default_generator().initial_seed()


def _rng(generator: Generator | None):
    """The generator's draws behind NumPy's Generator API (``random``, ``standard_normal``,
    ``integers``, ``permutation``, ...: PyTorch's float64/int64 streams; see NumpyLike)."""
    return (generator or _default_generator())._np


def _engine(generator: Generator | None):
    """The generator's :class:`~dlcore_eager._torch_rng.TorchCPUEngine` (dtype-exact draws)."""
    return (generator or _default_generator())._engine


def _float_np(dtype, kernel: str = "normal_kernel_cpu") -> np.dtype:
    return _args.float_kernel(np.dtype(_default(dtype)), kernel)    # (an int: PyTorch's error)


# ----------------------------------------------------------------------------- helpers
_DEFAULT_DEVICE: list = [None]     # torch.set_default_device: where factories put new tensors


def set_default_device(device) -> None:
    """``torch.set_default_device``: factory functions (tensor, zeros, randn, ...) create their
    tensors on ``device`` unless given one (None: back to the CPU)."""
    _DEFAULT_DEVICE[0] = None if device is None else as_device(device)


def get_default_device():
    """``torch.get_default_device()``: the device factories use (the CPU unless set)."""
    return _DEFAULT_DEVICE[0] or CPU


def _finish(buf: np.ndarray, dtype, device, requires_grad: bool) -> Tensor:
    if device is None:
        device = _DEFAULT_DEVICE[0]
    if dtype is not None:
        npd = D.to_numpy_dtype(dtype)
        if buf.dtype != npd:
            buf = buf.astype(npd)
    D.from_numpy_dtype(buf.dtype)            # unsupported dtypes fail here, clearly
    if device is not None and as_device(device).type == "cuda":
        buf = to_device(buf, as_device(device))
    t = _make(buf)
    if requires_grad:
        factory_requires_grad(t)
    return t


def factory_requires_grad(t: Tensor) -> Tensor:
    """``t.requires_grad_(True)`` for a factory's ``requires_grad=True`` (and
    ``nn.Parameter``): an integer or bool ``t`` refused in PyTorch's words for a factory."""
    if not (is_floating(t._buf.dtype) or t._buf.dtype.kind == "c"):     # (requires_grad_()'s
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")     # words are "only ... floating point dtype ...")
    return t.requires_grad_(True)


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = int_sizes(size)            # (a float is PyTorch's TypeError: int() truncated it)
    if size and min(size) < 0:      # (NumPy's ValueError is not PyTorch's RuntimeError)
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: "
                           f"{list(size)}")
    return size


def _default(dtype) -> np.dtype:
    return D.to_numpy_dtype(dtype) if dtype is not None else D.get_default_dtype().np_dtype


# ----------------------------------------------------------------------------- from data
#: NumPy dtypes an array keeps in ``torch.tensor(array)`` (PyTorch keeps every dtype it has;
#: uint16/32/64, which dlcore lacks, still become int64)
_ARRAY_KEEPS = frozenset(np.dtype(d) for d in ("int8", "int16", "int32", "int64", "uint8",
                                               "float16", "float32", "float64"))


def _first_leaf(data):
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def _all_python_ints(data) -> bool:
    """True when nested lists/tuples hold only Python integers (looked at only for a float64
    array whose first value is a Python int and which holds a value of 2**63 or more, so
    ordinary float data is never walked)."""
    if isinstance(data, (list, tuple)):
        return all(_all_python_ints(v) for v in data)
    return isinstance(data, int)


def _infer_dtype(arr: np.ndarray, data) -> np.dtype:
    if not isinstance(data, (np.ndarray, np.generic)) and (
            arr.dtype == np.uint64 or (arr.dtype == object and arr.size and all(
                isinstance(v, int) for v in arr.flat))):
        # Python ints beyond int64 (NumPy made them uint64 and the cast wrapped 2**63 to -2**63)
        raise ValueError("Overflow when unpacking long long")
    if arr.dtype == np.float64 and arr.size and type(_first_leaf(data)) is int and \
            float(np.abs(arr).max()) >= 2.0 ** 63 and _all_python_ints(data):
        # int64 and uint64 values together: NumPy made them float64; PyTorch refuses
        raise ValueError("Overflow when unpacking long long")
    if isinstance(data, (np.ndarray, np.generic)) and arr.dtype in _ARRAY_KEEPS:
        return arr.dtype                       # (a uint8 image stays uint8, as in PyTorch)
    if is_floating(arr.dtype):
        if isinstance(data, np.ndarray) and arr.dtype == np.float64:
            return arr.dtype                   # torch.tensor(float64 array) stays float64
        return D.get_default_dtype().np_dtype
    if arr.dtype.kind in "iu":
        return arr.dtype if isinstance(data, np.ndarray) and arr.dtype in (
            np.int32, np.int64) else np.dtype(np.int64)
    if arr.dtype.kind == "b":
        return np.dtype(np.bool_)
    if arr.dtype.kind == "c":          # an array keeps its complex type; Python complex: default
        return arr.dtype if isinstance(data, np.ndarray) else D.default_complex()
    if not isinstance(data, np.ndarray):    # (Python data: PyTorch's words for what it holds)
        _args.unsupported_data(data)
    raise TypeError(f"can't convert np.ndarray of type {arr.dtype}. The only supported types "
                    "are: float64, float32, int64, int32, and bool.")


def _host_data(data):
    if isinstance(data, Tensor):
        return data._buf if not data.is_cuda else to_device(data._buf, CPU)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        return np.array([_args.element(x, _host_data) for x in data])   # (a 1-element tensor)
    return data


def _ragged_check(data) -> None:
    """PyTorch's error for nested sequences whose lengths differ from the first element's at
    the same depth (``tensor([[1, 2], [3]])``: "expected sequence of length 2 at dim 1 (got
    1)"), or a number where a sequence is expected ("not a sequence")."""
    sizes, first = [], data
    while isinstance(first, (list, tuple)):
        sizes.append(len(first))
        if not first:
            return                  # (PyTorch does not check past an empty first sequence)
        first = first[0]

    def walk(x, d):
        if d == len(sizes):
            return
        if not isinstance(x, (list, tuple)):
            raise TypeError("not a sequence")
        if len(x) != sizes[d]:
            raise ValueError(f"expected sequence of length {sizes[d]} at dim {d} (got {len(x)})")
        for v in x:
            walk(v, d + 1)
    walk(data, 0)


@_oom
def tensor(data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor that copies ``data`` (a scalar, nested lists, an array or a tensor)."""
    host = _host_data(data)
    inside = host is not data and isinstance(data, (list, tuple))   # (tensors in the list)
    if not inside and dtype is None and isinstance(data, (list, tuple)):  # (NumPy values in
        inside = isinstance(_first_leaf(data), (np.ndarray, np.generic))  # it: their dtypes)
    try:
        arr = np.array(host, copy=True)
    except ValueError as e:
        _ragged_check(host)         # (PyTorch's words for nested lists of uneven lengths)
        arr = _args.tensors_inside(host, e, _host_data)     # (or tensors deeper in lists)
        inside = True
    npd = D.to_numpy_dtype(dtype) if dtype is not None else (
        inside and _args.inferred_with_tensors(data)) or _infer_dtype(arr, host)
    if dtype is not None and npd.kind in "iu" and host is data:
        _args.int_overflow(arr, data)       # (an int past int64: no wrapped value)
    return _finish(_args.converted(arr, npd, dtype, data, host), None, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (dtype or device) else data
    if isinstance(data, np.ndarray) and dtype is None and device is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``arr`` (zero-copy): writes to either are seen by both."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    D.from_numpy_dtype(arr.dtype)
    t = _make(arr)
    return t


def from_dlpack(obj) -> Tensor:
    """Zero-copy import of any DLPack producer (NumPy, PyTorch, JAX, CuPy, ...) or legacy
    DLPack capsule (``torch.utils.dlpack.to_dlpack``), CPU or CUDA (``dlcore.io.dlpack``)."""
    if isinstance(obj, Tensor):
        return obj
    from dlcore.io.dlpack import import_buffer
    buf = import_buffer(obj)
    return from_numpy(buf) if isinstance(buf, np.ndarray) else Tensor._wrap(buf)


def _legacy_construct(dtype: D.dtype, device, args, kwargs) -> Tensor:
    """``torch.FloatTensor(2, 3)`` (uninitialised) or ``torch.FloatTensor([1, 2])``."""
    device = kwargs.pop("device", device)
    if len(args) == 1 and isinstance(args[0], (bool, float, complex)):   # (PyTorch's words)
        raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        if device is None and not kwargs and _DEFAULT_DEVICE[0] is None:
            arr = _args.python_array(args[0], dtype.np_dtype)
            if arr is not None:
                return _make(arr)
        return tensor(args[0], dtype=dtype, device=device)
    return empty(*args, dtype=dtype, device=device)


# ----------------------------------------------------------------------------- filled
def _size_arg(name: str, sizes: tuple, size) -> tuple:
    """The shape given as ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))`` (PyTorch takes all
    three; both forms at once is its TypeError)."""
    if size is not None:
        if sizes:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        sizes = (size,)
    try:
        return _size(sizes)
    except TypeError:
        raise size_type_error(name, sizes, size is not None) from None
    except RuntimeError:
        if name == "zeros":             # (its own words in PyTorch)
            raise RuntimeError("zeros: Dimension size must be non-negative.") from None
        raise


@_oom
def zeros(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_size_arg("zeros", sizes, size), _default(dtype)), None, device,
                   requires_grad)


@_oom
def ones(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_size_arg("ones", sizes, size), _default(dtype)), None, device,
                   requires_grad)


@_oom
def empty(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False,
          memory_format=None) -> Tensor:
    return _finish(_mf.empty(_size_arg("empty", sizes, size), _default(dtype), memory_format),
                   None, device, requires_grad)


#: the default float dtypes -> the largest finite float ``full``'s quick path writes unchecked
_FULL_TOPS = {np.dtype(np.float32): 3.4028234663852886e38, np.dtype(np.float64): math.inf}


@_oom
def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if type(fill_value) is float and type(size) is tuple and dtype is None and \
            device is None and not requires_grad and _DEFAULT_DEVICE[0] is None:
        # a float into the default float dtype (GAT's full((n,), -inf)): what the checks
        # below pass unchanged, without them (5.3 -> 2.6 us, PyTorch 1.6)
        npd = _default(None)
        top = _FULL_TOPS.get(npd)
        if top is not None and (-top <= fill_value <= top or fill_value != fill_value or
                                abs(fill_value) == math.inf) and \
                all(type(n) is int and n >= 0 for n in size):
            return _make(np.full(size, fill_value, npd))
    size, fill_value, dtype = _args.full_args(size, fill_value, dtype)   # (PyTorch's rules)
    return _finish(np.full(_size((size,)), fill_value, _default(dtype)), None, device,
                   requires_grad)


@_oom
def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _finish(np.eye(n, m, dtype=_default(dtype)), None, device, requires_grad)


_EXACT = 1 << 24
#: ``arange(n)``'s common dtypes (None: int64) -> NumPy's, for its fast path below
_ARANGE_DTYPES: dict[Any, np.dtype] = {
    None: np.dtype(np.int64), D.int64: np.dtype(np.int64), D.int32: np.dtype(np.int32),
    D.float32: np.dtype(np.float32), D.float64: np.dtype(np.float64)}


@_oom
def arange(start, end=None, step=1, *, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    if type(start) is int and type(step) is int and device is None and \
            _DEFAULT_DEVICE[0] is None and not requires_grad:
        # ``arange(n)``, ``arange(a, b[, s])`` of ints below 2^24 in magnitude, the bounds
        # consistent with the step's sign (positions, masks: 5.7 -> ~2 us, (a, b) 11.5 -> ~2,
        # PyTorch 3.0): exact in each of these dtypes, as the general path computes them
        lo, hi = (0, start) if end is None else (start, end)
        npd = _ARANGE_DTYPES.get(dtype)
        if npd is not None and type(hi) is int and step and (hi - lo) * step >= 0 and \
                -_EXACT <= lo <= _EXACT and -_EXACT <= hi <= _EXACT and -_EXACT <= step <= _EXACT:
            return _make(np.arange(lo, hi, step, dtype=npd))
    if end is None:
        start, end = 0, start
    for what, pos, v in (("start", 0, start), ("end", 1, end), ("step", 2, step)):
        if isinstance(v, Tensor) and v.numel() != 1:
            raise TypeError(f"arange(): argument '{what}' (position {pos}) must be Number, "
                            "not Tensor")
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    npd = D.to_numpy_dtype(dtype) if dtype is not None else (
        np.dtype(np.int64) if ints else D.get_default_dtype().np_dtype)
    vals = _args.arange_values(start, end, step, npd)    # (PyTorch's checks; ATen's ints)
    return _finish(np.arange(start, end, step).astype(npd) if vals is None else vals, None,
                   device, requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values from ``start`` to ``end``, bit for bit as PyTorch's CPU kernel."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    _args.complex_bounds_check("linspace", start, end, dtype, steps)
    if dtype is None and (isinstance(start, complex) or isinstance(end, complex)):
        dtype = D.complex128 if D.get_default_dtype() is D.float64 else D.complex64
    return _finish(_args.linspace_values(start, end, int(steps), _default(dtype)), None,
                   device, requires_grad)


# ----------------------------------------------------------------------------- random
@_oom
def rand(*sizes, size=None, generator=None, dtype=None, device=None,
         requires_grad=False) -> Tensor:
    shape = _size_arg("rand", sizes, size)
    n = math.prod(shape)
    buf = _engine(generator).uniform(n, _float_np(dtype, "check_uniform_bounds")).reshape(shape)
    return _finish(buf, None, device, requires_grad)


@_oom
def randn(*sizes, size=None, generator=None, dtype=None, device=None,
          requires_grad=False) -> Tensor:
    shape = _size_arg("randn", sizes, size)
    n = math.prod(shape)
    buf = _engine(generator).normal(n, _float_np(dtype)).reshape(shape)
    return _finish(buf, None, device, requires_grad)


@_oom
def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    if size is None and isinstance(high, (tuple, list)):     # randint(high, size)
        low, high, size = 0, low, high
    low, high = (0, low) if high is None else (low, high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    shape = _size((size,))
    dt = np.dtype(D.to_numpy_dtype(dtype) if dtype else np.int64)
    buf = _engine(generator).random_from_to(math.prod(shape), dt, int(low), int(high))
    return _finish(buf.reshape(shape), None, device, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None) -> Tensor:
    buf = _engine(generator).randperm(int(n))
    return _finish(buf.astype(D.to_numpy_dtype(dtype) if dtype else np.int64), None, device,
                   False)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """``torch.normal``: floats with a ``size``, or tensor ``mean``/``std`` (broadcast), drawn as
    PyTorch does: ``normal_(0, std)`` then ``+ mean`` for a tensor mean and a float std, else
    ``normal_(0, 1) * std + mean`` (the tensor forms are not differentiable, as in PyTorch)."""
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mt or st):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got "
                            "(float, float), but expected (float mean, float std, tuple of "
                            "ints size)")
        shape = tuple(size)
        n = math.prod(shape)
        buf = _engine(generator).normal(n, _float_np(dtype), mean, std).reshape(shape)
        return _finish(buf, None, device, requires_grad)
    like = mean if mt else std
    m = like._buf.dtype if not mt or not st else np.result_type(mean._buf.dtype, std._buf.dtype)
    if m.kind in "biu":             # (PyTorch's kernel has no integer or bool form)
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for "
                                  f"'{D.from_numpy_dtype(m)._legacy}'")
    shape = np.broadcast_shapes(tuple(mean.shape) if mt else (), tuple(std.shape) if st else ())
    if st and (std.detach().numpy() < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    n = math.prod(shape)
    if mt and not st:
        out = _engine(generator).normal(n, m, 0.0, std).reshape(shape)
    else:
        out = _engine(generator).normal(n, m).reshape(shape) * (std.detach().numpy() if st
                                                                 else m.type(std))
    out = (out + (mean.detach().numpy() if mt else m.type(mean))).astype(m)
    return _finish(out, None, like.device if device is None else device, False)


# ----------------------------------------------------------------------------- *_like
def _like(fn, make=None):
    """``fn_like``; ``make`` (NumPy's zeros, ones or empty): the quick path for a C-ordered CPU
    tensor and no keywords (zeros_like of 31x16 5.3 -> ~1.3 us, PyTorch 1.8)."""
    def like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
             memory_format=None) -> Tensor:
        if make is not None and type(input) is Tensor and dtype is None and device is None \
                and not requires_grad and memory_format is None:
            b = input._buf
            if type(b) is np.ndarray and b.flags.c_contiguous:
                return _make(make(b.shape, b.dtype))
        order = _mf.like_order(input, memory_format, like.__name__)
        if order is not None and device is None:
            return _mf.made_like(lambda *s: fn(*s, dtype=dtype or input.dtype),
                                 input, order, requires_grad)
        return fn(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                  requires_grad=requires_grad)
    like.__name__ = fn.__name__ + "_like"
    return like


zeros_like = _like(zeros, np.zeros)
ones_like = _like(ones, np.ones)
empty_like = _like(empty, np.empty)
rand_like = _like(rand)
randn_like = _like(randn)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    order = _mf.like_order(input, memory_format, "full_like")
    if order is not None and device is None:
        return _mf.made_like(lambda *s: full(s, fill_value, dtype=dtype or input.dtype),
                             input, order, requires_grad)
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def _tensor_init(self: Tensor, *args, **kwargs) -> None:
    """``torch.Tensor(2, 3)`` (uninitialised) or ``torch.Tensor([1, 2])`` (data), as in old
    PyTorch: the constructor of the Tensor class, attached here where the creation functions
    are (tensor.py, below this module, does not import it)."""
    src = _legacy_construct(D.get_default_dtype(), None, args, kwargs)
    _fill(self, src._buf, None, None)


Tensor.__init__ = _tensor_init  # type: ignore[method-assign]  # installed here, above tensor.py
