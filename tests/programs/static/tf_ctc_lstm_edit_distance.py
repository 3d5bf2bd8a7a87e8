"""igormq/ctc_tensorflow_example (the widely copied TF1 CTC example): targets fed through
``tf.sparse_placeholder`` as an (indices, values, shape) tuple built by ``sparse_tuple_from``,
a MultiRNNCell of LSTMCells over padded inputs with ``seq_len``, time-major logits,
``tf.nn.ctc_loss``, MomentumOptimizer, ``tf.nn.ctc_greedy_decoder`` and the label error rate
``tf.edit_distance(tf.cast(decoded[0], tf.int32), targets)``.  Generated "utterances": each
target symbol is shown for two noisy frames."""
import time

import numpy as np
import dlcore_static as tf

num_features = 6
num_classes = 5 + 1          # 5 symbols + the blank label
num_epochs = 60
num_hidden = 16
num_layers = 1
batch_size = 4
initial_learning_rate = 0.05
momentum = 0.9
rs = np.random.RandomState(3)


def sparse_tuple_from(sequences, dtype=np.int32):
    indices = []
    values = []
    for n, seq in enumerate(sequences):
        indices.extend(zip([n] * len(seq), range(len(seq))))
        values.extend(seq)
    indices = np.asarray(indices, dtype=np.int64)
    values = np.asarray(values, dtype=dtype)
    shape = np.asarray([len(sequences), np.asarray(indices).max(0)[1] + 1], dtype=np.int64)
    return indices, values, shape


def make_batch():
    seqs, frames = [], []
    for _ in range(batch_size):
        n = rs.randint(2, 5)
        seq = list(rs.randint(0, 5, size=n))
        x = []
        for s in seq:
            f = np.zeros(num_features)
            f[s] = 1.0
            x += [f + 0.1 * rs.randn(num_features), f + 0.1 * rs.randn(num_features),
                  0.1 * rs.randn(num_features)]
        seqs.append(seq)
        frames.append(np.array(x, np.float32))
    lens = np.array([len(x) for x in frames], np.int32)
    padded = np.zeros((batch_size, lens.max(), num_features), np.float32)
    for i, x in enumerate(frames):
        padded[i, :len(x)] = x
    return padded, lens, seqs


graph = tf.Graph()
with graph.as_default():
    inputs = tf.placeholder(tf.float32, [None, None, num_features])
    targets = tf.sparse_placeholder(tf.int32)
    seq_len = tf.placeholder(tf.int32, [None])

    cells = [tf.contrib.rnn.LSTMCell(num_hidden, state_is_tuple=True)
             for _ in range(num_layers)]
    stack = tf.contrib.rnn.MultiRNNCell(cells, state_is_tuple=True)
    outputs, _ = tf.nn.dynamic_rnn(stack, inputs, seq_len, dtype=tf.float32)

    shape = tf.shape(inputs)
    batch_s, max_timesteps = shape[0], shape[1]
    outputs = tf.reshape(outputs, [-1, num_hidden])
    W = tf.Variable(tf.truncated_normal([num_hidden, num_classes], stddev=0.1))
    b = tf.Variable(tf.constant(0., shape=[num_classes]))
    logits = tf.matmul(outputs, W) + b
    logits = tf.reshape(logits, [batch_s, -1, num_classes])
    logits = tf.transpose(logits, (1, 0, 2))

    loss = tf.nn.ctc_loss(targets, logits, seq_len)
    cost = tf.reduce_mean(loss)
    optimizer = tf.train.MomentumOptimizer(initial_learning_rate, momentum).minimize(cost)

    decoded, log_prob = tf.nn.ctc_greedy_decoder(logits, seq_len)
    ler = tf.reduce_mean(tf.edit_distance(tf.cast(decoded[0], tf.int32), targets))

costs, lers = [], []
with tf.Session(graph=graph) as session:
    tf.global_variables_initializer().run()
    for curr_epoch in range(num_epochs):
        start = time.time()
        train_inputs, train_seq_len, seqs = make_batch()
        train_targets = sparse_tuple_from(seqs)
        feed = {inputs: train_inputs, targets: train_targets, seq_len: train_seq_len}
        batch_cost, _ = session.run([cost, optimizer], feed)
        train_ler = session.run(ler, feed_dict=feed)
        costs.append(batch_cost)
        lers.append(train_ler)
        if curr_epoch % 20 == 0:
            log = "Epoch {}/{}, train_cost = {:.3f}, train_ler = {:.3f}, time = {:.3f}"
            print(log.format(curr_epoch + 1, num_epochs, batch_cost, train_ler,
                             time.time() - start))
    test_inputs, test_seq_len, test_seqs = make_batch()
    feed = {inputs: test_inputs, targets: sparse_tuple_from(test_seqs), seq_len: test_seq_len}
    d, test_ler, test_logits = session.run([decoded[0], ler, logits], feed_dict=feed)
    dense_decoded = tf.sparse_tensor_to_dense(decoded[0], default_value=-1).eval(
        session=session, feed_dict=feed)
print("Original:", test_seqs[0])
print("Decoded: ", [int(v) for v in dense_decoded[0] if v >= 0])
