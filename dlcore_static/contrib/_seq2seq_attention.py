"""``tf.contrib.seq2seq``'s attention of TF 1.x (contrib/seq2seq/python/ops/attention_wrapper.py):
``BahdanauAttention`` (additive: ``v . tanh(W_m memory + W_q query)``, optionally weight-normed),
``LuongAttention`` (multiplicative: ``query . W_m memory``, optionally scaled by a learned
``g``), both masking the memory past ``memory_sequence_length`` (softmax over the rest), and
``AttentionWrapper``, an RNN cell whose input is ``[inputs, previous attention]`` and whose
output is the attention (``attention_layer([cell_output, context])`` when
``attention_layer_size`` is given, else the context), its state an ``AttentionWrapperState``
with ``clone``.  Variable names follow TF: ``memory_layer/kernel``, ``query_layer/kernel``,
``attention_v``, ``attention_g``, ``attention_b``, ``attention_layer/kernel``."""

from __future__ import annotations

import collections
import sys


def _tf():
    return sys.modules["dlcore_static"]


class AttentionWrapperState(collections.namedtuple(
        "AttentionWrapperState", ("cell_state", "attention", "time", "alignments",
                                  "alignment_history", "attention_state"))):
    """The state of an AttentionWrapper; ``clone(cell_state=...)`` replaces fields."""

    def clone(self, **kwargs):
        return self._replace(**kwargs)


class _BaseAttention:
    def __init__(self, query_layer, memory, memory_sequence_length, memory_layer, name,
                 score_mask_value=None):
        tf = _tf()
        self._name = name
        # TF's variable scope of the score: bahdanau_attention / luong_attention
        self._scope_name = "".join("_" + c.lower() if c.isupper() else c for c in
                                   name).lstrip("_")
        with tf.name_scope(name, "BaseAttentionMechanismInit"):
            values = tf.convert_to_tensor(memory, name="memory")
            if len(values.shape) != 3:
                raise ValueError(f"{name}: memory must be [batch, max_time, depth], got shape "
                                 f"{values.shape}")
            self._max_time = tf.shape(values)[1]
            if memory_sequence_length is not None:
                mask = tf.sequence_mask(memory_sequence_length, self._max_time,
                                        dtype=values.dtype)
                values = values * tf.expand_dims(mask, 2)
                self._mask = tf.cast(mask, tf.bool)
            else:
                self._mask = None
            self._values = values
            self._keys = memory_layer(values) if memory_layer is not None else values
        self.query_layer, self.memory_layer = query_layer, memory_layer
        self._batch_size = tf.shape(values)[0]
        self._score_mask_value = score_mask_value

    @property
    def values(self):
        return self._values

    @property
    def keys(self):
        return self._keys

    @property
    def alignments_size(self):
        return self._keys.shape[1]

    @property
    def state_size(self):
        return self.alignments_size

    def initial_alignments(self, batch_size, dtype):
        tf = _tf()
        t = self._keys.shape[1]
        return tf.zeros([batch_size, self._max_time if t is None else int(t)], dtype=dtype)

    def initial_state(self, batch_size, dtype):
        return self.initial_alignments(batch_size, dtype)

    def _probabilities(self, score):
        tf = _tf()
        if self._mask is not None:
            low = self._score_mask_value
            if low is None:
                low = float("-inf")
            score = tf.where(self._mask, score,
                             tf.fill(tf.shape(score), tf.constant(low, score.dtype)))
        return tf.nn.softmax(score)

    def _score(self, query):
        raise NotImplementedError

    def __call__(self, query, state):
        tf = _tf()
        with tf.variable_scope(None, self._scope_name, [query]):
            score = self._score(query)
        alignments = self._probabilities(score)
        return alignments, alignments


class BahdanauAttention(_BaseAttention):
    """Additive attention: ``score = v . tanh(keys + W_q query (+ b))`` (``normalize``: ``v``
    weight-normalized by ``g`` and a bias ``b``, Salimans & Kingma)."""

    def __init__(self, num_units, memory, memory_sequence_length=None, normalize=False,
                 probability_fn=None, score_mask_value=None, dtype=None,
                 custom_key_value_fn=None, name="BahdanauAttention"):
        tf = _tf()
        if probability_fn is not None or custom_key_value_fn is not None:
            raise NotImplementedError("BahdanauAttention: probability_fn and "
                                      "custom_key_value_fn are not supported (softmax)")
        super().__init__(
            tf.layers.Dense(num_units, name="query_layer", use_bias=False, dtype=dtype),
            memory, memory_sequence_length,
            tf.layers.Dense(num_units, name="memory_layer", use_bias=False, dtype=dtype),
            name, score_mask_value)
        self._num_units, self._normalize = num_units, normalize

    def _score(self, query):
        tf = _tf()
        processed = tf.expand_dims(self.query_layer(query), 1)
        dtype = processed.dtype
        v = tf.get_variable("attention_v", [self._num_units], dtype=dtype)
        if self._normalize:
            g = tf.get_variable("attention_g", dtype=dtype,
                                initializer=tf.constant(float(self._num_units) ** -0.5,
                                                        dtype=dtype))
            b = tf.get_variable("attention_b", [self._num_units], dtype=dtype,
                                initializer=tf.zeros_initializer())
            normed_v = g * v * tf.rsqrt(tf.reduce_sum(tf.square(v)))
            return tf.reduce_sum(normed_v * tf.tanh(self.keys + processed + b), [2])
        return tf.reduce_sum(v * tf.tanh(self.keys + processed), [2])


class LuongAttention(_BaseAttention):
    """Multiplicative attention: ``score = query . keys`` (``scale``: times a learned ``g``)."""

    def __init__(self, num_units, memory, memory_sequence_length=None, scale=False,
                 probability_fn=None, score_mask_value=None, dtype=None,
                 custom_key_value_fn=None, name="LuongAttention"):
        tf = _tf()
        if probability_fn is not None or custom_key_value_fn is not None:
            raise NotImplementedError("LuongAttention: probability_fn and custom_key_value_fn "
                                      "are not supported (softmax)")
        super().__init__(
            None, memory, memory_sequence_length,
            tf.layers.Dense(num_units, name="memory_layer", use_bias=False, dtype=dtype),
            name, score_mask_value)
        self._num_units, self._scale = num_units, scale

    def _score(self, query):
        tf = _tf()
        depth = query.shape[-1]
        if depth is not None and self._keys.shape[-1] is not None and \
                int(depth) != int(self._keys.shape[-1]):
            raise ValueError(f"Incompatible or unknown inner dimensions between query and "
                             f"keys.  Query (shape {query.shape}) has units: {depth}.  Keys "
                             f"(shape {self._keys.shape}) have units: {self._keys.shape[-1]}."
                             "  Perhaps you need to set num_units to the keys' dimension "
                             f"({self._keys.shape[-1]})?")
        score = tf.squeeze(tf.matmul(tf.expand_dims(query, 1), self.keys, transpose_b=True),
                           [1])
        if self._scale:
            g = tf.get_variable("attention_g", dtype=query.dtype,
                                initializer=tf.constant(1.0, dtype=query.dtype))
            score = g * score
        return score


class AttentionWrapper:
    """An RNN cell with attention: see the module docstring."""

    def __init__(self, cell, attention_mechanism, attention_layer_size=None,
                 alignment_history=False, cell_input_fn=None, output_attention=True,
                 initial_cell_state=None, name=None, attention_layer=None):
        tf = _tf()
        if isinstance(attention_mechanism, (list, tuple)):
            raise NotImplementedError("AttentionWrapper: a list of attention mechanisms is "
                                      "not supported (pass one)")
        if alignment_history:
            raise NotImplementedError("AttentionWrapper: alignment_history=True is not "
                                      "supported")
        if attention_layer_size is not None and attention_layer is not None:
            raise ValueError("Only one of attention_layer_size and attention_layer should be "
                             "set")
        self._cell, self._mech = cell, attention_mechanism
        self._cell_input_fn = cell_input_fn or (
            lambda inputs, attention: tf.concat([inputs, attention], -1))
        if attention_layer_size is not None:
            attention_layer = tf.layers.Dense(attention_layer_size, name="attention_layer",
                                              use_bias=False)
        self._attention_layer = attention_layer
        self._attention_size = (attention_layer_size if attention_layer_size is not None
                                else int(attention_mechanism.values.shape[-1]))
        self._output_attention = output_attention
        self._initial_cell_state = initial_cell_state
        self._name = name or "attention_wrapper"
        self._scope = None     # captured on the first call (as a TF1 layer's): later calls reuse

    @property
    def output_size(self):
        return self._attention_size if self._output_attention else self._cell.output_size

    @property
    def state_size(self):
        return AttentionWrapperState(
            cell_state=self._cell.state_size, time=(), attention=self._attention_size,
            alignments=self._mech.alignments_size, alignment_history=(),
            attention_state=self._mech.state_size)

    def zero_state(self, batch_size, dtype):
        tf = _tf()
        with tf.name_scope(type(self).__name__ + "ZeroState"):
            cell_state = (self._initial_cell_state if self._initial_cell_state is not None
                          else self._cell.zero_state(batch_size, dtype))
            alignments = self._mech.initial_alignments(batch_size, dtype)
            return AttentionWrapperState(
                cell_state=cell_state, time=tf.zeros([], dtype=tf.int32),
                attention=tf.zeros([batch_size, self._attention_size], dtype=dtype),
                alignments=alignments, alignment_history=(),
                attention_state=self._mech.initial_state(batch_size, dtype))

    def __call__(self, inputs, state, scope=None):
        tf = _tf()
        if not isinstance(state, AttentionWrapperState):
            raise TypeError("Expected state to be instance of AttentionWrapperState. "
                            f"Received type {type(state)} instead.")
        # TF1 (a Layer): the first call opens ``variable_scope(scope, default_name=name)``
        # (a second wrapper is attention_wrapper_1, its own variables); later calls reenter
        # that scope with reuse (the cell and the layers keep theirs on the object)
        ctx = (tf.variable_scope(scope, default_name=self._name) if self._scope is None
               else tf.variable_scope(self._scope, reuse=True))
        with ctx as vs:
            self._scope = vs
            cell_inputs = self._cell_input_fn(inputs, state.attention)
            cell_output, next_cell_state = self._cell(cell_inputs, state.cell_state)
            alignments, next_attention_state = self._mech(cell_output,
                                                          state=state.attention_state)
            context = tf.squeeze(tf.matmul(tf.expand_dims(alignments, 1), self._mech.values),
                                 [1])
            if self._attention_layer is not None:
                attention = self._attention_layer(tf.concat([cell_output, context], 1))
            else:
                attention = context
        next_state = AttentionWrapperState(
            time=state.time + 1, cell_state=next_cell_state, attention=attention,
            attention_state=next_attention_state, alignments=alignments,
            alignment_history=())
        return (attention if self._output_attention else cell_output), next_state
