"""Keras callbacks as the Keras docs write them: LearningRateScheduler with a step-decay
schedule(epoch, lr), CSVLogger writing epoch,loss,... rows (append=False, then append=True for
a second fit with initial_epoch), a LambdaCallback printing at epoch end, and TerminateOnNaN;
a small regression MLP."""
from __future__ import print_function

import csv
import math
import os
import sys
import tempfile

import numpy as np
from dlcore_static import keras

keras.utils.set_random_seed(6)
out_dir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
rs = np.random.RandomState(6)
x = rs.rand(80, 3).astype("float32")
y = (x @ np.array([[2.0], [-1.0], [0.5]], "float32") + 0.3).astype("float32")


def scheduler(epoch, lr):
    if epoch < 2:
        return lr
    return lr * math.exp(-0.5)


model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(3,)),
                          keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["mae"])
log_path = os.path.join(out_dir, "training.log")
seen = []
callbacks = [keras.callbacks.LearningRateScheduler(scheduler),
             keras.callbacks.CSVLogger(log_path),
             keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch)),
             keras.callbacks.TerminateOnNaN()]
history = model.fit(x, y, epochs=5, batch_size=16, callbacks=callbacks, verbose=0)
print("learning rate after 5 epochs", round(float(keras.backend.get_value(
    model.optimizer.learning_rate)), 6))
print("epochs seen", seen)
model.fit(x, y, epochs=7, initial_epoch=5, batch_size=16, verbose=0,
          callbacks=[keras.callbacks.CSVLogger(log_path, append=True)])
with open(log_path) as f:
    rows = list(csv.reader(f))
print("csv header", rows[0])
print("csv epochs", [r[0] for r in rows[1:]])
print("final loss", float(rows[-1][rows[0].index("loss")]))
