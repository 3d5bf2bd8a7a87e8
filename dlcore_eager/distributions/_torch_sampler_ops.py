"""The ``torch.*`` names of ATen's samplers (``torch.binomial``, ``torch._standard_gamma``,
``torch._sample_dirichlet``), installed on dlcore_eager: thin wrappers over
``_torch_samplers`` (the samplers) and ``gamma._standard_gamma`` (the differentiable draw), kept
above both so neither imports the other."""

from __future__ import annotations

import numpy as np

from ..creation import tensor as _tensor
from ..tensor import Tensor
from ._torch_samplers import binomial, sample_dirichlet
from .gamma import _standard_gamma


# ----------------------------------------------------------------------------- torch.* names
def _binomial_op(count, prob, generator=None):
    """``torch.binomial(count, prob)``: draws of Binomial(count, prob), broadcast, in count's
    floating dtype (not differentiable)."""
    if not count.dtype.is_floating_point:
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: "
                         f"{count.dtype._legacy.replace('Tensor', '')}")
    prob = prob if isinstance(prob, Tensor) else _tensor(prob, dtype=count.dtype)
    shape = np.broadcast_shapes(tuple(count.shape), tuple(prob.shape))
    dt = count._buf.dtype
    c = np.broadcast_to(count.detach().cpu().numpy().astype(dt), shape)
    p = np.broadcast_to(prob.detach().cpu().numpy().astype(dt), shape)
    out = Tensor._wrap(binomial(c, p, generator).astype(dt))
    return out.cuda() if count.is_cuda else out


def _standard_gamma_op(alpha, generator=None):
    """``torch._standard_gamma(alpha)``: Gamma(alpha, 1) draws with the reparameterisation
    gradient in ``alpha`` (see gamma.py)."""
    if generator is not None:
        raise NotImplementedError("_standard_gamma: a generator argument is not supported")
    return _standard_gamma(alpha, tuple(alpha.shape))


def _sample_dirichlet_op(alpha, generator=None):
    """``torch._sample_dirichlet(alpha)`` (not differentiable, as in PyTorch)."""
    out = Tensor._wrap(sample_dirichlet(alpha.detach().cpu().numpy(), generator)
                       .astype(alpha._buf.dtype))
    return out.cuda() if alpha.is_cuda else out


def install(module) -> None:
    """``torch.binomial``, ``torch._standard_gamma``, ``torch._sample_dirichlet`` on
    ``module`` (dlcore_eager), where not already defined."""
    for name, fn in (("binomial", _binomial_op), ("_standard_gamma", _standard_gamma_op),
                     ("_sample_dirichlet", _sample_dirichlet_op)):
        if not hasattr(module, name):
            setattr(module, name, fn)
