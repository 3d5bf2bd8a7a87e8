"""``keras.callbacks.TensorBoard``: epoch (or batch) metrics, weight histograms and the graph.

Written as TensorFlow 1's Keras callback writes them, through ``dlcore_static.summary``'s
``FileWriter`` (TensorBoard's own event writer): one event file in ``log_dir``; at the end of
each epoch every number in ``logs`` (``loss``, ``acc``, ``val_loss``, ...) as a scalar at step
``epoch``; with ``update_freq='batch'`` (or an int: every that many samples) the batch logs as
``batch_<name>`` at a running batch counter; with ``histogram_freq=n`` a histogram of every
weight every n epochs, tagged by the variable's name with ``:`` as ``_`` (``dense/kernel_0``);
with ``write_graph=True`` the session's graph once, when training starts.
"""

from __future__ import annotations

import numbers

from ..summary import FileWriter
from .callback_base import Callback


class TensorBoard(Callback):
    def __init__(self, log_dir: str = "./logs", histogram_freq: int = 0, batch_size=None,
                 write_graph: bool = True, write_grads: bool = False,
                 write_images: bool = False, update_freq="epoch", **_ignored) -> None:
        super().__init__()
        if not (update_freq in ("epoch", "batch") or isinstance(update_freq, int)):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or an int, got "
                             f"{update_freq!r}")
        self.log_dir, self.histogram_freq = log_dir, int(histogram_freq)
        self.write_graph, self.update_freq = write_graph, update_freq
        self.writer: FileWriter | None = None
        self._batches = 0
        self._samples_since = 0

    def on_train_begin(self, logs=None):
        graph = None
        if self.write_graph:                  # the graph the model's variables live in
            ws = getattr(self.model, "weights", None) or []
            if ws:
                graph = ws[0].graph
            else:
                from . import backend as K
                graph = K.get_session().graph
        self.writer = FileWriter(self.log_dir, graph)

    def _scalars(self, logs: dict, step: int, prefix: str = "") -> None:
        from dlcore.io import tensorboard as tb
        values = [tb.scalar(prefix + k, v).value[0] for k, v in logs.items()
                  if k not in ("batch", "size") and isinstance(v, numbers.Number)]
        if values and self.writer is not None:
            pb = tb.protos()
            self.writer.add_summary(pb.summary.Summary(value=values), step)

    def on_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self.writer is None:
            return
        logs = logs or {}
        self._samples_since += int(logs.get("size", 1))
        if self.update_freq == "batch" or self._samples_since >= self.update_freq:
            self._scalars(logs, self._batches, "batch_")
            self._samples_since = 0
        self._batches += 1

    def on_epoch_end(self, epoch, logs=None):
        if self.writer is None:
            return
        self._scalars(logs or {}, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            from dlcore.io import tensorboard as tb
            pb = tb.protos()
            values: list = []
            for w, v in zip(self.model.weights, self.model.get_weights()):
                tag = getattr(w, "name", f"weight_{len(values)}").replace(":", "_")
                values.append(pb.summary.Summary.Value(tag=tag, histo=tb.histogram_proto(v)))
            self.writer.add_summary(pb.summary.Summary(value=values), epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
            self.writer = None
