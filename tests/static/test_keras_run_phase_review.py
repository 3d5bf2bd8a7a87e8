"""Reviewer's items on the training/inference mode (rv-keras, 05:00): a model first built
inside another layer's ``training=False`` call keeps no mode of its own (its fit trains its
BatchNormalization), for a Sequential (a subclassed model first called inside
another layer's call is not supported: an AttributeError, left); the mode of a call being built
in one thread is not read by layers another thread builds in the same graph."""

from __future__ import annotations

import threading

import numpy as np

from dlcore_static import keras
from dlcore_static.keras import backend as K

L = keras.layers
X = np.random.RandomState(0).randn(16, 3).astype("float32") + 3


class Wrap(L.Layer):
    def __init__(self, inner, **kw):
        super().__init__(**kw)
        self.inner = inner

    def call(self, x):
        return self.inner(x)


def _moves(model, bn) -> bool:
    a = K.get_value(bn.moving_mean).copy()
    model.fit(X, np.zeros((16, 4), "float32"), batch_size=16, verbose=0)
    return not np.array_equal(a, K.get_value(bn.moving_mean))


def test_model_built_inside_an_inference_call_trains_in_its_own_fit():
    K.clear_session()
    seq = keras.Sequential([L.Dense(4), L.BatchNormalization()])          # unbuilt
    inp = keras.Input((3,))
    outer = keras.Model(inp, Wrap(seq)(inp, training=False))
    seq.compile("sgd", "mse")
    assert _moves(seq, seq.layers[-1])
    outer.compile("sgd", "mse")                  # the outer call keeps training=False
    assert not _moves(outer, seq.layers[-1])


def test_modes_are_per_thread():
    K.clear_session()
    inside, done = threading.Event(), threading.Event()

    class Slow(L.Layer):
        def call(self, x, training=None):
            inside.set()
            done.wait(5)
            return x

    def other():
        Slow()(keras.Input((3,)), training=False)

    t = threading.Thread(target=other)
    t.start()
    try:
        assert inside.wait(5)
        i = keras.Input((3,))
        bn = L.BatchNormalization()
        m = keras.Model(i, L.Dense(4)(bn(i)))
        m.compile("sgd", "mse")
    finally:
        done.set()
        t.join()
    assert _moves(m, bn)


def test_frozen_bn_under_a_fixed_learning_phase():
    """rv-keras item 4: with ``set_learning_phase(1)`` the BN flags were not fed, so a BN
    frozen after it was called (then compiled) still moved in fit."""
    Y = X[:, :1]
    for frozen_before in (False, True):
        K.clear_session()
        K.set_learning_phase(1)
        try:
            bn = L.BatchNormalization(trainable=not frozen_before)
            inp = keras.Input((3,))
            m = keras.Model(inp, L.Dense(1)(bn(inp)))
            bn.trainable = False
            m.compile("sgd", "mse")
            a = K.get_value(bn.moving_mean).copy()
            m.fit(X, Y, verbose=0)
            assert np.array_equal(a, K.get_value(bn.moving_mean))
        finally:
            K.clear_session()


def test_custom_train_step_rebuilt_by_compile():
    """rv-keras item 3: a custom train_step's graph was kept for the model's life, so
    freezing a BN and recompiling changed nothing (Keras 3 rebuilds the step in compile)."""
    import dlcore_static as tf
    K.clear_session()
    Y = X[:, :1]

    class M(keras.Model):
        def train_step(self, data):
            x, y = data[0], data[1]
            with tf.GradientTape() as tape:
                loss = keras.losses.mean_squared_error(y, self(x, training=True))
            g = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(g, self.trainable_variables))
            return {"loss": loss}

    inp = keras.Input((3,))
    bn = L.BatchNormalization()
    m = M(inp, L.Dense(1)(bn(inp)))
    m.compile("sgd", "mse")
    a, g0 = K.get_value(bn.moving_mean).copy(), K.get_value(bn.gamma).copy()
    m.fit(X, Y, epochs=1, verbose=0)
    assert not np.array_equal(a, K.get_value(bn.moving_mean))
    bn.trainable = False
    m.compile("sgd", "mse")
    a, g0 = K.get_value(bn.moving_mean).copy(), K.get_value(bn.gamma).copy()
    m.fit(X, Y, epochs=1, verbose=0)
    m.train_on_batch(X, Y)
    assert np.array_equal(a, K.get_value(bn.moving_mean))
    assert np.array_equal(g0, K.get_value(bn.gamma))


def test_flag_feeds_are_the_models_own():
    """rv-keras item 8: compile's snapshot took every BN flag of the graph (every model built
    in it); now only the model's own layers' (a nested model's too), and freezing the nested
    model's BN after it was called still takes effect at the next compile."""
    from dlcore_static.keras import _run_phase
    K.clear_session()
    for _ in range(3):
        i = keras.Input((3,))
        keras.Model(i, L.BatchNormalization()(L.BatchNormalization()(i))).compile("sgd", "mse")
    inner_in = keras.Input((3,))
    bn = L.BatchNormalization()
    inner = keras.Model(inner_in, bn(inner_in))
    i = keras.Input((3,))
    outer = keras.Model(i, L.Dense(4)(L.BatchNormalization()(inner(i))))
    outer.compile("sgd", "mse")
    assert len(_run_phase._FLAGS[outer.graph]) == 6 + 2 + 1      # (inner's own call and outer's)
    assert len(_run_phase.feeds(outer)) == 3
    bn.trainable = False
    outer.compile("sgd", "mse")
    assert not _moves(outer, bn)
    assert _moves(outer, outer.layers[2])


def test_k_function_feeds_the_flags():
    """rv-keras item 5: a K.function made after a BN was frozen (and the model recompiled)
    runs it in inference mode also when the learning phase is fed 1."""
    K.clear_session()
    inp = keras.Input((3,))
    bn = L.BatchNormalization()
    m = keras.Model(inp, L.Dense(1)(bn(inp)))
    bn.trainable = False
    m.compile("sgd", "mse")
    f = K.function([m.input, K.learning_phase()], [m.output])
    np.testing.assert_allclose(f([X, 1])[0], f([X, 0])[0], rtol=1e-6)
    np.testing.assert_allclose(f([X, 0])[0], m.predict(X, verbose=0), rtol=1e-6)
    bn.trainable = True                           # (made before: the flags as then)
    np.testing.assert_allclose(f([X, 1])[0], f([X, 0])[0], rtol=1e-6)
    g = K.function([m.input, K.learning_phase()], [m.output])
    assert not np.allclose(g([X, 1])[0], g([X, 0])[0])


def test_raw_subclassed_call_gets_training_and_the_inputs_graph_gets_the_mode():
    """rv-keras items 6, 7: a subclassed call() with TF ops in it was called without the
    ``training=`` given to the model; a model called on inputs of another graph than the
    default one set the mode on the default graph (its dropout stayed off)."""
    import dlcore_static as tf
    K.clear_session()
    seen = []

    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, x, training=None):
            seen.append(training)
            return tf.nn.relu(self.d(x)) * (2.0 if training else 1.0)

    m = M()
    m.build((None, 3))
    m(keras.Input((3,)), training=True)
    assert seen[-1] is True
    g2 = tf.Graph()
    with g2.as_default():
        bi = keras.Input((4,))
        base = keras.Model(bi, L.Dropout(0.5)(bi))
        inp = keras.Input((4,))
    out = base(inp, training=True)
    assert out.graph is g2
    ones = np.ones((64, 4), "float32")
    with tf.Session(graph=g2) as s:
        assert not np.allclose(s.run(out, {inp: ones}), ones)


def test_compute_loss_gets_training_true_in_fit():
    """rv-keras item 10: Keras 3's default train step passes training=True to a compute_loss
    override that takes it (test step: False)."""
    K.clear_session()
    seen = []

    class M(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=None):
            seen.append(training)
            return super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)

    i = keras.Input((3,))
    m = M(i, L.Dense(1)(i))
    m.compile("sgd", "mse")
    m.fit(X, X[:, :1], verbose=0)
    m.evaluate(X, X[:, :1], verbose=0)
    assert seen == [True, False]


def test_h5_round_trip_of_a_custom_layer_whose_config_has_no_name(tmp_path):
    """rv-keras item 9: keras.io's CustomDense (get_config without the name): rebuilt without
    the name, the layer now takes the record's name, so the .h5 weights (by name) load."""
    K.clear_session()

    @keras.utils.register_keras_serializable(package="kg_review")
    class CustomDense(L.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, s):
            self.w = self.add_weight(shape=(s[-1], self.units), initializer="random_normal",
                                     name="w")
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal", name="b")

        def call(self, x):
            return x @ self.w + self.b

        def get_config(self):
            return {"units": self.units}

    inp = keras.Input((3,))
    m = keras.Model(inp, L.Dense(2)(CustomDense(5)(inp)))
    p = m.predict(X, verbose=0)
    name = m.layers[1].name
    for ext in ("h5", "keras"):
        m.save(str(tmp_path / f"cd.{ext}"))
        b = keras.models.load_model(str(tmp_path / f"cd.{ext}"))
        np.testing.assert_allclose(b.predict(X, verbose=0), p, rtol=1e-6)
        assert b.layers[1].name == name
