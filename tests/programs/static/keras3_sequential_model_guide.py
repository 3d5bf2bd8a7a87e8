"""The Sequential model (the keras.io guide for Keras 3, guides/sequential_model.py), imports
renamed (``import tensorflow as tf`` -> ``import dlcore_static as tf``, ``keras`` ->
``dlcore_static.keras``); the guide's bare ``model.layers`` expressions are printed.  Calling a
model or a layer on ``tf.ones(...)`` builds it (on the static engine the result is a symbolic
tensor, which nothing here evaluates), ``pop``, names, summaries while stacking layers with
``add``, feature extraction from ``layer.output``, and the two transfer-learning blueprints
(on a small model instead of Xception with ImageNet weights)."""
import os
import sys

import numpy as np
import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers

"""
## When to use a Sequential model
"""

# Define Sequential model with 3 layers
model = keras.Sequential(
    [
        layers.Dense(2, activation="relu", name="layer1"),
        layers.Dense(3, activation="relu", name="layer2"),
        layers.Dense(4, name="layer3"),
    ]
)
# Call model on a test input
x = tf.ones((3, 3))
y = model(x)
print("y shape:", tuple(y.shape))

# Create 3 layers
layer1 = layers.Dense(2, activation="relu", name="layer1")
layer2 = layers.Dense(3, activation="relu", name="layer2")
layer3 = layers.Dense(4, name="layer3")

# Call layers on a test input
x = tf.ones((3, 3))
y = layer3(layer2(layer1(x)))
print("y shape:", tuple(y.shape))

"""
## Creating a Sequential model
"""

model = keras.Sequential(
    [
        layers.Dense(2, activation="relu"),
        layers.Dense(3, activation="relu"),
        layers.Dense(4),
    ]
)
print([type(layer).__name__ for layer in model.layers])

model = keras.Sequential()
model.add(layers.Dense(2, activation="relu"))
model.add(layers.Dense(3, activation="relu"))
model.add(layers.Dense(4))

model.pop()
print(len(model.layers))  # 2

model = keras.Sequential(name="my_sequential")
model.add(layers.Dense(2, activation="relu", name="layer1"))
model.add(layers.Dense(3, activation="relu", name="layer2"))
model.add(layers.Dense(4, name="layer3"))

"""
## Specifying the input shape in advance
"""

layer = layers.Dense(3)
print("weights before the call:", len(layer.weights))  # Empty

# Call layer on a test input
x = tf.ones((1, 4))
y = layer(x)
print("weight shapes:", [tuple(w.shape) for w in layer.weights])  # (4, 3) and (3,)

model = keras.Sequential(
    [
        layers.Dense(2, activation="relu"),
        layers.Dense(3, activation="relu"),
        layers.Dense(4),
    ]
)  # No weights at this stage!

# Call the model on a test input
x = tf.ones((1, 4))
y = model(x)
print("Number of weights after calling the model:", len(model.weights))  # 6

model.summary()

model = keras.Sequential()
model.add(keras.Input(shape=(4,)))
model.add(layers.Dense(2, activation="relu"))

model.summary()
print([type(layer).__name__ for layer in model.layers])

model = keras.Sequential()
model.add(layers.Dense(2, activation="relu", input_shape=(4,)))

model.summary()

"""
## A common debugging workflow: `add()` + `summary()`
"""

model = keras.Sequential()
model.add(keras.Input(shape=(250, 250, 3)))  # 250x250 RGB images
model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))

# Can you guess what the current output shape is at this point? Probably not.
# Let's just print it:
model.summary()

# The answer was: (40, 40, 32), so we can keep downsampling...

model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(2))

# And now?
model.summary()

# Now that we have 4x4 feature maps, time to apply global max pooling.
model.add(layers.GlobalMaxPooling2D())

# Finally, we add a classification layer.
model.add(layers.Dense(10))
print("output shape:", model.output_shape)

"""
## Feature extraction with a Sequential model
"""

initial_model = keras.Sequential(
    [
        keras.Input(shape=(250, 250, 3)),
        layers.Conv2D(32, 5, strides=2, activation="relu"),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Conv2D(32, 3, activation="relu"),
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=[layer.output for layer in initial_model.layers],
)

# Call feature extractor on test input.
x = tf.ones((1, 250, 250, 3))
features = feature_extractor(x)
print("feature shapes:", [tuple(f.shape) for f in features])

initial_model = keras.Sequential(
    [
        keras.Input(shape=(250, 250, 3)),
        layers.Conv2D(32, 5, strides=2, activation="relu"),
        layers.Conv2D(32, 3, activation="relu", name="my_intermediate_layer"),
        layers.Conv2D(32, 3, activation="relu"),
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=initial_model.get_layer(name="my_intermediate_layer").output,
)
# Call feature extractor on test input.
x = tf.ones((1, 250, 250, 3))
features = feature_extractor(x)
print("feature shape:", tuple(features.shape))

"""
## Transfer learning with a Sequential model
"""
rs = np.random.RandomState(0)
x_train = rs.rand(64, 16).astype("float32")
y_train = (x_train[:, :8].sum(axis=1) > x_train[:, 8:].sum(axis=1)).astype("int32")

model = keras.Sequential([
    keras.Input(shape=(16,)),
    layers.Dense(32, activation='relu'),
    layers.Dense(32, activation='relu'),
    layers.Dense(32, activation='relu'),
    layers.Dense(10),
])
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x_train, y_train, epochs=2, batch_size=16, verbose=0)

# Presumably you would want to first load pre-trained weights.
folder = sys.argv[1] if len(sys.argv) > 1 else "."
model.save_weights(os.path.join(folder, "pretrained.weights.h5"))
model.load_weights(os.path.join(folder, "pretrained.weights.h5"))

# Freeze all layers except the last one.
for layer in model.layers[:-1]:
  layer.trainable = False

# Recompile and train (this will only update the weights of the last layer).
frozen_before = [w.copy() for w in model.get_weights()[:-2]]
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x_train, y_train, epochs=2, batch_size=16, verbose=0)
frozen_after = model.get_weights()[:-2]
print("frozen layers unchanged:",
      all(np.array_equal(a, b) for a, b in zip(frozen_before, frozen_after)))
print("trainable weights:", len(model.trainable_weights))

# A "pre-trained" base model (instead of Xception with ImageNet weights)
base_model = keras.Sequential([keras.Input(shape=(16,)), layers.Dense(8, activation="relu")],
                              name="base")

# Freeze the base model
base_model.trainable = False

# Use a Sequential model to add a trainable classifier on top
model = keras.Sequential([
    base_model,
    layers.Dense(1000),
])

# Compile & train
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
history = model.fit(x_train, y_train, epochs=2, batch_size=16, verbose=0)
print("losses:", ["%.4f" % v for v in history.history["loss"]])
model.summary()
