"""The collective graph ops: ``HorovodAllreduce``, ``HorovodBroadcast``, ``HorovodAllgather``.

Each is a graph-level op (``prim=None``) with an executor registered in the plan, like ``Print`` or
``Assign``: when a ``Session.run`` reaches it, it calls dlcore's communication layer
(``dlcore.distributed``) with the values of its inputs.  Because it is not a primitive, the
graph compiler treats it as an opaque node with an effect: no pass folds, merges, fuses or drops
it, and the whole-plan code generator leaves it to Python between compiled segments
(``Session(passes="all")`` runs it like the plain interpreter does).

One op may take several tensors (``grouped_allreduce``): its executor packs them into one flat
buffer per dtype, so N gradients cost one MPI allreduce instead of N (Horovod's *tensor fusion*).
A value on a CUDA device is staged through the host, and the results go back to the op's device.

Gradients (registered in ``gradients.GRAD_RULES``, as Horovod defines them): the gradient of an
allreduce is the same allreduce of the incoming gradient; of a broadcast, the sum over ranks on
the root rank and zero elsewhere; of an allgather, the sum over ranks of the gradient, cut to
this rank's rows.
"""

from __future__ import annotations

import numpy as np

import dlcore.distributed as _core
from dlcore import ops as _ops
from dlcore.device import to_device
from dlcore.distributed.comm import to_host
from dlcore.dtypes import is_floating

from .. import plan as _plan
from ..errors import DeadlineExceededError, InternalError, node_suffix
from ..frontend import to_tensor
from ..gradients import GRAD_RULES
from ..graph import Operation, Tensor, get_default_graph
from .common import comm as _comm

ALLREDUCE, BROADCAST, ALLGATHER = "HorovodAllreduce", "HorovodBroadcast", "HorovodAllgather"
ALLGATHER_GRAD = "HorovodAllgatherGrad"


class HorovodInternalError(InternalError, _core.DistributedError):
    """A collective op failed (an MPI error, ranks that disagree on a buffer, a broken job)."""


class HorovodTimeoutError(DeadlineExceededError, _core.CollectiveTimeoutError):
    """A collective op's peers did not arrive within the timeout (``DLCORE_DIST_TIMEOUT``): a
    rank died or hangs.  Also a ``tf.errors.DeadlineExceededError`` and a
    ``dlcore.distributed.CollectiveTimeoutError``."""


def _failed(op: Operation, e: Exception):
    cls = HorovodTimeoutError if isinstance(e, _core.CollectiveTimeoutError) else \
        HorovodInternalError
    return cls(None, op, f"{e}{node_suffix(op)}")




# ----------------------------------------------------------------------------- building
def grouped_allreduce(tensors, op: str = "average", name: str | None = None) -> list[Tensor]:
    """One op reducing every tensor of ``tensors`` over the ranks (in one buffer per dtype)."""
    g = get_default_graph()
    ts = [to_tensor(t, g) for t in tensors]
    if not ts:
        return []
    for t in ts:
        if not (t.aval.dtype.kind in "iu" or is_floating(t.aval.dtype)):
            raise TypeError(f"hvd.allreduce: cannot reduce tensor '{t.name}' of dtype "
                            f"{t.aval.dtype.name}")
        if op == "average" and not is_floating(t.aval.dtype):
            raise TypeError(f"hvd.allreduce: averaging needs a floating-point tensor, "
                            f"'{t.name}' is {t.aval.dtype.name}; use op=hvd.Sum")
    _comm()
    node = Operation(g, ALLREDUCE, g.unique_name(name or ALLREDUCE), ts, [t.aval for t in ts],
                     attrs={"op": _core.op_name(op)})
    return list(node.outputs)


def grouped_broadcast(tensors, root_rank: int, name: str | None = None) -> list[Tensor]:
    g = get_default_graph()
    ts = [to_tensor(t, g) for t in tensors]
    if not ts:
        return []
    _comm().check_root(root_rank, "broadcast")
    node = Operation(g, BROADCAST, g.unique_name(name or BROADCAST), ts, [t.aval for t in ts],
                     attrs={"root_rank": int(root_rank)})
    return list(node.outputs)


def allgather(tensor, name: str | None = None) -> Tensor:
    """The ranks' ``tensor`` concatenated along the first dimension (which may differ between
    ranks; the result's first dimension is unknown until run time)."""
    g = get_default_graph()
    t = to_tensor(tensor, g)
    if t.aval.ndim == 0:
        raise ValueError(f"hvd.allgather: tensor '{t.name}' is a scalar; it needs a first "
                         "dimension to concatenate along")
    _comm()
    aval = type(t.aval)((None,) + tuple(t.aval.shape[1:]), t.aval.dtype)
    node = Operation(g, ALLGATHER, g.unique_name(name or ALLGATHER), [t], [aval])
    return node.outputs[0]


# ----------------------------------------------------------------------------- executors
def _packer(op: Operation, device, collective):
    """An executor applying ``collective(flat) -> flat`` to the op's inputs, one flat buffer per
    dtype, and returning the op's outputs (on ``device``)."""
    n = len(op.inputs)
    on_device = device is not None and device.type != "cpu"

    def run(*vals):
        hosts = [np.asarray(to_host(v)) for v in vals]
        outs: list = [None] * n
        groups: dict = {}
        for i, h in enumerate(hosts):
            groups.setdefault(h.dtype, []).append(i)
        try:
            for dtype, idx in groups.items():
                flat = np.concatenate([hosts[i].reshape(-1) for i in idx]) if len(idx) > 1 \
                    else np.array(hosts[idx[0]], dtype=dtype, copy=True).reshape(-1)
                flat = collective(flat)
                at = 0
                for i in idx:
                    k = hosts[i].size
                    outs[i] = flat[at:at + k].reshape(hosts[i].shape)
                    at += k
        except _core.DistributedError as e:
            raise _failed(op, e) from e
        if on_device:
            outs = [to_device(o, device) for o in outs]
        return outs[0] if n == 1 else tuple(outs)
    return run


def _allreduce_factory(op: Operation, session, device):
    comm, how = _comm(), op.attrs["op"]
    return _packer(op, device, lambda flat: comm.allreduce(flat, how, out=flat)), {}


def _broadcast_factory(op: Operation, session, device):
    comm, root = _comm(), op.attrs["root_rank"]
    return _packer(op, device, lambda flat: comm.broadcast(flat, root)), {}


def _allgather_factory(op: Operation, session, device):
    comm = _comm()
    on_device = device is not None and device.type != "cpu"

    def run(x):
        try:
            out = comm.allgather(to_host(x))
        except _core.DistributedError as e:
            raise _failed(op, e) from e
        return to_device(out, device) if on_device else out
    return run, {}


def _allgather_grad_factory(op: Operation, session, device):
    """(g, x) -> this rank's rows of the sum over ranks of ``g``."""
    comm = _comm()
    on_device = device is not None and device.type != "cpu"

    def run(g, x):
        gh, xh = np.asarray(to_host(g)), to_host(x)
        try:
            rows = comm.allgather(np.array([xh.shape[0]], np.int64))
            total = comm.allreduce(np.ascontiguousarray(gh), "sum")
        except _core.DistributedError as e:
            raise _failed(op, e) from e
        start = int(rows[:comm.rank].sum())
        out = np.ascontiguousarray(total[start:start + xh.shape[0]])
        return to_device(out, device) if on_device else out
    return run, {}


_plan.EXECUTORS[ALLREDUCE] = _allreduce_factory
_plan.EXECUTORS[BROADCAST] = _broadcast_factory
_plan.EXECUTORS[ALLGATHER] = _allgather_factory
_plan.EXECUTORS[ALLGATHER_GRAD] = _allgather_grad_factory


# ----------------------------------------------------------------------------- gradients
def _allreduce_grad(op: Operation, t: Tensor, g) -> tuple:
    how = op.attrs["op"]
    if how not in ("sum", "average"):
        return (None,) * len(op.inputs)
    out: list = [None] * len(op.inputs)
    out[t.value_index] = grouped_allreduce([g], how)[0]
    return tuple(out)


def _broadcast_grad(op: Operation, t: Tensor, g) -> tuple:
    out: list = [None] * len(op.inputs)
    reduced = grouped_allreduce([g], "sum")[0]
    if _comm().rank != op.attrs["root_rank"]:
        reduced = _ops.mul(reduced, 0.0)
    out[t.value_index] = reduced
    return tuple(out)


def _allgather_grad(op: Operation, t: Tensor, g) -> tuple:
    x = op.inputs[0]
    gop = Operation(op.graph, ALLGATHER_GRAD, op.graph.unique_name(op.name + "_grad"), [g, x],
                    [x.aval])
    return (gop.outputs[0],)


GRAD_RULES[ALLREDUCE] = _allreduce_grad
GRAD_RULES[BROADCAST] = _broadcast_grad
GRAD_RULES[ALLGATHER] = _allgather_grad

__all__ = ["ALLGATHER", "ALLREDUCE", "BROADCAST", "HorovodInternalError", "HorovodTimeoutError",
           "allgather", "grouped_allreduce", "grouped_broadcast"]
