"""Stanford CS 20 (TensorFlow for Deep Learning Research, 2018), examples/03_linreg_dataset.py
with utils.huber_loss: linear regression of life expectancy on birth rate, one sample per
step from a ``tf.data.Dataset.from_tensor_slices`` through an initializable iterator
re-initialized every epoch (the epoch ends at ``tf.errors.OutOfRangeError``), the Huber loss
written with ``tf.cond`` on the scalar residual, plain gradient descent, the graph written for
TensorBoard.  The birth_life_2010.txt file is replaced by 190 synthetic (birth rate, life
expectancy) pairs drawn around the same line, a few of them outliers."""
# ruff: noqa: UP030, UP031, UP032  (written in the source's own style)
import os
import tempfile
import time

import numpy as np

import dlcore_static as tf


def read_birth_life_data(seed=0):
    rng = np.random.RandomState(seed)
    births = rng.uniform(1.0, 7.0, 190).astype(np.float32)
    lifes = (84.0 - 5.5 * births + rng.randn(190) * 2.0).astype(np.float32)
    lifes[::37] -= 30.0                      # a few outliers, where Huber differs from L2
    data = np.stack([births, lifes], 1)
    return data, len(data)


def huber_loss(labels, predictions, delta=14.0):
    residual = tf.abs(labels - predictions)

    def f1():
        return 0.5 * tf.square(residual)

    def f2():
        return delta * residual - 0.5 * tf.square(delta)
    return tf.cond(residual < delta, f1, f2)


# Step 1: read in the data
data, n_samples = read_birth_life_data()

# Step 2: create Dataset and iterator
dataset = tf.data.Dataset.from_tensor_slices((data[:, 0], data[:, 1]))

iterator = dataset.make_initializable_iterator()
X, Y = iterator.get_next()

# Step 3: create weight and bias, initialized to 0
w = tf.get_variable('weights', initializer=tf.constant(0.0))
b = tf.get_variable('bias', initializer=tf.constant(0.0))

# Step 4: build model to predict Y
Y_predicted = X * w + b

# Step 5: use the Huber loss
loss = huber_loss(Y, Y_predicted)

# Step 6: using gradient descent with learning rate of 0.001 to minimize loss
optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.001).minimize(loss)

epoch_losses = []
start = time.time()
graph_dir = tempfile.mkdtemp(prefix='linear_reg_')
with tf.Session() as sess:
    # Step 7: initialize the necessary variables, in this case, w and b
    sess.run(tf.global_variables_initializer())
    writer = tf.summary.FileWriter(graph_dir, sess.graph)

    # Step 8: train the model for 20 epochs
    for i in range(20):
        sess.run(iterator.initializer)  # initialize the iterator
        total_loss = 0
        try:
            while True:
                _, l = sess.run([optimizer, loss])
                total_loss += l
        except tf.errors.OutOfRangeError:
            pass

        print('Epoch {0}: {1}'.format(i, total_loss / n_samples))
        epoch_losses.append(total_loss / n_samples)

    # close the writer when you're done using it
    writer.close()

    # Step 9: output the values of w and b
    w_out, b_out = sess.run([w, b])
    print('w: %f, b: %f' % (w_out, b_out))
print('Took: %f seconds' % (time.time() - start))
graph_files = os.listdir(graph_dir)
