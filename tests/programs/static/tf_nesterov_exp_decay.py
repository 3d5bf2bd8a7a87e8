"""Hands-On Machine Learning (1st ed., ch. 11 "Training Deep Neural Nets"): a learning rate
schedule with ``tf.train.exponential_decay`` driven by ``global_step``, Nesterov momentum
(``MomentumOptimizer(use_nesterov=True)``), and gradient clipping by global norm over
``compute_gradients``/``apply_gradients``.  A small MLP on generated data."""
import numpy as np
import dlcore_static as tf

n_inputs = 10
n_hidden1 = 16
n_outputs = 3

rs = np.random.RandomState(42)
X_train = rs.randn(200, n_inputs).astype(np.float32)
true_w = rs.randn(n_inputs, n_outputs)
y_train = np.argmax(X_train @ true_w, axis=1).astype(np.int64)

tf.set_random_seed(42)
X = tf.placeholder(tf.float32, shape=(None, n_inputs), name="X")
y = tf.placeholder(tf.int64, shape=(None), name="y")

with tf.name_scope("dnn"):
    hidden1 = tf.layers.dense(X, n_hidden1, activation=tf.nn.relu, name="hidden1")
    logits = tf.layers.dense(hidden1, n_outputs, name="outputs")

with tf.name_scope("loss"):
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy, name="loss")

threshold = 1.0
with tf.name_scope("train"):
    initial_learning_rate = 0.1
    decay_steps = 10
    decay_rate = 1 / 10
    global_step = tf.Variable(0, trainable=False, name="global_step")
    learning_rate = tf.train.exponential_decay(initial_learning_rate, global_step,
                                               decay_steps, decay_rate)
    optimizer = tf.train.MomentumOptimizer(learning_rate, momentum=0.9, use_nesterov=True)
    grads_and_vars = optimizer.compute_gradients(loss)
    grads, variables = zip(*grads_and_vars)
    clipped, global_norm = tf.clip_by_global_norm(grads, threshold)
    training_op = optimizer.apply_gradients(zip(clipped, variables), global_step=global_step)

with tf.name_scope("eval"):
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

init = tf.global_variables_initializer()

n_epochs = 5
batch_size = 50
history = []
with tf.Session() as sess:
    init.run()
    initial_values = {v.op.name: v.eval() for v in tf.global_variables()}
    for epoch in range(n_epochs):
        for iteration in range(len(X_train) // batch_size):
            X_batch = X_train[iteration * batch_size:(iteration + 1) * batch_size]
            y_batch = y_train[iteration * batch_size:(iteration + 1) * batch_size]
            lr, gn, _ = sess.run([learning_rate, global_norm, training_op],
                                 feed_dict={X: X_batch, y: y_batch})
            history.append((lr, gn))
        acc = accuracy.eval(feed_dict={X: X_train, y: y_train})
        print(epoch, "step:", global_step.eval(), "lr: %.6f" % lr, "Train accuracy:", acc)
    final_values = {v.op.name: v.eval() for v in tf.global_variables()}
    slot_names = sorted(v.op.name for v in tf.global_variables() if "Momentum" in v.op.name)
print("slots:", slot_names)
