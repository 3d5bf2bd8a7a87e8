"""More of ``torch.distributions``: ``Independent`` (batch dimensions read as event
dimensions, as RL policies and VAEs use it), ``MultivariateNormal``, ``Exponential``,
``Laplace`` and ``OneHotCategorical``, with their KL pairs.

PyTorch's formulas throughout, written with tensor operations so that gradients reach the
parameters:

* MultivariateNormal keeps the Cholesky factor ``L`` (from the covariance, the precision or
  given): ``log p(x) = -(k log 2pi + |L^-1 (x - mu)|^2) / 2 - sum log diag L``;
  ``rsample = mu + L eps``; ``H = k (1 + log 2pi) / 2 + sum log diag L``.
* Exponential(rate): ``log p = log rate - rate x``; ``rsample = -log(u) / rate``.
* Laplace(loc, scale): ``log p = -log(2 scale) - |x - loc| / scale``; ``rsample = loc - scale
  sign(u) log(1 - |u|)`` with ``u`` uniform on (-1, 1).
* OneHotCategorical: a Categorical whose values are one-hot vectors.

Draws come from dlcore's generator (not PyTorch's numbers, the same distribution).
"""

from __future__ import annotations

import math

import numpy as np

from .._host import host as _host
from ..tensor import Tensor
from . import constraints as C
from ._base import Categorical, Distribution, _loc_scale, _np, _t
from ._common import torch_draw
from .kl import kl_divergence, register_kl

__all__ = ["Exponential", "Independent", "Laplace", "MultivariateNormal", "OneHotCategorical"]


def _precision_to_scale_tril(P: Tensor) -> Tensor:
    """PyTorch's ``_precision_to_scale_tril``: the lower Cholesky factor of ``P^-1`` (the flipped
    Cholesky factor of ``P``, inverted) -- MultivariateNormal's and Wishart's."""
    from .. import linalg
    from ..creation import eye
    Lf = linalg.cholesky(P.flip(-2, -1))
    L_inv = Lf.flip(-2, -1).transpose(-2, -1)
    return linalg.solve_triangular(
        L_inv, eye(P.shape[-1], dtype=P.dtype, device=P.device).expand(*L_inv.shape), upper=False)


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    return value if dim == 0 else value.reshape(*value.shape[:-dim], -1).sum(-1)


# ----------------------------------------------------------------------------- Independent
class Independent(Distribution):
    """``base_distribution`` with its rightmost ``reinterpreted_batch_ndims`` batch dimensions
    read as event dimensions (log_prob and entropy summed over them)."""

    def __init__(self, base_distribution, reinterpreted_batch_ndims: int, validate_args=None):
        nb = len(base_distribution.batch_shape)
        if reinterpreted_batch_ndims > nb:
            raise ValueError(f"Expected reinterpreted_batch_ndims <= len(base_distribution."
                             f"batch_shape), actual {reinterpreted_batch_ndims} vs {nb}")
        shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(shape[:len(shape) - event_dim], shape[len(shape) - event_dim:],
                         validate_args)

    arg_constraints: dict = {}  # noqa: RUF012

    @property
    def has_rsample(self) -> bool:                  # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def support(self):
        result = self.base_dist.support
        if self.reinterpreted_batch_ndims:
            result = C.independent(result, self.reinterpreted_batch_ndims)
        return result

    @property
    def has_enumerate_support(self) -> bool:
        return False if self.reinterpreted_batch_ndims > 0 else \
            getattr(self.base_dist, "has_enumerate_support", False)

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    @property
    def stddev(self) -> Tensor:
        return self.base_dist.stddev

    def expand(self, batch_shape, _instance=None):
        n = self.reinterpreted_batch_ndims
        base_batch = tuple(batch_shape) + tuple(self._event_shape[:n])
        return Independent(self.base_dist.expand(base_batch), n, validate_args=False)

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value) -> Tensor:
        return _sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        return _sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"


# ----------------------------------------------------------------------------- MVN
def _batch_mahalanobis(L: Tensor, x: Tensor) -> Tensor:
    """``|L^-1 x|^2`` over the last axis, L and x broadcast against each other."""
    from .. import linalg
    shape = np.broadcast_shapes(tuple(L.shape[:-2]), tuple(x.shape[:-1]))
    n = L.shape[-1]
    Lb = L.expand(*shape, n, n) if tuple(L.shape[:-2]) != shape else L
    xb = x.expand(*shape, n) if tuple(x.shape[:-1]) != shape else x
    return linalg.solve_triangular(Lb, xb.unsqueeze(-1), upper=False).squeeze(-1).pow(2).sum(-1)


class MultivariateNormal(Distribution):
    """``N(loc, covariance_matrix)``; give one of ``covariance_matrix``, ``precision_matrix``
    or ``scale_tril`` (the lower Cholesky factor)."""

    arg_constraints = {"loc": C.real_vector,  # noqa: RUF012
                       "covariance_matrix": C.positive_definite,
                       "precision_matrix": C.positive_definite,
                       "scale_tril": C.lower_cholesky}
    support = C.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        from .. import linalg
        loc = _t(loc)
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + \
                (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        given = next(m for m in (scale_tril, covariance_matrix, precision_matrix)
                     if m is not None)
        name = "scale_tril" if scale_tril is not None else (
            "covariance_matrix" if covariance_matrix is not None else "precision_matrix")
        given = _t(given, loc)
        if given.dim() < 2:
            what = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(f"{what} must be at least two-dimensional, with optional "
                             f"leading batch dimensions")
        batch = tuple(np.broadcast_shapes(tuple(given.shape[:-2]), tuple(loc.shape[:-1])))
        n = loc.shape[-1]
        self._given = {name: given.expand(*batch, -1, -1)}
        self.loc = loc.expand(*batch, -1)
        super().__init__(batch, (n,), validate_args)
        if self._validate_args:         # (before the factorisation, as PyTorch: a ValueError)
            for k, c in (("loc", C.real_vector), (name, self.arg_constraints[name])):
                v = self.loc if k == "loc" else self._given[k]
                if not c.check(v).all():
                    raise ValueError(
                        f"Expected parameter {k} ({type(v).__name__} of shape {tuple(v.shape)}) "
                        f"of distribution {self!r} to satisfy the constraint {c!r}, but found "
                        f"invalid values:\n{v}")
        if scale_tril is not None:
            L = given
        elif covariance_matrix is not None:
            L = linalg.cholesky(given)
        else:
            L = _precision_to_scale_tril(given)
        self._unbroadcasted_scale_tril = L

    def expand(self, batch_shape, _instance=None):
        batch_shape = tuple(batch_shape)
        new = super().expand(batch_shape, _instance)
        n = self._event_shape[0]
        new._given = {k: v.expand(*batch_shape, n, n) for k, v in self._given.items()}
        new.loc = self.loc.expand(*batch_shape, n)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        return new

    @property
    def scale_tril(self) -> Tensor:
        if "scale_tril" in self._given:
            return self._given["scale_tril"]
        L = self._unbroadcasted_scale_tril
        return L.expand(*self._batch_shape, *self._event_shape, *self._event_shape)

    @property
    def covariance_matrix(self) -> Tensor:
        if "covariance_matrix" in self._given:
            return self._given["covariance_matrix"]
        L = self._unbroadcasted_scale_tril
        return (L @ L.transpose(-2, -1)).expand(*self._batch_shape, *self._event_shape,
                                                 *self._event_shape)

    @property
    def precision_matrix(self) -> Tensor:
        if "precision_matrix" in self._given:
            return self._given["precision_matrix"]
        from .._linalg_solve import cholesky_inverse
        return cholesky_inverse(self._unbroadcasted_scale_tril).expand(
            *self._batch_shape, *self._event_shape, *self._event_shape)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(*self._batch_shape,
                                                                    *self._event_shape)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = torch_draw(shape, self.loc, "normal")
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value) -> Tensor:
        value = _t(value, self.loc)
        diff = value - self.loc
        M = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - half_log_det

    def entropy(self) -> Tensor:
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        return H if not self._batch_shape else H.expand(*self._batch_shape)

    def __repr__(self) -> str:                   # PyTorch's: loc and the matrix given
        parts = [f"{k}: {v if v.numel() == 1 else v.size()}"
                 for k, v in (("loc", self.loc), *self._given.items())]
        return f"MultivariateNormal({', '.join(parts)})"


# ----------------------------------------------------------------------------- Exponential
class Exponential(Distribution):
    """Density ``rate exp(-rate x)`` on x >= 0."""

    arg_constraints = {"rate": C.positive}  # noqa: RUF012
    support = C.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        self.rate = _t(rate)
        super().__init__(self.rate.shape, (), validate_args)
        self._check_param("rate", _np(self.rate) > 0, "GreaterThan(lower_bound=0.0)")

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return self.rate.detach() * 0

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return torch_draw(shape, self.rate, "exponential") / self.rate

    def log_prob(self, value) -> Tensor:
        value = _t(value, self.rate)
        self._check_value(value, _np(value) >= 0, "GreaterThanEq(lower_bound=0.0)")
        return self.rate.log() - self.rate * value

    def cdf(self, value) -> Tensor:
        return 1 - (-self.rate * _t(value, self.rate)).exp()

    def icdf(self, value) -> Tensor:
        return -(-_t(value, self.rate)).log1p() / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - self.rate.log()


# ----------------------------------------------------------------------------- Laplace
class Laplace(Distribution):
    """Density ``exp(-|x - loc| / scale) / (2 scale)``."""

    arg_constraints = {"loc": C.real, "scale": C.positive}  # noqa: RUF012
    support = C.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _loc_scale(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)
        self._check_param("scale", _np(self.scale) > 0, "GreaterThan(lower_bound=0.0)")

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return (2 ** 0.5) * self.scale

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = float(np.finfo(self.loc._buf.dtype).eps)
        u = torch_draw(shape, self.loc, "uniform", eps - 1, 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value) -> Tensor:
        value = _t(value, self.loc)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value) -> Tensor:
        d = _t(value, self.loc) - self.loc
        return 0.5 - 0.5 * d.sign() * (-d.abs() / self.scale).expm1()

    def icdf(self, value) -> Tensor:
        term = _t(value, self.loc) - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()


# ----------------------------------------------------------------------------- one-hot
class OneHotCategorical(Distribution):
    """A Categorical over one-hot vectors of length K (event shape ``(K,)``)."""

    arg_constraints = {"probs": C.simplex, "logits": C.real_vector}  # noqa: RUF012
    support = C.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args)
        super().__init__(self._categorical.batch_shape,
                         self._categorical.param_shape[-1:], validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new._categorical = self._categorical.expand(batch_shape)
        return new

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        from ..nn.functional import one_hot
        probs = self._categorical.probs
        return one_hot(probs.argmax(-1), probs.shape[-1]).to(probs.dtype)

    @property
    def variance(self) -> Tensor:
        p = self._categorical.probs
        return p * (1 - p)

    def sample(self, sample_shape=()):
        from ..nn.functional import one_hot
        idx = self._categorical.sample(sample_shape)
        probs = self._categorical.probs
        return one_hot(idx, probs.shape[-1]).to(probs.dtype)

    def log_prob(self, value) -> Tensor:
        value = _t(value, self.probs)
        v = _host(value)
        self._check_value(value, ((v == 0) | (v == 1)).all() and (v.sum(-1) == 1).all(),
                          "OneHot()")
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand=True) -> Tensor:
        from ..creation import eye
        n = self._event_shape[0]
        values = eye(n, dtype=self.probs.dtype).view((n,) + (1,) * len(self._batch_shape)
                                                    + (n,))
        return values.expand(n, *self._batch_shape, n) if expand else values


# ----------------------------------------------------------------------------- KL pairs
@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    from .. import linalg
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different "
                         "event shapes cannot be computed")
    Lp, Lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = Lq.diagonal(dim1=-2, dim2=-1).log().sum(-1) - \
        Lp.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    batch = tuple(np.broadcast_shapes(tuple(Lq.shape[:-2]), tuple(Lp.shape[:-2])))
    n = p.event_shape[0]
    term2 = linalg.solve_triangular(Lq.expand(*batch, n, n), Lp.expand(*batch, n, n),
                                    upper=False).pow(2).sum((-2, -1))
    term3 = _batch_mahalanobis(Lq, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    return -rate_ratio.log() + rate_ratio - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    t1 = -scale_ratio.log()
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * (-loc_abs_diff / p.scale).exp()
    return t1 + t2 + t3 - 1


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p, q):
    return kl_divergence(p._categorical, q._categorical)

