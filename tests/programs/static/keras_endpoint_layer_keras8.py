"""keras.io "Endpoint layer pattern" (fchollet; examples/keras_recipes/endpoint_layer_pattern.py,
the Keras 3 version) with its imports renamed (``tensorflow`` -> ``dlcore_static``, ``keras``
-> ``dlcore_static.keras``; the page's ``os.environ["KERAS_BACKEND"]`` line dropped), run as
the page writes it at its own scale (1000 random samples of 764 features, 2 epochs).  The
endpoint layer takes the targets and sample weights as call arguments, adds its loss with
``self.add_loss`` and updates a ``BinaryAccuracy`` it owns; the model is compiled with an
optimizer only.  Then the inference-only model (no targets) takes the trained weights, and a
subclassed ``LogReg`` model calls the same layer with a dict of inputs.  One change: the data
come from a seeded ``np.random.default_rng`` (the page calls ``np.random.random``), so that
the test can recompute the losses."""

import dlcore_static as tf
from dlcore_static import keras
import numpy as np

rng = np.random.default_rng(8)

"""
## Usage of endpoint layers in the Functional API

An "endpoint layer" has access to the model's targets, and creates arbitrary losses
in `call()` using `self.add_loss()` and `Metric.update_state()`.
This enables you to define losses and
metrics that don't match the usual signature `fn(y_true, y_pred, sample_weight=None)`.

Note that you could have separate metrics for training and eval with this pattern.
"""


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_metric = keras.metrics.BinaryAccuracy(name="accuracy")

    def call(self, logits, targets=None, sample_weight=None):
        if targets is not None:
            # Compute the training-time loss value and add it
            # to the layer using `self.add_loss()`.
            loss = self.loss_fn(targets, logits, sample_weight)
            self.add_loss(loss)

            # Log the accuracy as a metric (we could log arbitrary metrics,
            # including different metrics for training and inference.)
            self.accuracy_metric.update_state(targets, logits, sample_weight)

        # Return the inference-time prediction tensor (for `.predict()`).
        return tf.nn.softmax(logits)


inputs = keras.Input((764,), name="inputs")
logits = keras.layers.Dense(1)(inputs)
targets = keras.Input((1,), name="targets")
sample_weight = keras.Input((1,), name="sample_weight")
preds = LogisticEndpoint()(logits, targets, sample_weight)
model = keras.Model([inputs, targets, sample_weight], preds)

data = {
    "inputs": rng.random((1000, 764)),
    "targets": rng.random((1000, 1)),
    "sample_weight": rng.random((1000, 1)),
}

model.compile(keras.optimizers.Adam(1e-3))
history = model.fit(data, epochs=2)

"""
## Exporting an inference-only model

Simply don't include `targets` in the model. The weights stay the same.
"""

inputs = keras.Input((764,), name="inputs")
logits = keras.layers.Dense(1)(inputs)
preds = LogisticEndpoint()(logits, targets=None, sample_weight=None)
inference_model = keras.Model(inputs, preds)

inference_model.set_weights(model.get_weights())

x_test = rng.random((1000, 764))
preds = inference_model.predict(x_test)

"""
## Usage of loss endpoint layers in subclassed models
"""


class LogReg(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.logistic_endpoint = LogisticEndpoint()

    def call(self, inputs):
        # Note that all inputs should be in the first argument
        # since we want to be able to call `model.fit(inputs)`.
        logits = self.dense(inputs["inputs"])
        preds = self.logistic_endpoint(
            logits=logits,
            targets=inputs["targets"],
            sample_weight=inputs["sample_weight"],
        )
        return preds


model2 = LogReg()
data2 = {
    "inputs": rng.random((1000, 764)),
    "targets": rng.random((1000, 1)),
    "sample_weight": rng.random((1000, 1)),
}

model2.compile(keras.optimizers.Adam(1e-3))
history2 = model2.fit(data2, epochs=2)
