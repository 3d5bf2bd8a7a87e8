"""Keras 3's constructor signatures on every layer dlcore exports, and ``keras.random``.

Every argument of Keras 3's ``keras.layers.X.__init__`` (read from the installed Keras 3) is
accepted at its default value; the Keras 3 arguments dlcore honours only at their default
(``_keras3_args.ARGS``) raise NotImplementedError naming the layer and the argument at any
other value.  The arguments dlcore now honours (global pooling's ``keepdims``, Flatten's
``data_format``, Dropout's ``noise_shape``, attention dropout with ``seed``, the recurrent
layers' ``seed``, MultiHeadAttention's regularizers and constraints, ``weights=``) are checked
against Keras 3's values.  ``keras.random`` with an int seed gives Keras 3's NumPy backend's
very values."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")
keras = pytest.importorskip("keras")

import dlcore_static.keras as dk
from dlcore_static.keras import backend as K
from dlcore_static.keras._keras3_args import ARGS

#: values for the arguments Keras 3 requires (by name), per layer where they differ
REQUIRED = {"units": 2, "filters": 2, "kernel_size": 3, "rate": 0.5, "stddev": 0.1,
            "target_shape": (2,), "n": 2, "dims": (1,), "num_heads": 2, "key_dim": 2,
            "height": 2, "width": 2, "input_dim": 5, "output_dim": 2, "activation": "relu",
            "factor": 0.1, "height_factor": 0.1, "width_factor": 0.1, "num_bins": 4,
            "num_tokens": 3, "scale": 1.0, "axis": -1, "size": 2, "cropping": 1, "padding": 1,
            "pool_size": 2, "function": abs, "axes": 1}
PER_CLASS = {"Bidirectional": lambda: {"layer": dk.layers.LSTM(2)},
             "TimeDistributed": lambda: {"layer": dk.layers.Dense(2)},
             "RNN": lambda: {"cell": dk.layers.LSTMCell(2)},
             "StackedRNNCells": lambda: {"cells": [dk.layers.LSTMCell(2)]},
             "CategoryEncoding": lambda: {"num_tokens": 3},
             "InputLayer": lambda: {"shape": (3,)}}
CLASSES = sorted(n for n in dir(dk.layers) if isinstance(getattr(dk.layers, n), type)
                 and isinstance(getattr(keras.layers, n, None), type))


def _params(name):
    sig = inspect.signature(getattr(keras.layers, name).__init__)
    return [p for p in sig.parameters.values() if p.name != "self"
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _required(name):
    if name in PER_CLASS:
        return PER_CLASS[name]()
    return {p.name: REQUIRED[p.name] for p in _params(name) if p.default is p.empty}


def test_every_layer_compared():
    assert len(CLASSES) > 100 and {"Conv2D", "LSTM", "MultiHeadAttention"} <= set(CLASSES)


def test_every_keras3_argument_accepted_at_its_default():
    refused = []                # (one test: a parametrised one cost 0.1 s of setup per layer)
    for name in CLASSES:
        cls, req = getattr(dk.layers, name), _required(name)
        for p in _params(name):
            if p.default is not p.empty and p.name not in req:
                try:
                    cls(**req, **{p.name: p.default})
                except Exception as e:                  # noqa: BLE001 - listed below
                    refused.append(f"{name}({p.name}={p.default!r}): {e}")
    assert refused == []
    dk.layers.Conv2D(8, 3, groups=1)                    # the report's case


DEFAULT_ONLY = sorted((name, arg) for name in CLASSES for arg, (owners, *_) in ARGS.items()
                      if arg in {p.name for p in _params(name)}
                      and {c.__name__ for c in getattr(dk.layers, name).__mro__} & set(owners))
_OTHER = {"lora_rank": 4, "lora_alpha": 8.0, "quantization_config": "int8",
          "renorm_clipping": {"rmax": 3}, "use_cudnn": True, "sliding_window": 4,
          "flash_attention": True, "use_gate": True, "zero_output_for_mask": True,
          "salt": 7, "oov_method": "farmhash", "ragged": True, "optional": True,
          "output_padding": 1, "renorm": True}


def test_unsupported_values_raise_naming_layer_and_argument():
    for name, arg in DEFAULT_ONLY:
        if arg not in _OTHER:               # any value computes as Keras 3 (see ARGS)
            assert ARGS[arg][2] in ("any value", "True or False"), arg
            continue
        cls = getattr(dk.layers, name)
        with pytest.raises(NotImplementedError,
                           match=rf"^{cls.__name__}: `{arg}=.*` is not supported by dlcore"):
            cls(**_required(name), **{arg: _OTHER[arg]})


def test_default_only_table_covers_the_report():
    assert ("LSTM", "use_cudnn") in DEFAULT_ONLY     # (groups: implemented, any value)
    assert ("Conv2D", "groups") not in DEFAULT_ONLY
    with pytest.raises(TypeError, match="not understood: groups"):
        dk.layers.Dense(2, groups=1)                    # not a Dense argument (Keras 3 too)


@pytest.mark.parametrize("layer,kw,shape", [
    ("GlobalAveragePooling2D", {"keepdims": True}, (4, 5, 3)),
    ("GlobalMaxPooling1D", {"keepdims": True, "data_format": "channels_first"}, (4, 5)),
    ("GlobalAveragePooling3D", {"keepdims": True}, (2, 3, 2, 2)),
    ("Flatten", {"data_format": "channels_first"}, (2, 3, 4)),
])
def test_new_arguments_compute_as_keras3(layer, kw, shape):
    x = np.random.default_rng(0).normal(size=(2,) + shape).astype("float32")
    ours, theirs = getattr(dk.layers, layer)(**kw), getattr(keras.layers, layer)(**kw)
    want = np.asarray(theirs(x))
    assert ours.compute_output_shape((None,) + shape) == \
        theirs.compute_output_shape((None,) + shape)
    np.testing.assert_allclose(K.eval(ours(K.constant(x))), want, rtol=1e-6)


def test_global_average_pooling_keepdims_with_mask():
    x = np.arange(12, dtype="float32").reshape(2, 3, 2)
    m = np.array([[1, 1, 0], [1, 0, 0]], bool)
    ours = dk.layers.GlobalAveragePooling1D(keepdims=True)(K.constant(x), mask=K.constant(m))
    want = keras.layers.GlobalAveragePooling1D(keepdims=True)(x, mask=m)
    np.testing.assert_allclose(K.eval(ours), want)


def test_dropout_noise_shape_shares_draws_and_refuses_a_bad_one():
    x = K.constant(np.ones((4, 3, 5), "float32"))
    y = K.eval(dk.layers.Dropout(0.5, noise_shape=(None, 1, 5), seed=3)(x, training=True))
    assert set(np.unique(y)) <= {0.0, 2.0} and (y == y[:, :1]).all()     # shared along axis 1
    assert 0 < (y == 0).mean() < 1
    with pytest.raises(ValueError, match="noise_shape .* does not broadcast"):
        dk.layers.Dropout(0.5, noise_shape=(None, 2, 5))(x, training=True)
    with pytest.raises(ValueError, match="noise_shape"):
        dk.layers.Dropout(0.5, noise_shape=(None, -1))


@pytest.mark.parametrize("make", [
    lambda s: dk.layers.Attention(dropout=0.5, seed=s),
    lambda s: dk.layers.AdditiveAttention(use_scale=False, dropout=0.5, seed=s),
])
def test_attention_dropout_with_seed(make):
    rng = np.random.default_rng(1)
    q, v = (K.constant(rng.normal(size=(2, 3, 4)).astype("float32")) for _ in range(2))
    train = [K.eval(make(11)([q, v], return_attention_scores=True, training=True)[1])
             for _ in range(2)]
    np.testing.assert_array_equal(train[0], train[1])        # the seed makes it repeatable
    infer = K.eval(make(11)([q, v], return_attention_scores=True, training=False)[1])
    kept = train[0] != 0
    assert 0 < kept.mean() < 1                 # weights after dropout, as Keras 3 returns them
    np.testing.assert_allclose(train[0][kept], 2 * infer[kept], rtol=1e-5)


def test_multi_head_attention_regularizers_constraints_dropout():
    layer = dk.layers.MultiHeadAttention(2, 3, kernel_regularizer="l2", bias_regularizer="l1",
                                         kernel_constraint="non_neg", dropout=0.5, seed=2)
    x = K.constant(np.ones((1, 2, 4), "float32"))
    _, w = layer(x, x, return_attention_scores=True, training=True)
    assert len(layer.losses) == 8                          # 4 kernels, 4 biases
    assert all(v.constraint is not None for v in layer.weights if "kernel" in v.name)
    np.testing.assert_allclose(K.eval(w).sum(-1), 1.0, rtol=1e-6)    # scores before dropout


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "SimpleRNN"])
def test_recurrent_seed_repeats_masks(cls):
    x = K.constant(np.random.default_rng(0).normal(size=(3, 4, 2)).astype("float32"))
    outs = []
    for _ in range(2):
        layer = getattr(dk.layers, cls)(3, dropout=0.5, recurrent_dropout=0.5, seed=5,
                                        kernel_initializer="ones",
                                        recurrent_initializer="ones")
        outs.append(K.eval(layer(x, training=True)))
    np.testing.assert_array_equal(outs[0], outs[1])
    assert layer.get_config().get("seed", 5) == 5


def test_weights_argument_is_given_after_build():
    w = np.arange(10, dtype="float32").reshape(5, 2)
    emb = dk.layers.Embedding(5, 2, weights=[w])
    y = K.eval(emb(K.constant(np.array([[4, 0]]), "int32")))
    np.testing.assert_array_equal(y[0], w[[4, 0]])
    d = dk.layers.Dense(1, weights=[np.ones((2, 1), "float32"), np.array([3.0], "float32")])
    assert K.eval(d(K.constant([[1.0, 2.0]])))[0, 0] == 6.0


def test_input_layer_keras3_names():
    layer = dk.layers.InputLayer(shape=(3,))
    assert layer.batch_input_shape == (None, 3)
    assert dk.layers.InputLayer(batch_shape=(4, 2)).batch_input_shape == (4, 2)


# ------------------------------------------------------------------------------ keras.random
@pytest.mark.parametrize("fn,args", [("normal", ((3, 4),)), ("uniform", ((5,), 2.0, 3.0)),
                                     ("randint", ((6,), 0, 10))])
def test_random_int_seed_is_keras3s_numpy_draw(fn, args):
    t = getattr(dk.random, fn)(*args, seed=7)
    again = getattr(dk.random, fn)(*args, seed=7)
    sess = K.get_session()
    a, b, c = sess.run(t), sess.run(t), sess.run(again)
    want = np.asarray(getattr(keras.random, fn)(*args, seed=7))
    assert a.dtype == want.dtype
    np.testing.assert_array_equal(a, want)                  # the very values
    np.testing.assert_array_equal(a, b)                     # every run
    np.testing.assert_array_equal(a, c)                     # every call


def test_random_seed_generator_advances_and_repeats():
    sess = K.get_session()

    def draws():
        g = dk.random.SeedGenerator(5)
        a, b = dk.random.normal((4,), seed=g), dk.random.normal((4,), seed=g)
        return sess.run(a), sess.run(a), sess.run(b)
    first, again = draws(), draws()
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[0], first[2])
    for x, y in zip(first, again):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="Argument `seed` must be an integer. Received: "
                                         "seed=a"):
        dk.random.SeedGenerator("a")
    with pytest.raises(ValueError, match="must be either an integer or an instance of "
                                         "`SeedGenerator`"):
        dk.random.normal((2,), seed=1.5)


def test_random_distributions_and_errors():
    sess = K.get_session()
    z = sess.run(dk.random.truncated_normal((4000,), mean=1.0, stddev=2.0, seed=1))
    assert np.abs(z - 1).max() <= 4 and abs(z.mean() - 1) < 0.1 and 1.6 < z.std() < 1.9
    x = np.arange(12.0, dtype="float32").reshape(3, 4)
    s = sess.run(dk.random.shuffle(x, axis=1, seed=3))
    assert sorted(map(tuple, s.T)) == sorted(map(tuple, x.T)) and (s != x).any()  # columns
    d = sess.run(dk.random.dropout(np.ones((50, 4), "float32"), 0.25, noise_shape=(None, 1),
                                   seed=2))
    assert set(np.unique(d)) == {0.0, np.float32(4 / 3)} and (d == d[:, :1]).all()
    c = sess.run(dk.random.categorical(np.log([[0.5, 0.5, 1e-30]]), 200, seed=1))
    assert c.dtype == np.int32 and set(np.unique(c)) == {0, 1}
    with pytest.raises(ValueError, match="requires a floating point `dtype`"):
        dk.random.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="requires an integer `dtype`"):
        dk.random.randint((2,), 0, 3, dtype="float32")


# ------------------------------------------------------- custom train_step and GradientTape
def test_custom_train_step_one_sgd_step_by_hand():
    import dlcore_static as tf

    class Linear(dk.Model):
        def __init__(self):
            super().__init__()
            self.dense = dk.layers.Dense(1, use_bias=False, kernel_initializer="ones")
            self.tracker = dk.metrics.Mean(name="loss")

        @property
        def metrics(self):
            return [self.tracker]

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                loss = dk.ops.mean(dk.ops.square(self.dense(x) - y))
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.tracker.update_state(loss)
            return {"loss": self.tracker.result(), "raw": loss}

    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5], [2.0, 0.0]], "float32")
    y = np.array([[1.0], [0.0], [2.0], [-1.0]], "float32")
    model = Linear()
    model.compile(optimizer=dk.optimizers.SGD(learning_rate=0.1))
    logs = []

    class Rec(dk.callbacks.Callback):
        def on_batch_end(self, batch, l=None):
            logs.append((l["loss"], l["raw"]))

    h = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0, callbacks=[Rec()])
    w, raws = np.ones((2, 1)), []
    for _ in range(2):
        for b in (slice(0, 2), slice(2, 4)):
            r = x[b] @ w - y[b]
            raws.append(float(np.mean(r ** 2)))
            w = w - 0.1 * 2 * x[b].T @ r / len(r)                  # d mean(r^2) / dw
    np.testing.assert_allclose([raw for _, raw in logs], raws, rtol=1e-5)   # before each update
    np.testing.assert_allclose([m for m, _ in logs], [raws[0], np.mean(raws[:2]), raws[2],
                                                      np.mean(raws[2:])], rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5)
    assert h.history["loss"] == pytest.approx([np.mean(raws[:2]), np.mean(raws[2:])], rel=1e-5)
    with pytest.raises(NotImplementedError, match="custom train_step and no call"):
        model.fit(x, y, validation_split=0.5, verbose=0)
    with pytest.raises(NotImplementedError, match="custom train_step and no call"):
        model.predict(x)


def test_gradient_tape_watch_persistent_and_structure():
    import dlcore_static as tf
    v = tf.Variable(np.float32(3.0))
    c = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(c)
        y = v * v * c
    g = tape.gradient(y, {"v": v, "c": [c]})
    assert tape.gradient(y, c) is not None                    # persistent: a second call
    with tf.GradientTape() as once:
        z = v * c
    assert once.gradient(z, [v, c])[1] is None                # c was not watched
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        once.gradient(z, v)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(g) == {"v": 12.0, "c": [9.0]}


def test_custom_train_step_with_compiled_loss_and_metrics():
    """Keras 3's guide "Customizing what happens in fit": compute_loss, self.metrics (the
    loss tracker and compile_metrics, whose dict result is spread into the logs)."""
    import dlcore_static as tf

    class CustomModel(dk.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)
            self.optimizer.apply(gradients, trainable_vars)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = dk.Input(shape=(3,))
    model = CustomModel(inputs, dk.layers.Dense(1, kernel_initializer="ones")(inputs))
    model.compile(optimizer=dk.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    x = np.array([[1, 0, 2], [0, 1, 1], [1, 1, 0], [2, 0, 0]], "float32")
    y = np.array([[1.0], [0.0], [3.0], [1.0]], "float32")
    h = model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    assert sorted(h.history) == ["loss", "mae"] and [m.name for m in model.metrics] == \
        ["loss", "compile_metrics"]
    w, b, mse, mae = np.ones((3, 1)), 0.0, [], []
    for _ in range(2):
        r = x @ w + b - y
        mse.append(np.mean(r ** 2))
        mae.append(np.mean(np.abs(r)))
        w, b = w - 0.05 * 2 * x.T @ r / 4, b - 0.05 * 2 * r.mean()
    assert h.history["loss"] == pytest.approx(mse, rel=1e-5)
    assert h.history["mae"] == pytest.approx(mae, rel=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5)
    np.testing.assert_allclose(model.predict(x), x @ w + b, rtol=1e-5)      # (it has a graph)
    r = x @ w + b - y                          # evaluate: Keras 3's default test_step
    assert model.evaluate(x, y, verbose=0) == pytest.approx(
        [np.mean(r ** 2), np.mean(np.abs(r))], rel=1e-5)


def test_one_table_for_constructors_and_configurations():
    """``ARGS`` is the one table: the value a constructor accepts is the one get_config writes
    and from_config accepts (``_layer_config`` reads it)."""
    from dlcore_static.keras import _layer_config
    assert not hasattr(_layer_config, "_ONLY_DEFAULT")
    assert _layer_config._only_default(dk.layers.Conv2D) == {}    # (groups is an argument)
    assert _layer_config._only_default(dk.layers.BatchNormalization) == {
        "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99, "synchronized": False}
    assert _layer_config._only_default(dk.layers.ConvLSTM2D) == {
        "zero_output_for_mask": False, "seed": None, "unroll": False}
    ln = dk.layers.LayerNormalization(rms_scaling=False)       # accepted at what it writes
    assert ln.get_config()["rms_scaling"] is False
    with pytest.raises(NotImplementedError, match=r"^LayerNormalization: `rms_scaling=True` is "
                                                  r"not supported by dlcore \(only False"):
        dk.layers.LayerNormalization(rms_scaling=True)
    with pytest.raises(ValueError, match=r"rms_scaling=True is not supported by dlcore"):
        dk.layers.LayerNormalization.from_config({**ln.get_config(), "rms_scaling": True})
    dk.layers.ConvLSTM2D(2, 3, unroll=False)
