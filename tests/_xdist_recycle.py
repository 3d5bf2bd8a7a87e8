"""A test worker whose memory passed a limit is replaced by a fresh one (pytest-xdist).

Numba keeps every kernel it compiles in the process for good (the LLVM module and its machine
code belong to the JIT engine; no API frees them), so a worker's memory only grows.  With every
cache warm a README run's two workers grow from about 1.1 GB to 3-4 GB, which is harmless.  With
every cache empty (a fresh machine: every kernel and plan compiled) they grow with the compiling:
tests/compiler alone in one process, cold, ended at 1,459 MB against 614 MB warm (140 s against
12 s, 2026-12-05), and the first whole run on this 23.5 GB machine ended with one worker at
12.3 GB taken by the kernel's OOM killer after 44 minutes: the README's test command failed on a
fresh machine.  A worker's machine code cannot be given back, but the worker can: here the
controller retires a worker whose resident memory passed the limit and starts a replacement,
which loads from the disk cache what its predecessor compiled.

* In each worker, the teardown report of each test carries the worker's resident set
  (``dlcore_rss_mb``; tests/conftest.py's ``pytest_report_to_serializable``).  pytest's report
  serialisation keeps extra attributes, and xdist gives the controller's copy a ``node``.
* In the controller (:class:`Recycler`, registered by tests/conftest.py), a report above the
  limit retires its node while the scheduler still has work to hand out (a ``workqueue``: the
  README's ``--dist loadgroup``, loadscope and loadfile; under other schedulers, never): a
  replacement is started as xdist starts one after a crash (a copy of the node's spec with a
  new id, ``gw2``, through its node manager), and the old node is sent ``shutdown``: it runs
  the tests it already holds and ends normally, so no test is lost, run twice or reported as
  crashed.  The scheduler hands it nothing more (``node.shutting_down``) and gives the
  replacement work once it has collected, as after a crash.  When it reports its end, its
  process is told to exit and reaped (killed after ``REAP_S`` seconds if a thread a test left
  keeps it up): xdist closes a finished worker's gateway only when the whole run ends, and the
  first cold run with the recycler had both retired workers sitting idle at 6.5 GB each while
  their replacements grew.
* The limit: ``$DLCORE_TEST_WORKER_MAX_MB`` (``0``: never), else half the machine's memory
  shared among the workers, at least ``FLOOR_MB`` (this machine, 2 workers: 5.9 GB; a warm run
  stays below it and pays nothing; a 16 GB machine with 4 workers: 2 GB).

It uses pytest-xdist's controller internals (``DSession.sched``, ``nodemanager``, ``queue``,
``_active_nodes``; 3.8 here); where any is missing it does nothing.  Measured: tests/compiler
with every cache empty, ``-n 2``, the limit at 900 MB: both workers retired at 905-907 MB, 321
passed in 87 s; the whole suite with every cache empty: 46 min 6 s, four workers retired at
6.0-6.2 GB, the machine's memory in use at most 13.7 GB of 23.5 (2026-12-05).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

ENV = "DLCORE_TEST_WORKER_MAX_MB"
#: the least default limit (MB): below it a worker would be retired for its imports alone
FLOOR_MB = 2048
#: the share of the machine's memory the workers may hold together before retiring
SHARE = 0.5
#: seconds a retired worker has to end by itself once its tests are done, before it is killed
REAP_S = 30.0


def rss_mb() -> int | None:
    """This process's resident set in MB (Linux's ``/proc/self/statm``), or None elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") // (1 << 20)


def machine_mb() -> int | None:
    """The machine's memory in MB, or None where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1 << 20)
    except (AttributeError, ValueError, OSError):
        return None


def limit_mb(workers: int, environ: Any = os.environ, total_mb: int | None = None) -> int:
    """A worker's memory limit in MB; 0: none (``$DLCORE_TEST_WORKER_MAX_MB`` set to 0, or the
    machine's memory unknown)."""
    given = environ.get(ENV)
    if given is not None and given.strip():
        try:
            return max(0, int(given))
        except ValueError:
            raise ValueError(f"{ENV} must be a whole number of MB (0: never retire a test "
                             f"worker), not {given!r}") from None
    total = machine_mb() if total_mb is None else total_mb
    if not total:
        return 0
    return max(FLOOR_MB, int(SHARE * total / max(1, workers)))


#: memory (MB) per worker that ``-n auto`` asks of the machine: a worker starts at about 1.1 GB
#: and is retired at ``FLOOR_MB`` at the least, so below this many workers share too little
MB_PER_WORKER = 2 * FLOOR_MB


def auto_workers(cores: int, total_mb: int | None) -> int:
    """``-n auto``'s worker count: one per usable core, at most 8, and at most one per
    ``MB_PER_WORKER`` of the machine's memory (an 8-core machine with 16 GB: 4), at least 1."""
    n = max(1, min(cores, 8))
    if total_mb:
        n = min(n, max(1, total_mb // MB_PER_WORKER))
    return n


def install(config: Any) -> None:
    """In the xdist controller: the recycler, as a plugin (tests/conftest.py's configure)."""
    config.pluginmanager.register(Recycler(config), "dlcore_worker_recycler")


def add_rss(data: dict) -> None:
    """In a worker: a serialised teardown report gets the worker's memory (``dlcore_rss_mb``)."""
    if data.get("when") == "teardown":
        mb = rss_mb()
        if mb is not None:
            data["dlcore_rss_mb"] = mb


class Recycler:
    """The controller's side: retires a worker whose reported memory passed the limit (see the
    module docstring).  ``retired``: ``(old worker id, its MB, replacement id)`` in order."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.limit: int | None = None       # (worked out at the first report: the workers'
        self.retired: list[tuple[str, int, str]] = []       # count is known by then)
        self._off = False

    def pytest_runtest_logreport(self, report: Any) -> None:
        rss = getattr(report, "dlcore_rss_mb", None)
        node = getattr(report, "node", None)
        if rss is None or node is None or self._off:
            return
        if self.limit is None:
            dsession = self.config.pluginmanager.getplugin("dsession")
            specs = getattr(getattr(dsession, "nodemanager", None), "specs", None)
            self.limit = limit_mb(len(specs) if specs else 1)
        if self.limit and rss >= self.limit:
            self.retire(node, rss)

    def retire(self, node: Any, rss: int) -> None:
        """Start ``node``'s replacement, then shut ``node`` down (it runs what it holds), while
        the scheduler has work left to hand out."""
        dsession = self.config.pluginmanager.getplugin("dsession")
        sched = getattr(dsession, "sched", None)
        queue = getattr(sched, "workqueue", None)
        if node.shutting_down or not queue or getattr(dsession, "shuttingdown", True):
            return
        try:
            clone = _replacement(dsession, node)
        except Exception as e:  # noqa: BLE001 - xdist's internals moved: recycling off
            self._off = True
            sys.stderr.write(f"\ndlcore tests: could not start a worker to replace "
                             f"{node.gateway.id} ({rss} MB): {e!r}; workers are no longer "
                             f"retired in this run\n")
            return
        node.shutdown()
        self.retired.append((node.gateway.id, rss, clone.gateway.id))

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """A retired node is done (xdist's ``workerfinished``): its process, which xdist would
        otherwise leave idle with all its memory until the run ends (its gateway is closed only
        then), is told to exit now and killed if it has not after ``REAP_S`` seconds (a thread
        a test left behind can keep an interpreter from ending)."""
        if not any(old == node.gateway.id for old, _, _ in self.retired):
            return
        popen = getattr(getattr(node.gateway, "_io", None), "popen", None)
        try:
            node.ensure_teardown()          # (the channel closed, the gateway told to exit)
        except Exception:  # noqa: BLE001 - the process is reaped below all the same
            pass
        if popen is not None:
            threading.Thread(target=reap, args=(popen, REAP_S), daemon=True,
                             name=f"dlcore-reap-{node.gateway.id}").start()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.retired:
            done = ", ".join(f"{old} at {mb} MB -> {new}" for old, mb, new in self.retired)
            terminalreporter.write_line(f"test workers retired past {self.limit} MB of "
                                        f"memory ({ENV}): {done}")


def reap(popen: Any, grace: float) -> str:
    """Wait up to ``grace`` seconds for a retired worker's process to end, then kill it;
    ``"exited"`` or ``"killed"``."""
    try:
        popen.wait(timeout=grace)
        return "exited"
    except subprocess.TimeoutExpired:
        popen.kill()
        popen.wait()
        return "killed"


def _replacement(dsession: Any, node: Any) -> Any:
    """A new worker like ``node``, started as ``DSession._clone_node`` starts one after a crash,
    from a copy of the spec (``_clone_node`` renames the dead node's own, still ``node``'s)."""
    import execnet
    spec = execnet.XSpec(node.gateway.spec._spec)
    manager = dsession.nodemanager
    manager.group.allocate_id(spec)
    clone = manager.setup_node(spec, dsession.queue.put)
    dsession._active_nodes.add(clone)
    return clone
