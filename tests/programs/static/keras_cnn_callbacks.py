"""A small convnet (keras.io's "mnist_cnn" example with the guide's callbacks, at a small
scale): Conv2D / BatchNormalization / MaxPooling2D / Dropout / Flatten / Dense on 10x10
one-channel images of three classes (a bright horizontal bar, vertical bar or diagonal), labels
through ``to_categorical``, ``fit`` with ``validation_split=0.2`` and the callbacks
``EarlyStopping(restore_best_weights)`` and ``ModelCheckpoint(save_best_only)`` writing an
``.h5`` file, then ``evaluate``, ``predict`` and ``load_model`` of the checkpoint.
Usage: keras_cnn_callbacks.py CHECKPOINT_DIR"""
import os
import sys

import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.models import Sequential, load_model
from dlcore_static.keras.layers import (Conv2D, MaxPooling2D, BatchNormalization, Dropout,
                                        Flatten, Dense, Activation)
from dlcore_static.keras.callbacks import EarlyStopping, ModelCheckpoint
from dlcore_static.keras.optimizers import Adam
from dlcore_static.keras.utils import to_categorical

np.random.seed(2)
set_random_seed(2)
num_classes = 3
img_rows, img_cols = 10, 10


def make_images(n):
    y = np.random.randint(0, num_classes, size=n)
    x = np.random.rand(n, img_rows, img_cols).astype("float32") * 0.5
    for i, c in enumerate(y):
        k = np.random.randint(2, 8)
        if c == 0:
            x[i, k, :] += 1.0
        elif c == 1:
            x[i, :, k] += 1.0
        else:
            x[i, np.arange(10), np.arange(10)] += 1.0
    return x[..., None], y


x_train, y_train = make_images(240)
x_test, y_test = make_images(60)
print("x_train shape:", x_train.shape)
y_train = to_categorical(y_train, num_classes)
y_test = to_categorical(y_test, num_classes)

model = Sequential()
model.add(Conv2D(8, kernel_size=(3, 3), input_shape=(img_rows, img_cols, 1)))
model.add(BatchNormalization())
model.add(Activation("relu"))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(16, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(num_classes, activation="softmax"))
model.compile(loss="categorical_crossentropy", optimizer=Adam(learning_rate=0.01), metrics=["accuracy"])
model.summary()

checkpoint_path = os.path.join(sys.argv[1], "best_model.h5")
callbacks = [
    EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True, verbose=1),
    ModelCheckpoint(checkpoint_path, monitor="val_loss", save_best_only=True, verbose=1),
]
history = model.fit(x_train, y_train, batch_size=32, epochs=25, verbose=0,
                    validation_split=0.2, callbacks=callbacks)
print("history keys:", sorted(history.history.keys()))
print("epochs run:", len(history.history["loss"]))
print("val_loss:", " ".join("%.4f" % v for v in history.history["val_loss"]))
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss: %.4f" % score[0])
print("Test accuracy: %.4f" % score[1])
probs = model.predict(x_test)
print("predict:", probs.shape, "rows sum to one:", bool(np.allclose(probs.sum(1), 1, atol=1e-5)))
print("accuracy from predict: %.4f" % (probs.argmax(1) == y_test.argmax(1)).mean())

restored = load_model(checkpoint_path)
print("restored layers:", [layer.__class__.__name__ for layer in restored.layers])
print("max |restored - model| on predict: %.2e" % np.abs(restored.predict(x_test) - probs).max())
