"""keras.io "Timeseries forecasting for weather prediction" (Prabhanshu Attri, Yashika
Sharma, Kasey Thompson, Kaushik Kumar; Keras 3), smaller and on a synthetic "climate" of 7
features (daily and slower cycles plus noise) instead of the Jena CSV, NumPy instead of
pandas: features normalized with the training split's mean and std, windows of past
observations sampled every ``step`` rows by ``keras.preprocessing.timeseries_dataset_from_array``
with the temperature ``future`` rows ahead as the target, an LSTM regressor trained with
``fit`` on the datasets with EarlyStopping and a save_weights_only/save_best_only
ModelCheckpoint, then single-step predictions on validation windows.  The example's eager
``for batch in dataset.take(1)`` is written the graph-mode way (a one-shot iterator)."""

import os
import sys

import numpy as np
import dlcore_static as tf
import dlcore_static.keras as keras

outdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
keras.utils.set_random_seed(7)

n = 1400
t = np.arange(n)
rng = np.random.default_rng(7)
raw = np.stack([np.sin(2 * np.pi * t / 144 + k) * (1 + 0.3 * k)
                + 0.2 * np.sin(2 * np.pi * t / 1000 * (k + 1)) for k in range(7)], 1)
raw = (raw + 0.1 * rng.normal(size=raw.shape) + np.arange(7) * 5).astype("float32")

split_fraction = 0.715
train_split = int(split_fraction * int(raw.shape[0]))
step = 6
past = 72
future = 12
learning_rate = 0.01
batch_size = 64
epochs = 4


def normalize(data, train_split):
    data_mean = data[:train_split].mean(axis=0)
    data_std = data[:train_split].std(axis=0)
    return (data - data_mean) / data_std


features = normalize(raw, train_split)
train_data = features[0:train_split]
val_data = features[train_split:]

start = past + future
end = start + train_split

x_train = train_data[:, :7]
y_train = features[start:end][:, [1]]

sequence_length = int(past / step)



def windows(x, y):      # (keras.io writes this call out twice, for the two splits)
    return keras.preprocessing.timeseries_dataset_from_array(
        x,
        y,
        sequence_length=sequence_length,
        sampling_rate=step,
        batch_size=batch_size,
    )


dataset_train = windows(x_train, y_train)

x_end = len(val_data) - past - future
label_start = train_split + past + future

x_val = val_data[:x_end][:, :7]
y_val = features[label_start:][:, [1]]

dataset_val = windows(x_val, y_val)

first = tf.data.make_one_shot_iterator(dataset_train.take(1)).get_next()
with tf.Session() as sess:
    inputs_np, targets_np = sess.run(first)
print("Input shape:", inputs_np.shape)
print("Target shape:", targets_np.shape)

inputs = keras.layers.Input(shape=(inputs_np.shape[1], inputs_np.shape[2]))
lstm_out = keras.layers.LSTM(8)(inputs)
outputs = keras.layers.Dense(1)(lstm_out)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
model.summary()

path_checkpoint = os.path.join(outdir, "model_checkpoint.weights.h5")
es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)

modelckpt_callback = keras.callbacks.ModelCheckpoint(
    monitor="val_loss",
    filepath=path_checkpoint,
    verbose=1,
    save_weights_only=True,
    save_best_only=True,
)

history = model.fit(
    dataset_train,
    epochs=epochs,
    validation_data=dataset_val,
    callbacks=[es_callback, modelckpt_callback],
    verbose=2,
)
print("loss:", " ".join(f"{v:.4f}" for v in history.history["loss"]))
print("val_loss:", " ".join(f"{v:.4f}" for v in history.history["val_loss"]))

val_batch = tf.data.make_one_shot_iterator(dataset_val.take(1)).get_next()
with tf.Session() as sess:
    x, y = sess.run(val_batch)
prediction = model.predict(x)
print("single step:", [float(x[0][-1, 1]), float(y[0][0]), float(prediction[0][0])])
