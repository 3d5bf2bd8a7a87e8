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

:func:`runtime_info` returns the settings in force; every benchmark prints them.
"""

from __future__ import annotations

import ctypes
import os
import sys

_configured = False


def configure_threads() -> None:
    """Pick Numba's threading layer (once, before any parallel kernel is launched)."""
    global _configured
    if _configured:
        return
    _configured = True
    if os.environ.get("NUMBA_THREADING_LAYER"):
        return                                  # the user's explicit choice wins
    from numba import config
    if config.THREADING_LAYER not in ("default", ""):
        return
    try:
        from numba.np.ufunc import omppool  # noqa: F401 - availability probe
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
    from .elementwise import PARALLEL_THRESHOLD
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
        "cpu_count": os.cpu_count(),
    }
    info.update(_blas_info())
    return info


def runtime_summary() -> str:
    """:func:`runtime_info` as one line."""
    return ", ".join(f"{k}={v}" for k, v in runtime_info().items())
