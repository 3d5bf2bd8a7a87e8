"""tf.nn.raw_rnn as its TensorFlow 1 documentation writes it: the inputs unstacked into a
TensorArray, a loop_fn that gives the LSTMCell's zero state at time 0, marks a sequence finished
at its length and reads the next input under tf.cond (zeros once all are finished); the
emitted outputs stacked from the returned TensorArray.  Then trained (Adam on a regression of
each sequence's running mean), tiny sizes, synthetic data."""
from __future__ import print_function

import numpy as np
import dlcore_static as tf

max_time, batch_size, input_depth, num_units = 6, 4, 3, 8
rs = np.random.RandomState(0)
tf.set_random_seed(0)

inputs = tf.placeholder(shape=(max_time, batch_size, input_depth), dtype=tf.float32)
sequence_length = tf.placeholder(shape=(batch_size,), dtype=tf.int32)
inputs_ta = tf.TensorArray(dtype=tf.float32, size=max_time)
inputs_ta = inputs_ta.unstack(inputs)

cell = tf.contrib.rnn.LSTMCell(num_units)


def loop_fn(time, cell_output, cell_state, loop_state):
    emit_output = cell_output  # == None for time == 0
    if cell_output is None:  # time == 0
        next_cell_state = cell.zero_state(batch_size, tf.float32)
    else:
        next_cell_state = cell_state
    elements_finished = (time >= sequence_length)
    finished = tf.reduce_all(elements_finished)
    next_input = tf.cond(
        finished,
        lambda: tf.zeros([batch_size, input_depth], dtype=tf.float32),
        lambda: inputs_ta.read(time))
    next_loop_state = None
    return (elements_finished, next_input, next_cell_state,
            emit_output, next_loop_state)


outputs_ta, final_state, _ = tf.nn.raw_rnn(cell, loop_fn)
outputs = outputs_ta.stack()

targets = tf.placeholder(tf.float32, [max_time, batch_size, 1])
pred = tf.layers.dense(outputs, 1)
mask = tf.expand_dims(tf.transpose(tf.sequence_mask(sequence_length, max_time, tf.float32)), -1)
loss = tf.reduce_sum(mask * (pred - targets) ** 2) / tf.reduce_sum(mask)
train = tf.train.AdamOptimizer(0.02).minimize(loss)

x = rs.randn(max_time, batch_size, input_depth).astype(np.float32)
lengths = np.array([6, 4, 3, 5], np.int32)
y = (np.cumsum(x[:, :, :1], 0) / np.arange(1, max_time + 1)[:, None, None]).astype(np.float32)
feed = {inputs: x, sequence_length: lengths, targets: y}

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    out, (c, h) = sess.run([outputs, final_state], feed)
    print("outputs shape", out.shape)
    print("zeros after each length", [float(np.abs(out[l:, b]).sum()) for b, l in enumerate(lengths)])
    print("final h is the last valid output", np.allclose(h, out[lengths - 1, np.arange(batch_size)]))
    for step in range(60):
        l, _ = sess.run([loss, train], feed)
        if step % 20 == 0:
            print("step %d loss %.5f" % (step, l))
    print("final loss %.5f" % sess.run(loss, feed))
