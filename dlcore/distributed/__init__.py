"""``dlcore.distributed``: the one communication layer of both front ends (data parallelism).

Data-parallel training runs the same program in N processes (*ranks*), each on its own share of
every batch; after each backward pass the ranks *all-reduce* their gradients (every rank ends with
the average), so every rank applies the same update and the replicas stay identical.  The front
ends speak their model libraries' words on top of this module:

* ``dlcore_eager.distributed`` (``torch.distributed``: ``init_process_group``, ``all_reduce``...),
  ``dlcore_eager.nn.parallel.DistributedDataParallel``,
  ``dlcore_eager.utils.data.distributed.DistributedSampler``;
* ``dlcore_static.distributed`` (Horovod: ``hvd.init()``, ``hvd.DistributedOptimizer``...) and
  ``dlcore_static.distributed.keras``.

The processes are started by an MPI launcher, on one machine or many::

    mpiexec -n 4 python train.py                      # 4 ranks here
    mpiexec -f hostfile -n 16 python train.py         # MPICH: ranks spread over the hosts listed

and talk through MPI (mpi4py, with the MPICH or Open MPI wheels from the package index, or a
system MPI).  Without mpi4py, or when the program was not started by a launcher, the job is a
single process of size 1 and every collective is the identity, so the same script runs
unchanged on one machine.

Functions (on the job's communicator, made by ``init``)::

    init(backend="auto", timeout=None)    MPI when started by an MPI launcher (mpiexec, srun:
                                          its PMI/Open MPI variables) and mpi4py is installed,
                                          else a single process ("mpi" is the same; "single"
                                          never uses MPI; DLCORE_DIST_BACKEND=mpi forces MPI
                                          under a launcher whose variables are not known)
    rank(), size(), local_rank(), local_size()
    allreduce(buf, op="sum", out=None)    op: sum, average, max, min, prod; out=buf: in place
    allreduce_async(buf, op, out)         started now; .wait() returns the result
    broadcast(buf, root=0)                in place;   allgather(buf): concatenated on axis 0
    barrier();  on_root(fn, ...): fn on the root rank only, then a barrier (checkpoints)
    select_local_gpu()                    one process per GPU: CUDA_VISIBLE_DEVICES = the GPU of
                                          this rank's local rank (before the first CUDA call)
    finalize()

Every collective fails with ``CollectiveTimeoutError`` (a ``RuntimeError`` and a
``TimeoutError``) instead of hanging when its peers do not arrive within ``timeout`` seconds
(``DLCORE_DIST_TIMEOUT``, default 600); see ``comm.py`` and ``mpi.py``.
"""

from __future__ import annotations

import os
import shutil
import sys

from .comm import (
    DEFAULT_TIMEOUT,
    OPS,
    TIMEOUT_ENV,
    CollectiveTimeoutError,
    Communicator,
    DistributedError,
    Request,
    SingleProcess,
    default_timeout,
    op_name,
)

_COMM: list = [None]

#: environment variables through which MPI launchers tell a process the size of its job
_LAUNCHER_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "MV2_COMM_WORLD_SIZE",
                       "SLURM_NTASKS")
_LAUNCHER_RANK_VARS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK")


def launched_size() -> int | None:
    """The job size an MPI launcher announced in the environment, or None when this process was
    not started by one (``SLURM_NTASKS`` only counts together with a rank variable)."""
    if not any(v in os.environ for v in _LAUNCHER_RANK_VARS + ("PMI_SIZE",
                                                               "OMPI_COMM_WORLD_SIZE")):
        return None
    for var in _LAUNCHER_SIZE_VARS:
        raw = os.environ.get(var)
        if raw and raw.strip().isdigit():
            return int(raw)
    return None


def mpi_available() -> bool:
    """Whether mpi4py can be imported (without initialising MPI)."""
    import importlib.util
    if "mpi4py" in sys.modules:
        return sys.modules["mpi4py"] is not None
    try:
        return importlib.util.find_spec("mpi4py") is not None
    except (ImportError, ValueError):
        return False


def init(backend: str = "auto", timeout: float | None = None) -> Communicator:
    """Make (once) and return the job's communicator.  Calling it again returns the same one."""
    if _COMM[0] is not None:
        return _COMM[0]
    backend = (backend or "auto").lower()
    if backend not in ("auto", "mpi", "single"):
        raise ValueError(f"dlcore.distributed.init: unknown backend {backend!r}; use 'auto', "
                         "'mpi' or 'single'")
    forced = os.environ.get("DLCORE_DIST_BACKEND", "").strip().lower()
    if forced:
        if forced not in ("mpi", "single"):
            raise ValueError(f"DLCORE_DIST_BACKEND={forced!r}: use 'mpi' or 'single'")
        backend = forced
    launched = launched_size()
    if backend == "single":
        comm: Communicator = SingleProcess(timeout)
    elif mpi_available() and (launched is not None or forced == "mpi"):
        from .mpi import MPIComm
        comm = MPIComm(timeout)
    elif launched is not None and launched > 1:
        raise DistributedError(
            f"dlcore.distributed: this process was started by an MPI launcher as one of "
            f"{launched} ranks, but mpi4py is not installed, so it cannot talk to the others "
            "(each rank would train alone). Install it: pip install 'dlcore[distributed]' "
            "(mpi4py and the mpich wheel).")
    else:
        comm = SingleProcess(timeout)
    _COMM[0] = comm
    return comm


def is_initialized() -> bool:
    return _COMM[0] is not None


def communicator() -> Communicator:
    """The communicator made by ``init``; a clear error before ``init``."""
    comm = _COMM[0]
    if comm is None:
        raise DistributedError("dlcore.distributed has not been initialized; call "
                               "dlcore.distributed.init() first")
    return comm


def finalize() -> None:
    """Release the communicator (MPI itself is finalized by mpi4py when the process exits)."""
    comm = _COMM[0]
    _COMM[0] = None
    if comm is not None:
        comm.finalize()


def rank() -> int:
    return communicator().rank


def size() -> int:
    return communicator().size


def local_rank() -> int:
    return communicator().local_rank


def local_size() -> int:
    return communicator().local_size


def allreduce(buf, op="sum", out=None):
    return communicator().allreduce(buf, op, out=out)


def allreduce_async(buf, op="sum", out=None) -> Request:
    return communicator().allreduce_async(buf, op, out=out)


def broadcast(buf, root: int = 0):
    return communicator().broadcast(buf, root)


def allgather(buf):
    return communicator().allgather(buf)


def barrier() -> None:
    communicator().barrier()


def on_root(fn, *args, root: int = 0, **kwargs):
    """Run ``fn(*args, **kwargs)`` on rank ``root`` only, then wait at a barrier, so that no rank
    reads a checkpoint before it is complete (and only one rank writes it).  Returns ``fn``'s
    result on the root, None elsewhere."""
    comm = communicator()
    comm.check_root(root, "on_root")
    result = fn(*args, **kwargs) if comm.rank == root else None
    comm.barrier()
    return result


def select_local_gpu() -> str | None:
    """One process per GPU: show this rank only the GPU of its local rank (among those in
    ``CUDA_VISIBLE_DEVICES``, or all), which it then uses as ``cuda:0``.  Call it after ``init``
    and before the first CUDA operation (CUDA reads the variable when it starts).  Returns the
    device id chosen, or None when CUDA had already started (then nothing is changed)."""
    comm = communicator()
    if "numba.cuda" in sys.modules and os.environ.get("NUMBA_ENABLE_CUDASIM") != "1" and \
            _cuda_started():
        return None
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    ids = [s.strip() for s in visible.split(",") if s.strip()]
    chosen = ids[comm.local_rank % len(ids)] if ids else str(comm.local_rank)
    os.environ["CUDA_VISIBLE_DEVICES"] = chosen
    return chosen


def _cuda_started() -> bool:
    try:
        from numba.cuda.cudadrv.driver import driver
        return bool(driver.is_initialized)
    except Exception:                          # noqa: BLE001 - no driver: nothing started
        return False


def find_mpiexec() -> str | None:
    """The ``mpiexec`` to launch with: the one next to this Python (the mpich wheel installs it
    in the environment's bin folder), else the first on PATH, else None."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(here) and os.access(here, os.X_OK):
        return here
    return shutil.which("mpiexec") or shutil.which("mpirun")


__all__ = ["DEFAULT_TIMEOUT", "OPS", "TIMEOUT_ENV", "CollectiveTimeoutError", "Communicator",
           "DistributedError", "Request", "SingleProcess", "allgather", "allreduce",
           "allreduce_async", "barrier", "broadcast", "communicator", "default_timeout",
           "finalize", "find_mpiexec", "init", "is_initialized", "launched_size", "local_rank",
           "local_size", "mpi_available", "on_root", "op_name", "rank", "select_local_gpu",
           "size"]
