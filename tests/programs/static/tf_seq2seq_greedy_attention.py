"""A seq2seq model written without tf.contrib.seq2seq, as the TF1 tutorials of the time wrote
one by hand: a GRU encoder (tf.nn.dynamic_rnn), Luong dot-product attention written with
matmul and softmax, a GRUCell decoder trained with teacher forcing (its steps unrolled with a
Python loop over tf.unstack), and greedy decoding at inference with tf.while_loop and a
TensorArray, each step feeding back the embedding of its argmax.  Task: reverse a sequence of
digits."""
import numpy as np
import dlcore_static as tf

tf.set_random_seed(3)
rs = np.random.RandomState(3)
vocab, emb_dim, units, T, GO = 6, 8, 16, 5, 0
batch = 32


def make_batch(n):
    src = rs.randint(1, vocab, size=(n, T)).astype(np.int32)
    tgt = src[:, ::-1].copy()
    dec_in = np.concatenate([np.full((n, 1), GO, np.int32), tgt[:, :-1]], axis=1)
    return src, dec_in, tgt


src = tf.placeholder(tf.int32, [None, T], name="src")
dec_in = tf.placeholder(tf.int32, [None, T], name="dec_in")
tgt = tf.placeholder(tf.int32, [None, T], name="tgt")
embedding = tf.get_variable("embedding", [vocab, emb_dim])

with tf.variable_scope("encoder"):
    enc_cell = tf.nn.rnn_cell.GRUCell(units)
    enc_out, enc_state = tf.nn.dynamic_rnn(enc_cell, tf.nn.embedding_lookup(embedding, src),
                                           dtype=tf.float32)

dec_cell = tf.nn.rnn_cell.GRUCell(units, name="decoder_cell")
W_c = tf.get_variable("W_c", [2 * units, units])
W_out = tf.get_variable("W_out", [units, vocab])
b_out = tf.get_variable("b_out", [vocab], initializer=tf.zeros_initializer())


def attend(h):
    scores = tf.squeeze(tf.matmul(enc_out, tf.expand_dims(h, 2)), 2)     # [B, T]
    alpha = tf.nn.softmax(scores)
    context = tf.reduce_sum(enc_out * tf.expand_dims(alpha, 2), 1)       # [B, units]
    attn = tf.tanh(tf.matmul(tf.concat([context, h], 1), W_c))
    return tf.matmul(attn, W_out) + b_out, alpha


def step(x_emb, state):
    h, new_state = dec_cell(x_emb, state)
    logits, alpha = attend(h)
    return logits, new_state, alpha


state = enc_state
train_logits = []
for x_t in tf.unstack(tf.nn.embedding_lookup(embedding, dec_in), axis=1):
    logits, state, _ = step(x_t, state)
    train_logits.append(logits)
train_logits = tf.stack(train_logits, axis=1)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tgt,
                                                                     logits=train_logits))
train_op = tf.train.AdamOptimizer(0.03).minimize(loss)

batch_size = tf.shape(src)[0]


def cond(t, prev, state, out_ta, alpha_ta):
    return t < T


def body(t, prev, state, out_ta, alpha_ta):
    logits, state, alpha = step(tf.nn.embedding_lookup(embedding, prev), state)
    pred = tf.argmax(logits, axis=1, output_type=tf.int32)
    return t + 1, pred, state, out_ta.write(t, pred), alpha_ta.write(t, alpha)


_, _, _, out_ta, alpha_ta = tf.while_loop(
    cond, body, [tf.constant(0), tf.fill([batch_size], GO), enc_state,
                 tf.TensorArray(tf.int32, size=T), tf.TensorArray(tf.float32, size=T)])
greedy = tf.transpose(out_ta.stack())
alphas = tf.transpose(alpha_ta.stack(), [1, 0, 2])
print("greedy", greedy.shape.as_list(), "alphas", alphas.shape.as_list())

test_src, test_dec, test_tgt = make_batch(64)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for it in range(100):
        s, d, t = make_batch(batch)
        _, l = sess.run([train_op, loss], {src: s, dec_in: d, tgt: t})
        if it % 50 == 0:
            print("iter", it, "loss", l)
    pred, att, tf_logits = sess.run([greedy, alphas, train_logits],
                                    {src: test_src, dec_in: test_dec})
    print("final loss", sess.run(loss, {src: test_src, dec_in: test_dec, tgt: test_tgt}))
    print("greedy sequence accuracy", np.mean(np.all(pred == test_tgt, axis=1)))
    print("greedy token accuracy", np.mean(pred == test_tgt))
    print("example", test_src[0], "->", pred[0])
