"""Families PyTorch builds by transforming a simpler one (``Weibull``, ``Pareto``,
``Kumaraswamy``, ``InverseGamma``) and ``FisherSnedecor`` (a ratio of gammas), with PyTorch's
moments and entropies::

    Weibull(scale, k)        = scale * Exponential(1) ** (1/k)
    Pareto(scale, alpha)     = scale * exp(Exponential(alpha))
    Kumaraswamy(a, b)        = (1 - U ** (1/b)) ** (1/a),  U ~ Uniform(0, 1)
    InverseGamma(c, rate)    = 1 / Gamma(c, rate)
    FisherSnedecor(d1, d2)   = (Gamma(d1/2, d1) / Gamma(d2/2, d2));
        log p = lgamma((d1+d2)/2) - lgamma(d1/2) - lgamma(d2/2) + d1/2 log(d1/d2)
                + (d1/2 - 1) log x - (d1+d2)/2 log1p(d1 x / d2)

log_prob, cdf and icdf of the transformed ones go through TransformedDistribution (each
transform's log|det J|), so gradients reach the parameters.
"""

from __future__ import annotations

import math

from dlcore.dtypes import finfo

from . import constraints as C
from ._base import Uniform, _broadcast, _t
from ._common import ConstrainedDistribution
from .gamma import Gamma
from .more import Exponential
from .transformed import TransformedDistribution
from .transforms import AffineTransform, ExpTransform, PowerTransform

__all__ = ["FisherSnedecor", "InverseGamma", "Kumaraswamy", "Pareto", "Weibull"]

_EULER = 0.57721566490153286060


def _pair(a, b):
    a = _t(a, b if hasattr(b, "dtype") else None)
    return _broadcast(a, _t(b, a))


def _check(dist, validate_args, **params) -> None:
    """Positive parameters, checked before the base distribution is built."""
    from ._base import Distribution, _np
    dist._validate_args = Distribution._validate_default if validate_args is None \
        else bool(validate_args)
    for name, v in params.items():
        dist._check_param(name, _np(C.positive.check(v)), repr(C.positive))


class Weibull(TransformedDistribution):
    """Density ``(k/scale) (x/scale)^(k-1) exp(-(x/scale)^k)`` on x > 0."""

    arg_constraints = {"scale": C.positive, "concentration": C.positive}  # noqa: RUF012
    support = C.positive
    has_rsample = True

    def __init__(self, scale, concentration, validate_args=None):
        self.scale, self.concentration = _pair(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        _check(self, validate_args, scale=self.scale, concentration=self.concentration)
        base = Exponential(self.scale.detach() * 0 + 1, validate_args=validate_args)
        super().__init__(base, [PowerTransform(exponent=self.concentration_reciprocal),
                                AffineTransform(loc=0, scale=self.scale)],
                         validate_args=validate_args)

    @property
    def mean(self):
        return self.scale * (self.concentration_reciprocal + 1).lgamma().exp()

    @property
    def mode(self):
        c = self.concentration
        return self.scale * ((c - 1) / c) ** c.reciprocal()

    @property
    def variance(self):
        r = self.concentration_reciprocal
        return self.scale.pow(2) * ((1 + 2 * r).lgamma().exp() - (2 * (1 + r).lgamma()).exp())

    def entropy(self):
        return (_EULER * (1 - self.concentration_reciprocal)
                + (self.scale * self.concentration_reciprocal).log() + 1)


class Pareto(TransformedDistribution):
    """Density ``alpha scale^alpha / x^(alpha+1)`` on x >= scale."""

    arg_constraints = {"alpha": C.positive, "scale": C.positive}  # noqa: RUF012
    has_rsample = True

    def __init__(self, scale, alpha, validate_args=None):
        self.scale, self.alpha = _pair(scale, alpha)
        _check(self, validate_args, scale=self.scale, alpha=self.alpha)
        base = Exponential(self.alpha, validate_args=validate_args)
        super().__init__(base, [ExpTransform(), AffineTransform(loc=0, scale=self.scale)],
                         validate_args=validate_args)

    @property
    def support(self):
        return C.greater_than_eq(self.scale)

    @property
    def mean(self):
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self):
        return self.scale

    @property
    def variance(self):
        a = self.alpha.clamp(min=2)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    def entropy(self):
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())


def _moments(a, b, n):
    arg1 = 1 + n / a
    log_value = arg1.lgamma() + b.lgamma() - (arg1 + b).lgamma()
    return b * log_value.exp()


class Kumaraswamy(TransformedDistribution):
    """Density ``a b x^(a-1) (1 - x^a)^(b-1)`` on (0, 1)."""

    arg_constraints = {"concentration1": C.positive,  # noqa: RUF012
                       "concentration0": C.positive}
    support = C.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = _pair(concentration1, concentration0)
        _check(self, validate_args, concentration1=self.concentration1,
               concentration0=self.concentration0)
        zero = self.concentration0.detach() * 0
        base = Uniform(zero, zero + 1, validate_args=validate_args)
        super().__init__(base, [PowerTransform(exponent=self.concentration0.reciprocal()),
                                AffineTransform(loc=1.0, scale=-1.0),
                                PowerTransform(exponent=self.concentration1.reciprocal())],
                         validate_args=validate_args)

    @property
    def mean(self):
        return _moments(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        c0, c1 = self.concentration0, self.concentration1
        log_mode = c0.reciprocal() * (-c0).log1p() - (-c0 * c1).log1p()
        return log_mode.masked_fill((c0 < 1) | (c1 < 1), float("nan")).exp()

    @property
    def variance(self):
        return (_moments(self.concentration1, self.concentration0, 2)
                - self.mean.pow(2))

    def entropy(self):
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        H0 = (self.concentration0 + 1).digamma() + _EULER
        return t0 + t1 * H0 - self.concentration1.log() - self.concentration0.log()


class InverseGamma(TransformedDistribution):
    """``1 / Gamma(concentration, rate)``."""

    arg_constraints = {"concentration": C.positive, "rate": C.positive}  # noqa: RUF012
    support = C.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        base = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = _t(-1.0, base.rate)
        super().__init__(base, PowerTransform(neg_one), validate_args=validate_args)

    @property
    def concentration(self):
        return self.base_dist.concentration

    @property
    def rate(self):
        return self.base_dist.rate

    @property
    def mean(self):
        c = self.concentration
        return (self.rate / (c - 1)).masked_fill(c <= 1, math.inf)

    @property
    def mode(self):
        return self.rate / (self.concentration + 1)

    @property
    def variance(self):
        c = self.concentration
        v = self.rate.pow(2) / ((c - 1).pow(2) * (c - 2))
        return v.masked_fill(c <= 2, math.inf)

    def entropy(self):
        c = self.concentration
        return c + self.rate.log() + c.lgamma() - (1 + c) * c.digamma()


class FisherSnedecor(ConstrainedDistribution):
    """The F distribution with ``df1`` and ``df2`` degrees of freedom."""

    arg_constraints = {"df1": C.positive, "df2": C.positive}  # noqa: RUF012
    support = C.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        self.df1, self.df2 = _pair(df1, df2)
        super().__init__(self.df1.shape, (), validate_args)
        self._validate_params()
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1, validate_args=False)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2, validate_args=False)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new._gamma1 = Gamma(new.df1 * 0.5, new.df1, validate_args=False)
        new._gamma2 = Gamma(new.df2 * 0.5, new.df2, validate_args=False)
        return new

    @property
    def mean(self):
        df2 = self.df2.masked_fill(self.df2 <= 2, float("nan"))
        return df2 / (df2 - 2)

    @property
    def mode(self):
        mode = (self.df1 - 2) / self.df1
        mode = mode.masked_fill(mode <= 0, float("nan"))
        return mode * self.df2 / (self.df2 + 2)

    @property
    def variance(self):
        df2 = self.df2.masked_fill(self.df2 <= 4, float("nan"))
        return (2 * df2.pow(2) * (self.df1 + df2 - 2)
                / (self.df1 * (df2 - 2).pow(2) * (df2 - 4)))

    def rsample(self, sample_shape=()):
        tiny = float(finfo(self.df1._buf.dtype).tiny)
        X1 = self._gamma1.rsample(sample_shape)
        X2 = self._gamma2.rsample(sample_shape).clamp(min=tiny)
        return (X1 / X2).clamp(min=tiny)

    def log_prob(self, value):
        value = _t(value, self.df1)
        self._validate_sample(value)
        ct1 = self.df1 * 0.5
        ct2 = self.df2 * 0.5
        ct3 = self.df1 / self.df2
        t1 = (ct1 + ct2).lgamma() - ct1.lgamma() - ct2.lgamma()
        t2 = ct1 * ct3.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ct3 * value).log1p()
        return t1 + t2 - t3
