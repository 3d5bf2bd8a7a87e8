"""The communicator interface, its single-process implementation, and what every backend shares:
reduction names, errors, the collective timeout, and host staging of buffers.

A ``Communicator`` runs *collectives*: operations that every rank of the job calls, in the same
order, with buffers of the same shape and dtype (``allgather`` may differ in the first
dimension).  Each method takes a NumPy array or a numba.cuda device array and returns a NumPy
array or writes in place:

=============================  ==========================================================
``allreduce(buf, op)``         every rank gets ``op`` over all ranks' ``buf`` (sum, average,
                               max, min, prod); ``out=buf`` reduces in place
``allreduce_async(buf, op)``   the same, started now; ``.wait()`` finishes it (in place)
``broadcast(buf, root)``       every rank's ``buf`` becomes root's (in place)
``allgather(buf)``             the ranks' buffers concatenated along axis 0, in rank order
``barrier()``                  returns once every rank has entered it
=============================  ==========================================================

Device buffers: the MPI from the package index is not CUDA-aware, so a numba.cuda device array
is *staged*: copied to the host, reduced there, copied back (two counted copies per
collective, visible in ``dlcore.transfer_stats()``).

Timeouts: a collective whose peers never arrive (a rank died, hangs, or took another branch)
would block forever in plain MPI.  Every collective here is started nonblocking and polled
against a deadline of ``timeout`` seconds (``DLCORE_DIST_TIMEOUT``, default 600 s; ``init
(timeout=...)``); past it ``CollectiveTimeoutError`` names the collective, the buffer and the
rank.  The communicator is then broken (an MPI request is still pending), so the process calls
``MPI_Abort`` when it exits, which makes ``mpiexec`` end the ranks that are still waiting.
"""

from __future__ import annotations

import os
import time

import numpy as np

from ..device import CPU, is_cuda_array, to_device
from ..device import _count as _count_copy

DEFAULT_TIMEOUT = 600.0
TIMEOUT_ENV = "DLCORE_DIST_TIMEOUT"

#: reduction names accepted everywhere ("avg"/"mean" are aliases of "average")
OPS = ("sum", "average", "max", "min", "prod")
_ALIASES = {"avg": "average", "mean": "average", "product": "prod"}


class DistributedError(RuntimeError):
    """A collective failed: mismatched buffers between ranks, an MPI error, a broken job."""


class CollectiveTimeoutError(DistributedError, TimeoutError):
    """A collective did not complete within the timeout: a peer rank died, hangs, or called a
    different collective."""


def default_timeout() -> float:
    """``DLCORE_DIST_TIMEOUT`` in seconds (a positive number), else 600."""
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None or raw.strip() == "":
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV}={raw!r}: expected a number of seconds") from None
    if not value > 0:
        raise ValueError(f"{TIMEOUT_ENV}={raw!r}: the timeout must be positive")
    return value


def op_name(op) -> str:
    """Normalise a reduction name (``"sum"``, ``"avg"``, a front end's enum with ``.name``)."""
    name = getattr(op, "name", op)
    if not isinstance(name, str):
        raise TypeError(f"dlcore.distributed: a reduction is a name, got {op!r}; use one of "
                        f"{OPS}")
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key not in OPS:
        raise ValueError(f"dlcore.distributed: unknown reduction {op!r}; use one of {OPS}")
    return key


def describe(buf) -> str:
    """``float32[3, 4] (48 bytes)``: for error messages."""
    dt = np.dtype(buf.dtype).name
    shape = ", ".join(str(d) for d in buf.shape)
    return f"{dt}[{shape}] ({int(np.prod(buf.shape)) * np.dtype(buf.dtype).itemsize} bytes)"


# ----------------------------------------------------------------------------- host staging
def is_device_array(buf) -> bool:
    """A numba.cuda device array (real or simulated)."""
    return not isinstance(buf, np.ndarray) and is_cuda_array(buf)


def to_host(buf) -> np.ndarray:
    """A NumPy array with ``buf``'s values (a counted device->host copy for device arrays)."""
    if isinstance(buf, np.ndarray):
        return buf
    if is_device_array(buf):
        return to_device(buf, CPU)
    return np.asarray(buf)


def write_back(dst, values: np.ndarray) -> None:
    """Copy ``values`` into ``dst`` (host array or device array) in place."""
    if isinstance(dst, np.ndarray):
        if dst is not values:
            np.copyto(dst, values)
        return
    values = np.ascontiguousarray(values)
    dst.copy_to_device(values)
    _count_copy("h2d", values.nbytes)


def check_reduce_dtype(buf, op: str, what: str = "allreduce") -> None:
    kind = np.dtype(buf.dtype).kind
    if kind not in "fiub":
        raise TypeError(f"dlcore.distributed.{what}: cannot reduce a buffer of dtype "
                        f"{np.dtype(buf.dtype).name}")
    if op == "average" and kind != "f":
        raise TypeError(f"dlcore.distributed.{what}: 'average' needs a floating-point buffer, "
                        f"got {np.dtype(buf.dtype).name}; use 'sum' and divide")


# ----------------------------------------------------------------------------- requests
class Request:
    """A started collective: ``wait()`` finishes it and returns its result; ``test()`` says
    whether it has finished (and drives its progress)."""

    def __init__(self, result, finish=None):
        self._result = result
        self._finish = finish

    def test(self) -> bool:
        return True

    def wait(self):
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()
        return self._result

    def is_completed(self) -> bool:
        return self._finish is None


# ----------------------------------------------------------------------------- interface
class Communicator:
    """What every backend provides (see the module docstring)."""

    backend = "none"
    rank = 0
    size = 1
    local_rank = 0
    local_size = 1

    def __init__(self, timeout: float | None = None):
        self.timeout = default_timeout() if timeout is None else float(timeout)
        if not self.timeout > 0:
            raise ValueError(f"dlcore.distributed: the timeout must be positive, got {timeout}")
        self.broken: str | None = None
        self.stats = {"allreduce_calls": 0, "allreduce_bytes": 0, "allreduce_seconds": 0.0}

    def allreduce(self, buf, op="sum", out=None):
        req = self.allreduce_async(buf, op, out=out)
        return req.wait()

    def allreduce_async(self, buf, op="sum", out=None) -> Request:
        raise NotImplementedError

    def broadcast(self, buf, root: int = 0):
        raise NotImplementedError

    def allgather(self, buf) -> np.ndarray:
        raise NotImplementedError

    def barrier(self) -> None:
        raise NotImplementedError

    def abort(self, code: int = 1) -> None:
        os._exit(code)

    def finalize(self) -> None:
        pass

    def check_root(self, root: int, what: str) -> int:
        root = int(root)
        if not 0 <= root < self.size:
            raise ValueError(f"dlcore.distributed.{what}: root rank {root} is outside the job's "
                             f"ranks 0..{self.size - 1}")
        return root

    def _count(self, nbytes: int, seconds: float) -> None:
        s = self.stats
        s["allreduce_calls"] += 1
        s["allreduce_bytes"] += int(nbytes)
        s["allreduce_seconds"] += seconds

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} backend={self.backend} rank={self.rank}/{self.size} "
                f"local_rank={self.local_rank} timeout={self.timeout:g}s>")


class SingleProcess(Communicator):
    """A job of one rank: every collective is the identity (a copy where a new array is
    returned).  Used when mpi4py is not installed or the program was not started by an MPI
    launcher, so the same training script runs unchanged as one process."""

    backend = "single"

    def allreduce_async(self, buf, op="sum", out=None) -> Request:
        op = op_name(op)
        check_reduce_dtype(buf, op)
        t0 = time.perf_counter()
        if out is buf:                         # in place: nothing to do, not even a copy
            return Request(out)
        host = to_host(buf)
        if out is None:
            res = np.array(host, copy=True)
        else:
            write_back(out, host)
            res = out
        self._count(host.nbytes, time.perf_counter() - t0)
        return Request(res)

    def broadcast(self, buf, root: int = 0):
        self.check_root(root, "broadcast")
        return buf

    def allgather(self, buf) -> np.ndarray:
        return np.array(to_host(buf), copy=True)

    def barrier(self) -> None:
        pass
