"""``Gamma``, ``Chi2``, ``Beta`` and ``Dirichlet`` with reparameterised samples, and their
KL pairs (PyTorch's formulas).

Densities (all with dlcore's ``lgamma``/``digamma``, so gradients reach the parameters)::

    Gamma(a, r):   log p = a log r + (a-1) log x - r x - lgamma(a)
                   H = a - log r + lgamma(a) + (1 - a) digamma(a);  cdf = P(a, r x)
    Dirichlet(c):  log p = sum (c-1) log x + lgamma(sum c) - sum lgamma(c)
    Beta(c1, c0) = the first coordinate of Dirichlet([c1, c0]);  Chi2(df) = Gamma(df/2, 1/2)

``rsample`` draws a standard gamma ``x ~ Gamma(a, 1)`` on the host, PyTorch's numbers
(``_torch_samplers.standard_gamma``/``sample_dirichlet``: ATen's samplers on its stream), and
gives it the implicit reparameterisation gradient (as ``torch._standard_gamma``)::

    dx/da = -(dP(a, x)/da) / p(x; a) = -sum_n r_n (log x - digamma(a + n + 1)),
    r_0 = x / a,  r_n = r_{n-1} x / (a + n)

(the series of P(a, x) = x^a e^-x sum_n x^n / Gamma(a + n + 1) differentiated in a, divided by
the density), summed to float64 precision; PyTorch evaluates the same derivative with a
rational approximation, so the two agree to ~1e-4 and this one matches finite differences of
the inverse CDF to ~1e-8.  ``Dirichlet`` (and ``Beta``, its first coordinate) samples are
normalised gammas; their gradient is PyTorch's (``_Dirichlet.backward``)::

    dL/dc_i = D_i (g_i - sum_j x_j g_j),
    D_i = -(d/da I_x(a, b)) / (pdf(x; a, b) (1 - x))   at a = c_i, b = sum c - c_i

(``I`` the regularized incomplete beta function, its a-derivative by a 4-point difference
of dlcore's betainc kernel with step 1e-3 a, on the smaller of ``I`` and ``1 - I``):
exact where PyTorch's ``_dirichlet_grad`` uses approximations (they agree to ~1e-5).
"""

from __future__ import annotations

import numpy as np

from dlcore.dtypes import finfo

from ..tensor import Tensor
from . import constraints as C
from ._base import _no_record, _np, _t
from ._common import ConstrainedDistribution
from .kl import register_kl

__all__ = ["Beta", "Chi2", "Dirichlet", "Gamma", "standard_gamma_grad"]


def standard_gamma_grad(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``dx/da`` for ``x ~ Gamma(a, 1)`` held at fixed CDF (float64 numpy, elementwise)."""
    from .. import special
    x = np.asarray(x, np.float64)
    a = np.asarray(a, np.float64)
    x, a = np.broadcast_arrays(x, a)
    x = np.maximum(x, np.finfo(np.float64).tiny)
    psi = _np(special.digamma(Tensor._wrap(np.require(a, requirements="C")))) + 1 / a
    logx = np.log(x)
    r = x / a
    total = -r * (logx - psi)
    n = 0
    done = np.zeros(x.shape, bool)
    while not done.all() and n < 200000:
        n += 1
        r = r * x / (a + n)
        psi = psi + 1 / (a + n)
        term = -r * (logx - psi)
        total = np.where(done, total, total + term)
        done |= (n > x - a) & (np.abs(term) <= 1e-17 * np.abs(total))
    return total


def dirichlet_grad(x: np.ndarray, alpha: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``-(dI_x(a, b)/da) / (pdf(x; a, b) (1 - x))`` at ``a = alpha, b = total - alpha`` (the
    quantity of PyTorch's ``torch._dirichlet_grad``), float64 numpy, elementwise."""
    from dlcore.kernels.cpu.special_math import betainc
    x, a, t = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (x, alpha, total)))
    b = t - a
    upper = betainc(a, b, x) > 0.5              # differentiate the smaller tail

    def tail(aa):
        return np.where(upper, -betainc(b, aa, 1 - x), betainc(aa, b, x))

    h = 1e-3 * a
    d_i = (8 * (tail(a + h) - tail(a - h)) - (tail(a + 2 * h) - tail(a - 2 * h))) / (12 * h)
    from math import lgamma
    lg = np.vectorize(lgamma, otypes=[np.float64])
    log_pdf = (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - (lg(a) + lg(b) - lg(t))
    return -d_i / np.exp(log_pdf) / (1 - x)


def _standard_gamma(alpha: Tensor, shape) -> Tensor:
    """Draws of Gamma(alpha, 1) broadcast to ``shape``, differentiable in ``alpha``."""
    from .._state import is_grad_enabled
    from ._torch_samplers import standard_gamma  # torch._standard_gamma, its stream
    a = np.broadcast_to(_np(alpha).astype(np.float64), tuple(shape))
    x = Tensor._wrap(standard_gamma(np.broadcast_to(_np(alpha), tuple(shape)))
                     .astype(alpha._buf.dtype))
    x = x.cuda() if alpha.is_cuda else x
    if alpha.requires_grad and is_grad_enabled():
        dxda = Tensor._wrap(standard_gamma_grad(_np(x), a).astype(alpha._buf.dtype))
        if alpha.is_cuda:
            dxda = dxda.cuda()
        a_t = alpha.expand(*shape) if tuple(alpha.shape) != tuple(shape) else alpha
        x = x + (a_t - a_t.detach()) * dxda     # value x, gradient dx/da
    return x


# ----------------------------------------------------------------------------- Gamma
class Gamma(ConstrainedDistribution):
    """Density ``r^a x^(a-1) e^(-r x) / Gamma(a)`` on x >= 0."""

    arg_constraints = {"concentration": C.positive, "rate": C.positive}  # noqa: RUF012
    support = C.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        from ._base import _broadcast
        c = _t(concentration, rate if isinstance(rate, Tensor) else None)
        self.concentration, self.rate = _broadcast(c, _t(rate, c))
        super().__init__(self.concentration.shape, (), validate_args)
        self._validate_params()

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        x = _standard_gamma(self.concentration, shape) / self.rate
        tiny = float(finfo(x._buf.dtype).tiny)
        return x.clamp(min=tiny)

    def log_prob(self, value):
        value = _t(value, self.rate)
        self._validate_sample(value)
        c, r = self.concentration, self.rate
        return c.xlogy(r) + (c - 1).xlogy(value) - r * value - c.lgamma()

    def entropy(self):
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1.0 - c) * c.digamma()

    def cdf(self, value):
        from .. import special
        value = _t(value, self.rate)
        self._validate_sample(value)
        return special.gammainc(self.concentration, self.rate * value)



class Chi2(Gamma):
    """``Gamma(df / 2, 1 / 2)``."""

    arg_constraints = {"df": C.positive}  # noqa: RUF012

    def __init__(self, df, validate_args=None):
        df = _t(df)
        self._df = df
        super().__init__(0.5 * df, _t(0.5, df), validate_args=validate_args)

    @property
    def df(self):
        return self.concentration * 2

    def _validate_params(self) -> None:
        if self._validate_args:
            self._check_param("df", _np(C.positive.check(self.df)), repr(C.positive))

    def _expand_params(self):
        return ["concentration", "rate"]



# ----------------------------------------------------------------------------- Dirichlet
class Dirichlet(ConstrainedDistribution):
    """Density ``prod x_i^(c_i - 1) / B(c)`` on the simplex (event shape ``(K,)``)."""

    arg_constraints = {"concentration": C.independent(C.positive, 1)}  # noqa: RUF012
    support = C.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        c = _t(concentration)
        if c.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = c
        super().__init__(c.shape[:-1], c.shape[-1:], validate_args)
        self._validate_params()

    def rsample(self, sample_shape=()):
        from .._state import is_grad_enabled
        shape = self._extended_shape(sample_shape)
        c = self.concentration
        with _no_record():
            from ._torch_samplers import sample_dirichlet  # torch._sample_dirichlet
            x = Tensor._wrap(sample_dirichlet(np.broadcast_to(_np(c), tuple(shape)))
                             .astype(c._buf.dtype))
            x = x.cuda() if c.is_cuda else x
        if not (c.requires_grad and is_grad_enabled()):
            return x
        cb = np.broadcast_to(_np(c).astype(np.float64), tuple(shape))
        D = Tensor._wrap(dirichlet_grad(_np(x), cb, cb.sum(-1, keepdims=True))
                         .astype(c._buf.dtype))
        if c.is_cuda:
            D = D.cuda()
        ce = c.expand(*shape) if tuple(c.shape) != tuple(shape) else c
        delta = D * (ce - ce.detach())          # value 0; gradient as _Dirichlet.backward
        return x + delta - x * delta.sum(-1, keepdim=True)

    def log_prob(self, value):
        value = _t(value, self.concentration)
        self._validate_sample(value)
        c = self.concentration
        return (c - 1).xlogy(value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self):
        """PyTorch's: ``(c-1)+ / sum (c-1)+``; where every c < 1 (0/0 there, whose argmax
        PyTorch takes as the first NaN), the first vertex."""
        from ..nn.functional import one_hot
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, keepdim=True)
        mask = (self.concentration < 1).all(-1, keepdim=True)
        k = cm1.shape[-1]
        first = cm1.detach().argmax(-1) * 0              # index 0, long, batch-shaped
        vertex = one_hot(first, k).to(mode.dtype)
        return mode.masked_fill(mask, 0.0) + vertex * mask.to(mode.dtype)

    @property
    def variance(self):
        c = self.concentration
        c0 = c.sum(-1, keepdim=True)
        return c * (c0 - c) / (c0.pow(2) * (c0 + 1))

    def entropy(self):
        c = self.concentration
        k = c.shape[-1]
        a0 = c.sum(-1)
        return (c.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((c - 1.0) * c.digamma()).sum(-1))



# ----------------------------------------------------------------------------- Beta
class Beta(ConstrainedDistribution):
    """Density ``x^(c1-1) (1-x)^(c0-1) / B(c1, c0)`` on [0, 1]."""

    arg_constraints = {"concentration1": C.positive,  # noqa: RUF012
                       "concentration0": C.positive}
    support = C.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        from .._shape_ops import stack
        from ._base import _broadcast
        c1 = _t(concentration1, concentration0 if isinstance(concentration0, Tensor) else None)
        self.concentration1, self.concentration0 = _broadcast(c1, _t(concentration0, c1))
        super().__init__(self.concentration1.shape, (), validate_args)
        self._validate_params()
        self._dirichlet = Dirichlet(stack([self.concentration1, self.concentration0], -1),
                                    validate_args=False)

    def expand(self, batch_shape, _instance=None):
        from .._shape_ops import stack
        new = super().expand(batch_shape, _instance)
        new._dirichlet = Dirichlet(stack([new.concentration1, new.concentration0], -1),
                                   validate_args=False)
        return new

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()):
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def __repr__(self) -> str:                   # (PyTorch keeps them in its Dirichlet)
        return "Beta()"

    def log_prob(self, value):
        from .._shape_ops import stack
        value = _t(value, self.concentration1)
        self._validate_sample(value)
        heads_tails = stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self):
        return self._dirichlet.entropy()



# ----------------------------------------------------------------------------- KL pairs
@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * (p.rate / q.rate).log()
    t2 = q.concentration.lgamma() - p.concentration.lgamma()
    t3 = (p.concentration - q.concentration) * p.concentration.digamma()
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    sp = p.concentration1 + p.concentration0
    sq = q.concentration1 + q.concentration0
    t1 = q.concentration1.lgamma() + q.concentration0.lgamma() + sp.lgamma()
    t2 = p.concentration1.lgamma() + p.concentration0.lgamma() + sq.lgamma()
    t3 = (p.concentration1 - q.concentration1) * p.concentration1.digamma()
    t4 = (p.concentration0 - q.concentration0) * p.concentration0.digamma()
    t5 = (sq - sp) * sp.digamma()
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    sp = p.concentration.sum(-1)
    sq = q.concentration.sum(-1)
    t1 = sp.lgamma() - sq.lgamma()
    t2 = (p.concentration.lgamma() - q.concentration.lgamma()).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = p.concentration.digamma() - sp.digamma().unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)

