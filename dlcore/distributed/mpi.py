"""The MPI backend: collectives through mpi4py, each one nonblocking and polled to a deadline.

``MPIComm`` duplicates ``MPI.COMM_WORLD`` (so that dlcore's messages never mix with a user's
own mpi4py traffic), learns its rank and size, and its *local* rank (its index among the ranks on
the same machine, from an allgather of the host names: what picks the GPU of a rank), all
through the same polled, timed-out collectives as the rest.

Why poll: MPI's blocking calls wait forever when a peer never arrives.  Each collective is started
with its nonblocking form (``Iallreduce``, ``Ibcast``, ``Iallgatherv``, ``Ibarrier``) and
completed by calling ``Test`` until it reports completion: 50 quick calls first (a collective
between ranks of one machine completes in microseconds), then each call followed by
``sched_yield`` for up to 10 ms (a peer waiting for this core runs at once), then with sleeps
that grow to 1 ms (a rank waiting for a slow peer leaves the CPU to it), and
``CollectiveTimeoutError`` once ``timeout`` seconds have passed.  Measured here with 2 ranks on
a busy 2-core machine: sleeping from the start made a 0.4 MB allreduce 13x slower than MPI's
blocking call (each of its phases waits for the next poll); yielding keeps it within 1.1-2x.  ``Test`` is also what moves a started collective forward
(MPI has no progress thread by default), which is why DistributedDataParallel tests its
in-flight buckets between gradient hooks.

After a timeout the communicator is marked broken and, at exit, the process calls
``MPI_Abort``: a finalize would wait for the dead peer, and the abort makes the launcher end
every rank.  Note that MPICH's launcher (hydra) already ends the whole job when a rank exits
without finalizing MPI (with the dead rank's exit code, 0 included); the timeout covers the
ranks that hang instead of dying, launchers started with ``-disable-auto-cleanup``, and
machines that drop out of a multi-host job.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
from typing import TYPE_CHECKING

import numpy as np

from .comm import (
    CollectiveTimeoutError,
    Communicator,
    DistributedError,
    Request,
    check_reduce_dtype,
    describe,
    op_name,
    to_host,
    write_back,
)

if TYPE_CHECKING:
    from mpi4py import MPI

_SPINS = 50              # Test() calls in a tight loop first
_YIELD_FOR = 0.01        # then Test() and sched_yield() for up to 10 ms
_MAX_SLEEP = 1e-3        # then Test() with sleeps growing to 1 ms
_NAME_BYTES = 256        # host names are exchanged as fixed-size byte strings


class _MPIRequest(Request):
    def __init__(self, comm: MPIComm, req, finish, what: str, buf):
        super().__init__(None, finish)
        self._comm, self._req, self._what, self._buf = comm, req, what, buf
        self._done = False

    def test(self) -> bool:
        if not self._done:
            self._done = self._comm._test(self._req, self._what)
        return self._done

    def wait(self):
        if self._finish is not None:
            if not self._done:
                self._comm._wait(self._req, self._what, self._buf)
                self._done = True
            finish, self._finish = self._finish, None
            self._result = finish()
        return self._result


class MPIComm(Communicator):
    """Collectives over ``MPI.COMM_WORLD`` (duplicated).  See the module docstring."""

    backend = "mpi"

    def __init__(self, timeout: float | None = None):
        super().__init__(timeout)
        try:
            from mpi4py import MPI
        except ImportError as e:                                  # pragma: no cover
            raise DistributedError("dlcore.distributed: the MPI backend needs mpi4py (pip "
                                   "install 'dlcore[distributed]')") from e
        self.MPI = MPI
        self._ops = {"sum": MPI.SUM, "average": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN,
                     "prod": MPI.PROD}
        world = MPI.COMM_WORLD
        self.rank, self.size = world.Get_rank(), world.Get_size()
        comm, req = world.Idup()
        self._wait(req, "init (communicator duplicate)", None)
        self.comm: MPI.Intracomm | None = comm
        names = np.zeros((1, _NAME_BYTES), np.uint8)
        host = MPI.Get_processor_name().encode()[:_NAME_BYTES]
        names[0, :len(host)] = np.frombuffer(host, np.uint8)
        everyone = self.allgather(names)
        mine = everyone[self.rank]
        same = [r for r in range(self.size) if np.array_equal(everyone[r], mine)]
        self.local_rank, self.local_size = same.index(self.rank), len(same)
        self.hosts = len({bytes(row) for row in everyone})
        self.library = " ".join(MPI.Get_library_version().splitlines()[0].split())
        atexit.register(self._abort_if_broken)

    # ------------------------------------------------------------------ progress and deadline
    def _check(self, what: str) -> MPI.Intracomm:
        """The live communicator, or a DistributedError when it is broken or finalized."""
        if self.broken is not None:
            raise DistributedError(f"dlcore.distributed: cannot run {what} on rank {self.rank}: "
                                   f"the communicator is broken ({self.broken}); the job must "
                                   "be restarted")
        if self.comm is None:
            raise DistributedError(f"dlcore.distributed: cannot run {what} on rank {self.rank}: "
                                   "the communicator was finalized")
        return self.comm

    def _test(self, req, what: str) -> bool:
        try:
            return bool(req.Test())
        except self.MPI.Exception as e:
            self.broken = f"MPI error in {what}: {e}"
            raise DistributedError(f"dlcore.distributed: {what} failed on rank {self.rank} of "
                                   f"{self.size}: {e}") from e

    def _wait(self, req, what: str, buf) -> None:
        test = req.Test
        try:
            for _ in range(_SPINS):
                if test():
                    return
            start = time.monotonic()
            delay = 1e-4
            while not test():
                waited = time.monotonic() - start
                if waited < _YIELD_FOR:
                    os.sched_yield()          # a late peer on this core gets it at once
                    continue
                if waited > self.timeout:
                    self._timed_out(what, buf, waited)
                time.sleep(delay)             # a slow peer: leave the CPU, test each ms
                delay = min(delay * 2, _MAX_SLEEP)
        except self.MPI.Exception as e:
            self.broken = f"MPI error in {what}: {e}"
            raise DistributedError(f"dlcore.distributed: {what} failed on rank {self.rank} of "
                                   f"{self.size}: {e}") from e

    def _timed_out(self, what: str, buf, waited: float):
        on = f" of {describe(buf)}" if buf is not None else ""
        self.broken = f"{what} timed out after {waited:.1f} s"
        raise CollectiveTimeoutError(
            f"dlcore.distributed: {what}{on} did not complete on rank {self.rank} of "
            f"{self.size} within the timeout of {self.timeout:g} s (set by "
            "DLCORE_DIST_TIMEOUT or init(timeout=...)): another rank has died, hangs, or called "
            "a different collective. The communicator cannot be used any more; this process "
            "will call MPI_Abort when it exits so that mpiexec ends the other ranks.")

    def _abort_if_broken(self) -> None:
        if self.broken is None:
            return
        try:
            sys.stdout.flush()
            sys.stderr.write(f"dlcore.distributed: rank {self.rank} aborts the MPI job "
                             f"({self.broken})\n")
            sys.stderr.flush()
            # mpiexec (MPICH's hydra) forwards a rank's stderr through its proxy asynchronously,
            # and MPI_Abort tears the proxies down: without a moment's grace the line above was
            # sometimes lost (the user saw the job die with no reason)
            time.sleep(0.25)
        finally:
            self.abort(1)

    def abort(self, code: int = 1) -> None:
        try:
            self.MPI.COMM_WORLD.Abort(code)
        finally:                                              # pragma: no cover
            os._exit(code)

    def finalize(self) -> None:
        if self.broken is None and self.comm is not None:
            comm, self.comm = self.comm, None
            comm.Free()

    # ------------------------------------------------------------------ collectives
    def allreduce_async(self, buf, op="sum", out=None) -> Request:
        op = op_name(op)
        check_reduce_dtype(buf, op)
        what = f"allreduce ({op})"
        comm = self._check(what)
        t0 = time.perf_counter()
        host = to_host(buf)
        dtype = host.dtype
        in_place = out is buf and host is buf and host.flags.c_contiguous and \
            dtype.kind != "b" and dtype != np.float16
        if in_place:
            work = host
        elif dtype == np.float16:
            work = host.astype(np.float32)            # MPI has no standard half type
        elif dtype.kind == "b":
            work = host.astype(np.uint8)
        else:
            work = np.array(host, copy=True, order="C")
        mpi_op = self._ops[op]
        if dtype.kind == "b":
            mpi_op = self.MPI.MIN if op in ("min", "prod") else self.MPI.MAX
        req = self._start(lambda: comm.Iallreduce(self.MPI.IN_PLACE, work, mpi_op), what)

        def finish():
            if op == "average":
                np.divide(work, self.size, out=work)
            res = work if work.dtype == dtype else work.astype(dtype)
            if out is not None:
                write_back(out, res)
                res = out
            self._count(work.nbytes, time.perf_counter() - t0)
            return res
        return _MPIRequest(self, req, finish, what, host)

    def _start(self, start, what: str):
        try:
            return start()
        except self.MPI.Exception as e:
            raise DistributedError(f"dlcore.distributed: {what} could not start on rank "
                                   f"{self.rank} of {self.size}: {e}") from e

    def broadcast(self, buf, root: int = 0):
        root = self.check_root(root, "broadcast")
        what = f"broadcast from rank {root}"
        comm = self._check(what)
        host = to_host(buf)
        in_place = host is buf and host.flags.c_contiguous and host.dtype.kind != "b"
        work = host if in_place else np.array(host, copy=True, order="C")
        if work.dtype.kind == "b":
            work = work.view(np.uint8)
        req = self._start(lambda: comm.Ibcast(work, root=root), what)
        self._wait(req, what, host)
        if not in_place:
            write_back(buf, work.view(host.dtype) if host.dtype.kind == "b" else work)
        return buf

    def allgather(self, buf) -> np.ndarray:
        """Concatenate along axis 0; the first dimension may differ between ranks, the rest
        (and the dtype) must agree, else a ``DistributedError`` names every rank's shape."""
        what = "allgather"
        comm = self._check(what)
        host = np.ascontiguousarray(to_host(buf))
        if host.ndim == 0:
            host = host.reshape(1)
        if host.ndim > 8:
            raise ValueError("dlcore.distributed.allgather: at most 8 dimensions")
        sig = np.full(10, -1, np.int64)
        sig[0], sig[1] = host.ndim, _dtype_code(host.dtype)
        sig[2:2 + host.ndim] = host.shape
        sigs = np.empty((self.size, 10), np.int64)
        req = self._start(lambda: comm.Iallgather(sig, sigs), what)
        self._wait(req, what + " (shapes)", host)
        rest = {tuple(s[3:2 + s[0]]) + (int(s[1]),) for s in sigs}
        if len(rest) != 1 or len(set(sigs[:, 0])) != 1:
            shapes = "; ".join(f"rank {r}: {_sig_text(s)}" for r, s in enumerate(sigs))
            raise DistributedError(f"dlcore.distributed.allgather: the ranks' buffers must agree "
                                   f"in dtype and in every dimension but the first ({shapes})")
        rows = sigs[:, 2]
        out = np.empty((int(rows.sum()),) + host.shape[1:], host.dtype)
        row_bytes = int(np.prod(host.shape[1:], dtype=np.int64)) * host.dtype.itemsize
        counts = [int(r) * row_bytes for r in rows]
        send = host.view(np.uint8).reshape(-1)
        recv = out.view(np.uint8).reshape(-1) if out.size else np.empty(0, np.uint8)
        req = self._start(lambda: comm.Iallgatherv(send, [recv, counts, None,
                                                               self.MPI.BYTE]), what)
        self._wait(req, what, host)
        return out

    def barrier(self) -> None:
        comm = self._check("barrier")
        req = self._start(lambda: comm.Ibarrier(), "barrier")
        self._wait(req, "barrier", None)


_CODES = ("float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "uint16",
          "uint32", "uint64", "bool", "complex64", "complex128")


def _dtype_code(dt: np.dtype) -> int:
    return _CODES.index(dt.name) if dt.name in _CODES else 99


def _sig_text(s) -> str:
    dims = ", ".join(str(int(d)) for d in s[2:2 + s[0]])
    code = int(s[1])
    return f"{_CODES[code] if code < len(_CODES) else '?'}[{dims}]"
