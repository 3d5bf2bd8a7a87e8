"""Run by tests/cuda/test_cuda_fast_launch.py in a process of its own, with numba.cuda's real
(not simulated) modules: dlcore's short launch path (``dlcore.kernels.cuda._launch``) against
Numba's own argument handling, on device arrays over fake device memory (no GPU is needed to
make a non-empty ``DeviceNDArray`` whose memory is given; nothing is launched).  Each check raises
AssertionError with what differed; ``ok <n>`` is printed at the end."""

from __future__ import annotations

import ctypes
import sys

import numpy as np
from numba.core.typing.typeof import Purpose, typeof
from numba.cuda import dispatcher as numba_dispatcher
from numba.cuda.cudadrv.devicearray import DeviceNDArray

from dlcore.kernels.cuda import _launch as L

L._State.device_array = DeviceNDArray
L._State.typeof = lambda v: typeof(v, Purpose.argument)


class FakeMemory:
    def __init__(self, address: int) -> None:
        self.device_ctypes_pointer = ctypes.c_size_t(address)


def dev(shape, strides, dtype, address=0x7F00_0000_1000):
    return DeviceNDArray(shape, strides, np.dtype(dtype), gpu_data=FakeMemory(address))


def numba_args(values) -> list:
    """What Numba's ``_Kernel._prepare_args`` passes for ``values`` (ctypes as (type, value))."""
    class K:
        extensions: list = []
        _prepare_args = numba_dispatcher._Kernel._prepare_args      # (tuples recurse)
    out: list = []
    for v in values:
        numba_dispatcher._Kernel._prepare_args(K(), typeof(v, Purpose.argument), v, 0, [], out)
    return [(type(x), x.value) if isinstance(x, ctypes._SimpleCData) else x for x in out]


def ours(values) -> tuple:
    vals: list = []
    kinds = L.marshal(values, vals)
    return kinds, [(type(x), x.value) if isinstance(x, ctypes._SimpleCData) else x for x in vals]


CASES = {
    "C-contiguous float32 2-D": [dev((3, 4), (16, 4), np.float32)],
    "strided view (layout A)": [dev((3, 2), (16, 4), np.float32)],
    "broadcast row (stride 0)": [dev((3, 4), (0, 4), np.float32)],
    "F-contiguous float64": [dev((3, 4), (8, 24), np.float64)],
    "1-D int64 and bool": [dev((5,), (8,), np.int64), dev((5,), (1,), np.bool_)],
    "0-d": [dev((), (), np.float32)],
    "Python scalars": [3, -7, 2.5, True, False],
    "NumPy scalars": [np.float32(1.5), np.float64(-2.0), np.int32(4), np.int64(-9),
                      np.uint8(7), np.int8(-3), np.uint32(5), np.int16(2)],
    "tuples of ints": [(1, 2, 3), (0,), ((4, 5), 6)],
    "a launch's mix": [dev((8,), (4,), np.float32), 8, dev((8,), (4,), np.float32), (8, 1),
                       np.float32(0.5)],
}


def check_marshal() -> int:
    n = 0
    for label, values in CASES.items():
        kinds, vals = ours(values)
        assert kinds is not None, f"{label}: refused"
        want = numba_args(values)
        assert vals == want, f"{label}: {vals} != Numba's {want}"
        types = tuple(typeof(v, Purpose.argument) for v in values)
        derived = tuple(L.numba_type(k) for k in kinds)
        assert derived == types, f"{label}: kinds give {derived}, typeof {types}"
        n += 1
    return n


def check_refused() -> int:
    """Kinds left to Numba's path: marshal says None."""
    refused = {"host array": [np.zeros(3, np.float32)], "int past int64": [1 << 63],
               "complex": [1j], "float16": [np.float16(1)], "a list": [[1, 2]],
               "a tuple holding a host array": [(np.zeros(2),)]}
    for label, values in refused.items():
        assert L.marshal(values, []) is None, f"{label}: not refused"
    return len(refused)


def check_kernel_plumbing() -> int:
    """FastKernel: one table entry per kinds, Numba's path where typeof disagrees or a kernel is
    debug/cooperative, a thread's first launch through Numba, configurations kept."""
    launched: list = []
    L._State.on = True
    L._State.core_launch = lambda stream, config, kernel, *vals: launched.append(
        (stream, config, kernel, vals))
    L._State.make_config = lambda grid, block: ("config", grid, block)
    L._State.stream = None
    L._State.make_stream = lambda: "stream"

    class Cufunc:
        def __init__(self, name):
            self.kernel = name

    class Lib:
        def __init__(self, name):
            self.name = name

        def get_cufunc(self):
            return Cufunc(self.name)

    class Compiled:
        def __init__(self, name, debug=False):
            self._codelibrary, self.debug = Lib(name), debug
            self.extensions, self.cooperative = [], False

    class Dispatcher:
        def __init__(self, debug=False):
            self.compiled: list = []
            self.numba_launches: list = []
            self.debug = debug

        def compile(self, types):
            self.compiled.append(types)
            return Compiled(f"k{len(self.compiled)}", self.debug)

        def __getitem__(self, config):
            return lambda *args: self.numba_launches.append((config, args))

    d = Dispatcher()
    k = L.FastKernel(d)
    a = dev((4,), (4,), np.float32)
    L._tls.ready = False
    k[2, 32](a, 4)                                    # the thread's first launch: Numba's
    assert d.numba_launches == [((2, 32), (a, 4))] and not launched
    assert L._tls.ready
    k[2, 32](a, 4)
    k[2, 32](dev((4,), (4,), np.float32, 0x7F00_0000_2000), 5)
    assert len(d.compiled) == 1, d.compiled           # one entry for the same kinds
    assert [x[2] for x in launched] == ["k1", "k1"]
    assert launched[0][1] == ("config", 2, 32) and launched[0][0] == "stream"
    assert launched[1][3][4] == 0x7F00_0000_2000 and launched[1][3][-1].value == 5
    assert k[2, 32] is k[2, 32]                       # the configuration is kept
    k[2, 32](dev((2, 2), (8, 4), np.float32), 4)      # another rank: another entry
    assert len(d.compiled) == 2 and launched[-1][2] == "k2"
    k[2, 32](np.zeros(4, np.float32), 4)              # a host array: Numba's path
    assert len(d.numba_launches) == 2 and len(launched) == 3
    k[1, 32, 0, 0](a, 4)                              # a stream and shared memory: Numba's
    assert len(d.numba_launches) == 3
    dbg = Dispatcher(debug=True)                      # a debug kernel: Numba's path, always
    kd = L.FastKernel(dbg)
    kd[1, 32](a, 4)
    kd[1, 32](a, 4)
    assert len(dbg.compiled) == 1 and len(dbg.numba_launches) == 2 and len(launched) == 3
    L._State.on = False                               # switched off: Numba's path
    k[2, 32](a, 4)
    assert len(d.numba_launches) == 4 and len(launched) == 3
    return 1


if __name__ == "__main__":
    total = check_marshal() + check_refused() + check_kernel_plumbing()
    print(f"ok {total}")
    sys.exit(0)
