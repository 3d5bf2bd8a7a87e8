"""Transfer learning & fine-tuning (the keras.io guide for Keras 3, transfer_learning.py),
imports renamed; instead of Xception with ImageNet weights, the base model is a small conv net
with BatchNormalization "pre-trained" here on other synthetic images (no download), 32x32
images instead of 150x150 and 2 epochs per phase: the trainable/non-trainable weights of
layers, freezing (``layer.trainable = False``, recursive through models), the transfer
workflow (a frozen base called with ``training=False``, augmentation and Rescaling layers, a
new head), and fine-tuning with a low learning rate while the BatchNormalization layers stay
in inference mode."""
import numpy as np
from dlcore_static import keras

"""
## Freezing layers: understanding the `trainable` attribute
"""
layer = keras.layers.Dense(3)
layer.build((None, 4))  # Create the weights

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))

layer = keras.layers.BatchNormalization()
layer.build((None, 4))  # Create the weights

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))

layer = keras.layers.Dense(3)
layer.build((None, 4))  # Create the weights
layer.trainable = False  # Freeze the layer

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))

# Make a model with 2 layers
layer1 = keras.layers.Dense(3, activation="relu")
layer2 = keras.layers.Dense(3, activation="sigmoid")
model = keras.Sequential([keras.Input(shape=(3,)), layer1, layer2])

# Freeze the first layer
layer1.trainable = False

# Keep a copy of the weights of layer1 for later reference
initial_layer1_weights_values = layer1.get_weights()

# Train the model
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)

# Check that the weights of layer1 have not changed during training
final_layer1_weights_values = layer1.get_weights()
np.testing.assert_allclose(
    initial_layer1_weights_values[0], final_layer1_weights_values[0]
)
np.testing.assert_allclose(
    initial_layer1_weights_values[1], final_layer1_weights_values[1]
)

"""
## Recursive setting of the `trainable` attribute
"""
inner_model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        keras.layers.Dense(3, activation="relu"),
        keras.layers.Dense(3, activation="relu"),
    ]
)

model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        inner_model,
        keras.layers.Dense(3, activation="sigmoid"),
    ]
)

model.trainable = False  # Freeze the outer model

assert inner_model.trainable == False  # All layers in `model` are now frozen
assert inner_model.layers[0].trainable == False  # `trainable` is propagated recursively

"""
## A "pre-trained" base model (instead of Xception on ImageNet)
"""
rs = np.random.RandomState(0)


def images(n, shift):
    x = rs.uniform(0, 255, (n, 32, 32, 3)).astype("float32")
    y = (x[:, :16].mean(axis=(1, 2, 3)) > x[:, 16:].mean(axis=(1, 2, 3)) + shift)
    return x, y.astype("float32")


base_model = keras.Sequential(
    [
        keras.Input(shape=(32, 32, 3)),
        keras.layers.Rescaling(scale=1 / 127.5, offset=-1),
        keras.layers.Conv2D(8, 3, padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(8, 3, padding="same"),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
    ],
    name="base_model",
)
pretrain = keras.Sequential([base_model, keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(1)])
pretrain.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
x_pre, y_pre = images(64, 0.0)
pretrain.fit(x_pre, y_pre, epochs=2, batch_size=32, verbose=0)
base_model = pretrain.layers[0]          # (its weights and moving statistics, trained)

"""
## The typical transfer-learning workflow
"""
x_new, y_new = images(64, 2.0)
x_val, y_val = images(32, 2.0)

data_augmentation = keras.Sequential(
    [keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.1)]
)

# Freeze the base_model
base_model.trainable = False

# Create new model on top
inputs = keras.Input(shape=(32, 32, 3))
x = data_augmentation(inputs)  # Apply random data augmentation

# The base model contains batchnorm layers. We want to keep them in inference mode
# when we unfreeze the base model for fine-tuning, so we make sure that the
# base_model is running in inference mode here.
x = base_model(x, training=False)
x = keras.layers.GlobalAveragePooling2D()(x)
x = keras.layers.Dropout(0.2)(x)  # Regularize with dropout
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

model.summary(show_trainable=True)
frozen_trainable = len(model.trainable_weights)

model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)

base_before = [w.copy() for w in base_model.get_weights()]
epochs = 2
print("Fitting the top layer of the model")
model.fit(x_new, y_new, epochs=epochs, batch_size=32, validation_data=(x_val, y_val),
          verbose=0)
base_after_transfer = base_model.get_weights()

"""
## Do a round of fine-tuning of the entire model
"""
# Unfreeze the base_model. Note that it keeps running in inference mode
# since we passed `training=False` when calling it. This means that
# the batchnorm layers will not update their batch statistics.
# This prevents the batchnorm layers from undoing all the training
# we've done so far.
base_model.trainable = True
model.summary(show_trainable=True)
unfrozen_trainable = len(model.trainable_weights)

model.compile(
    optimizer=keras.optimizers.Adam(1e-5),  # Low learning rate
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)

epochs = 1
print("Fitting the end-to-end model")
history = model.fit(x_new, y_new, epochs=epochs, batch_size=32,
                    validation_data=(x_val, y_val), verbose=0)
base_after_finetune = base_model.get_weights()
print("Test dataset evaluation")
evaluation = model.evaluate(x_val, y_val, verbose=0)
print(evaluation)
