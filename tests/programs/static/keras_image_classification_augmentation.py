"""keras.io's "Image classification from scratch" (Keras 3 API), at a tiny scale on synthetic
images (horizontal vs vertical stripes, so flips and small rotations keep the label): a
data_augmentation Sequential of RandomFlip("horizontal") and RandomRotation(0.1) applied inside
the model (active in fit only), Rescaling(1.0 / 255), a strided Conv2D + BatchNormalization +
Activation stem, SeparableConv2D blocks with MaxPooling2D and a strided 1x1 Conv2D residual
joined by layers.add, GlobalAveragePooling2D, Dropout and a one-unit logits head trained with
BinaryCrossentropy(from_logits=True) and keras.metrics.BinaryAccuracy(threshold=0); then
predictions (no augmentation at inference) turned into probabilities."""
# ruff: noqa: UP031  (written in the example's own style)
import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(0)
rng = np.random.RandomState(0)
image_size = (16, 16)


def make_images(n):
    y = rng.randint(0, 2, size=n)
    x = rng.uniform(0, 60, size=(n, *image_size, 3)).astype("float32")
    for i, label in enumerate(y):
        phase = rng.randint(2)
        if label:
            x[i, phase::4, :, :] += 190.0               # horizontal stripes
        else:
            x[i, :, phase::4, :] += 190.0               # vertical stripes
    return x, y.astype("float32")


x_train, y_train = make_images(96)
x_val, y_val = make_images(32)

data_augmentation_layers = [
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
]


def data_augmentation(images):
    for layer in data_augmentation_layers:
        images = layer(images)
    return images


augmented = data_augmentation(x_train[:4])
print("augmented", tuple(augmented.shape) if hasattr(augmented, "shape") else None)


def make_model(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    x = data_augmentation(inputs)

    # Entry block
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(8, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x  # Set aside residual

    for size in [16, 32]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        # Project residual
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(
            previous_block_activation
        )
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    x = layers.SeparableConv2D(32, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    x = layers.GlobalAveragePooling2D()(x)
    if num_classes == 2:
        units = 1
    else:
        units = num_classes

    x = layers.Dropout(0.25)(x)
    # We specify activation=None so as to return logits
    outputs = layers.Dense(units, activation=None)(x)
    return keras.Model(inputs, outputs)


model = make_model(input_shape=image_size + (3,), num_classes=2)
print("parameters", model.count_params(), "output", model.output_shape)

epochs = 6
model.compile(
    optimizer=keras.optimizers.Adam(3e-3),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy(name="acc", threshold=0.0)],
)
history = model.fit(x_train, y_train, epochs=epochs, batch_size=16,
                    validation_data=(x_val, y_val), verbose=0)
h = history.history
print("loss %.4f -> %.4f" % (h["loss"][0], h["loss"][-1]))
print("val_acc %.4f" % h["val_acc"][-1])

p1 = model.predict(x_val, verbose=0)
p2 = model.predict(x_val, verbose=0)
print("inference is deterministic (no augmentation):", np.array_equal(p1, p2))
prob = 1 / (1 + np.exp(-p1[:, 0]))
print("accuracy from predict %.4f" % ((prob > 0.5) == (y_val > 0.5)).mean())
