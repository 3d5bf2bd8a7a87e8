"""keras.io's "Next-frame video prediction with convolutional LSTMs" (Keras 3 API), at a tiny
scale on synthetic videos (a bright square moving one pixel per frame) instead of Moving MNIST:
create_shifted_frames (x = frames 0..n-2, y = frames 1..n-1), a functional model of
ConvLSTM2D(return_sequences=True, padding="same", activation="relu") + BatchNormalization
blocks and a Conv3D sigmoid head on Input(shape=(None, H, W, 1)), binary crossentropy, Adam,
fit with validation data and the EarlyStopping / ReduceLROnPlateau callbacks; then predicting
new frames one at a time from the first frames, as the example does."""
# ruff: noqa: UP031  (written in the example's own style)
import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(0)
rng = np.random.RandomState(0)
n_videos, n_frames, size = 24, 6, 8
dataset = np.zeros((n_videos, n_frames, size, size, 1), "float32")
for v in range(n_videos):
    r, c = rng.randint(0, 3, size=2)
    dr, dc = rng.choice([-1, 1], size=2)
    for t in range(n_frames):
        rr, cc = (r + dr * t) % (size - 2), (c + dc * t) % (size - 2)
        dataset[v, t, rr:rr + 3, cc:cc + 3, 0] = 1.0

indexes = np.arange(dataset.shape[0])
rng.shuffle(indexes)
train_index = indexes[: int(0.75 * dataset.shape[0])]
val_index = indexes[int(0.75 * dataset.shape[0]):]
train_dataset = dataset[train_index]
val_dataset = dataset[val_index]


def create_shifted_frames(data):
    x = data[:, 0: data.shape[1] - 1, :, :]
    y = data[:, 1: data.shape[1], :, :]
    return x, y


x_train, y_train = create_shifted_frames(train_dataset)
x_val, y_val = create_shifted_frames(val_dataset)
print("Training Dataset Shapes: " + str(x_train.shape) + ", " + str(y_train.shape))
print("Validation Dataset Shapes: " + str(x_val.shape) + ", " + str(y_val.shape))

inp = layers.Input(shape=(None, *x_train.shape[2:]))
x = layers.ConvLSTM2D(filters=8, kernel_size=(3, 3), padding="same", return_sequences=True,
                      activation="relu")(inp)
x = layers.BatchNormalization()(x)
x = layers.ConvLSTM2D(filters=8, kernel_size=(1, 1), padding="same", return_sequences=True,
                      activation="relu")(x)
x = layers.Conv3D(filters=1, kernel_size=(3, 3, 3), activation="sigmoid", padding="same")(x)
model = keras.models.Model(inp, x)
model.compile(loss=keras.losses.binary_crossentropy, optimizer=keras.optimizers.Adam(0.01))
print("output shape", model.output_shape, "parameters", model.count_params())

early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10)
reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=5)
epochs = 6
batch_size = 6
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    validation_data=(x_val, y_val), callbacks=[early_stopping, reduce_lr],
                    verbose=0)
losses = history.history["loss"]
print("epochs run", len(losses), "lr logged", "learning_rate" in history.history)
print("loss %.4f -> %.4f" % (losses[0], losses[-1]))
print("val_loss %.4f" % history.history["val_loss"][-1])

example = val_dataset[0]
frames = example[:3, ...]
original_frames = example[3:, ...]
for _ in range(3):
    new_prediction = model.predict(np.expand_dims(frames, axis=0), verbose=0)
    new_prediction = np.squeeze(new_prediction, axis=0)
    predicted_frame = np.expand_dims(new_prediction[-1, ...], axis=0)
    frames = np.concatenate((frames, predicted_frame), axis=0)
print("predicted frames", frames.shape, "in [0, 1]:",
      bool(frames.min() >= 0.0 and frames.max() <= 1.0))
print("next-frame pixel accuracy %.3f" % ((frames[3:] > 0.5) == (original_frames > 0.5)).mean())
