"""Kernel launches with less Python on a real GPU: what ``kernel[grid, block](*args)`` does in
numba.cuda, kept to what dlcore's kernels need.

Why
---
A numba.cuda launch from Python runs about 500 Python calls (the H200 profile of the seed's
static step: 7,038 calls for 13 launches, 116 of them dlcore's).  Most of it is per argument:
Numba types every argument anew (``typeof``; a device array made by the op before, as nearly
all are, has no cached type yet: ~8 us each), wraps it in a strided-memory-view shim, builds a
``_LaunchConfiguration`` and a ``LaunchConfig`` per launch, looks up the context, and only then
hands the flattened arguments to ``cuda.core.launch``.  Typing and flattening alone cost 50-58
us per elementwise launch (three fresh arrays and an int) on the 2-core Xeon that CI runs on,
against 1.3-1.5 us here (``python -m benchmarks.launch_args``).

What
----
:func:`fast` wraps a kernel (a ``CUDADispatcher``) in a :class:`FastKernel`, launched with the
same syntax, ``k[grid, block](*args)`` or ``k[config](*args)``.  A configuration is normalised
once and kept with its ``LaunchConfig``; a launch reads each argument's *kind* straight off it
(a device array's dtype, rank and layout, or a scalar's Python/NumPy type), looks the kinds up
in a per-kernel table of compiled kernels, and passes the arguments flattened exactly as
Numba's ``_Kernel._prepare_args`` does (an array as ``meminfo, parent, size, itemsize, data,
*shape, *strides``; an int64 as ``c_int64``, ...) to the same ``cuda.core.launch``.

A table entry is made on the first launch of those kinds: Numba's own ``typeof`` of each
argument must equal the type the kind stands for (else that kind always takes Numba's path),
and ``dispatcher.compile`` gives the kernel (from the disk cache when it is there).  Anything
else takes Numba's path unchanged: the simulator (there is no wrapping at all), more than one
visible GPU, a thread's first launch (it makes the CUDA context current in that thread), an
argument of another kind (a host array, a foreign ``__cuda_array_interface__`` object, a
record), a configuration with a stream or shared memory, a debug or cooperative kernel.

Status: opt-in
--------------
The arguments are checked against Numba's ``_prepare_args`` without a GPU
(``tests/cuda/test_cuda_fast_launch.py``), but the path has not yet run on one (the session
that wrote it was lent none), so it is off unless ``DLCORE_CUDA_LAUNCH=fast`` (read when CUDA
is first used); :func:`set_enabled` switches it at run time, which ``benchmarks.gpu_check``
does to time it against Numba's path, and ``benchmarks/gpu_session.sh`` runs the CUDA tests
with it on.  Make it the default once a GPU run has passed and timed it.
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any

import numpy as np

_I64 = (-(1 << 63), (1 << 63) - 1)

#: NumPy scalar types passed as themselves, and their ctypes (Numba's ``c_<type>``)
_SCALARS: dict = {np.float32: ctypes.c_float, np.float64: ctypes.c_double,
                  np.int8: ctypes.c_int8, np.int16: ctypes.c_int16, np.int32: ctypes.c_int32,
                  np.int64: ctypes.c_int64, np.uint8: ctypes.c_uint8,
                  np.uint16: ctypes.c_uint16, np.uint32: ctypes.c_uint32,
                  np.uint64: ctypes.c_uint64}


class _State:
    on: bool | None = None          # None: not decided yet (decided on the first wrap)
    possible: bool | None = None    # a real GPU, one visible, numba-cuda's layout as expected
    device_array: Any = None        # numba's DeviceNDArray class (only exactly it is read)
    core_launch: Any = None         # cuda.core's launch, as numba.cuda's dispatcher imports it
    make_config: Any = None         # (griddim, blockdim) -> cuda.core LaunchConfig
    stream: Any = None              # the default stream, as a cuda.core Stream
    make_stream: Any = None         # () -> that stream (made after the first launch)
    typeof: Any = None              # numba's typeof(value, Purpose.argument)


_tls = threading.local()


def enabled() -> bool:
    """Whether launches take the short path (possible here, and ``DLCORE_CUDA_LAUNCH=fast``
    or :func:`set_enabled`)."""
    if _State.on is None:
        _State.on = _possible() and \
            os.environ.get("DLCORE_CUDA_LAUNCH", "").lower() == "fast"
    return bool(_State.on)


def set_enabled(on: bool) -> bool:
    """Switch the short path on or off (on only where it is possible: a real GPU, one
    visible); the previous setting is returned.  Wrapped kernels read it at every
    configuration."""
    before = enabled()
    _State.on = bool(on) and _possible()
    return before


def _possible() -> bool:
    if _State.possible is None:
        _State.possible = _decide()
    return _State.possible


def _decide() -> bool:
    from ...device import cuda_module, cuda_simulator
    if cuda_simulator():
        return False
    cuda = cuda_module()
    try:
        if len(cuda.gpus) != 1:
            return False
        from numba.core.typing.typeof import Purpose, typeof
        from numba.cuda import dispatcher as _d
        from numba.cuda.cudadrv import driver as _drv
        from numba.cuda.cudadrv.devicearray import DeviceNDArray
        from numba.cuda.errors import normalize_kernel_dimensions
    except Exception:                   # noqa: BLE001 - another numba-cuda layout: Numba's path
        return False
    ge_1_0 = getattr(_d, "CUDA_CORE_GE_1_0", True)

    def make_config(griddim, blockdim):
        griddim, blockdim = normalize_kernel_dimensions(griddim, blockdim)
        if ge_1_0:
            return _d.LaunchConfig(grid=griddim, block=blockdim, shmem_size=0,
                                   is_cooperative=False)
        return _d.LaunchConfig(grid=griddim, block=blockdim, shmem_size=0,
                               cooperative_launch=False)
    _State.device_array = DeviceNDArray
    _State.core_launch = _d.launch
    _State.make_config = make_config
    _State.make_stream = lambda: _drv._to_core_stream(0)
    _State.typeof = lambda v: typeof(v, Purpose.argument)
    return True


def fast(kernel):
    """``kernel`` launched through the short path when it is on: a :class:`FastKernel` where the
    path is possible (one per kernel, kept on it), the kernel itself elsewhere (the
    simulator)."""
    enabled()
    if not _State.possible:
        return kernel
    wrapped = getattr(kernel, "_dlcore_fast", None)
    if wrapped is None:
        wrapped = FastKernel(kernel)
        try:
            kernel._dlcore_fast = wrapped
        except AttributeError:
            pass
    return wrapped


class FastKernel:
    """A numba.cuda kernel whose ``[config]`` gives a :class:`_Configured` launcher."""

    __slots__ = ("dispatcher", "_configs", "_compiled", "__weakref__")

    def __init__(self, dispatcher) -> None:
        self.dispatcher = dispatcher
        self._configs: dict = {}
        #: argument kinds -> (cuda.core kernel) or None (those kinds take Numba's path)
        self._compiled: dict = {}

    def __getitem__(self, config):
        if not _State.on:
            return self.dispatcher[config]
        try:
            launcher = self._configs.get(config)
        except TypeError:                # (an unhashable configuration)
            return self.dispatcher[config]
        if launcher is None:
            if len(config) != 2:         # a stream or shared memory: Numba's path
                return self.dispatcher[config]
            launcher = _Configured(self, config)
            self._configs[config] = launcher
        return launcher

    def __getattr__(self, name: str):
        return getattr(self.dispatcher, name)

    def entry(self, kinds: tuple, args: tuple):
        """The compiled kernel for these argument kinds (made on their first launch), or None
        where they take Numba's path."""
        try:
            return self._compiled[kinds]
        except KeyError:
            pass
        d = self.dispatcher
        types = tuple(_State.typeof(a) for a in args)
        kernel = None
        if types == tuple(numba_type(k) for k in kinds):
            k = d.compile(types)
            if not (k.debug or k.extensions or k.cooperative):
                kernel = k._codelibrary.get_cufunc().kernel
        self._compiled[kinds] = kernel
        return kernel


class _Configured:
    """``kernel[config]`` kept: its ``__call__`` is the launch."""

    __slots__ = ("owner", "config", "core_config")

    def __init__(self, owner: FastKernel, config) -> None:
        self.owner = owner
        self.config = config
        self.core_config = _State.make_config(*config)

    def __call__(self, *args) -> None:
        if not getattr(_tls, "ready", False):
            # a thread's first launch through Numba: it makes the context current here
            self.owner.dispatcher[self.config](*args)
            if _State.stream is None:
                _State.stream = _State.make_stream()
            _tls.ready = True
            return
        vals: list = []
        kinds = marshal(args, vals)
        kernel = None if kinds is None else self.owner.entry(kinds, args)
        if kernel is None:
            self.owner.dispatcher[self.config](*args)
            return
        _State.core_launch(_State.stream, self.core_config, kernel, *vals)


def marshal(args, vals: list):
    """Append ``args`` flattened as Numba passes them to a kernel to ``vals``; return their
    kinds (the table key), or None when one of them is of a kind left to Numba."""
    dna = _State.device_array
    kinds: list[Any] = []
    for a in args:
        t = type(a)
        if t is dna:
            strides = a.strides
            flags = a._dummy.flags
            broadcast = a.size != 0 and 0 in strides
            if flags["C_CONTIGUOUS"] and not broadcast:
                layout = "C"
            elif flags["F_CONTIGUOUS"] and not broadcast:
                layout = "F"
            else:
                layout = "A"
            dt = a.dtype
            kinds.append((dt, a.ndim, layout))
            vals += (0, 0, a.size, dt.itemsize, a.device_ctypes_pointer.value or 0)
            vals += a.shape
            vals += strides
        elif t is int:
            if not _I64[0] <= a <= _I64[1]:
                return None
            kinds.append(int)
            vals.append(ctypes.c_int64(a))
        elif t is float:
            kinds.append(float)
            vals.append(ctypes.c_double(a))
        elif t is bool:
            kinds.append(bool)
            vals.append(a)
        elif t is tuple:
            inner = marshal(a, vals)
            if inner is None:
                return None
            kinds.append(("tuple", inner))
        else:
            conv = _SCALARS.get(t)
            if conv is None:
                return None
            kinds.append(t)
            vals.append(conv(a))
    return tuple(kinds)


def numba_type(kind):
    """The Numba type an argument kind stands for (what ``typeof`` must give)."""
    from numba.core import types
    from numba.np import numpy_support
    if kind is int:
        return types.int64
    if kind is float:
        return types.float64
    if kind is bool:
        return types.boolean
    if isinstance(kind, tuple):
        if kind[0] == "tuple":
            return types.BaseTuple.from_types(  # type: ignore[attr-defined]
                [numba_type(k) for k in kind[1]])
        dt, ndim, layout = kind
        return types.Array(numpy_support.from_dtype(dt), ndim, layout)
    return numpy_support.from_dtype(np.dtype(kind))


def kernels_of(module):
    """``module`` (generated kernel source) with its kernels read through :func:`fast`: the
    module itself where launches are not wrapped (the simulator)."""
    enabled()
    if not _State.possible:
        return module
    return FastModule(module)


class FastModule:
    """A kernel module whose kernels (not its device functions) come wrapped by :func:`fast`."""

    def __init__(self, module) -> None:
        self._module = module

    def __getattr__(self, name: str):
        value = getattr(self._module, name)
        opts = getattr(value, "targetoptions", None)
        if isinstance(opts, dict) and not opts.get("device") and hasattr(value, "py_func"):
            value = fast(value)
        setattr(self, name, value)
        return value
