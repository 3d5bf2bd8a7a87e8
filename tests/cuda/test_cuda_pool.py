"""dlcore's caching CUDA allocator (dlcore/kernels/cuda/_pool.py, a Numba EMM plugin).

Numba's simulator has no memory manager, so the plugin is driven here in a child interpreter
with the real numba.cuda driver module and its two driver calls replaced by fakes (no GPU is
needed): a freed block is reused by the next request of its rounded size, never handed out
twice while live, given back by a finalizer that runs no Python code of dlcore's (an
interrupt raised in a Python-level finalizer is lost: seen on an H200), counted in the
statistics, released by ``empty_cache`` and on an
out-of-memory error (then the allocation is retried once).  On a GPU (DLCORE_TEST_REAL_GPU=1)
the CUDA tests run with the pool in place: it is the default.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlcore.kernels.cuda._pool import rounded

ROOT = Path(__file__).resolve().parents[2]

CHILD = r'''
import gc
from numba.cuda.cudadrv import driver as D
from dlcore.kernels.cuda import _pool

log, next_ptr, oom = [], [0x10000], [0]

def alloc(n):
    if oom[0]:
        oom[0] -= 1
        raise D.CudaAPIError(D.binding.CUresult.CUDA_ERROR_OUT_OF_MEMORY, "out of memory")
    next_ptr[0] += 1 << 24
    log.append(("alloc", n))
    return next_ptr[0]

D.driver.cuMemAlloc = alloc
D.driver.cuMemFree = lambda p: log.append(("free", p))

class Context:
    pass

ctx = Context()
m = _pool.plugin()(context=ctx)
a = m.memalloc(1000)
b = m.memalloc(1000)
assert a.size == 1000 and a.device_pointer != b.device_pointer      # both live: two blocks
pa = a.device_pointer
# the finalizer runs no Python code of dlcore's (a Ctrl-C raised inside a Python-level
# finalizer is lost): the bound append of the block's free list
fin = a._finalizer.peek()[1]
assert type(fin.func).__name__ == "builtin_function_or_method" and fin.func.__name__ == "append"
assert _pool.stats() == {"allocated": 2048, "reserved": 2048, "peak": 2048,
                         "peak_reserved": 2048}, _pool.stats()
view = a.view(0, 512)                  # a view keeps its block alive
del a
gc.collect()
assert _pool.stats()["allocated"] == 2048
del view
gc.collect()
assert _pool.stats()["allocated"] == 1024 and _pool.stats()["reserved"] == 2048
c = m.memalloc(600)                    # the same 1024-byte block again, no driver call
assert c.device_pointer == pa and log == [("alloc", 1024), ("alloc", 1024)], log
d = m.memalloc(5000)                   # another size: a new block
assert log[-1] == ("alloc", 5120)
del c, d
gc.collect()
assert _pool.stats()["reserved"] == 1024 + 1024 + 5120
_pool.empty_cache()                    # the two free blocks go back, the live one stays
assert sorted(e[0] for e in log[3:]) == ["free", "free"], log
assert _pool.stats()["reserved"] == 1024 and _pool.stats()["peak_reserved"] == 7168
del b
gc.collect()
oom[0] = 1                             # out of memory: the cache is released, then retried
e = m.memalloc(3 << 20)
assert log[-2] == ("free", log[-2][1]) and log[-1] == ("alloc", 3 << 20), log
oom[0] = 2                             # still out after the release: the error is raised
try:
    m.memalloc(8 << 20)
except D.CudaAPIError as err:
    assert "out of memory" in str(err)
else:
    raise AssertionError("no error")
print("ok")
'''


def test_the_pool_reuses_counts_and_releases_blocks_with_a_fake_driver():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    if "No module named 'numba_cuda'" in proc.stderr:
        pytest.skip("numba-cuda is not installed")
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]


@pytest.mark.parametrize("size,block", [(0, 512), (1, 512), (512, 512), (513, 1024),
                                        ((1 << 20) - 1, 1 << 20), (1 << 20, 1 << 20),
                                        ((1 << 20) + 1, (1 << 20) + (1 << 17)),
                                        (3_000_000, 3_145_728), (1 << 30, 1 << 30)])
def test_block_sizes_round_up_by_at_most_an_eighth(size, block):
    assert rounded(size) == block
    assert size <= block <= max(512, size + size // 8 + 511)


@pytest.mark.cuda
def test_on_a_real_gpu_tensors_are_counted_and_freed_blocks_reused():
    import gc

    import dlcore
    if dlcore.cuda_simulator() or not dlcore.cuda_available():
        pytest.skip("needs a real GPU (DLCORE_TEST_REAL_GPU=1): the simulator has no allocator")
    import dlcore_eager as torch
    base = torch.cuda.memory_allocated()
    x = torch.ones(1000, 1000).cuda()                     # 4,000,000 bytes -> one block
    assert torch.cuda.memory_allocated() - base == rounded(4_000_000)
    ptr = x._buf.__cuda_array_interface__["data"][0]
    del x
    gc.collect()
    assert torch.cuda.memory_allocated() == base
    assert torch.cuda.memory_reserved() >= base + rounded(4_000_000)
    y = torch.zeros(1000, 1000).cuda()                    # the same block again
    assert y._buf.__cuda_array_interface__["data"][0] == ptr
    assert float(y.sum().item()) == 0.0
    del y
    gc.collect()
    torch.cuda.empty_cache()
    assert torch.cuda.memory_reserved() == torch.cuda.memory_allocated()
