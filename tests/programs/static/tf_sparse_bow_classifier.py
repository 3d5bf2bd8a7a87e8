"""A TF1 bag-of-words classifier on sparse input, as the TF 1.x sparse-tensor examples and the
wide (linear) part of "Wide & Deep" feed it: ``tf.sparse_placeholder`` fed with a
``tf.SparseTensorValue``, ``tf.sparse_tensor_dense_matmul`` for the linear logits,
``tf.nn.embedding_lookup_sparse`` (combiner="mean") for a fastText-style averaged embedding,
``tf.sparse_reduce_sum`` for the document lengths.  Generated documents: the label is whether
word 3 occurs more often than word 7."""
import numpy as np
import dlcore_static as tf

vocab_size = 20
embedding_size = 4
n_docs = 60
rs = np.random.RandomState(5)


def make_docs(n):
    indices, values, ids_idx, ids_val, labels = [], [], [], [], []
    for d in range(n):
        words = rs.randint(0, vocab_size, size=rs.randint(3, 9))
        counts = np.bincount(words, minlength=vocab_size)
        labels.append(int(counts[3] > counts[7]))
        for pos, w in enumerate(words):
            ids_idx.append([d, pos])
            ids_val.append(w)
        for w in np.nonzero(counts)[0]:
            indices.append([d, w])
            values.append(float(counts[w]))
    bow = tf.SparseTensorValue(np.array(indices, np.int64), np.array(values, np.float32),
                               np.array([n, vocab_size], np.int64))
    word_ids = tf.SparseTensorValue(np.array(ids_idx, np.int64), np.array(ids_val, np.int64),
                                    np.array([n, 8], np.int64))
    return bow, word_ids, np.array(labels, np.int64)


bow_value, ids_value, labels_value = make_docs(n_docs)

x = tf.sparse_placeholder(tf.float32, shape=[None, vocab_size], name="bow")
word_ids = tf.sparse_placeholder(tf.int64, name="word_ids")
y = tf.placeholder(tf.int64, [None], name="labels")

W = tf.Variable(tf.zeros([vocab_size, 2]), name="W")
b = tf.Variable(tf.zeros([2]), name="b")
embeddings = tf.Variable(tf.random_uniform([vocab_size, embedding_size], -0.5, 0.5, seed=3),
                         name="embeddings")
proj = tf.Variable(tf.zeros([embedding_size, 2]), name="proj")

linear_logits = tf.sparse_tensor_dense_matmul(x, W) + b
doc_embedding = tf.nn.embedding_lookup_sparse(embeddings, word_ids, None, combiner="mean")
logits = linear_logits + tf.matmul(doc_embedding, proj)
doc_length = tf.sparse_reduce_sum(x, axis=1)

loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))

feed = {x: bow_value, word_ids: ids_value, y: labels_value}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    initial = sess.run({"W": W, "b": b, "embeddings": embeddings, "proj": proj})
    lengths = sess.run(doc_length, feed)
    print("placeholders:", x.indices.name, x.values.name, x.dense_shape.name)
    print("first lengths:", lengths[:5])
    losses = []
    for step in range(100):
        l, _ = sess.run([loss, train_op], feed)
        losses.append(l)
        if step % 25 == 0:
            print("step %d loss %.4f" % (step, l))
    final = sess.run({"W": W, "b": b, "embeddings": embeddings, "proj": proj})
    acc = sess.run(accuracy, feed)
    print("training accuracy:", acc)
    print("weight of word 3 vs word 7:", final["W"][3, 1] - final["W"][3, 0],
          final["W"][7, 1] - final["W"][7, 0])
