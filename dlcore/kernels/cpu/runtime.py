"""Thread settings of the CPU kernels, chosen on purpose and reported.

Two thread pools share the cores: Numba's (``parallel=True`` kernels) and the BLAS library's
(NumPy's OpenBLAS, for matmul).  After a parallel region, OpenMP workers by default *spin* for a
while waiting for more work, which steals the cores BLAS needs next.  Measured on the 2-core
benchmark machine, one step = a 1M-element parallel add then a 512x512 float32 matmul:

    threading layer   OMP_WAIT_POLICY   step
    omp (GNU)         ACTIVE            8.0 ms   (workers spin; matmul alone is 1.4 ms)
    omp (GNU)         PASSIVE           1.6 ms
    workqueue         (n/a)             1.6 ms

So dlcore (``dlcore/__init__.py``) sets ``OMP_WAIT_POLICY=PASSIVE`` unless the user chose
otherwise, and :func:`configure_threads` (called before the first Numba kernel is loaded)
selects the ``omp`` threading layer explicitly when the user has not set
``NUMBA_THREADING_LAYER``: it is as fast as ``workqueue`` with passive waiting, and unlike
``workqueue`` it is safe to call from several Python threads (a DataLoader).  TBB is not chosen
by default: it would be picked silently by Numba's "default" order as soon as the ``tbb``
package is installed (the ``mkl`` wheel pulls it in), changing the behaviour under the user.

Memory: NumPy allocates every kernel output with ``malloc``.  glibc serves blocks above its
``mmap`` threshold (128 KiB at first, then adapting) with fresh ``mmap`` pages and gives memory at
the top of the heap back to the system beyond its trim threshold, so an eager training step's
outputs (a 1000x100 float32 gradient is 400 KB) page-fault on every step.  Measured alone in its
process at the (64,1000,100,10) MLP step: 326 minor page faults and 1.59 ms per step, against 0
faults and 0.79 ms with the thresholds raised.  PyTorch keeps a caching allocator for the same
reason.  :func:`configure_allocator` (run once when dlcore is imported) raises glibc's ``mmap``
threshold to 32 MiB and its trim threshold to 256 MiB, so freed blocks are reused instead of
returned, unless the user set glibc's own ``MALLOC_*_`` variables or ``GLIBC_TUNABLES``, or
``DLCORE_MALLOC=system``.  It does nothing on other C libraries.

Start-up: Numba's first compilation in a process (or its first load from the disk cache)
imports ``scipy.linalg`` to probe for BLAS, 0.3-0.45 s measured here, although dlcore's kernels
call no BLAS inside Numba by default; :func:`defer_numba_blas_check` (run with
:func:`configure_threads`) answers that probe from the installed files and leaves the import to
the first kernel that really calls BLAS.

:func:`runtime_info` returns the settings in force; every benchmark prints them.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import sys
from typing import Any

_configured = False
#: Element count from which the elementwise and reduction kernels run their ``parallel=True``
#: loops (a parallel region's start-up costs about 10 us; see dlcore/kernels/cpu/elementwise.py
#: for the measurement); ``$DLCORE_PARALLEL_THRESHOLD`` overrides it.
PARALLEL_THRESHOLD = int(os.environ.get("DLCORE_PARALLEL_THRESHOLD", str(1 << 21)))
#: Whether this process may start Numba's parallel (``prange``) loops: False in a process
#: *forked* from one whose GNU OpenMP pool had already run a parallel loop (see
#: :func:`_after_fork_in_child`).  Read as ``runtime.parallel_ok`` (an attribute: it changes) by
#: every place that picks a ``prange`` kernel, and only after the size test, so the small-array
#: paths never look it up.
parallel_ok = True


def _numba_threads_guess() -> int:
    """The thread count Numba will start with (its ``config.NUMBA_NUM_THREADS``: the
    environment's ``NUMBA_NUM_THREADS``, else the allowed cores), read without importing Numba:
    ``parallel_ok`` is False from the start where it is 1 (``configure_threads`` then reads
    Numba's own value)."""
    try:
        return int(os.environ["NUMBA_NUM_THREADS"])
    except (KeyError, ValueError):
        pass
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


if _numba_threads_guess() <= 1:
    parallel_ok = False
_ALLOCATOR: dict[str, Any] = {"malloc": "system (not configured)"}
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3        # glibc's mallopt parameters
MMAP_THRESHOLD = 32 << 20       # glibc's largest allowed value on 64-bit (HEAP_MAX_SIZE / 2)
TRIM_THRESHOLD = 256 << 20


def configure_allocator() -> dict:
    """Keep freed kernel outputs in glibc's heap for reuse (see the module docstring)."""
    if _ALLOCATOR.get("configured"):
        return _ALLOCATOR
    _ALLOCATOR["configured"] = True
    user = [k for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                        "GLIBC_TUNABLES") if os.environ.get(k)]
    if os.environ.get("DLCORE_MALLOC", "").lower() == "system" or user:
        _ALLOCATOR["malloc"] = f"system (left as set: {', '.join(user) or 'DLCORE_MALLOC'})"
        return _ALLOCATOR
    import platform
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return _ALLOCATOR
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return _ALLOCATOR
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    ok = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
    _ALLOCATOR["malloc"] = (f"glibc, mmap threshold {MMAP_THRESHOLD >> 20} MiB, trim threshold "
                            f"{TRIM_THRESHOLD >> 20} MiB" if ok else "glibc (mallopt failed)")
    return _ALLOCATOR


def defer_numba_blas_check() -> bool:
    """Keep Numba's first compilation from importing ``scipy.linalg`` (see the module docstring).

    On its first compilation (or first load from its disk cache) Numba imports
    ``numba.np.arraymath``, which calls ``numba.np.linalg.ensure_blas()`` once to learn whether
    ``np.dot`` may call BLAS; that imports ``scipy.linalg`` whole (and through SciPy's array-API
    layer ``numpy.f2py``): 0.3-0.45 s of every process's first kernel, warm cache or not, though
    no dlcore kernel calls BLAS inside Numba by default (matmuls run in NumPy).  This answers
    that one probe from the file system instead, when SciPy's ``cython_blas`` extension is
    there: the real import and Numba's checks run, unchanged, the first time a kernel does
    call BLAS (``np.dot`` in Numba, ``DLCORE_NUMBA_MATMUL=1``).  It does nothing once
    ``numba.np.arraymath`` or ``scipy.linalg`` is loaded, with ``DLCORE_NUMBA_BLAS_CHECK=eager``,
    or when the extension is not found (Numba then probes as usual).  Returns True if the probe
    was deferred.  :func:`install_import_hooks` (run by ``import dlcore``) does the same the
    moment ``numba.np.linalg`` is imported, whichever module imports Numba first (a kernel
    module that does not call :func:`configure_threads`, or the user's own ``@njit``)."""
    if "numba.np.arraymath" in sys.modules:
        return False
    try:
        from numba.np import linalg as nb_linalg
    except (ImportError, AttributeError):
        return False
    return _defer_blas_probe(nb_linalg)


def _defer_blas_probe(nb_linalg) -> bool:
    """Replace ``nb_linalg.ensure_blas`` by one whose first call is answered from the files."""
    if os.environ.get("DLCORE_NUMBA_BLAS_CHECK", "").lower() == "eager" or \
            "scipy.linalg" in sys.modules:
        return False
    real = getattr(nb_linalg, "ensure_blas", None)
    if real is None or getattr(real, "_dlcore_deferred", False):
        return False
    import importlib.util
    try:
        spec = importlib.util.find_spec("scipy")        # locates SciPy without importing it
        if spec is None or spec.origin is None:
            return False
        folder = os.path.join(os.path.dirname(spec.origin), "linalg")
        found = any(
            f.startswith("cython_blas.") and f.endswith((".so", ".pyd"))
            for f in os.listdir(folder))
    except (ImportError, OSError, AttributeError, TypeError, ValueError):
        return False
    if not found:
        return False
    state = {"probed": False}

    def ensure_blas() -> None:
        if not state["probed"]:         # arraymath's import-time probe: answered from the files
            state["probed"] = True
            nb_linalg.ensure_blas = real
            return
        real()                          # a kernel really calls BLAS: SciPy is imported now

    ensure_blas._dlcore_deferred = True         # type: ignore[attr-defined]
    nb_linalg.ensure_blas = ensure_blas
    return True


def install_import_hooks() -> None:
    """Defer Numba's BLAS probe as soon as ``numba.np.linalg`` is imported (before
    ``numba.np.arraymath`` binds ``ensure_blas``), through :mod:`dlcore._import_guard`; nothing
    is imported here."""
    from ... import _import_guard
    _import_guard.after_import("numba.np.linalg", _defer_blas_probe)


def _after_fork_in_child() -> None:
    """Serial kernels only in a child forked after the parent's GNU OpenMP pool ran.

    GNU OpenMP is not fork-safe, and Numba's ``omp`` layer guards against it by terminating
    the child at its first parallel loop (SIGTERM, "Terminating: fork() called from a process
    already using GNU OpenMP, this is unsafe."): a Hogwild child (``mp.Process`` over a
    ``share_memory()`` model, the fork context) died on its first operation of 2^21 elements or
    more.  Such a child takes every kernel's serial twin instead (``parallel_ok`` False; a
    compiled static plan with parallel loops runs in the interpreter there), which is what the
    child of a Hogwild program wants anyway: the processes are the parallelism.  The
    ``workqueue`` and ``tbb`` layers and Intel's OpenMP are fork-safe: nothing changes there,
    nor when the parent never started a parallel loop.  Nothing is imported here."""
    global parallel_ok
    pool = sys.modules.get("numba.np.ufunc.parallel")
    if pool is None or not getattr(pool, "_is_initialized", False):
        return
    omp = sys.modules.get("numba.np.ufunc.omppool")
    if omp is not None and getattr(omp, "openmp_vendor", "GNU") == "GNU" and \
            getattr(pool, "_threading_layer", None) == "omp":
        parallel_ok = False


def configure_threads() -> None:
    """Pick Numba's threading layer (once, before any parallel kernel is launched), and defer
    Numba's BLAS probe (:func:`defer_numba_blas_check`); a forked child takes the serial kernels
    where the layer is not fork-safe (:func:`_after_fork_in_child`)."""
    global _configured, parallel_ok
    if _configured:
        return
    _configured = True
    defer_numba_blas_check()
    from numba import config
    if config.NUMBA_NUM_THREADS <= 1:
        # one Numba thread for the life of the process (NUMBA_NUM_THREADS=1, or one allowed
        # core): a parallel loop would run on that thread alone, after a compilation of its
        # own, slower than a serial loop's (the Keras IMDB LSTM's Adam on a 20000x128
        # embedding, pinned to one thread: 2.2 s of its first run's compilation was parallel
        # loops)
        parallel_ok = False
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
    if os.environ.get("NUMBA_THREADING_LAYER"):
        return                                  # the user's explicit choice wins
    if config.THREADING_LAYER not in ("default", ""):
        return
    try:
        importlib.import_module("numba.np.ufunc.omppool")   # availability probe
        config.THREADING_LAYER = "omp"
    except ImportError:
        config.THREADING_LAYER = "workqueue"


def _blas_info() -> dict:
    """NumPy's BLAS: name, version and, for OpenBLAS, its thread count (via its C API)."""
    info: dict = {}
    try:
        import numpy as np
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
        info["blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # an old NumPy or an unusual build
        info["blas"] = "unknown"
    info["blas_threads"] = None
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if line.strip()}
        libs = sorted(p for p in paths if "openblas" in p.lower() and ".so" in p)
    except OSError:
        libs = []
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for sym in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                    "openblas_get_num_threads64_", "openblas_get_num_threads"):
            fn = getattr(lib, sym, None)
            if fn is not None:
                fn.restype = ctypes.c_int
                info["blas_threads"] = int(fn())
                break
        if info["blas_threads"] is not None:
            break
    return info


def runtime_info() -> dict:
    """The thread settings the CPU kernels run with (for benchmark headers and bug reports)."""
    configure_threads()
    import numba
    from numba import config
    try:
        layer = numba.threading_layer()         # only known once a parallel kernel has run
    except ValueError:
        layer = f"{config.THREADING_LAYER} (requested; no parallel kernel has run yet)"
    info = {
        "python": sys.version.split()[0],
        "numba": numba.__version__,
        "numba_threading_layer": layer,
        "NUMBA_NUM_THREADS": config.NUMBA_NUM_THREADS,
        "numba_threads_in_use": numba.get_num_threads(),
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "parallel_threshold": PARALLEL_THRESHOLD,
        "parallel_loops": "on" if parallel_ok else
        "off (one Numba thread)" if config.NUMBA_NUM_THREADS <= 1 else
        "off (forked after the parent's GNU OpenMP pool ran)",
        "cpu_count": os.cpu_count(),
        "malloc": configure_allocator()["malloc"],
    }
    info.update(_blas_info())
    from . import gemm_mkl
    info["float32_gemm"] = gemm_mkl.describe()
    return info


configure_allocator()
