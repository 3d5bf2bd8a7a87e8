"""Session-5 probe: interrupts and threads on both front ends (all passed when probed; kept as
regression tests, with tiny graphs).

* A ``KeyboardInterrupt`` at sampled lines of a compiled ``Session.run`` of a train op (passes
  'all') and of ``loss.backward()``: the variables are either untouched or fully stepped, grad
  mode is on afterwards and the next run/step gives the right values.
* A Keras ``fit`` stopped by a callback raising ``KeyboardInterrupt`` after its first batch
  keeps exactly that batch's update, and the next ``fit`` trains.
* ``no_grad`` is per thread; two threads' first compiles of the same plan (and an eager
  conv2d backward) at once give the right values.
"""

from __future__ import annotations

import threading

import numpy as np

import dlcore_eager as dl
import dlcore_static as tf
from dlcore_static.compiler import Pipeline  # optimised before the first run
from tests.reliability._interrupts import interrupted_at


def _train_graph():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (4, 3))
        w = tf.Variable(np.ones((3, 2), np.float32))
        b = tf.Variable(np.zeros(2, np.float32))
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b))
        train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
        s = tf.Session(pipeline=Pipeline("all", after=1))
        s.run(tf.global_variables_initializer())
    xv = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
    s.run(train, {x: xv})                                  # compiled here
    return s, lambda: s.run(train, {x: xv}), (w, b)


def test_interrupted_compiled_train_step_is_all_or_nothing():
    ref, step, wb = _train_graph()
    step()
    stepped, twice = ref.run(wb), (step(), ref.run(wb))[1]
    for n in (1, 3, 7, 15, 30, 60, 100, 140, 400):
        s, step, wb = _train_graph()
        before = s.run(wb)
        interrupted_at(n, step)
        now = s.run(wb)
        assert all(np.array_equal(a, c) for a, c in zip(now, before)) or \
            all(np.allclose(a, c) for a, c in zip(now, stepped)), n
        step()
        want = stepped if all(np.array_equal(a, c) for a, c in zip(now, before)) else twice
        assert all(np.allclose(a, c) for a, c in zip(s.run(wb), want)), n


def test_interrupted_backward_leaves_grad_mode_on_and_the_next_step_works():
    for n in (1, 5, 20, 60, 150, 300, 600):
        w = dl.ones(3, 2, requires_grad=True)
        y = (dl.ones(4, 3) @ w).relu().sum()
        interrupted_at(n, y.backward)
        assert dl.is_grad_enabled()
        w2 = dl.ones(3, 2, requires_grad=True)
        (dl.ones(4, 3) @ w2).relu().sum().backward()
        np.testing.assert_array_equal(w2.grad.numpy(), np.full((3, 2), 4.0))


def test_fit_stopped_by_a_callback_keeps_the_finished_batch():
    from dlcore_static import keras

    def model():
        m = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
        m.compile(optimizer="sgd", loss="mse")
        m.set_weights([np.ones((3, 2), np.float32), np.zeros(2, np.float32)])
        return m

    class Stop(keras.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            raise KeyboardInterrupt

    x = np.arange(24, dtype=np.float32).reshape(8, 3) / 10
    y = np.ones((8, 2), np.float32)
    m, ref = model(), model()
    try:
        m.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False, callbacks=[Stop()])
        raise AssertionError("fit was not interrupted")
    except KeyboardInterrupt:
        pass
    ref.train_on_batch(x[:4], y[:4])
    for a, b in zip(m.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    h = m.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert h.history["loss"][1] < h.history["loss"][0]


def test_no_grad_is_per_thread():
    inside, go_on, seen = threading.Event(), threading.Event(), {}

    def quiet():
        with dl.no_grad():
            inside.set()
            go_on.wait(10)
            seen["quiet"] = dl.is_grad_enabled()

    def recording():
        inside.wait(10)
        seen["recorded"] = (dl.ones(2, requires_grad=True) * 2).requires_grad
        go_on.set()

    ts = [threading.Thread(target=quiet), threading.Thread(target=recording)]
    [t.start() for t in ts]
    [t.join(20) for t in ts]
    assert seen == {"quiet": False, "recorded": True}


def test_first_compiles_at_once_in_two_threads():
    start, got, errors = threading.Barrier(3, timeout=30), {}, []

    def static(k):
        try:
            with tf.Graph().as_default():
                x = tf.placeholder(tf.float32, (4, 5))
                y = tf.reduce_sum(tf.nn.relu(x * 2.0 - 1.0) * tf.exp(-x), 1)
                s = tf.Session(pipeline=Pipeline("all", after=1))
            v = np.arange(20, dtype=np.float32).reshape(4, 5) / (k + 5)
            start.wait()
            got[k] = np.allclose(s.run(y, {x: v}),
                                 (np.maximum(v * 2 - 1, 0) * np.exp(-v)).sum(1), rtol=1e-5)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def eager():
        try:
            x = dl.arange(2 * 3 * 5 * 5, dtype=dl.float32).reshape(2, 3, 5, 5) / 100
            w = dl.ones(4, 3, 3, 3, requires_grad=True)
            start.wait()
            dl.nn.functional.conv2d(x, w, padding=1).sum().backward()
            want = np.pad(x.numpy(), ((0, 0), (0, 0), (1, 1), (1, 1)))
            want = np.array([[want[:, c, i:i + 5, j:j + 5].sum() for i in range(3)
                              for j in range(3)] for c in range(3)]).reshape(3, 3, 3)
            got["eager"] = np.allclose(w.grad.numpy(), np.broadcast_to(want, (4, 3, 3, 3)),
                                       rtol=1e-5)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=static, args=(k,)) for k in range(2)] + \
        [threading.Thread(target=eager)]
    [t.start() for t in ts]
    [t.join(120) for t in ts]
    assert not errors and got == {0: True, 1: True, "eager": True}
