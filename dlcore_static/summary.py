"""``tf.summary``: summary ops, ``merge``/``merge_all`` and ``FileWriter`` (TensorBoard files).

As in TensorFlow 1, ``tf.summary.scalar("loss", loss)`` adds a summary op to the graph (and to
the ``summaries`` collection); fetching it in ``Session.run`` evaluates the tensors it reads and
returns the serialised ``Summary`` protocol buffer (bytes), which ``FileWriter.add_summary``
writes to an event file at a global step::

    merged = tf.summary.merge_all()
    writer = tf.summary.FileWriter(logdir, sess.graph)        # the graph tab shows sess.graph
    summary, _ = sess.run([merged, train_op], feed)
    writer.add_summary(summary, step)

dlcore has no string tensors, so a summary op is a ``SummaryOp`` (not a ``Tensor``): a fetchable
graph element that ``Session.run`` resolves to the values of its input tensors and then to
bytes (the fetch hook ``_dlcore_fetch`` in ``fetches.FetchMapper``).  The protocol buffers and
the event file come from ``dlcore.io.tensorboard`` (TensorBoard's own writer).

Tags are the summary name under the current name scope; ``image`` writes ``name/image`` (one
output) or ``name/image/0``, ``name/image/1``, ... and scales float images as TensorFlow 1 does
(all non-negative: the largest value becomes 255; otherwise 0.0 maps to 127).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any, ClassVar, Self

import numpy as np

from dlcore.dtypes import is_floating
from dlcore.io import tensorboard as tb

from .graph import Graph, Tensor, get_default_graph

SUMMARIES = "summaries"


class _SummaryNode:
    """What ``summary.op`` gives: the node's name and graph."""

    __slots__ = ("graph", "name")

    def __init__(self, name: str, graph: Graph) -> None:
        self.name, self.graph = name, graph

    def __repr__(self) -> str:
        return f"<summary node '{self.name}'>"


class SummaryOp:
    """A summary in the graph: fetching it yields a serialised ``Summary`` (bytes)."""

    def __init__(self, graph: Graph, name: str, inputs: list, make: Callable[[list], Any],
                 collections=None) -> None:
        self.graph, self._name, self.inputs, self._make = graph, name, list(inputs), make
        for key in ([SUMMARIES] if collections is None else collections):
            graph.add_to_collection(key, self)

    @property
    def name(self) -> str:
        return self._name + ":0"

    @property
    def op(self) -> _SummaryNode:
        """TF1's summary tensor's op: its ``name`` (``loss`` of ``loss:0``) and graph."""
        return _SummaryNode(self._name, self.graph)

    @property
    def dtype(self):
        from .dtypes import string
        return string                        # (a serialised Summary protocol buffer)

    @property
    def shape(self):
        from .tensor_shape import TensorShape
        return TensorShape([])

    def _dlcore_fetch(self):
        return self.inputs, lambda vals: self._make(vals).SerializeToString()

    def __repr__(self) -> str:
        return f"<dlcore_static.summary.SummaryOp '{self._name}'>"


_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w\.]")


def _clean_tag(name: str) -> str:
    """TensorFlow 1's ``summary_op_util.clean_tag``: characters other than letters, digits,
    ``_ - / .`` become ``_`` and leading slashes go (``tf.summary.histogram(var.name, var)``
    logs ``'W1:0'`` as ``'W1_0'``)."""
    return _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")


def _scoped(graph: Graph, name: str, family: str | None = None) -> tuple[str, str]:
    """``(tag, op name)`` as TensorFlow 1's ``summary_op_util.summary_scope``: a name scope
    ``family/name`` (or ``name``) opened under the current one; the op is named that scope and
    the tag is it too (``family/`` put in front again when given).  In ``name_scope("Model")``,
    ``scalar("x", v)`` is op and tag ``Model/x`` (was ``Model/Model/x`` for the op); a second
    ``scalar("x", v)`` is ``Model/x_1`` for both."""
    name = _clean_tag(name)
    family = _clean_tag(family) if family else None
    with graph.name_scope(f"{family}/{name}" if family else name) as scope:
        op_name = scope.rstrip("/")
    tag = f"{family}/{op_name}" if family else op_name
    return tag, op_name


def _tensor(x) -> Tensor:
    from .frontend import convert_to_tensor
    return convert_to_tensor(x)


def scalar(name: str, tensor, collections=None, family=None) -> SummaryOp:
    """A scalar summary of a 0-d (or one-element) tensor."""
    t = _tensor(tensor)
    if t.aval.shape not in ((), (1,)) and None not in t.aval.shape:
        raise ValueError(f"tf.summary.scalar {name!r}: tags and values not the same shape: "
                         f"[] != {list(t.aval.shape)} (the value must be a scalar)")
    tag, op_name = _scoped(t.graph, name, family)
    return SummaryOp(t.graph, op_name, [t], lambda v: tb.scalar(tag, v[0]), collections)


def histogram(name: str, values, collections=None, family=None) -> SummaryOp:
    """A histogram summary of a tensor of any shape (TensorFlow's default buckets)."""
    t = _tensor(values)
    tag, op_name = _scoped(t.graph, name, family)
    return SummaryOp(t.graph, op_name, [t], lambda v: tb.histogram(tag, v[0]), collections)


def _tf1_image_scale(batch: np.ndarray) -> np.ndarray:
    if not is_floating(batch.dtype):
        return np.clip(batch, 0, 255).astype(np.uint8)
    out = []
    for img in batch.astype(np.float64):
        lo, hi = float(img.min()), float(img.max())
        if lo >= 0:
            scale = 255.0 / hi if hi > 0 else 0.0
            out.append(img * scale)
        else:
            scale = 127.0 / max(-lo, hi) if max(-lo, hi) > 0 else 0.0
            out.append(img * scale + 127.0)
    return np.clip(np.round(np.stack(out)), 0, 255).astype(np.uint8)


def image(name: str, tensor, max_outputs: int = 3, collections=None, family=None) -> SummaryOp:
    """Image summaries of a ``[batch, height, width, channels]`` tensor (channels 1, 3, 4)."""
    t = _tensor(tensor)
    shp = t.aval.shape
    if len(shp) != 4 or shp[3] not in (1, 3, 4, None):
        raise ValueError(f"tf.summary.image {name!r}: expected a 4-D tensor [batch, height, "
                         f"width, channels] with 1, 3 or 4 channels, got shape {list(shp)}")
    tag, op_name = _scoped(t.graph, name, family)

    def make(v):
        imgs = _tf1_image_scale(np.asarray(v[0])[:max_outputs])
        pb = tb.protos()
        tags = [f"{tag}/image"] if max_outputs == 1 else [f"{tag}/image/{i}"
                                                            for i in range(len(imgs))]
        return pb.summary.Summary(value=[tb.image_value(tg, im) for tg, im in zip(tags, imgs)])
    return SummaryOp(t.graph, op_name, [t], make, collections)


def text(name: str, tensor, collections=None) -> SummaryOp:
    """A text summary (TensorBoard's text plugin) of a string or a list of strings (dlcore has
    no string tensors, so the text is a Python value)."""
    if isinstance(tensor, Tensor):
        raise TypeError(f"tf.summary.text {name!r}: dlcore has no string tensors; pass a str or "
                        "a list of str")
    graph = get_default_graph()
    tag, op_name = _scoped(graph, name)
    strings = tensor
    return SummaryOp(graph, op_name, [], lambda v: tb.text(tag, strings), collections)


def merge(inputs, collections=None, name=None) -> SummaryOp:
    """One summary holding the values of ``inputs`` (summary ops)."""
    inputs = list(inputs)
    bad = [x for x in inputs if not isinstance(x, SummaryOp)]
    if bad:
        raise TypeError(f"tf.summary.merge: expected summary ops, got {type(bad[0]).__name__}")
    graph = inputs[0].graph if inputs else get_default_graph()
    op_name = graph.unique_name(name or "Merge/MergeSummary")
    out = SummaryOp.__new__(SummaryOp)
    out.graph, out._name, out.inputs = graph, op_name, inputs
    out._make = lambda vals: tb.merge(vals)
    for key in collections or []:
        graph.add_to_collection(key, out)
    return out


def merge_all(key: str = SUMMARIES, scope=None, name=None) -> SummaryOp | None:
    """All summaries of collection ``key`` merged, or None when there are none."""
    graph = get_default_graph()
    ops = [s for s in graph.get_collection(key, scope) if isinstance(s, SummaryOp)] \
        if scope is None else [s for s in graph.get_collection(key)
                               if isinstance(s, SummaryOp) and s._name.startswith(scope)]
    return merge(ops, name=name) if ops else None


# ------------------------------------------------------------------------------- graph defs
def graph_def_of(graph: Graph):
    """The ``GraphDef`` TensorBoard draws for a dlcore graph: one node per op, inputs by name,
    dtypes and output shapes."""
    recs = []
    for op in graph.get_operations():
        ins = [t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}"
               for t in op.inputs]
        ins += [f"^{c.name}" for c in op.control_inputs]
        outs = op.outputs
        recs.append({"name": op.name, "op": op.type, "inputs": ins,
                     "dtype": outs[0].aval.dtype if outs else None,
                     "shapes": [tuple(o.aval.shape) for o in outs] if outs else None,
                     "device": op.device})
    return tb.graph_def(recs)


class FileWriter:
    """``tf.summary.FileWriter``: an event file in ``logdir``; ``graph`` (e.g. ``sess.graph``)
    is written first so that TensorBoard's graph tab shows it."""

    def __init__(self, logdir, graph: Graph | None = None, max_queue: int = 10,
                 flush_secs: float = 120, graph_def=None, filename_suffix: str | None = None,
                 session=None) -> None:
        if session is not None and graph is None:
            graph = session.graph
        self._w = tb.EventWriter(os.fspath(logdir), max_queue, flush_secs, filename_suffix or "")
        if graph is not None:
            self.add_graph(graph)
        elif graph_def is not None:
            self._w.add_graph_def(graph_def)

    def get_logdir(self) -> str:
        return self._w.get_logdir()

    def add_summary(self, summary, global_step: int | None = None) -> None:
        """``summary``: what ``sess.run`` returned for a summary op (bytes) or a proto."""
        self._w.add_summary(summary, global_step)

    def add_graph(self, graph: Graph, global_step: int | None = None, graph_def=None) -> None:
        self._w.add_graph_def(graph_def if graph_def is not None else graph_def_of(graph))

    def add_event(self, event) -> None:
        self._w.add_event(event)

    def flush(self) -> None:
        self._w.flush()

    def close(self) -> None:
        self._w.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FileWriterCache:
    """One ``FileWriter`` per directory (``tf.summary.FileWriterCache``)."""

    _cache: ClassVar[dict] = {}

    @staticmethod
    def get(logdir) -> FileWriter:
        key = os.path.abspath(os.fspath(logdir))
        if key not in FileWriterCache._cache:
            FileWriterCache._cache[key] = FileWriter(key)
        return FileWriterCache._cache[key]

    @staticmethod
    def clear() -> None:
        for w in FileWriterCache._cache.values():
            w.close()
        FileWriterCache._cache.clear()


__all__ = [
    "FileWriter",
    "FileWriterCache",
    "SummaryOp",
    "graph_def_of",
    "histogram",
    "image",
    "merge",
    "merge_all",
    "scalar",
    "text",
]
