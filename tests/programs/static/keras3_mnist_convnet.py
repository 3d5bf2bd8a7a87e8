"""keras.io "Simple MNIST convnet" (fchollet; Keras 3), smaller: 14x14 synthetic "digits"
(five stroke prototypes, shifted by up to a pixel, with noise) instead of MNIST, the example's
Sequential model (Input, two Conv2D + MaxPooling2D, Flatten, Dropout(0.5), Dense softmax),
``keras.utils.to_categorical`` targets, fit with ``validation_split=0.1``, evaluate on the
test set.  The imports are keras.io's with ``keras`` -> ``dlcore_static.keras``."""

import numpy as np
import dlcore_static.keras as keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(1)

# Model / data parameters
num_classes = 5
input_shape = (14, 14, 1)

rng = np.random.default_rng(1)
protos = np.zeros((num_classes, 14, 14), "float32")
protos[0, 3:11, 6:8] = 1                                   # |
protos[1, 6:8, 3:11] = 1                                   # -
protos[2][np.arange(3, 11), np.arange(3, 11)] = 1          # \
protos[3][np.arange(3, 11), np.arange(10, 2, -1)] = 1      # /
protos[4, 3:11, 3] = protos[4, 3:11, 10] = protos[4, 3, 3:11] = protos[4, 10, 3:11] = 1


def make(n):
    y = rng.integers(0, num_classes, n)
    x = np.stack([np.roll(protos[c], tuple(rng.integers(-1, 2, 2)), (0, 1)) for c in y])
    x = np.clip(x + 0.3 * rng.random(x.shape), 0, 1) * 255
    return x.astype("uint8"), y


(x_train, y_train), (x_test, y_test) = make(300), make(100)

# Scale images to the [0, 1] range
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
# Make sure images have shape (14, 14, 1)
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)

model.summary()

batch_size = 32
epochs = 4

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    validation_split=0.1, verbose=2)

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
