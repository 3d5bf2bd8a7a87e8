"""keras.io "Variational AutoEncoder" (fchollet; Keras 3, examples/generative/vae.py) at a tiny
scale on synthetic 8x8 "digits" (noisy copies of a few binary prototypes) instead of MNIST:
a ``Sampling`` layer drawing with ``keras.random.normal(seed=SeedGenerator(1337))``, a
convolutional encoder and a transposed-convolution decoder, and a subclassed ``keras.Model``
with no ``call`` whose ``train_step`` computes the loss under ``tf.GradientTape``, applies the
gradients and updates three ``keras.metrics.Mean`` trackers listed in its ``metrics``
property.  The imports are keras.io's with ``keras`` -> ``dlcore_static.keras`` and
``tensorflow`` -> ``dlcore_static``."""

import numpy as np
import dlcore_static as tf
import dlcore_static.keras as keras
from dlcore_static.keras import ops
from dlcore_static.keras import layers


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


latent_dim = 2

encoder_inputs = keras.Input(shape=(8, 8, 1))
x = layers.Conv2D(8, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
x = layers.Conv2D(16, 3, activation="relu", strides=2, padding="same")(x)
x = layers.Flatten()(x)
x = layers.Dense(16, activation="relu")(x)
z_mean = layers.Dense(latent_dim, name="z_mean")(x)
z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
z = Sampling()([z_mean, z_log_var])
encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")
encoder.summary()

latent_inputs = keras.Input(shape=(latent_dim,))
x = layers.Dense(2 * 2 * 16, activation="relu")(latent_inputs)
x = layers.Reshape((2, 2, 16))(x)
x = layers.Conv2DTranspose(16, 3, activation="relu", strides=2, padding="same")(x)
x = layers.Conv2DTranspose(8, 3, activation="relu", strides=2, padding="same")(x)
decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")
decoder.summary()


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [
            self.total_loss_tracker,
            self.reconstruction_loss_tracker,
            self.kl_loss_tracker,
        ]

    def train_step(self, data):
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = ops.mean(
                ops.sum(
                    keras.losses.binary_crossentropy(data, reconstruction),
                    axis=(1, 2),
                )
            )
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {
            "loss": self.total_loss_tracker.result(),
            "reconstruction_loss": self.reconstruction_loss_tracker.result(),
            "kl_loss": self.kl_loss_tracker.result(),
        }


rng = np.random.default_rng(0)
protos = (rng.random((3, 8, 8, 1)) > 0.5).astype("float32")
digits = protos[rng.integers(0, 3, 192)]
mnist_digits = np.abs(digits - (rng.random(digits.shape) < 0.05)).astype("float32")

vae = VAE(encoder, decoder)
vae.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01))
history = vae.fit(mnist_digits, epochs=4, batch_size=48, verbose=2)
print("history keys:", sorted(history.history))
print("loss:", " ".join(f"{v:.4f}" for v in history.history["loss"]))

z_mean_test, _, _ = vae.encoder.predict(mnist_digits[:16], verbose=0)
x_decoded = vae.decoder.predict(z_mean_test, verbose=0)
print("z_mean", z_mean_test.shape, "decoded", x_decoded.shape)
