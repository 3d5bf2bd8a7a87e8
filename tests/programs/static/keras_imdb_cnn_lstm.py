"""keras-team/keras examples/imdb_cnn_lstm.py (Keras 2 era), at a tiny scale and on synthetic
reviews instead of the IMDB download: Embedding, Dropout, Conv1D, MaxPooling1D, LSTM and a
sigmoid Dense, trained with Adam on sequences padded by sequence.pad_sequences.  The label: does
the review hold the word 3 ("good") more often than the word 4 ("bad")."""
from __future__ import print_function

import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.preprocessing import sequence
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense, Dropout, Activation
from dlcore_static.keras.layers import Embedding
from dlcore_static.keras.layers import LSTM
from dlcore_static.keras.layers import Conv1D, MaxPooling1D

np.random.seed(7)
set_random_seed(7)

# Embedding
max_features = 20
maxlen = 24
embedding_size = 8

# Convolution
kernel_size = 3
filters = 8
pool_size = 2

# LSTM
lstm_output_size = 8

# Training
batch_size = 32
epochs = 15


def reviews(n):
    xs, ys = [], []
    for _ in range(n):
        words = list(np.random.randint(5, max_features, size=np.random.randint(8, maxlen + 4)))
        good, bad = np.random.randint(0, 4, size=2)
        if good == bad:
            good += 1
        for w, k in ((3, good), (4, bad)):
            for pos in np.random.randint(0, len(words), size=k):
                words[pos] = w
        xs.append(words)
        ys.append(int(good > bad))
    return xs, np.array(ys)


print('Loading data...')
(x_train, y_train), (x_test, y_test) = reviews(256), reviews(64)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Build model...')

model = Sequential()
model.add(Embedding(max_features, embedding_size, input_length=maxlen))
model.add(Dropout(0.25))
model.add(Conv1D(filters,
                 kernel_size,
                 padding='valid',
                 activation='relu',
                 strides=1))
model.add(MaxPooling1D(pool_size=pool_size))
model.add(LSTM(lstm_output_size))
model.add(Dense(1))
model.add(Activation('sigmoid'))

model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])
model.summary()

print('Train...')
history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    validation_data=(x_test, y_test), verbose=0)
print('loss:', ' '.join('%.4f' % v for v in history.history['loss']))
score, acc = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
print('Test score: %.6f' % score)
print('Test accuracy: %.6f' % acc)
