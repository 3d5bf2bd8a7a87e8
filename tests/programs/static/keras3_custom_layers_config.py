"""Custom layers and their configs, the way the Keras 3 guides "Making new layers and models
via subclassing" and "Save, serialize, and export models" write them: a registered layer with
its own weights (``add_weight`` with a regularizer and a constraint), a block layer holding
a sublayer serialized inside its config (``keras.saving.serialize_keras_object`` /
``deserialize_keras_object`` in ``from_config``), a functional model of both rebuilt by
``Model.from_config``, by ``model_from_json`` and by ``clone_model``, and a ``.keras`` file
loaded back; each copy given the trained weights must compute the same outputs.  Imports
renamed (``keras`` -> ``dlcore_static.keras``); made-up data (a 3-class problem on 6 features).

Usage: keras3_custom_layers_config.py OUTPUT_DIR"""
import os
import sys

import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers, ops

keras.utils.set_random_seed(11)


@keras.saving.register_keras_serializable(package="MyLayers")
class ScaledDense(layers.Layer):
    def __init__(self, units=8, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = scale

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="glorot_uniform",
            regularizer=keras.regularizers.L2(1e-4),
            constraint=keras.constraints.MaxNorm(3.0),
            trainable=True,
            name="kernel",
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="zeros", trainable=True, name="bias"
        )

    def call(self, inputs):
        return self.scale * (ops.matmul(inputs, self.w) + self.b)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "scale": self.scale})
        return config


@keras.saving.register_keras_serializable(package="MyLayers")
class ResidualBlock(layers.Layer):
    def __init__(self, inner, dropout=0.1, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner
        self.dropout = dropout
        self.drop = layers.Dropout(dropout)
        self.norm = layers.LayerNormalization()

    def call(self, inputs, training=False):
        x = self.inner(inputs)
        x = self.drop(x, training=training)
        return self.norm(inputs + x)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "inner": keras.saving.serialize_keras_object(self.inner),
                "dropout": self.dropout,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config["inner"] = keras.saving.deserialize_keras_object(config["inner"])
        return cls(**config)


def build_model():
    inputs = keras.Input(shape=(6,), name="features")
    x = ScaledDense(8, scale=0.5, name="project")(inputs)
    x = layers.Activation("relu")(x)
    x = ResidualBlock(ScaledDense(8, scale=2.0), dropout=0.2, name="block")(x)
    outputs = layers.Dense(3, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="custom_mlp")


rng = np.random.default_rng(11)
centers = rng.normal(scale=2.0, size=(3, 6)).astype("float32")
y = rng.integers(0, 3, 300)
x = (centers[y] + rng.normal(size=(300, 6))).astype("float32")

model = build_model()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, batch_size=32, epochs=8, validation_split=0.2, verbose=0)
print(f"final accuracy: {history.history['accuracy'][-1]:.3f}")
print("regularization losses:", len(model.losses))

config = model.get_config()
print("block config inner:", config["layers"][3]["config"]["inner"]["class_name"])
from_config = keras.Model.from_config(config)
from_config.set_weights(model.get_weights())
from_json = keras.models.model_from_json(model.to_json())
from_json.set_weights(model.get_weights())
cloned = keras.models.clone_model(model)
cloned.set_weights(model.get_weights())
path = os.path.join(sys.argv[1], "custom_mlp.keras")
model.save(path)
loaded = keras.models.load_model(path)

want = model.predict(x[:16], verbose=0)
for name, other in [("from_config", from_config), ("from_json", from_json),
                    ("clone_model", cloned), ("load_model", loaded)]:
    got = other.predict(x[:16], verbose=0)
    print(f"{name}: max abs difference {np.max(np.abs(got - want)):.2e}")
