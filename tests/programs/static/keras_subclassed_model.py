"""A subclassed model (the TensorFlow 1 Keras guide's "Model subclassing" section): layers made
in ``__init__``, the forward pass in ``call``, compiled with a TensorFlow optimizer
(``tf.train.RMSPropOptimizer``) and trained by ``fit`` on one-hot labels; the model is built by
its first batch of data."""
import numpy as np
import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers

np.random.seed(8)
tf.set_random_seed(8)


class MyModel(keras.Model):

    def __init__(self, num_classes=10):
        super(MyModel, self).__init__(name="my_model")
        self.num_classes = num_classes
        # Define your layers here.
        self.dense_1 = layers.Dense(32, activation="relu")
        self.dropout = layers.Dropout(0.1)
        self.dense_2 = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs):
        # Define your forward pass here,
        # using layers you previously defined (in `__init__`).
        x = self.dense_1(inputs)
        x = self.dropout(x)
        return self.dense_2(x)

    def compute_output_shape(self, input_shape):
        # You need to override this function if you want to use the subclassed model
        # as part of a functional-style model.
        # Otherwise, this method is optional.
        shape = tf.TensorShape(input_shape).as_list()
        shape[-1] = self.num_classes
        return tf.TensorShape(shape)


data = np.random.random((320, 16)).astype("float32")
centers = np.random.random((4, 16))
labels = keras.utils.to_categorical(
    np.argmin(((data[:, None, :] - centers) ** 2).sum(-1), axis=1), 4)

# Instantiates the subclassed model.
model = MyModel(num_classes=4)

# The compile step specifies the training configuration.
model.compile(optimizer=tf.train.RMSPropOptimizer(0.01),
              loss="categorical_crossentropy",
              metrics=["accuracy"])

# Trains for 10 epochs.
history = model.fit(data, labels, batch_size=32, epochs=10, verbose=0)
print("layers:", [layer.name for layer in model.layers])
print("weights:", [tuple(w.shape) for w in model.get_weights()])
print("loss:", " ".join("%.4f" % v for v in history.history["loss"]))
print("accuracy:", " ".join("%.4f" % v for v in history.history["accuracy"]))
loss, acc = model.evaluate(data, labels, batch_size=64, verbose=0)
print("evaluate: loss %.4f accuracy %.4f" % (loss, acc))
print("output shape:", model.compute_output_shape((None, 16)))
