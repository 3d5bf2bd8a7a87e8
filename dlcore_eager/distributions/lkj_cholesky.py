"""``torch.distributions.LKJCholesky``: the LKJ distribution over Cholesky factors ``L`` of
``dim x dim`` correlation matrices (Lewandowski, Kurowicka and Joe 2009), PyTorch 2.13's
formulas and sampler::

    log p(L) = sum_{i=2..dim} (2 (eta - 1) + dim - i) log L_ii - log Z,
    log Z = (dim - 1)/2 log pi + mvlgamma(alpha - 1/2, dim - 1) - (dim - 1) lgamma(alpha),
    alpha = eta + (dim - 1)/2

``sample`` is PyTorch's onion method: ``y ~ Beta(offset + 1/2, eta + (dim - 2)/2 - offset/2)``
per row (``offset = [0, 0, 1, ..., dim - 2]``), a standard normal matrix's strict lower
triangle normalised row by row (row 0 zero), ``w = sqrt(y) u``, and the diagonal
``sqrt(max(1 - |w_i|^2, tiny))``.  The Beta draws (ATen's Dirichlet sampler, ported) and the
normals are PyTorch's stream, so after ``manual_seed`` the samples are torch's (to float
rounding).  No ``rsample``, mean or variance (as PyTorch).
"""

from __future__ import annotations

import math

from . import constraints as C
from ._base import _no_record, _t
from ._common import ConstrainedDistribution

__all__ = ["LKJCholesky"]


class LKJCholesky(ConstrainedDistribution):
    """LKJ over lower Cholesky factors of ``dim x dim`` correlation matrices."""

    arg_constraints = {"concentration": C.positive}  # noqa: RUF012
    support = C.corr_cholesky
    has_rsample = False

    def __init__(self, dim: int, concentration=1.0, validate_args=None):
        from .._shape_ops import cat
        from ..creation import arange, zeros
        from .gamma import Beta
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. "
                             f"Found dim={dim}.")
        self.dim = dim
        c = _t(concentration)
        self.concentration = c if c.dtype.is_floating_point else c.float()
        marginal = self.concentration + 0.5 * (dim - 2)
        offset = arange(dim - 1, dtype=self.concentration.dtype, device=self.concentration.device)
        offset = cat([zeros(1, dtype=offset.dtype, device=offset.device), offset])
        self._beta = Beta(offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset)
        super().__init__(self.concentration.shape, (dim, dim), validate_args)
        self._validate_params()

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new._beta = self._beta.expand(tuple(batch_shape) + (self.dim,))
        return new

    def _expand_params(self):
        return ["concentration"]

    def sample(self, sample_shape=()):
        from .._tensor_ops import where
        from ..creation import arange, randn
        with _no_record():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            shape = self._extended_shape(sample_shape)
            u = randn(*shape, dtype=y.dtype).tril(-1)
            if y.is_cuda:
                u = u.cuda()
            u = u / (u * u).sum(-1, keepdim=True).sqrt()
            row0 = (arange(self.dim) == 0).unsqueeze(-1)     # PyTorch: u[..., 0, :] = 0
            u = where(row0.cuda() if u.is_cuda else row0, u.new_zeros(()), u)
            w = y.sqrt() * u
            from dlcore.dtypes import finfo
            diag = (1 - (w ** 2).sum(-1)).clamp(min=float(finfo(w._buf.dtype).tiny)).sqrt()
            return w + diag.diag_embed()

    def log_prob(self, value):
        from ..creation import arange
        value = _t(value, self.concentration)
        self._validate_sample(value)
        diag = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = arange(2, self.dim + 1, device=self.concentration.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = (order * diag.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        denominator = alpha.lgamma() * dm1
        numerator = (alpha - 0.5).mvlgamma(dm1)
        normalize = 0.5 * dm1 * math.log(math.pi) + numerator - denominator
        return unnormalized - normalize

    def __repr__(self) -> str:
        c = self.concentration
        return f"LKJCholesky(concentration: {c if c.numel() == 1 else c.size()})"


