"""``torch.distributions``: the distributions that training programs use (REINFORCE's
``Categorical``, a VAE's ``Normal`` and ``kl_divergence``, ``Bernoulli``, ``Uniform``), with
PyTorch's parameterisations, shapes and formulas.

Every density, entropy and divergence is written with dlcore_eager's tensor operations, so
gradients flow to the parameters through the tape; ``rsample`` (Normal, Uniform) is
reparameterised (``loc + eps * scale``), ``sample`` draws without recording.  Draws come from
PyTorch's CPU stream (``_common.torch_draw``, ``multinomial``, ``bernoulli``, ``poisson``), as
torch's samplers make them: after ``torch.manual_seed(s)`` Normal, Uniform, Bernoulli,
Categorical, OneHotCategorical, Exponential, Laplace, Cauchy, Gumbel, LogNormal, Half*,
(LowRank)MultivariateNormal, Geometric, Relaxed*, ContinuousBernoulli, Poisson, Multinomial,
MixtureSameFamily, the transformed families, and through ATen's gamma and Dirichlet samplers
(``_torch_samplers``) Gamma, Chi2, StudentT, Beta, Dirichlet, NegativeBinomial, FisherSnedecor,
InverseGamma, and through ATen's binomial sampler (inversion / BTRS) Binomial, sample torch
2.13's numbers (bit for bit, or a few float32 ulps where log/exp differ).  VonMises,
LKJCholesky and Wishart draw from the same stream as torch's code does.
"""

from __future__ import annotations

from ._base import Bernoulli, Categorical, Distribution, Normal, Uniform
from .kl import kl_divergence, register_kl

__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal", "Uniform", "kl_divergence",
           "register_kl"]


# the long tail, by topic (they import this package's base classes, so they come last)
from . import constraints, kl_cross, kl_pairs, transforms, utils  # noqa: F401  (kl_*: KL across families)
from .constraint_registry import biject_to, transform_to
from .families import Binomial, Cauchy, Geometric, Gumbel, HalfCauchy, HalfNormal, Poisson, StudentT
from .gamma import Beta, Chi2, Dirichlet, Gamma
from .lkj_cholesky import LKJCholesky
from .multinomial import Multinomial, NegativeBinomial
from .relaxed import (
    ContinuousBernoulli,
    ExpRelaxedCategorical,
    LogitRelaxedBernoulli,
    LowRankMultivariateNormal,
    MixtureSameFamily,
    RelaxedBernoulli,
    RelaxedOneHotCategorical,
)
from .transformed import LogNormal, TransformedDistribution
from .transformed_families import FisherSnedecor, InverseGamma, Kumaraswamy, Pareto, Weibull
from .transforms import identity_transform
from .transforms_extra import (
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    LogisticNormal,
    OneHotCategoricalStraightThrough,
    ReshapeTransform,
    SoftplusTransform,
)
from .von_mises import VonMises
from .wishart import Wishart

for _name in ("CorrCholeskyTransform", "CumulativeDistributionTransform",  # (their home
              "ReshapeTransform",
              "SoftplusTransform"):                                  # in PyTorch)
    setattr(transforms, _name, globals()[_name])
    transforms.__all__.append(_name)
from .transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PowerTransform,
    SigmoidTransform,
    SoftmaxTransform,
    StickBreakingTransform,
    TanhTransform,
    Transform,
)

__all__ += ["Binomial", "Cauchy", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal", "Poisson",
            "StudentT"]
__all__ += ["ExpRelaxedCategorical", "LogitRelaxedBernoulli", "LowRankMultivariateNormal",
            "MixtureSameFamily", "RelaxedBernoulli", "RelaxedOneHotCategorical"]
__all__ += [
    "AbsTransform",
    "AffineTransform",
    "ComposeTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "Multinomial",
    "NegativeBinomial",
    "PowerTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "biject_to",
    "transform_to",
    "utils",
]
__all__ += ["Beta", "Chi2", "Dirichlet", "Gamma", "LogNormal", "TransformedDistribution",
            "constraints", "transforms"]
__all__ += ["ContinuousBernoulli"]
__all__ += ["FisherSnedecor", "InverseGamma", "Kumaraswamy", "Pareto", "Weibull"]
__all__ += ["CorrCholeskyTransform", "CumulativeDistributionTransform", "LogisticNormal",
            "OneHotCategoricalStraightThrough", "ReshapeTransform",
            "SoftplusTransform", "identity_transform"]
__all__ += ["LKJCholesky", "VonMises", "Wishart"]
