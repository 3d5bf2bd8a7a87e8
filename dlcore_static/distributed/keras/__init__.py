"""``dlcore_static.distributed.keras``: Horovod's Keras API for ``dlcore_static.keras`` models.

::

    # mpiexec -n 2 python train_keras.py
    from dlcore_static import keras
    import dlcore_static.distributed.keras as hvd

    hvd.init()
    model = keras.models.Sequential([...])
    opt = hvd.DistributedOptimizer(keras.optimizers.SGD(lr=0.01 * hvd.size()))
    model.compile(optimizer=opt, loss="mse")
    callbacks = [hvd.callbacks.BroadcastGlobalVariablesCallback(0),   # same start everywhere
                 hvd.callbacks.MetricAverageCallback()]               # epoch metrics averaged
    if hvd.rank() == 0:                                   # one rank writes checkpoints
        callbacks.append(keras.callbacks.ModelCheckpoint("ckpt-{epoch}.h5"))
    model.fit(x_share, y_share, batch_size=32, epochs=5, callbacks=callbacks,
              verbose=1 if hvd.rank() == 0 else 0)

``DistributedOptimizer(opt)`` returns a copy of the Keras optimizer whose ``get_gradients``
all-reduces the gradients in the model's graph (fused, as ``hvd.DistributedOptimizer`` does for
``tf.train`` optimizers; a ``tf.train`` optimizer given to ``compile`` is wrapped too).  The
learning rate is not scaled for you.  ``allreduce``/``allgather``/``broadcast`` here take and
return values (NumPy arrays or numbers), as in ``horovod.keras``; ``broadcast_global_variables``
runs the broadcast in the Keras session at once.  ``on_root(fn, ...)`` runs ``fn`` on rank 0
only and then waits at a barrier (a checkpoint written by one rank, complete before anyone goes
on).
"""

from __future__ import annotations

import numpy as np

from dlcore.distributed import on_root
from dlcore.dtypes import is_floating

from .. import (
    Average,
    Max,
    Min,
    Product,
    Sum,
    init,
    is_initialized,
    local_rank,
    local_size,
    mpi_enabled,
    mpi_threads_supported,
    rank,
    shutdown,
    size,
)
from .. import broadcast_global_variables as _bcast_op
from ..common import comm as _comm
from ..common import how as _how
from ..optimizer import allreduce_gradients
from . import callbacks


def DistributedOptimizer(optimizer, name: str | None = None, device_dense: str = "",
                         device_sparse: str = "", compression=None,
                         sparse_as_dense: bool = False, op=None,
                         backward_passes_per_step: int = 1,
                         fusion_threshold_bytes: int | None = None):
    """A copy of Keras optimizer ``optimizer`` that averages its gradients over the ranks."""
    from ...keras import optimizers as kopt
    from ..optimizer import DistributedOptimizer as TFDistributed
    if compression is not None or backward_passes_per_step != 1:
        raise NotImplementedError("hvd.DistributedOptimizer: only compression=None and "
                                  "backward_passes_per_step=1 are supported")
    how = _how(None, Average if op is None else op)
    if isinstance(optimizer, str):
        optimizer = kopt.get(optimizer)
    if isinstance(optimizer, kopt.TFOptimizer):
        return kopt.TFOptimizer(TFDistributed(optimizer.optimizer, op=how,
                                              fusion_threshold_bytes=fusion_threshold_bytes))
    if not isinstance(optimizer, kopt.Optimizer):
        from ... import train
        if isinstance(optimizer, train.Optimizer):
            return kopt.TFOptimizer(TFDistributed(optimizer, op=how,
                                                  fusion_threshold_bytes=fusion_threshold_bytes))
        raise TypeError(f"hvd.DistributedOptimizer: expected a Keras optimizer, got "
                        f"{type(optimizer).__name__}")
    base = type(optimizer)

    def get_gradients(self, loss, params):
        grads = base.get_gradients(self, loss, params)
        return allreduce_gradients(grads, how, fusion_threshold_bytes)

    cls: type[kopt.Optimizer] = type(base.__name__, (base,),
                                     {"get_gradients": get_gradients,
                                      "__module__": base.__module__, "_hvd_wrapped": True})
    new = cls.__new__(cls)
    new.__dict__.update(optimizer.__dict__)
    return new


def allreduce(value, name: str | None = None, average: bool = True, op=None):
    """``value`` (array or number) reduced over the ranks; averaged by default."""
    how = _how(None if op is not None else average, op)
    arr = np.asarray(value)
    if how == "average" and not is_floating(arr.dtype):
        arr = arr.astype(np.float64)
    out = _comm().allreduce(np.ascontiguousarray(arr), how)
    return out if np.ndim(value) else out[()] if out.ndim == 0 else out


def allgather(value, name: str | None = None):
    """The ranks' ``value`` concatenated along the first dimension."""
    return _comm().allgather(np.asarray(value))


def broadcast(value, root_rank: int, name: str | None = None):
    """``value`` as it is on ``root_rank``."""
    arr = np.array(value, copy=True)
    _comm().broadcast(arr, root_rank)
    return arr if np.ndim(value) else arr[()]


def broadcast_global_variables(root_rank: int) -> None:
    """Set every variable of the Keras session's graph to its value on ``root_rank``, now."""
    from ...keras import backend as K
    sess = K.get_session()
    with sess.graph.as_default():
        op = _bcast_op(root_rank)
    sess.run(op)


__all__ = ["Average", "DistributedOptimizer", "Max", "Min", "Product", "Sum", "allgather",
           "allreduce", "broadcast", "broadcast_global_variables", "callbacks", "init",
           "is_initialized", "local_rank", "local_size", "mpi_enabled", "mpi_threads_supported",
           "on_root", "rank", "shutdown", "size"]
