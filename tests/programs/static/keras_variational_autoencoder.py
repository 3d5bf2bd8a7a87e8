"""keras-team/keras examples/variational_autoencoder.py (Keras 2.2 era), at a tiny scale and on
synthetic binary "images" (noisy copies of a few prototypes) instead of MNIST: an encoder model
giving z_mean, z_log_var and z (a Lambda layer sampling with K.random_normal: the
reparameterization trick), a decoder model, the VAE as decoder(encoder(inputs)[2]), its loss
(binary_crossentropy * original_dim + KL) attached with vae.add_loss, compile without a loss,
fit(x_train, validation_data=(x_test, None)), and save_weights."""
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import os
import sys

import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.layers import Lambda, Input, Dense
from dlcore_static.keras.models import Model
from dlcore_static.keras.losses import mse, binary_crossentropy
from dlcore_static.keras import backend as K

outdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp"


# reparameterization trick
# instead of sampling from Q(z|X), sample eps = N(0,I)
# z = z_mean + sqrt(var)*eps
def sampling(args):
    """Reparameterization trick by sampling fr an isotropic unit Gaussian.

    # Arguments
        args (tensor): mean and log of variance of Q(z|X)

    # Returns
        z (tensor): sampled latent vector
    """

    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    # by default, random_normal has mean=0 and std=1.0
    epsilon = K.random_normal(shape=(batch, dim))
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


np.random.seed(6)
set_random_seed(6)
protos = (np.random.rand(3, 36) > 0.5).astype('float32')
def make(n):
    x = protos[np.random.randint(0, 3, n)]
    flip = np.random.rand(n, 36) < 0.05
    return np.where(flip, 1 - x, x).astype('float32')
x_train, x_test = make(240), make(60)

original_dim = 36
input_shape = (original_dim, )
intermediate_dim = 16
batch_size = 32
latent_dim = 2
epochs = 12

# VAE model = encoder + decoder
# build encoder model
inputs = Input(shape=input_shape, name='encoder_input')
x = Dense(intermediate_dim, activation='relu')(inputs)
z_mean = Dense(latent_dim, name='z_mean')(x)
z_log_var = Dense(latent_dim, name='z_log_var')(x)

# use reparameterization trick to push the sampling out as input
# note that "output_shape" isn't necessary with the TensorFlow backend
z = Lambda(sampling, output_shape=(latent_dim,), name='z')([z_mean, z_log_var])

# instantiate encoder model
encoder = Model(inputs, [z_mean, z_log_var, z], name='encoder')
encoder.summary()

# build decoder model
latent_inputs = Input(shape=(latent_dim,), name='z_sampling')
x = Dense(intermediate_dim, activation='relu')(latent_inputs)
outputs = Dense(original_dim, activation='sigmoid')(x)

# instantiate decoder model
decoder = Model(latent_inputs, outputs, name='decoder')
decoder.summary()

# instantiate VAE model
outputs = decoder(encoder(inputs)[2])
vae = Model(inputs, outputs, name='vae_mlp')

models = (encoder, decoder)
use_mse = False

# VAE loss = mse_loss or xent_loss + kl_loss
if use_mse:
    reconstruction_loss = mse(inputs, outputs)
else:
    reconstruction_loss = binary_crossentropy(inputs,
                                              outputs)

reconstruction_loss *= original_dim
kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
kl_loss = K.sum(kl_loss, axis=-1)
kl_loss *= -0.5
vae_loss = K.mean(reconstruction_loss + kl_loss)
vae.add_loss(vae_loss)
vae.compile(optimizer='adam')
vae.summary()

# train the autoencoder
history = vae.fit(x_train,
                  epochs=epochs,
                  batch_size=batch_size,
                  validation_data=(x_test, None), verbose=0)
vae.save_weights(os.path.join(outdir, 'vae_mlp.h5'))
print('loss:', ' '.join('%.4f' % v for v in history.history['loss']))
print('val_loss:', ' '.join('%.4f' % v for v in history.history['val_loss']))

z_mean_test, z_log_var_test, _ = encoder.predict(x_test, batch_size=batch_size)
print('z_mean shape:', z_mean_test.shape)
x_decoded = decoder.predict(z_mean_test)
print('reconstruction error (rounded): %.4f' % (np.round(x_decoded) != x_test).mean())
