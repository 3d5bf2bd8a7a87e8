"""The thread policy: how many cores each engine may use, chosen so the comparison is honest.

Measured on the 2-core benchmark machine with one core busy (issues 17 and 19): default pools of
two threads made PyTorch and dlcore 20-40x slower on the seed step than one thread each, because
a multi-threaded BLAS call waits for a thread the OS has descheduled; and an engine that uses
more cores than another (JAX's XLA pool ran at CPU/wall 1.92 with ``--threads 1`` set through
environment variables only) looks faster for a reason that is not its own.  So, before any
engine is imported:

1. **Choose** ``threads``: ``--threads N`` when given; otherwise the cores this process may run
   on (``os.sched_getaffinity``) minus the load other processes put on them (the 1-minute load
   average, and the busy fraction of each core sampled from ``/proc/stat`` over 0.2 s),
   rounded, at least 1.
2. **Pin by affinity**: the process (every thread it already has, and so every pool it starts
   later) is bound to the ``threads`` least busy cores with ``os.sched_setaffinity``.  This holds
   for every engine, XLA's Eigen pool included, whatever the library reads from the
   environment: no engine can use more cores than the others.
3. **Size the pools** to match, so no pool has more threads than cores (extra threads would only
   stall each other): ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``,
   ``NUMBA_NUM_THREADS`` and XLA's flags before import; after the engines are imported,
   ``threadpoolctl`` (every BLAS and OpenMP library loaded), ``torch.set_num_threads`` and
   ``numba.set_num_threads``.  ``OMP_WAIT_POLICY=PASSIVE`` (unless set) keeps an idle OpenMP pool
   from spinning on the cores the next BLAS call needs.

The runner then records each engine's CPU time over wall time (``process_time`` against
``perf_counter`` around every sample): about ``threads`` or less for an engine that keeps its
pools busy, 1.0 for a single-threaded one, and never more than the pinned cores.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

POOL_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


@dataclass
class ThreadPolicy:
    """What was chosen, and why (printed at the start and stored with the results)."""

    threads: int
    cpus: list[int]
    source: str                       # "--threads" or "auto"
    reason: str
    load_1min: float | None = None
    busy: dict[int, float] = field(default_factory=dict)   # core -> busy fraction sampled
    applied: list[str] = field(default_factory=list)        # what was set, for the report

    def describe(self) -> str:
        how = "set by --threads" if self.source == "--threads" else "chosen automatically"
        return (f"thread policy: {self.threads} thread{'s' if self.threads > 1 else ''} per "
                f"engine, pinned to core{'s' if len(self.cpus) > 1 else ''} "
                f"{','.join(map(str, self.cpus))} ({how}: {self.reason})")

    def as_dict(self) -> dict[str, Any]:
        return {"threads": self.threads, "cpus": self.cpus, "source": self.source,
                "reason": self.reason, "load_1min": self.load_1min,
                "busy": {str(k): round(v, 3) for k, v in self.busy.items()},
                "applied": self.applied}


def allowed_cpus() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):                 # not Linux
        return list(range(os.cpu_count() or 1))


def _cpu_times() -> dict[int, tuple[int, int]]:
    """core -> (busy jiffies, total jiffies) from /proc/stat (empty when unreadable)."""
    out: dict[int, tuple[int, int]] = {}
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("cpu") and line[3].isdigit():
                    name, *vals = line.split()
                    nums = [int(v) for v in vals[:8]]
                    idle = nums[3] + nums[4]                  # idle + iowait
                    out[int(name[3:])] = (sum(nums) - idle, sum(nums))
    except (OSError, ValueError, IndexError):
        return {}
    return out


def core_busy(interval: float = 0.2) -> dict[int, float]:
    """Busy fraction of each core over ``interval`` seconds (other processes' work)."""
    a = _cpu_times()
    if not a:
        return {}
    time.sleep(interval)
    b = _cpu_times()
    return {c: (b[c][0] - a[c][0]) / max(b[c][1] - a[c][1], 1) for c in a if c in b}


def load_1min() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def choose(requested: int | None = None, sample_s: float = 0.2) -> ThreadPolicy:
    """The policy for this machine now (see the module docstring)."""
    cpus = allowed_cpus()
    busy = {c: f for c, f in core_busy(sample_s).items() if c in cpus}
    load = load_1min()
    order = sorted(cpus, key=lambda c: (busy.get(c, 0.0), c))       # least busy first
    if requested is not None:
        if requested < 1:
            raise ValueError(f"--threads must be at least 1, got {requested}")
        n = min(requested, len(cpus))
        reason = f"{requested} requested" + (f", only {len(cpus)} cores allowed"
                                              if requested > len(cpus) else "")
        return ThreadPolicy(n, sorted(order[:n]), "--threads", reason, load, busy)
    others = max(load or 0.0, sum(busy.values()))       # cores' worth of other work
    free = len(cpus) - others
    n = max(1, min(len(cpus), math.floor(free + 0.5)))
    reason = (f"{len(cpus)} cores allowed, other processes keep {others:.1f} of them busy "
              f"(1-min load {load}, sampled busy {sum(busy.values()):.1f})")
    if n == 1 and len(cpus) > 1:
        reason += ": one core each, so no pool waits for a descheduled thread"
    return ThreadPolicy(n, sorted(order[:n]), "auto", reason, load, busy)


def pin_process(cpus: list[int]) -> list[int]:
    """Bind every thread of this process (and so the threads it starts later) to ``cpus``;
    returns the thread ids pinned."""
    tids = []
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        tids = [0]
    pinned = []
    for tid in tids:
        try:
            os.sched_setaffinity(tid, cpus)
            pinned.append(tid)
        except (AttributeError, OSError):          # a thread that ended meanwhile; not Linux
            pass
    return pinned


def apply_before_imports(policy: ThreadPolicy) -> None:
    """Affinity and environment: call before numpy, numba, torch or jax are imported."""
    n = policy.threads
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    for var in POOL_VARS:
        os.environ[var] = str(n)
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_cpu_multi_thread_eigen" not in flags:
        flags += f" --xla_cpu_multi_thread_eigen={'false' if n == 1 else 'true'}"
    os.environ["XLA_FLAGS"] = flags.strip()
    pinned = pin_process(policy.cpus)
    policy.applied = [f"affinity {policy.cpus} on {len(pinned)} thread(s)",
                      *(f"{v}={n}" for v in POOL_VARS), "OMP_WAIT_POLICY=" +
                      os.environ["OMP_WAIT_POLICY"], f"XLA_FLAGS={os.environ['XLA_FLAGS']}"]


_limits: Any = None          # keeps threadpoolctl's limits alive for the whole run


def apply_after_imports(policy: ThreadPolicy) -> None:
    """Pools of libraries already loaded: BLAS/OpenMP via threadpoolctl, torch, numba; and the
    affinity again for threads started meanwhile."""
    global _limits
    n = policy.threads
    done = []
    try:
        from threadpoolctl import threadpool_limits

        _limits = threadpool_limits(limits=n)
        done.append(f"threadpoolctl limits={n}")
    except ImportError:
        done.append("threadpoolctl not installed: BLAS pools sized by environment only")
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)
        done.append(f"torch.set_num_threads({n})")
    numba = sys.modules.get("numba")
    if numba is not None:
        try:
            numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
            done.append(f"numba.set_num_threads({n})")
        except (ValueError, RuntimeError) as exc:
            done.append(f"numba threads unchanged ({exc})")
    pin_process(policy.cpus)
    policy.applied += [d for d in done if d not in policy.applied]


class CpuClock:
    """CPU time of the whole process (all its threads) beside wall time, for CPU/wall."""

    __slots__ = ("cpu", "wall")

    def __init__(self) -> None:
        self.cpu = time.process_time()
        self.wall = time.perf_counter()

    def ratio(self) -> float | None:
        wall = time.perf_counter() - self.wall
        cpu = time.process_time() - self.cpu
        return cpu / wall if wall > 0 else None
