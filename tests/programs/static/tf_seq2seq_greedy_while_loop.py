"""A TF1 sequence-to-sequence model without tf.contrib.seq2seq, as the TF1-era tutorials wrote
one by hand: an embedding and a GRUCell encoder through tf.nn.dynamic_rnn, a decoder trained with
teacher forcing (dynamic_rnn from the encoder's final state over the shifted targets, a dense
projection shared with inference), and greedy decoding at inference with tf.while_loop: each
step feeds back tf.argmax of the previous logits through tf.nn.embedding_lookup and writes the
token to a tf.TensorArray, stopping at max length (or when every sequence has emitted EOS,
tracked as a finished vector).  Task: reverse a sequence of digits.  Tiny sizes."""
import numpy as np
import dlcore_static as tf

tf.set_random_seed(1)
rs = np.random.RandomState(1)
VOCAB, GO, EOS = 8, 8, 9          # digits 0..7, then GO and EOS
T, B, EMB, HID = 4, 32, 12, 32


def batch(n):
    src = rs.randint(0, VOCAB, (n, T))
    tgt = np.concatenate([src[:, ::-1], np.full((n, 1), EOS)], 1)
    dec_in = np.concatenate([np.full((n, 1), GO), tgt[:, :-1]], 1)
    return src, dec_in, tgt


enc_inputs = tf.placeholder(tf.int32, [None, T], name="enc_inputs")
dec_inputs = tf.placeholder(tf.int32, [None, T + 1], name="dec_inputs")
dec_targets = tf.placeholder(tf.int32, [None, T + 1], name="dec_targets")
batch_size = tf.shape(enc_inputs)[0]

embeddings = tf.get_variable("embeddings", [VOCAB + 2, EMB])
with tf.variable_scope("encoder"):
    enc_cell = tf.nn.rnn_cell.GRUCell(HID)
    _, enc_state = tf.nn.dynamic_rnn(enc_cell, tf.nn.embedding_lookup(embeddings, enc_inputs),
                                     dtype=tf.float32)
projection = tf.layers.Dense(VOCAB + 2, name="projection")
with tf.variable_scope("decoder"):
    dec_cell = tf.nn.rnn_cell.GRUCell(HID)
    dec_out, _ = tf.nn.dynamic_rnn(dec_cell, tf.nn.embedding_lookup(embeddings, dec_inputs),
                                   initial_state=enc_state)
logits = projection(dec_out)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=dec_targets,
                                                                     logits=logits))
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)


def cond(t, state, token, finished, outputs):
    return tf.logical_and(t < T + 1, tf.logical_not(tf.reduce_all(finished)))


def body(t, state, token, finished, outputs):
    with tf.variable_scope("decoder", reuse=True):
        out, state = dec_cell(tf.nn.embedding_lookup(embeddings, token), state)
    next_token = tf.argmax(projection(out), axis=1, output_type=tf.int32)
    next_token = tf.where(finished, tf.fill([batch_size], EOS), next_token)
    outputs = outputs.write(t, next_token)
    return t + 1, state, next_token, tf.logical_or(finished, tf.equal(next_token, EOS)), outputs


start = tf.fill([batch_size], GO)
_, _, _, _, out_ta = tf.while_loop(
    cond, body,
    [tf.constant(0), enc_state, start, tf.zeros([batch_size], tf.bool),
     tf.TensorArray(tf.int32, size=T + 1, dynamic_size=True)])
greedy = tf.transpose(out_ta.stack())

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(150):
        src, din, tgt = batch(B)
        l, _ = sess.run([loss, train_op], {enc_inputs: src, dec_inputs: din, dec_targets: tgt})
        if step % 50 == 0:
            print("step %d loss %.4f" % (step, l))
    src, din, tgt = batch(64)
    decoded, tf_logits = sess.run([greedy, logits], {enc_inputs: src, dec_inputs: din})
    print("decoded shape", decoded.shape)
    print("greedy token accuracy %.3f" % (decoded[:, :T] == tgt[:, :T]).mean())
    print("teacher-forced accuracy %.3f" % (tf_logits.argmax(-1)[:, :T] == tgt[:, :T]).mean())
    print("source", src[0].tolist(), "decoded", decoded[0].tolist())
    fed_back = np.concatenate([np.full((64, 1), GO), decoded[:, :-1]], 1)
    again = sess.run(logits, {enc_inputs: src, dec_inputs: fed_back}).argmax(-1)
    running = np.cumsum(decoded == EOS, 1) - (decoded == EOS) == 0    # before the first EOS
    print("teacher forcing on the greedy tokens gives them back:",
          bool((again[running] == decoded[running]).all()))
