"""The TF1 optimizer zoo on one least-squares problem, as TF 1.x tutorials compare them
(CS20si's lecture on optimizers, "An overview of gradient descent optimization algorithms"
reproductions): GradientDescent, Momentum, Adagrad, Adadelta, RMSProp (with momentum), Adam and
Ftrl, each from the same start for a few steps; then the learning-rate schedules
(piecewise_constant, polynomial_decay, inverse_time_decay, natural_exp_decay, cosine_decay)
read at several global steps."""
import numpy as np
import dlcore_static as tf

rs = np.random.RandomState(0)
A_np = rs.randn(6, 3).astype(np.float32)
b_np = rs.randn(6).astype(np.float32)
w0 = rs.randn(3).astype(np.float32)

optimizers = {
    "sgd": lambda: tf.train.GradientDescentOptimizer(0.05),
    "momentum": lambda: tf.train.MomentumOptimizer(0.05, momentum=0.9),
    "adagrad": lambda: tf.train.AdagradOptimizer(0.3),
    "adadelta": lambda: tf.train.AdadeltaOptimizer(1.0, rho=0.95, epsilon=1e-6),
    "rmsprop": lambda: tf.train.RMSPropOptimizer(0.05, decay=0.9, momentum=0.5),
    "adam": lambda: tf.train.AdamOptimizer(0.1),
    "ftrl": lambda: tf.train.FtrlOptimizer(0.5, l1_regularization_strength=0.01,
                                           l2_regularization_strength=0.01),
}

trajectories = {}
for name, make in optimizers.items():
    tf.reset_default_graph()
    A = tf.constant(A_np)
    b = tf.constant(b_np)
    w = tf.Variable(w0, name="w")
    loss = tf.reduce_sum(tf.square(tf.squeeze(tf.matmul(A, tf.expand_dims(w, 1)), 1) - b))
    train = make().minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        traj = []
        for step in range(5):
            sess.run(train)
            traj.append(sess.run(w))
        trajectories[name] = np.array(traj)
        print("%-9s loss after 5 steps: %.5f" % (name, sess.run(loss)))

tf.reset_default_graph()
global_step = tf.Variable(0, trainable=False, name="global_step")
set_step = tf.placeholder(tf.int32, [])
assign = tf.assign(global_step, set_step)
schedules = {
    "piecewise": tf.train.piecewise_constant(global_step, [10, 20], [1.0, 0.5, 0.1]),
    "polynomial": tf.train.polynomial_decay(0.1, global_step, 30, 0.01, power=2.0),
    "inverse_time": tf.train.inverse_time_decay(0.1, global_step, 10, 0.5, staircase=True),
    "natural_exp": tf.train.natural_exp_decay(0.1, global_step, 10, 0.5),
    "cosine": tf.train.cosine_decay(0.1, global_step, 30, alpha=0.1),
}
steps = [0, 5, 10, 11, 20, 25, 30, 40]
schedule_values = {k: [] for k in schedules}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for s in steps:
        sess.run(assign, {set_step: s})
        vals = sess.run(schedules)
        for k in schedules:
            schedule_values[k].append(vals[k])
for k in sorted(schedule_values):
    print("%-12s" % k, " ".join("%.5f" % v for v in schedule_values[k]))
