"""``tf.nn.ctc_beam_search_decoder`` (TensorFlow 1) and Keras' ``K.ctc_decode`` (greedy or beam).

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
the CTC probability of labelling ``l`` (the sum over all its alignments).  Between prefixes of
exactly equal probability (equal rows of logits) the pruning order is this implementation's
(the later-inserted first), as it is TensorFlow's own in its TopN.

Outputs, as TensorFlow's: ``decoded``, a list of ``top_paths`` SparseTensors (``decoded[j]``
holds the j-th best prefix of each batch element: indices ``[b, i]``, int64 values, dense shape
``[batch, longest]``), and ``log_probabilities`` (batch, top_paths), the ``p(l)`` of those
prefixes, best first.  ``merge_repeated=True`` (TF1's default) merges repeated labels of the
*decoded prefix*: a best prefix ``A B B`` (two B's separated by a blank) is returned as
``A B``, with the log-probability of ``A B B``; TensorFlow 2 removed the flag as "an invalid
optimization" and uses ``False``.  ``top_paths > beam_width`` or more paths than the beam holds
(``sequence_length`` 0 leaves only the empty prefix) are ``InvalidArgumentError``s at run time,
with TensorFlow's messages.

The search is a host loop, compiled with Numba (``dlcore/kernels/cpu/_jit_ctc_beam.py``, about
50x faster than the same loop over Python objects: T 50, C 30, width 100 took 28 ms against
1.3-1.9 s per sequence on a loaded 2-core machine), O(T * beam_width * C) per sequence; it runs in
the Session like the greedy decoder, on the CPU.
"""

from __future__ import annotations

import numpy as np

from . import plan as _plan
from .ctc_ops import _check_inputs, _factory, _host_node, _sequence_lengths
from .frontend import to_tensor
from .graph import Tensor, get_default_graph

__all__ = ["ctc_beam_search_decoder", "ctc_beam_search_decoder_v2", "ctc_decode"]

def _decode(inputs, seq_len, *, beam_width: int, top_paths: int, merge: bool, blank: int):
    t_max, n, _ = inputs.shape
    seq_len = _sequence_lengths(inputs, seq_len)
    if top_paths > beam_width:
        raise ValueError("requested more paths than the beam width.")
    from dlcore.kernels.cpu._jit_ctc_beam import beam_search
    paths: list[list[list[int]]] = [[] for _ in range(top_paths)]
    log_probs = np.zeros((n, top_paths), inputs.dtype)
    labels = np.zeros((top_paths, max(t_max, 1)), np.int64)
    lengths = np.zeros(top_paths, np.int64)
    lp = np.zeros(top_paths, np.float64)
    for b in range(n):
        x = np.array(inputs[: int(seq_len[b]), b], np.float64, order="C")  # one build (writable)
        if beam_search(x, int(beam_width), int(blank), int(top_paths), bool(merge), labels,
                       lengths, lp) < top_paths:
            raise ValueError("Less leaves in the beam search than requested.")
        for j in range(top_paths):
            paths[j].append(labels[j, :lengths[j]].tolist())
        log_probs[b] = lp
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
    the greedy decoder of ``log(y_pred + epsilon)`` (one path, ``ctc_greedy_decoder``), or with
    ``greedy=False`` TensorFlow 1's beam search (``merge_repeated=True``, as Keras calls it) with
    ``beam_width`` and ``top_paths``."""
    from dlcore import ops as _ops

    from .ctc_ops import _squeeze_last, ctc_greedy_decoder
    from .keras import backend as K
    from .sparse import SparseTensor, sparse_tensor_to_dense
    g = get_default_graph()
    yp = to_tensor(y_pred, g)
    x = _ops.log(_ops.add(_ops.transpose(yp, (1, 0, 2)), float(K.epsilon())))
    il = _ops.cast(_squeeze_last(to_tensor(input_length, g)), np.dtype(np.int32))
    if greedy:
        decoded, log_prob = ctc_greedy_decoder(x, il)
    else:
        decoded, log_prob = ctc_beam_search_decoder(x, il, beam_width, top_paths)
    shape = _ops.cast(_ops.getitem(_ops.shape_of(yp), slice(0, 2)), np.dtype(np.int64))
    dense = [sparse_tensor_to_dense(SparseTensor(st.indices, st.values, shape),
                                    default_value=-1) for st in decoded]
    return dense, log_prob
