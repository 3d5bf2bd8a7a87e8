"""More of ``torch.distributions.transforms`` (``SoftplusTransform``, ``ReshapeTransform``,
``CumulativeDistributionTransform``;
attached to the ``transforms`` module by the package) and two distributions built on
transforms: ``LogisticNormal`` (stick-breaking of a Normal) and
``OneHotCategoricalStraightThrough`` (one-hot draws with the straight-through gradient
``sample + probs - probs.detach()``), as PyTorch's."""

from __future__ import annotations

import math

from . import constraints as C
from ._base import Normal
from .more import OneHotCategorical
from .transformed import TransformedDistribution
from .transforms import StickBreakingTransform, Transform

__all__ = ["CumulativeDistributionTransform", "LogisticNormal",
           "OneHotCategoricalStraightThrough", "ReshapeTransform", "SoftplusTransform"]


class SoftplusTransform(Transform):
    """``y = log(1 + exp(x))``; inverse ``y + log(-expm1(-y))``; ``log|J| = -softplus(-x)``."""

    domain = C.real
    codomain = C.positive
    bijective = True
    sign = +1

    def __eq__(self, other):
        return isinstance(other, SoftplusTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        from ..nn import functional as F
        return F.softplus(x)

    def _inverse(self, y):
        return (-y).expm1().neg().log() + y

    def log_abs_det_jacobian(self, x, y):
        from ..nn import functional as F
        return -F.softplus(-x)


class CumulativeDistributionTransform(Transform):
    """``y = distribution.cdf(x)`` (to the unit interval); inverse ``icdf``;
    ``log|J| = distribution.log_prob(x)``."""

    bijective = True
    codomain = C.unit_interval
    sign = +1

    def __init__(self, distribution, cache_size: int = 0):
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self):                            # type: ignore[override]
        return self.distribution.support

    def with_cache(self, cache_size: int = 1):
        if self._cache_size == cache_size:
            return self
        return type(self)(self.distribution, cache_size=cache_size)

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)


class ReshapeTransform(Transform):
    """The rightmost ``in_shape`` dimensions reshaped to ``out_shape`` (log|J| = 0)."""

    bijective = True

    def __init__(self, in_shape, out_shape, cache_size: int = 0):
        from ..tensor import Size
        self.in_shape = Size(tuple(int(d) for d in in_shape))
        self.out_shape = Size(tuple(int(d) for d in out_shape))
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError("in_shape, out_shape have different numbers of elements")
        super().__init__(cache_size=cache_size)

    @property
    def domain(self):                            # type: ignore[override]
        return C.independent(C.real, len(self.in_shape))

    @property
    def codomain(self):                          # type: ignore[override]
        return C.independent(C.real, len(self.out_shape))

    def with_cache(self, cache_size: int = 1):
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x):
        batch_shape = tuple(x.shape[:x.dim() - len(self.in_shape)])
        return x.reshape(*batch_shape, *self.out_shape)

    def _inverse(self, y):
        batch_shape = tuple(y.shape[:y.dim() - len(self.out_shape)])
        return y.reshape(*batch_shape, *self.in_shape)

    def log_abs_det_jacobian(self, x, y):
        from ..creation import zeros
        batch_shape = tuple(x.shape[:x.dim() - len(self.in_shape)])
        return zeros(batch_shape, dtype=x.dtype)

    def forward_shape(self, shape):
        if len(shape) < len(self.in_shape):
            raise ValueError("Too few dimensions on input")
        cut = len(shape) - len(self.in_shape)
        if tuple(shape[cut:]) != tuple(self.in_shape):
            raise ValueError(f"Shape mismatch: expected {tuple(shape[cut:])} but got "
                             f"{tuple(self.in_shape)}")
        return tuple(shape[:cut]) + tuple(self.out_shape)

    def inverse_shape(self, shape):
        if len(shape) < len(self.out_shape):
            raise ValueError("Too few dimensions on input")
        cut = len(shape) - len(self.out_shape)
        if tuple(shape[cut:]) != tuple(self.out_shape):
            raise ValueError(f"Shape mismatch: expected {tuple(shape[cut:])} but got "
                             f"{tuple(self.out_shape)}")
        return tuple(shape[:cut]) + tuple(self.in_shape)


class LogisticNormal(TransformedDistribution):
    """``StickBreakingTransform`` of ``Normal(loc, scale)`` (on the simplex, K + 1 entries)."""

    arg_constraints = {"loc": C.real, "scale": C.positive}  # noqa: RUF012
    support = C.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base_dist = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:
            base_dist = base_dist.expand([1])
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self):
        return self.base_dist.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.base_dist.scale


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """One-hot draws whose ``rsample`` passes the gradient to ``probs`` straight through."""

    has_rsample = True

    def rsample(self, sample_shape=()):
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
