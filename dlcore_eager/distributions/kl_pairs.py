"""KL divergences between different families, as PyTorch 2.13's registry has them:

* infinite where p has mass outside q's support (``kl_divergence(Normal(0, 1), Gamma(1, 1))``
  is ``inf``, PyTorch's ``_infinite_like(p.loc)``: a tensor of p's batch shape), in PyTorch's
  list of pairs;
* ``Wishart || Wishart`` in closed form (PyTorch reaches it through its exponential-family
  Bregman divergence; the same value):
  KL = nq/2 (logdet Sq - logdet Sp) + np/2 (tr(Sq^-1 Sp) - d) + lmvgamma_d(nq/2)
       - lmvgamma_d(np/2) + (np - nq)/2 mvdigamma_d(np/2).
* ``LowRankMultivariateNormal`` with ``MultivariateNormal`` (either order) and with itself:
  the Gaussian KL of the full covariances (a LowRankMultivariateNormal holds the Cholesky
  factor of W W^T + D); PyTorch's Woodbury-identity forms give the same value.
"""

from __future__ import annotations

import math

from ..tensor import Tensor
from ._base import Bernoulli, Normal, Uniform
from .families import Binomial, Gumbel, Poisson
from .gamma import Beta, Gamma
from .kl import register_kl
from .more import Exponential, Laplace, MultivariateNormal, _kl_mvn_mvn
from .relaxed import ContinuousBernoulli, LowRankMultivariateNormal
from .transformed_families import Pareto
from .wishart import Wishart, _mvdigamma


def _infinite(param: str):
    def kl(p, q) -> Tensor:
        from ..creation import full_like
        return full_like(getattr(p, param), math.inf)
    return kl


_BOUNDED = (Beta, ContinuousBernoulli, Pareto, Uniform)   # supports inside [0, 1] or [a, b]
_INFINITE = [
    ((Beta,), (Pareto,), "concentration1"),
    ((ContinuousBernoulli,), (Pareto,), "probs"),
    ((Exponential,), _BOUNDED, "rate"),
    ((Gamma,), _BOUNDED, "concentration"),
    ((Gumbel, Laplace, Normal), (*_BOUNDED, Exponential, Gamma), "loc"),
    ((Pareto,), (Beta, ContinuousBernoulli, Uniform), "scale"),
    ((Poisson,), (Bernoulli, Binomial), "rate"),
]
for _ps, _qs, _param in _INFINITE:
    for _p in _ps:
        for _q in _qs:
            register_kl(_p, _q)(_infinite(_param))


@register_kl(Wishart, Wishart)
def _kl_wishart_wishart(p, q) -> Tensor:
    from .. import linalg
    from ..special import multigammaln
    d = p.event_shape[-1]
    if q.event_shape != p.event_shape:
        raise ValueError("KL-divergence between two Wisharts with different event shapes "
                         "cannot be computed")
    lp, lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    logdet_p = 2 * lp.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    logdet_q = 2 * lq.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    trace = linalg.solve_triangular(lq, lp, upper=False).pow(2).sum((-2, -1))
    nu_p, nu_q = p.df, q.df
    return (nu_q / 2 * (logdet_q - logdet_p) + nu_p / 2 * (trace - d)
            + multigammaln(nu_q / 2, d) - multigammaln(nu_p / 2, d)
            + (nu_p - nu_q) / 2 * _mvdigamma(nu_p / 2, d))


#: PyTorch 2.13's message, with the spaces of its source's line continuation
_EVENT_SHAPES = ("KL-divergence between two {}Multivariate Normals with" + " " * 26
                 + "different event shapes cannot be computed")


def _low_rank(both: bool):
    def kl(p, q) -> Tensor:
        if p.event_shape != q.event_shape:
            raise ValueError(_EVENT_SHAPES.format("Low Rank " if both else "(Low Rank) "))
        full = [d._mvn if isinstance(d, LowRankMultivariateNormal) else d for d in (p, q)]
        return _kl_mvn_mvn(*full)
    return kl


register_kl(LowRankMultivariateNormal, MultivariateNormal)(_low_rank(False))
register_kl(MultivariateNormal, LowRankMultivariateNormal)(_low_rank(False))
register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)(_low_rank(True))
