"""Save, serialize, and export models (the keras.io guide for Keras 3,
guides/serialization_and_saving.py), its sections that are not about custom objects (those:
keras_custom_objects_save_load.py), imports renamed: a whole model saved and reloaded
(``model.save``/``keras.models.load_model``, the .keras zip's members), a model config
(``get_config``/``from_config`` of a Sequential and a functional model, ``to_json``/
``model_from_json``, ``keras.models.clone_model``), weights only (``get_weights``/
``set_weights`` between layers and between models of the same architecture, and a model
with an extra layer through ``layers[:-1]``), ``save_weights``/``load_weights`` with
``.weights.h5``.  argv[1] is the folder for the files."""
import os
import sys
import zipfile

import numpy as np
from dlcore_static import keras

keras.utils.set_random_seed(2)
folder = sys.argv[1] if len(sys.argv) > 1 else "."


def get_model():
    # Create a simple model.
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
    return model


model = get_model()
test_input = np.random.random((128, 32))
test_target = np.random.random((128, 1))
model.fit(test_input, test_target, verbose=0)
model.save(os.path.join(folder, "my_model.keras"))
reconstructed_model = keras.models.load_model(os.path.join(folder, "my_model.keras"))
np.testing.assert_allclose(model.predict(test_input, verbose=0),
                           reconstructed_model.predict(test_input, verbose=0))
print("members:", sorted(zipfile.ZipFile(os.path.join(folder, "my_model.keras")).namelist()))
# the reconstructed model is compiled and keeps training from the saved optimizer state
history = reconstructed_model.fit(test_input, test_target, verbose=0)

# ## Saving & loading only the model's architecture (configuration)
layer = keras.layers.Dense(3, activation="relu")
layer_config = layer.get_config()
print("layer config:", {k: layer_config[k] for k in ("units", "activation", "use_bias")})
new_layer = keras.layers.Dense.from_config(layer_config)

sequential_model = keras.Sequential([keras.Input(shape=(32,)), keras.layers.Dense(1)])
config = sequential_model.get_config()
new_sequential = keras.Sequential.from_config(config)

inputs = keras.Input((32,))
outputs = keras.layers.Dense(1)(inputs)
functional = keras.Model(inputs, outputs)
config = functional.get_config()
new_functional = keras.Model.from_config(config)
print("functional from config:", [tuple(w.shape) for w in new_functional.get_weights()])

json_config = functional.to_json()
new_from_json = keras.models.model_from_json(json_config)
new_from_clone = keras.models.clone_model(functional)
print("clone has new weights:",
      not np.allclose(new_from_clone.get_weights()[0], functional.get_weights()[0]))

# ## Saving & loading only the model's weights values
def create_layer():
    layer = keras.layers.Dense(64, activation="relu", name="dense_2")
    layer.build((None, 784))
    return layer


layer_1 = create_layer()
layer_2 = create_layer()
layer_2.set_weights(layer_1.get_weights())
print("layer weights copied:", all(np.array_equal(a, b) for a, b in
                                   zip(layer_1.get_weights(), layer_2.get_weights())))


def create_model(extra=False):
    inputs = keras.Input(shape=(784,), name="digits")
    x = keras.layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = keras.layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = keras.layers.Dense(10, name="predictions")(x)
    if extra:
        outputs = keras.layers.Dense(5, name="extra")(outputs)
    return keras.Model(inputs=inputs, outputs=outputs, name="3_layer_mlp")


functional_model = create_model()
functional_model.save_weights(os.path.join(folder, "pretrained.weights.h5"))
pretrained_model = create_model()
pretrained_model.load_weights(os.path.join(folder, "pretrained.weights.h5"))
# a model with an extra layer: its first layers take the weights of the pretrained ones
extended_model = create_model(extra=True)
extended_layers = keras.Model(extended_model.inputs, extended_model.layers[-2].output)
for a, b in zip(extended_layers.layers, pretrained_model.layers):
    a.set_weights(b.get_weights())
x_digits = np.random.random((4, 784)).astype("float32")
print("pretrained layers transferred:",
      np.allclose(extended_layers.predict(x_digits, verbose=0),
                  functional_model.predict(x_digits, verbose=0), atol=1e-6))
