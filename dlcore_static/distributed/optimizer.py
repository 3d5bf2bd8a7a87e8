"""``hvd.DistributedOptimizer``: a ``tf.train`` optimizer whose gradients are averaged over the
ranks inside the graph.

``compute_gradients`` asks the wrapped optimizer for its (gradient, variable) pairs, then puts
the gradients through ``HorovodAllreduce`` ops (``ops.py``) and returns the reduced ones, so
``apply_gradients`` (and ``minimize``, which is the two) updates every replica with the same
values.  The gradients are fused: one op per group of up to ``fusion_threshold_bytes`` of one
dtype (Horovod's ``HOROVOD_FUSION_THRESHOLD``, 64 MB), so a model with 40 weight tensors costs
one or two MPI allreduces per step, not 40.  The groups are filled in the order the gradient
list gives (the variables' order).

Unlike TensorFlow's executor, which runs an op as soon as its inputs are ready, the Session runs
a plan in creation order, so the allreduce ops run after the whole backward pass (no overlap
with it); the eager front end's DistributedDataParallel overlaps.
"""

from __future__ import annotations

import os

import numpy as np

from .. import train as _train
from .common import Average, comm, how
from .ops import grouped_allreduce

DEFAULT_FUSION_BYTES = 64 * 1024 * 1024


class Compression:
    """Gradient compression on the wire.  Only ``none`` exists: see the package docstring."""

    none = None


def fusion_threshold() -> int:
    raw = os.environ.get("HOROVOD_FUSION_THRESHOLD")
    return DEFAULT_FUSION_BYTES if not raw else max(int(raw), 1)


def fused_groups(tensors: list, threshold: int) -> list[list[int]]:
    """Indices of ``tensors`` in groups of one dtype and at most ``threshold`` bytes each (a
    tensor bigger than the threshold is a group of its own)."""
    groups: list[list[int]] = []
    open_: dict[np.dtype, tuple[list[int], int]] = {}    # dtype -> (group, bytes so far)
    for i, t in enumerate(tensors):
        dt = np.dtype(t.aval.dtype)
        n = 1
        for d in t.aval.shape:
            n *= d if d is not None else 1
        nbytes = n * dt.itemsize
        cur = open_.get(dt)
        if cur is None or cur[1] + nbytes > threshold:
            cur = ([], 0)
            groups.append(cur[0])
        cur[0].append(i)
        open_[dt] = (cur[0], cur[1] + nbytes)
    return groups


def allreduce_gradients(grads: list, op: str, threshold: int | None = None) -> list:
    """``grads`` (None entries kept) averaged/summed over the ranks in fused groups."""
    if comm().size == 1:
        return list(grads)
    present = [i for i, g in enumerate(grads) if g is not None]
    tensors = [grads[i] for i in present]
    from ..frontend import to_tensor
    tensors = [to_tensor(t) for t in tensors]
    out = list(grads)
    for group in fused_groups(tensors, threshold or fusion_threshold()):
        reduced = grouped_allreduce([tensors[k] for k in group], op, name="DistributedAllreduce")
        for k, r in zip(group, reduced):
            out[present[k]] = r
    return out


class DistributedOptimizer(_train.Optimizer):
    """Wraps a ``tf.train`` optimizer; see the module docstring."""

    def __init__(self, optimizer, name: str | None = None, use_locking: bool = False,
                 device_dense: str = "", device_sparse: str = "", compression=None,
                 sparse_as_dense: bool = False, op=None, backward_passes_per_step: int = 1,
                 average_aggregated_gradients: bool = False,
                 fusion_threshold_bytes: int | None = None):
        if not isinstance(optimizer, _train.Optimizer):
            raise TypeError(f"hvd.DistributedOptimizer wraps a tf.train optimizer, got "
                            f"{type(optimizer).__name__} (for Keras optimizers use "
                            "dlcore_static.distributed.keras.DistributedOptimizer)")
        if compression is not None:
            raise NotImplementedError("hvd.DistributedOptimizer: only compression="
                                      "hvd.Compression.none is supported")
        if backward_passes_per_step != 1:
            raise NotImplementedError("hvd.DistributedOptimizer: backward_passes_per_step must "
                                      "be 1")
        super().__init__(use_locking, name or f"Distributed{optimizer.get_name()}")
        self._optimizer = optimizer
        self._op = how(None, Average if op is None else op)
        self._threshold = fusion_threshold_bytes

    def compute_gradients(self, *args, **kwargs) -> list:
        pairs = self._optimizer.compute_gradients(*args, **kwargs)
        grads = allreduce_gradients([g for g, _ in pairs], self._op, self._threshold)
        return [(g, v) for g, (_, v) in zip(grads, pairs)]

    def apply_gradients(self, *args, **kwargs):
        return self._optimizer.apply_gradients(*args, **kwargs)

    def get_slot(self, var, name):
        return self._optimizer.get_slot(var, name)

    def get_slot_names(self):
        return self._optimizer.get_slot_names()

    def variables(self) -> list:
        return self._optimizer.variables()

    def get_name(self) -> str:
        return self._optimizer.get_name()
