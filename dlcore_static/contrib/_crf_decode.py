"""``tf.contrib.crf.crf_decode``: TensorFlow 1.15's in-graph Viterbi decoding of a batch.

TF runs a forward ``dynamic_rnn`` (``CrfDecodeForwardRnnCell``: the running best scores and
the backpointers) over steps 1..T-1 and a backward one over the reversed backpointers
(``CrfDecodeBackwardRnnCell``), each with ``sequence_length - 1`` steps; here two
``tf.scan``\\ s do the same with the steps past a sequence's length masked as ``dynamic_rnn``
masks them: the state is carried, the output is 0.  So ``decode_tags[b, t]`` is 0 for
``t >= sequence_length[b]`` (TF's zero outputs after its ``reverse_sequence``), a sequence of
length 0 or 1 decodes to the argmax of its first step's potentials, and ``best_score`` is
the best path's score over the first ``max(1, length)`` steps.  One-step inputs take TF's
single-step branch (argmax and max of the squeezed potentials)."""

from __future__ import annotations

import sys

__all__ = ["CrfDecodeBackwardRnnCell", "CrfDecodeForwardRnnCell", "crf_decode"]


def _tf():
    return sys.modules["dlcore_static"]


class CrfDecodeForwardRnnCell:
    """TF's forward cell: ``(backpointers [B, O] int32, new_state [B, O])`` of one step."""

    def __init__(self, transition_params):
        tf = _tf()
        self._transition_params = tf.expand_dims(tf.convert_to_tensor(transition_params), 0)
        self._num_tags = self._transition_params.shape.as_list()[1]

    @property
    def state_size(self):
        return self._num_tags

    @property
    def output_size(self):
        return self._num_tags

    def __call__(self, inputs, state, scope=None):
        tf = _tf()
        transition_scores = tf.expand_dims(state, 2) + self._transition_params   # [B, O, O]
        new_state = inputs + tf.reduce_max(transition_scores, [1])
        backpointers = tf.cast(tf.argmax(transition_scores, 1), tf.int32)
        return backpointers, new_state


class CrfDecodeBackwardRnnCell:
    """TF's backward cell: the previous tag of each sequence from its backpointers."""

    def __init__(self, num_tags):
        self._num_tags = num_tags

    @property
    def state_size(self):
        return 1

    @property
    def output_size(self):
        return 1

    def __call__(self, inputs, state, scope=None):
        tf = _tf()
        state = tf.squeeze(state, axis=[1])                                      # [B]
        b_indices = tf.range(tf.shape(inputs)[0])
        indices = tf.stack([b_indices, state], axis=1)
        new_tags = tf.expand_dims(tf.gather_nd(inputs, indices), axis=-1)        # [B, 1]
        return new_tags, new_tags


def crf_decode(potentials, transition_params, sequence_length):
    """``(decode_tags [batch, max_seq_len] int32, best_score [batch])`` for ``potentials``
    [batch, max_seq_len, num_tags], ``transition_params`` [num_tags, num_tags] and
    ``sequence_length`` [batch]."""
    tf = _tf()
    potentials = tf.convert_to_tensor(potentials)
    transition_params = tf.convert_to_tensor(transition_params, dtype=potentials.dtype)
    sequence_length = tf.convert_to_tensor(sequence_length)
    if potentials.shape.ndims is not None and potentials.shape.ndims != 3:
        raise ValueError(f"crf_decode: potentials must be [batch_size, max_seq_len, num_tags], "
                         f"got shape {potentials.shape}")
    if sequence_length.dtype not in (tf.int32, tf.int64):
        raise TypeError(f"crf_decode: sequence_length must be int32 or int64, got "
                        f"{sequence_length.dtype.name}")

    def _single_seq_fn():
        squeezed = tf.squeeze(potentials, [1])
        decode_tags = tf.expand_dims(tf.argmax(squeezed, axis=1), 1)
        return tf.cast(decode_tags, tf.int32), tf.reduce_max(squeezed, axis=1)

    def _multi_seq_fn():
        return _viterbi(potentials, transition_params, sequence_length)

    n = potentials.shape.as_list()[1]
    if n is not None:
        return _single_seq_fn() if n == 1 else _multi_seq_fn()
    return tf.cond(tf.equal(tf.shape(potentials)[1], 1), _single_seq_fn, _multi_seq_fn)


def _viterbi(potentials, transition_params, sequence_length):
    tf = _tf()
    fwd = CrfDecodeForwardRnnCell(transition_params)
    first = potentials[:, 0, :]                                      # [B, O]
    steps = tf.transpose(potentials[:, 1:, :], [1, 0, 2])            # [T-1, B, O]
    n_steps = tf.shape(steps)[0]
    lengths = tf.cast(sequence_length, tf.int32)
    live = tf.maximum(lengths - 1, 0)                                 # TF's length - 1 steps
    zeros_bp = tf.zeros_like(first, dtype=tf.int32)

    def forward(carry, elems):
        _, state = carry
        x, t = elems
        bp, new_state = fwd(x, state)
        on = t < live                                                  # [B]
        return tf.where(on, bp, zeros_bp), tf.where(on, new_state, state)

    bps, states = tf.scan(forward, (steps, tf.range(n_steps)), initializer=(zeros_bp, first))
    last_score = states[-1]
    last_tag = tf.cast(tf.argmax(last_score, axis=1), tf.int32)      # [B]
    bwd = CrfDecodeBackwardRnnCell(fwd._num_tags)

    def backward(tag, elems):
        bp, t = elems                              # bp: the pointers into step t + 1
        prev, _ = bwd(bp, tf.expand_dims(tag, 1))
        return tf.where(t < live, tf.squeeze(prev, [1]), tag)

    # the tag at each step t < T - 1, backtracked from the last one (carried past the end)
    tags = tf.scan(backward, (bps, tf.range(n_steps)), initializer=last_tag, reverse=True)
    tags = tf.concat([tags, tf.expand_dims(last_tag, 0)], 0)         # [T, B]
    t_all = tf.expand_dims(tf.range(n_steps + 1), 1)                 # [T, 1]
    inside = t_all < tf.expand_dims(tf.maximum(lengths, 1), 0)
    decode_tags = tf.transpose(tf.where(inside, tags, tf.zeros_like(tags)), [1, 0])
    return decode_tags, tf.reduce_max(last_score, axis=1)
