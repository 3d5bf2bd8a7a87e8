"""Callbacks working together, as the Keras guides use them ("Training & evaluation with the
built-in methods", the callbacks API pages): ``ReduceLROnPlateau`` halving the learning rate
when the validation loss stalls, ``EarlyStopping`` with ``restore_best_weights``,
``ModelCheckpoint`` writing a ``.keras`` file per improvement under a name formatted from the
epoch and the validation loss, and ``CSVLogger`` with its own separator, all writing real files
into ``sys.argv[1]``.  Imports renamed (``keras`` -> ``dlcore_static.keras``); made-up data: a
noisy linear regression whose validation loss stops improving after a few epochs, so each
callback acts.

Usage: keras_callbacks_plateau_checkpoint.py OUTPUT_DIR"""
import os
import sys

import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(3)
out_dir = sys.argv[1]

rng = np.random.default_rng(3)
w_true = rng.normal(size=(8, 1)).astype("float32")
x_train = rng.normal(size=(256, 8)).astype("float32")
y_train = x_train @ w_true + rng.normal(scale=0.5, size=(256, 1)).astype("float32")
x_val = rng.normal(size=(64, 8)).astype("float32")
y_val = x_val @ w_true + rng.normal(scale=0.5, size=(64, 1)).astype("float32")

model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(16, activation="relu"),
                          layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse",
              metrics=["mae"])

callbacks = [
    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1,
                                      min_lr=0.005, verbose=1),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, min_delta=1e-4,
                                  restore_best_weights=True, verbose=1),
    keras.callbacks.ModelCheckpoint(
        filepath=os.path.join(out_dir, "model-{epoch:02d}-{val_loss:.4f}.keras"),
        monitor="val_loss", save_best_only=True, verbose=1),
    keras.callbacks.CSVLogger(os.path.join(out_dir, "training.log"), separator=";"),
]
history = model.fit(x_train, y_train, batch_size=32, epochs=40,
                    validation_data=(x_val, y_val), callbacks=callbacks, verbose=0)

epochs_run = len(history.history["loss"])
best_epoch = int(np.argmin(history.history["val_loss"])) + 1
print(f"epochs run: {epochs_run}, best epoch: {best_epoch}")
val_loss, val_mae = model.evaluate(x_val, y_val, verbose=0)
print(f"restored val_loss: {val_loss:.4f}")
print("learning rate now:", float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
saved = sorted(f for f in os.listdir(out_dir) if f.endswith(".keras"))
print("checkpoints:", ", ".join(saved))
best = keras.models.load_model(os.path.join(out_dir, saved[-1]))
print(f"best checkpoint val_loss: {best.evaluate(x_val, y_val, verbose=0)[0]:.4f}")
