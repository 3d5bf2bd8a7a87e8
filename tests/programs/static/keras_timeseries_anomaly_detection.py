"""Timeseries anomaly detection using an Autoencoder (keras.io, Keras 3 version), imports
renamed; a synthetic daily-periodic series with small noise and one with a jump instead of
the NAB CSV files (pandas left out), TIME_STEPS 32 instead of 288 and 6 epochs: a Conv1D /
Conv1DTranspose reconstruction model with Dropout, trained with early stopping on the
validation loss, the reconstruction-error threshold, the anomalous samples and the data
points they cover."""
import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers

"""
## Load the data (synthetic: a period of 32 steps)
"""
rs = np.random.RandomState(0)
t = np.arange(448)
df_small_noise = 20 + 5 * np.sin(2 * np.pi * t / 32) + 0.3 * rs.randn(len(t))
df_daily_jumpsup = 20 + 5 * np.sin(2 * np.pi * t / 32) + 0.3 * rs.randn(len(t))
df_daily_jumpsup[200:230] += 15.0                    # the anomaly: a jump up

"""
## Prepare training data
"""
# Normalize and save the mean and std we get,
# for normalizing test data.
training_mean = df_small_noise.mean()
training_std = df_small_noise.std()
df_training_value = ((df_small_noise - training_mean) / training_std)[:, None]
print("Number of training samples:", len(df_training_value))

TIME_STEPS = 32


# Generated training sequences for use in the model.
def create_sequences(values, time_steps=TIME_STEPS):
    output = []
    for i in range(len(values) - time_steps + 1):
        output.append(values[i : (i + time_steps)])
    return np.stack(output)


x_train = create_sequences(df_training_value).astype("float32")
print("Training input shape: ", x_train.shape)

"""
## Build a model
"""
model = keras.Sequential(
    [
        layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
        layers.Conv1D(
            filters=32,
            kernel_size=7,
            padding="same",
            strides=2,
            activation="relu",
        ),
        layers.Dropout(rate=0.2),
        layers.Conv1D(
            filters=16,
            kernel_size=7,
            padding="same",
            strides=2,
            activation="relu",
        ),
        layers.Conv1DTranspose(
            filters=16,
            kernel_size=7,
            padding="same",
            strides=2,
            activation="relu",
        ),
        layers.Dropout(rate=0.2),
        layers.Conv1DTranspose(
            filters=32,
            kernel_size=7,
            padding="same",
            strides=2,
            activation="relu",
        ),
        layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
    ]
)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
model.summary()

"""
## Train the model
"""
history = model.fit(
    x_train,
    x_train,
    epochs=6,
    batch_size=128,
    validation_split=0.1,
    verbose=0,
    callbacks=[
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, mode="min")
    ],
)
print("loss:", ["%.4f" % v for v in history.history["loss"]])

"""
## Detecting anomalies
"""
# Get train MAE loss.
x_train_pred = model.predict(x_train, verbose=0)
train_mae_loss = np.mean(np.abs(x_train_pred - x_train), axis=1)

# Get reconstruction loss threshold.
threshold = np.max(train_mae_loss)
print("Reconstruction error threshold: ", threshold)

"""
### Prepare test data
"""
df_test_value = ((df_daily_jumpsup - training_mean) / training_std)[:, None]

# Create sequences from test values.
x_test = create_sequences(df_test_value).astype("float32")
print("Test input shape: ", x_test.shape)

# Get test MAE loss.
x_test_pred = model.predict(x_test, verbose=0)
test_mae_loss = np.mean(np.abs(x_test_pred - x_test), axis=1)
test_mae_loss = test_mae_loss.reshape((-1))

# Detect all the samples which are anomalies.
anomalies = test_mae_loss > threshold
print("Number of anomaly samples: ", np.sum(anomalies))
print("Indices of anomaly samples: ", np.where(anomalies))

"""
## Plot anomalies (the data indices, without matplotlib)
"""
# data i is an anomaly if samples [(i - timesteps + 1) to (i)] are anomalies
anomalous_data_indices = []
for data_idx in range(TIME_STEPS - 1, len(df_test_value) - TIME_STEPS + 1):
    if np.all(anomalies[data_idx - TIME_STEPS + 1 : data_idx]):
        anomalous_data_indices.append(data_idx)
print("Anomalous data points:", anomalous_data_indices[:3], "...",
      len(anomalous_data_indices))
