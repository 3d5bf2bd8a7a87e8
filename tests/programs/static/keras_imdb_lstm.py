"""keras-team/keras examples/imdb_lstm.py (Keras 2), as written, on a tiny synthetic "IMDB":
reviews are lists of word indices of varying length (a review is positive when it holds more
of the "good" words 4-9 than of the "bad" words 10-15), cut and padded by
sequence.pad_sequences to maxlen; Embedding, LSTM(dropout=0.2, recurrent_dropout=0.2),
Dense(1, sigmoid); binary_crossentropy with adam; fit with validation_data, then evaluate.
Only the sizes and load_data differ from the example."""
from __future__ import print_function

import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.preprocessing import sequence
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense, Embedding
from dlcore_static.keras.layers import LSTM

max_features = 40
maxlen = 12  # cut texts after this number of words (among top max_features most common words)
batch_size = 32
np.random.seed(7)
set_random_seed(7)


def load_data(num_words, n):
    xs, ys = [], []
    for _ in range(n):
        length = np.random.randint(5, 20)
        words = list(np.random.randint(16, num_words, length))
        label = np.random.randint(2)
        for _ in range(np.random.randint(2, 5)):
            words[np.random.randint(length)] = np.random.randint(4, 10) if label else \
                np.random.randint(10, 16)
        xs.append([1] + words)          # 1: the start-of-review index, as imdb.load_data
        ys.append(label)
    return xs, np.array(ys)


print('Loading data...')
x_train, y_train = load_data(max_features, 256)
x_test, y_test = load_data(max_features, 64)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Build model...')
model = Sequential()
model.add(Embedding(max_features, 16))
model.add(LSTM(16, dropout=0.2, recurrent_dropout=0.2))
model.add(Dense(1, activation='sigmoid'))

# try using different optimizers and different optimizer configs
model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

print('Train...')
history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=12,
                    verbose=0,
                    validation_data=(x_test, y_test))
score, acc = model.evaluate(x_test, y_test,
                            batch_size=batch_size, verbose=0)
print('Test score:', score)
print('Test accuracy:', acc)
