"""Text classification with a 1D convnet (keras.io's "imdb_cnn" example, at a small scale):
word ids -> pad_sequences -> Embedding -> Dropout -> Conv1D -> GlobalMaxPooling1D -> Dense ->
sigmoid, trained with adam on a synthetic "sentiment" task (a positive review holds four words
of 1..9, a negative one four of 10..18, among neutral words)."""
import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.preprocessing import sequence
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense, Dropout, Activation
from dlcore_static.keras.layers import Embedding
from dlcore_static.keras.layers import Conv1D, GlobalMaxPooling1D

np.random.seed(7)
set_random_seed(7)

max_features = 40
maxlen = 20
batch_size = 32
embedding_dims = 8
filters = 16
kernel_size = 3
hidden_dims = 16
epochs = 8

print("Loading data...")
labels = np.random.randint(0, 2, size=400)
reviews = []
for label in labels:
    words = list(np.random.randint(19, max_features, size=np.random.randint(5, 30)))
    cue = np.random.randint(1, 10, size=4) + (0 if label else 9)   # 1..9 or 10..18
    for w in cue:
        words.insert(np.random.randint(len(words) + 1), int(w))
    reviews.append(words)
x_train, y_train = reviews[:320], labels[:320]
x_test, y_test = reviews[320:], labels[320:]
print(len(x_train), "train sequences")
print(len(x_test), "test sequences")

print("Pad sequences (samples x time)")
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print("x_train shape:", x_train.shape)
print("x_test shape:", x_test.shape)

print("Build model...")
model = Sequential()
model.add(Embedding(max_features, embedding_dims, input_length=maxlen))
model.add(Dropout(0.2))
model.add(Conv1D(filters, kernel_size, padding="valid", activation="relu", strides=1))
model.add(GlobalMaxPooling1D())
model.add(Dense(hidden_dims))
model.add(Dropout(0.2))
model.add(Activation("relu"))
model.add(Dense(1))
model.add(Activation("sigmoid"))

model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.summary()
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    validation_data=(x_test, y_test), verbose=0)
for e in range(epochs):
    print("epoch %d: loss %.4f - accuracy %.4f - val_loss %.4f - val_accuracy %.4f" % (
        e + 1, history.history["loss"][e], history.history["accuracy"][e],
        history.history["val_loss"][e], history.history["val_accuracy"][e]))
score, acc = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
print("Test score: %.4f" % score)
print("Test accuracy: %.4f" % acc)
