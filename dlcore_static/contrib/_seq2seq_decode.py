"""``tf.contrib.seq2seq``'s decoding API of TF 1.x (contrib/seq2seq/python/ops/helper.py,
basic_decoder.py, decoder.py): ``TrainingHelper`` (teacher forcing from ``inputs`` up to each
``sequence_length``), ``GreedyEmbeddingHelper`` (argmax fed back through an embedding until
``end_token``), ``BasicDecoder`` (an RNN cell, an optional output layer such as
``tf.layers.Dense``) and ``dynamic_decode``, a ``tf.while_loop`` writing each step into
TensorArrays, with TF's ``impute_finished`` and ``maximum_iterations`` and the final sequence
lengths.  Gradients flow through the loop (TrainingHelper training)."""

from __future__ import annotations

import collections
import sys


def _tf():
    return sys.modules["dlcore_static"]


BasicDecoderOutput = collections.namedtuple("BasicDecoderOutput", ("rnn_output", "sample_id"))


class Helper:
    """The interface ``BasicDecoder`` drives: ``initialize``, ``sample``, ``next_inputs``."""

    @property
    def batch_size(self):
        raise NotImplementedError

    def initialize(self, name=None):
        raise NotImplementedError

    def sample(self, time, outputs, state, name=None):
        raise NotImplementedError

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        raise NotImplementedError


class TrainingHelper(Helper):
    """Reads ``inputs`` ([batch, time, ...], or time-major) step by step; a sequence is
    finished once ``time + 1 >= sequence_length``; the samples are the argmax of the outputs."""

    def __init__(self, inputs, sequence_length, time_major=False, name=None):
        tf = _tf()
        with tf.name_scope(name or "TrainingHelper"):
            inputs = tf.convert_to_tensor(inputs, name="inputs")
            if not time_major:
                perm = [1, 0] + list(range(2, len(inputs.shape)))
                inputs = tf.transpose(inputs, perm)
            self._inputs = inputs                      # time-major; step t: gather(inputs, t)
            self._sequence_length = tf.convert_to_tensor(sequence_length,
                                                         name="sequence_length")
            if len(self._sequence_length.shape) != 1:
                raise ValueError("Expected sequence_length to be a vector, but received shape: "
                                 f"{self._sequence_length.shape}")
            self._zero_inputs = tf.zeros_like(inputs[0])
            self._batch_size = tf.size(self._sequence_length)
            self._max_time = tf.shape(inputs)[0]

    @property
    def batch_size(self):
        return self._batch_size

    @property
    def sequence_length(self):
        return self._sequence_length

    def initialize(self, name=None):
        tf = _tf()
        with tf.name_scope(name or "TrainingHelperInitialize"):
            finished = tf.equal(0, self._sequence_length)
            all_finished = tf.reduce_all(finished)
            next_inputs = tf.cond(all_finished, lambda: self._zero_inputs,
                                  lambda: tf.gather(self._inputs, 0))
            return finished, next_inputs

    def sample(self, time, outputs, state, name=None):
        tf = _tf()
        with tf.name_scope(name or "TrainingHelperSample"):
            return tf.cast(tf.argmax(outputs, axis=-1), tf.int32)

    def next_inputs(self, time, outputs, state, sample_ids=None, name=None):
        tf = _tf()
        with tf.name_scope(name or "TrainingHelperNextInputs"):
            next_time = time + 1
            finished = next_time >= self._sequence_length
            all_finished = tf.reduce_all(finished)
            read = tf.minimum(next_time, self._max_time - 1)     # (never past the last step)
            next_inputs = tf.cond(all_finished, lambda: self._zero_inputs,
                                  lambda: tf.gather(self._inputs, read))
            return finished, next_inputs, state


def embedding_fn(embedding):
    """What a decoder feeds back for sampled ids: ``embedding`` itself when callable, else
    ``embedding_lookup(embedding, ids)`` (TF 1.15's GreedyEmbeddingHelper and BeamSearchDecoder)."""
    if callable(embedding):
        return embedding
    return lambda ids: _tf().nn.embedding_lookup(embedding, ids)


class GreedyEmbeddingHelper(Helper):
    """Feeds back ``embedding_lookup(embedding, argmax(outputs))``, starting from
    ``start_tokens``; a sequence is finished when it emits ``end_token``."""

    def __init__(self, embedding, start_tokens, end_token):
        tf = _tf()
        self._embedding_fn = embedding_fn(embedding)
        self._start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32,
                                                  name="start_tokens")
        self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32, name="end_token")
        if len(self._start_tokens.shape) != 1:
            raise ValueError("start_tokens must be a vector")
        if len(self._end_token.shape) != 0:
            raise ValueError("end_token must be a scalar")
        self._batch_size = tf.size(self._start_tokens)
        self._start_inputs = self._embedding_fn(self._start_tokens)

    @property
    def batch_size(self):
        return self._batch_size

    def initialize(self, name=None):
        tf = _tf()
        return tf.tile([False], [self._batch_size]), self._start_inputs

    def sample(self, time, outputs, state, name=None):
        tf = _tf()
        return tf.cast(tf.argmax(outputs, axis=-1), tf.int32)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        tf = _tf()
        finished = tf.equal(sample_ids, self._end_token)
        all_finished = tf.reduce_all(finished)
        next_inputs = tf.cond(all_finished, lambda: self._start_inputs,
                              lambda: self._embedding_fn(sample_ids))
        return finished, next_inputs, state


class BasicDecoder:
    """One step: ``cell(inputs, state)``, the output layer, the helper's sample and next
    inputs."""

    def __init__(self, cell, helper, initial_state, output_layer=None):
        if not callable(cell):
            raise TypeError(f"cell must be an RNNCell, received: {type(cell).__name__}")
        if not isinstance(helper, Helper):
            raise TypeError(f"helper must be a Helper, received: {type(helper).__name__}")
        if output_layer is not None and not callable(output_layer):
            raise TypeError(f"output_layer must be a Layer, received: "
                            f"{type(output_layer).__name__}")
        self._cell, self._helper = cell, helper
        self._initial_state, self._output_layer = initial_state, output_layer

    @property
    def batch_size(self):
        return self._helper.batch_size

    @property
    def tracks_own_finished(self) -> bool:
        return False

    def initialize(self, name=None):
        finished, first_inputs = self._helper.initialize()
        return finished, first_inputs, self._initial_state

    def step(self, time, inputs, state, name=None):
        tf = _tf()
        with tf.name_scope(name or "BasicDecoderStep"):
            cell_outputs, cell_state = self._cell(inputs, state)
            if self._output_layer is not None:
                cell_outputs = self._output_layer(cell_outputs)
            sample_ids = self._helper.sample(time=time, outputs=cell_outputs,
                                             state=cell_state)
            finished, next_inputs, next_state = self._helper.next_inputs(
                time=time, outputs=cell_outputs, state=cell_state, sample_ids=sample_ids)
        return BasicDecoderOutput(cell_outputs, sample_ids), next_state, next_inputs, finished


def _flat(x):
    tf = _tf()
    return tf.nest.flatten(x)


def _pack(like, flat):
    tf = _tf()
    return tf.nest.pack_sequence_as(like, flat)


def dynamic_decode(decoder, output_time_major=False, impute_finished=False,
                   maximum_iterations=None, parallel_iterations=32, swap_memory=False,
                   scope=None):
    """Run ``decoder`` until every sequence is finished (or ``maximum_iterations`` steps):
    ``(final_outputs, final_state, final_sequence_lengths)``, the outputs batch-major unless
    ``output_time_major``; ``impute_finished``: finished sequences emit zeros and keep their
    state."""
    tf = _tf()
    if not isinstance(decoder, BasicDecoder) and not all(
            hasattr(decoder, k) for k in ("initialize", "step", "batch_size")):
        raise TypeError(f"Expected decoder to be type Decoder, but saw: "
                        f"{type(decoder).__name__}")
    with tf.variable_scope(scope, default_name="decoder"):
        if maximum_iterations is not None:
            maximum_iterations = tf.convert_to_tensor(maximum_iterations, dtype=tf.int32,
                                                      name="maximum_iterations")
            if len(maximum_iterations.shape) != 0:
                raise ValueError("maximum_iterations must be a scalar")
        initial_finished, initial_inputs, initial_state = decoder.initialize()
        if maximum_iterations is not None:
            initial_finished = tf.logical_or(initial_finished, 0 >= maximum_iterations)
        initial_lengths = tf.zeros_like(initial_finished, dtype=tf.int32)
        initial_time = tf.constant(0, dtype=tf.int32)
        # one step outside the loop gives the outputs' structure and shapes (as TF's
        # output_size / output_dtype); the cell and the layers keep their variables on the
        # object, so the loop's step uses the same ones.  Nothing run reads the probe.
        probe, _, _, _ = decoder.step(initial_time, initial_inputs, initial_state)
        probe_flat = _flat(probe)
        out_tas = [tf.TensorArray(p.dtype, size=0, dynamic_size=True,
                                  element_shape=p.shape) for p in probe_flat]
        state_flat0 = _flat(initial_state)
        n_out, n_state = len(out_tas), len(state_flat0)

        def condition(time, finished, lengths, inputs, *rest):
            return tf.logical_not(tf.reduce_all(finished))

        def body(time, finished, lengths, inputs, *rest):
            tas = list(rest[:n_out])
            state = _pack(initial_state, list(rest[n_out:n_out + n_state]))
            outputs, next_state, next_inputs, decoder_finished = decoder.step(
                time, inputs, state)
            next_finished = (decoder_finished if decoder.tracks_own_finished
                             else tf.logical_or(decoder_finished, finished))
            if maximum_iterations is not None:
                next_finished = tf.logical_or(next_finished, time + 1 >= maximum_iterations)
            next_lengths = tf.where(tf.logical_not(finished),
                                    tf.fill(tf.shape(lengths), time + 1), lengths)
            out_flat = _flat(outputs)
            if impute_finished:
                def mask(o):                 # finished ([batch] or [batch, beam]) over o
                    extra = len(o.shape) - len(finished.shape)
                    return finished if extra == 0 else tf.broadcast_to(tf.reshape(
                        finished, tf.concat([tf.shape(finished), [1] * extra], 0)),
                        tf.shape(o))
                out_flat = [tf.where(mask(o), tf.zeros_like(o), o) for o in out_flat]
                new_state = []
                for cur, new in zip(_flat(state), _flat(next_state)):
                    if len(new.shape) < len(finished.shape):   # (TF: a scalar passes)
                        new_state.append(new)
                        continue
                    new_state.append(tf.where(mask(new), cur, new))
            else:
                new_state = _flat(next_state)
            tas = [ta.write(time, o) for ta, o in zip(tas, out_flat)]
            return [time + 1, next_finished, next_lengths, next_inputs] + tas + new_state

        res = tf.while_loop(condition, body,
                            [initial_time, initial_finished, initial_lengths, initial_inputs]
                            + out_tas + state_flat0,
                            parallel_iterations=parallel_iterations, swap_memory=swap_memory)
        final_lengths = res[2]
        final_tas = res[4:4 + n_out]
        final_state = _pack(initial_state, list(res[4 + n_out:]))
        final_outputs = _pack(probe, [ta.stack() for ta in final_tas])
        if hasattr(decoder, "finalize"):       # (BeamSearchDecoder: follow the parents back)
            final_outputs, final_state = decoder.finalize(final_outputs, final_state,
                                                          final_lengths)
        if not output_time_major:
            final_outputs = tf.nest.map_structure(
                lambda s: tf.transpose(s, [1, 0] + list(range(2, len(s.shape)))),
                final_outputs)
    return final_outputs, final_state, final_lengths
