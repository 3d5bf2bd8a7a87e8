"""Skip-gram word2vec as the TF1 tutorial (word2vec_basic.py) wrote it, on a tiny synthetic
corpus: an embedding matrix, tf.nn.embedding_lookup, tf.nn.nce_loss with sampled negatives,
GradientDescentOptimizer, then cosine similarity from L2-normalised embeddings."""
import collections

import numpy as np
import dlcore_static as tf

tf.set_random_seed(1)
rs = np.random.RandomState(1)
# two "topics": words 0-4 co-occur, words 5-9 co-occur
corpus = []
for _ in range(400):
    topic = rs.randint(2)
    corpus.extend(rs.randint(0, 5, 4) + 5 * topic)
vocabulary_size, embedding_size, num_sampled = 10, 8, 4
skip_window = 1


def generate_batch(words):
    pairs = []
    for i in range(skip_window, len(words) - skip_window):
        for j in (i - 1, i + 1):
            pairs.append((words[i], words[j]))
    pairs = np.asarray(pairs, np.int64)
    return pairs[:, 0].astype(np.int32), pairs[:, 1:2]


batch_inputs, batch_labels = generate_batch(corpus)
print("pairs:", len(batch_inputs),
      "most common word:", collections.Counter(corpus).most_common(1)[0][0])

graph = tf.Graph()
with graph.as_default():
    train_inputs = tf.placeholder(tf.int32, shape=[None])
    train_labels = tf.placeholder(tf.int64, shape=[None, 1])
    embeddings = tf.Variable(tf.random_uniform([vocabulary_size, embedding_size], -1.0, 1.0))
    embed = tf.nn.embedding_lookup(embeddings, train_inputs)
    nce_weights = tf.Variable(tf.truncated_normal([vocabulary_size, embedding_size],
                                                  stddev=1.0 / np.sqrt(embedding_size)))
    nce_biases = tf.Variable(tf.zeros([vocabulary_size]))
    loss = tf.reduce_mean(tf.nn.nce_loss(weights=nce_weights, biases=nce_biases,
                                         labels=train_labels, inputs=embed,
                                         num_sampled=num_sampled,
                                         num_classes=vocabulary_size))
    optimizer = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keepdims=True))
    normalized_embeddings = embeddings / norm
    similarity = tf.matmul(normalized_embeddings, normalized_embeddings, transpose_b=True)
    init = tf.global_variables_initializer()

with tf.Session(graph=graph) as session:
    init.run()
    average_loss = 0.0
    for step in range(1, 201):
        idx = rs.randint(0, len(batch_inputs), 128)
        feed_dict = {train_inputs: batch_inputs[idx], train_labels: batch_labels[idx]}
        _, loss_val = session.run([optimizer, loss], feed_dict=feed_dict)
        average_loss += loss_val
        if step % 50 == 0:
            print("Average loss at step %d: %.6f" % (step, average_loss / 50))
            average_loss = 0.0
    sim = similarity.eval()
    final_embeddings = normalized_embeddings.eval()
    same = np.mean([sim[i, j] for i in range(10) for j in range(10)
                    if i != j and i // 5 == j // 5])
    other = np.mean([sim[i, j] for i in range(10) for j in range(10) if i // 5 != j // 5])
    print("same topic %.4f other topic %.4f" % (same, other))
    print("norms %.6f %.6f" % (np.linalg.norm(final_embeddings, axis=1).min(),
                                np.linalg.norm(final_embeddings, axis=1).max()))
    print("max |similarity - numpy|: %.3e" % np.abs(sim - final_embeddings @ final_embeddings.T).max())
