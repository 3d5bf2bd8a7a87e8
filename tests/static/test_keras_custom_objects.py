"""Keras model files with the user's own layer classes and functions (keras/saving_custom.py):
register_keras_serializable, custom_objects= and custom_object_scope, the records Keras 3
writes, Keras 3's errors for unknown names, and that nothing named by a file is imported."""

from __future__ import annotations

import json
import os
import sys
import zipfile

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras

h5py = pytest.importorskip("h5py")
X = np.random.RandomState(0).randn(6, 4).astype("float32")


@keras.saving.register_keras_serializable(package="CustomObjectsTest")
class MyDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1], self.units))

    def call(self, x):
        return tf.matmul(x, self.w)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Scale(keras.layers.Layer):                       # not registered
    def __init__(self, k=2.0, **kwargs):
        super().__init__(**kwargs)
        self.k = k

    def call(self, x):
        return x * self.k

    def get_config(self):
        return {**super().get_config(), "k": self.k}


@keras.utils.register_keras_serializable()
def scaled_tanh(x):
    return tf.tanh(x) * 1.5


def my_loss(y_true, y_pred):
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1) + 0.01


def _model(functional: bool):
    if functional:
        inp = keras.Input((4,))
        out = keras.layers.Dense(2, activation=scaled_tanh)(Scale(3.0)(MyDense(3)(inp)))
        return keras.Model(inp, out)
    return keras.Sequential([MyDense(3, input_shape=(4,)), Scale(3.0),
                             keras.layers.Dense(2, activation=scaled_tanh)])


def test_registration_api_as_keras():
    assert keras.saving.get_registered_name(MyDense) == "CustomObjectsTest>MyDense"
    assert keras.utils.get_registered_name(scaled_tanh) == "Custom>scaled_tanh"
    assert keras.saving.get_registered_name(Scale) == "Scale"
    assert keras.saving.get_registered_object("CustomObjectsTest>MyDense") is MyDense
    assert keras.saving.get_custom_objects()["Custom>scaled_tanh"] is scaled_tanh
    assert keras.saving.get_registered_object("Scale") is None
    assert keras.saving.get_registered_object("Scale", custom_objects={"Scale": Scale}) is Scale
    with keras.saving.custom_object_scope({"Scale": Scale}):
        with keras.utils.CustomObjectScope({"other": my_loss}):
            assert keras.saving.get_registered_object("Scale") is None      # replaced
            assert keras.saving.get_registered_object("other") is my_loss
        assert keras.saving.get_registered_object("Scale") is Scale
    assert keras.saving.get_registered_object("Scale") is None
    with pytest.raises(ValueError, match="Cannot register a class that does not have a "
                                         "get_config"):
        keras.saving.register_keras_serializable()(type("NoConfig", (), {}))


@pytest.mark.parametrize("functional", [False, True])
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_round_trip_registered_and_passed(tmp_path, functional, ext):
    tf.set_random_seed(1)
    m = _model(functional)
    m.compile("adam", loss=my_loss, metrics=[my_loss])
    before = m.predict(X)
    path = str(tmp_path / f"m{ext}")
    m.save(path)
    # MyDense and scaled_tanh are registered; Scale and my_loss are passed
    r = keras.models.load_model(path, custom_objects={"Scale": Scale, "my_loss": my_loss})
    np.testing.assert_array_equal(r.predict(X), before)
    kinds = [type(ly) for ly in r.layers if type(ly).__name__ != "InputLayer"]
    assert kinds[:2] == [MyDense, Scale] and r.layers[-1].activation is scaled_tanh
    assert r.layers[-2].k == 3.0 and r.get_layer(index=-3).units == 3
    assert r.loss is my_loss
    y = np.zeros((6, 2), "float32")
    assert r.evaluate(X, y, verbose=0)[0] == pytest.approx(m.evaluate(X, y, verbose=0)[0],
                                                           rel=1e-6)
    with keras.utils.custom_object_scope({"Scale": Scale, "my_loss": my_loss}):   # by scope
        np.testing.assert_array_equal(keras.models.load_model(path).predict(X), before)


def test_records_as_keras3_writes_them(tmp_path):
    m = _model(True)
    m.save(str(tmp_path / "m.keras"))
    m.save(str(tmp_path / "m.h5"))
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        recs = json.loads(z.read("config.json"))["config"]["layers"]
    mod = __name__ if __name__ != "__main__" else None
    assert {k: recs[1][k] for k in ("module", "class_name", "registered_name")} == {
        "module": mod, "class_name": "MyDense", "registered_name": "CustomObjectsTest>MyDense"}
    assert recs[1]["config"]["units"] == 3 and recs[2]["registered_name"] == "Scale"
    assert recs[3]["config"]["activation"] == {"module": "builtins", "class_name": "function",
                                               "config": "Custom>scaled_tanh",
                                               "registered_name": "function"}
    with h5py.File(tmp_path / "m.h5", "r") as f:
        h5 = json.loads(f.attrs["model_config"])["config"]["layers"]
    assert [r["class_name"] for r in h5[1:3]] == ["CustomObjectsTest>MyDense", "Scale"]
    assert "module" not in h5[1] and h5[1]["config"] == recs[1]["config"]


def test_unknown_class_errors_as_keras(tmp_path):
    m = _model(False)
    m.save(str(tmp_path / "m.keras"))
    m.save(str(tmp_path / "m.h5"))
    g = tf.get_default_graph()
    n_vars = len(g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES))
    with pytest.raises(TypeError, match="Could not locate class 'Scale'. Make sure custom "
                                        "classes and functions are decorated with "):
        keras.models.load_model(str(tmp_path / "m.keras"))
    with pytest.raises(ValueError, match="Unknown layer: 'Scale'. Please ensure you are using "
                                         "a `keras.utils.custom_object_scope`"):
        keras.models.load_model(str(tmp_path / "m.h5"))
    assert len(g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)) == n_vars   # nothing left


def test_nothing_named_by_the_file_is_imported(tmp_path):
    path = tmp_path / "evil.keras"
    rec = {"module": "subprocess_c8_probe", "class_name": "Popen",
           "registered_name": "subprocess_c8_probe>Popen", "config": {"name": "x"}}
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps({"module": "keras", "class_name": "Sequential",
                                              "config": {"name": "s", "layers": [rec]}}))
        z.writestr("model.weights.h5", b"")
    with pytest.raises(TypeError, match="Could not locate class 'Popen'"):
        keras.models.load_model(str(path))
    assert "subprocess_c8_probe" not in sys.modules
    # a registered *function* under a layer's name is not a layer class
    with pytest.raises(ValueError, match="is not a layer class"):
        keras.models.load_model(str(path), custom_objects={"subprocess_c8_probe>Popen":
                                                           my_loss})


def test_save_records_constructor_arguments_as_keras3(tmp_path):
    class NoConfig(keras.layers.Layer):       # (Keras 3's automatic get_config: _auto_config)
        def __init__(self, k=2.0, **kwargs):
            super().__init__(**kwargs)
            self.k = k

        def call(self, x):
            return x * self.k

    m = keras.Sequential([NoConfig(5.0, input_shape=(4,))])
    path = str(tmp_path / "m.keras")
    m.save(path)
    r = keras.models.load_model(path, custom_objects={"NoConfig": NoConfig})
    assert r.layers[0].k == 5.0


def test_model_from_config_with_custom_objects():
    m = _model(True)
    cfg = m.get_config()
    with pytest.raises(TypeError, match="Could not locate class 'Scale'"):
        keras.models.model_from_config({"class_name": "Functional", "config": cfg})
    r = keras.models.model_from_config({"class_name": "Functional", "config": cfg},
                                       custom_objects={"Scale": Scale})
    assert [type(ly).__name__ for ly in r.layers][1:3] == ["MyDense", "Scale"]


@keras.saving.register_keras_serializable(package="MyLosses")
class OffsetMSE(keras.losses.Loss):
    def __init__(self, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def call(self, y_true, y_pred):
        return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1) + self.offset

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_loss_object_of_a_registered_class(tmp_path, ext):
    m = keras.Sequential([keras.layers.Dense(2, input_shape=(4,))])
    m.compile("sgd", loss=OffsetMSE(0.25))
    path = str(tmp_path / f"m{ext}")
    m.save(path)
    r = keras.models.load_model(path)
    assert type(r.loss) is OffsetMSE and r.loss.offset == 0.25
    y = np.zeros((6, 2), "float32")
    assert r.evaluate(X, y, verbose=0) == pytest.approx(m.evaluate(X, y, verbose=0), rel=1e-6)


def test_save_keeps_a_custom_layers_sublayers(tmp_path):
    # (dlcore refused this file while it did not track sublayers: keras/_tracking.py now does)
    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = keras.layers.Dense(3)

        def call(self, x):
            return tf.nn.relu(self.d(x))

    inp = keras.Input((4,))
    m = keras.Model(inp, Block()(inp))
    path = str(tmp_path / "m.keras")
    m.save(path)
    m2 = keras.models.load_model(path, custom_objects={"Block": Block})
    np.testing.assert_allclose(m2.predict(X), m.predict(X), rtol=1e-6)


def test_real_keras3_loads_a_registered_custom_layer(tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 is loaded with another backend")
    m = _model(True)
    before = m.predict(X)
    m.save(str(tmp_path / "m.keras"))

    class MyDense(k3.layers.Layer):   # the same classes (Keras names weights by class)
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units))

        def call(self, x):
            return k3.ops.matmul(x, self.w)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class Scale(k3.layers.Layer):
        def __init__(self, k=2.0, **kwargs):
            super().__init__(**kwargs)
            self.k = k

        def call(self, x):
            return x * self.k

        def get_config(self):
            return {**super().get_config(), "k": self.k}

    def k3_tanh(x):
        return k3.ops.tanh(x) * 1.5

    objs = {"CustomObjectsTest>MyDense": MyDense, "Custom>scaled_tanh": k3_tanh, "Scale": Scale}
    with k3.saving.custom_object_scope(objs):
        r = k3.models.load_model(str(tmp_path / "m.keras"), compile=False)
    np.testing.assert_allclose(np.asarray(r.predict(X, verbose=0)), before, rtol=1e-5,
                               atol=1e-6)
