"""The classic "freeze a trained TF1 model to a .pb and serve it" tutorial (metaflow-ai's
"TensorFlow: How to freeze a model and serve it with a python API", and TF's freeze_graph
recipe), with ``import tensorflow as tf`` renamed: train and checkpoint a small classifier,
freeze it (import_meta_graph + restore, convert_variables_to_constants, GFile write), load the
.pb into a new Graph under ``prefix`` and run it by tensor names."""
# ruff: noqa: UP031  (written in the tutorial's own style)

import argparse
import os
import tempfile

import numpy as np

import dlcore_static as tf

parser = argparse.ArgumentParser()
parser.add_argument("--model_dir", type=str, default=tempfile.mkdtemp())
args = parser.parse_args()

# ---------------------------------------------------------------- 1. train and checkpoint
rng = np.random.RandomState(0)
train_x = rng.rand(256, 10).astype(np.float32) * 10
train_y = (train_x[:, :5].sum(1) > train_x[:, 5:].sum(1)).astype(np.int64)

with tf.Graph().as_default():
    with tf.name_scope("Placeholder"):
        inputs = tf.placeholder(tf.float32, shape=[None, 10], name="inputs_placeholder")
        labels = tf.placeholder(tf.int64, shape=[None], name="labels_placeholder")
    with tf.variable_scope("NN"):
        W1 = tf.get_variable("W1", [10, 16], initializer=tf.random_normal_initializer(
            stddev=0.3, seed=1))
        b1 = tf.get_variable("b1", [16], initializer=tf.zeros_initializer())
        W2 = tf.get_variable("W2", [16, 2], initializer=tf.random_normal_initializer(
            stddev=0.3, seed=2))
        b2 = tf.get_variable("b2", [2], initializer=tf.zeros_initializer())
        a = tf.nn.relu(tf.matmul(inputs, W1) + b1)
        logits = tf.matmul(a, W2) + b2
    with tf.name_scope("Loss"):
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits))
    with tf.name_scope("Accuracy"):
        predictions = tf.argmax(logits, 1, name="predictions")
        acc = tf.reduce_mean(tf.cast(tf.equal(predictions, labels), tf.float32))
    global_step = tf.Variable(0, name="global_step", trainable=False)
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=global_step)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(60):
            _, l = sess.run([train_op, loss], {inputs: train_x, labels: train_y})
            if i % 20 == 0:
                print("step %d loss %.4f" % (i, l))
        print("train accuracy %.3f" % sess.run(acc, {inputs: train_x, labels: train_y}))
        saver.save(sess, os.path.join(args.model_dir, "model.ckpt"), global_step=global_step)
        trained = sess.run({"W1": W1, "b1": b1, "W2": W2, "b2": b2})


# ---------------------------------------------------------------- 2. freeze
def freeze_graph(model_dir, output_node_names):
    if not tf.gfile.Exists(model_dir):
        raise AssertionError("Export directory doesn't exists. Please specify an export "
                             "directory: %s" % model_dir)
    checkpoint = tf.train.get_checkpoint_state(model_dir)
    input_checkpoint = checkpoint.model_checkpoint_path
    absolute_model_dir = "/".join(input_checkpoint.split("/")[:-1])
    output_graph = absolute_model_dir + "/frozen_model.pb"
    clear_devices = True
    with tf.Session(graph=tf.Graph()) as sess:
        saver = tf.train.import_meta_graph(input_checkpoint + ".meta",
                                           clear_devices=clear_devices)
        saver.restore(sess, input_checkpoint)
        output_graph_def = tf.graph_util.convert_variables_to_constants(
            sess,                                       # The session is used to retrieve the weights
            tf.get_default_graph().as_graph_def(),      # The graph_def is used to retrieve the nodes
            output_node_names.split(","))               # The output node names select the nodes
        with tf.gfile.GFile(output_graph, "wb") as f:
            f.write(output_graph_def.SerializeToString())
        print("%d ops in the final graph." % len(output_graph_def.node))
    return output_graph_def, output_graph


frozen_def, frozen_path = freeze_graph(args.model_dir, "Accuracy/predictions")


# ---------------------------------------------------------------- 3. load and serve
def load_graph(frozen_graph_filename):
    with tf.gfile.GFile(frozen_graph_filename, "rb") as f:
        graph_def = tf.GraphDef()
        graph_def.ParseFromString(f.read())
    with tf.Graph().as_default() as graph:
        tf.import_graph_def(graph_def, name="prefix")
    return graph


graph = load_graph(frozen_path)
for op in graph.get_operations():
    print(op.name)
x = graph.get_tensor_by_name("prefix/Placeholder/inputs_placeholder:0")
y = graph.get_tensor_by_name("prefix/Accuracy/predictions:0")
query = [[3, 5, 7, 4, 5, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 3, 5, 7, 4, 5]]
with tf.Session(graph=graph) as sess:
    y_out = sess.run(y, feed_dict={x: query})
    print(y_out)
    y_train = sess.run(y, feed_dict={x: train_x})
