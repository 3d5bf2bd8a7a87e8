"""Customizing the convolution operation of a Conv2D layer (the keras.io example for Keras 3,
examples/keras_recipes/subclassing_conv_layers.py), imports renamed: Weight Standardization
written twice, by overriding ``convolution_op`` and by overriding ``call`` (which calls
``convolution_op`` with the standardized kernel), in a small MNIST convnet.  Scaled: 192
synthetic 16x16 "digits" (10 noisy prototypes) instead of MNIST, 8 and 16 filters instead of
32 and 64, 2 epochs."""
import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers, ops

keras.utils.set_random_seed(5)


class StandardizedConv2DWithOverride(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return ops.conv(
            inputs,
            (kernel - mean) / ops.sqrt(var + 1e-10),
            padding="valid",
            strides=list(self.strides),
            data_format=self.data_format,
        )


class StandardizedConv2DWithCall(layers.Conv2D):
    def call(self, inputs):
        mean, var = ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
        result = self.convolution_op(inputs, (self.kernel - mean) / ops.sqrt(var + 1e-10))
        if self.use_bias:
            result = result + self.bias
        return result


num_classes = 10
input_shape = (16, 16, 1)
rng = np.random.default_rng(0)
protos = rng.random((num_classes, 16, 16))
labels = rng.integers(0, num_classes, 192)
x_train = np.clip(protos[labels] + 0.3 * rng.normal(size=(192, 16, 16)), 0, 1)
x_train = np.expand_dims(x_train.astype("float32"), -1)
y_train = keras.utils.to_categorical(labels, num_classes)

model = keras.Sequential([
    keras.layers.Input(shape=input_shape),
    StandardizedConv2DWithCall(8, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    StandardizedConv2DWithOverride(16, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(num_classes, activation="softmax"),
])
model.summary()

batch_size = 64
epochs = 2
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    validation_split=0.1, verbose=2)
