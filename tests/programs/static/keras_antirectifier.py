'''The example demonstrates how to write custom layers for Keras (keras-team/keras
examples/antirectifier.py, Keras 2), as written, at a tiny scale: synthetic 64-pixel inputs,
64-unit layers, 3 epochs.  The Antirectifier centres its input, L2-normalises it and returns the
concatenation of its positive and negative parts: twice the width of its input.
'''

from __future__ import print_function
import numpy as np
import dlcore_static.keras as keras
from dlcore_static.keras.models import Sequential
from dlcore_static.keras import layers
from dlcore_static.keras import backend as K


class Antirectifier(layers.Layer):
    '''This is the combination of a sample-wise
    L2 normalization with the concatenation of the
    positive part of the input with the negative part
    of the input.
    '''

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        assert len(shape) == 2  # only valid for 2D tensors
        shape[-1] *= 2
        return tuple(shape)

    def call(self, inputs):
        inputs -= K.mean(inputs, axis=1, keepdims=True)
        inputs = K.l2_normalize(inputs, axis=1)
        pos = K.relu(inputs)
        neg = K.relu(-inputs)
        return K.concatenate([pos, neg], axis=1)


np.random.seed(5)
# global parameters
batch_size = 32
num_classes = 10
epochs = 3

# the data, split between train and test sets
protos = np.random.rand(num_classes, 64)
y_train, y_test = np.random.randint(0, 10, 400), np.random.randint(0, 10, 100)
x_train = np.clip(protos[y_train] + 0.3 * np.random.randn(400, 64), 0, 1)
x_test = np.clip(protos[y_test] + 0.3 * np.random.randn(100, 64), 0, 1)

x_train = x_train.reshape(400, 64)
x_test = x_test.reshape(100, 64)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

# build the model
model = Sequential()
model.add(layers.Dense(64, input_shape=(64,)))
model.add(Antirectifier())
model.add(layers.Dropout(0.1))
model.add(layers.Dense(64))
model.add(Antirectifier())
model.add(layers.Dropout(0.1))
model.add(layers.Dense(num_classes))
model.add(layers.Activation('softmax'))

# compile the model
model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

# train the model
model.fit(x_train, y_train,
          batch_size=batch_size,
          epochs=epochs,
          verbose=1,
          validation_data=(x_test, y_test))

# next, compare with an equivalent network
# with2x bigger Dense layers and ReLU
