"""TensorFlow 1's CTC functions over dlcore's ``ctc_loss`` primitive (dlcore/ops/ctc.py):
``tf.nn.ctc_loss``, ``tf.nn.ctc_loss_v2``, ``tf.nn.ctc_greedy_decoder`` and the Keras backend's
``ctc_batch_cost`` (``ctc_decode``, greedy or beam search, is in ``ctc_beam``), as the Keras OCR
example calls them.

``tf.nn.ctc_loss(labels, inputs, sequence_length)`` is, as TensorFlow's CTCLoss kernel::

    lp = log_softmax(inputs)                          (max_time, batch, classes), time-major
    loss[b] = ctc_loss(lp, labels_b, sequence_length[b], blank = classes - 1)

with TensorFlow's label rules, applied on the host by a ``CTCLossLabels`` node that turns the
SparseTensor (or Keras' dense labels and lengths) into padded targets and lengths: each batch
row's labels in index order, repeats collapsed with ``preprocess_collapse_repeated``, a label
``>= classes - 1`` ending the sequence (a later real label is an error), an empty label
sequence an error, and fewer time steps than labels an error unless
``ignore_longer_outputs_than_inputs`` (then, as for ``sequence_length == 0``, loss 0 and
gradient 0).  ``ctc_merge_repeated=False`` is the primitive's ``merge_repeated=False``.
Where no alignment exists (repeated labels need a blank between them) the loss is ``inf`` as
TensorFlow's; its gradient is 0 here (TensorFlow's kernel returns the softmax there, which is
not the gradient of anything).  The gradient flows to ``inputs`` through ``log_softmax``, which
makes it TensorFlow's ``softmax - posterior`` gradient.

``ctc_greedy_decoder`` is a host node: per batch element the arg-max class of each step below
``sequence_length`` (first maximum), blanks dropped and, with ``merge_repeated``, repeats of
the previous step's class merged; it returns ``([SparseTensor(indices, values int64,
dense_shape [batch, longest])], neg_sum_logits (batch, 1))`` with ``neg_sum_logits[b] =
-sum_t max_c inputs[t, b, c]``.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.device import CPU, to_host
from dlcore.dtypes import is_floating
from dlcore.ops import ctc as _ctc
from dlcore.ops import sequence as _seq
from dlcore.registry import AVal

from . import errors as _errors
from . import plan as _plan
from .frontend import to_tensor
from .graph import Operation, Tensor, get_default_graph

__all__ = ["ctc_batch_cost", "ctc_greedy_decoder", "ctc_label_dense_to_sparse",
           "ctc_loss", "ctc_loss_v2"]


# ============================================================================ host nodes
def _host_node(op_type: str, inputs, avals, attrs: dict, name: str | None) -> Operation:
    g = get_default_graph()
    ins = [v if isinstance(v, Tensor) else to_tensor(v, g) for v in inputs]
    g = ins[0].graph
    op = Operation(g, op_type, g.unique_name(name or op_type), ins,
                   [AVal(tuple(s), np.dtype(d)) for s, d in avals], attrs=attrs)
    op.device = CPU
    return op


def _factory(fn):
    def factory(op: Operation, session, device):
        params = dict(op.attrs)
        suffix = _errors.node_suffix(op)

        def run(*xs):
            xs = tuple(x if isinstance(x, np.ndarray) else to_host(x) for x in xs)
            try:
                return tuple(fn(*xs, **params))
            except ValueError as e:
                raise _errors.InvalidArgumentError(None, op, f"{e}{suffix}") from None
        return run, {}
    return factory


def _rows_from_sparse(indices, values, dense_shape, n: int) -> list:
    if indices.ndim != 2 or indices.shape[1] != 2:
        raise ValueError(f"labels.indices must be a matrix of [N, 2] coordinates, got shape "
                         f"{list(indices.shape)}")
    rows: list = [[] for _ in range(n)]
    order = np.lexsort((indices[:, 1], indices[:, 0])) if len(indices) else \
        np.zeros(0, np.int64)
    for k in order:
        b = int(indices[k, 0])
        if not 0 <= b < n:
            raise ValueError(f"labels batch index {b} is out of range for batch size {n}")
        rows[b].append(int(values[k]))
    return rows


def _labels(*xs, sparse: bool, collapse: bool, ignore_longer: bool, merge: bool):
    """(targets (N, S), target lengths, input lengths, no-path mask) by TensorFlow's rules."""
    if sparse:
        indices, values, dense_shape, seq_len, shape = xs
    else:
        dense, lengths, seq_len, shape = xs
    t_max, n, n_classes = (int(v) for v in shape)
    seq_len = np.asarray(seq_len).astype(np.int64).reshape(-1)
    if seq_len.shape[0] != n:
        raise ValueError(f"len(sequence_length) != batch_size.  len(sequence_length):  "
                         f"{seq_len.shape[0]} batch_size: {n}")
    if sparse:
        rows = _rows_from_sparse(indices, values, dense_shape, n)
    else:
        lengths = np.asarray(lengths).astype(np.int64).reshape(-1)
        rows = [[int(v) for v in dense[b, :lengths[b]]] for b in range(n)]
    for b in range(n):
        if seq_len[b] < 0:
            raise ValueError(f"seq_len({b}) < 0")
        if seq_len[b] > t_max:
            raise ValueError(f"sequence_length({b}) <= {t_max}")
    seqs, in_len, no_path = [], seq_len.copy(), np.zeros(n, bool)
    for b, label in enumerate(rows):
        if not label:
            raise ValueError(f"Labels length is zero in batch {b}")
        kept: list = []
        finished = False
        for i, v in enumerate(label):
            if i == 0 or not collapse or v != label[i - 1]:
                if v >= n_classes - 1:
                    finished = True
                elif finished:
                    raise ValueError(
                        f"Saw a non-null label (index >= num_classes - 1) following a null "
                        f"label, batch: {b} num_classes: {n_classes} labels: "
                        f"{','.join(map(str, label))} labels seen so far: "
                        f"{','.join(map(str, kept))}")
                else:
                    kept.append(v)
        if any(v < 0 for v in kept):
            raise ValueError(f"All labels must be nonnegative integers, batch: {b} labels: "
                             f"{','.join(map(str, kept))}")
        if not ignore_longer and len(label) > seq_len[b]:
            raise ValueError(f"Not enough time for target transition sequence (required: "
                             f"{len(label)}, available: {seq_len[b]}){b}You can turn this error "
                             f"into a warning by using the flag ignore_longer_outputs_than_inputs")
        if seq_len[b] == 0 or (ignore_longer and len(label) > seq_len[b]):
            kept, in_len[b] = [], 0            # loss 0, gradient 0 (TensorFlow skips it)
        else:
            repeats = sum(1 for i in range(1, len(kept)) if kept[i] == kept[i - 1]) \
                if merge else 0
            no_path[b] = len(kept) + repeats > seq_len[b]
        seqs.append(kept)
    s = max((len(k) for k in seqs), default=0)
    targets = np.zeros((n, s), np.int64)
    for b, k in enumerate(seqs):
        targets[b, :len(k)] = k
    return targets, np.array([len(k) for k in seqs], np.int64), in_len, no_path


def _sequence_lengths(inputs, seq_len) -> np.ndarray:
    """The decoders' ``sequence_length`` as int64, checked with TensorFlow's messages."""
    t_max, n, _ = inputs.shape
    seq_len = np.asarray(seq_len).astype(np.int64).reshape(-1)
    if seq_len.shape[0] != n:
        raise ValueError(f"len(sequence_length) != batch_size.  len(sequence_length):  "
                         f"{seq_len.shape[0]} batch_size: {n}")
    if seq_len.size and (seq_len.max() > t_max or seq_len.min() < 0):
        b = int(np.argmax((seq_len > t_max) | (seq_len < 0)))
        raise ValueError(f"sequence_length({b}) <= {t_max}")
    return seq_len


def _greedy(inputs, seq_len, *, merge: bool, blank: int):
    t_max, n, _ = inputs.shape
    seq_len = _sequence_lengths(inputs, seq_len)
    idx, vals = [], []
    neg = np.zeros((n, 1), inputs.dtype)
    longest = 0
    for b in range(n):
        prev, k = -1, 0
        for t in range(int(seq_len[b])):
            c = int(np.argmax(inputs[t, b]))
            neg[b, 0] -= inputs[t, b, c]
            if c != blank and not (merge and c == prev):
                idx.append((b, k))
                vals.append(c)
                k += 1
            prev = c
        longest = max(longest, k)
    return (np.array(idx, np.int64).reshape(-1, 2), np.array(vals, np.int64),
            np.array([n, longest], np.int64), neg)


def _dense_to_sparse(labels, lengths):
    lengths = np.asarray(lengths).astype(np.int64).reshape(-1)
    n, s = labels.shape
    if lengths.shape[0] != n or (lengths.size and (lengths.min() < 0 or lengths.max() > s)):
        raise ValueError(f"label_lengths must be {n} values in [0, {s}], got "
                         f"{lengths.tolist()}")
    idx = np.array([(b, i) for b in range(n) for i in range(int(lengths[b]))],
                   np.int64).reshape(-1, 2)
    return idx, labels[idx[:, 0], idx[:, 1]], np.array(labels.shape, np.int64)


_plan.EXECUTORS["CTCLossLabels"] = _factory(_labels)
_plan.EXECUTORS["CTCGreedyDecoder"] = _factory(_greedy)
_plan.EXECUTORS["CTCLabelDenseToSparse"] = _factory(_dense_to_sparse)


# ============================================================================ losses
def _is_sparse(x) -> bool:
    return all(hasattr(x, a) for a in ("indices", "values", "dense_shape"))


def _check_inputs(inputs: Tensor, op: str) -> int:
    if inputs.aval.ndim != 3:
        raise ValueError(f"Shape must be rank 3 but is rank {inputs.aval.ndim} for '{op}' "
                         f"with input shapes: {inputs.shape}.")
    if not is_floating(inputs.aval.dtype):
        raise TypeError(f"{op}: inputs must be float32 or float64, got {inputs.dtype.name}")
    c = inputs.aval.shape[2]
    if c is None:
        raise ValueError(f"{op}: the number of classes (last dimension of inputs, shape "
                         f"{inputs.shape}) must be known when the graph is built")
    return c


def _tf_ctc(inputs: Tensor, label_inputs: list, sequence_length, sparse: bool, collapse: bool,
            merge: bool, ignore_longer: bool, name) -> Tensor:
    c = _check_inputs(inputs, "CTCLoss")
    g = inputs.graph
    seq = to_tensor(sequence_length, g)
    if seq.aval.dtype.kind not in "iu":
        raise TypeError(f"Value passed to parameter 'sequence_length' has DataType "
                        f"{seq.dtype.name} not in list of allowed values: int32")
    with g.name_scope(name or "CTCLoss"):
        shape = _ops.shape_of(inputs)
        n = inputs.aval.shape[1]
        op = _host_node("CTCLossLabels", label_inputs + [seq, shape],
                        [((n, None), np.int64), ((n,), np.int64), ((n,), np.int64),
                         ((n,), np.bool_)],
                        {"sparse": sparse, "collapse": bool(collapse),
                         "ignore_longer": bool(ignore_longer), "merge": bool(merge)},
                        "CTCLossLabels")
        targets, tl, il, no_path = op.outputs
        lp = _ops.log_softmax(inputs, -1)
        loss = _ctc.ctc_loss(lp, targets, il, tl, blank=c - 1, zero_infinity=True,
                             merge_repeated=bool(merge))
        inf = _ops.full_like(loss, np.inf)
        return _ops.where(no_path, inf, loss)


def ctc_loss(labels, inputs=None, sequence_length=None, preprocess_collapse_repeated=False,
             ctc_merge_repeated=True, ignore_longer_outputs_than_inputs=False,
             time_major=True, logits=None):
    """TensorFlow 1's ``tf.nn.ctc_loss``: the CTC negative log-likelihood ``(batch,)`` of the
    SparseTensor ``labels`` under the logits ``inputs`` (``(max_time, batch, classes)``, or
    batch-major with ``time_major=False``); the blank is the last class.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> labels = tf.SparseTensor([[0, 0]], np.array([0], np.int32), [1, 1])
        >>> loss = tf.nn.ctc_loss(labels, np.zeros((2, 1, 2), np.float32), [2])
        >>> with tf.Session() as sess:
        ...     round(float(sess.run(loss)[0]), 4)
        0.2877
    """
    if logits is not None:
        if inputs is not None:
            raise ValueError("Cannot specify both 'logits' and 'inputs'")
        inputs = logits
    if not _is_sparse(labels):
        raise TypeError("Expected labels (first argument) to be a SparseTensor")
    if inputs is None or sequence_length is None:
        raise TypeError("ctc_loss() missing required arguments 'inputs' and "
                        "'sequence_length'")
    g = get_default_graph()
    x = to_tensor(inputs, g, cast_data=True) if not isinstance(inputs, Tensor) else inputs
    if not time_major:
        x = _ops.transpose(x, (1, 0, 2))
    return _tf_ctc(x, [labels.indices, labels.values, labels.dense_shape], sequence_length,
                   True, preprocess_collapse_repeated, ctc_merge_repeated,
                   ignore_longer_outputs_than_inputs, None)


def ctc_loss_v2(labels, logits, label_length, logit_length, logits_time_major=True,
                unique=None, blank_index=None, name=None):
    """TensorFlow's ``ctc_loss_v2``: dense ``labels`` ``(batch, max_label_length)`` with
    ``label_length`` (blank ``blank_index``, default 0), or a SparseTensor (``blank_index``
    required; negative counts from the end), logits ``(frames, batch, classes)``."""
    g = get_default_graph()
    x = logits if isinstance(logits, Tensor) else to_tensor(logits, g, cast_data=True)
    if _is_sparse(labels):
        if blank_index is None:
            raise ValueError("blank_index must be given when using SparseTensor labels.")
        if not logits_time_major:
            x = _ops.transpose(x, (1, 0, 2))
        c = _check_inputs(x, "CTCLoss")
        blank_index = int(blank_index) + (c if blank_index < 0 else 0)
        values = labels.values
        if blank_index != c - 1:                  # TensorFlow's shift: blank moved last
            order = [k for k in range(c) if k != blank_index] + [blank_index]
            x = _seq.gather(x, np.array(order, np.int64), 2)
            values = _ops.where(_ops.less(values, blank_index), values,
                                _ops.sub(values, _ops.ones_like(values)))
        return _tf_ctc(x, [labels.indices, values, labels.dense_shape], logit_length, True,
                       False, True, False, name)
    if label_length is None:
        raise ValueError("label_length must be given with dense labels")
    if not logits_time_major:
        x = _ops.transpose(x, (1, 0, 2))
    c = _check_inputs(x, "ctc_loss_dense")
    blank = 0 if blank_index is None else int(blank_index) + (c if blank_index < 0 else 0)
    with g.name_scope(name or "ctc_loss_dense"):
        lab = to_tensor(labels, g)
        lp = _ops.log_softmax(x, -1)
        return _ctc.ctc_loss(lp, lab, to_tensor(logit_length, g), to_tensor(label_length, g),
                             blank=blank)


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """TensorFlow's greedy CTC decoder: ``([SparseTensor], neg_sum_logits)`` (see the module
    docstring); the blank is the last class unless ``blank_index`` is given."""
    g = get_default_graph()
    x = inputs if isinstance(inputs, Tensor) else to_tensor(inputs, g, cast_data=True)
    c = _check_inputs(x, "CTCGreedyDecoder")
    blank = c - 1 if blank_index is None else int(blank_index) + (c if blank_index < 0 else 0)
    n = x.aval.shape[1]
    op = _host_node("CTCGreedyDecoder", [x, to_tensor(sequence_length, g)],
                    [((None, 2), np.int64), ((None,), np.int64), ((2,), np.int64),
                     ((n, 1), x.aval.dtype)],
                    {"merge": bool(merge_repeated), "blank": blank}, "CTCGreedyDecoder")
    from .sparse import SparseTensor
    ind, vals, shape, neg = op.outputs
    return [SparseTensor(ind, vals, shape)], neg


# ============================================================================ Keras backend
def _squeeze_last(t: Tensor) -> Tensor:
    return _ops.squeeze(t, -1) if t.aval.ndim == 2 else t


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """Keras' ``K.ctc_batch_cost``: the CTC loss ``(batch, 1)`` of dense labels ``y_true``
    ``(batch, max_label_length)`` (the first ``label_length`` of each row) under the softmax
    output ``y_pred`` ``(batch, time, classes)``: ``tf.nn.ctc_loss`` of
    ``log(transpose(y_pred) + epsilon)``, blank the last class."""
    g = get_default_graph()
    yp = to_tensor(y_pred, g)
    lab = to_tensor(y_true, g)
    ll = _ops.cast(_squeeze_last(to_tensor(label_length, g)), np.dtype(np.int64))
    il = _ops.cast(_squeeze_last(to_tensor(input_length, g)), np.dtype(np.int32))
    if is_floating(lab.aval.dtype):
        lab = _ops.cast(lab, np.dtype(np.int64))
    from .keras import backend as K
    x = _ops.log(_ops.add(_ops.transpose(yp, (1, 0, 2)), float(K.epsilon())))
    loss = _tf_ctc(x, [lab, ll], il, False, False, True, False, None)
    return _ops.expand_dims(loss, 1)


def ctc_label_dense_to_sparse(labels, label_lengths):
    """Keras' ``K.ctc_label_dense_to_sparse``: the SparseTensor of the first
    ``label_lengths[b]`` labels of each row of ``labels`` ``(batch, max_length)``."""
    g = get_default_graph()
    lab = to_tensor(labels, g)
    if lab.aval.ndim != 2:
        raise ValueError(f"ctc_label_dense_to_sparse: labels must be (batch, max_length), got "
                         f"shape {lab.shape}")
    op = _host_node("CTCLabelDenseToSparse", [lab, to_tensor(label_lengths, g)],
                    [((None, 2), np.int64), ((None,), lab.aval.dtype), ((2,), np.int64)], {},
                    "CTCLabelDenseToSparse")
    from .sparse import SparseTensor
    return SparseTensor(*op.outputs)
