"""``tf.contrib.crf``: TensorFlow 1.15's linear-chain CRF, op for op (``crf_log_likelihood``,
``crf_sequence_score``, ``crf_unary_score``, ``crf_binary_score``, ``crf_log_norm``,
``crf_forward``) on dlcore_static's graph ops, so ``tf.gradients`` reaches the unary scores and
the transition matrix; ``viterbi_decode`` is TF's NumPy function.  Inputs of one step take
TF's single-step branch (chosen when the graph is built if the length is static, else by
``tf.cond``).  A sequence of length 1 in a batch of longer ones gets the exact log-norm (TF 1.12
and TF Addons; TF 1.13-1.15's scan-based ``crf_forward`` added one transition there)."""

from __future__ import annotations

import sys

import numpy as np

from ._crf_decode import CrfDecodeBackwardRnnCell, CrfDecodeForwardRnnCell, crf_decode

__all__ = ["CrfDecodeBackwardRnnCell", "CrfDecodeForwardRnnCell", "crf_binary_score",
           "crf_decode", "crf_forward", "crf_log_likelihood", "crf_log_norm",
           "crf_sequence_score", "crf_unary_score", "viterbi_decode"]


def _tf():
    """The ``tf`` namespace, read at call time (the package imports contrib)."""
    return sys.modules["dlcore_static"]


def _one_step_cond(inputs, single, multi):
    """TF's ``smart_cond(equal(shape(inputs)[1], 1), single, multi)``."""
    tf = _tf()
    n = tf.convert_to_tensor(inputs).shape.as_list()[1]
    if n is not None:
        return single() if n == 1 else multi()
    return tf.cond(tf.equal(tf.shape(inputs)[1], 1), single, multi)


def crf_sequence_score(inputs, tag_indices, sequence_lengths, transition_params):
    """The unnormalised score of each tag sequence ([batch])."""
    tf = _tf()
    inputs = tf.convert_to_tensor(inputs)
    tag_indices = tf.convert_to_tensor(tag_indices)
    sequence_lengths = tf.convert_to_tensor(sequence_lengths)

    def _single_seq_fn():
        batch_size = tf.cast(tf.shape(inputs)[0], tag_indices.dtype)
        example_inds = tf.reshape(tf.range(batch_size, dtype=tag_indices.dtype), [-1, 1])
        # (tag_indices is [batch, 1] here: the reshape keeps the index depth static)
        sequence_scores = tf.gather_nd(tf.squeeze(inputs, [1]), tf.concat(
            [example_inds, tf.reshape(tag_indices[:, :1], [-1, 1])], axis=1))
        return tf.where(tf.less_equal(sequence_lengths, 0), tf.zeros_like(sequence_scores),
                        sequence_scores)

    def _multi_seq_fn():
        unary_scores = crf_unary_score(tag_indices, sequence_lengths, inputs)
        binary_scores = crf_binary_score(tag_indices, sequence_lengths, transition_params)
        return unary_scores + binary_scores

    return _one_step_cond(inputs, _single_seq_fn, _multi_seq_fn)


def crf_log_norm(inputs, sequence_lengths, transition_params):
    """The log partition function of each sequence ([batch])."""
    tf = _tf()
    inputs = tf.convert_to_tensor(inputs)
    sequence_lengths = tf.convert_to_tensor(sequence_lengths)
    first_input = tf.squeeze(tf.slice(inputs, [0, 0, 0], [-1, 1, -1]), [1])

    def _single_seq_fn():
        log_norm = tf.reduce_logsumexp(first_input, [1])
        return tf.where(tf.less_equal(sequence_lengths, 0), tf.zeros_like(log_norm), log_norm)

    def _multi_seq_fn():
        rest_of_input = tf.slice(inputs, [0, 1, 0], [-1, -1, -1])
        alphas = crf_forward(rest_of_input, first_input, transition_params, sequence_lengths)
        log_norm = tf.reduce_logsumexp(alphas, [1])
        return tf.where(tf.less_equal(sequence_lengths, 0), tf.zeros_like(log_norm), log_norm)

    return _one_step_cond(inputs, _single_seq_fn, _multi_seq_fn)


def crf_log_likelihood(inputs, tag_indices, sequence_lengths, transition_params=None):
    """``(log_likelihood [batch], transition_params)``; without ``transition_params`` a new
    ``get_variable("transitions", [num_tags, num_tags])``."""
    tf = _tf()
    inputs = tf.convert_to_tensor(inputs)
    num_tags = inputs.shape.as_list()[2]
    if transition_params is None:
        transition_params = tf.get_variable("transitions", [num_tags, num_tags])
    sequence_scores = crf_sequence_score(inputs, tag_indices, sequence_lengths,
                                         transition_params)
    log_norm = crf_log_norm(inputs, sequence_lengths, transition_params)
    return sequence_scores - log_norm, transition_params


def crf_unary_score(tag_indices, sequence_lengths, inputs):
    """The sum of the unary scores of each tag sequence, steps past its length masked."""
    tf = _tf()
    inputs = tf.convert_to_tensor(inputs)
    tag_indices = tf.convert_to_tensor(tag_indices)
    batch_size = tf.shape(inputs)[0]
    max_seq_len = tf.shape(inputs)[1]
    num_tags = tf.shape(inputs)[2]
    flattened_inputs = tf.reshape(inputs, [-1])
    offsets = tf.expand_dims(tf.range(batch_size) * max_seq_len * num_tags, 1)
    offsets += tf.expand_dims(tf.range(max_seq_len) * num_tags, 0)
    if tag_indices.dtype == tf.int64:
        offsets = tf.cast(offsets, tf.int64)
    flattened_tag_indices = tf.reshape(offsets + tag_indices, [-1])
    unary_scores = tf.reshape(tf.gather(flattened_inputs, flattened_tag_indices),
                              [batch_size, max_seq_len])
    masks = tf.sequence_mask(sequence_lengths, maxlen=tf.shape(tag_indices)[1],
                             dtype=tf.float32)
    return tf.reduce_sum(unary_scores * tf.cast(masks, unary_scores.dtype), 1)


def crf_binary_score(tag_indices, sequence_lengths, transition_params):
    """The sum of the transition scores of each tag sequence, within its length."""
    tf = _tf()
    tag_indices = tf.convert_to_tensor(tag_indices)
    transition_params = tf.convert_to_tensor(transition_params)
    num_tags = transition_params.shape.as_list()[0]
    num_transitions = tf.shape(tag_indices)[1] - 1
    start_tag_indices = tf.slice(tag_indices, [0, 0], [-1, num_transitions])
    end_tag_indices = tf.slice(tag_indices, [0, 1], [-1, num_transitions])
    flattened_transition_indices = start_tag_indices * num_tags + end_tag_indices
    flattened_transition_params = tf.reshape(transition_params, [-1])
    binary_scores = tf.gather(flattened_transition_params, flattened_transition_indices)
    masks = tf.sequence_mask(sequence_lengths, maxlen=tf.shape(tag_indices)[1],
                             dtype=tf.float32)
    truncated_masks = tf.slice(masks, [0, 1], [-1, -1])
    return tf.reduce_sum(binary_scores * tf.cast(truncated_masks, binary_scores.dtype), 1)


def crf_forward(inputs, state, transition_params, sequence_lengths):
    """The forward algorithm's alphas at each sequence's end ([batch, num_tags])."""
    tf = _tf()
    lengths = tf.convert_to_tensor(sequence_lengths)
    last = tf.maximum(tf.constant(0, dtype=lengths.dtype), lengths - 2)
    inputs = tf.transpose(inputs, [1, 0, 2])
    transition_params = tf.expand_dims(transition_params, 0)

    def _scan_fn(state, inputs):
        state = tf.expand_dims(state, 2)
        transition_scores = state + transition_params
        return inputs + tf.reduce_logsumexp(transition_scores, [1])

    all_alphas = tf.transpose(tf.scan(_scan_fn, inputs, state), [1, 0, 2])
    idxs = tf.stack([tf.range(tf.shape(last)[0]),
                     tf.cast(last, tf.int32)], axis=1)
    alphas = tf.gather_nd(all_alphas, idxs)
    # a sequence of one step next to longer ones: its alphas are the first step's (TF 1.12's
    # dynamic_rnn version and TF Addons; the 1.13-1.15 scan read one transition too far)
    return tf.where(tf.less_equal(lengths, 1), state, alphas)


def viterbi_decode(score, transition_params):
    """The highest scoring tag sequence of one example (NumPy): ``(viterbi, viterbi_score)``
    for ``score`` [seq_len, num_tags]."""
    trellis = np.zeros_like(score)
    backpointers = np.zeros_like(score, dtype=np.int32)
    trellis[0] = score[0]
    for t in range(1, score.shape[0]):
        v = np.expand_dims(trellis[t - 1], 1) + transition_params
        trellis[t] = score[t] + np.max(v, 0)
        backpointers[t] = np.argmax(v, 0)
    viterbi = [np.argmax(trellis[-1])]
    for bp in reversed(backpointers[1:]):
        viterbi.append(bp[viterbi[-1]])
    viterbi.reverse()
    viterbi_score = np.max(trellis[-1])
    return viterbi, viterbi_score



