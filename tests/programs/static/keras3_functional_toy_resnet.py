"""The Functional API guide (Keras 3, guides/functional_api.py): its "toy ResNet model" and
"Custom layers" sections, imports renamed (``keras`` -> ``dlcore_static.keras``); 16x16
synthetic images (a bright square in one of ten places) instead of CIFAR-10, 160 of them, one
epoch: residual blocks joined by ``layers.add``, the summary with its "Connected to" column,
``validation_split``; a ``register_keras_serializable`` custom layer with ``get_config``,
rebuilt by ``Model.from_config`` with ``custom_objects``."""
import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers
from dlcore_static.keras import ops

keras.utils.set_random_seed(4)

"""
## A toy ResNet model
"""

inputs = keras.Input(shape=(16, 16, 3), name="img")
x = layers.Conv2D(8, 3, activation="relu")(inputs)
x = layers.Conv2D(16, 3, activation="relu")(x)
block_1_output = layers.MaxPooling2D(3)(x)

x = layers.Conv2D(16, 3, activation="relu", padding="same")(block_1_output)
x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
block_2_output = layers.add([x, block_1_output])

x = layers.Conv2D(16, 3, activation="relu", padding="same")(block_2_output)
x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
block_3_output = layers.add([x, block_2_output])

x = layers.Conv2D(16, 3, activation="relu")(block_3_output)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dense(32, activation="relu")(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(10)(x)

model = keras.Model(inputs, outputs, name="toy_resnet")
model.summary()

rng = np.random.default_rng(0)


def load_data(n):
    y = rng.integers(0, 10, (n, 1))
    x = rng.integers(0, 60, (n, 16, 16, 3))
    for i, c in enumerate(y[:, 0]):
        r, k = divmod(int(c), 5)
        x[i, 2 + 6 * r:6 + 6 * r, 1 + 3 * k:4 + 3 * k] = 255
    return x.astype("uint8"), y


(x_train, y_train), (x_test, y_test) = load_data(160), load_data(32)

x_train = x_train.astype("float32") / 255.0
x_test = x_test.astype("float32") / 255.0
y_train = keras.utils.to_categorical(y_train, 10)
y_test = keras.utils.to_categorical(y_test, 10)

model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss=keras.losses.CategoricalCrossentropy(from_logits=True),
    metrics=["acc"],
)
# We restrict the data to the first 1000 samples so as to limit execution time
# on Colab. Try to train on the entire dataset until convergence!
history = model.fit(
    x_train[:1000],
    y_train[:1000],
    batch_size=64,
    epochs=1,
    validation_split=0.2,
    verbose=0,
)
print("history keys:", sorted(history.history))

"""
## Extend the API using custom layers
"""


@keras.saving.register_keras_serializable()
class CustomDense(layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


inputs = keras.Input((4,))
outputs = CustomDense(10)(inputs)

model_custom = keras.Model(inputs, outputs)
config = model_custom.get_config()

new_model = keras.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
print("rebuilt:", [type(layer).__name__ for layer in new_model.layers],
      new_model.output_shape)
