"""keras.io's "Timeseries classification from scratch" (a fully convolutional network): three
Conv1D + BatchNormalization + ReLU blocks, GlobalAveragePooling1D, a softmax Dense; trained with
ModelCheckpoint(save_best_only), ReduceLROnPlateau and EarlyStopping callbacks, then the best
model reloaded with keras.models.load_model and evaluated.  Data: synthetic univariate series
(a sine burst or noise), 32 steps."""
from __future__ import print_function

import os
import sys
import tempfile

import numpy as np
from dlcore_static import keras

keras.utils.set_random_seed(1)
out_dir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
rs = np.random.RandomState(1)


def readucr(n):
    y = rs.randint(0, 2, n)
    t = np.arange(32)
    x = rs.randn(n, 32) * 0.3
    for i in range(n):
        if y[i]:
            s = rs.randint(0, 16)
            x[i, s:s + 12] += np.sin(t[:12] * 0.8)
    return x.astype("float32"), y


x_train, y_train = readucr(96)
x_test, y_test = readucr(32)
x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))
num_classes = len(np.unique(y_train))
idx = np.random.RandomState(2).permutation(len(x_train))
x_train, y_train = x_train[idx], y_train[idx]


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)
    conv1 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(input_layer)
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)
    conv2 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv1)
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)
    conv3 = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(conv2)
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)
    gap = keras.layers.GlobalAveragePooling1D()(conv3)
    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)
    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=x_train.shape[1:])
epochs, batch_size = 8, 16
best_path = os.path.join(out_dir, "best_model.keras")
callbacks = [
    keras.callbacks.ModelCheckpoint(best_path, save_best_only=True, monitor="val_loss"),
    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=0.0001),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=4, verbose=1),
]
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["sparse_categorical_accuracy"])
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    callbacks=callbacks, validation_split=0.25, verbose=2)
print("learning rates", [float(v) for v in history.history["learning_rate"]])
model = keras.models.load_model(best_path)
test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
print("Test accuracy", test_acc)
print("Test loss", test_loss)
