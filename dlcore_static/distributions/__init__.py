"""``tf.distributions`` (TensorFlow 1.15) and the same classes under
``tf.contrib.distributions`` (with ``MultivariateNormalDiag`` and ``Independent``).

    import dlcore_static as tf
    pi = tf.distributions.Categorical(logits=logits)
    action = pi.sample(seed=1)                        # int32, batch-shaped
    loss = -tf.reduce_mean(pi.log_prob(actions) * returns)

Every method builds graph ops from dlcore's primitives (``distribution.py`` explains shapes and
names); Normal, Uniform, Beta, Gamma, Exponential, Dirichlet, Laplace, StudentT and
MultivariateNormalDiag samples are reparameterized, so gradients flow through ``sample`` to
their parameters.  KL divergences are looked up in a registry
(``RegisterKL``) by the pair of classes, as TF's ``kl_divergence``.
"""

from __future__ import annotations

from .continuous import Beta, Normal, Uniform
from .dirichlet_multinomial import DirichletMultinomial
from .discrete import Bernoulli, Categorical, Multinomial
from .distribution import (
           FULLY_REPARAMETERIZED,
           NOT_REPARAMETERIZED,
           Distribution,
           RegisterKL,
           ReparameterizationType,
           kl_divergence,
)
from .gamma import Dirichlet, Exponential, Gamma
from .laplace_t import Laplace, StudentT
from .mvn import Independent, MultivariateNormalDiag  # noqa: F401 - tf.contrib.distributions'

__all__ = ["FULLY_REPARAMETERIZED", "NOT_REPARAMETERIZED", "Bernoulli", "Beta", "Categorical",
           "Dirichlet", "DirichletMultinomial", "Distribution", "Exponential", "Gamma", "Laplace", "Multinomial",
           "Normal", "RegisterKL", "ReparameterizationType", "StudentT", "Uniform",
           "kl_divergence"]
