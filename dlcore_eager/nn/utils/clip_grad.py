"""Gradient clipping and flat parameter vectors: ``clip_grad_norm_``, ``clip_grad_value_``,
``parameters_to_vector``, ``vector_to_parameters`` (PyTorch's semantics: the total norm is over
all gradients together, returned as a tensor; the clip coefficient is ``max_norm / (norm +
1e-6)`` clamped to at most 1, in the norm's dtype)."""

from __future__ import annotations

import math

import numpy as np

from dlcore.kernels.cpu import norm2 as _cpu_norm2
from dlcore.ops.norm2 import norm2_p

from ... import _dispatch as _D
from ...tensor import Tensor
from ...tracing import _RECORDERS


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
    if norm_type == 2.0:
        total = _host_total_norm(ts)
        if total is not None:
            if error_if_nonfinite and not math.isfinite(float(total)):
                raise RuntimeError(_NONFINITE.format(norm_type))
            return Tensor._wrap(total)
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
            raise RuntimeError(_NONFINITE.format(norm_type))
    return total


_NONFINITE = ("The total norm of order {} for gradients from `parameters` is non-finite, so it "
              "cannot be clipped. To disable this error and scale the gradients by the "
              "non-finite norm anyway, set `error_if_nonfinite=False`")
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _plain(ts: list) -> bool:
    """Whether ``ts`` are CPU tensors of one float32 or float64 dtype on plain NumPy buffers
    that require no grad, outside autocast and traces: the host path's operands."""
    b0 = getattr(ts[0], "_buf", None)
    dtype = b0.dtype if type(b0) is np.ndarray else None
    if dtype not in _FLOATS or _D._AUTOCAST or _RECORDERS:
        return False
    for t in ts:
        b = t._buf
        if type(t) is not Tensor or type(b) is not np.ndarray or b.dtype != dtype or t._rg:
            return False
    return True


def _host_total_norm(ts: list):
    """The 2-norm of ``ts`` together (a 0-d array) on their buffers, as the general path
    computes it (PyTorch's foreach norms): each tensor's norm by ``norm2``'s CPU kernel, then
    the norm of those, the same kernel on the same values; None where ``_plain`` fails.  24
    gradients of nanoGPT's sizes: ``clip_grad_norm_`` 283 -> 92 us (PyTorch 151)."""
    if not _plain(ts):
        return None
    kernel = norm2_p.kernels["cpu"]
    if kernel is not _cpu_norm2.norm2:              # (a replaced kernel: its values)
        norms = np.stack([kernel(t._buf, axes=tuple(range(t._buf.ndim)), keepdims=False)
                          for t in ts])
    else:
        norms = _cpu_norm2.norms([t._buf for t in ts])
    return kernel(norms, axes=(0,), keepdims=False)


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
        if _plain(grads) and type(coef._buf) is np.ndarray and \
                all(g._buf.flags.writeable for g in grads):
            c = coef._buf.astype(grads[0]._buf.dtype)        # (coef.to(g.dtype)'s value)
            with np.errstate(invalid="ignore"):     # (inf * 0 of an inf norm: NaN, silently)
                for g in grads:                             # (g.mul_(c) on its buffer)
                    np.multiply(g._buf, c, out=g._buf)
                    g._vc[0] += 1
            return
        for g in grads:
            g.mul_(coef.to(g.dtype))


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Deprecated form of ``clip_grad_norm_`` (PyTorch's FutureWarning)."""
    import warnings
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)
