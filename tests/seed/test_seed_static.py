"""The seed notes' TensorFlow and Keras programs, run on dlcore_static.

Each program below is the notes' code with only the import lines changed
(``import tensorflow as tf`` -> ``import dlcore_static as tf``, ``from keras.X`` ->
``from dlcore_static.keras.X``), executed as a script; the assertions check what TensorFlow
gives: values against NumPy, a loss fetched alone staying the same when nobody fetches the
assign, losses falling when training runs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

IMPORTS = "import numpy as np\nimport dlcore_static as tf\n"

GRADIENTS = IMPORTS + """
N, D, H = 64, 1000, 100
x = tf.placeholder(tf.float32, shape=(N, D))
y = tf.placeholder(tf.float32, shape=(N, D))
w1 = tf.placeholder(tf.float32, shape=(D, H))
w2 = tf.placeholder(tf.float32, shape=(H, D))

h = tf.maximum(tf.matmul(x, w1), 0)
y_pred = tf.matmul(h, w2)
diff = y_pred - y

loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))

grad_w1, grad_w2 = tf.gradients(loss, [w1, w2])

with tf.Session() as sess:
    values = {x: np.random.randn(N, D),
              w1: np.random.randn(D, H),
              w2: np.random.randn(H, D),
              y: np.random.randn(N, D),}
    out = sess.run([loss, grad_w1, grad_w2],
                   feed_dict=values)
    loss_val, grad_w1_val, grad_w2_val = out
"""

VARIABLES_NO_UPDATE = IMPORTS + """
N, D, H = 64, 1000, 100
x = tf.placeholder(tf.float32, shape=(N, D))
y = tf.placeholder(tf.float32, shape=(N, D))
w1 = tf.Variable(tf.random_normal((D, H)))
w2 = tf.Variable(tf.random_normal((H, D)))

h = tf.maximum(tf.matmul(x, w1), 0)
y_pred = tf.matmul(h, w2)
diff = y_pred - y
loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
grad_w1, grad_w2 = tf.gradients(loss, [w1, w2])

learning_rate = 1e-5
new_w1 = w1.assign(w1 - learning_rate * grad_w1)
new_w2 = w2.assign(w2 - learning_rate * grad_w2)

losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    values = {x: np.random.randn(N, D),
              y: np.random.randn(N, D),}
    for t in range(50):
        loss_val, = sess.run([loss], feed_dict=values)
        losses.append(loss_val)
"""

GROUP = IMPORTS + """
N, D, H = 64, 1000, 100
x = tf.placeholder(tf.float32, shape=(N, D))
y = tf.placeholder(tf.float32, shape=(N, D))
w1 = tf.Variable(tf.random_normal((D, H)))
w2 = tf.Variable(tf.random_normal((H, D)))

h = tf.maximum(tf.matmul(x, w1), 0)
y_pred = tf.matmul(h, w2)
diff = y_pred - y
loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
grad_w1, grad_w2 = tf.gradients(loss, [w1, w2])

learning_rate = 1e-5
new_w1 = w1.assign(w1 - learning_rate * grad_w1)
new_w2 = w2.assign(w2 - learning_rate * grad_w2)
updates = tf.group(new_w1, new_w2)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    values = {x: np.random.randn(N, D),
              y: np.random.randn(N, D),}
    losses = []
    for t in range(50):
        loss_val, _ = sess.run([loss, updates],
                               feed_dict=values)
        losses.append(loss_val)
"""

OPTIMIZER = IMPORTS + """
N, D, H = 64, 1000, 100
x = tf.placeholder(tf.float32, shape=(N, D))
y = tf.placeholder(tf.float32, shape=(N, D))
w1 = tf.Variable(tf.random_normal((D, H)))
w2 = tf.Variable(tf.random_normal((H, D)))

h = tf.maximum(tf.matmul(x, w1), 0)
y_pred = tf.matmul(h, w2)
diff = y_pred - y
loss = tf.reduce_mean(tf.reduce_sum(diff * diff, axis=1))

optimizer = tf.train.GradientDescentOptimizer(1e-5)
updates = optimizer.minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    values = {x: np.random.randn(N, D),
              y: np.random.randn(N, D),}
    losses = []
    for t in range(50):
        loss_val, _ = sess.run([loss, updates],
                                feed_dict=values)
        losses.append(loss_val)
"""

LAYERS = IMPORTS + """
N, D, H = 64, 1000, 100
x = tf.placeholder(tf.float32, shape=(N, D))
y = tf.placeholder(tf.float32, shape=(N, D))

init = tf.contrib.layers.xavier_initializer()
h = tf.layers.dense(inputs=x, units=H,
                    activation=tf.nn.relu, kernel_initializer=init)
y_pred = tf.layers.dense(inputs=h, units=D,
                        kernel_initializer=init)

loss = tf.losses.mean_squared_error(y_pred, y)

optimizer = tf.train.GradientDescentOptimizer(1e0)
updates = optimizer.minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    values = {x: np.random.randn(N, D),
              y: np.random.randn(N, D),}
    losses = []
    for t in range(50):
        loss_val, _ = sess.run([loss, updates],
                                feed_dict=values)
        losses.append(loss_val)
"""

KERAS = """import numpy as np
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers.core import Dense, Activation
from dlcore_static.keras.optimizers import SGD

N, D, H = 64, 1000, 100

model = Sequential()
model.add(Dense(input_dim=D, output_dim=H))
model.add(Activation('relu'))
model.add(Dense(input_dim=H, output_dim=D))

optimizer = SGD(lr=1e0)
model.compile(loss='mean_squared_error',
              optimizer=optimizer)

x = np.random.randn(N, D)
y = np.random.randn(N, D)
history = model.fit(x, y, nb_epoch=50,
                    batch_size=N, verbose=0)
"""

COND = IMPORTS + """
N, D, H = 3, 4, 5
x = tf.placeholder(tf.float32, shape=(N, D))
z = tf.placeholder(tf.float32, shape=None)
w1 = tf.placeholder(tf.float32, shape=(D, H))
w2 = tf.placeholder(tf.float32, shape=(D, H))

def f1(): return tf.matmul(x, w1)
def f2(): return tf.matmul(x, w2)
y = tf.cond(tf.less(z, 0), f1, f2)

with tf.Session() as sess:
    values = {
        x: np.random.randn(N, D),
        z: 10,
        w1: np.random.randn(D, H),
        w2: np.random.randn(D, H),
    }
    y_val = sess.run(y, feed_dict=values)
"""


def run(source: str) -> dict:
    import dlcore_static as tf
    tf.reset_default_graph()
    ns: dict = {"__name__": "__seed__"}
    np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(source, "<seed>", "exec"), ns)
    return ns


def test_gradients_program_matches_numpy():
    ns = run(GRADIENTS)
    v = {k: ns["values"][ns[k]].astype(np.float32) for k in ("x", "y", "w1", "w2")}
    h = np.maximum(v["x"] @ v["w1"], 0)
    d = h @ v["w2"] - v["y"]
    loss = np.mean(np.sum(d ** 2, axis=1))
    g = 2 * d / d.shape[0]
    gw2 = h.T @ g
    gw1 = v["x"].T @ ((g @ v["w2"].T) * (h > 0))
    assert isinstance(ns["loss_val"], np.float32)
    np.testing.assert_allclose(ns["loss_val"], loss, rtol=1e-4)
    np.testing.assert_allclose(ns["grad_w2_val"], gw2, rtol=1e-3, atol=1e-2 * np.abs(gw2).max())
    np.testing.assert_allclose(ns["grad_w1_val"], gw1, rtol=1e-3, atol=1e-2 * np.abs(gw1).max())


def test_unfetched_assign_does_not_run():
    ns = run(VARIABLES_NO_UPDATE)
    assert len(set(float(v) for v in ns["losses"])) == 1


@pytest.mark.parametrize("program", [GROUP, OPTIMIZER], ids=["group", "optimizer"])
def test_training_loss_falls(program):
    losses = [float(v) for v in run(program)["losses"]]
    assert losses[-1] < 0.1 * losses[0]
    assert all(b <= a * 1.0001 for a, b in zip(losses, losses[1:]))


def test_layers_program():
    ns = run(LAYERS)
    losses = [float(v) for v in ns["losses"]]
    assert losses[-1] < losses[0]
    import dlcore_static as tf
    names = [v.name for v in tf.trainable_variables()]
    assert names == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]


def test_keras_program():
    ns = run(KERAS)
    hist = ns["history"].history["loss"]
    assert len(hist) == 50
    assert hist[-1] < hist[0]


def test_keras_program_warns_with_modern_calls():
    with pytest.warns(UserWarning, match=r"Update your `Dense` call to the Keras 2 API: "
                      r"`Dense\(input_dim=1000, units=100\)`"):
        exec(compile(KERAS.replace("nb_epoch=50", "nb_epoch=1"), "<seed>", "exec"), {})


def test_cond_program_takes_false_branch():
    ns = run(COND)
    v = ns["values"]
    expect = v[ns["x"]].astype(np.float32) @ v[ns["w2"]].astype(np.float32)
    np.testing.assert_allclose(ns["y_val"], expect, rtol=1e-5, atol=1e-5)
