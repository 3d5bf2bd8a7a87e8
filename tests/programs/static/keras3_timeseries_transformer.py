"""Timeseries classification with a Transformer model (keras.io examples/timeseries, Keras 3),
imports renamed.  Instead of downloading FordA, a FordA-like file (tab-separated, the label
first, +1/-1) of noisy sine waves is written to the folder in ``sys.argv[1]`` (the classes: a
low frequency around -0.5, a high one around +0.5); 32-step series instead of 500, two smaller
encoder blocks and a few epochs: MultiHeadAttention over the time steps, Dropout, LayerNormalization(epsilon=1e-6),
residual ``x + inputs`` operations, kernel-size-1 Conv1D projections, GlobalAveragePooling1D,
EarlyStopping(restore_best_weights=True) on a validation split."""
import os
import sys

import numpy as np

folder = sys.argv[1] if len(sys.argv) > 1 else "."
rs = np.random.RandomState(0)


def write_forda_like(path, n):
    t = np.arange(32)
    label = rs.choice([-1, 1], n)
    freq = np.where(label > 0, 0.5, 0.15)[:, None]
    x = np.sin(freq * t + rs.uniform(0, 6.3, (n, 1))) + 0.5 * label[:, None] + \
        0.3 * rs.randn(n, 32)
    np.savetxt(path, np.column_stack([label, x]), delimiter="\t", fmt="%.6f")


write_forda_like(os.path.join(folder, "FordA_TRAIN.tsv"), 96)
write_forda_like(os.path.join(folder, "FordA_TEST.tsv"), 32)

"""
## Load the dataset
"""


def readucr(filename):
    data = np.loadtxt(filename, delimiter="\t")
    y = data[:, 0]
    x = data[:, 1:]
    return x, y.astype(int)


root_url = folder + "/"

x_train, y_train = readucr(root_url + "FordA_TRAIN.tsv")
x_test, y_test = readucr(root_url + "FordA_TEST.tsv")

x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))

n_classes = len(np.unique(y_train))

idx = np.random.permutation(len(x_train))
x_train = x_train[idx]
y_train = y_train[idx]

y_train[y_train == -1] = 0
y_test[y_test == -1] = 0

"""
## Build the model
"""

from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(1)


def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
    # Attention and Normalization
    x = layers.MultiHeadAttention(
        key_dim=head_size, num_heads=num_heads, dropout=dropout
    )(inputs, inputs)
    x = layers.Dropout(dropout)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    res = x + inputs

    # Feed Forward Part
    x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    return x + res


def build_model(
    input_shape,
    head_size,
    num_heads,
    ff_dim,
    num_transformer_blocks,
    mlp_units,
    dropout=0,
    mlp_dropout=0,
):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for _ in range(num_transformer_blocks):
        x = transformer_encoder(x, head_size, num_heads, ff_dim, dropout)

    x = layers.GlobalAveragePooling1D(data_format="channels_last")(x)
    for dim in mlp_units:
        x = layers.Dense(dim, activation="relu")(x)
        x = layers.Dropout(mlp_dropout)(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


"""
## Train and evaluate
"""

input_shape = x_train.shape[1:]

model = build_model(
    input_shape,
    head_size=8,
    num_heads=2,
    ff_dim=4,
    num_transformer_blocks=2,
    mlp_units=[16],
    mlp_dropout=0.1,
    dropout=0.1,
)

model.compile(
    loss="sparse_categorical_crossentropy",
    optimizer=keras.optimizers.Adam(learning_rate=1e-2),
    metrics=["sparse_categorical_accuracy"],
)
model.summary()

callbacks = [keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)]

history = model.fit(
    x_train,
    y_train,
    validation_split=0.2,
    epochs=8,
    batch_size=32,
    callbacks=callbacks,
    verbose=0,
)
h = history.history
print("epochs run:", len(h["loss"]))
print("loss %.4f -> %.4f" % (h["loss"][0], h["loss"][-1]))
print("best val_loss %.4f" % min(h["val_loss"]))

test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
print("test loss %.4f accuracy %.4f" % (test_loss, test_acc))
probs = model.predict(x_test, verbose=0)
print("predict accuracy %.4f" % (probs.argmax(axis=1) == y_test).mean())
