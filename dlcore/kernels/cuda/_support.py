"""Shared helpers of the CUDA kernels: launch configuration, allocation, contiguity, strides and
the loading of generated kernel source.

Launch configuration
--------------------
A CUDA kernel runs as a *grid* of *blocks* of *threads*.  dlcore's kernels use one-dimensional
blocks of 256 threads (8 warps: enough to hide memory latency, small enough that several blocks
fit on one streaming multiprocessor) and a *grid-stride loop*: thread ``t`` of a grid of ``T``
threads handles the elements ``t, t + T, t + 2T, ...``.  The grid therefore need not be as large as
the data; it is capped at a few waves of blocks per SM (an H100 has 132 SMs), which keeps the
launch cheap and lets each thread amortise its index arithmetic over several elements.  Adjacent
threads touch adjacent elements in every pass, so global-memory accesses are *coalesced*: a warp's
32 loads become a few wide memory transactions.

Under Numba's CUDA simulator every CUDA thread is a Python thread (about 0.1 ms each), so small
problems get small blocks: a block is rounded up to a multiple of 32 (one warp), never more than
needed.  On a real GPU the same rule costs nothing.

Strides
-------
Kernels other than the elementwise ones work on *flat* views of C-contiguous buffers and address
elements with strides counted in elements (not bytes).  A stride of 0 repeats an element along a
dimension, which is how broadcasting is expressed without copying the input.  A non-contiguous
input (a strided view the user sliced out of a device array) is first copied into a contiguous
buffer by the elementwise identity kernel, the one kernel that reads any strided layout
(``contiguous``/``flat`` in :mod:`.elementwise`, which is built on the helpers here).

Generated source
----------------
Kernels whose shared-memory arrays depend on the dtype (reductions, matmul) and the elementwise
kernels are produced from templates and written through :func:`dlcore.jitcache.load_generated_module`
to a real ``.py`` file, so ``cuda.jit(cache=True)`` can cache the compiled code on disk.
"""

from __future__ import annotations

import math

import numpy as np

from ...device import cuda_module, cuda_simulator
from ...jitcache import load_generated_module
from . import _launch

THREADS = 256          # threads per block for 1-D launches (8 warps)
WARP = 32
SIM_MAX_BLOCKS = 4     # the simulator runs one Python thread per CUDA thread: keep grids small
#: The simulator's block-size granule (a GPU's is the warp).  Every simulated CUDA thread is a
#: Python thread: a 32-thread launch on 6 items cost 10.6 ms against 4.2 ms for 8 threads.  Four
#: keeps the parts worth testing (several threads per block, the ``i < n`` guard, tree
#: reductions over several steps, grid-stride loops past SIM_MAX_BLOCKS blocks) at a fraction of
#: the cost; the kernels' code is the same, only the launch sizes differ.
SIM_GRANULE = 4
WAVES = 32             # blocks per SM in a capped grid-stride launch

_max_blocks: int | None = None
_cuda = None


def cuda():
    """numba.cuda, imported on first use (a clear error when CUDA is unusable)."""
    global _cuda
    if _cuda is None:
        _cuda = cuda_module()
    return _cuda


def max_blocks() -> int:
    """The grid-size cap for grid-stride kernels: a few waves of blocks per SM."""
    global _max_blocks
    if _max_blocks is None:
        if cuda_simulator():
            _max_blocks = SIM_MAX_BLOCKS
        else:
            dev = cuda().get_current_device()
            sms = int(getattr(dev, "MULTIPROCESSOR_COUNT", 0) or 0)
            _max_blocks = sms * WAVES if sms else 4096
    return _max_blocks


def sm_count() -> int:
    """Streaming multiprocessors of the current GPU (1 under the simulator)."""
    return 1 if cuda_simulator() else max(1, max_blocks() // WAVES)


def round_up(n: int, multiple: int) -> int:
    return ((n + multiple - 1) // multiple) * multiple


def granule() -> int:
    """Block sizes are multiples of this: the warp on a GPU, SIM_GRANULE under the simulator."""
    return SIM_GRANULE if cuda_simulator() else WARP


def launch_1d(n: int) -> tuple[int, int]:
    """(blocks, threads) for a grid-stride loop over ``n`` >= 1 items."""
    cap = THREADS if not cuda_simulator() else 8 * SIM_GRANULE
    threads = min(cap, round_up(max(n, 1), granule()))
    blocks = min(math.ceil(n / threads), max_blocks())
    return max(blocks, 1), threads


def pow2_threads(n: int) -> int:
    """A power-of-two block size between one warp and THREADS, for tree reductions of n items
    (from SIM_GRANULE to 8 granules under the simulator)."""
    t = granule()
    cap = THREADS if not cuda_simulator() else 8 * SIM_GRANULE
    while t < n and t < cap:
        t *= 2
    return t


# ----------------------------------------------------------------------------- buffers
def empty(shape, dtype):
    """An uninitialised device array."""
    return cuda().device_array(tuple(int(d) for d in shape), dtype=np.dtype(dtype))


def size_of(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def is_contiguous(x) -> bool:
    """C-contiguous.  (Numba's reshape treats an F-contiguous array as reshapeable in C order,
    which would scramble it, so only C order counts here.)"""
    return bool(x.is_c_contiguous())


#: the attribute on a shaped device array that holds its flat (1-D) view, for
#: ``elementwise.flat`` (set where the array is shaped from a flat one, or first flattened)
FLAT = "_dlcore_flat"


def view_as(flat_out, shape):
    """Reshape a freshly allocated flat output to ``shape`` (a zero-copy view), which keeps
    ``flat_out`` as its flat view (``FLAT``)."""
    shape = tuple(int(d) for d in shape)
    if tuple(flat_out.shape) == shape:
        return flat_out
    out = flat_out.reshape(shape)
    setattr(out, FLAT, flat_out)
    return out


def c_strides(shape) -> tuple[int, ...]:
    """C-order strides, in elements."""
    strides, acc = [], 1
    for d in reversed(tuple(shape)):
        strides.append(acc)
        acc *= int(d)
    return tuple(reversed(strides))


def as_tuple(values, pad: int) -> tuple[int, ...]:
    """A non-empty tuple of Python ints (kernels take shapes as UniTuple arguments, and an empty
    tuple has no element type), padded with ``pad`` when empty."""
    values = tuple(int(v) for v in values)
    return values if values else (pad,)


def merge_dims(shape, *stride_sets) -> tuple[tuple[int, ...], list[tuple[int, ...]]]:
    """Drop size-1 dimensions and merge neighbours that are one run in every stride set.

    Dimensions ``d`` and ``d+1`` merge when, for each stride set, ``stride[d] ==
    stride[d+1] * shape[d+1]``; fewer dimensions mean less index arithmetic per element.
    """
    dims = [(int(n), [int(s[i]) for s in stride_sets]) for i, n in enumerate(shape) if n != 1]
    merged: list[tuple[int, list[int]]] = []
    for n, strides in dims:
        if merged:
            pn, pstrides = merged[-1]
            if all(ps == s * n for ps, s in zip(pstrides, strides)):
                merged[-1] = (pn * n, strides)
                continue
        merged.append((n, strides))
    new_shape = tuple(n for n, _ in merged)
    new_strides = [tuple(st[k] for _, st in merged) for k in range(len(stride_sets))]
    return new_shape, new_strides


# ----------------------------------------------------------------------------- generated source
# Generated kernels call the one flat_offset device function defined in _kernels.py.
OFFSET_SOURCE = "from dlcore.kernels.cuda._kernels import flat_offset\n"


def fast(kernel):
    """``kernel`` launched with less Python on a real GPU (:func:`._launch.fast`)."""
    return _launch.fast(kernel)


def load_source(name: str, source: str):
    """Compile generated kernel source (written to a real file so the disk cache works); on a
    real GPU its kernels are read through :class:`_launch.FastModule` (launched with less
    Python, :mod:`._launch`)."""
    cuda()  # fail early, with dlcore's message, when CUDA is unusable
    return _launch.kernels_of(load_generated_module(f"cuda_{name}", source))


def numpy_type_name(dtype) -> str:
    """The ``np.<name>`` spelling of a dtype, for generated source (``np.bool_`` for bool)."""
    dtype = np.dtype(dtype)
    return "bool_" if dtype == np.bool_ else dtype.name


def is_host_scalar(x) -> bool:
    """A 0-d (or one-element) NumPy value: what a Python scalar becomes at dispatch."""
    return isinstance(x, (np.ndarray, np.generic)) and np.size(x) == 1


def host_scalar_value(x):
    """The NumPy scalar inside a host scalar (it keeps its dtype as a kernel argument)."""
    return np.asarray(x).reshape(())[()]


def device_operand(x):
    """``x`` on the device: device arrays as they are, host arrays copied (a counted copy)."""
    if isinstance(x, (np.ndarray, np.generic)):
        from ...device import to_device
        return to_device(np.asarray(x), "cuda")
    return x


def scalar_of(value, dtype):
    """``value`` as a NumPy scalar of ``dtype``, so a kernel argument has the buffer's type."""
    return np.dtype(dtype).type(value)
