"""Gradient clipping and flat parameter vectors: ``clip_grad_norm_``, ``clip_grad_value_``,
``parameters_to_vector``, ``vector_to_parameters`` (PyTorch's semantics: the total norm is over
all gradients together, returned as a tensor; the clip coefficient is ``max_norm / (norm +
1e-6)`` clamped to at most 1, in the norm's dtype)."""

from __future__ import annotations

import math


from ...tensor import Tensor


def _params(parameters) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale all gradients in place so that their joint ``norm_type``-norm is at most
    ``max_norm``; returns the norm before clipping (PyTorch's two halves: ``get_total_norm``,
    then ``clip_grads_with_norm_``, so the rounding is PyTorch's)."""
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if grads:
        clip_grads_with_norm_(grads, max_norm, total, _grads=True)
    return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    from ...autograd import no_grad
    c = float(clip_value)
    with no_grad():
        for p in _params(parameters):
            if p.grad is not None:
                p.grad.clamp_(-c, c)


def parameters_to_vector(parameters) -> Tensor:
    """All parameters flattened and concatenated (differentiable)."""
    from ... import _shape_ops as S
    return S.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of ``vec`` into the parameters' data."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    from ...autograd import no_grad
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: the vector has {vec.numel()} elements, the "
                           f"parameters {total}")
    with no_grad():
        start = 0
        for p in params:
            n = p.numel()
            p.copy_(vec[start:start + n].reshape(tuple(p.shape)))
            start += n


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together (as one vector): a 0-d tensor, 0.0
    for none (PyTorch 2.6+'s first half of ``clip_grad_norm_``)."""
    from ...autograd import no_grad
    from ...creation import tensor
    ts = _params(tensors)
    if not ts:
        return tensor(0.0)
    norm_type = float(norm_type)
    from ... import _shape_ops as S
    from ...linalg import vector_norm
    with no_grad():
        # PyTorch's order: one norm per tensor, grouped by dtype (first appearance), then the
        # norm of the stacked norms
        groups: dict = {}
        for t in ts:
            groups.setdefault(t.dtype, []).append(t)
        norms = [vector_norm(t, norm_type) for g in groups.values() for t in g]
        total = vector_norm(S.stack(norms), norm_type)
        if error_if_nonfinite and not math.isfinite(float(total.item())):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                               "`parameters` is non-finite, so it cannot be clipped. To disable "
                               "this error and scale the gradients by the non-finite norm "
                               "anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None, *,
                          _grads: bool = False) -> None:
    """Scale the gradients in place by ``min(max_norm / (total_norm + 1e-6), 1)`` (the second
    half of ``clip_grad_norm_``; ``total_norm`` from ``get_total_norm``): computed in the
    norm's dtype as PyTorch (``max_norm / t`` is ``t.reciprocal() * max_norm``) and applied
    to every gradient, a coefficient of 1 included (a NaN norm makes NaN gradients)."""
    from ...autograd import no_grad
    grads = list(parameters) if _grads else \
        [p.grad for p in _params(parameters) if p.grad is not None]
    if not grads:
        return
    with no_grad():
        coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.dtype))


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Deprecated form of ``clip_grad_norm_`` (PyTorch's FutureWarning)."""
    import warnings
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)
