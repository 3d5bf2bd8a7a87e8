"""``dlcore_static.distributed``: Horovod's API for TensorFlow-1-style graphs, on dlcore's MPI
layer.  ``import dlcore_static.distributed as hvd`` reads like Horovod::

    # mpiexec -n 4 python train.py
    import dlcore_static as tf
    import dlcore_static.distributed as hvd

    hvd.init()
    opt = tf.train.GradientDescentOptimizer(0.01 * hvd.size())     # scale the rate yourself
    opt = hvd.DistributedOptimizer(opt)          # gradients averaged over the ranks, in-graph
    train = opt.minimize(loss)
    bcast = hvd.broadcast_global_variables(0)    # rank 0's initial values everywhere
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(bcast)
        for batch in my_share_of_the_data:       # each rank reads its own part
            sess.run(train, {x: ..., y: ...})
        if hvd.rank() == 0:                      # one rank writes checkpoints
            saver.save(sess, "ckpt/model")

* ``init()``, ``shutdown()``, ``is_initialized()``, ``rank()``, ``size()``, ``local_rank()``,
  ``local_size()``, ``mpi_enabled()``, ``mpi_threads_supported()``;
* in-graph collectives: ``allreduce(tensor, average=None, op=Average)``, ``grouped_allreduce``,
  ``broadcast(tensor, root_rank)``, ``allgather(tensor)`` (ops the Session runs; see ``ops.py``:
  they survive every graph pass and have Horovod's gradients);
* ``DistributedOptimizer(optimizer, op=Average)``: its ``compute_gradients`` (and so
  ``minimize``) all-reduces the gradients inside the graph, in fused groups of up to
  ``fusion_threshold_bytes`` (``HOROVOD_FUSION_THRESHOLD``, 64 MB by default) per dtype;
* ``broadcast_global_variables(root_rank)``: an op that sets every global variable to the root
  rank's value;
* ``dlcore_static.distributed.keras``: the same for Keras models and callbacks.

As in Horovod: with a job of one rank the optimizer adds no op; the learning rate is not scaled
for you; checkpoints are the program's business (write them on rank 0).  Not provided:
``Compression.fp16`` (the MPI wheels have no half-precision reduction, so it would save nothing
on the wire), ``backward_passes_per_step`` other than 1, Adasum, process sets, and TF's
``SessionRunHook`` (``BroadcastGlobalVariablesHook``): run ``broadcast_global_variables`` once.
A collective whose peers never arrive fails with ``HorovodTimeoutError`` (a
``tf.errors.DeadlineExceededError``) after ``DLCORE_DIST_TIMEOUT`` seconds.
"""

from __future__ import annotations

import dlcore.distributed as _core

from .common import Adasum, Average, Max, Min, Product, Sum
from .common import comm as _comm
from .common import how as _how
from .ops import HorovodInternalError, HorovodTimeoutError, grouped_broadcast
from .ops import allgather as _allgather
from .ops import grouped_allreduce as _grouped_allreduce
from .optimizer import Compression, DistributedOptimizer


def init(comm=None, process_sets=None) -> None:
    """Join the job (over MPI when started by ``mpiexec``; a job of one otherwise).  ``comm``
    must be None or ``MPI.COMM_WORLD``: sub-communicators are not supported."""
    if comm is not None:
        from mpi4py import MPI
        if comm is not MPI.COMM_WORLD:
            raise NotImplementedError("hvd.init: only the whole job (MPI.COMM_WORLD) is "
                                      "supported")
    _core.init("auto")


def shutdown() -> None:
    _core.finalize()


def is_initialized() -> bool:
    return _core.is_initialized()


def rank() -> int:
    return _comm().rank


def size() -> int:
    return _comm().size


def local_rank() -> int:
    return _comm().local_rank


def local_size() -> int:
    return _comm().local_size


def cross_rank() -> int:
    """The index of this rank's machine (ranks fill machines in order, as mpiexec places them)."""
    c = _comm()
    return c.rank // max(c.local_size, 1)


def cross_size() -> int:
    c = _comm()
    return getattr(c, "hosts", 1)


def mpi_enabled() -> bool:
    return _comm().backend == "mpi"


def mpi_built() -> bool:
    return _core.mpi_available()


def mpi_threads_supported() -> bool:
    if _comm().backend != "mpi":
        return False
    from mpi4py import MPI
    return MPI.Query_thread() == MPI.THREAD_MULTIPLE


def allreduce(tensor, average=None, device_dense="", device_sparse="", compression=None,
              op=None, prescale_factor: float = 1.0, postscale_factor: float = 1.0,
              name: str | None = None):
    """``tensor`` reduced over the ranks (averaged by default) as a graph op."""
    from dlcore import ops as _ops
    how = _how(average, op)
    t = tensor
    if prescale_factor != 1.0:
        t = _ops.mul(t, float(prescale_factor))
    out = _grouped_allreduce([t], how, name=name)[0]
    if postscale_factor != 1.0:
        out = _ops.mul(out, float(postscale_factor))
    return out


def grouped_allreduce(tensors, average=None, device_dense="", device_sparse="",
                      compression=None, op=None, name: str | None = None) -> list:
    """Each tensor of ``tensors`` reduced over the ranks, by one op (one fused buffer)."""
    return _grouped_allreduce(list(tensors), _how(average, op), name=name)


def broadcast(tensor, root_rank: int, name: str | None = None):
    """``tensor`` with the value it has on ``root_rank``, on every rank (a graph op)."""
    return grouped_broadcast([tensor], root_rank, name=name)[0]


def allgather(tensor, name: str | None = None):
    """The ranks' ``tensor`` concatenated along the first dimension (a graph op)."""
    return _allgather(tensor, name=name)


def broadcast_variables(variables, root_rank: int):
    """One op setting each variable of ``variables`` to its value on ``root_rank`` (one fused
    broadcast for all of them)."""
    from ..control_flow import group
    variables = list(variables)
    values = grouped_broadcast([v.value() for v in variables], root_rank,
                               name="broadcast_variables")
    return group(*[v.assign(x) for v, x in zip(variables, values)])


def broadcast_global_variables(root_rank: int):
    """``broadcast_variables(tf.global_variables(), root_rank)``: run it once after the
    initializer, so every rank starts from the same weights."""
    from ..variables import global_variables
    return broadcast_variables(global_variables(), root_rank)


__all__ = ["Adasum", "Average", "Compression", "DistributedOptimizer", "HorovodInternalError",
           "HorovodTimeoutError", "Max", "Min", "Product", "Sum", "allgather", "allreduce",
           "broadcast", "broadcast_global_variables", "broadcast_variables", "cross_rank",
           "cross_size", "grouped_allreduce", "init", "is_initialized", "local_rank",
           "local_size", "mpi_built", "mpi_enabled", "mpi_threads_supported", "rank",
           "shutdown", "size"]
