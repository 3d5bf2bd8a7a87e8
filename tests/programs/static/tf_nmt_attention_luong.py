"""The TensorFlow 1.x Neural Machine Translation tutorial (tensorflow/nmt), README "Background
on the Attention Mechanism" section (attention_model.py): the basic model of
tf_nmt_seq2seq_basic_decoder.py with the decoder cell wrapped in
tf.contrib.seq2seq.AttentionWrapper over a LuongAttention of the (batch-major) encoder outputs
masked by the source lengths, attention_layer_size=num_units, and the initial state
``decoder_cell.zero_state(batch, dtype).clone(cell_state=encoder_state)``.  Then: time-major
embeddings, an encoder
BasicLSTMCell under tf.nn.dynamic_rnn, a decoder of tf.contrib.seq2seq.TrainingHelper +
BasicDecoder (a Dense projection layer without bias) + dynamic_decode(output_time_major=True),
sparse softmax cross-entropy weighted by the target mask and divided by the batch size,
gradients clipped by global norm, Adam; then greedy inference with GreedyEmbeddingHelper from
tgt_sos_id until tgt_eos_id, maximum_iterations = 2 * the longest source.  The parallel corpus
is replaced by a synthetic one: the target is the source sequence reversed (vocabulary of 10
with <s> and </s>), so translation accuracy is measurable."""
# ruff: noqa: UP031  (written in the source's own style)
import numpy as np

import dlcore_static as tf

src_vocab_size = tgt_vocab_size = 10
tgt_sos_id, tgt_eos_id = 1, 2
embedding_size = 16
num_units = 48
max_gradient_norm = 5.0
learning_rate = 0.01
batch_size = 32
max_len = 5

# (seed 3 until fidtf13's dynamic_rnn sequence_length check shifted the op seeds: it ended at
# 0.05 then; seeds 1 2 4 5 7 end at 0.0006-0.0012)
tf.set_random_seed(1)
rng = np.random.RandomState(3)


def make_batch(n):
    """Time-major batches as the nmt iterator gives them."""
    lengths = rng.randint(2, max_len + 1, n)
    source = np.zeros((max_len, n), np.int32)
    target_in = np.zeros((max_len + 1, n), np.int32)
    target_out = np.zeros((max_len + 1, n), np.int32)
    target_in[0] = tgt_sos_id
    for b, length in enumerate(lengths):
        words = rng.randint(3, src_vocab_size, length)
        source[:length, b] = words
        target_in[1:length + 1, b] = words[::-1]
        target_out[:length, b] = words[::-1]
        target_out[length, b] = tgt_eos_id
    return source, lengths.astype(np.int32), target_in, target_out, \
        (lengths + 1).astype(np.int32)


# Placeholders (the nmt iterator's tensors)
encoder_inputs = tf.placeholder(tf.int32, [None, None], name="encoder_inputs")
source_sequence_length = tf.placeholder(tf.int32, [None], name="source_sequence_length")
decoder_inputs = tf.placeholder(tf.int32, [None, None], name="decoder_inputs")
decoder_outputs = tf.placeholder(tf.int32, [None, None], name="decoder_outputs")
decoder_lengths = tf.placeholder(tf.int32, [None], name="decoder_lengths")

# Embedding
embedding_encoder = tf.get_variable("embedding_encoder", [src_vocab_size, embedding_size])
embedding_decoder = tf.get_variable("embedding_decoder", [tgt_vocab_size, embedding_size])
# Look up embedding:
#   encoder_inputs: [max_time, batch_size]
#   encoder_emb_inp: [max_time, batch_size, embedding_size]
encoder_emb_inp = tf.nn.embedding_lookup(embedding_encoder, encoder_inputs)
decoder_emb_inp = tf.nn.embedding_lookup(embedding_decoder, decoder_inputs)

# Build RNN cell
with tf.variable_scope("encoder"):
    encoder_cell = tf.nn.rnn_cell.BasicLSTMCell(num_units)
    # Run Dynamic RNN
    #   encoder_outputs: [max_time, batch_size, num_units]
    #   encoder_state: [batch_size, num_units]
    encoder_outputs, encoder_state = tf.nn.dynamic_rnn(
        encoder_cell, encoder_emb_inp,
        sequence_length=source_sequence_length, time_major=True, dtype=tf.float32)

# attention_states: [batch_size, max_time, num_units]
attention_states = tf.transpose(encoder_outputs, [1, 0, 2])

# Create an attention mechanism
attention_mechanism = tf.contrib.seq2seq.LuongAttention(
    num_units, attention_states,
    memory_sequence_length=source_sequence_length)

# Build RNN cell
decoder_cell = tf.nn.rnn_cell.BasicLSTMCell(num_units)
decoder_cell = tf.contrib.seq2seq.AttentionWrapper(
    decoder_cell, attention_mechanism,
    attention_layer_size=num_units)
batch = tf.size(source_sequence_length)
decoder_initial_state = decoder_cell.zero_state(batch, tf.float32).clone(
    cell_state=encoder_state)
projection_layer = tf.layers.Dense(tgt_vocab_size, use_bias=False, name="output_projection")
# Helper
helper = tf.contrib.seq2seq.TrainingHelper(
    decoder_emb_inp, decoder_lengths, time_major=True)
# Decoder
decoder = tf.contrib.seq2seq.BasicDecoder(
    decoder_cell, helper, decoder_initial_state,
    output_layer=projection_layer)
# Dynamic decoding
with tf.variable_scope("decoder") as decoder_scope:
    outputs, final_context_state, _ = tf.contrib.seq2seq.dynamic_decode(
        decoder, output_time_major=True, scope=decoder_scope)
logits = outputs.rnn_output

max_time = tf.shape(decoder_outputs)[0]
target_weights = tf.transpose(
    tf.sequence_mask(decoder_lengths, max_time, dtype=logits.dtype))
crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(
    labels=decoder_outputs, logits=logits)
train_loss = (tf.reduce_sum(crossent * target_weights) /
              tf.to_float(tf.shape(decoder_outputs)[1]))

# Calculate and clip gradients
params = tf.trainable_variables()
gradients = tf.gradients(train_loss, params)
clipped_gradients, gradient_norm = tf.clip_by_global_norm(
    gradients, max_gradient_norm)

# Optimization
optimizer = tf.train.AdamOptimizer(learning_rate)
update_step = optimizer.apply_gradients(
    zip(clipped_gradients, params))

# Inference: Helper
infer_helper = tf.contrib.seq2seq.GreedyEmbeddingHelper(
    embedding_decoder,
    tf.fill([tf.size(source_sequence_length)], tgt_sos_id), tgt_eos_id)

# Decoder
infer_decoder = tf.contrib.seq2seq.BasicDecoder(
    decoder_cell, infer_helper, decoder_initial_state,
    output_layer=projection_layer)
# Dynamic decoding
maximum_iterations = tf.round(tf.reduce_max(source_sequence_length) * 2)
with tf.variable_scope("decoder", reuse=True) as decoder_scope:
    infer_outputs, _, infer_lengths = tf.contrib.seq2seq.dynamic_decode(
        infer_decoder, maximum_iterations=maximum_iterations, scope=decoder_scope)
translations = infer_outputs.sample_id

history = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(400):
        src, src_len, tgt_in, tgt_out, tgt_len = make_batch(batch_size)
        _, loss, norm = sess.run([update_step, train_loss, gradient_norm], {
            encoder_inputs: src, source_sequence_length: src_len,
            decoder_inputs: tgt_in, decoder_outputs: tgt_out, decoder_lengths: tgt_len})
        if step % 100 == 0 or step == 399:
            print("step %d loss %.4f gradient norm %.3f" % (step, loss, norm))
            history.append((step, loss))
    src, src_len, tgt_in, tgt_out, tgt_len = make_batch(64)
    translated, translated_lengths = sess.run([translations, infer_lengths], {
        encoder_inputs: src, source_sequence_length: src_len})
    train_logits = sess.run(logits, {
        encoder_inputs: src, source_sequence_length: src_len, decoder_inputs: tgt_in,
        decoder_lengths: tgt_len})
    variable_names = [v.op.name for v in params]
    final_alignments = sess.run(final_context_state.alignments, {
        encoder_inputs: src, source_sequence_length: src_len, decoder_inputs: tgt_in,
        decoder_lengths: tgt_len})

exact = 0
for b in range(64):
    want = list(src[:src_len[b], b][::-1]) + [tgt_eos_id]
    got = list(translated[b, :translated_lengths[b]])
    exact += got == want
print("exact translations: %d / 64" % exact)
