"""A TF1 sequence tagger on padded batches (the TF 1.x NER tutorials' pattern): an embedding,
tf.nn.dynamic_rnn(LSTMCell) with sequence_length, per-token logits (N, T, C), the loss
tf.losses.sparse_softmax_cross_entropy(labels (N, T), logits, weights=tf.sequence_mask(...))
(the mean over the real tokens: SUM_BY_NONZERO_WEIGHTS), and streamed token accuracy
tf.metrics.accuracy(labels, argmax, weights=mask) plus the per-sentence mean loss
tf.metrics.mean(per-token losses, weights=mask) over the evaluation batches."""
from __future__ import print_function

import numpy as np
import dlcore_static as tf

tf.set_random_seed(5)
rs = np.random.RandomState(5)
n, t_max, vocab, n_tags = 48, 7, 20, 3
lengths = rs.randint(2, t_max + 1, n).astype(np.int32)
words = rs.randint(1, vocab, (n, t_max)).astype(np.int32)
tags = (words % n_tags).astype(np.int32)             # a word's tag: learnable from the word
for i, ln in enumerate(lengths):
    words[i, ln:] = 0
    tags[i, ln:] = 0

w_in = tf.placeholder(tf.int32, [None, None])
t_in = tf.placeholder(tf.int32, [None, None])
len_in = tf.placeholder(tf.int32, [None])
emb = tf.get_variable("emb", [vocab, 8])
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(16), tf.nn.embedding_lookup(emb, w_in),
                               sequence_length=len_in, dtype=tf.float32)
logits = tf.layers.dense(outputs, n_tags)
mask = tf.sequence_mask(len_in, tf.shape(w_in)[1], dtype=tf.float32)
loss = tf.losses.sparse_softmax_cross_entropy(t_in, logits, weights=mask)
token_losses = tf.losses.sparse_softmax_cross_entropy(
    t_in, logits, reduction=tf.losses.Reduction.NONE, loss_collection=None)
train = tf.train.AdamOptimizer(0.05).minimize(loss)
pred = tf.argmax(logits, -1, output_type=tf.int32)
acc, acc_op = tf.metrics.accuracy(t_in, pred, weights=mask)
mloss, mloss_op = tf.metrics.mean(token_losses, weights=mask)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = {w_in: words, t_in: tags, len_in: lengths}
    first = sess.run(loss, feed)
    for step in range(8):
        sess.run(train, feed)
    last = sess.run(loss, feed)
    print("loss first %.5f last %.5f" % (first, last))
    sess.run(tf.local_variables_initializer())
    for i in range(0, n, 16):
        b = slice(i, i + 16)
        t_b = int(lengths[b].max())
        sess.run([acc_op, mloss_op], {w_in: words[b, :t_b], t_in: tags[b, :t_b],
                                      len_in: lengths[b]})
    print("token accuracy %.6f mean token loss %.6f" % tuple(sess.run([acc, mloss])))
    logits_all, per_token = sess.run([logits, token_losses], feed)
