"""A caching allocator for CUDA device memory (a Numba EMM plugin), as PyTorch's.

Numba's own allocator calls ``cuMemAlloc`` for every device array and queues a ``cuMemFree``
for every one collected; the queue is flushed in batches, and ``cuMemFree`` waits for the whole
device to go idle.  An eager training step makes a few dozen short-lived arrays of the same
sizes every step, so it paid an allocation per array and a device-wide wait per flush.  Here a
freed block goes back to a free list of its (rounded) size instead, and the next request of
that size takes it: in the steady state a step allocates nothing from the driver.

Reuse is safe without events because dlcore launches every kernel and copy on the default
stream: work queued later with a reused block runs after the work queued earlier with it.

Sizes are rounded up to 512 bytes below 1 MiB, and above to an eighth of their power of two
(at most 12.5% more), so that the slightly different sizes of one shape family share blocks.
When the driver reports that memory is out, the cached blocks are released and the allocation
is tried once more.  ``DLCORE_CUDA_ALLOCATOR=numba`` (read when CUDA is first used) keeps
Numba's allocator; a ``NUMBA_CUDA_MEMORY_MANAGER`` of the user's own wins as well.
"""

from __future__ import annotations

import functools
import threading
import weakref

_SMALL = 1 << 20


def rounded(size: int) -> int:
    """The block size a request of ``size`` bytes gets."""
    if size <= 0:
        return 512
    if size < _SMALL:
        return (size + 511) // 512 * 512
    step = 1 << (size.bit_length() - 4)          # an eighth of the power of two below
    return (size + step - 1) // step * step


def plugin():
    """The EMM plugin class (built on first use: it subclasses numba.cuda's driver classes)."""
    global _Plugin
    if _Plugin is None:
        _Plugin = _make_plugin()
    return _Plugin


_Plugin = None
#: the plugin instances made (one per CUDA context), for :func:`stats` and :func:`empty_cache`
_managers: weakref.WeakSet = weakref.WeakSet()


def stats() -> dict:
    """Bytes in live device arrays (``allocated``), held by the pool in all (``reserved``), and
    the largest ``allocated`` and ``reserved`` seen (``peak``, ``peak_reserved``), summed over
    the contexts; zeros when the pool is not in use."""
    out = {"allocated": 0, "reserved": 0, "peak": 0, "peak_reserved": 0}
    for m in list(_managers):
        cached = m.cached_bytes()
        out["allocated"] += m.reserved_bytes - cached
        out["reserved"] += m.reserved_bytes
        out["peak"] += m.peak_bytes
        out["peak_reserved"] += m.peak_reserved
    return out


def empty_cache() -> None:
    """Give every cached (unused) block back to the driver."""
    for m in list(_managers):
        m.release_cached()


def _make_plugin():
    from numba.cuda.cudadrv import driver as D

    class CachingMemoryManager(D.GetIpcHandleMixin, D.HostOnlyCUDAMemoryManager):
        """The free lists are plain lists, one per block size, and a block's finalizer is the
        bound ``append`` of its list (a C call, no Python code of dlcore's): a finalizer runs
        wherever the garbage collector happens to run it, and an exception that a signal
        handler raises inside a Python-level finalizer is lost (``Exception ignored in``), so
        a Ctrl-C landing there would be swallowed.  ``list.append`` and ``list.pop`` are
        atomic, so the lists need no lock."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._lock = threading.Lock()            # (the byte counts only)
            self._free: dict[int, list] = {}
            self.reserved_bytes = 0
            self.peak_bytes = 0
            self.peak_reserved = 0
            if self.context is not None:        # (set_memory_manager makes one without)
                _managers.add(self)

        def initialize(self):
            pass

        def cached_bytes(self) -> int:
            return sum(block * len(ptrs) for block, ptrs in list(self._free.items()))

        def memalloc(self, size):
            block = rounded(int(size))
            ptrs = self._free.get(block)
            if ptrs is None:
                ptrs = self._free.setdefault(block, [])
            try:
                ptr = ptrs.pop()
            except IndexError:
                ptr = self._from_driver(block)
            with self._lock:
                self.peak_bytes = max(self.peak_bytes, self.reserved_bytes - self.cached_bytes())
            return D.MemoryPointer(weakref.proxy(self.context), ptr, size,
                                   finalizer=functools.partial(ptrs.append, ptr))

        def _from_driver(self, block):
            try:
                ptr = D.driver.cuMemAlloc(block)
            except D.CudaAPIError as e:
                if e.code != D.binding.CUresult.CUDA_ERROR_OUT_OF_MEMORY:
                    raise
                self.release_cached()
                self.deallocations.clear()
                ptr = D.driver.cuMemAlloc(block)
            with self._lock:
                self.reserved_bytes += block
                self.peak_reserved = max(self.peak_reserved, self.reserved_bytes)
            return ptr

        def release_cached(self):
            for block, ptrs in list(self._free.items()):
                while True:
                    try:
                        ptr = ptrs.pop()
                    except IndexError:
                        break
                    D.driver.cuMemFree(ptr)
                    with self._lock:
                        self.reserved_bytes -= block

        def reset(self):
            try:
                self.release_cached()
            finally:
                super().reset()

        def get_memory_info(self):
            free, total = D.driver.cuMemGetInfo()
            return D.MemoryInfo(free=free, total=total)

        @property
        def interface_version(self):
            return 1

    return CachingMemoryManager
