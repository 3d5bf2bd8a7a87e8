"""Trainer pattern (the keras.io example for Keras 3 with the TensorFlow backend,
examples/keras_recipes/trainer_pattern.py), imports renamed: a ``keras.Model`` subclass
holding the model it trains, with its own ``train_step`` (tf.GradientTape,
``optimizer.apply_gradients``), ``test_step``, a ``metrics`` property and ``call``; two
trainers with different optimizers train two Sequential models, then the trained models are
used on their own.  Scaled: 20-feature synthetic "digits" (10 noisy prototypes, 640 training
and 128 test samples, (20,) -> Flatten is the identity) instead of MNIST, 64 units, 3
epochs."""
import numpy as np
import dlcore_static as tf
from dlcore_static import keras

keras.utils.set_random_seed(11)
rng = np.random.default_rng(0)
protos = rng.normal(size=(10, 20))
y_train, y_test = rng.integers(0, 10, 640), rng.integers(0, 10, 128)
x_train = (protos[y_train] + 0.8 * rng.normal(size=(640, 20))).astype("float32")
x_test = (protos[y_test] + 0.8 * rng.normal(size=(128, 20))).astype("float32")


class MyTrainer(keras.Model):
    def __init__(self, model):
        super().__init__()
        self.model = model
        # Create loss and metrics here.
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy()
        self.accuracy_metric = keras.metrics.SparseCategoricalAccuracy()

    @property
    def metrics(self):
        # List metrics here.
        return [self.accuracy_metric]

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self.model(x, training=True)  # Forward pass
            # Compute loss value
            loss = self.loss_fn(y, y_pred)
        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        # Update weights
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))
        # Update metrics
        for metric in self.metrics:
            metric.update_state(y, y_pred)
        # Return a dict mapping metric names to current value.
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        # Inference step
        y_pred = self.model(x, training=False)
        # Update metrics
        for metric in self.metrics:
            metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def call(self, x):
        # Equivalent to `call()` of the wrapped keras.Model
        x = self.model(x)
        return x


model_a = keras.models.Sequential([
    keras.layers.Flatten(input_shape=(20,)),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(10, activation="softmax"),
])
model_b = keras.models.Sequential([
    keras.layers.Flatten(input_shape=(20,)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dropout(0.1),
    keras.layers.Dense(10, activation="softmax"),
])

trainer_1 = MyTrainer(model_a)
trainer_2 = MyTrainer(model_b)
trainer_1.compile(optimizer=keras.optimizers.SGD())
history_1 = trainer_1.fit(x_train, y_train, epochs=3, batch_size=64,
                          validation_data=(x_test, y_test), verbose=0)
trainer_2.compile(optimizer=keras.optimizers.Adam())
history_2 = trainer_2.fit(x_train, y_train, epochs=3, batch_size=64,
                          validation_data=(x_test, y_test), verbose=0)
for name, h in (("trainer_1", history_1), ("trainer_2", history_2)):
    print(name, sorted(h.history), [round(v, 4) for v in h.history["sparse_categorical_accuracy"]])
test_acc = np.mean(model_b.predict(x_test, verbose=0).argmax(1) == y_test)
print("model_b test accuracy: %.4f" % test_acc)
