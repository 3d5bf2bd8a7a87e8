"""``torch.distributions.VonMises``: the circular normal on angles (radians, modulo 2 pi),
PyTorch 2.13's formulas and sampler::

    log p(x) = kappa cos(x - loc) - log(2 pi) - log I0(kappa)
    variance (circular) = 1 - I1(kappa) / I0(kappa);  mean = mode = loc

with ``log I0``/``log I1`` PyTorch's polynomial approximations (Abramowitz and Stegun 9.8.1-4,
small and large branches at 3.75), so values match torch's to float rounding.  ``sample`` is
Best and Fisher (1979) in float64, PyTorch's ``_rejection_sample``: per round three uniforms
``torch.rand((3,) + shape, float64)``, ``z = cos(pi u1)``, ``f = (1 + r z) / (r + z)``,
``c = kappa (r - f)``, accepted where ``c (2 - c) > u2`` or ``log(c / u2) + 1 - c >= 0``, the
angle ``sign(u3 - 1/2) acos f``, rounds repeated until every element is accepted; the result
``(x + pi + loc) mod 2 pi - pi`` cast to loc's dtype.  The uniforms are PyTorch's stream, so
after ``manual_seed`` the samples are torch's.  No ``rsample`` and no entropy (as PyTorch).
"""

from __future__ import annotations

import math

from ..tensor import Tensor
from . import constraints as C
from ._base import _loc_scale, _no_record, _t
from ._common import ConstrainedDistribution

__all__ = ["VonMises"]

_I0_SMALL = [1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2]
_I0_LARGE = [0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2, -0.2057706e-1,
             0.2635537e-1, -0.1647633e-1, 0.392377e-2]
_I1_SMALL = [0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3]
_I1_LARGE = [0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1,
             0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2]


def _eval_poly(y: Tensor, coef: list) -> Tensor:
    coef = list(coef)
    result = coef.pop()
    while coef:
        result = coef.pop() + y * result
    return result


def _log_modified_bessel_fn(x: Tensor, order: int = 0) -> Tensor:
    """``log I_order(x)`` for ``x > 0``, order 0 or 1 (PyTorch's approximation)."""
    from .._tensor_ops import where
    y = x / 3.75
    y = y * y
    small = _eval_poly(y, _I0_SMALL if order == 0 else _I1_SMALL)
    if order == 1:
        small = x.abs() * small
    small = small.log()
    y = 3.75 / x
    large = x - 0.5 * x.log() + _eval_poly(y, _I0_LARGE if order == 0 else _I1_LARGE).log()
    return where(x < 3.75, small, large)


class VonMises(ConstrainedDistribution):
    """A circular von Mises distribution (``loc`` an angle in radians, ``concentration`` > 0)."""

    arg_constraints = {"loc": C.real, "concentration": C.positive}  # noqa: RUF012
    support = C.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = _loc_scale(loc, concentration)
        super().__init__(self.loc.shape, (), validate_args)
        self._validate_params()

    def log_prob(self, value):
        value = _t(value, self.loc)
        self._validate_sample(value)
        lp = self.concentration * (value - self.loc).cos()
        return lp - math.log(2 * math.pi) - _log_modified_bessel_fn(self.concentration, 0)

    def _proposal_r(self) -> Tensor:
        from .._tensor_ops import where
        kappa = self.concentration.detach().double()
        tau = 1 + (1 + 4 * kappa ** 2).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        r = (1 + rho ** 2) / (2 * rho)
        return where(kappa < 1e-5, 1 / kappa + kappa, r)

    def sample(self, sample_shape=()):
        from .._tensor_ops import where
        from ..creation import empty, rand, zeros
        shape = self._extended_shape(sample_shape)
        with _no_record():
            loc = self.loc.detach().double().cpu()       # (the draws are host draws)
            kappa = self.concentration.detach().double().cpu()
            r = self._proposal_r().cpu()
            x = empty(*shape, dtype=loc.dtype)
            done = zeros(*shape) != 0
            while not bool(done.all()):
                u = rand(*((3,) + tuple(shape)), dtype=loc.dtype)
                u1, u2, u3 = u.unbind()
                z = (math.pi * u1).cos()
                f = (1 + r * z) / (r + z)
                c = kappa * (r - f)
                accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
                if bool(accept.any()):
                    x = where(accept, (u3 - 0.5).sign() * f.acos(), x)
                    done = done | accept
            out = (x + math.pi + loc) % (2 * math.pi) - math.pi
            out = out.to(self.loc.dtype)
            return out.cuda() if self.loc.is_cuda and not out.is_cuda else out

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        k = self.concentration
        return 1 - (_log_modified_bessel_fn(k, 1) - _log_modified_bessel_fn(k, 0)).exp()
