'''Trains a simple convnet on the MNIST dataset (keras-team/keras examples/mnist_cnn.py, Keras 2),
as written, at a tiny scale: synthetic 10x10 "digits" instead of mnist.load_data(), 8 and 16
filters, a 32-unit dense layer, 3 epochs.
'''

from __future__ import print_function
import numpy as np
import dlcore_static.keras as keras
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense, Dropout, Flatten
from dlcore_static.keras.layers import Conv2D, MaxPooling2D
from dlcore_static.keras import backend as K

np.random.seed(4)
batch_size = 32
num_classes = 4
epochs = 3

# input image dimensions
img_rows, img_cols = 10, 10

# the data, split between train and test sets
protos = np.random.randint(0, 256, (num_classes, img_rows, img_cols))
y_train, y_test = np.random.randint(0, num_classes, 256), np.random.randint(0, num_classes, 64)
x_train = np.clip(protos[y_train] + np.random.randint(-80, 80, (256, 10, 10)), 0, 255)
x_test = np.clip(protos[y_test] + np.random.randint(-80, 80, (64, 10, 10)), 0, 255)

if K.image_data_format() == 'channels_first':
    x_train = x_train.reshape(x_train.shape[0], 1, img_rows, img_cols)
    x_test = x_test.reshape(x_test.shape[0], 1, img_rows, img_cols)
    input_shape = (1, img_rows, img_cols)
else:
    x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
    x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1)
    input_shape = (img_rows, img_cols, 1)

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

model = Sequential()
model.add(Conv2D(8, kernel_size=(3, 3),
                 activation='relu',
                 input_shape=input_shape))
model.add(Conv2D(16, (3, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(32, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(num_classes, activation='softmax'))

model.compile(loss=keras.losses.categorical_crossentropy,
              optimizer=keras.optimizers.Adadelta(),
              metrics=['accuracy'])

model.fit(x_train, y_train,
          batch_size=batch_size,
          epochs=epochs,
          verbose=1,
          validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', score[0])
print('Test accuracy:', score[1])
