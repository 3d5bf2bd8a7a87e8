"""``torch.multiprocessing``: Python's ``multiprocessing`` under PyTorch's name, with its
sharing-strategy queries and ``spawn``.

Tensors reach other processes through shared memory: ``Tensor.share_memory_()`` /
``Module.share_memory()`` move CPU values into an anonymous shared mapping that processes
*forked* afterwards write and read in place (Hogwild training: ``mp.get_context("fork")``).
dlcore pickles nothing, so a tensor passed to a *spawned* process (or through a ``Queue``) is
not shared: use the fork context for shared tensors.  A child forked after its parent ran
parallel kernels (2^21 elements or more) runs its kernels serially where Numba's threading layer
is not fork-safe (GNU OpenMP: ``dlcore.kernels.cpu.runtime.parallel_ok``); the processes are the
parallelism there."""

from __future__ import annotations

import multiprocessing as _mp
from multiprocessing import *  # noqa: F401,F403  (Process, Queue, Pool, get_context, ...)
from typing import Any, Callable

__all__ = [n for n in dir(_mp) if not n.startswith("_")] + [
    "ProcessContext", "ProcessRaisedException", "ProcessExitedException",
    "get_all_sharing_strategies", "get_sharing_strategy", "set_sharing_strategy", "spawn",
    "start_processes"]

_STRATEGY = ["file_descriptor"]


def get_all_sharing_strategies() -> set:
    return {"file_descriptor", "file_system"}


def get_sharing_strategy() -> str:
    return _STRATEGY[0]


def set_sharing_strategy(new_strategy: str) -> None:
    if new_strategy not in get_all_sharing_strategies():
        raise AssertionError(f"unknown sharing strategy {new_strategy!r}")
    _STRATEGY[0] = new_strategy


class ProcessException(Exception):
    def __init__(self, msg: str, error_index: int, pid: int) -> None:
        super().__init__(msg)
        self.msg, self.error_index, self.pid = msg, error_index, pid


class ProcessRaisedException(ProcessException):
    """A spawned process ended by an exception."""


class ProcessExitedException(ProcessException):
    """A spawned process exited with a non-zero code."""

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int,
                 signal_name: str | None = None) -> None:
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name


class ProcessContext:
    """The processes ``spawn(join=False)`` started; ``join()`` waits for all of them."""

    def __init__(self, processes: list) -> None:
        self.processes = processes

    def pids(self) -> list[int]:
        return [int(p.pid) for p in self.processes]

    def join(self, timeout: float | None = None) -> bool:
        for p in self.processes:
            p.join(timeout)
        for i, p in enumerate(self.processes):
            if p.exitcode is None:
                return False
            if p.exitcode != 0:
                for q in self.processes:
                    if q.is_alive():
                        q.terminate()
                raise ProcessExitedException(
                    f"process {i} terminated with exit code {p.exitcode}", i, p.pid,
                    p.exitcode)
        return True


def start_processes(fn: Callable, args: tuple = (), nprocs: int = 1, join: bool = True,
                    daemon: bool = False, start_method: str = "spawn") -> Any:
    """Run ``fn(i, *args)`` for i in range(nprocs) in new processes (PyTorch's)."""
    ctx = _mp.get_context(start_method)
    procs = []
    for i in range(nprocs):
        p = ctx.Process(target=fn, args=(i, *args), daemon=daemon)  # type: ignore[attr-defined]
        p.start()
        procs.append(p)
    context = ProcessContext(procs)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn: Callable, args: tuple = (), nprocs: int = 1, join: bool = True,
          daemon: bool = False, start_method: str = "spawn") -> Any:
    return start_processes(fn, args, nprocs, join, daemon, start_method)
