"""``tf.contrib.distributions`` (TensorFlow 1.15): the ``tf.distributions`` classes plus
``MultivariateNormalDiag`` and ``Independent`` (``dlcore_static/distributions/``)."""

from __future__ import annotations

from ..distributions import (
           FULLY_REPARAMETERIZED,
           NOT_REPARAMETERIZED,
           Bernoulli,
           Beta,
           Categorical,
           Dirichlet,
           DirichletMultinomial,
           Distribution,
           Exponential,
           Gamma,
           Laplace,
           Multinomial,
           Normal,
           RegisterKL,
           ReparameterizationType,
           StudentT,
           Uniform,
           kl_divergence,
)
from ..distributions.mvn import Independent, MultivariateNormalDiag

__all__ = ["FULLY_REPARAMETERIZED", "NOT_REPARAMETERIZED", "Bernoulli", "Beta", "Categorical",
           "Dirichlet", "DirichletMultinomial", "Distribution", "Exponential", "Gamma", "Independent", "Laplace",
           "Multinomial", "MultivariateNormalDiag", "Normal", "RegisterKL",
           "ReparameterizationType", "StudentT", "Uniform", "kl_divergence"]
