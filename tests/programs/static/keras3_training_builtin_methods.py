"""Training & evaluation with the built-in methods (the Keras 3 guide,
guides/training_with_built_in_methods.py), its first sections, imports renamed
(``keras`` -> ``dlcore_static.keras``); 20-feature synthetic "digits" (10 classes, each a
noisy prototype) instead of MNIST's 784 pixels, 1-2 epochs: fit with validation data, the
History, evaluate, predict; compile with objects or strings; a custom loss function and a
``keras.losses.Loss`` subclass on ``ops.one_hot`` targets (the labels cast to int32 first:
Keras 3's NumPy and TensorFlow backends refuse float indices too); ``add_loss`` in a layer; an
endpoint layer taking the targets as a second input, compiled without a loss and fit on a
dict; ``validation_split``.  Left out: the guide's ``CategoricalTruePositives`` metric (a
``keras.metrics.Metric`` subclass: dlcore's compile takes no user metric classes with their
own variables, and its ``==`` between graph tensors is TF1's identity test)."""
import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers
from dlcore_static.keras import ops

keras.utils.set_random_seed(3)

"""
## API overview: a first end-to-end example
"""
inputs = keras.Input(shape=(20,), name="digits")
x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
x = layers.Dense(64, activation="relu", name="dense_2")(x)
outputs = layers.Dense(10, activation="softmax", name="predictions")(x)

model = keras.Model(inputs=inputs, outputs=outputs)

rng = np.random.default_rng(0)
protos = rng.normal(size=(10, 20))


def load_data(n):
    y = rng.integers(0, 10, n)
    return (protos[y] + 0.8 * rng.normal(size=(n, 20))) * 127 + 128, y


(x_train, y_train), (x_test, y_test) = load_data(600), load_data(100)

# Preprocess the data (these are NumPy arrays)
x_train = x_train.reshape(600, 20).astype("float32") / 255
x_test = x_test.reshape(100, 20).astype("float32") / 255

y_train = y_train.astype("float32")
y_test = y_test.astype("float32")

# Reserve 100 samples for validation
x_val = x_train[-100:]
y_val = y_train[-100:]
x_train = x_train[:-100]
y_train = y_train[:-100]

model.compile(
    optimizer=keras.optimizers.RMSprop(),  # Optimizer
    # Loss function to minimize
    loss=keras.losses.SparseCategoricalCrossentropy(),
    # List of metrics to monitor
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)

print("Fit model on training data")
history = model.fit(
    x_train,
    y_train,
    batch_size=64,
    epochs=2,
    # We pass some validation for
    # monitoring validation loss and metrics
    # at the end of each epoch
    validation_data=(x_val, y_val),
    verbose=0,
)
print("history keys:", sorted(history.history))

# Evaluate the model on the test data using `evaluate`
print("Evaluate on test data")
results = model.evaluate(x_test, y_test, batch_size=128, verbose=0)
print("test loss, test acc:", ["%.4f" % v for v in results])

# Generate predictions (probabilities -- the output of the last layer)
# on new data using `predict`
print("Generate predictions for 3 samples")
predictions = model.predict(x_test[:3], verbose=0)
print("predictions shape:", predictions.shape)

"""
## The `compile()` method: specifying a loss, metrics, and an optimizer
"""

model.compile(
    optimizer="rmsprop",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)


def get_uncompiled_model():
    inputs = keras.Input(shape=(20,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


def get_compiled_model():
    model = get_uncompiled_model()
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


"""
### Custom losses
"""


def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


model = get_uncompiled_model()
model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)

# We need to one-hot encode the labels to use MSE
y_train_one_hot = ops.one_hot(y_train.astype("int32"), num_classes=10)
h_mse = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1, verbose=0)
print("custom function loss: %.4f" % h_mse.history["loss"][0])
model_mse = model


class CustomMSE(keras.losses.Loss):
    def __init__(self, regularization_factor=0.1, name="custom_mse"):
        super().__init__(name=name)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor


model = get_uncompiled_model()
model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())

y_train_one_hot = ops.one_hot(y_train.astype("int32"), num_classes=10)
h_custom = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=1, verbose=0)
print("CustomMSE loss: %.4f" % h_custom.history["loss"][0])
model_custom = model

"""
### Handling losses and metrics that don't fit the standard signature
"""


class ActivityRegularizationLayer(layers.Layer):
    def call(self, inputs):
        self.add_loss(ops.sum(inputs) * 0.1)
        return inputs  # Pass-through layer.


inputs = keras.Input(shape=(20,), name="digits")
x = layers.Dense(64, activation="relu", name="dense_1")(inputs)

# Insert activity regularization as a layer
x = ActivityRegularizationLayer()(x)

x = layers.Dense(64, activation="relu", name="dense_2")(x)
outputs = layers.Dense(10, name="predictions")(x)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)

# The displayed loss will be much higher than before
# due to the regularization component.
h_reg = model.fit(x_train, y_train, batch_size=64, epochs=1, verbose=0)
print("loss with the activity regularization: %.4f" % h_reg.history["loss"][0])
model_reg = model


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        # Compute the training-time loss value and add it
        # to the layer using `self.add_loss()`.
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)

        # Return the inference-time prediction tensor (for `.predict()`).
        return ops.softmax(logits)


inputs = keras.Input(shape=(3,), name="inputs")
targets = keras.Input(shape=(10,), name="targets")
logits = keras.layers.Dense(10)(inputs)
predictions = LogisticEndpoint(name="predictions")(targets, logits)

model = keras.Model(inputs=[inputs, targets], outputs=predictions)
model.compile(optimizer="adam")  # No loss argument!

data = {
    "inputs": np.random.random((3, 3)),
    "targets": np.random.random((3, 10)),
}
h_end = model.fit(data, verbose=0)
print("endpoint history keys:", sorted(h_end.history))
model_end = model

"""
### Automatically setting apart a validation holdout set
"""

model = get_compiled_model()
h_split = model.fit(x_train, y_train, batch_size=64, validation_split=0.2, epochs=1,
                    verbose=0)
print("validation_split history keys:", sorted(h_split.history))
model_split = model
