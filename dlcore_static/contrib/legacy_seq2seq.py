"""``tf.contrib.legacy_seq2seq`` (TensorFlow 1.15, contrib/legacy_seq2seq/python/ops/seq2seq.py):
the list-of-time-steps sequence-to-sequence models of the 2016 tutorials (translate, char-rnn).

Inputs are Python lists with one (batch, ...) tensor per time step, unrolled in the graph:

    rnn_decoder:            out_t, s_t = cell(x_t, s_{t-1}); with ``loop_function``, x_t for
                            t > 0 is ``loop_function(out_{t-1}, t)`` (sampling/greedy decoding)
    basic_rnn_seq2seq:      a copy of ``cell`` encodes (``static_rnn``), ``cell`` decodes
    tied_rnn_seq2seq:       one cell (one set of variables) encodes and decodes
    embedding_rnn_decoder:  symbols embedded (``embedding``), optional argmax feedback
    embedding_rnn_seq2seq:  encoder through ``EmbeddingWrapper``, decoder as above; a boolean
                            tensor ``feed_previous`` builds both decoders under ``tf.cond``
    embedding_attention_seq2seq / _decoder: the same with ``attention_decoder`` over the
                            encoder's outputs (the translate tutorial's model)
    model_with_buckets:     one seq2seq per (encoder, decoder) length bucket, variables shared
    attention_decoder:      Bahdanau-style attention over ``attention_states`` (B, L, D):
                            s = sum(v tanh(W1 h + W2 q)), a = softmax(s), d = sum(a h); the
                            cell's input is Linear([x_t] + attns), the output
                            Linear([cell_out] + attns)
    sequence_loss_by_example / sequence_loss: weighted sparse softmax cross-entropy per step,
                            summed over steps (/ the summed weights), / batch size

Variable names are TensorFlow's (``rnn_decoder/basic_lstm_cell/kernel``,
``attention_decoder/AttnW_0``, ``.../Attention_0/kernel``, ``.../AttnOutputProjection/bias``,
``embedding_rnn_seq2seq/rnn/embedding_wrapper/embedding``), so TF 1.15 checkpoints map by
name.  Everything is a composite of dlcore ops: gradients reach every variable.
"""

from __future__ import annotations

import copy
import math
import sys

from ..rnn_cell import _Wrapper

__all__ = ["EmbeddingWrapper", "attention_decoder", "basic_rnn_seq2seq",
           "embedding_attention_decoder", "embedding_attention_seq2seq",
           "embedding_rnn_decoder", "embedding_rnn_seq2seq", "model_with_buckets",
           "rnn_decoder", "sequence_loss", "sequence_loss_by_example", "tied_rnn_seq2seq"]


def _tf():
    """The ``tf`` namespace, read at call time (the package imports contrib)."""
    return sys.modules["dlcore_static"]


def _steps(values, what: str, op: str) -> list:
    """``values`` as a non-empty list of tensors (TF's legacy API takes Python lists)."""
    tf = _tf()
    if isinstance(values, tf.Tensor) or not hasattr(values, "__iter__"):
        raise TypeError(f"{op}: {what} must be a list of tensors (one per time step), got "
                        f"{type(values).__name__}")
    out = [v if isinstance(v, tf.Tensor) else tf.convert_to_tensor(v) for v in values]
    if not out:
        raise ValueError(f"{op}: {what} must not be empty")
    return out


def _linear(args, output_size: int, bias: bool = True):
    """TF's ``core_rnn_cell._Linear``: ``concat(args, 1) @ kernel + bias`` with ``kernel``
    (sum of the args' depths, output_size) and ``bias`` (zeros) in the current scope."""
    tf = _tf()
    if not isinstance(args, (list, tuple)):
        args = [args]
    total = 0
    for a in args:
        dims = a.shape.as_list() if a.shape.ndims is not None else None
        if dims is None or len(dims) != 2:
            raise ValueError(f"linear is expecting 2D arguments: {[x.shape for x in args]}")
        if dims[1] is None:
            raise ValueError(f"linear expects shape[1] to be provided for shape {a.shape}, "
                             "but saw None")
        total += dims[1]
    dtype = args[0].dtype
    kernel = tf.get_variable("kernel", [total, output_size], dtype=dtype)
    x = args[0] if len(args) == 1 else tf.concat(args, 1)
    res = tf.matmul(x, kernel)
    if not bias:
        return res
    b = tf.get_variable("bias", [output_size], dtype=dtype,
                        initializer=tf.constant_initializer(0.0))
    return tf.nn.bias_add(res, b)


class EmbeddingWrapper(_Wrapper):
    """``tf.contrib.rnn.EmbeddingWrapper``: integer symbols (batch,) embedded by a variable
    ``embedding`` (embedding_classes, embedding_size), uniform in +-sqrt(3) unless
    ``initializer``, then the wrapped cell (both under the scope ``embedding_wrapper``)."""

    _default_name = "embedding_wrapper"

    def __init__(self, cell, embedding_classes: int, embedding_size: int, initializer=None,
                 reuse=None) -> None:
        super().__init__(0, reuse=reuse)
        if not callable(cell) or not hasattr(cell, "state_size"):
            raise TypeError("The parameter cell is not RNNCell.")
        if embedding_classes <= 0 or embedding_size <= 0:
            raise ValueError(f"Both embedding_classes and embedding_size must be > 0: "
                             f"{embedding_classes}, {embedding_size}.")
        self._cell = cell
        self._embedding_classes = int(embedding_classes)
        self._embedding_size = int(embedding_size)
        self._initializer = initializer

    def call(self, inputs, state):
        tf = _tf()
        with self._captured_scope():
            flat = tf.nest.flatten(state)
            dtype = flat[0].dtype
            if self._vars is None:
                init = self._initializer or tf.get_variable_scope().initializer or \
                    tf.random_uniform_initializer(-math.sqrt(3), math.sqrt(3))
                self._vars = [tf.get_variable("embedding", [self._embedding_classes,
                                                            self._embedding_size],
                                              initializer=init, dtype=dtype)]
            embedded = tf.nn.embedding_lookup(self._vars[0], tf.reshape(inputs, [-1]))
            return self._cell(embedded, state)


# ---------------------------------------------------------------------- decoders
def _extract_argmax_and_embed(embedding, output_projection=None, update_embedding=True):
    """The greedy ``loop_function``: argmax of the (projected) output, embedded."""
    tf = _tf()

    def loop_function(prev, _):
        if output_projection is not None:
            prev = tf.nn.xw_plus_b(prev, output_projection[0], output_projection[1])
        prev_symbol = tf.argmax(prev, 1)
        emb_prev = tf.nn.embedding_lookup(embedding, prev_symbol)
        if not update_embedding:
            emb_prev = tf.stop_gradient(emb_prev)
        return emb_prev
    return loop_function


def rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None, scope=None):
    """RNN decoder: (outputs list, final state); see the module docstring."""
    tf = _tf()
    decoder_inputs = list(decoder_inputs)
    with tf.variable_scope(scope or "rnn_decoder"):
        state = initial_state
        outputs = []
        prev = None
        for i, inp in enumerate(decoder_inputs):
            if loop_function is not None and prev is not None:
                with tf.variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            if i > 0:
                tf.get_variable_scope().reuse_variables()
            output, state = cell(inp, state)
            outputs.append(output)
            if loop_function is not None:
                prev = output
    return outputs, state


def _encode(cell, encoder_inputs, dtype):
    """``static_rnn(cell, encoder_inputs, dtype=dtype)``: (outputs, final state), its zero
    state sized by the run-time batch of the first input (inputs may be 1-D symbols)."""
    tf = _tf()
    batch = tf.shape(encoder_inputs[0])[0]
    first = encoder_inputs[0].shape.as_list() if encoder_inputs[0].shape.ndims else None
    if first and first[0] is not None:
        batch = first[0]
    zero = cell.zero_state(batch, dtype)
    return tf.nn.static_rnn(cell, encoder_inputs, initial_state=zero, dtype=dtype)


def _encoder_state(cell, encoder_inputs, dtype):
    return _encode(cell, encoder_inputs, dtype)[1]


def _copy_cell(cell):
    """TF's ``copy.deepcopy(cell)`` for the encoder: a copy that makes (or, under a reusing
    scope, finds) its own variables.  A cell already called holds its variables; deepcopy
    would copy graph objects, so the copy drops them instead (recursively)."""
    c = copy.copy(cell)
    if getattr(c, "_cells", None) is not None:
        c._cells = [_copy_cell(x) for x in c._cells]
    if getattr(c, "_cell", None) is not None:
        c._cell = _copy_cell(c._cell)
    c._vars = None
    c._call_scope = None
    c.__dict__.pop("_captured", None)
    return c


def basic_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, dtype=None, scope=None):
    """A copy of ``cell`` encodes ``encoder_inputs``; ``cell`` decodes from its final state."""
    tf = _tf()
    dtype = tf.float32 if dtype is None else dtype
    encoder_inputs = _steps(encoder_inputs, "encoder_inputs", "basic_rnn_seq2seq")
    with tf.variable_scope(scope or "basic_rnn_seq2seq"):
        enc_cell = _copy_cell(cell)
        enc_state = _encoder_state(enc_cell, encoder_inputs, dtype)
        return rnn_decoder(decoder_inputs, enc_state, cell)


def tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, loop_function=None, dtype=None,
                     scope=None):
    """One cell, one set of variables, for the encoder and the decoder."""
    tf = _tf()
    dtype = tf.float32 if dtype is None else dtype
    encoder_inputs = _steps(encoder_inputs, "encoder_inputs", "tied_rnn_seq2seq")
    with tf.variable_scope("combined_tied_rnn_seq2seq"):
        scope = scope or "tied_rnn_seq2seq"
        batch = tf.shape(encoder_inputs[0])[0]
        _, enc_state = tf.nn.static_rnn(cell, encoder_inputs,
                                        initial_state=cell.zero_state(batch, dtype),
                                        dtype=dtype, scope=scope)
        tf.get_variable_scope().reuse_variables()
        return rnn_decoder(decoder_inputs, enc_state, cell, loop_function=loop_function,
                           scope=scope)


def embedding_rnn_decoder(decoder_inputs, initial_state, cell, num_symbols, embedding_size,
                          output_projection=None, feed_previous=False,
                          update_embedding_for_previous=True, scope=None):
    """``rnn_decoder`` over embedded symbols (``embedding`` (num_symbols, embedding_size));
    ``feed_previous``: each step after the first reads the embedded argmax of the last
    output (projected by ``output_projection`` = (W, b) when given)."""
    tf = _tf()
    decoder_inputs = _steps(decoder_inputs, "decoder_inputs", "embedding_rnn_decoder")
    with tf.variable_scope(scope or "embedding_rnn_decoder") as vs:
        if output_projection is not None:
            dtype = vs.dtype or tf.float32
            proj_weights = tf.convert_to_tensor(output_projection[0], dtype=dtype)
            proj_weights.shape.assert_is_compatible_with([None, num_symbols])
            proj_biases = tf.convert_to_tensor(output_projection[1], dtype=dtype)
            proj_biases.shape.assert_is_compatible_with([num_symbols])
        embedding = tf.get_variable("embedding", [num_symbols, embedding_size])
        loop_function = _extract_argmax_and_embed(
            embedding, output_projection, update_embedding_for_previous) \
            if feed_previous else None
        emb_inp = [tf.nn.embedding_lookup(embedding, i) for i in decoder_inputs]
        return rnn_decoder(emb_inp, initial_state, cell, loop_function=loop_function)


def embedding_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols,
                          num_decoder_symbols, embedding_size, output_projection=None,
                          feed_previous=False, dtype=None, scope=None):
    """Embedding encoder (``EmbeddingWrapper``) and ``embedding_rnn_decoder``; the decoder's
    outputs are ``num_decoder_symbols`` logits (an ``OutputProjectionWrapper``) unless an
    ``output_projection`` is given."""
    tf = _tf()
    encoder_inputs = _steps(encoder_inputs, "encoder_inputs", "embedding_rnn_seq2seq")
    decoder_inputs = _steps(decoder_inputs, "decoder_inputs", "embedding_rnn_seq2seq")
    with tf.variable_scope(scope or "embedding_rnn_seq2seq", dtype=dtype) as vs:
        dtype = dtype or vs.dtype or tf.float32
        encoder_cell = EmbeddingWrapper(_copy_cell(cell), embedding_classes=num_encoder_symbols,
                                        embedding_size=embedding_size)
        encoder_state = _encoder_state(encoder_cell, encoder_inputs, dtype)
        if output_projection is None:
            cell = tf.contrib.rnn.OutputProjectionWrapper(cell, num_decoder_symbols)
        def build(feed, update=True):
            return embedding_rnn_decoder(decoder_inputs, encoder_state, cell,
                                         num_decoder_symbols, embedding_size,
                                         output_projection=output_projection,
                                         feed_previous=feed,
                                         update_embedding_for_previous=update)
        return _decode(feed_previous, build, encoder_state, len(decoder_inputs))


def _decode(feed_previous, build, encoder_state, n: int):
    """``build(feed_previous)`` for a Python bool; for a boolean tensor both decoders under
    ``tf.cond`` (TF's two graphs), the argmax feedback not updating the embedding."""
    tf = _tf()
    if isinstance(feed_previous, bool):
        return build(feed_previous)
    # TF1 creates a variable outside any cond context (its `read` too), so the second branch
    # reuses the first's; here a variable made in a branch is read in it, so the decoder's
    # variables are made first, by a decoder built outside the cond (not run: nothing fetches
    # it)
    with tf.name_scope("variables"):
        build(False)

    def decoder(feed_previous_bool):
        with tf.variable_scope(tf.get_variable_scope(), reuse=True):
            outputs, state = build(feed_previous_bool, False)
            return list(outputs) + tf.nest.flatten(state)

    outputs_and_state = tf.cond(feed_previous, lambda: decoder(True), lambda: decoder(False))
    state_list = list(outputs_and_state[n:])
    state = tf.nest.pack_sequence_as(encoder_state, state_list) \
        if tf.nest.is_nested(encoder_state) else state_list[0]
    return list(outputs_and_state[:n]), state


def attention_decoder(decoder_inputs, initial_state, attention_states, cell, output_size=None,
                      num_heads=1, loop_function=None, dtype=None, scope=None,
                      initial_state_attention=False):
    """RNN decoder with attention over ``attention_states`` (batch, length, size); returns
    (outputs list of (batch, output_size), final state).  See the module docstring."""
    tf = _tf()
    decoder_inputs = list(decoder_inputs)
    if not decoder_inputs:
        raise ValueError("Must provide at least 1 input to attention decoder.")
    if num_heads < 1:
        raise ValueError("With less than 1 heads, use a non-attention decoder.")
    attention_states = tf.convert_to_tensor(attention_states)
    shape = attention_states.shape
    if shape.ndims != 3 or shape.as_list()[2] is None:
        raise ValueError(f"Shape[2] of attention_states must be known: {shape}")
    if output_size is None:
        output_size = cell.output_size

    with tf.variable_scope(scope or "attention_decoder", dtype=dtype) as vs:
        dtype = vs.dtype or tf.float32          # (a VariableScope's default dtype: float32)
        batch_size = tf.shape(decoder_inputs[0])[0]
        attn_length = shape.as_list()[1]
        if attn_length is None:
            attn_length = tf.shape(attention_states)[1]
        attn_size = shape.as_list()[2]

        # W1 h_t for every position: a 1x1 convolution over (batch, length, 1, size)
        hidden = tf.reshape(attention_states, [-1, attn_length, 1, attn_size])
        hidden_features = []
        v = []
        attention_vec_size = attn_size
        for a in range(num_heads):
            k = tf.get_variable(f"AttnW_{a}", [1, 1, attn_size, attention_vec_size],
                                dtype=dtype)
            hidden_features.append(tf.nn.conv2d(hidden, k, [1, 1, 1, 1], "SAME"))
            v.append(tf.get_variable(f"AttnV_{a}", [attention_vec_size], dtype=dtype))

        state = initial_state

        def attention(query):
            ds = []
            if tf.nest.is_nested(query):
                query_list = tf.nest.flatten(query)
                for q in query_list:
                    if q.shape.ndims and q.shape.ndims != 2:
                        raise ValueError(f"attention_decoder: each state part must be 2-D, "
                                         f"got {q.shape}")
                query = tf.concat(query_list, 1)
            for a in range(num_heads):
                with tf.variable_scope(f"Attention_{a}"):
                    y = _linear(query, attention_vec_size, True)
                    y = tf.reshape(y, [-1, 1, 1, attention_vec_size])
                    y = tf.cast(y, dtype)
                    s = tf.reduce_sum(v[a] * tf.tanh(hidden_features[a] + y), [2, 3])
                    weights = tf.cast(tf.nn.softmax(tf.cast(s, tf.float32)), dtype)
                    d = tf.reduce_sum(tf.reshape(weights, [-1, attn_length, 1, 1]) * hidden,
                                      [1, 2])
                    ds.append(tf.reshape(d, [-1, attn_size]))
            return ds

        outputs = []
        prev = None
        batch_attn_size = tf.stack([batch_size, attn_size])
        attns = [tf.zeros(batch_attn_size, dtype=dtype) for _ in range(num_heads)]
        for a in attns:
            a.set_shape([None, attn_size])
        if initial_state_attention:
            attns = attention(initial_state)
        for i, inp in enumerate(decoder_inputs):
            if i > 0:
                tf.get_variable_scope().reuse_variables()
            if loop_function is not None and prev is not None:
                with tf.variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            inp = tf.convert_to_tensor(inp)
            dims = inp.shape.as_list() if inp.shape.ndims is not None else None
            if dims is None or len(dims) != 2:
                raise ValueError(f"Shape {inp.shape} must have rank 2 (attention_decoder "
                                 f"input {i}: {inp.name})")
            if dims[1] is None:
                raise ValueError(f"Could not infer input size from input: {inp.name}")
            inputs = [tf.cast(e, dtype) for e in [inp] + attns]
            x = _linear(inputs, dims[1], True)
            cell_output, state = cell(x, state)
            if i == 0 and initial_state_attention:
                with tf.variable_scope(tf.get_variable_scope(), reuse=True):
                    attns = attention(state)
            else:
                attns = attention(state)
            with tf.variable_scope("AttnOutputProjection"):
                cell_output = tf.cast(cell_output, dtype)
                output = _linear([cell_output] + attns, output_size, True)
            if loop_function is not None:
                prev = output
            outputs.append(output)
    return outputs, state


def embedding_attention_decoder(decoder_inputs, initial_state, attention_states, cell,
                                num_symbols, embedding_size, num_heads=1, output_size=None,
                                output_projection=None, feed_previous=False,
                                update_embedding_for_previous=True, dtype=None, scope=None,
                                initial_state_attention=False):
    """``attention_decoder`` over embedded symbols, with the argmax feedback of
    ``embedding_rnn_decoder`` when ``feed_previous``."""
    tf = _tf()
    decoder_inputs = _steps(decoder_inputs, "decoder_inputs", "embedding_attention_decoder")
    if output_size is None:
        output_size = cell.output_size
    if output_projection is not None:
        proj_biases = tf.convert_to_tensor(output_projection[1], dtype=dtype)
        proj_biases.shape.assert_is_compatible_with([num_symbols])
    with tf.variable_scope(scope or "embedding_attention_decoder", dtype=dtype):
        embedding = tf.get_variable("embedding", [num_symbols, embedding_size])
        loop_function = _extract_argmax_and_embed(
            embedding, output_projection, update_embedding_for_previous) \
            if feed_previous else None
        emb_inp = [tf.nn.embedding_lookup(embedding, i) for i in decoder_inputs]
        return attention_decoder(emb_inp, initial_state, attention_states, cell,
                                 output_size=output_size, num_heads=num_heads,
                                 loop_function=loop_function,
                                 initial_state_attention=initial_state_attention)


def embedding_attention_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols,
                                num_decoder_symbols, embedding_size, num_heads=1,
                                output_projection=None, feed_previous=False, dtype=None,
                                scope=None, initial_state_attention=False):
    """Embedding encoder; attention decoder over its outputs (batch, T_enc, cell size)."""
    tf = _tf()
    encoder_inputs = _steps(encoder_inputs, "encoder_inputs", "embedding_attention_seq2seq")
    decoder_inputs = _steps(decoder_inputs, "decoder_inputs", "embedding_attention_seq2seq")
    with tf.variable_scope(scope or "embedding_attention_seq2seq", dtype=dtype) as vs:
        dtype = dtype or vs.dtype or tf.float32
        encoder_cell = EmbeddingWrapper(_copy_cell(cell), embedding_classes=num_encoder_symbols,
                                        embedding_size=embedding_size)
        encoder_outputs, encoder_state = _encode(encoder_cell, encoder_inputs, dtype)
        top_states = [tf.reshape(e, [-1, 1, cell.output_size]) for e in encoder_outputs]
        attention_states = tf.concat(top_states, 1)
        output_size = None
        if output_projection is None:
            cell = tf.contrib.rnn.OutputProjectionWrapper(cell, num_decoder_symbols)
            output_size = num_decoder_symbols

        def build(feed, update=True):
            return embedding_attention_decoder(
                decoder_inputs, encoder_state, attention_states, cell, num_decoder_symbols,
                embedding_size, num_heads=num_heads, output_size=output_size,
                output_projection=output_projection, feed_previous=feed,
                update_embedding_for_previous=update,
                initial_state_attention=initial_state_attention)
        return _decode(feed_previous, build, encoder_state, len(decoder_inputs))


def model_with_buckets(encoder_inputs, decoder_inputs, targets, weights, buckets, seq2seq,
                       softmax_loss_function=None, per_example_loss=False, name=None):
    """One ``seq2seq(encoder_inputs[:e], decoder_inputs[:d])`` per bucket (e, d), the later
    ones reusing the first's variables: (outputs per bucket, loss per bucket)."""
    tf = _tf()
    if len(encoder_inputs) < buckets[-1][0]:
        raise ValueError(f"Length of encoder_inputs ({len(encoder_inputs)}) must be at least "
                         f"that of last bucket ({buckets[-1][0]}).")
    if len(targets) < buckets[-1][1]:
        raise ValueError(f"Length of targets ({len(targets)}) must be at least that of last "
                         f"bucket ({buckets[-1][1]}).")
    if len(weights) < buckets[-1][1]:
        raise ValueError(f"Length of weights ({len(weights)}) must be at least that of last "
                         f"bucket ({buckets[-1][1]}).")
    all_inputs = list(encoder_inputs) + list(decoder_inputs) + list(targets) + list(weights)
    losses, outputs = [], []
    with tf.name_scope(name, "model_with_buckets", all_inputs):
        for j, bucket in enumerate(buckets):
            with tf.variable_scope(tf.get_variable_scope(), reuse=True if j > 0 else None):
                bucket_outputs, _ = seq2seq(encoder_inputs[:bucket[0]],
                                            decoder_inputs[:bucket[1]])
                outputs.append(bucket_outputs)
                loss_fn = sequence_loss_by_example if per_example_loss else sequence_loss
                losses.append(loss_fn(outputs[-1], targets[:bucket[1]], weights[:bucket[1]],
                                      softmax_loss_function=softmax_loss_function))
    return outputs, losses


# ---------------------------------------------------------------------- losses
def sequence_loss_by_example(logits, targets, weights, average_across_timesteps=True,
                             softmax_loss_function=None, name=None):
    """Per example: sum_t w_t * CE(logits_t, targets_t) (/ sum_t w_t + 1e-12); (batch,)."""
    tf = _tf()
    logits, targets, weights = list(logits), list(targets), list(weights)
    if len(targets) != len(logits) or len(weights) != len(logits):
        raise ValueError(f"Lengths of logits, weights, and targets must be the same "
                         f"{len(logits)}, {len(weights)}, {len(targets)}.")
    with tf.name_scope(name, "sequence_loss_by_example", logits + targets + weights):
        log_perp_list = []
        for logit, target, weight in zip(logits, targets, weights):
            if softmax_loss_function is None:
                target = tf.reshape(target, [-1])
                crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target,
                                                                          logits=logit)
            else:
                crossent = softmax_loss_function(labels=target, logits=logit)
            log_perp_list.append(crossent * weight)
        log_perps = tf.add_n(log_perp_list)
        if average_across_timesteps:
            total_size = tf.add_n(weights)
            total_size += 1e-12            # (TF: avoids a division by 0 for all-0 weights)
            log_perps /= total_size
    return log_perps


def sequence_loss(logits, targets, weights, average_across_timesteps=True,
                  average_across_batch=True, softmax_loss_function=None, name=None):
    """The sum of ``sequence_loss_by_example`` (/ batch size): a scalar."""
    tf = _tf()
    logits, targets, weights = list(logits), list(targets), list(weights)
    with tf.name_scope(name, "sequence_loss", logits + targets + weights):
        cost = tf.reduce_sum(sequence_loss_by_example(
            logits, targets, weights, average_across_timesteps=average_across_timesteps,
            softmax_loss_function=softmax_loss_function))
        if average_across_batch:
            batch_size = tf.shape(targets[0])[0]
            return cost / tf.cast(batch_size, cost.dtype)
        return cost
