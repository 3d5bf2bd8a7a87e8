"""``Multinomial`` and ``NegativeBinomial`` (PyTorch's formulas)::

    Multinomial(n, p):  log p(x) = lgamma(sum x + 1) - sum lgamma(x + 1) + sum x log p
                        H = n H_cat - lgamma(n + 1) + sum_k E[lgamma(x_k + 1)]  (x_k binomial)
    NegativeBinomial(r, p):  successes (probability p) before r failures,
                        log p(k) = r logsigmoid(-l) + k logsigmoid(l)
                                   + lgamma(r + k) - lgamma(1 + k) - lgamma(r)
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import constraints as C
from ._base import Categorical, _np, _t
from ._common import ConstrainedDistribution, probs_or_logits, set_binary_probs_logits

__all__ = ["Multinomial", "NegativeBinomial"]


class Multinomial(ConstrainedDistribution):
    """Counts of ``total_count`` draws from a Categorical(probs / logits); event ``(K,)``."""

    arg_constraints = {"probs": C.simplex, "logits": C.real_vector}  # noqa: RUF012

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        from .families import Binomial
        # (validated as PyTorch's: a negative total_count is refused by this Binomial)
        self._binomial = Binomial(total_count=total_count, probs=self.probs,
                                  validate_args=validate_args)
        shape = tuple(self._categorical.param_shape)
        super().__init__(shape[:-1], shape[-1:], validate_args)

    @property
    def support(self):                           # type: ignore[override]
        return C.multinomial(self.total_count)

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new._categorical = self._categorical.expand(tuple(batch_shape))
        from .families import Binomial
        new._binomial = Binomial(total_count=self.total_count, probs=new.probs,
                                 validate_args=False)
        return new

    def sample(self, sample_shape=()):
        # PyTorch's: total_count categorical draws, counted per category by scatter_add
        from ..creation import ones_like, zeros
        sample_shape = tuple(sample_shape)
        samples = self._categorical.sample((int(self.total_count),) + sample_shape)
        samples = samples.permute(*range(1, samples.dim()), 0)
        counts = zeros(*self._extended_shape(sample_shape), dtype=samples.dtype,
                       device=samples.device)
        counts.scatter_add_(-1, samples, ones_like(samples))
        return counts.type_as(self.probs)

    def log_prob(self, value):
        value = _t(value, self.logits)
        self._validate_sample(value)
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self.logits.shape))
        logits = self.logits.expand(*shape)
        value = value.expand(*shape)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        logits = logits.masked_fill((value == 0) & (logits == -np.inf), 0.0)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self):
        n = float(self.total_count)
        import math
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        term2 = (binomial_probs * weights).sum(0).sum(-1)
        return term1 + term2

    def __repr__(self) -> str:                   # (PyTorch keeps probs in its Categorical)
        return "Multinomial()"


class NegativeBinomial(ConstrainedDistribution):
    """Successes (probability ``probs``) before ``total_count`` failures."""

    probs: Tensor                       # both set by set_binary_probs_logits
    logits: Tensor

    arg_constraints = {"total_count": C.greater_than_eq(0),  # noqa: RUF012
                       "probs": C.half_open_interval(0.0, 1.0), "logits": C.real}
    support = C.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        from ._base import _broadcast
        param = probs_or_logits(probs, logits)
        n = _t(total_count, param).to(param.dtype)
        self.total_count, param = _broadcast(n, param)
        self._param = set_binary_probs_logits(self, param, probs is not None)
        super().__init__(param.shape, (), validate_args)
        if self._validate_args:
            self._check_param("total_count", _np(self.total_count) >= 0,
                              repr(self.arg_constraints["total_count"]))
            if probs is not None:
                self._check_param("probs", _np(C.half_open_interval(0.0, 1.0).check(param)),
                                  repr(self.arg_constraints["probs"]))

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape=()):
        # PyTorch's: poisson(Gamma(total_count, exp(-logits)).sample(sample_shape))
        from .._extra_ops import poisson
        from ._base import _no_record
        from .gamma import Gamma
        with _no_record():
            rate = Gamma(self.total_count.detach(), (-self.logits.detach()).exp(),
                         validate_args=False).sample(sample_shape)
            return poisson(rate)

    def log_prob(self, value):
        from ..nn import functional as F
        value = _t(value, self.logits)
        self._validate_sample(value)
        r, lg = self.total_count, self.logits
        log_unnormalized = r * F.logsigmoid(-lg) + value * F.logsigmoid(lg)
        log_normalization = -(r + value).lgamma() + (1.0 + value).lgamma() + r.lgamma()
        log_normalization = log_normalization.masked_fill(r + value == 0.0, 0.0)
        return log_unnormalized - log_normalization

    def __repr__(self) -> str:
        name = "probs" if self._param is self.probs else "logits"
        parts = [f"{k}: {v if v.numel() == 1 else v.size()}"
                 for k, v in (("total_count", self.total_count), (name, self._param))]
        return f"NegativeBinomial({', '.join(parts)})"
