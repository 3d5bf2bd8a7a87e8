"""``dlcore_eager.distributed``: PyTorch's ``torch.distributed`` names on dlcore's MPI layer.

Launch N copies of the program with an MPI launcher; each is one *rank* of the default process
group::

    mpiexec -n 2 python train.py

    import dlcore_eager as torch
    import dlcore_eager.distributed as dist
    dist.init_process_group(backend="mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    t = torch.ones(3) * rank
    dist.all_reduce(t, op=dist.ReduceOp.SUM)       # in place: every rank holds the sum

Collectives work in place on tensors, as in PyTorch (``all_reduce``, ``broadcast``,
``all_gather`` into a list of tensors, ``all_gather_into_tensor``, ``reduce``, ``barrier``);
``async_op=True`` returns a ``Work`` whose ``wait()`` finishes it.  CUDA tensors are staged
through the host (the MPI wheels are not CUDA-aware).  Only the default group exists (no
``new_group``); the ``"mpi"`` backend is the only one (``"gloo"``/``"nccl"`` are refused with a
clear error, since they would need PyTorch's own rendezvous).  Without mpi4py, or when not
started by ``mpiexec``, ``init_process_group`` makes a group of one process, so the same script
runs alone.  A collective whose peers never arrive raises ``dlcore.distributed.
CollectiveTimeoutError`` (a ``RuntimeError``) after ``timeout`` (a ``timedelta`` or seconds;
default ``DLCORE_DIST_TIMEOUT`` or 600 s).

Checkpoints: write them on rank 0 only, then wait at a barrier before any rank reads them:
``save_on_rank0(model.module.state_dict(), path)`` does both.
"""

from __future__ import annotations

import datetime

import dlcore.distributed as _core

from .tensor import Tensor

__all__ = ["Backend", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor", "all_reduce",
           "barrier", "broadcast", "destroy_process_group", "get_backend", "get_node_local_rank",
           "get_rank", "get_world_size", "group", "init_process_group", "is_available",
           "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available",
           "reduce", "save_on_rank0"]

_NOT_INIT = ("Default process group has not been initialized, please make sure to call "
             "init_process_group.")
_STATE: dict = {"comm": None}


class RedOpType:
    """One reduction of ``ReduceOp`` (``ReduceOp.SUM``...)."""

    __slots__ = ("_core", "name")

    def __init__(self, name: str, core: str | None):
        self.name, self._core = name, core

    def __repr__(self) -> str:
        return f"<RedOpType.{self.name}>"


class ReduceOp:
    """``SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX`` (``BAND``/``BOR``/``BXOR``/``PREMUL_SUM``
    exist by name and are refused when used)."""

    SUM = RedOpType("SUM", "sum")
    AVG = RedOpType("AVG", "average")
    PRODUCT = RedOpType("PRODUCT", "prod")
    MIN = RedOpType("MIN", "min")
    MAX = RedOpType("MAX", "max")
    BAND = RedOpType("BAND", None)
    BOR = RedOpType("BOR", None)
    BXOR = RedOpType("BXOR", None)
    PREMUL_SUM = RedOpType("PREMUL_SUM", None)
    RedOpType = RedOpType


class Backend:
    """The backend names; only ``MPI`` is available."""

    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"


class _World:
    def __repr__(self) -> str:
        return "<dlcore_eager.distributed.group.WORLD>"


class group:
    WORLD = _World()


class Work:
    """What an ``async_op=True`` collective returns."""

    def __init__(self, request, done=None):
        self._request, self._done = request, done

    def wait(self, timeout=None) -> bool:
        if self._request is not None:
            req, self._request = self._request, None
            req.wait()
            if self._done is not None:
                self._done()
        return True

    def is_completed(self) -> bool:
        return self._request is None or self._request.test()

    def is_success(self) -> bool:
        return self._request is None

    def result(self) -> list:
        self.wait()
        return []


# ----------------------------------------------------------------------------- the group
def is_available() -> bool:
    return True


def is_mpi_available() -> bool:
    return _core.mpi_available()


def is_nccl_available() -> bool:
    return False


def is_gloo_available() -> bool:
    return False


def is_initialized() -> bool:
    return _STATE["comm"] is not None


def _seconds(timeout) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout=None, world_size: int = -1, rank: int = -1, store=None,
                       group_name: str = "", pg_options=None, device_id=None) -> None:
    """Join the job's default process group (over MPI when started by ``mpiexec``)."""
    if _STATE["comm"] is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    name = (backend or "mpi").lower()
    if name not in ("mpi", "auto"):
        raise RuntimeError(f"dlcore_eager.distributed supports the 'mpi' backend only (start "
                           f"the ranks with: mpiexec -n N python script.py); got backend="
                           f"{backend!r}")
    comm = _core.init("mpi", timeout=_seconds(timeout))
    if world_size not in (-1, None) and int(world_size) != comm.size:
        raise ValueError(f"init_process_group: world_size={world_size} but the MPI job has "
                         f"{comm.size} ranks")
    if rank not in (-1, None) and int(rank) != comm.rank:
        raise ValueError(f"init_process_group: rank={rank} but MPI gave this process rank "
                         f"{comm.rank}")
    _STATE["comm"] = comm


def destroy_process_group(group=None) -> None:
    if _STATE["comm"] is None:
        raise ValueError(_NOT_INIT)
    _STATE["comm"] = None
    _core.finalize()


def _comm():
    comm = _STATE["comm"]
    if comm is None:
        raise ValueError(_NOT_INIT)
    return comm


def _check_group(group) -> None:
    if group is not None and not isinstance(group, _World):
        raise NotImplementedError("dlcore_eager.distributed: only the default group "
                                  "(group=None or group.WORLD) exists")


def get_rank(group=None) -> int:
    _check_group(group)
    return _comm().rank


def get_world_size(group=None) -> int:
    _check_group(group)
    return _comm().size


def get_backend(group=None) -> str:
    _check_group(group)
    return "mpi" if _comm().backend == "mpi" else "single"


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This rank's index among the ranks on its machine (which GPU it should use)."""
    comm = _STATE["comm"]
    if comm is None:
        if fallback_rank is not None:
            return int(fallback_rank)
        raise RuntimeError("LOCAL_RANK is not in the environment and the process group is not "
                           "initialized; call init_process_group first")
    return comm.local_rank


# ----------------------------------------------------------------------------- collectives
def _tensor(t, what: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: expected a Tensor, got {type(t).__name__}")
    return t


def _core_op(op) -> str:
    if isinstance(op, RedOpType):
        if op._core is None:
            raise ValueError(f"dlcore_eager.distributed: ReduceOp.{op.name} is not supported "
                             "(use SUM, AVG, PRODUCT, MIN or MAX)")
        return op._core
    return _core.op_name(op)


def _bump(t: Tensor) -> None:
    t._vc[0] += 1


def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` over every rank, in place (every rank gets the result)."""
    _check_group(group)
    t = _tensor(tensor, "all_reduce")
    req = _comm().allreduce_async(t._buf, _core_op(op), out=t._buf)
    work = Work(req, lambda: _bump(t))
    if async_op:
        return work
    work.wait()
    return None


def reduce(tensor: Tensor, dst: int | None = None, op=ReduceOp.SUM, group=None,
           async_op: bool = False, group_dst: int | None = None):
    """Reduce onto rank ``dst`` (in place there; the others' tensors are left unchanged)."""
    _check_group(group)
    t = _tensor(tensor, "reduce")
    dst = group_dst if dst is None else dst
    comm = _comm()
    comm.check_root(0 if dst is None else dst, "reduce")
    res = comm.allreduce(t._buf, _core_op(op))
    if comm.rank == (dst or 0):
        _core.comm.write_back(t._buf, res)
        _bump(t)
    return Work(None) if async_op else None


def broadcast(tensor: Tensor, src: int | None = None, group=None, async_op: bool = False,
              group_src: int | None = None):
    """Every rank's ``tensor`` becomes rank ``src``'s, in place."""
    _check_group(group)
    t = _tensor(tensor, "broadcast")
    src = group_src if src is None else src
    if src is None:
        raise ValueError("broadcast: give the source rank (src)")
    _comm().broadcast(t._buf, int(src))
    _bump(t)
    return Work(None) if async_op else None


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """``tensor_list[r]`` becomes rank r's ``tensor`` (every entry must have its shape)."""
    _check_group(group)
    t = _tensor(tensor, "all_gather")
    comm = _comm()
    if len(tensor_list) != comm.size:
        raise ValueError(f"all_gather: tensor_list must have world_size ({comm.size}) tensors, "
                         f"got {len(tensor_list)}")
    for i, out in enumerate(tensor_list):
        _tensor(out, "all_gather")
        if tuple(out.shape) != tuple(t.shape):
            raise ValueError(f"all_gather: tensor_list[{i}] has shape {tuple(out.shape)}, the "
                             f"input has {tuple(t.shape)}")
    host = _core.comm.to_host(t._buf).reshape((1,) + tuple(t.shape))
    gathered = comm.allgather(host)
    for out, part in zip(tensor_list, gathered):
        _core.comm.write_back(out._buf, part.astype(_core.comm.to_host(out._buf).dtype))
        _bump(out)
    return Work(None) if async_op else None


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group=None,
                           async_op: bool = False):
    """``output_tensor`` (world_size times the input's first dimension) gets every rank's
    input, concatenated in rank order."""
    _check_group(group)
    out, t = _tensor(output_tensor, "all_gather_into_tensor"), _tensor(input_tensor,
                                                                      "all_gather_into_tensor")
    comm = _comm()
    host = _core.comm.to_host(t._buf)
    flat = host.reshape((1,) + host.shape) if host.ndim == 0 else host
    gathered = comm.allgather(flat)
    if int(gathered.size) != int(out.numel()):
        raise ValueError(f"all_gather_into_tensor: output has {out.numel()} elements, the "
                         f"gathered inputs {gathered.size}")
    _core.comm.write_back(out._buf, gathered.reshape(tuple(out.shape)))
    _bump(out)
    return Work(None) if async_op else None


def barrier(group=None, async_op: bool = False, device_ids=None):
    _check_group(group)
    _comm().barrier()
    return Work(None) if async_op else None


def save_on_rank0(obj, f) -> None:
    """``torch.save(obj, f)`` on rank 0 only, then a barrier: the checkpoint is complete before
    any rank goes on (and may read it).  Call it on every rank."""
    from .serialization import save
    _comm()
    _core.on_root(save, obj, f)
