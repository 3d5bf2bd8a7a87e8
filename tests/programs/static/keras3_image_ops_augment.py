"""A custom augmentation layer written with ``keras.ops.image``, as the Keras 3 guides write
preprocessing layers that are active only in training ("Making new layers and models via
subclassing", the keras.io augmentation examples): random shifts of up to 2 pixels drawn with
``keras.random`` from the layer's ``SeedGenerator`` and applied by
``ops.image.affine_transform`` (nearest, constant fill), a random saturation change through
``ops.image.rgb_to_hsv``/``hsv_to_rgb``, then a small convnet whose first step is
``ops.image.rgb_to_grayscale`` and a ``gaussian_blur``.  Imports renamed (``keras`` ->
``dlcore_static.keras``); made-up data: 10x10 RGB images of a bright square in the left or the
right half."""
import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers, ops

keras.utils.set_random_seed(21)


class RandomShiftSaturation(layers.Layer):
    def __init__(self, max_shift=2, saturation=0.5, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.max_shift = max_shift
        self.saturation = saturation
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=None):
        if not training:
            return images
        batch = ops.shape(images)[0]
        shifts = keras.random.randint(
            (batch, 2), -self.max_shift, self.max_shift + 1, seed=self.seed_generator
        )
        shifts = ops.cast(shifts, "float32")
        ones = ops.ones((batch, 1))
        zeros = ops.zeros((batch, 1))
        # output (x, y) reads input (x + dx, y + dy)
        transform = ops.concatenate(
            [ones, zeros, shifts[:, :1], zeros, ones, shifts[:, 1:], zeros, zeros], axis=1
        )
        images = ops.image.affine_transform(
            images, transform, interpolation="nearest", fill_mode="constant"
        )
        hsv = ops.image.rgb_to_hsv(images)
        factor = keras.random.uniform(
            (batch, 1, 1, 1), 1 - self.saturation, 1 + self.saturation,
            seed=self.seed_generator,
        )
        h, s, v = ops.split(hsv, 3, axis=-1)
        hsv = ops.concatenate([h, ops.clip(s * factor, 0.0, 1.0), v], axis=-1)
        return ops.image.hsv_to_rgb(hsv)

    def get_config(self):
        config = super().get_config()
        config.update({"max_shift": self.max_shift, "saturation": self.saturation})
        return config


class GrayBlur(layers.Layer):
    def call(self, images):
        gray = ops.image.rgb_to_grayscale(images)
        return ops.image.gaussian_blur(gray, kernel_size=(3, 3), sigma=(1.0, 1.0))


rng = np.random.default_rng(21)


def make_images(n):
    x = rng.uniform(0.0, 0.2, (n, 10, 10, 3)).astype("float32")
    y = rng.integers(0, 2, n)
    for i in range(n):
        r = rng.integers(1, 7)
        c = rng.integers(0, 2) + (6 if y[i] else 1)
        x[i, r:r + 3, c:c + 3, :] = rng.uniform(0.6, 1.0, 3)
    return x, y


x_train, y_train = make_images(128)
x_test, y_test = make_images(64)

augment = RandomShiftSaturation(seed=3, name="augment")
inputs = keras.Input(shape=(10, 10, 3))
x = augment(inputs)
x = GrayBlur(name="gray_blur")(x)
x = layers.Conv2D(8, 3, activation="relu")(x)
x = layers.MaxPooling2D()(x)
x = layers.Flatten()(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=4, verbose=0)
loss, acc = model.evaluate(x_test, y_test, verbose=0)
print(f"train loss: {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}")
print(f"test accuracy: {acc:.4f}")
