"""``tf.contrib.seq2seq``'s beam search of TF 1.15 (contrib/seq2seq/python/ops/
beam_search_decoder.py and the GatherTree kernel), built on dlcore's primitives.

``tile_batch(t, k)`` repeats each batch entry ``k`` times in place ([b0, b0, b1, b1, ...]), so
an encoder's outputs and final state match the decoder's ``batch * beam_width`` rows.

``BeamSearchDecoder`` keeps ``beam_width`` hypotheses per batch entry.  At each step, with
``lp`` the hypotheses' summed log-probabilities ([batch, beam]) and ``len`` their lengths::

    step = log_softmax(logits)             (a finished beam: 0 at end_token, dtype.min elsewhere)
    total[b, k, v] = lp[b, k] + step[b, k, v]
    new_len[b, k, v] = len[b, k] + (not finished[b, k] and v != end_token)
    score = total / ((5 + new_len) ** w / 6 ** w)         (w: length_penalty_weight; 1 if 0)
    the top beam_width of score[b] flattened over (beam, vocab): index i ->
        word i mod vocab, parent beam i // vocab; the lp, lengths, finished and cell state
        of the parent gathered; finished |= word == end_token; len += not parent finished

Beam 0 starts with lp 0 and the others with -inf (and finished), so the first step expands
beam 0 only.  ``dynamic_decode`` stops when every beam is finished (or at
``maximum_iterations``); ``finalize`` follows the parent ids back (``gather_tree``) so that
``FinalBeamSearchDecoderOutput.predicted_ids`` [batch, time, beam] holds whole hypotheses,
best first, end_token after each one's end.
"""

from __future__ import annotations

import collections
import sys

import numpy as np

from . import _seq2seq_decode as _decode


def _tf():
    return sys.modules["dlcore_static"]


class BeamSearchDecoderState(collections.namedtuple(
        "BeamSearchDecoderState",
        ("cell_state", "log_probs", "finished", "lengths", "accumulated_attention_probs"))):
    pass


class BeamSearchDecoderOutput(collections.namedtuple(
        "BeamSearchDecoderOutput", ("scores", "predicted_ids", "parent_ids"))):
    pass


class FinalBeamSearchDecoderOutput(collections.namedtuple(
        "FinalBeamDecoderOutput", ["predicted_ids", "beam_search_decoder_output"])):
    """``predicted_ids`` [batch, time, beam] (time-major with ``output_time_major``): the
    hypotheses followed back through their parents; ``beam_search_decoder_output``: the
    per-step ``BeamSearchDecoderOutput``."""


def _shape_vec(*parts):
    """An int32 shape vector from Python ints, scalar tensors and shape slices."""
    tf = _tf()
    vecs = []
    for p in parts:
        if isinstance(p, int):
            vecs.append(tf.constant([p], dtype=tf.int32))
        else:
            p = tf.cast(p, tf.int32)
            vecs.append(tf.reshape(p, [1]) if p.shape.ndims == 0 else p)
    return vecs[0] if len(vecs) == 1 else tf.concat(vecs, 0)


def _tile_one(t, multiplier):
    tf = _tf()
    t = tf.convert_to_tensor(t, name="t")
    if t.shape.ndims is None or t.shape.ndims < 1:
        raise ValueError("t must have statically known rank")
    shape_t = tf.shape(t)
    tiling = [1] * (t.shape.ndims + 1)
    tiling[1] = multiplier
    tiled = tf.tile(tf.expand_dims(t, 1), tiling)
    tiled = tf.reshape(tiled, _shape_vec(shape_t[0] * multiplier, shape_t[1:]))
    dims = t.shape.as_list()
    static = [None if dims[0] is None or not isinstance(multiplier, int)
              else dims[0] * multiplier] + dims[1:]
    tiled.set_shape(static)
    return tiled


def tile_batch(t, multiplier, name=None):
    """Each batch entry of every tensor in the structure ``t`` repeated ``multiplier`` times
    in place: [b0, b1] -> [b0, b0, b0, b1, b1, b1] for 3 (TF's ``tile_batch``)."""
    tf = _tf()
    flat = tf.nest.flatten(t)
    with tf.name_scope(name, "tile_batch", flat + [multiplier]):
        return tf.nest.map_structure(lambda t_: _tile_one(t_, multiplier), t)


def gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token, name=None):
    """TF's GatherTree: ``step_ids``/``parent_ids`` [max_time, batch, beam], followed back
    from step ``min(max_time, max_sequence_lengths[b]) - 1`` of each beam through its
    parents; positions past that length, and after the first ``end_token``, are
    ``end_token``.  A loop over time, backwards, of gathers (each step's row written into
    the [max_time, batch, beam] result by a mask over time)."""
    tf = _tf()
    with tf.name_scope(name, "GatherTree", [step_ids, parent_ids, max_sequence_lengths]):
        step_ids = tf.convert_to_tensor(step_ids, name="step_ids")
        parent_ids = tf.convert_to_tensor(parent_ids, dtype=step_ids.dtype, name="parent_ids")
        lengths = tf.convert_to_tensor(max_sequence_lengths, dtype=tf.int32,
                                       name="max_sequence_lengths")
        end_token = tf.convert_to_tensor(end_token, dtype=step_ids.dtype, name="end_token")
        for t, what in ((step_ids, "step_ids"), (parent_ids, "parent_ids")):
            if t.shape.ndims is not None and t.shape.ndims != 3:
                raise ValueError(f"GatherTree: {what} must be a 3-tensor [max_time, batch, "
                                 f"beam], but saw shape: {t.shape}")
        if lengths.shape.ndims is not None and lengths.shape.ndims != 1:
            raise ValueError("GatherTree: max_sequence_lengths must be a vector, but saw "
                             f"shape: {lengths.shape}")
        shape = tf.shape(step_ids)
        max_time, batch, beam = shape[0], shape[1], shape[2]
        seq_len = tf.minimum(lengths, max_time)                         # [batch]
        offsets = tf.expand_dims(tf.range(batch) * beam, 1)              # [batch, 1]
        parent0 = tf.tile(tf.expand_dims(tf.range(beam), 0), [batch, 1])
        times = tf.reshape(tf.range(max_time), [-1, 1, 1])              # [max_time, 1, 1]
        ends = tf.fill(shape, end_token)

        def body(level, parent, beams):
            active = tf.broadcast_to(tf.expand_dims(level < seq_len, 1), [batch, beam])
            flat = tf.reshape(parent + offsets, [-1])
            ids = tf.reshape(tf.gather(tf.reshape(step_ids[level], [-1]), flat),
                             [batch, beam])
            pid = tf.reshape(tf.gather(tf.reshape(parent_ids[level], [-1]), flat),
                             [batch, beam])
            row = tf.where(active, ids, tf.fill([batch, beam], end_token))
            beams = tf.where(tf.broadcast_to(tf.equal(times, level), shape),
                             tf.broadcast_to(tf.expand_dims(row, 0), shape), beams)
            return level - 1, tf.where(active, tf.cast(pid, tf.int32), parent), beams

        _, _, beams = tf.while_loop(lambda level, p, b: level >= 0, body,
                                    [max_time - 1, parent0, ends])
        # after a hypothesis' first end_token: end_token (a broken trajectory fed by hand)
        is_end = tf.cast(tf.equal(beams, end_token), tf.int32)
        seen = tf.cumsum(is_end, axis=0, exclusive=True)
        return tf.where(seen > 0, tf.fill(shape, end_token), beams)


def _check_ndims(t):
    if t.shape.ndims is None:
        raise ValueError(f"Expected tensor ({t}) to have known rank, but ndims == None.")


class BeamSearchDecoder:
    """TF 1.15's ``tf.contrib.seq2seq.BeamSearchDecoder`` (see the module docstring).  The
    ``initial_state`` has ``batch * beam_width`` rows (an encoder state through
    ``tile_batch``); ``embedding`` is a matrix or a callable of the ids."""

    tracks_own_finished = True

    def __init__(self, cell, embedding, start_tokens, end_token, initial_state, beam_width,
                 output_layer=None, length_penalty_weight=0.0, coverage_penalty_weight=0.0,
                 reorder_tensor_arrays=True):
        tf = _tf()
        if not callable(cell) or not hasattr(cell, "state_size"):
            raise TypeError(f"The argument 'cell' ({cell}) is not an RNNCell: 'output_size' "
                            "property is missing, 'state_size' property is missing, either "
                            "'zero_state' or 'get_initial_state' method is required, is not "
                            "callable.")
        if output_layer is not None and not callable(output_layer):
            raise TypeError(f"output_layer must be a Layer, received: {type(output_layer)}")
        if coverage_penalty_weight:
            raise NotImplementedError("BeamSearchDecoder: coverage_penalty_weight is not "
                                      "supported by dlcore_static (it needs the attention "
                                      "probabilities of an AttentionWrapper state)")
        self._cell, self._output_layer = cell, output_layer
        self._reorder_tensor_arrays = reorder_tensor_arrays
        self._embedding_fn = _decode.embedding_fn(embedding)
        self._start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32,
                                                  name="start_tokens")
        if self._start_tokens.shape.ndims != 1:
            raise ValueError("start_tokens must be a vector")
        self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32, name="end_token")
        if self._end_token.shape.ndims != 0:
            raise ValueError("end_token must be a scalar")
        self._batch_size = tf.size(self._start_tokens, out_type=tf.int32)
        n = self._start_tokens.shape.as_list()[0]
        self._static_batch_size = None if n is None else int(n)
        self._beam_width = int(beam_width)
        self._length_penalty_weight = length_penalty_weight
        self._initial_cell_state = tf.nest.map_structure(self._maybe_split_batch_beams,
                                                         initial_state)
        self._start_tokens = tf.tile(tf.expand_dims(self._start_tokens, 1),
                                     [1, self._beam_width])
        self._start_inputs = self._embedding_fn(self._start_tokens)
        self._finished = tf.one_hot(tf.zeros([self._batch_size], dtype=tf.int32),
                                    depth=self._beam_width, on_value=False, off_value=True,
                                    dtype=tf.bool)

    @property
    def batch_size(self):
        return self._batch_size

    # [batch, beam, ...] <-> [batch * beam, ...]
    def _merge_batch_beams(self, t):
        tf = _tf()
        shape = tf.shape(t)
        merged = tf.reshape(t, _shape_vec(self._batch_size * self._beam_width, shape[2:]))
        dims = t.shape.as_list()
        merged.set_shape([None if dims[0] is None else dims[0] * self._beam_width] + dims[2:])
        return merged

    def _split_batch_beams(self, t):
        tf = _tf()
        shape = tf.shape(t)
        split = tf.reshape(t, _shape_vec(self._batch_size, self._beam_width, shape[1:]))
        dims = t.shape.as_list()
        rows = dims[0]
        b = self._static_batch_size
        if rows is not None and b is not None and rows != b * self._beam_width:
            expected = [b, self._beam_width] + dims[1:]
            raise ValueError(
                "Unexpected behavior when reshaping between beam width and batch size.  The "
                f"reshaped tensor has shape: {t.shape}.  We expected it to have shape "
                f"(batch_size, beam_width, depth) == {tuple(expected)}.  Perhaps you forgot "
                "to create a zero_state with batch_size=encoder_batch_size * beam_width?")
        split.set_shape([b, self._beam_width] + dims[1:])
        return split

    def _maybe_split_batch_beams(self, t):
        if isinstance(t, _tf().TensorArray):
            return t
        _check_ndims(t)
        return self._split_batch_beams(t) if t.shape.ndims >= 1 else t

    def _maybe_merge_batch_beams(self, t):
        if isinstance(t, _tf().TensorArray):
            return t
        _check_ndims(t)
        return self._merge_batch_beams(t) if t.shape.ndims >= 2 else t

    def initialize(self, name=None):
        tf = _tf()
        dtype = tf.nest.flatten(self._initial_cell_state)[0].dtype
        log_probs = tf.one_hot(tf.zeros([self._batch_size], dtype=tf.int32),
                               depth=self._beam_width,
                               on_value=tf.convert_to_tensor(0.0, dtype=dtype),
                               off_value=tf.convert_to_tensor(-np.inf, dtype=dtype),
                               dtype=dtype)
        state = BeamSearchDecoderState(
            cell_state=self._initial_cell_state, log_probs=log_probs,
            finished=self._finished,
            lengths=tf.zeros([self._batch_size, self._beam_width], dtype=tf.int64),
            accumulated_attention_probs=())
        return self._finished, self._start_inputs, state

    def step(self, time, inputs, state, name=None):
        tf = _tf()
        with tf.name_scope(name, "BeamSearchDecoderStep", [time, inputs]):
            inputs = tf.nest.map_structure(self._merge_batch_beams, inputs)
            cell_state = tf.nest.map_structure(self._maybe_merge_batch_beams,
                                               state.cell_state)
            cell_outputs, next_cell_state = self._cell(inputs, cell_state)
            cell_outputs = tf.nest.map_structure(self._split_batch_beams, cell_outputs)
            next_cell_state = tf.nest.map_structure(self._maybe_split_batch_beams,
                                                    next_cell_state)
            if self._output_layer is not None:
                cell_outputs = self._output_layer(cell_outputs)
            output, beam_state = _beam_search_step(
                time, cell_outputs, next_cell_state, state, self._batch_size,
                self._beam_width, self._end_token, self._length_penalty_weight)
            finished = beam_state.finished
            sample_ids = output.predicted_ids
            next_inputs = tf.cond(tf.reduce_all(finished), lambda: self._start_inputs,
                                  lambda: self._embedding_fn(sample_ids))
        return output, beam_state, next_inputs, finished

    def finalize(self, outputs, final_state, sequence_lengths):
        """The hypotheses followed back through their parents (``gather_tree`` up to the
        longest beam of each batch entry); the cell state is returned as it is (it holds no
        TensorArray here, the only state TF reorders)."""
        tf = _tf()
        del sequence_lengths
        max_sequence_lengths = tf.cast(tf.reduce_max(final_state.lengths, axis=1), tf.int32)
        predicted_ids = gather_tree(outputs.predicted_ids, outputs.parent_ids,
                                    max_sequence_lengths=max_sequence_lengths,
                                    end_token=self._end_token)
        return FinalBeamSearchDecoderOutput(beam_search_decoder_output=outputs,
                                            predicted_ids=predicted_ids), final_state


def _gather_beams(indices, gather_from, batch_size, range_size, gather_shape, name=None):
    """TF's ``_tensor_gather_helper``: ``gather_from[b, indices[b, k]]`` for each batch row
    (the rows flattened to ``gather_shape`` and gathered at ``indices + b * range_size``)."""
    tf = _tf()
    with tf.name_scope(name, "tensor_gather_helper"):
        range_ = tf.expand_dims(tf.range(batch_size) * range_size, 1)
        flat = tf.reshape(indices + range_, [-1])
        out = tf.gather(tf.reshape(gather_from, _shape_vec(*gather_shape)), flat)
        final_shape = tf.shape(gather_from)[:1 + len(gather_shape)]
        out = tf.reshape(out, final_shape, name="output")
        out.set_shape(gather_from.shape.as_list()[:1 + len(gather_shape)])
        return out


def _length_penalty(sequence_lengths, penalty_factor):
    """GNMT's ``((5 + len) / 6) ** penalty_factor`` (1 when the factor is a constant 0)."""
    tf = _tf()
    if isinstance(penalty_factor, (int, float)) and penalty_factor == 0:
        return 1.0
    penalty_factor = tf.convert_to_tensor(penalty_factor, dtype=tf.float32,
                                          name="penalty_factor")
    if penalty_factor.shape.ndims not in (None, 0):
        raise ValueError(f"Shapes must be equal rank, but are {penalty_factor.shape.ndims} "
                         "and 0: the penalty factor should be a scalar")
    return tf.div((5. + tf.cast(sequence_lengths, tf.float32)) ** penalty_factor,
                  (5. + 1.) ** penalty_factor)


def _mask_probs(probs, eos_token, finished):
    """A finished beam's log-probabilities: 0 at ``eos_token``, the dtype's minimum
    elsewhere (it can only continue with end tokens, at no cost)."""
    tf = _tf()
    vocab_size = tf.shape(probs)[2]
    low = float(np.finfo(probs.dtype.as_numpy_dtype).min)
    finished_row = tf.one_hot(eos_token, vocab_size, dtype=probs.dtype,
                              on_value=tf.convert_to_tensor(0., dtype=probs.dtype),
                              off_value=tf.convert_to_tensor(low, dtype=probs.dtype))
    finished_probs = tf.tile(tf.reshape(finished_row, [1, 1, -1]),
                             tf.concat([tf.shape(finished), [1]], 0))
    finished_mask = tf.tile(tf.expand_dims(finished, 2), [1, 1, vocab_size])
    return tf.where(finished_mask, finished_probs, probs)


def _beam_search_step(time, logits, next_cell_state, beam_state, batch_size, beam_width,
                      end_token, length_penalty_weight):
    tf = _tf()
    prediction_lengths = beam_state.lengths
    previously_finished = beam_state.finished
    not_finished = tf.logical_not(previously_finished)
    step_log_probs = tf.nn.log_softmax(logits)
    step_log_probs = _mask_probs(step_log_probs, end_token, previously_finished)
    total_probs = tf.expand_dims(beam_state.log_probs, 2) + step_log_probs
    vocab_size = logits.shape.as_list()[-1]
    if vocab_size is None:
        vocab_size = tf.shape(logits)[-1]
    lengths_to_add = tf.one_hot(tf.fill([batch_size, beam_width], end_token), depth=vocab_size,
                                on_value=np.int64(0), off_value=np.int64(1), dtype=tf.int64)
    add_mask = tf.cast(not_finished, tf.int64)
    lengths_to_add *= tf.expand_dims(add_mask, 2)
    new_prediction_lengths = lengths_to_add + tf.expand_dims(prediction_lengths, 2)
    penalty = _length_penalty(new_prediction_lengths, length_penalty_weight)
    scores = total_probs / (penalty if isinstance(penalty, float)
                            else tf.cast(penalty, total_probs.dtype))
    scores_flat = tf.reshape(scores, [batch_size, -1])
    next_beam_scores, word_indices = tf.nn.top_k(scores_flat, k=beam_width)
    next_beam_probs = _gather_beams(word_indices, total_probs, batch_size,
                                    beam_width * vocab_size, [-1], name="next_beam_probs")
    next_word_ids = tf.cast(tf.mod(word_indices, vocab_size, name="next_beam_word_ids"),
                            tf.int32)
    next_beam_ids = tf.cast(word_indices // vocab_size, tf.int32,
                            name="next_beam_parent_ids")
    previously_finished = _gather_beams(next_beam_ids, previously_finished, batch_size,
                                        beam_width, [-1])
    next_finished = tf.logical_or(previously_finished, tf.equal(next_word_ids, end_token),
                                  name="next_beam_finished")
    lengths_to_add = tf.cast(tf.logical_not(previously_finished), tf.int64)
    next_prediction_len = _gather_beams(next_beam_ids, beam_state.lengths, batch_size,
                                        beam_width, [-1])
    next_prediction_len += lengths_to_add

    def gather_state(t):
        if isinstance(t, tf.TensorArray):
            return t
        _check_ndims(t)
        if t.shape.ndims < 2:
            return t
        return _gather_beams(next_beam_ids, t, batch_size, beam_width,
                             [batch_size * beam_width, -1])

    next_cell_state = tf.nest.map_structure(gather_state, next_cell_state)
    next_state = BeamSearchDecoderState(
        cell_state=next_cell_state, log_probs=next_beam_probs, lengths=next_prediction_len,
        finished=next_finished, accumulated_attention_probs=())
    output = BeamSearchDecoderOutput(scores=next_beam_scores, predicted_ids=next_word_ids,
                                     parent_ids=next_beam_ids)
    return output, next_state


__all__ = ["BeamSearchDecoder", "BeamSearchDecoderOutput", "BeamSearchDecoderState",
           "FinalBeamSearchDecoderOutput", "gather_tree", "tile_batch"]
