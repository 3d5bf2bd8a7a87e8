"""A small U-Net for image segmentation in the style of keras.io's "Image segmentation with a
U-Net-like architecture": a functional model with Conv2D + BatchNormalization blocks, a
MaxPooling2D down path, a Conv2DTranspose up path and Concatenate skip connections, per-pixel
softmax over 2 classes, sparse_categorical_crossentropy.  Data: 16x16 images of a bright
disc on noise; the mask is the disc."""
from __future__ import print_function

import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers

np.random.seed(0)
keras.utils.set_random_seed(0)
img_size, n = 16, 32
rs = np.random.RandomState(0)
yy, xx = np.mgrid[:img_size, :img_size]
x_all = rs.rand(n, img_size, img_size, 1).astype("float32") * 0.5
y_all = np.zeros((n, img_size, img_size, 1), "int32")
for i in range(n):
    cy, cx, r = rs.randint(4, 12), rs.randint(4, 12), rs.randint(2, 5)
    disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    x_all[i, disc, 0] += 0.7
    y_all[i, disc, 0] = 1


def get_model(img_size, num_classes):
    inputs = keras.Input(shape=(img_size, img_size, 1))
    c1 = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    c1 = layers.BatchNormalization()(c1)
    p1 = layers.MaxPooling2D(2)(c1)
    c2 = layers.Conv2D(16, 3, padding="same", activation="relu")(p1)
    c2 = layers.BatchNormalization()(c2)
    p2 = layers.MaxPooling2D(2)(c2)
    b = layers.Conv2D(16, 3, padding="same", activation="relu")(p2)
    u2 = layers.Conv2DTranspose(16, 2, strides=2, padding="same")(b)
    u2 = layers.Concatenate()([u2, c2])
    c3 = layers.Conv2D(16, 3, padding="same", activation="relu")(u2)
    u1 = layers.Conv2DTranspose(8, 2, strides=2, padding="same")(c3)
    u1 = layers.concatenate([u1, c1])
    c4 = layers.Conv2D(8, 3, padding="same", activation="relu")(u1)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(c4)
    return keras.Model(inputs, outputs)


model = get_model(img_size, 2)
model.summary()
model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_all[:24], y_all[:24], batch_size=8, epochs=5,
                    validation_data=(x_all[24:], y_all[24:]), verbose=2)
pred = model.predict(x_all[24:])
mask = np.argmax(pred, axis=-1)
inter = np.logical_and(mask == 1, y_all[24:, ..., 0] == 1).sum()
union = np.logical_or(mask == 1, y_all[24:, ..., 0] == 1).sum()
print("prediction shape", pred.shape)
print("validation IoU", inter / union)
