'''Trains and evaluate a simple MLP on the Reuters newswire topic classification task
(keras-team/keras examples/reuters_mlp.py, Keras 2), as written, at a tiny scale: synthetic
"newswires" (word-id lists whose topic words are drawn from a per-topic vocabulary) instead of
reuters.load_data, 200 words, 6 topics, a 32-unit hidden layer, 4 epochs.
'''
from __future__ import print_function

import numpy as np
import dlcore_static.keras as keras
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense, Dropout, Activation
from dlcore_static.keras.preprocessing.text import Tokenizer

np.random.seed(6)
max_words = 200
batch_size = 32
epochs = 8


def load_data(num_words, test_split):
    topics = np.random.randint(0, 6, 500)
    wires = [list(np.random.randint(1, num_words, np.random.randint(5, 20)))
             + list(np.random.randint(20 * t + 20, 20 * t + 40, 8)) for t in topics]
    n = int(len(wires) * (1 - test_split))
    return (wires[:n], topics[:n]), (wires[n:], topics[n:])


print('Loading data...')
(x_train, y_train), (x_test, y_test) = load_data(num_words=max_words, test_split=0.2)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

num_classes = np.max(y_train) + 1
print(num_classes, 'classes')

print('Vectorizing sequence data...')
tokenizer = Tokenizer(num_words=max_words)
x_train = tokenizer.sequences_to_matrix(x_train, mode='binary')
x_test = tokenizer.sequences_to_matrix(x_test, mode='binary')
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Convert class vector to binary class matrix '
      '(for use with categorical_crossentropy)')
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
print('y_train shape:', y_train.shape)
print('y_test shape:', y_test.shape)

print('Building model...')
model = Sequential()
model.add(Dense(32, input_shape=(max_words,)))
model.add(Activation('relu'))
model.add(Dropout(0.5))
model.add(Dense(num_classes))
model.add(Activation('softmax'))

model.compile(loss='categorical_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=1,
                    validation_split=0.1)
score = model.evaluate(x_test, y_test,
                       batch_size=batch_size, verbose=1)
print('Test score:', score[0])
print('Test accuracy:', score[1])
