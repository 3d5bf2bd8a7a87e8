"""``MixtureSameFamily``, the Gumbel-softmax relaxations (``RelaxedBernoulli``,
``RelaxedOneHotCategorical`` and their logit-space bases ``LogitRelaxedBernoulli``,
``ExpRelaxedCategorical``) and ``LowRankMultivariateNormal`` (PyTorch's formulas)::

    MixtureSameFamily:  log p(x) = logsumexp_k(log pi_k + log p_k(x)),
                        mean = sum pi_k mu_k,  var = sum pi_k var_k + sum pi_k (mu_k - mean)^2
    LogitRelaxedBernoulli(t, l):  y = (logit u + l) / t,
                        log p(y) = log t + (l - t y) - 2 log1p(exp(l - t y))
    ExpRelaxedCategorical(t, l):  y = log_softmax((l + g) / t),  g ~ Gumbel(0, 1),
                        log p(y) = lgamma(K) + (K-1) log t + sum(s - logsumexp s), s = l - t y
    Relaxed* = the above through sigmoid / exp (so on the unit interval / simplex)
    LowRankMultivariateNormal(mu, W, D): N(mu, W W^T + diag D);  rsample = mu + W e1 + sqrt(D) e2
    ContinuousBernoulli(p):  log p(x) = x log p + (1-x) log(1-p) + log C(p),
                        C(p) = 2 atanh(1 - 2p) / (1 - 2p) (a Taylor series near p = 1/2)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import constraints as C
from ._base import Categorical, Distribution, _clamp_probs, _t
from ._common import ConstrainedDistribution, diag_embed, torch_draw
from .kl import register_kl
from .more import MultivariateNormal
from .transformed import TransformedDistribution
from .transforms import ExpTransform, SigmoidTransform

__all__ = ["ContinuousBernoulli", "ExpRelaxedCategorical", "LogitRelaxedBernoulli", "LowRankMultivariateNormal",
           "MixtureSameFamily", "RelaxedBernoulli", "RelaxedOneHotCategorical"]


# ----------------------------------------------------------------------------- mixture
class MixtureSameFamily(Distribution):
    """A mixture whose weights are ``mixture_distribution`` (a Categorical over the last batch
    dimension of ``component_distribution``)."""

    arg_constraints: dict = {}  # noqa: RUF012
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(" The Mixture distribution needs to be an  instance of "  # noqa: TRY004
                             "torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution need to be an instance of "  # noqa: TRY004
                             "torch.distributions.Distribution")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        mdbs = tuple(mixture_distribution.batch_shape)
        cdbs = tuple(component_distribution.batch_shape)[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mdbs}) is not "
                                 f"compatible with `component_distribution.batch_shape`"
                                 f"({cdbs})")
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(f"`mixture_distribution component` ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._num_component = km
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(cdbs, component_distribution.event_shape, validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = tuple(batch_shape)
        new = super().expand(batch_shape, _instance)
        new._component_distribution = self._component_distribution.expand(
            batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        return new

    @property
    def mixture_distribution(self):
        return self._mixture_distribution

    @property
    def component_distribution(self):
        return self._component_distribution

    @property
    def support(self):
        return C.MixtureSameFamilyConstraint(self._component_distribution.support)

    def _pad(self, x):
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x):
        dist_batch_ndims = len(self._batch_shape)
        cat_batch_ndims = len(self._mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        xs = tuple(x.shape)
        return x.reshape(*xs[:-1], *([1] * pad_ndims), xs[-1], *([1] * self._event_ndims))

    @property
    def mean(self):
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        return (probs * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self):
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        comp = self._component_distribution
        d = -1 - self._event_ndims
        mean_cond_var = (probs * comp.variance).sum(d)
        var_cond_mean = (probs * (comp.mean - self._pad(self.mean)).pow(2)).sum(d)
        return mean_cond_var + var_cond_mean

    def cdf(self, x):
        x = self._pad(_t(x))
        cdf_x = self._component_distribution.cdf(x)
        return (cdf_x * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, x):
        x = self._pad(_t(x))
        log_prob_x = self._component_distribution.log_prob(x)
        log_mix_prob = self._mixture_distribution.logits.log_softmax(-1)
        return (log_prob_x + log_mix_prob).logsumexp(-1)

    def sample(self, sample_shape=()):
        from ._base import _no_record
        with _no_record():
            sample_shape = tuple(sample_shape)
            gather_dim = len(sample_shape) + len(self._batch_shape)
            es = tuple(self._event_shape)
            mix_sample = self._mixture_distribution.sample(sample_shape)
            mix_shape = tuple(mix_sample.shape)
            comp_samples = self._component_distribution.sample(sample_shape)
            idx = mix_sample.reshape(*mix_shape, *([1] * (len(es) + 1)))
            idx = idx.expand(*mix_shape, 1, *es) if es else idx
            comp_shape = tuple(comp_samples.shape)
            if tuple(idx.shape[:gather_dim]) != comp_shape[:gather_dim]:
                idx = idx.expand(*comp_shape[:gather_dim], 1, *es)
            return comp_samples.gather(gather_dim, idx).squeeze(gather_dim)

    def __repr__(self) -> str:
        return (f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  "
                f"{self._component_distribution!r})")


# ----------------------------------------------------------------------------- relaxed
class LogitRelaxedBernoulli(ConstrainedDistribution):
    """The logit of a RelaxedBernoulli draw."""

    arg_constraints = {"probs": C.unit_interval, "logits": C.real}  # noqa: RUF012
    support = C.real
    has_rsample = True
    probs: Tensor
    logits: Tensor

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        from .families import _probs_logits
        self._param = _probs_logits(self, probs, logits)
        self.temperature = _t(temperature, self._param)
        super().__init__(self._param.shape, (), validate_args)
        if probs is not None:
            self._validate_params()

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        probs = _clamp_probs(self.probs.expand(*shape))
        u = _clamp_probs(torch_draw(shape, self.probs, "uniform"))    # torch.rand
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value):
        value = _t(value, self.logits)
        self._validate_sample(value)
        diff = self.logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class _RelaxedParams:
    """``temperature``, ``logits`` and ``probs`` read from the relaxed base distribution."""

    base_dist: Any                      # set by TransformedDistribution.__init__

    @property
    def temperature(self):
        return self.base_dist.temperature

    @property
    def logits(self):
        return self.base_dist.logits

    @property
    def probs(self):
        return self.base_dist.probs


class RelaxedBernoulli(_RelaxedParams, TransformedDistribution):
    """``sigmoid`` of a LogitRelaxedBernoulli draw: a differentiable Bernoulli surrogate."""

    arg_constraints = {"probs": C.unit_interval, "logits": C.real}  # noqa: RUF012
    support = C.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = LogitRelaxedBernoulli(temperature, probs, logits, validate_args)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)


class ExpRelaxedCategorical(ConstrainedDistribution):
    """The log of a RelaxedOneHotCategorical draw (event shape ``(K,)``)."""

    arg_constraints = {"probs": C.simplex, "logits": C.real_vector}  # noqa: RUF012
    support = C.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args)
        self.temperature = _t(temperature, self._categorical.logits)
        shape = tuple(self._categorical.param_shape)
        super().__init__(shape[:-1], shape[-1:], validate_args)

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def probs(self):
        return self._categorical.probs

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        k = self._event_shape[0]
        new._categorical = self._categorical.expand(tuple(batch_shape))
        new._categorical._num_events = k
        return new

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = _clamp_probs(torch_draw(shape, self.logits, "uniform"))
        gumbels = -((-(u.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(-1, keepdim=True)

    def log_prob(self, value):
        value = _t(value, self.logits)
        self._validate_sample(value)
        K = self._categorical._num_events
        from ..creation import full_like
        log_scale = full_like(self.temperature, float(K)).lgamma() \
            - self.temperature.log() * (-(K - 1))
        score = self.logits - value * self.temperature
        score = (score - score.logsumexp(-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(_RelaxedParams, TransformedDistribution):
    """``exp`` of an ExpRelaxedCategorical draw (Gumbel-softmax on the simplex)."""

    arg_constraints = {"probs": C.simplex, "logits": C.real_vector}  # noqa: RUF012
    support = C.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)


# ----------------------------------------------------------------------------- low rank
class LowRankMultivariateNormal(Distribution):
    """``N(loc, cov_factor cov_factor^T + diag(cov_diag))``."""

    arg_constraints = {"loc": C.real_vector,  # noqa: RUF012
                       "cov_factor": C.independent(C.real, 2),
                       "cov_diag": C.independent(C.positive, 1)}
    support = C.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        from .. import linalg
        loc, cov_factor, cov_diag = _t(loc), _t(cov_factor), _t(cov_diag)
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        n = loc.shape[-1]
        if cov_factor.dim() < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional "
                             "leading batch dimensions")
        if tuple(cov_factor.shape[-2:-1]) != (n,):
            raise ValueError(f"cov_factor must be a batch of matrices with shape {n} x m")
        if tuple(cov_diag.shape[-1:]) != (n,):
            raise ValueError(f"cov_diag must be a batch of vectors with shape {(n,)}")
        batch = tuple(np.broadcast_shapes(tuple(loc.shape[:-1]),
                                          tuple(cov_factor.shape[:-2]),
                                          tuple(cov_diag.shape[:-1])))
        m = cov_factor.shape[-1]
        self.loc = loc.expand(*batch, n)
        self.cov_factor = cov_factor.expand(*batch, n, m)
        self.cov_diag = cov_diag.expand(*batch, n)
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        cov = cov_factor @ cov_factor.transpose(-1, -2) + diag_embed(cov_diag)
        self._mvn = MultivariateNormal(self.loc, scale_tril=linalg.cholesky(cov),
                                       validate_args=False)
        super().__init__(batch, (n,), validate_args)
        if self._validate_args:
            from ._base import _np
            self._check_param("cov_diag", _np(C.positive.check(cov_diag)),
                              repr(self.arg_constraints["cov_diag"]))

    def expand(self, batch_shape, _instance=None):
        batch_shape = tuple(batch_shape)
        n = self._event_shape[0]
        m = self.cov_factor.shape[-1]
        return LowRankMultivariateNormal(self.loc.expand(*batch_shape, n),
                                         self.cov_factor.expand(*batch_shape, n, m),
                                         self.cov_diag.expand(*batch_shape, n),
                                         validate_args=False)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return (self._unbroadcasted_cov_factor.pow(2).sum(-1)
                + self._unbroadcasted_cov_diag).expand(*self._batch_shape, *self._event_shape)

    @property
    def covariance_matrix(self):
        return self._mvn.covariance_matrix

    @property
    def scale_tril(self):
        return self._mvn.scale_tril

    @property
    def precision_matrix(self):
        return self._mvn.precision_matrix

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        w_shape = shape[:-1] + tuple(self.cov_factor.shape[-1:])
        eps_w = torch_draw(w_shape, self.loc, "normal")
        eps_d = torch_draw(shape, self.loc, "normal")
        Wx = (self._unbroadcasted_cov_factor @ eps_w.unsqueeze(-1)).squeeze(-1)
        return self.loc + Wx + self._unbroadcasted_cov_diag.sqrt() * eps_d

    def log_prob(self, value):
        return self._mvn.log_prob(value)

    def entropy(self):
        return self._mvn.entropy()

    def __repr__(self) -> str:
        return (f"LowRankMultivariateNormal(loc: {self.loc.size()}, cov_factor: "
                f"{self.cov_factor.size()}, cov_diag: {self.cov_diag.size()})")


# ----------------------------------------------------------------------------- CB
class ContinuousBernoulli(ConstrainedDistribution):
    """The continuous Bernoulli on [0, 1] (density ``C(p) p^x (1-p)^(1-x)``), PyTorch's
    formulas: the normaliser, mean and variance by their Taylor series where ``p`` is within
    ``lims`` of 1/2; ``rsample`` = ``icdf(u)``."""

    arg_constraints = {"probs": C.unit_interval, "logits": C.real}  # noqa: RUF012
    support = C.unit_interval
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        from ._base import _np
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            p = _t(probs)
            if validate_args is not None and not np.all(_np(C.unit_interval.check(p))):
                raise ValueError("The parameter probs has invalid values")
            self.probs = _clamp_probs(p)
            q = _clamp_probs(self.probs)
            self.logits = q.log() - (-q).log1p()
            self._param = self.probs
        else:
            self.logits = _t(logits)
            self.probs = _clamp_probs(self.logits.sigmoid())
            self._param = self.logits
        self._lims = lims
        super().__init__(self._param.shape, (), validate_args)

    def _outside_unstable_region(self):
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self):
        return self.probs.where(self._outside_unstable_region(),
                                self.probs.detach() * 0 + self._lims[0])

    def _cont_bern_log_norm(self):
        cut = self._cut_probs()
        below = cut.where(cut <= 0.5, cut * 0)
        above = cut.where(cut >= 0.5, cut * 0 + 1)
        log_norm = ((-cut).log1p() - cut.log()).abs().log() - \
            (-2.0 * below).log1p().where(cut <= 0.5, (2.0 * above - 1.0).log())
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return log_norm.where(self._outside_unstable_region(), taylor)

    @property
    def mean(self):
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return mus.where(self._outside_unstable_region(), taylor)

    @property
    def variance(self):
        cut = self._cut_probs()
        vs = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + \
            1.0 / ((-cut).log1p() - cut.log()).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return vs.where(self._outside_unstable_region(), taylor)

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=()):
        from ._base import _no_record
        with _no_record():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = torch_draw(shape, self.probs, "uniform")
        return self.icdf(u)

    def log_prob(self, value):
        from ..nn import functional as F
        value = _t(value, self.logits)
        self._validate_sample(value)
        shape = np.broadcast_shapes(tuple(self.logits.shape), tuple(value.shape))
        logits, value = self.logits.expand(*shape), value.expand(*shape)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none") + \
            self._cont_bern_log_norm()

    def cdf(self, value):
        value = _t(value, self.probs)
        self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = cdfs.where(self._outside_unstable_region(), value)
        return (value * 0).where(value <= 0.0, (value * 0 + 1).where(value >= 1.0, unbounded))

    def icdf(self, value):
        value = _t(value, self.probs)
        cut = self._cut_probs()
        inv = (((-cut) + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / \
            (cut.log() - (-cut).log1p())
        return inv.where(self._outside_unstable_region(), value)

    def entropy(self):
        log_probs0 = (-self.probs).log1p()
        log_probs1 = self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    def __repr__(self) -> str:
        name = "probs" if self._param is self.probs else "logits"
        v = self._param
        return f"ContinuousBernoulli({name}: {v if v.numel() == 1 else v.size()})"


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli(p, q):
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + (-p.probs).log1p()
    t3 = -q._cont_bern_log_norm() - (-q.probs).log1p()
    return t1 + t2 + t3
