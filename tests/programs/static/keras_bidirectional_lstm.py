"""A sequence classifier with a bidirectional LSTM over masked embeddings (keras.io's
"imdb_bidirectional_lstm" example, at a small scale): variable-length id sequences padded at
the end with zeros, ``Embedding(mask_zero=True)`` so the LSTM skips the padding, ``Bidirectional(LSTM(...))``,
Dropout and a sigmoid output, trained with Adam.  The task: is the last word of the sequence
larger than 6 (a model reading the padding as words could not tell where the sequence ends)."""
import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.preprocessing import sequence
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense, Dropout, Embedding, LSTM, Bidirectional
from dlcore_static.keras.optimizers import Adam

np.random.seed(11)
set_random_seed(11)
max_features = 12
maxlen = 8
batch_size = 64

seqs = [list(np.random.randint(1, max_features, size=np.random.randint(2, maxlen + 1)))
        for _ in range(320)]
y = np.array([s[-1] > 6 for s in seqs], dtype="float32")
x = sequence.pad_sequences(seqs, maxlen=maxlen, padding="post", truncating="post")
x_train, y_train, x_test, y_test = x[:256], y[:256], x[256:], y[256:]
print("x_train shape:", x_train.shape, "padded with", int((x_train == 0).sum()), "zeros")

model = Sequential()
model.add(Embedding(max_features, 8, input_length=maxlen, mask_zero=True))
model.add(Bidirectional(LSTM(8, recurrent_activation="sigmoid")))
model.add(Dropout(0.25))
model.add(Dense(1, activation="sigmoid"))
model.compile(Adam(learning_rate=0.02), "binary_crossentropy", metrics=["accuracy"])
model.summary()

print("Train...")
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=8,
                    validation_data=[x_test, y_test], verbose=0)
print("loss:", " ".join("%.4f" % v for v in history.history["loss"]))
print("val_accuracy:", " ".join("%.4f" % v for v in history.history["val_accuracy"]))
pred = model.predict(x_test, batch_size=64)
print("predict shape:", pred.shape)
print("accuracy from predict: %.4f" % ((pred[:, 0] > 0.5) == (y_test > 0.5)).mean())
