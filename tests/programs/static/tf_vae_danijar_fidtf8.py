"""danijar's "Building Variational Auto-Encoders in TensorFlow" (TF1, tf.contrib.distributions):
a MultivariateNormalDiag posterior from tf.make_template encoders, a standard-normal prior,
an Independent(Bernoulli) decoder, ELBO = E[log p(x|z)] - KL(q || p), trained with Adam on
binary vectors instead of MNIST.  Only ``import tensorflow as tf`` -> ``import dlcore_static as
tf`` changed."""

import numpy as np

import dlcore_static as tf

tfd = tf.contrib.distributions


def make_encoder(data, code_size):
    x = tf.layers.flatten(data)
    x = tf.layers.dense(x, 32, tf.nn.relu)
    loc = tf.layers.dense(x, code_size)
    scale = tf.layers.dense(x, code_size, tf.nn.softplus)
    return tfd.MultivariateNormalDiag(loc, scale)


def make_prior(code_size):
    loc = tf.zeros(code_size)
    scale = tf.ones(code_size)
    return tfd.MultivariateNormalDiag(loc, scale)


def make_decoder(code, data_shape):
    x = code
    x = tf.layers.dense(x, 32, tf.nn.relu)
    logit = tf.layers.dense(x, np.prod(data_shape))
    logit = tf.reshape(logit, [-1] + data_shape)
    return tfd.Independent(tfd.Bernoulli(logit), 1)


tf.set_random_seed(0)
make_encoder = tf.make_template('encoder', make_encoder)
make_decoder = tf.make_template('decoder', make_decoder)

data = tf.placeholder(tf.float32, [None, 16])
prior = make_prior(code_size=2)
posterior = make_encoder(data, code_size=2)
code = posterior.sample()

likelihood = make_decoder(code, [16]).log_prob(data)
divergence = tfd.kl_divergence(posterior, prior)
elbo = tf.reduce_mean(likelihood - divergence)
optimize = tf.train.AdamOptimizer(0.01).minimize(-elbo)

samples = make_decoder(prior.sample(5), [16]).mean()

rng = np.random.RandomState(0)
patterns = (rng.rand(4, 16) > 0.5).astype(np.float32)           # 4 prototypes, noisy copies
images = patterns[rng.randint(0, 4, 128)]
images = np.abs(images - (rng.rand(128, 16) < 0.05)).astype(np.float32)

elbos = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(80):
        test_elbo, _ = sess.run([elbo, optimize], {data: images})
        elbos.append(test_elbo)
        if epoch % 20 == 0:
            print('Epoch', epoch, 'elbo', test_elbo)
    check = sess.run({"elbo": elbo, "loc": posterior.loc, "scale": posterior.scale_diag,
                      "code": code, "logits": make_decoder(code, [16]).distribution.logits,
                      "likelihood": likelihood, "kl": divergence}, {data: images[:8]})
    generated = sess.run(samples)
print('variables', sorted(v.name for v in tf.trainable_variables())[:3])
print('samples', generated.shape)
