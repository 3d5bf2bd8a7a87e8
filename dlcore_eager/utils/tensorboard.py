"""``SummaryWriter``: TensorBoard logging with ``torch.utils.tensorboard``'s interface.

Event files are written by ``dlcore.io.tensorboard`` (TensorBoard's own ``EventFileWriter``;
install the ``tensorboard`` extra)::

    from dlcore_eager.utils.tensorboard import SummaryWriter
    writer = SummaryWriter("runs/exp1")
    writer.add_graph(model, example_input)            # the graph tab: the traced primitives
    for step in range(n):
        writer.add_scalar("loss/train", loss.item(), step)
        writer.add_scalars("loss", {"train": a, "val": b}, step)   # runs/exp1/loss_train, ...
        writer.add_histogram("fc1.weight", model.fc1.weight, step)
        writer.add_image("input", img, step)           # CHW, floats in [0, 1]
    writer.close()

As in PyTorch: ``add_scalars`` writes each series to its own sub-directory
``<log_dir>/<main_tag>_<tag>`` under the tag ``main_tag``; float images are scaled by 255 and
truncated (``(x * 255).clip(0, 255).astype(uint8)``), uint8 images kept; histograms default to
TensorFlow's buckets.  ``add_graph`` runs the model once on ``input_to_model`` through
``dlcore_eager.tracing.trace`` and writes the primitives as a ``GraphDef`` (inputs, parameters by
qualified name, one node per primitive application).
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any, Self

import numpy as np

from dlcore.io import tensorboard as tb


def _np(x: Any) -> np.ndarray:
    if hasattr(x, "numpy") and hasattr(x, "_buf"):
        return np.array(x.numpy(force=True))
    return np.asarray(x)


def _to_hwc(img: np.ndarray, dataformats: str) -> np.ndarray:
    fmt = dataformats.upper()
    if len(fmt) != img.ndim or set(fmt) - set("CHW") or len(set(fmt)) != len(fmt):
        raise ValueError(f"add_image: dataformats {dataformats!r} does not describe an image of "
                         f"shape {list(img.shape)}")
    if "C" not in fmt:
        img, fmt = img[..., None], fmt + "C"
    img = np.transpose(img, [fmt.index(c) for c in "HWC"])
    if img.shape[2] == 2 or img.shape[2] > 4:
        raise ValueError(f"add_image: {img.shape[2]} channels; expected 1, 3 or 4")
    return img


def graph_records(trace) -> list[dict]:
    """GraphDef node records for a ``dlcore_eager.tracing.Trace``."""
    recs: list[dict] = []
    names: dict[tuple, str] = {}
    for i, x in enumerate(trace.inputs):
        names[("input", i)] = f"input/input.{i}"
        recs.append({"name": f"input/input.{i}", "op": "IO Node", "inputs": [],
                     "dtype": x.dtype, "shapes": [x.shape]})
    for name, v in trace.params.items():
        names[("param", name)] = f"params/{name}"
        recs.append({"name": f"params/{name}", "op": "Parameter", "inputs": [],
                     "dtype": v.dtype, "shapes": [v.shape]})
    n_const = 0

    def ref(r) -> str:
        nonlocal n_const
        if r[0] == "node":
            return names[("node", r[1])]
        if r[0] == "const":
            n_const += 1
            nm = f"const/Const_{n_const}"
            recs.append({"name": nm, "op": "Const", "inputs": [], "dtype": r[1].dtype,
                         "shapes": [r[1].shape]})
            return nm
        return names[r]
    for j, rec in enumerate(trace.records):
        op = "".join(p.capitalize() for p in rec.prim.name.split("_"))
        ins = [ref(r) for r in rec.inputs]
        names[("node", j)] = f"{rec.prim.name}_{j}"
        attrs = {k: v for k, v in rec.params.items() if not k.startswith("__")}
        recs.append({"name": names[("node", j)], "op": op, "inputs": ins, "dtype": rec.dtype,
                     "shapes": [rec.shape], "attrs": {"params": attrs} if attrs else None})
    for k, r in enumerate(trace.outputs):
        recs.append({"name": f"output/output.{k}", "op": "IO Node", "inputs": [ref(r)]})
    return recs


class SummaryWriter:
    """Writes TensorBoard event files to ``log_dir`` (default ``runs/<date>_<host><comment>``)."""

    def __init__(self, log_dir: str | os.PathLike | None = None, comment: str = "",
                 purge_step: int | None = None, max_queue: int = 10, flush_secs: float = 120,
                 filename_suffix: str = "") -> None:
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self._args = (max_queue, flush_secs, filename_suffix)
        self._w = tb.EventWriter(self.log_dir, *self._args)
        self._subwriters: dict[str, tb.EventWriter] = {}
        if purge_step is not None:
            pb = tb.protos()
            self._w.add_event(pb.event.Event(step=int(purge_step), wall_time=time.time(),
                                             session_log=pb.event.SessionLog(status=1)))

    def get_logdir(self) -> str:
        return self.log_dir

    def add_scalar(self, tag: str, scalar_value: Any, global_step: int | None = None,
                   walltime: float | None = None, new_style: bool = False,
                   double_precision: bool = False) -> None:
        self._w.add_summary(tb.scalar(tag, _np(scalar_value)), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: int | None = None,
                    walltime: float | None = None) -> None:
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            path = os.path.join(self.log_dir, main_tag.replace("/", "_") + "_" + tag)
            w = self._subwriters.get(path)
            if w is None:
                w = self._subwriters[path] = tb.EventWriter(path, *self._args)
            w.add_summary(tb.scalar(main_tag, _np(value)), global_step, walltime)

    def add_histogram(self, tag: str, values: Any, global_step: int | None = None,
                      bins: Any = "tensorflow", walltime: float | None = None,
                      max_bins: int | None = None) -> None:
        self._w.add_summary(tb.histogram(tag, _np(values), bins), global_step, walltime)

    def add_image(self, tag: str, img_tensor: Any, global_step: int | None = None,
                  walltime: float | None = None, dataformats: str = "CHW") -> None:
        img = _to_hwc(_np(img_tensor), dataformats)
        if img.dtype != np.uint8:
            img = (img.astype(np.float32) * 255.0).clip(0, 255).astype(np.uint8)
        pb = tb.protos()
        self._w.add_summary(pb.summary.Summary(value=[tb.image_value(tag, img)]), global_step,
                            walltime)

    def add_images(self, tag: str, img_tensor: Any, global_step: int | None = None,
                   walltime: float | None = None, dataformats: str = "NCHW") -> None:
        """A batch as one grid row (images side by side)."""
        batch = _np(img_tensor)
        fmt = dataformats.upper()
        imgs = [_to_hwc(batch.take(i, axis=fmt.index("N")), fmt.replace("N", ""))
                for i in range(batch.shape[fmt.index("N")])]
        self.add_image(tag, np.concatenate(imgs, axis=1), global_step, walltime, "HWC")

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        self._w.add_summary(tb.text(tag, text_string), global_step, walltime)

    def add_hparams(self, hparam_dict: dict, metric_dict: dict, hparam_domain_discrete=None,
                    run_name: str | None = None, global_step: int | None = None) -> None:
        """Hyperparameters and their metrics for the HParams tab, in the sub-directory
        ``<log_dir>/<run_name>`` (default: the time), as PyTorch writes them."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        from ._tensorboard_hparams import hparams
        summaries = hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        with SummaryWriter(log_dir=os.path.join(self.log_dir, run_name or str(time.time()))) \
                as w_hp:
            for s in summaries:
                w_hp._w.add_summary(s, global_step)
            for k, v in metric_dict.items():
                w_hp.add_scalar(k, v, global_step)

    def add_graph(self, model: Any, input_to_model: Any = None, verbose: bool = False,
                  use_strict_trace: bool = True) -> None:
        """Trace ``model`` on ``input_to_model`` and write its graph for the graph tab."""
        from dlcore_eager.tracing import trace
        if input_to_model is None:
            raise ValueError("add_graph: dlcore traces the model, so input_to_model is required")
        recs = graph_records(trace(model, input_to_model))
        self._w.add_graph_def(tb.graph_def(recs))
        if verbose:
            for r in recs:
                print(r["name"], r["op"], r.get("inputs"))

    def flush(self) -> None:
        self._w.flush()
        for w in self._subwriters.values():
            w.flush()

    def close(self) -> None:
        self._w.close()
        for w in self._subwriters.values():
            w.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
