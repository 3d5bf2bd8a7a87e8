"""``tf.nn.ctc_beam_search_decoder`` (TensorFlow 1) and the beam path of Keras' ``K.ctc_decode``.

A host node (``CTCBeamSearchDecoder``) runs TensorFlow's prefix beam search, per batch element,
over the first ``sequence_length[b]`` steps of the time-major logits ``inputs`` (T, N, C), the
blank being the last class.  Each beam is a prefix ``l`` (a node of a prefix tree) with two
log-probabilities: ``p_b(l)`` of the alignments that end in a blank and ``p_nb(l)`` of those that
end in the last label of ``l``; ``p(l) = logsumexp(p_b, p_nb)``.  At step ``t``, with
``y = log_softmax(inputs[t, b])``::

    p_nb(l)  <- logaddexp(p_nb(l), p(l[:-1]) or, when l[-1] == l[-2], p_b(l[:-1])) + y[l[-1]]
                (the parent's term only while the parent is in the beam)
    p_b(l)   <- p(l) + y[blank]
    child l+k of a beam (k not blank, not already in the beam):
    p_nb(l+k) = (p_b(l) if k == l[-1] else p(l)) + y[k],  p_b(l+k) = -inf

and only the ``beam_width`` most probable prefixes are kept (a new child enters when the beam
has room or it beats the least probable beam, which is then dropped), exactly as TensorFlow's
``CTCBeamSearchDecoder`` (tensorflow/core/util/ctc/ctc_beam_search.h with the default scorer).
With a beam at least as wide as the number of prefixes the search is exact: ``p(l)`` is then
the CTC probability of labelling ``l`` (the sum over all its alignments).

Outputs, as TensorFlow's: ``decoded``, a list of ``top_paths`` SparseTensors (``decoded[j]``
holds the j-th best prefix of each batch element: indices ``[b, i]``, int64 values, dense shape
``[batch, longest]``), and ``log_probabilities`` (batch, top_paths), the ``p(l)`` of those
prefixes, best first.  ``merge_repeated=True`` (TF1's default) merges repeated labels of the
*decoded prefix*: a best prefix ``A B B`` (two B's separated by a blank) is returned as
``A B``, with the log-probability of ``A B B``; TensorFlow 2 removed the flag as "an invalid
optimization" and uses ``False``.  ``top_paths > beam_width`` or more paths than the beam holds
(``sequence_length`` 0 leaves only the empty prefix) are ``InvalidArgumentError``s at run time,
with TensorFlow's messages.

The search is a plain host loop over Python objects (O(T * beam_width * C) per sequence); it
runs in the Session like the greedy decoder, on the CPU.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from . import plan as _plan
from .ctc_ops import _check_inputs, _factory, _host_node
from .frontend import to_tensor
from .graph import Tensor, get_default_graph

__all__ = ["ctc_beam_search_decoder", "ctc_beam_search_decoder_v2"]

_NEG = -math.inf


def _logaddexp(a: float, b: float) -> float:
    if a == _NEG:
        return b
    if b == _NEG:
        return a
    return a + math.log1p(math.exp(b - a)) if a > b else b + math.log1p(math.exp(a - b))


class _Beam:
    """A prefix-tree node: ``label`` appended to ``parent``'s prefix; old (step t-1) and new
    (step t) log-probabilities ending in a blank / in the label / in total."""

    __slots__ = ("children", "label", "nb", "nl", "nt", "ob", "ol", "ot", "parent")

    def __init__(self, parent: _Beam | None, label: int) -> None:
        self.parent, self.label = parent, label
        self.children: dict[int, _Beam] = {}
        self.ob = self.ol = self.ot = self.nb = self.nl = self.nt = _NEG

    def active(self) -> bool:
        return self.nt != _NEG

    def reset_new(self) -> None:
        self.nb = self.nl = self.nt = _NEG

    def labels(self, merge_repeated: bool) -> list[int]:
        out: list[int] = []
        prev, e = -1, self
        while e.parent is not None:
            if not merge_repeated or e.label != prev:
                out.append(e.label)
            prev, e = e.label, e.parent
        return out[::-1]


def beam_search(logits: np.ndarray, beam_width: int, blank: int) -> list[_Beam]:
    """TensorFlow's CTC prefix beam search over ``logits`` (T, C) of one sequence: the beams
    left after the last step, best first (see the module docstring)."""
    root = _Beam(None, -1)
    root.nt = root.nb = 0.0
    leaves = [root]
    n_classes = logits.shape[1]
    for t in range(logits.shape[0]):
        row = logits[t].astype(np.float64)
        top = float(row.max())
        y = (row - (top + math.log(float(np.exp(row - top).sum())))).tolist()
        branches = sorted(leaves, key=lambda e: -e.nt)            # stable: ties keep order
        for b in branches:
            b.ob, b.ol, b.ot = b.nb, b.nl, b.nt
        heap: list = []                  # (p, tie, beam): the beam, least probable on top
        for b in branches:                                         # pass 1: extend in place
            p = b.parent
            if p is not None:
                if p.active():
                    b.nl = _logaddexp(b.nl, p.ob if b.label == p.label else p.ot)
                b.nl += y[b.label]
            b.nb = b.ot + y[blank]
            b.nt = _logaddexp(b.nb, b.nl)
            heapq.heappush(heap, (b.nt, len(heap), b))
        tie = len(heap)
        for b in branches:                                         # pass 2: grow children
            if not (b.ot > _NEG and (len(heap) < beam_width or b.ot > heap[0][0])):
                continue
            for k in range(n_classes):
                if k == blank:
                    continue
                c = b.children.get(k)
                if c is None:
                    c = b.children[k] = _Beam(b, k)
                if c.active():
                    continue
                c.nb = _NEG
                c.nl = c.nt = (b.ob if k == b.label else b.ot) + y[k]
                if c.nt > _NEG and (len(heap) < beam_width or c.nt > heap[0][0]):
                    if len(heap) == beam_width:
                        heapq.heappop(heap)[2].reset_new()     # dropped from the beam
                    tie += 1
                    heapq.heappush(heap, (c.nt, tie, c))
                else:
                    c.ob = c.ol = c.ot = _NEG
                    c.reset_new()
        leaves = [e for _, _, e in heap]
    return sorted(leaves, key=lambda e: -e.nt)


def _decode(inputs, seq_len, *, beam_width: int, top_paths: int, merge: bool, blank: int):
    t_max, n, _ = inputs.shape
    seq_len = np.asarray(seq_len).astype(np.int64).reshape(-1)
    if seq_len.shape[0] != n:
        raise ValueError(f"len(sequence_length) != batch_size.  len(sequence_length):  "
                         f"{seq_len.shape[0]} batch_size: {n}")
    if seq_len.size and (seq_len.max() > t_max or seq_len.min() < 0):
        b = int(np.argmax((seq_len > t_max) | (seq_len < 0)))
        raise ValueError(f"sequence_length({b}) <= {t_max}")
    if top_paths > beam_width:
        raise ValueError("requested more paths than the beam width.")
    paths: list[list[list[int]]] = [[] for _ in range(top_paths)]
    log_probs = np.zeros((n, top_paths), inputs.dtype)
    for b in range(n):
        beams = beam_search(inputs[: int(seq_len[b]), b], beam_width, blank)
        if len(beams) < top_paths:
            raise ValueError("Less leaves in the beam search than requested.")
        for j in range(top_paths):
            paths[j].append(beams[j].labels(merge))
            log_probs[b, j] = beams[j].nt
    out: list[np.ndarray] = []
    for rows in paths:
        out += [np.array([(b, i) for b, r in enumerate(rows) for i in range(len(r))],
                         np.int64).reshape(-1, 2),
                np.array([v for r in rows for v in r], np.int64),
                np.array([n, max((len(r) for r in rows), default=0)], np.int64)]
    return (*out, log_probs)


_plan.EXECUTORS["CTCBeamSearchDecoder"] = _factory(_decode)


def _check_attr(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"Expected int for argument '{name}' not {value!r}.")
    if value < minimum:
        raise ValueError(f"Value for attr '{name}' of {value} must be at least minimum "
                         f"{minimum}")
    return int(value)


def ctc_beam_search_decoder(inputs, sequence_length, beam_width=100, top_paths=1,
                            merge_repeated=True):
    """TensorFlow 1's ``tf.nn.ctc_beam_search_decoder``: ``(decoded, log_probabilities)``
    from time-major logits (see the module docstring)."""
    g = get_default_graph()
    x = inputs if isinstance(inputs, Tensor) else to_tensor(inputs, g, cast_data=True)
    c = _check_inputs(x, "CTCBeamSearchDecoder")
    width = _check_attr("beam_width", beam_width)
    top = _check_attr("top_paths", top_paths)
    n = x.aval.shape[1]
    avals = [((None, 2), np.int64), ((None,), np.int64), ((2,), np.int64)] * top
    op = _host_node("CTCBeamSearchDecoder", [x, to_tensor(sequence_length, g)],
                    avals + [((n, top), x.aval.dtype)],
                    {"beam_width": width, "top_paths": top, "merge": bool(merge_repeated),
                     "blank": c - 1}, "CTCBeamSearchDecoder")
    from .sparse import SparseTensor
    outs = op.outputs
    decoded = [SparseTensor(*outs[3 * j:3 * j + 3]) for j in range(top)]
    return decoded, outs[-1]


def ctc_beam_search_decoder_v2(inputs, sequence_length, beam_width=100, top_paths=1):
    """TensorFlow 2's ``tf.nn.ctc_beam_search_decoder`` (``tf.compat.v1`` name
    ``ctc_beam_search_decoder_v2``): the same search with ``merge_repeated=False``."""
    return ctc_beam_search_decoder(inputs, sequence_length, beam_width, top_paths, False)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Keras' ``K.ctc_decode``: ``([decoded (batch, time) padded with -1] * paths,
    log_prob (batch, paths))`` from the softmax output ``y_pred`` ``(batch, time, classes)``:
    the greedy decoder (``ctc_ops.ctc_decode``), or with ``greedy=False`` TensorFlow 1's beam
    search of ``log(y_pred + epsilon)`` (``merge_repeated=True``, as Keras calls it) with
    ``beam_width`` and ``top_paths``, each path padded like the greedy one."""
    from .ctc_ops import ctc_decode as greedy_decode
    if greedy:
        return greedy_decode(y_pred, input_length)
    from dlcore import ops as _ops

    from .ctc_ops import _squeeze_last
    from .keras import backend as K
    from .sparse import SparseTensor, sparse_tensor_to_dense
    g = get_default_graph()
    yp = to_tensor(y_pred, g)
    x = _ops.log(_ops.add(_ops.transpose(yp, (1, 0, 2)), float(K.epsilon())))
    il = _ops.cast(_squeeze_last(to_tensor(input_length, g)), np.dtype(np.int32))
    decoded, log_prob = ctc_beam_search_decoder(x, il, beam_width, top_paths)
    shape = _ops.cast(_ops.getitem(_ops.shape_of(yp), slice(0, 2)), np.dtype(np.int64))
    dense = [sparse_tensor_to_dense(SparseTensor(st.indices, st.values, shape),
                                    default_value=-1) for st in decoded]
    return dense, log_prob
