'''This is a reproduction of the IRNN experiment with pixel-by-pixel sequential MNIST in
"A Simple Way to Initialize Recurrent Networks of Rectified Linear Units" by Quoc V. Le,
Navdeep Jaitly, Geoffrey E. Hinton (keras-team/keras examples/mnist_irnn.py, Keras 2), as
written, at a tiny scale: synthetic 4x4 "digits" read pixel by pixel (16 steps), 16 hidden
units, 4 classes, 3 epochs, and a learning rate of 1e-3 instead of 1e-6 (the paper's 900
epochs are out of reach).  The SimpleRNN's recurrent kernel starts as the identity.
'''

from __future__ import print_function

import numpy as np
import dlcore_static.keras as keras
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense, Activation
from dlcore_static.keras.layers import SimpleRNN
from dlcore_static.keras import initializers
from dlcore_static.keras.optimizers import RMSprop

np.random.seed(8)
batch_size = 32
num_classes = 4
epochs = 3
hidden_units = 16

learning_rate = 1e-3
clip_norm = 1.0

# the data, split between train and test sets
protos = np.random.randint(0, 256, (num_classes, 4, 4))
y_train, y_test = np.random.randint(0, num_classes, 192), np.random.randint(0, num_classes, 64)
x_train = np.clip(protos[y_train] + np.random.randint(-60, 60, (192, 4, 4)), 0, 255)
x_test = np.clip(protos[y_test] + np.random.randint(-60, 60, (64, 4, 4)), 0, 255)

x_train = x_train.reshape(x_train.shape[0], -1, 1)
x_test = x_test.reshape(x_test.shape[0], -1, 1)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print('x_train shape:', x_train.shape)
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

print('Evaluate IRNN...')
model = Sequential()
model.add(SimpleRNN(hidden_units,
                    kernel_initializer=initializers.RandomNormal(stddev=0.001),
                    recurrent_initializer=initializers.Identity(gain=1.0),
                    activation='relu',
                    input_shape=x_train.shape[1:]))
model.add(Dense(num_classes))
model.add(Activation('softmax'))
rmsprop = RMSprop(lr=learning_rate)
model.compile(loss='categorical_crossentropy',
              optimizer=rmsprop,
              metrics=['accuracy'])

model.fit(x_train, y_train,
          batch_size=batch_size,
          epochs=epochs,
          verbose=1,
          validation_data=(x_test, y_test))

scores = model.evaluate(x_test, y_test, verbose=0)
print('IRNN test score:', scores[0])
print('IRNN test accuracy:', scores[1])
