"""A variable-length sequence classifier, as the TF1 tutorials wrote it: tf.nn.dynamic_rnn with
sequence_length, the last relevant output picked with tf.gather_nd on indices built from
tf.range(batch_size), a dense layer and tf.train.AdamOptimizer.  The task: is the sum of the
(unpadded) sequence positive?"""
import numpy as np
import dlcore_static as tf

tf.set_random_seed(0)
rs = np.random.RandomState(0)
max_len, n_hidden, n_seq = 6, 8, 64
lengths = rs.randint(2, max_len + 1, n_seq).astype(np.int32)
data = rs.randn(n_seq, max_len, 1).astype(np.float32)
for i, n in enumerate(lengths):
    data[i, n:] = 0.0
labels = (data.sum((1, 2)) > 0).astype(np.int64)

x = tf.placeholder(tf.float32, [None, max_len, 1], name="x")
seqlen = tf.placeholder(tf.int32, [None], name="seqlen")
y = tf.placeholder(tf.int64, [None], name="y")

cell = tf.nn.rnn_cell.GRUCell(n_hidden)
outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=seqlen, dtype=tf.float32)


def last_relevant(output, length):
    batch_size = tf.shape(output)[0]
    index = tf.stack([tf.range(batch_size), length - 1], axis=1)
    return tf.gather_nd(output, index)


last = last_relevant(outputs, seqlen)
logits = tf.layers.dense(last, 2)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_op = tf.train.AdamOptimizer(0.05).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = {x: data, seqlen: lengths, y: labels}
    for step in range(1, 46):
        _, l = sess.run([train_op, loss], feed)
        if step % 15 == 0:
            print("step %d loss %.6f accuracy %.4f" % (step, l, sess.run(accuracy, feed)))
    small = {x: data[:5], seqlen: lengths[:5]}
    lst, st, outs = sess.run([last, state, outputs], small)
    print("last == final state: %.3e" % np.abs(lst - st).max())
    print("padding outputs: %.3e" % max(np.abs(outs[i, n:]).max(initial=0.0)
                                         for i, n in enumerate(lengths[:5])))
    print("picked:", [int(n) - 1 for n in lengths[:5]],
          "max diff %.3e" % np.abs(lst - outs[np.arange(5), lengths[:5] - 1]).max())
