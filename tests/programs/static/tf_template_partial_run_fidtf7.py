"""Two TF 1.x API-guide programs, with ``import tensorflow as tf`` renamed:

* ``tf.make_template``'s docstring example (``scale_by_y`` shares its variable ``y``) and a
  siamese network whose two towers are one template (the variables made once, by the first
  call; each call's ops under a new name scope), trained to embed close pairs close;
* ``Session.partial_run``'s example: one step fed and fetched in parts (``r1`` then ``r2``
  from ``r1``'s value), here a two-stage computation whose second feed depends on the first
  stage's result."""
# ruff: noqa: UP031  (written in the tutorial's own style)

import numpy as np

import dlcore_static as tf


# ------------------------------------------------------------ make_template: scale_by_y
def my_op(x, scalar_name):
    var1 = tf.get_variable(scalar_name, shape=[],
                           initializer=tf.constant_initializer(1.5))
    return x * var1


scale_by_y = tf.make_template("scale_by_y", my_op, scalar_name="y")
z = scale_by_y(tf.constant(2.0))
w = scale_by_y(tf.constant(4.0))          # same variable y
print("scale_by_y:", z.name, w.name, [v.name for v in tf.trainable_variables()])


# ------------------------------------------------------------ a siamese net with one template
def tower(x):
    h = tf.layers.dense(x, 8, activation=tf.nn.tanh, name="fc1",
                        kernel_initializer=tf.random_normal_initializer(stddev=0.5, seed=3))
    return tf.layers.dense(h, 2, name="fc2",
                           kernel_initializer=tf.random_normal_initializer(stddev=0.5, seed=4))


encoder = tf.make_template("encoder", tower)
left = tf.placeholder(tf.float32, [None, 4], name="left")
right = tf.placeholder(tf.float32, [None, 4], name="right")
same = tf.placeholder(tf.float32, [None], name="same")
e1, e2 = encoder(left), encoder(right)
d2 = tf.reduce_sum(tf.square(e1 - e2), 1)
margin = 3.0
loss = tf.reduce_mean(same * d2 + (1 - same) * tf.square(
    tf.maximum(margin - tf.sqrt(d2 + 1e-6), 0.0)))
train_op = tf.train.GradientDescentOptimizer(0.2).minimize(loss)
print("encoder variables:", [v.name for v in encoder.trainable_variables])
print("towers:", e1.name, e2.name)

rng = np.random.RandomState(0)
centers = rng.randn(2, 4).astype(np.float32) * 2
cls_l, cls_r = rng.randint(0, 2, 64), rng.randint(0, 2, 64)
xl = centers[cls_l] + 0.1 * rng.randn(64, 4).astype(np.float32)
xr = centers[cls_r] + 0.1 * rng.randn(64, 4).astype(np.float32)
ys = (cls_l == cls_r).astype(np.float32)
feed = {left: xl, right: xr, same: ys}

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print("scaled:", sess.run([z, w]))
    for step in range(40):
        _, l = sess.run([train_op, loss], feed)
        if step % 10 == 0:
            print("step %d contrastive loss %.4f" % (step, l))
    final_loss = sess.run(loss, feed)
    print("final contrastive loss %.4f" % final_loss)
    weights = sess.run({v.name: v for v in encoder.trainable_variables})
    emb_l, emb_r = sess.run([e1, e2], feed)

# ------------------------------------------------------------ partial_run
a = tf.placeholder(tf.float32, shape=[], name="a")
b = tf.placeholder(tf.float32, shape=[], name="b")
c = tf.placeholder(tf.float32, shape=[], name="c")
r1 = tf.add(a, b)
r2 = tf.multiply(r1, c)

with tf.Session() as sess:
    h = sess.partial_run_setup([r1, r2], [a, b, c])
    res = sess.partial_run(h, r1, feed_dict={a: 1, b: 2})
    print("partial r1:", res)
    res = sess.partial_run(h, r2, feed_dict={c: res})
    print("partial r2:", res)
    # the second stage's feed is chosen from the first stage's value
    h = sess.partial_run_setup([r1, r2], [a, b, c])
    first = sess.partial_run(h, r1, feed_dict={a: 10.0, b: -4.0})
    second = sess.partial_run(h, r2, feed_dict={c: 1.0 if first > 5 else -1.0})
    print("partial stages:", first, second)
