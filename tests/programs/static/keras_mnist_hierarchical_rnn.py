"""Example of using Hierarchical RNN (HRNN) to classify MNIST digits (keras-team/keras
examples/mnist_hierarchical_rnn.py, Keras 2), as written, at a tiny scale: synthetic 5x5
"digits", 8-unit row and column LSTMs, 4 classes, 3 epochs.  A TimeDistributed(LSTM) encodes
each row of pixels into a vector, then an LSTM encodes the sequence of row vectors.
"""
from __future__ import print_function

import numpy as np
import dlcore_static.keras as keras
from dlcore_static.keras.models import Model
from dlcore_static.keras.layers import Input, Dense, TimeDistributed
from dlcore_static.keras.layers import LSTM

np.random.seed(9)
# Training parameters.
batch_size = 32
num_classes = 4
epochs = 3

# Embedding dimensions.
row_hidden = 8
col_hidden = 8

# The data, split between train and test sets.
protos = np.random.randint(0, 256, (num_classes, 5, 5))
y_train, y_test = np.random.randint(0, num_classes, 160), np.random.randint(0, num_classes, 48)
x_train = np.clip(protos[y_train] + np.random.randint(-60, 60, (160, 5, 5)), 0, 255)
x_test = np.clip(protos[y_test] + np.random.randint(-60, 60, (48, 5, 5)), 0, 255)

# Reshapes data to 4D for Hierarchical RNN.
x_train = x_train.reshape(x_train.shape[0], 5, 5, 1)
x_test = x_test.reshape(x_test.shape[0], 5, 5, 1)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print('x_train shape:', x_train.shape)
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# Converts class vectors to binary class matrices.
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

row, col, pixel = x_train.shape[1:]

# 4D input.
x = Input(shape=(row, col, pixel))

# Encodes a row of pixels using TimeDistributed Wrapper.
encoded_rows = TimeDistributed(LSTM(row_hidden))(x)

# Encodes columns of encoded rows.
encoded_columns = LSTM(col_hidden)(encoded_rows)

# Final predictions and model.
prediction = Dense(num_classes, activation='softmax')(encoded_columns)
model = Model(x, prediction)
model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

# Training.
model.fit(x_train, y_train,
          batch_size=batch_size,
          epochs=epochs,
          verbose=1,
          validation_data=(x_test, y_test))

# Evaluation.
scores = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', scores[0])
print('Test accuracy:', scores[1])
