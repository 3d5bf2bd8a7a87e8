"""The widely copied TF1 recipe "py_func with a gradient" (gist by harpone, used in many repos):
a NumPy function wrapped with ``tf.py_func``, given a gradient through ``tf.RegisterGradient``
and ``graph.gradient_override_map({"PyFunc": name})``; then used inside a small model trained
with gradient descent.  Also ``tf.py_func`` returning several outputs and ``stateful=False``."""
import numpy as np
import dlcore_static as tf


def py_func(func, inp, Tout, stateful=True, name=None, grad=None):
    # Need to generate a unique name to avoid duplicates:
    rnd_name = 'PyFuncGrad' + str(np.random.randint(0, 1E+8))
    tf.RegisterGradient(rnd_name)(grad)
    g = tf.get_default_graph()
    with g.gradient_override_map({"PyFunc": rnd_name, "PyFuncStateless": rnd_name}):
        return tf.py_func(func, inp, Tout, stateful=stateful, name=name)


def mysquare(x, name=None):
    with tf.name_scope(name, "Mysquare", [x]) as name:
        sqr_x = py_func(np.square, [x], [tf.float32], name=name, grad=_MySquareGrad)
        return sqr_x[0]


def _MySquareGrad(op, grad):
    x = op.inputs[0]
    return grad * 20 * x  # add a "small" error just to see the difference


with tf.Session() as sess:
    x = tf.constant([1., 2.])
    y = mysquare(x)
    tf.global_variables_initializer().run()
    print(x.eval(), y.eval(), tf.gradients(y, x)[0].eval())


# --- two outputs, stateless, and a numpy op inside a trained model
def np_stats(a):
    return a.mean(axis=0).astype(np.float32), a.std(axis=0).astype(np.float32)


data = tf.placeholder(tf.float32, [None, 3])
mean, std = tf.py_func(np_stats, [data], [tf.float32, tf.float32], stateful=False)
mean.set_shape([3])
std.set_shape([3])


def _clip_grad(op, grad):       # straight-through estimator for a hard clip
    return grad


def np_hard_clip(v):
    return np.clip(v, -1.0, 1.0).astype(np.float32)


w = tf.Variable(tf.ones([3]), name="w")
clipped = py_func(np_hard_clip, [w], [tf.float32], grad=_clip_grad)[0]
clipped.set_shape([3])
standardized = (data - mean) / (std + 1e-6)
pred = tf.reduce_sum(standardized * clipped, axis=1)
target = tf.placeholder(tf.float32, [None])
loss = tf.reduce_mean(tf.square(pred - target))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

rs = np.random.RandomState(0)
D = rs.randn(64, 3).astype(np.float32) * [1., 2., 3.] + [1., -1., 0.5]
T = (((D - D.mean(0)) / D.std(0)) @ np.array([0.5, -0.3, 0.2])).astype(np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    m, s = sess.run([mean, std], {data: D})
    print("mean:", m, "std:", s)
    for i in range(60):
        l, _ = sess.run([loss, train], {data: D, target: T})
        if i % 20 == 0:
            print("step", i, "loss %.5f" % l)
    w_final = sess.run(w)
    print("w:", w_final)
    op_types = sorted({op.type for op in tf.get_default_graph().get_operations()
                       if op.type.startswith("PyFunc")})
    print("op types:", op_types)
