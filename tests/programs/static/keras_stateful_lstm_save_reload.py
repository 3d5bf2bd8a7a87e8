"""A stateful LSTM as the Keras examples write one (batch_input_shape with a fixed batch, fit
with shuffle=False one epoch at a time and reset_states between epochs), saved with
model.save to .h5 and .keras and reloaded: the reloaded model is stateful, its configuration
says so, and predicting a long sequence chunk by chunk continues from the kept states exactly as
the original does.  Synthetic data: a noisy sine wave, predict the next value."""
import os
import tempfile

import numpy as np
import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras.layers import LSTM, Dense

rs = np.random.RandomState(0)
tf.set_random_seed(0)
batch_size, tsteps = 4, 5
wave = np.sin(np.arange(4 * 40 + 1) * 0.3) + 0.05 * rs.randn(4 * 40 + 1)
series = wave[:-1].reshape(4, 40).astype("float32")
target = wave[1:].reshape(4, 40).astype("float32")
chunks = [(series[:, i:i + tsteps, None], target[:, i + tsteps - 1:i + tsteps])
          for i in range(0, 40, tsteps)]

model = keras.Sequential()
model.add(LSTM(8, batch_input_shape=(batch_size, tsteps, 1), stateful=True,
               recurrent_activation="sigmoid"))
model.add(Dense(1))
model.compile(loss="mse", optimizer=keras.optimizers.Adam(0.02))

for epoch in range(6):
    losses = []
    for x, y in chunks:
        losses.append(model.train_on_batch(x, y))
    model.reset_states()
    print("Epoch %d mean loss %.5f" % (epoch, float(np.mean(losses))))


def predict_chunks(m):
    m.reset_states()
    return np.concatenate([m.predict(x, batch_size=batch_size) for x, _ in chunks], 1)


before = predict_chunks(model)
folder = tempfile.mkdtemp()
for name in ("stateful.h5", "stateful.keras"):
    path = os.path.join(folder, name)
    model.save(path)
    reloaded = keras.models.load_model(path)
    print(name, "stateful:", reloaded.layers[0].stateful,
          "in config:", '"stateful": true' in reloaded.to_json(),
          "batch:", reloaded.layers[0].input_shape[0])
    after = predict_chunks(reloaded)
    print(name, "same predictions:", bool(np.allclose(before, after, atol=1e-6)))
print("prediction error %.4f" % float(np.mean((before - target[:, tsteps - 1::tsteps]) ** 2)))
