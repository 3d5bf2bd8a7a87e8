"""tf.data as the TF1 guide ("Importing Data") writes it: Dataset.from_generator over
variable-length token sequences, shuffle, padded_batch, repeat, and an initializable iterator
(make_initializable_iterator, iterator.initializer, get_next) whose placeholder switches
between the training and the test data; a bag-of-embeddings classifier with a length mask."""
from __future__ import print_function

import numpy as np
import dlcore_static as tf

tf.set_random_seed(1)
rs = np.random.RandomState(1)
vocab = 12


def make_data(n):
    seqs, labels = [], []
    for _ in range(n):
        label = rs.randint(2)
        length = rs.randint(2, 7)
        lo = 1 if label == 0 else 6
        seqs.append(rs.randint(lo, lo + 6, size=length).astype(np.int32))
        labels.append(label)
    return seqs, np.array(labels, np.int64)


train_seqs, train_labels = make_data(64)
test_seqs, test_labels = make_data(32)
which = tf.placeholder(tf.string, shape=[])
data = {b"train": (train_seqs, train_labels), b"test": (test_seqs, test_labels)}


def gen(name):
    seqs, labels = data[name]
    for s, l in zip(seqs, labels):
        yield s, l


dataset = tf.data.Dataset.from_generator(
    gen, (tf.int32, tf.int64), (tf.TensorShape([None]), tf.TensorShape([])), args=(which,))
dataset = dataset.shuffle(100, seed=3).padded_batch(16, padded_shapes=([None], []))
dataset = dataset.repeat(1)
iterator = dataset.make_initializable_iterator()
tokens, label = iterator.get_next()
print("element shapes", tokens.shape.as_list(), label.shape.as_list())

emb = tf.get_variable("emb", [vocab, 8], initializer=tf.random_uniform_initializer(-0.1, 0.1))
mask = tf.cast(tf.not_equal(tokens, 0), tf.float32)
vectors = tf.nn.embedding_lookup(emb, tokens) * tf.expand_dims(mask, -1)
mean = tf.reduce_sum(vectors, 1) / tf.reduce_sum(mask, 1, keepdims=True)
logits = tf.layers.dense(mean, 2)
loss = tf.losses.sparse_softmax_cross_entropy(label, logits)
train_op = tf.train.AdamOptimizer(0.05).minimize(loss)
correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, 1), label), tf.int32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(5):
        sess.run(iterator.initializer, {which: "train"})
        batches, total = 0, 0.0
        while True:
            try:
                _, l = sess.run([train_op, loss])
                batches += 1
                total += l
            except tf.errors.OutOfRangeError:
                break
        print("epoch", epoch, "batches", batches, "mean loss", total / batches)
    sess.run(iterator.initializer, {which: "test"})
    right, seen, widths = 0, 0, []
    while True:
        try:
            c, t = sess.run([correct, tokens])
            right += c
            seen += len(t)
            widths.append(t.shape[1])
        except tf.errors.OutOfRangeError:
            break
    print("test accuracy", right / seen, "seen", seen, "widths", widths)
