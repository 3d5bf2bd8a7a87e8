"""Horovod's Keras callbacks: start every rank from the same weights, average the epoch metrics.

* ``BroadcastGlobalVariablesCallback(root_rank)``: when training begins, every variable of the
  model's graph (weights, optimizer slots and counters) takes its value on ``root_rank`` (one
  fused in-graph broadcast, run once).  The variables all exist after ``compile``, so this happens
  before the first batch and the ranks train exactly as one process would on their joint batches.
* ``MetricAverageCallback()``: at the end of each epoch, each number in the epoch's logs (loss,
  metrics, validation results) is replaced by its average over the ranks (one allreduce).  Put it
  before the callbacks that read the metrics (early stopping, checkpoints, LR schedules) so that
  every rank makes the same decision.
"""

from __future__ import annotations

import numpy as np

import dlcore.distributed as _core

from ...keras.callbacks import Callback


class BroadcastGlobalVariablesCallback(Callback):
    def __init__(self, root_rank: int, device: str = ""):
        super().__init__()
        self.root_rank = int(root_rank)
        self.broadcast_done = False

    def on_train_begin(self, logs=None):
        if self.broadcast_done:
            return
        from .. import broadcast_global_variables
        model = self.model
        sess = model._session                  # made (and initialised) by compile
        with model.graph.as_default():
            op = broadcast_global_variables(self.root_rank)
        sess.run(op)
        self.broadcast_done = True


class MetricAverageCallback(Callback):
    def __init__(self, device: str = ""):
        super().__init__()

    def on_epoch_end(self, epoch, logs=None):
        if not logs:
            return
        keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float, np.number)))
        if not keys:
            return
        values = np.array([float(logs[k]) for k in keys], np.float64)
        averaged = _core.communicator().allreduce(values, "average")
        for k, v in zip(keys, averaged):
            logs[k] = float(v)


__all__ = ["BroadcastGlobalVariablesCallback", "MetricAverageCallback"]
