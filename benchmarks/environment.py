"""The machine and its settings, recorded with every result.

A timing means little without the threads behind it.  Numba's OpenMP workers, PyTorch's OpenMP
pool, NumPy's OpenBLAS and JAX's Eigen pool all share the same cores in one process, and an OpenMP
pool that spins after a parallel region steals the cores the next BLAS call needs.  The thread
policy (``threads.py``) is applied *before* any engine is imported; this module records what is
in force and prints it:

* ``OMP_WAIT_POLICY``: PASSIVE unless the user set it (dlcore's own default, applied here first so
  every engine in the process sees the same value whatever the import order);
* ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``NUMBA_NUM_THREADS``,
  ``NUMBA_THREADING_LAYER``: printed as set (or "unset");
* the BLAS pools actually loaded, from ``threadpoolctl`` when installed;
* Numba's threading layer, once a parallel kernel has chosen it.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

THREAD_VARS = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER", "JAX_PLATFORMS",
               "OPENBLAS_CORETYPE")      # (a machine that forces OpenBLAS's kernels: GEMM speed)
PACKAGES = ("numpy", "numba", "scipy", "dlcore", "torch", "jax", "jaxlib", "tensorflow",
            "scikit-learn", "matplotlib", "threadpoolctl")


def fix_thread_settings() -> None:
    """Set the defaults that must be in place before numba/torch/jax are imported."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def busy_warning(policy: Any = None) -> str:
    """A warning when other processes keep the cores busy (1-minute load above half the cores
    this process may use).  It suggests fewer threads only when more than one is in use."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return ""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    threads = getattr(policy, "threads", None)
    if load <= 0.5 * (os.cpu_count() or 1):
        return ""
    text = (f"warning: machine busy (1-min load {load:.2f} on {os.cpu_count()} cores): other "
            f"processes share the cores, so absolute times are inflated")
    if threads is not None and threads > 1:
        text += (f"; {threads} threads per engine can stall when a thread is descheduled "
                 f"(--threads 1 is steadier here)")
    elif threads == 1:
        text += f"; every engine is already pinned to 1 thread on {cores} allowed core(s)"
    return text


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load() -> list[float] | None:
    """1/5/15-minute load averages: other processes on the same cores distort timings."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # e.g. dlcore run from a checkout, not installed
        module = sys.modules.get(dist)
        return getattr(module, "__version__", None) if module is not None else None


def _blas_pools() -> list[dict[str, Any]] | str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed (see numpy.show_config())"
    keep = ("user_api", "internal_api", "num_threads", "version", "threading_layer", "filepath")
    return [{k: pool.get(k) for k in keep} for pool in threadpool_info()]


def _numba_threads() -> dict[str, Any]:
    """dlcore's own report (``dlcore.runtime_info()``: threading layer, Numba threads, OMP and
    OpenBLAS settings), or Numba's bare facts when dlcore cannot be imported."""
    try:
        import dlcore

        return dict(dlcore.runtime_info())
    except Exception as exc:
        out: dict[str, Any] = {"note": f"dlcore.runtime_info() unavailable ({exc!r})"}
    import numba

    out["numba_threads_in_use"] = numba.get_num_threads()
    try:
        out["numba_threading_layer"] = numba.threading_layer()
    except ValueError:
        out["numba_threading_layer"] = "not chosen yet (no parallel kernel ran)"
    return out


def _gpu() -> dict[str, Any]:
    info: dict[str, Any] = {}
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        info["torch_cuda"] = bool(torch.cuda.is_available())
        info["torch_threads"] = torch.get_num_threads()
    try:
        import dlcore

        info["dlcore_cuda"] = bool(dlcore.cuda_available()) and not dlcore.cuda_simulator()
    except Exception as exc:
        info["dlcore_cuda"] = f"unknown ({exc.__class__.__name__})"
    return info


def collect() -> dict[str, Any]:
    """Everything worth printing next to a number.  Call after the engines ran, so the pools
    and threading layers they chose are visible."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_average": _load(),
        "env": {k: os.environ.get(k, "unset") for k in THREAD_VARS},
        "packages": {p: v for p in PACKAGES if (v := _version(p)) is not None},
        "numba": _numba_threads(),
        "blas": _blas_pools(),
        "gpu": _gpu(),
    }


def summary_lines(env: dict[str, Any]) -> list[str]:
    """A few human lines for the console and the markdown table."""
    pk = env["packages"]
    lines = [(f"machine: {env['cpu']}, {env['cores']} cores, {env['platform']}, "
              f"Python {env['python']}"),
             f"load average (1/5/15 min) at the end: {env.get('load_average')}",
             "versions: " + ", ".join(f"{k} {v}" for k, v in pk.items()),
             "threads: " + ", ".join(f"{k}={v}" for k, v in env["env"].items())]
    nb = env["numba"]
    lines.append("numba/dlcore: " + ", ".join(
        f"{k}={v}" for k, v in nb.items() if k not in ("python", "cpu_count")))
    if isinstance(env["blas"], list):
        pools = [f"{p['internal_api']} {p['num_threads']} threads ({p['user_api']}, "
                 f"{os.path.basename(p['filepath'] or '')})" for p in env["blas"]]
        lines.append("BLAS/OpenMP pools: " + "; ".join(pools))
    else:
        lines.append(f"BLAS: {env['blas']}")
    if env["gpu"]:
        lines.append("gpu/torch: " + ", ".join(f"{k}={v}" for k, v in env["gpu"].items()))
    return lines
