'''Trains a simple deep NN on the MNIST dataset (keras-team/keras examples/mnist_mlp.py, Keras 2),
as written, at a tiny scale: synthetic 8x8 "digits" (class prototypes plus noise) instead of
mnist.load_data(), 64 inputs, 64-unit layers, 4 epochs.
'''

from __future__ import print_function

import numpy as np
import dlcore_static.keras as keras
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense, Dropout
from dlcore_static.keras.optimizers import RMSprop

np.random.seed(3)
batch_size = 32
num_classes = 10
epochs = 4

# the data, split between train and test sets
protos = np.random.randint(0, 256, (num_classes, 64))
y_train, y_test = np.random.randint(0, 10, 600), np.random.randint(0, 10, 100)
x_train = np.clip(protos[y_train] + np.random.randint(-60, 60, (600, 64)), 0, 255).astype('uint8')
x_test = np.clip(protos[y_test] + np.random.randint(-60, 60, (100, 64)), 0, 255).astype('uint8')

x_train = x_train.reshape(600, 64)
x_test = x_test.reshape(100, 64)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = Sequential()
model.add(Dense(64, activation='relu', input_shape=(64,)))
model.add(Dropout(0.2))
model.add(Dense(64, activation='relu'))
model.add(Dropout(0.2))
model.add(Dense(num_classes, activation='softmax'))

model.summary()

model.compile(loss='categorical_crossentropy',
              optimizer=RMSprop(),
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=1,
                    validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', score[0])
print('Test accuracy:', score[1])
