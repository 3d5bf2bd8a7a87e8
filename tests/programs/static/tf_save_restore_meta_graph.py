"""A quick complete tutorial to save and restore TensorFlow models (cv-tricks.com, TF 1.x),
imports renamed, the files in a temporary folder (argv[1]): save a small graph with
tf.train.Saver (global_step in the file name), then, in a new graph, tf.train.import_meta_graph
+ saver.restore from tf.train.latest_checkpoint, the tensors found by name, new ops added on
the restored graph; and the same with a trained softmax classifier whose restored variables
are read and fine-tuned (a new optimizer on the restored loss)."""
import os
import sys
import tempfile

import numpy as np
import dlcore_static as tf

folder = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()

# -- Part 1: save the graph and the variables
# Prepare to feed input, i.e. feed_dict and placeholders
w1 = tf.placeholder("float", name="w1")
w2 = tf.placeholder("float", name="w2")
b1 = tf.Variable(2.0, name="bias")
feed_dict = {w1: 4, w2: 8}

# Define a test operation that we will restore
w3 = tf.add(w1, w2)
w4 = tf.multiply(w3, b1, name="op_to_restore")
sess = tf.Session()
sess.run(tf.global_variables_initializer())

# Create a saver object which will save all the variables
saver = tf.train.Saver()

# Run the operation by feeding input
print(sess.run(w4, feed_dict))
# Prints 24 which is sum of (w1+w2)*b1

# Now, save the graph
saver.save(sess, os.path.join(folder, "my_test_model"), global_step=1000)
sess.close()

# -- Part 2: restore it into a new graph and add ops to it
tf.reset_default_graph()
sess = tf.Session()
# First let's load meta graph and restore weights
saver = tf.train.import_meta_graph(os.path.join(folder, "my_test_model-1000.meta"))
saver.restore(sess, tf.train.latest_checkpoint(folder))

# Now, let's access and create placeholders variables and
# create feed-dict to feed new data

graph = tf.get_default_graph()
w1 = graph.get_tensor_by_name("w1:0")
w2 = graph.get_tensor_by_name("w2:0")
feed_dict = {w1: 13.0, w2: 17.0}

# Now, access the op that you want to run.
op_to_restore = graph.get_tensor_by_name("op_to_restore:0")

restored = sess.run(op_to_restore, feed_dict)
print(restored)
# This will print 60 which is calculated
# using new values of w1 and w2 and saved value of b1.

# Add more to the current graph
add_on_op = tf.multiply(op_to_restore, 2)

added = sess.run(add_on_op, feed_dict)
print(added)
# This will print 120.
print("bias restored:", sess.run(graph.get_tensor_by_name("bias:0")))
sess.close()

# -- Part 3: a trained classifier, restored in a new graph and fine-tuned
rs = np.random.RandomState(0)
X = rs.randn(120, 4).astype(np.float32)
Y = np.eye(3)[(X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)]

with tf.Graph().as_default():
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    y_ = tf.placeholder(tf.float32, [None, 3], name="y_")
    W = tf.Variable(tf.zeros([4, 3]), name="W")
    b = tf.Variable(tf.zeros([3]), name="b")
    logits = tf.add(tf.matmul(x, W), b, name="logits")
    loss = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits), name="loss")
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss, name="train")
    tf.add_to_collection("train_op", train)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for step in range(50):
            s.run(train, {x: X, y_: Y})
        loss_saved = s.run(loss, {x: X, y_: Y})
        W_saved = s.run(W)
        tf.train.Saver().save(s, os.path.join(folder, "classifier"), global_step=50)
print("saved loss: %.5f" % loss_saved)

with tf.Graph().as_default() as g2:
    with tf.Session() as s:
        saver = tf.train.import_meta_graph(os.path.join(folder, "classifier-50.meta"))
        saver.restore(s, tf.train.latest_checkpoint(folder))
        x = g2.get_tensor_by_name("x:0")
        y_ = g2.get_tensor_by_name("y_:0")
        loss = g2.get_tensor_by_name("loss:0")
        loss_restored = s.run(loss, {x: X, y_: Y})
        W_restored = s.run(g2.get_tensor_by_name("W:0"))
        train_op = tf.get_collection("train_op")[0]
        for step in range(10):
            s.run(train_op, {x: X, y_: Y})
        loss_tuned = s.run(loss, {x: X, y_: Y})
print("restored loss: %.5f, after 10 more steps: %.5f" % (loss_restored, loss_tuned))
