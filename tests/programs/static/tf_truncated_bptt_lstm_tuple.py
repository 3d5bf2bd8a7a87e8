"""R2RT's "Recurrent Neural Networks in Tensorflow" (parts I/II, TF 1.x): a character-level
stacked LSTM trained with truncated backpropagation through time.  The MultiRNNCell's state is a
tuple of LSTMStateTuples; the final state of one session run is fed back as the initial state
of the next (``feed_dict={init_state: training_state}``).  Toy data: the echo task of part I
(Y[t] depends on X[t-3] and X[t-8]), sizes scaled down."""
import numpy as np
import dlcore_static as tf

num_steps = 5
batch_size = 8
num_classes = 2
state_size = 6
num_layers = 2
learning_rate = 0.1


def gen_data(size=12000):
    rs = np.random.RandomState(0)
    X = np.array(rs.choice(2, size=(size,)))
    Y = []
    for i in range(size):
        threshold = 0.5
        if X[i - 3] == 1:
            threshold += 0.5
        if X[i - 8] == 1:
            threshold -= 0.25
        if rs.rand() > threshold:
            Y.append(0)
        else:
            Y.append(1)
    return X, np.array(Y)


def gen_batch(raw_data, batch_size, num_steps):
    raw_x, raw_y = raw_data
    data_length = len(raw_x)
    batch_partition_length = data_length // batch_size
    data_x = np.zeros([batch_size, batch_partition_length], dtype=np.int32)
    data_y = np.zeros([batch_size, batch_partition_length], dtype=np.int32)
    for i in range(batch_size):
        data_x[i] = raw_x[batch_partition_length * i:batch_partition_length * (i + 1)]
        data_y[i] = raw_y[batch_partition_length * i:batch_partition_length * (i + 1)]
    epoch_size = batch_partition_length // num_steps
    for i in range(epoch_size):
        x = data_x[:, i * num_steps:(i + 1) * num_steps]
        y = data_y[:, i * num_steps:(i + 1) * num_steps]
        yield (x, y)


def gen_epochs(n, num_steps):
    for i in range(n):
        yield gen_batch(gen_data(), batch_size, num_steps)


x = tf.placeholder(tf.int32, [batch_size, num_steps], name='input_placeholder')
y = tf.placeholder(tf.int32, [batch_size, num_steps], name='labels_placeholder')

rnn_inputs = tf.one_hot(x, num_classes)

cell = tf.nn.rnn_cell.MultiRNNCell(
    [tf.nn.rnn_cell.LSTMCell(state_size, state_is_tuple=True) for _ in range(num_layers)],
    state_is_tuple=True)
init_state = cell.zero_state(batch_size, tf.float32)
rnn_outputs, final_state = tf.nn.dynamic_rnn(cell, rnn_inputs, initial_state=init_state)

with tf.variable_scope('softmax'):
    W = tf.get_variable('W', [state_size, num_classes])
    b = tf.get_variable('b', [num_classes], initializer=tf.constant_initializer(0.0))
logits = tf.reshape(
    tf.matmul(tf.reshape(rnn_outputs, [-1, state_size]), W) + b,
    [batch_size, num_steps, num_classes])
predictions = tf.nn.softmax(logits)

losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
total_loss = tf.reduce_mean(losses)
train_step = tf.train.AdagradOptimizer(learning_rate).minimize(total_loss)

print("state structure:", type(init_state).__name__, len(init_state),
      type(init_state[0]).__name__, init_state[0].c.shape, init_state[0].h.shape)
print("variables:", [v.name for v in tf.trainable_variables()])

training_losses = []
sess = tf.Session()
sess.run(tf.global_variables_initializer())
for idx, epoch in enumerate(gen_epochs(2, num_steps)):
    training_loss = 0
    training_state = None
    for step, (X, Y) in enumerate(epoch):
        feed = {x: X, y: Y}
        if training_state is not None:
            feed[init_state] = training_state
        training_loss_, training_state, _ = sess.run(
            [total_loss, final_state, train_step], feed_dict=feed)
        training_loss += training_loss_
        if step % 100 == 0 and step > 0:
            print("Average loss at step", step, "for last 100 steps:", training_loss / 100)
            training_losses.append(training_loss / 100)
            training_loss = 0

# the fed state continues the sequence: two half runs equal one run over both halves
X, Y = next(gen_batch(gen_data(), batch_size, 2 * num_steps))
half1, half2 = X[:, :num_steps], X[:, num_steps:]
s1 = sess.run(final_state, {x: half1})
out2, s2 = sess.run([rnn_outputs, final_state], {x: half2, init_state: s1})
carried_outputs = out2
carried_state = s2
