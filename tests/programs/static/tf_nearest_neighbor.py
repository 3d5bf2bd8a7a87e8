""" Nearest Neighbor (aymericdamien/TensorFlow-Examples, nearest_neighbor.py), on synthetic
data instead of MNIST: L1 distances with tf.reduce_sum(tf.abs(tf.add(xtr, tf.negative(xte)))),
the prediction by tf.arg_min, one Session.run per test point."""
from __future__ import print_function

import numpy as np
import dlcore_static as tf

rs = np.random.RandomState(0)
centres = rs.rand(4, 16)
ytr_idx = rs.randint(0, 4, 200)
yte_idx = rs.randint(0, 4, 20)
Xtr = centres[ytr_idx] + 0.3 * rs.randn(200, 16)
Ytr = np.eye(4)[ytr_idx]
Xte = centres[yte_idx] + 0.3 * rs.randn(20, 16)
Yte = np.eye(4)[yte_idx]

# tf Graph Input
xtr = tf.placeholder("float", [None, 16])
xte = tf.placeholder("float", [16])

# Nearest Neighbor calculation using L1 Distance
# Calculate L1 Distance
distance = tf.reduce_sum(tf.abs(tf.add(xtr, tf.negative(xte))), reduction_indices=1)
# Prediction: Get min distance index (Nearest neighbor)
pred = tf.arg_min(distance, 0)

accuracy = 0.

# Initialize the variables (i.e. assign their default value)
init = tf.global_variables_initializer()

predictions = []
# Start training
with tf.Session() as sess:

    # Run the initializer
    sess.run(init)

    # loop over test data
    for i in range(len(Xte)):
        # Get nearest neighbor
        nn_index = sess.run(pred, feed_dict={xtr: Xtr, xte: Xte[i, :]})
        predictions.append(nn_index)
        # Get nearest neighbor class label and compare it to its true label
        if i < 3:
            print("Test", i, "Prediction:", np.argmax(Ytr[nn_index]),
                  "True Class:", np.argmax(Yte[i]))
        # Calculate accuracy
        if np.argmax(Ytr[nn_index]) == np.argmax(Yte[i]):
            accuracy += 1./len(Xte)
    print("Done!")
    print("Accuracy: %.4f" % accuracy)
    print("dtype:", pred.dtype.name, "shape:", pred.shape)
