"""Image classification with ConvMixer (keras.io examples/vision/convmixer.py, Keras 3),
imports renamed (``keras`` -> ``dlcore_static.keras``); tiny sizes on random data: 16x16
images (instead of CIFAR-10's 32x32), 8 filters, depth 2, kernel 3, patch 2, 2 epochs, no
augmentation or tf.data pipeline.  The mixer block's depthwise convolution is written as the
ConvMixer paper writes it, ``Conv2D(filters, kernel_size, groups=filters, padding="same")``
(keras.io's version uses ``DepthwiseConv2D``: the same computation, another kernel layout).
The best checkpoint by validation accuracy (a ``.keras`` file in ``sys.argv[1]``) is loaded
back before the test evaluation."""
import os
import sys

import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(42)

"""
## Hyperparameters
"""
learning_rate = 0.001
weight_decay = 0.0001
batch_size = 16
num_epochs = 2
image_size = 16

"""
## Data (random stand-in for CIFAR-10)
"""
rng = np.random.default_rng(0)
x_train = rng.integers(0, 256, (96, image_size, image_size, 3)).astype("float32")
y_train = rng.integers(0, 10, (96, 1))
x_test = rng.integers(0, 256, (32, image_size, image_size, 3)).astype("float32")
y_test = rng.integers(0, 10, (32, 1))
val_split = 0.1
val_indices = int(len(x_train) * val_split)
new_x_train, new_y_train = x_train[val_indices:], y_train[val_indices:]
x_val, y_val = x_train[:val_indices], y_train[:val_indices]
print(f"Training data samples: {len(new_x_train)}")
print(f"Validation data samples: {len(x_val)}")
print(f"Test data samples: {len(x_test)}")

"""
## ConvMixer utilities
"""


def activation_block(x):
    x = layers.Activation("gelu")(x)
    return layers.BatchNormalization()(x)


def conv_stem(x, filters: int, patch_size: int):
    x = layers.Conv2D(filters, kernel_size=patch_size, strides=patch_size)(x)
    return activation_block(x)


def conv_mixer_block(x, filters: int, kernel_size: int):
    # Depthwise convolution.
    x0 = x
    x = layers.Conv2D(filters, kernel_size, groups=filters, padding="same")(x)
    x = layers.Add()([activation_block(x), x0])  # Residual.

    # Pointwise convolution.
    x = layers.Conv2D(filters, kernel_size=1)(x)
    x = activation_block(x)

    return x


def get_conv_mixer_256_8(
    image_size=32, filters=256, depth=8, kernel_size=5, patch_size=2, num_classes=10
):
    """ConvMixer-256/8: https://openreview.net/pdf?id=TVHS5Y4dNvM.
    The hyperparameter values are taken from the paper.
    """
    inputs = keras.Input((image_size, image_size, 3))
    x = layers.Rescaling(scale=1.0 / 255)(inputs)

    # Extract patch embeddings.
    x = conv_stem(x, filters, patch_size)

    # ConvMixer blocks.
    for _ in range(depth):
        x = conv_mixer_block(x, filters, kernel_size)

    # Classification block.
    x = layers.GlobalAvgPool2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)

    return keras.Model(inputs, outputs)


"""
## Model training and evaluation utility
"""


def run_experiment(model):
    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate, weight_decay=weight_decay
    )

    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    checkpoint_filepath = os.path.join(sys.argv[1], "checkpoint.keras")
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=False,
    )

    history = model.fit(
        new_x_train,
        new_y_train,
        batch_size=batch_size,
        validation_data=(x_val, y_val),
        epochs=num_epochs,
        callbacks=[checkpoint_callback],
        verbose=0,
    )

    model.load_weights(checkpoint_filepath)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")

    return history, model


"""
## Train and evaluate model
"""
conv_mixer_model = get_conv_mixer_256_8(
    image_size=image_size, filters=8, depth=2, kernel_size=3, patch_size=2
)
conv_mixer_model.summary()
history, conv_mixer_model = run_experiment(conv_mixer_model)
print("epochs run:", len(history.history["loss"]))
