"""model.save/load_model of the layers in saving_more.py (normalisation, noise, attention,
ConvLSTM2D, padding/cropping/upsampling, transposed/depthwise/separable convolutions, advanced
activations): configuration and weights round-trip (.keras and .h5), and real Keras 3 (NumPy
backend) reads dlcore's .keras file with the same predictions."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import zipfile

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import saving

pytest.importorskip("h5py")
L = keras.layers


def _fresh(seed=0):
    tf.set_random_seed(seed)


def test_every_layer_class_has_a_saved_configuration():
    from dlcore_static.keras.engine import Layer
    missing = [n for n in dir(L) if isinstance(getattr(L, n), type)
               and issubclass(getattr(L, n), Layer) and getattr(L, n).__name__ == n
               and n not in ("Layer", "InputLayer", "Lambda") and n not in saving._SAVED
               and not n.endswith(("Cell", "Cells"))]        # cells: saved within an RNN
    assert missing == []
    for cls, keys in saving._more.LAYERS.items():     # every key is a constructor argument
        params = inspect.signature(getattr(L, cls).__init__).parameters
        assert set(keys) <= set(params), cls


def _attention_model():
    x = keras.Input(shape=(5, 8))
    y = L.LayerNormalization()(x)
    y = L.MultiHeadAttention(num_heads=2, key_dim=3)(y, y)
    y = L.Attention()([y, y])
    y = L.AdditiveAttention()([y, y])
    y = L.UnitNormalization()(y)
    for layer in (L.GaussianNoise(0.1), L.GaussianDropout(0.1), L.AlphaDropout(0.1),
                  L.SpatialDropout1D(0.1), L.ActivityRegularization(l1=0.01),
                  L.Rescaling(2.0, offset=0.5), L.Identity()):
        y = layer(y)
    z = L.Reshape((5, 2, 4, 1))(y)
    z = L.ConvLSTM2D(2, 3, padding="same", recurrent_activation="sigmoid")(z)
    return keras.models.Model(x, z)


def _seq_2d():
    return keras.models.Sequential([
        L.ZeroPadding2D(1, input_shape=(4, 4, 2)), L.Conv2DTranspose(3, 2, strides=2),
        L.DepthwiseConv2D(3, depth_multiplier=2), L.SeparableConv2D(2, 3, padding="same"),
        L.Cropping2D(((1, 0), (0, 1))), L.UpSampling2D(2), L.PReLU(shared_axes=[1, 2]),
        L.ELU(0.5), L.LeakyReLU(0.2), L.ReLU(max_value=3.0), L.ThresholdedReLU(0.1),
        L.SpatialDropout2D(0.2), L.Softmax(), L.Masking(0.0)])


def _seq_1d_3d():
    return keras.models.Sequential([
        L.ZeroPadding3D(1, input_shape=(2, 2, 2, 1)), L.Conv3DTranspose(2, 2),
        L.Cropping3D(1), L.UpSampling3D(2), L.SpatialDropout3D(0.1),
        L.Reshape((216, 2)), L.ZeroPadding1D(2), L.Cropping1D((1, 0)), L.UpSampling1D(2),
        L.SeparableConv1D(3, 2), L.SpatialDropout1D(0.1)])


def _rnn_model():
    x = keras.Input(shape=(4, 3))
    y = L.RNN(L.LSTMCell(3, recurrent_activation="sigmoid"), return_sequences=True)(x)
    y = L.Bidirectional(L.RNN(L.StackedRNNCells([L.SimpleRNNCell(2), L.GRUCell(
        2, recurrent_activation="sigmoid")]), return_sequences=True), merge_mode="sum")(y)
    y = L.RNN(L.StackedRNNCells([L.GRUCell(2, recurrent_activation="sigmoid"),
                                 L.SimpleRNNCell(2)]), go_backwards=True)(y)
    return keras.models.Model(x, y)


X = {"rnn": np.random.default_rng(3).standard_normal((2, 4, 3)).astype(np.float32),
     "att": np.random.default_rng(0).standard_normal((2, 5, 8)).astype(np.float32),
     "2d": np.random.default_rng(1).standard_normal((2, 4, 4, 2)).astype(np.float32),
     "3d": np.random.default_rng(2).standard_normal((2, 2, 2, 2, 1)).astype(np.float32)}
MAKE = {"rnn": _rnn_model, "att": _attention_model, "2d": _seq_2d, "3d": _seq_1d_3d}


def _configs(m):
    return [saving.layer_config(ly)["config"] for ly in saving._model_layers(m)]


@pytest.mark.parametrize("kind", ["att", "2d", "3d", "rnn"])
def test_round_trip_keras_and_h5(tmp_path, kind):
    _fresh()
    m = MAKE[kind]()
    want, cfg = m.predict(X[kind]), _configs(m)
    for ext in (".keras", ".h5"):
        path = str(tmp_path / f"m{ext}")
        m.save(path)
        with tf.Graph().as_default():            # (the conftest gives each test a graph)
            _fresh(1)
            m2 = keras.models.load_model(path)
            assert _configs(m2) == cfg
            np.testing.assert_allclose(m2.predict(X[kind]), want, rtol=1e-5, atol=1e-6)


def _keras3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if int(k3.__version__.split(".")[0]) < 3 or k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the NumPy backend is not available")
    return importlib.import_module("keras")


def test_real_keras3_reads_attention_and_convlstm(tmp_path):
    k3 = _keras3()
    _fresh()
    m = _attention_model()
    want = m.predict(X["att"])
    m.save(str(tmp_path / "m.keras"))
    r = k3.models.load_model(str(tmp_path / "m.keras"))
    assert [type(ly).__name__ for ly in r.layers][1:4] == [
        "LayerNormalization", "MultiHeadAttention", "Attention"]
    np.testing.assert_allclose(np.asarray(r.predict(X["att"], verbose=0)), want,
                               rtol=1e-4, atol=1e-5)
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        cfg = json.loads(z.read("config.json"))
    mha = [rec for rec in cfg["config"]["layers"] if rec["class_name"] == "MultiHeadAttention"]
    assert len(mha[0]["inbound_nodes"][0]["args"]) == 2       # query, value: as Keras 3 writes
    m = _rnn_model()               # RNN(LSTMCell), Bidirectional(RNN(stack)), RNN(stack)
    want = m.predict(X["rnn"])
    m.save(str(tmp_path / "r.keras"))
    r = k3.models.load_model(str(tmp_path / "r.keras"))
    np.testing.assert_allclose(np.asarray(r.predict(X["rnn"], verbose=0)), want,
                               rtol=1e-5, atol=1e-6)


def _compile(kr, m):
    sched = kr.optimizers.schedules.ExponentialDecay(0.01, decay_steps=10, decay_rate=0.9)
    m.compile(optimizer=kr.optimizers.AdamW(learning_rate=sched, weight_decay=0.01),
              loss=kr.losses.MeanSquaredError(),
              metrics=[kr.metrics.MeanAbsoluteError(), "mae"])


def _compile_config(path):
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("config.json"))["compile_config"]


def test_training_config_of_loss_metric_classes_adamw_schedule_as_keras3(tmp_path):
    k3 = _keras3()
    _fresh()
    m = keras.models.Sequential([L.Dense(2, input_shape=(3,))])
    _compile(keras, m)
    m.save(str(tmp_path / "m.keras"))
    m.save(str(tmp_path / "m.h5"))
    r = k3.Sequential([k3.Input((3,)), k3.layers.Dense(2)])
    _compile(k3, r)
    r.save(str(tmp_path / "r.keras"))
    ours, theirs = _compile_config(tmp_path / "m.keras"), _compile_config(tmp_path / "r.keras")
    assert ours["loss"] == theirs["loss"]
    assert ours["metrics"] == theirs["metrics"]
    oo, to = ours["optimizer"], theirs["optimizer"]
    assert oo["class_name"] == to["class_name"] == "AdamW"
    assert oo["config"]["learning_rate"] == to["config"]["learning_rate"]    # the schedule
    for k in ("weight_decay", "beta_1", "beta_2", "epsilon", "amsgrad"):
        assert oo["config"][k] == to["config"][k], k
    for ext in ("keras", "h5"):                  # dlcore rebuilds the same objects
        with tf.Graph().as_default():
            m2 = keras.models.load_model(str(tmp_path / f"m.{ext}"))
            opt = m2.optimizer
            assert type(opt).__name__ == "AdamW" and opt.weight_decay == 0.01
            assert type(opt._schedule).__name__ == "ExponentialDecay"
            assert opt._schedule.get_config() == m.optimizer._schedule.get_config()
            assert type(m2._compile_args["loss"]).__name__ == "MeanSquaredError"
            assert [type(x).__name__ if not isinstance(x, str) else x
                    for x in m2._compile_args["metrics"]] == ["MeanAbsoluteError", "mae"]
    k = k3.models.load_model(str(tmp_path / "m.keras"))       # and Keras 3 reads ours
    assert type(k.optimizer.learning_rate).__name__ != "float"
    assert type(k.optimizer).__name__ == "AdamW"


@pytest.mark.parametrize("kind", ["2d", "rnn"])     # Sequential, functional
def test_clone_model_new_layers_and_weights(kind):
    _fresh()
    m = MAKE[kind]()
    want = m.predict(X[kind])
    c = keras.models.clone_model(m)
    assert _configs(c) == _configs(m)
    mine = {id(w) for w in m.weights}
    assert len(c.weights) == len(m.weights) and not any(id(w) in mine for w in c.weights)
    c.set_weights(m.get_weights())
    np.testing.assert_allclose(c.predict(X[kind]), want, rtol=1e-6, atol=1e-6)
    c.set_weights([w * 0 for w in c.get_weights()])                  # nothing is shared
    np.testing.assert_allclose(m.predict(X[kind]), want, rtol=1e-6, atol=1e-6)


def test_clone_model_clone_function_and_errors():
    x = keras.Input((3,))
    y = L.Add()([L.Dense(4)(x), L.Dense(4)(x)])
    lam = L.Lambda(lambda t: t * 2.0)(y)
    m = keras.models.Model(x, lam)
    seen = []

    def clone(layer):
        seen.append(layer.name)
        if isinstance(layer, L.Lambda):
            return L.Lambda(lambda t: t * 3.0, name=layer.name)
        return layer.__class__(**({"units": 4} if isinstance(layer, L.Dense) else {}),
                               name=layer.name + "_c")
    c = keras.models.clone_model(m, clone_function=clone)
    assert sorted(seen) == sorted(ly.name for ly in m.layers[1:])
    c.set_weights(m.get_weights())
    xv = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(c.predict(xv), 1.5 * m.predict(xv), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="Lambda layer"):
        keras.models.clone_model(m)                       # the default clone has no config
    with pytest.raises(ValueError, match="Expected `model` argument to be a `Model` instance"):
        keras.models.clone_model(L.Dense(2))
    with pytest.raises(ValueError, match="Expected `clone_function` argument to be a callable"):
        keras.models.clone_model(m, clone_function=3)
