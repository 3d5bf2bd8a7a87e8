"""A multi-label image tagger as the Keras guides write one: wide images (6x12) brought to a
square 8x8 by keras.layers.Resizing(pad_to_aspect_ratio=True) inside the model, a small
Conv2D network with a sigmoid output per tag, binary cross-entropy and
keras.metrics.AUC(multi_label=True) (one ROC curve per tag, averaged) plus a per-tag
label_weights variant; fit with validation data, evaluate, and the metric recomputed on
predict's output.  Synthetic images: tag 0 = a bright left half, tag 1 = a bright right half,
tag 2 = a bright top row."""
import numpy as np
import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers

rs = np.random.RandomState(0)
tf.set_random_seed(0)


def make(n):
    x = 0.6 * rs.rand(n, 6, 12, 1).astype("float32")
    y = (rs.rand(n, 3) < 0.5).astype("float32")
    x[y[:, 0] == 1, :, :6] += 0.3
    x[y[:, 1] == 1, :, 6:] += 0.3
    x[y[:, 2] == 1, :1] += 0.3
    return x, y


x_train, y_train = make(96)
x_val, y_val = make(32)

model = keras.Sequential([
    keras.Input(shape=(6, 12, 1)),
    layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=0.0),
    layers.Conv2D(8, 3, activation="relu", padding="same"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(3, activation="sigmoid"),
])
model.summary()
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
              metrics=[keras.metrics.AUC(multi_label=True, name="auc"),
                       keras.metrics.AUC(multi_label=True, label_weights=[1.0, 1.0, 2.0],
                                         name="weighted_auc")])
history = model.fit(x_train, y_train, batch_size=16, epochs=6, validation_data=(x_val, y_val),
                    verbose=0)
for key in ("loss", "auc", "val_auc", "val_weighted_auc"):
    print(key, " ".join("%.4f" % v for v in history.history[key]))
results = model.evaluate(x_val, y_val, batch_size=8, verbose=0)
print("evaluate: loss %.4f auc %.4f weighted_auc %.4f" % tuple(results))
probs = model.predict(x_val)
print("predict shape", probs.shape)
padded = keras.Model(model.inputs, model.layers[0].output).predict(x_val[:1])
print("padded input shape", padded.shape, "top rows are fill:", float(np.abs(padded[0, 0]).max()))
