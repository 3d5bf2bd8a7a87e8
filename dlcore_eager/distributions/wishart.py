"""``torch.distributions.Wishart``: positive-definite ``p x p`` matrices, degrees of freedom
``df > p - 1`` and a scale given as ``covariance_matrix``, ``precision_matrix`` or its Cholesky
factor ``scale_tril`` (L), PyTorch 2.13's formulas and sampler::

    log p(X) = -df (p log 2 / 2 + sum log diag L) - mvlgamma(df / 2, p)
               + (df - p - 1) / 2 log|X| - tr(S^-1 X) / 2
    H = (p + 1)(p log 2 / 2 + sum log diag L) + mvlgamma(df / 2, p)
        - (df - p - 1) / 2 mvdigamma(df / 2, p) + df p / 2
    mean = df S,  mode = (df - p - 1) S (nan where <= 0),  var_ij = df (S_ij^2 + S_ii S_jj)

``rsample`` is Bartlett's decomposition as PyTorch's ``_bartlett_sampling``: ``A`` lower
triangular with ``sqrt(chi2(df - i))`` on the diagonal (clamped to >= eps; the chi2 draws are
ATen's gamma sampler, ported, and carry the reparameterisation gradient in ``df``) and
``randn`` below it, ``X = (L A)(L A)^T``.  PyTorch 2.13 then checks the draws with
``support.check`` (true for a positive-definite draw) and treats a true as singular: it warns
"Singular sample detected." and redraws those samples (up to ``max_try_correction`` = 10
rounds) -- done here the same way, so the stream is consumed as torch's and the samples after
``manual_seed`` are torch's (to float rounding).
"""

from __future__ import annotations

import math
import warnings
from functools import cached_property

import numpy as np

from ..tensor import Tensor
from . import constraints as C
from ._base import _np, _t
from ._common import ConstrainedDistribution

__all__ = ["Wishart"]

_LOG_2 = math.log(2)


def _mvdigamma(x: Tensor, p: int) -> Tensor:
    from ..creation import arange
    return (x.unsqueeze(-1) - arange(p, dtype=x.dtype, device=x.device).div(2)).digamma().sum(-1)


class Wishart(ConstrainedDistribution):
    """Wishart(df, S) over ``p x p`` positive-definite matrices."""

    support = C.positive_definite
    has_rsample = True

    @property
    def arg_constraints(self):                  # type: ignore[override]
        return {"covariance_matrix": C.positive_definite,
                "precision_matrix": C.positive_definite,
                "scale_tril": C.lower_cholesky,
                "df": C.greater_than(self._event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        from .. import linalg
        if (covariance_matrix is not None) + (scale_tril is not None) + \
                (precision_matrix is not None) != 1:
            raise AssertionError("Exactly one of covariance_matrix or precision_matrix or "
                                 "scale_tril may be specified.")
        param = _t(next(m for m in (covariance_matrix, precision_matrix, scale_tril)
                        if m is not None))
        if param.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional "
                             "leading batch dimensions")
        if isinstance(df, Tensor):
            batch = tuple(np.broadcast_shapes(tuple(param.shape[:-2]), tuple(df.shape)))
            self.df = df.expand(*batch)
        else:
            batch = tuple(param.shape[:-2])
            self.df = _t(float(df), param)
        p = param.shape[-1]
        if (_np(self.df) <= p - 1).any():
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        name = "scale_tril" if scale_tril is not None else (
            "covariance_matrix" if covariance_matrix is not None else "precision_matrix")
        self.__dict__[name] = param.expand(*batch, -1, -1)
        if (_np(self.df) < p).any():
            warnings.warn("Low df values detected. Singular samples are highly likely to occur "
                          "for ndim - 1 < df < ndim.", UserWarning, stacklevel=2)
        super().__init__(batch, tuple(param.shape[-2:]), validate_args)
        self._validate_params()
        if scale_tril is not None:
            L = param
        elif covariance_matrix is not None:
            L = linalg.cholesky(param)
        else:
            from .more import _precision_to_scale_tril
            L = _precision_to_scale_tril(param)
        self._unbroadcasted_scale_tril = L
        self._set_chi2()

    def _set_chi2(self) -> None:
        from ..creation import arange
        from .gamma import Chi2
        L = self._unbroadcasted_scale_tril
        p = self._event_shape[-1]
        self._dist_chi2 = Chi2(self.df.unsqueeze(-1) - arange(p, dtype=L.dtype, device=L.device)
                               .expand(*self._batch_shape, p))

    def _expand_params(self):
        return ["df"] + [n for n in ("covariance_matrix", "precision_matrix", "scale_tril")
                         if n in self.__dict__]

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new._set_chi2()
        return new

    @cached_property
    def scale_tril(self) -> Tensor:
        return self._unbroadcasted_scale_tril.expand(*self._batch_shape, *self._event_shape)

    @cached_property
    def covariance_matrix(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return (L @ L.transpose(-2, -1)).expand(*self._batch_shape, *self._event_shape)

    @cached_property
    def precision_matrix(self) -> Tensor:
        from .._linalg_solve import cholesky_solve
        from ..creation import eye
        L = self._unbroadcasted_scale_tril
        return cholesky_solve(eye(self._event_shape[-1], dtype=L.dtype, device=L.device), L).expand(
            *self._batch_shape, *self._event_shape)

    @property
    def mean(self) -> Tensor:
        return self.df.view(*self._batch_shape, 1, 1) * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        factor = self.df - self._event_shape[-1] - 1
        factor = factor.masked_fill(factor <= 0, float("nan"))
        return factor.view(*self._batch_shape, 1, 1) * self.covariance_matrix

    @property
    def variance(self) -> Tensor:
        V = self.covariance_matrix
        d = V.diagonal(dim1=-2, dim2=-1)
        return self.df.view(*self._batch_shape, 1, 1) * (V.pow(2) + d.unsqueeze(-1) *
                                                         d.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape=()) -> Tensor:
        from dlcore.dtypes import finfo

        from .._extra_ops import tril_indices
        from ..creation import randn, zeros
        p = self._event_shape[-1]
        chi = self._dist_chi2.rsample(sample_shape).sqrt()
        chi = chi.clamp(min=float(finfo(chi._buf.dtype).eps))
        i, j = tril_indices(p, p, offset=-1)
        lead = tuple(sample_shape) + tuple(self._batch_shape)
        normals = randn(*lead, p * (p - 1) // 2, dtype=chi.dtype)
        below = zeros(*lead, p, p, dtype=chi.dtype)
        below[..., i, j] = normals
        noise = chi.diag_embed() + (below.cuda() if chi.is_cuda else below)
        chol = self._unbroadcasted_scale_tril @ noise
        return chol @ chol.transpose(-2, -1)

    def _flags(self, sample: Tensor) -> np.ndarray:
        """PyTorch's ``is_singular``: ``support.check`` (true where positive definite), any
        over the batch dimensions."""
        ok = np.asarray(_np(self.support.check(sample)), bool)
        nb = len(self._batch_shape)
        return np.asarray(ok.reshape(ok.shape[:ok.ndim - nb] + (-1,)).any(-1) if nb else ok)

    def rsample(self, sample_shape=(), max_try_correction=None):
        from .._shape_ops import cat
        from ..creation import tensor
        if max_try_correction is None:
            max_try_correction = 10
        sample_shape = tuple(sample_shape)
        sample = self._bartlett_sampling(sample_shape)
        flags = self._flags(sample).reshape(-1)
        if flags.any():
            warnings.warn("Singular sample detected.", UserWarning, stacklevel=2)
            tail = tuple(self._batch_shape) + tuple(self._event_shape)
            for _ in range(max_try_correction):
                k = int(flags.sum())
                new = self._bartlett_sampling((k,))
                flat = sample.reshape(-1, *tail)
                sel = np.arange(flat.shape[0])
                sel[np.nonzero(flags)[0]] = flat.shape[0] + np.arange(k)
                sample = cat([flat, new], 0)[tensor(sel)].reshape(*sample_shape, *tail)
                flags[flags.copy()] = ~self._flags(new).reshape(-1)
                if not flags.any():
                    break
        return sample

    def log_prob(self, value):
        from .. import linalg
        from .._linalg_solve import cholesky_solve
        from ..special import multigammaln as mvlgamma
        value = _t(value, self.df)
        self._validate_sample(value)
        nu = self.df
        p = self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        return (-nu * (p * _LOG_2 / 2 + L.diagonal(dim1=-2, dim2=-1).log().sum(-1))
                - mvlgamma(nu / 2, p=p)
                + (nu - p - 1) / 2 * linalg.slogdet(value).logabsdet
                - cholesky_solve(value, L).diagonal(dim1=-2, dim2=-1).sum(dim=-1) / 2)

    def entropy(self):
        from ..special import multigammaln as mvlgamma
        nu = self.df
        p = self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        return ((p + 1) * (p * _LOG_2 / 2 + L.diagonal(dim1=-2, dim2=-1).log().sum(-1))
                + mvlgamma(nu / 2, p=p) - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p=p)
                + nu * p / 2)
