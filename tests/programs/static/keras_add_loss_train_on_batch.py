"""A subclassed keras.Model with an activity-regularisation loss through self.add_loss (the
TF 2 Keras guide "Making new layers and models via subclassing"): custom layers with weights
made in build() and tf.matmul, tf.nn.relu applied between layers in call(); trained with a hand-written loop of model.train_on_batch over
shuffled mini-batches (Keras 2 style), then model.test_on_batch and model.losses read."""
from __future__ import print_function

import numpy as np
import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(4)
rs = np.random.RandomState(4)


class ActivityRegularizationLayer(layers.Layer):
    def __init__(self, rate=1e-2, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * tf.reduce_mean(tf.square(inputs)))
        return inputs


class Linear(layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True, name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True,
                                 name="b")

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b


class MLP(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.linear_1 = Linear(16)
        self.reg = ActivityRegularizationLayer(0.05)
        self.linear_2 = Linear(3)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = tf.nn.relu(x)
        x = self.reg(x)
        return self.linear_2(x)


x_data = rs.randn(96, 5).astype("float32")
y_data = np.argmax(x_data[:, :3] + 0.2 * x_data[:, 3:4], axis=1)
model = MLP()
model.compile(optimizer=keras.optimizers.SGD(0.3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
batch_size = 16
for epoch in range(8):
    perm = rs.permutation(len(x_data))
    losses = []
    for i in range(0, len(x_data), batch_size):
        idx = perm[i:i + batch_size]
        out = model.train_on_batch(x_data[idx], y_data[idx])
        losses.append(out[0])
    print("epoch", epoch, "mean train loss %.4f" % np.mean(losses))
test_loss, test_acc = model.test_on_batch(x_data, y_data)
print("test_on_batch loss %.4f accuracy %.4f" % (test_loss, test_acc))
print("number of model.losses", len(model.losses))
print("trainable weights", len(model.trainable_weights))
