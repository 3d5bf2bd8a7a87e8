"""Counting and heavy-tailed families of ``torch.distributions``: ``Poisson``, ``Binomial``,
``Geometric``, ``StudentT``, ``Cauchy``, ``Gumbel``, ``HalfNormal``, ``HalfCauchy`` (PyTorch's
formulas, written with tensor operations so gradients reach the parameters)::

    Poisson(r):      log p(k) = k log r - r - lgamma(k + 1)
    Binomial(n, p):  log p(k) = k l - lgamma(k+1) - lgamma(n-k+1) + lgamma(n+1)
                                - n max(l, 0) - n log1p(exp(-|l|))      (l = logit p)
    Geometric(p):    log p(k) = k log1p(-p) + log p   (failures before the first success)
    StudentT(df, loc, scale): log p = -(df+1)/2 log1p(y^2/df) - log scale - log(df)/2
                                      - log(pi)/2 - lgamma(df/2) + lgamma((df+1)/2)
    Cauchy: -log pi - log scale - log1p(y^2);   Gumbel: -(log scale + z + exp(-z))
    HalfNormal / HalfCauchy: |X|, log p = log p_X(x) + log 2 on x >= 0, -inf below

Samples of the discrete families come from NumPy's generator (dlcore's stream, not PyTorch's
numbers); StudentT's rsample is ``loc + scale X / sqrt(Chi2(df) / df)`` (reparameterised
through the gamma draw's implicit gradient).
"""

from __future__ import annotations

import math

import numpy as np

from dlcore.dtypes import finfo

from ..tensor import Tensor
from . import constraints as C
from ._base import Normal, _broadcast, _full, _full_nan, _loc_scale, _no_record, _np, _t
from ._common import (
    ConstrainedDistribution,
    probs_or_logits,
    set_binary_probs_logits,
    torch_draw,
)
from .kl import kl_divergence, register_kl

__all__ = ["Binomial", "Cauchy", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal",
           "Poisson", "StudentT"]

_EULER = 0.57721566490153286060


def _probs_logits(self, probs, logits):
    return set_binary_probs_logits(self, probs_or_logits(probs, logits), probs is not None)


# ----------------------------------------------------------------------------- Poisson
class Poisson(ConstrainedDistribution):
    """Counts with mean ``rate``."""

    arg_constraints = {"rate": C.nonnegative}  # noqa: RUF012
    support = C.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        self.rate = _t(rate)
        super().__init__(self.rate.shape, (), validate_args)
        self._validate_params()

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        from .._extra_ops import poisson  # torch.poisson(rate.expand(shape))
        with _no_record():
            return poisson(self.rate.detach().expand(*shape))

    def log_prob(self, value):
        value = _t(value, self.rate)
        self._validate_sample(value)
        rate, value = _broadcast(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()


# ----------------------------------------------------------------------------- Binomial
class Binomial(ConstrainedDistribution):
    """Successes in ``total_count`` trials of probability ``probs`` (or ``sigmoid(logits)``)."""

    probs: Tensor                       # both set by set_binary_probs_logits
    logits: Tensor

    arg_constraints = {"total_count": C.nonnegative_integer,  # noqa: RUF012
                       "probs": C.unit_interval, "logits": C.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        param = probs_or_logits(probs, logits)
        n = _t(total_count, param).to(param.dtype)
        self.total_count, param = _broadcast(n, param)
        self._param = set_binary_probs_logits(self, param, probs is not None)
        super().__init__(param.shape, (), validate_args)
        if self._validate_args:
            self._check_param("total_count", _np(C.nonnegative_integer.check(
                self.total_count)), repr(C.nonnegative_integer))
            if probs is not None:
                self._check_param("probs", _np(C.unit_interval.check(self.probs)),
                                  repr(C.unit_interval))

    @property
    def support(self):                           # type: ignore[override]
        return C.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        from ._torch_samplers import binomial  # torch.binomial: ATen's sampler, its stream
        dt = self.probs._buf.dtype
        n = np.broadcast_to(_np(self.total_count).astype(dt), shape)
        p = np.broadcast_to(_np(self.probs).astype(dt), shape)
        out = Tensor._wrap(binomial(n, p).astype(dt if self.probs.dtype.is_floating_point
                                                 else np.float32))
        return out.cuda() if self.probs.is_cuda else out

    def log_prob(self, value):
        value = _t(value, self.logits)
        self._validate_sample(value)
        n, k, lg = self.total_count, value, self.logits
        clamp0 = (lg.clamp(min=0) + lg - lg.clamp(max=0)) / 2
        normalize = n * clamp0 + n * (-lg.abs()).exp().log1p() - (n + 1).lgamma()
        return k * lg - (k + 1).lgamma() - (n - k + 1).lgamma() - normalize

    def entropy(self):
        n = _np(self.total_count)
        if n.size and not (n == n.flat[0]).all():
            raise NotImplementedError("Inhomogeneous total count not supported by "
                                      "`entropy`.")
        lp = self.log_prob(self.enumerate_support(False))
        return -(lp.exp() * lp).sum(0)

    def enumerate_support(self, expand=True):
        from ..creation import arange
        n = _np(self.total_count)
        if n.size and not (n == n.flat[0]).all():
            raise NotImplementedError("Inhomogeneous total count not supported by "
                                      "`enumerate_support`.")
        total = int(n.flat[0]) if n.size else 0
        values = arange(1 + total, dtype=self._param.dtype).view(
            (-1,) + (1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values

    def __repr__(self) -> str:
        name = "probs" if self._param is self.probs else "logits"
        parts = []
        for k, v in (("total_count", self.total_count), (name, self._param)):
            parts.append(f"{k}: {v if v.numel() == 1 else v.size()}")
        return f"Binomial({', '.join(parts)})"


# ----------------------------------------------------------------------------- Geometric
class Geometric(ConstrainedDistribution):
    """Failures before the first success in trials of probability ``probs``."""

    arg_constraints = {"probs": C.unit_interval, "logits": C.real}  # noqa: RUF012
    support = C.nonnegative_integer
    probs: Tensor
    logits: Tensor

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._param = _probs_logits(self, probs, logits)
        super().__init__(self._param.shape, (), validate_args)
        if self._validate_args and probs is not None:
            pv = _np(self.probs)
            self._check_param("probs", (pv > 0) & (pv <= 1),
                              "Interval(lower_bound=0.0, upper_bound=1.0)")

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return self.probs.detach() * 0

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        tiny = float(finfo(self.probs._buf.dtype).tiny)
        with _no_record():
            u = torch_draw(shape, self.probs, "uniform", tiny, 1)    # new(shape).uniform_
            return (u.log() / (-self.probs.detach()).log1p()).floor()

    def log_prob(self, value):
        value = _t(value, self.probs)
        self._validate_sample(value)
        value, probs = _broadcast(value, self.probs)
        probs = probs.masked_fill((probs == 1) & (value == 0), 0.0)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        from ..nn import functional as F
        return F.binary_cross_entropy_with_logits(self.logits, self.probs,
                                                  reduction="none") / self.probs

    def __repr__(self) -> str:
        name = "probs" if self._param is self.probs else "logits"
        v = self._param
        return f"Geometric({name}: {v if v.numel() == 1 else v.size()})"


# ----------------------------------------------------------------------------- StudentT
class StudentT(ConstrainedDistribution):
    """Student's t with ``df`` degrees of freedom, location ``loc`` and scale ``scale``."""

    arg_constraints = {"df": C.positive, "loc": C.real, "scale": C.positive}  # noqa: RUF012
    support = C.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        df = _t(df)
        self.df, self.loc, self.scale = _broadcast(df, _t(loc, df), _t(scale, df))
        super().__init__(self.df.shape, (), validate_args)
        self._validate_params()

    @property
    def mean(self):
        return self.loc.masked_fill(self.df <= 1, float("nan"))

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        df = self.df
        v = self.scale.pow(2) * df / (df - 2).clamp(min=1e-300)
        v = v.masked_fill((df <= 2) & (df > 1), math.inf)
        return v.masked_fill(df <= 1, float("nan"))

    def rsample(self, sample_shape=()):
        from .gamma import Chi2
        shape = self._extended_shape(sample_shape)
        X = torch_draw(shape, self.df, "normal")
        Z = Chi2(self.df, validate_args=False).rsample(sample_shape)
        Y = X * (Z / self.df).rsqrt()
        return self.loc + self.scale * Y

    def log_prob(self, value):
        value = _t(value, self.df)
        self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        Z = (self.scale.log() + 0.5 * df.log() + 0.5 * math.log(math.pi)
             + (0.5 * df).lgamma() - (0.5 * (df + 1.0)).lgamma())
        return -0.5 * (df + 1.0) * (y.pow(2) / df).log1p() - Z

    def entropy(self):
        df = self.df
        lbeta = (0.5 * df).lgamma() + math.lgamma(0.5) - (0.5 * (df + 1)).lgamma()
        return (self.scale.log() + 0.5 * (df + 1)
                * ((0.5 * (df + 1)).digamma() - (0.5 * df).digamma())
                + 0.5 * df.log() + lbeta)


# ----------------------------------------------------------------------------- Cauchy
class Cauchy(ConstrainedDistribution):
    """Density ``1 / (pi scale (1 + ((x - loc) / scale)^2))``."""

    arg_constraints = {"loc": C.real, "scale": C.positive}  # noqa: RUF012
    support = C.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _loc_scale(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)
        self._validate_params()

    @property
    def mean(self):
        return _full_nan(self._extended_shape(), self.loc)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return _full(self._extended_shape(), math.inf, self.loc)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = torch_draw(shape, self.loc, "cauchy")
        return self.loc + eps * self.scale

    def log_prob(self, value):
        value = _t(value, self.loc)
        self._validate_sample(value)
        return (-math.log(math.pi) - self.scale.log()
                - ((value - self.loc) / self.scale).pow(2).log1p())

    def cdf(self, value):
        value = _t(value, self.loc)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        value = _t(value, self.loc)
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()


# ----------------------------------------------------------------------------- Gumbel
class Gumbel(ConstrainedDistribution):
    """Density ``exp(-(z + exp(-z))) / scale``, ``z = (x - loc) / scale``."""

    arg_constraints = {"loc": C.real, "scale": C.positive}  # noqa: RUF012
    support = C.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _loc_scale(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)
        self._validate_params()

    @property
    def mean(self):
        return self.loc + self.scale * _EULER

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        fi = finfo(self.loc._buf.dtype)
        # PyTorch's base Uniform(tiny, 1 - eps).rsample: low + rand * (high - low)
        low = _full(shape, float(fi.tiny), self.loc)
        high = _full(shape, 1 - float(fi.eps), self.loc)
        u = low + torch_draw(shape, self.loc, "uniform") * (high - low)
        return self.loc - self.scale * (-u.log()).log()

    def log_prob(self, value):
        value = _t(value, self.loc)
        self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -(self.scale.log() + z + (-z).exp())

    def cdf(self, value):
        z = (_t(value, self.loc) - self.loc) / self.scale
        return (-(-z).exp()).exp()

    def icdf(self, value):
        return self.loc - self.scale * (-_t(value, self.loc).log()).log()

    def entropy(self):
        return self.scale.log() + (1 + _EULER)


# ----------------------------------------------------------------------------- half-*
class _Folded(ConstrainedDistribution):
    """|X| for a symmetric X about 0 (``base``): density doubled on x >= 0."""

    arg_constraints = {"scale": C.positive}  # noqa: RUF012
    support = C.nonnegative
    _base_type: type = type(None)

    def __init__(self, scale, validate_args=None):
        self.scale = _t(scale)
        super().__init__(self.scale.shape, (), validate_args)
        self._validate_params()
        self.base_dist = self._base_type(self.scale * 0, self.scale, validate_args=False)

    @property
    def has_rsample(self):                       # type: ignore[override]
        return True

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new.base_dist = self._base_type(new.scale * 0, new.scale, validate_args=False)
        return new

    @property
    def mode(self):
        return self.scale.detach() * 0

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape).abs()

    def log_prob(self, value):
        value = _t(value, self.scale)
        self._validate_sample(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return lp.masked_fill(value < 0, -math.inf)

    def cdf(self, value):
        value = _t(value, self.scale)
        self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((_t(prob, self.scale) + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)

    def __repr__(self) -> str:                   # (PyTorch keeps scale in its base)
        return f"{type(self).__name__}()"


class HalfNormal(_Folded):
    """|N(0, scale^2)|."""

    _base_type = Normal

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)


class HalfCauchy(_Folded):
    """|Cauchy(0, scale)|."""

    _base_type = Cauchy

    @property
    def mean(self):
        return _full(self._extended_shape(), math.inf, self.scale)

    @property
    def variance(self):
        return _full(self._extended_shape(), math.inf, self.scale)


# ----------------------------------------------------------------------------- KL pairs
@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    ct1 = p.scale / q.scale
    ct2 = q.loc / q.scale
    ct3 = p.loc / q.scale
    t1 = -ct1.log() - ct2 + ct3
    t2 = ct1 * _EULER
    t3 = (ct2 + (1 + ct1).lgamma() - ct3).exp()
    return t1 + t2 + t3 - (1 + _EULER)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    if (_np(p.total_count) < _np(q.total_count)).any():
        raise NotImplementedError("KL between Binomials where q.total_count > "
                                  "p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p()
                          - (-q.probs).log1p())
    inf_idxs = p.total_count > q.total_count
    return kl.masked_fill(inf_idxs, math.inf)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    t1 = ((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)).log()
    t2 = (4 * p.scale * q.scale).log()
    return t1 - t2


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return kl_divergence(p.base_dist, q.base_dist)
