"""Saving and reloading a functional Keras model that uses custom objects (the TF 2 Keras guide
"Save and load Keras models" and keras.io's "Save, serialize, and export models"): a custom
layer with get_config, a custom activation function and a custom loss, given back through
custom_objects= on load_model; the model saved in the .keras format and in HDF5 (.h5); the
reloaded models predict exactly as the original and keep training.  Then keras.io's registered
layer (@keras.saving.register_keras_serializable): loaded with no custom_objects at all, and
an unregistered layer through keras.utils.custom_object_scope."""
import os
import sys
import tempfile

import numpy as np

import dlcore_static as tf
from dlcore_static import keras

keras.utils.set_random_seed(5)
out_dir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
rs = np.random.RandomState(5)


class ScaledDense(keras.layers.Layer):
    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = scale

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return self.scale * (tf.matmul(inputs, self.kernel) + self.bias)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "scale": self.scale})
        return config


def custom_activation(x):
    return tf.tanh(x) * 1.5


def custom_loss(y_true, y_pred):
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1) + 0.01


inputs = keras.Input(shape=(4,))
x = ScaledDense(8, scale=0.5)(inputs)
x = keras.layers.Activation(custom_activation)(x)
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss=custom_loss)

x_data = rs.randn(64, 4).astype("float32")
y_data = (np.sin(x_data[:, :1]) + x_data[:, 1:2]).astype("float32")
model.fit(x_data, y_data, epochs=3, batch_size=16, verbose=0)
before = model.predict(x_data[:8], verbose=0)

path = os.path.join(out_dir, "custom_model.keras")
model.save(path)
reconstructed = keras.models.load_model(
    path, custom_objects={"ScaledDense": ScaledDense, "custom_activation": custom_activation,
                          "custom_loss": custom_loss})
after = reconstructed.predict(x_data[:8], verbose=0)
print("keras format: same predictions", np.allclose(before, after, atol=1e-6))
print("config scale", reconstructed.layers[1].get_config()["scale"])

h5 = os.path.join(out_dir, "custom_model.h5")
model.save(h5)
from_h5 = keras.models.load_model(
    h5, custom_objects={"ScaledDense": ScaledDense, "custom_activation": custom_activation,
                        "custom_loss": custom_loss})
print("h5 format: same predictions", np.allclose(before, from_h5.predict(x_data[:8], verbose=0),
                                                  atol=1e-6))
l0 = reconstructed.evaluate(x_data, y_data, verbose=0)
reconstructed.fit(x_data, y_data, epochs=3, batch_size=16, verbose=0)
l1 = reconstructed.evaluate(x_data, y_data, verbose=0)
print(f"reloaded keeps training: loss {l0:.4f} -> {l1:.4f}")


@keras.saving.register_keras_serializable(package="MyLayers")
class MyDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units))

    def call(self, x):
        return tf.matmul(x, self.w)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


seq = keras.Sequential([MyDense(6, input_shape=(4,)), ScaledDense(1, scale=2.0)])
seq.compile(optimizer="sgd", loss="mse")
p = seq.predict(x_data[:8], verbose=0)
seq_path = os.path.join(out_dir, "registered.keras")
seq.save(seq_path)
print("registered name", keras.saving.get_registered_name(MyDense))
try:
    keras.models.load_model(seq_path)
except TypeError as e:
    print("without ScaledDense:", str(e).split(".")[0])
with keras.utils.custom_object_scope({"ScaledDense": ScaledDense}):
    seq2 = keras.models.load_model(seq_path)
print("scope: same predictions", np.allclose(p, seq2.predict(x_data[:8], verbose=0), atol=1e-6))
print("layer classes", [type(layer).__name__ for layer in seq2.layers])
