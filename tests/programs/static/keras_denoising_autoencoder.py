"""keras-team/keras examples/mnist_denoising_autoencoder.py (Keras 2.2 era), at a tiny scale and
on synthetic 8x8 "digits" (a bright bar per class) instead of MNIST: noise added with
np.random.normal(loc=0.5, scale=0.5) and clipped, an encoder of strided Conv2D layers + Flatten +
Dense (its shape read with K.int_shape), a decoder of Dense + Reshape + Conv2DTranspose layers
and a sigmoid Activation, the autoencoder as Model(inputs, decoder(encoder(inputs))), trained
with mse and Adam on (noisy, clean) pairs."""
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.layers import Activation, Dense, Input
from dlcore_static.keras.layers import Conv2D, Flatten
from dlcore_static.keras.layers import Reshape, Conv2DTranspose
from dlcore_static.keras.models import Model
from dlcore_static.keras import backend as K

np.random.seed(1337)
set_random_seed(1337)


def digits(n):
    x = np.zeros((n, 8, 8))
    for k, c in enumerate(np.random.randint(0, 4, n)):
        if c < 2:
            x[k, 2 + 3 * c, 1:7] = 1
        else:
            x[k, 1:7, 2 + 3 * (c - 2)] = 1
    return x


# MNIST-like dataset
x_train, x_test = digits(192), digits(48)

image_size = x_train.shape[1]
x_train = np.reshape(x_train, [-1, image_size, image_size, 1])
x_test = np.reshape(x_test, [-1, image_size, image_size, 1])
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')

# Generate corrupted MNIST images by adding noise with normal dist
# centered at 0.5 and std=0.5
noise = np.random.normal(loc=0.5, scale=0.5, size=x_train.shape)
x_train_noisy = x_train + noise
noise = np.random.normal(loc=0.5, scale=0.5, size=x_test.shape)
x_test_noisy = x_test + noise

x_train_noisy = np.clip(x_train_noisy, 0., 1.)
x_test_noisy = np.clip(x_test_noisy, 0., 1.)

# Network parameters
input_shape = (image_size, image_size, 1)
batch_size = 32
kernel_size = 3
latent_dim = 8
# Encoder/Decoder number of CNN layers and filters per layer
layer_filters = [4, 8]

# Build the Autoencoder Model
# First build the Encoder Model
inputs = Input(shape=input_shape, name='encoder_input')
x = inputs
# Stack of Conv2D blocks
# Notes:
# 1) Use Batch Normalization before ReLU on deep networks
# 2) Use MaxPooling2D as alternative to strides>1
# - faster but not as good as strides>1
for filters in layer_filters:
    x = Conv2D(filters=filters,
               kernel_size=kernel_size,
               strides=2,
               activation='relu',
               padding='same')(x)

# Shape info needed to build Decoder Model
shape = K.int_shape(x)

# Generate the latent vector
x = Flatten()(x)
latent = Dense(latent_dim, name='latent_vector')(x)

# Instantiate Encoder Model
encoder = Model(inputs, latent, name='encoder')
encoder.summary()

# Build the Decoder Model
latent_inputs = Input(shape=(latent_dim,), name='decoder_input')
x = Dense(shape[1] * shape[2] * shape[3])(latent_inputs)
x = Reshape((shape[1], shape[2], shape[3]))(x)

# Stack of Transposed Conv2D blocks
# Notes:
# 1) Use Batch Normalization before ReLU on deep networks
# 2) Use UpSampling2D as alternative to strides>1
# - faster but not as good as strides>1
for filters in layer_filters[::-1]:
    x = Conv2DTranspose(filters=filters,
                        kernel_size=kernel_size,
                        strides=2,
                        activation='relu',
                        padding='same')(x)

x = Conv2DTranspose(filters=1,
                    kernel_size=kernel_size,
                    padding='same')(x)

outputs = Activation('sigmoid', name='decoder_output')(x)

# Instantiate Decoder Model
decoder = Model(latent_inputs, outputs, name='decoder')
decoder.summary()

# Autoencoder = Encoder + Decoder
# Instantiate Autoencoder Model
autoencoder = Model(inputs, decoder(encoder(inputs)), name='autoencoder')
autoencoder.summary()

autoencoder.compile(loss='mse', optimizer='adam')

# Train the autoencoder
history = autoencoder.fit(x_train_noisy,
                          x_train,
                          validation_data=(x_test_noisy, x_test),
                          epochs=12,
                          batch_size=batch_size, verbose=0)
print('loss:', ' '.join('%.4f' % v for v in history.history['loss']))
print('val_loss:', ' '.join('%.4f' % v for v in history.history['val_loss']))

# Predict the Autoencoder output from corrupted test images
x_decoded = autoencoder.predict(x_test_noisy)
print('decoded:', x_decoded.shape)
print('mse noisy %.4f decoded %.4f' % (np.mean((x_test_noisy - x_test) ** 2),
                                       np.mean((x_decoded - x_test) ** 2)))
