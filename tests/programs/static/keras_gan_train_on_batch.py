"""The GAN of "Deep Learning with Python" (1st edition, 8.5), at toy size: a generator
(Dense -> LeakyReLU -> Reshape -> Conv2DTranspose -> Conv2D tanh) and a discriminator
(Conv2D -> LeakyReLU -> Flatten -> Dropout -> Dense sigmoid) compiled with RMSprop(clipvalue=1.0,
decay=1e-8); the gan model stacks them with discriminator.trainable = False before its compile;
the loop alternates discriminator.train_on_batch on real and generated images (labels with
noise) and gan.train_on_batch on misleading targets.  Real images: 8x8 bright squares."""
import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers

np.random.seed(0)
keras.utils.set_random_seed(0)
latent_dim, height, width, channels = 4, 8, 8, 1

generator_input = keras.Input(shape=(latent_dim,))
x = layers.Dense(8 * 4 * 4)(generator_input)
x = layers.LeakyReLU()(x)
x = layers.Reshape((4, 4, 8))(x)
x = layers.Conv2DTranspose(8, 4, strides=2, padding="same")(x)
x = layers.LeakyReLU()(x)
x = layers.Conv2D(channels, 3, activation="tanh", padding="same")(x)
generator = keras.models.Model(generator_input, x)

discriminator_input = layers.Input(shape=(height, width, channels))
x = layers.Conv2D(8, 3)(discriminator_input)
x = layers.LeakyReLU()(x)
x = layers.Flatten()(x)
x = layers.Dropout(0.4)(x)
x = layers.Dense(1, activation="sigmoid")(x)
discriminator = keras.models.Model(discriminator_input, x)
discriminator_optimizer = keras.optimizers.RMSprop(lr=0.008, clipvalue=1.0, decay=1e-8)
discriminator.compile(optimizer=discriminator_optimizer, loss="binary_crossentropy")

discriminator.trainable = False
gan_input = keras.Input(shape=(latent_dim,))
gan_output = discriminator(generator(gan_input))
gan = keras.models.Model(gan_input, gan_output)
gan_optimizer = keras.optimizers.RMSprop(lr=0.004, clipvalue=1.0, decay=1e-8)
gan.compile(optimizer=gan_optimizer, loss="binary_crossentropy")
print("gan trainable weights", len(gan.trainable_weights),
      "discriminator trainable weights", len(discriminator.trainable_weights))

rs = np.random.RandomState(0)
x_train = -np.ones((64, height, width, channels), "float32")
for i in range(64):
    r, c = rs.randint(0, 5, 2)
    x_train[i, r:r + 4, c:c + 4] = 1.0

iterations, batch_size, start = 30, 16, 0
d_w0 = [w.copy() for w in discriminator.get_weights()]
for step in range(iterations):
    random_latent_vectors = np.random.normal(size=(batch_size, latent_dim))
    generated_images = generator.predict(random_latent_vectors)
    stop = start + batch_size
    real_images = x_train[start:stop]
    combined_images = np.concatenate([generated_images, real_images])
    labels = np.concatenate([np.ones((batch_size, 1)), np.zeros((batch_size, 1))])
    labels += 0.05 * np.random.random(labels.shape)
    d_loss = discriminator.train_on_batch(combined_images, labels)
    random_latent_vectors = np.random.normal(size=(batch_size, latent_dim))
    misleading_targets = np.zeros((batch_size, 1))
    d_before_gan = [w.copy() for w in discriminator.get_weights()]
    a_loss = gan.train_on_batch(random_latent_vectors, misleading_targets)
    d_after_gan = discriminator.get_weights()
    start += batch_size
    if start > len(x_train) - batch_size:
        start = 0
    if step % 10 == 0:
        print("step", step, "discriminator loss: %.4f" % d_loss,
              "adversarial loss: %.4f" % a_loss)
print("gan step left the discriminator unchanged",
      all(np.array_equal(a, b) for a, b in zip(d_before_gan, d_after_gan)))
print("discriminator trained", any(not np.array_equal(a, b) for a, b in
                                   zip(d_w0, discriminator.get_weights())))
print("generated images", generated_images.shape, float(generated_images.min()) >= -1.0)
