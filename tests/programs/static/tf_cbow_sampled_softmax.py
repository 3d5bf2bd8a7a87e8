"""CBOW word vectors with tf.nn.sampled_softmax_loss, as the TF1 Udacity "Deep Learning" course
(assignment 5_word2vec.ipynb) wrote it, on a synthetic two-topic corpus instead of text8: a
tf.Graph() used with graph.as_default() and tf.device('/cpu:0'), the context words' embeddings
(tf.nn.embedding_lookup) summed, tf.nn.sampled_softmax_loss(weights=, biases=, inputs=,
labels=, num_sampled=, num_classes=), AdagradOptimizer, normalized embeddings with
keep_dims=True, the similarity of validation words, tf.global_variables_initializer().run()
and normalized_embeddings.eval()."""
from __future__ import print_function

import collections
import math

import numpy as np
import dlcore_static as tf

rs = np.random.RandomState(4)
vocabulary_size = 20
# two topics: words 0-9 and words 10-19 appear in separate sentences
words = []
for _ in range(300):
    topic = rs.randint(0, 2)
    words += list(rs.randint(0, 10, 6) + 10 * topic)
data = words
count = collections.Counter(data)
print('Sample data', [int(w) for w in data[:10]])

data_index = 0


def generate_batch(batch_size, skip_window):
    global data_index
    span = 2 * skip_window + 1 # [ skip_window target skip_window ]
    batch = np.ndarray(shape=(batch_size, 2 * skip_window), dtype=np.int32)
    labels = np.ndarray(shape=(batch_size, 1), dtype=np.int32)
    buffer = collections.deque(maxlen=span)
    for _ in range(span):
        buffer.append(data[data_index])
        data_index = (data_index + 1) % len(data)
    for i in range(batch_size):
        context = [w for j, w in enumerate(buffer) if j != skip_window]
        batch[i] = context
        labels[i, 0] = buffer[skip_window]
        buffer.append(data[data_index])
        data_index = (data_index + 1) % len(data)
    return batch, labels


batch_size = 64
embedding_size = 8 # Dimension of the embedding vector.
skip_window = 1 # How many words to consider left and right.
# We pick a random validation set to sample nearest neighbors.
valid_examples = np.array([0, 1, 10, 11])
num_sampled = 6 # Number of negative examples to sample.

graph = tf.Graph()

with graph.as_default(), tf.device('/cpu:0'):
    tf.set_random_seed(4)

    # Input data.
    train_dataset = tf.placeholder(tf.int32, shape=[batch_size, 2 * skip_window])
    train_labels = tf.placeholder(tf.int32, shape=[batch_size, 1])
    valid_dataset = tf.constant(valid_examples, dtype=tf.int32)

    # Variables.
    embeddings = tf.Variable(
        tf.random_uniform([vocabulary_size, embedding_size], -1.0, 1.0))
    softmax_weights = tf.Variable(
        tf.truncated_normal([vocabulary_size, embedding_size],
                            stddev=1.0 / math.sqrt(embedding_size)))
    softmax_biases = tf.Variable(tf.zeros([vocabulary_size]))

    # Model.
    # Look up embeddings for inputs.
    embed = tf.nn.embedding_lookup(embeddings, train_dataset)
    embed = tf.reduce_sum(embed, 1)
    # Compute the softmax loss, using a sample of the negative labels each time.
    loss = tf.reduce_mean(
        tf.nn.sampled_softmax_loss(weights=softmax_weights, biases=softmax_biases,
                                   inputs=embed, labels=train_labels,
                                   num_sampled=num_sampled, num_classes=vocabulary_size))

    # Optimizer.
    optimizer = tf.train.AdagradOptimizer(1.0).minimize(loss)

    # Compute the similarity between minibatch examples and all embeddings.
    # We use the cosine distance:
    norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keep_dims=True))
    normalized_embeddings = embeddings / norm
    valid_embeddings = tf.nn.embedding_lookup(
        normalized_embeddings, valid_dataset)
    similarity = tf.matmul(valid_embeddings, tf.transpose(normalized_embeddings))

num_steps = 301

with tf.Session(graph=graph) as session:
    tf.global_variables_initializer().run()
    print('Initialized')
    average_loss = 0
    for step in range(num_steps):
        batch_data, batch_labels = generate_batch(batch_size, skip_window)
        feed_dict = {train_dataset : batch_data, train_labels : batch_labels}
        _, l = session.run([optimizer, loss], feed_dict=feed_dict)
        average_loss += l
        if step % 100 == 0:
            if step > 0:
                average_loss = average_loss / 100
            # The average loss is an estimate of the loss over the last 100 batches.
            print('Average loss at step %d: %f' % (step, average_loss))
            average_loss = 0
    sim = similarity.eval()
    for i in range(len(valid_examples)):
        valid_word = valid_examples[i]
        top_k = 4 # number of nearest neighbors
        nearest = (-sim[i, :]).argsort()[1:top_k+1]
        print('Nearest to %d: %s' % (valid_word, ', '.join(str(k) for k in nearest)))
    final_embeddings = normalized_embeddings.eval()
    W, b = session.run([softmax_weights, softmax_biases])
    E = session.run(embeddings)
