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

__all__ = ["CorrCholeskyTransform", "CumulativeDistributionTransform", "LogisticNormal",
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


class CorrCholeskyTransform(Transform):
    """Unconstrained vectors of length ``D (D - 1) / 2`` to Cholesky factors of ``D x D``
    correlation matrices (PyTorch's): ``r = tanh(x)`` (clamped to ``1 - eps``) in the strict
    lower triangle row by row, each row signed stick-breaking ``y_ij = r_ij sqrt(prod_{k<j}
    (1 - r_ik^2))`` with the unit diagonal taking the rest; ``log|J|`` of ``x`` and the flattened
    lower triangle of ``y``."""

    domain = C.real_vector
    codomain = C.corr_cholesky
    bijective = True

    def _call(self, x):
        from dlcore.dtypes import finfo

        from ..creation import eye
        from ..nn.functional import pad
        from .utils import vec_to_tril_matrix
        x = x.tanh()
        eps = float(finfo(x._buf.dtype).eps)
        r = vec_to_tril_matrix(x.clamp(min=-1 + eps, max=1 - eps), diag=-1)
        z1m_cumprod_sqrt = (1 - r ** 2).sqrt().cumprod(-1)
        r = r + eye(r.shape[-1], dtype=r.dtype, device=r.device)
        return r * pad(z1m_cumprod_sqrt[..., :-1], [1, 0], value=1)

    def _inverse(self, y):
        from ..nn.functional import pad
        from .utils import tril_matrix_to_vec
        y_cumsum = 1 - (y * y).cumsum(-1)
        shifted = pad(y_cumsum[..., :-1], [1, 0], value=1)
        t = tril_matrix_to_vec(y, diag=-1) / tril_matrix_to_vec(shifted, diag=-1).sqrt()
        return (t.log1p() - (-t).log1p()) / 2

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        from ..nn.functional import softplus
        from .utils import tril_matrix_to_vec
        y1m_cumsum = 1 - (y * y).cumsum(-1)
        stick = 0.5 * tril_matrix_to_vec(y1m_cumsum, diag=-2).log().sum(-1)
        tanh_logdet = -2 * (x + softplus(-2 * x) - math.log(2.0)).sum(-1)
        return stick + tanh_logdet

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError("Input is not a flattened lower-diagonal number")
        return tuple(shape[:-1]) + (d, d)

    def inverse_shape(self, shape):
        if len(shape) < 2:
            raise ValueError("Too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ValueError("Input is not square")
        d = shape[-1]
        return tuple(shape[:-2]) + (d * (d - 1) // 2,)
