"""``TransformedDistribution`` (a base distribution pushed through transforms) and
``LogNormal`` = exp(Normal), as PyTorch's:

``log p(y) = log p_base(x) - sum log|J|`` going back through the transforms (each summed over
its event dimensions); ``cdf``/``icdf`` through monotone transforms (a decreasing one flips
them); ``rsample`` applies the transforms to the base's reparameterised draw.
"""

from __future__ import annotations

from typing import Any

from . import constraints as C
from ._base import Distribution, Normal, _t
from ._common import sum_rightmost
from .kl import kl_divergence, register_kl
from .transforms import ComposeTransform, ExpTransform, Transform

__all__ = ["LogNormal", "TransformedDistribution"]


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (one or a list, applied in order)."""

    arg_constraints: dict = {}  # noqa: RUF012

    def __init__(self, base_distribution, transforms, validate_args=None):
        if isinstance(transforms, Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list):
            if not all(isinstance(t, Transform) for t in transforms):
                raise ValueError("transforms must be a Transform or a list of Transforms")
            self.transforms = transforms
        else:
            raise ValueError(f"transforms must be a Transform or list, but was {transforms}")  # noqa: TRY004
        base_shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(self.transforms)
        if len(base_shape) < transform.domain.event_dim:
            raise ValueError(f"base_distribution needs to have shape with size at least "
                             f"{transform.domain.event_dim}, but got {base_shape}.")
        forward_shape = tuple(transform.forward_shape(base_shape))
        expanded = tuple(transform.inverse_shape(forward_shape))
        if base_shape != expanded:
            base_batch = expanded[:len(expanded) - base_event_dim]
            base_distribution = base_distribution.expand(base_batch)
        reinterpreted = transform.domain.event_dim - base_event_dim
        if reinterpreted > 0:
            from .more import Independent
            base_distribution = Independent(base_distribution, reinterpreted)
        self.base_dist = base_distribution
        change = transform.codomain.event_dim - transform.domain.event_dim
        event_dim = max(transform.codomain.event_dim, base_event_dim + change)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args)

    @property
    def has_rsample(self):                       # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def support(self):
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self._event_shape) > support.event_dim:
            support = C.independent(support, len(self._event_shape) - support.event_dim)
        return support

    def sample(self, sample_shape=()):
        from ._base import _no_record
        with _no_record():
            x = self.base_dist.sample(sample_shape)
            for t in self.transforms:
                x = t(x)
            return x

    def rsample(self, sample_shape=()):
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def _validate_support(self, value) -> None:
        if self._validate_args:
            from ._base import _np
            support = self.support
            self._check_value(value, _np(support.check(value)), repr(support))

    def log_prob(self, value):
        value = _t(value)
        self._validate_support(value)
        event_dim = len(self._event_shape)
        log_prob: Any = 0.0
        y = value
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.domain.event_dim - t.codomain.event_dim
            log_prob = log_prob - sum_rightmost(t.log_abs_det_jacobian(x, y),
                                                event_dim - t.domain.event_dim)
            y = x
        return log_prob + sum_rightmost(self.base_dist.log_prob(y),
                                        event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value):
        sign: Any = 1
        for t in self.transforms:
            sign = sign * t.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value):
        value = _t(value)
        self._validate_support(value)
        for t in self.transforms[::-1]:
            value = t.inv(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value):
        value = self._monotonize_cdf(_t(value))
        value = self.base_dist.icdf(value)
        for t in self.transforms:
            value = t(value)
        return value

    def expand(self, batch_shape, _instance=None):
        batch_shape = tuple(batch_shape)
        shape = batch_shape + tuple(self._event_shape)
        for t in reversed(self.transforms):
            shape = tuple(t.inverse_shape(shape))
        nb = len(shape) - len(self.base_dist.event_shape)
        new = type(self).__new__(type(self)) if _instance is None else _instance
        new.__dict__.update(self.__dict__)
        new.base_dist = self.base_dist.expand(shape[:nb])
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def __repr__(self) -> str:                   # PyTorch's: parameters kept as attributes
        from ..tensor import Tensor
        parts = [f"{k}: {v if v.numel() == 1 else v.size()}"
                 for k, v in ((k, self.__dict__.get(k)) for k in self.arg_constraints)
                 if isinstance(v, Tensor)]
        return f"{type(self).__name__}({', '.join(parts)})"


class LogNormal(TransformedDistribution):
    """``exp(Normal(loc, scale))``."""

    arg_constraints = {"loc": C.real, "scale": C.positive}  # noqa: RUF012
    support = C.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance)

    @property
    def loc(self):
        return self.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mean(self):
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self):
        return (self.loc - self.scale.pow(2)).exp()

    @property
    def variance(self):
        s2 = self.scale.pow(2)
        return s2.expm1() * (2 * self.loc + s2).exp()

    def entropy(self):
        return self.base_dist.entropy() + self.loc


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    if p.transforms != q.transforms:
        raise NotImplementedError
    if p.event_shape != q.event_shape:
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)
