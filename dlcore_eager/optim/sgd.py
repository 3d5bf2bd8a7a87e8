"""Stochastic gradient descent, with PyTorch's exact update::

    g = grad + weight_decay * p                  (if weight_decay)
    b = g (first step),  b = momentum * b + (1 - dampening) * g  (later steps)
    g = g + momentum * b (nesterov)  or  g = b   (if momentum)
    p = p - lr * g                               (p + lr * g when maximize)

A sparse gradient (``nn.Embedding(sparse=True)``) takes ``_sparse_steps.sgd``.

Note the momentum form ``v = mu v + g; p -= lr v``, which differs from Sutskever et al.

Rounding as PyTorch's on the CPU: each ``a + c * b`` above is ``torch.add(a, b, alpha=c)``,
whose vectorised loop is a fused multiply-add (one rounding, ``c`` a float32), and
``momentum * b`` is one float32 product.  Contiguous float32 parameters on the host take one
Numba pass that rounds the same way (``dlcore.kernels.cpu._jit_sgd``; the tensor operations'
two roundings, ``p - fl(lr g)``, left about half the elements of a 1000-element parameter one
ulp away from torch's after one step); other dtypes and devices take the tensor operations.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _sparse_steps
from ._sparse_steps import is_sparse
from ._state_scalars import install
from .adam import _on_host
from .optimizer import Optimizer, check_flags, check_lr, require

_F32 = np.dtype(np.float32)


def _f32(x: float) -> float:
    """A Python float rounded to float32, as PyTorch casts a float32 op's ``alpha``."""
    return float(np.float32(x))


def _contiguous_host(p: Tensor, grad: Tensor, state: dict) -> bool:
    if p._buf.dtype != _F32 or not _on_host(p, grad, state, ("momentum_buffer",)):
        return False
    buf = state.get("momentum_buffer")
    return p._buf.flags.c_contiguous and grad._buf.flags.c_contiguous and \
        (buf is None or buf._buf.flags.c_contiguous)


class SGD(Optimizer):
    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None):
        check_lr(lr)
        require(lr >= 0.0, f"Invalid learning rate: {lr}")
        require(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        require(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        check_flags(foreach, fused, differentiable)
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov,
                                  "maximize": maximize, "foreach": foreach,
                                  "differentiable": differentiable, "fused": fused})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if is_sparse(grad):
            _sparse_steps.sgd(p, grad, state, group)
            return
        if _contiguous_host(p, grad, state):
            self._update_host(p, grad, state, group)
            return
        if _update_cuda(p, grad, state, group):
            return
        g = -grad if group["maximize"] else grad
        wd, mom = group["weight_decay"], group["momentum"]
        if wd != 0:
            g = g + wd * p.detach()
        if mom != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = g.clone()
            else:
                buf = buf * mom + g * (1 - group["dampening"])
            install(state, {"momentum_buffer": buf})       # in place, as PyTorch's
            g = g + mom * buf if group["nesterov"] else buf
        p.data -= group["lr"] * g

    def _update_host(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        """``_update`` in one Numba pass with PyTorch's roundings (module docstring); the
        momentum buffer is updated in place, as PyTorch's."""
        from dlcore.kernels.cpu._jit_sgd import sgd_step32
        pb = p._buf
        mom = group["momentum"]
        buf = state.get("momentum_buffer")
        first = buf is None
        b = np.empty(pb.shape, _F32) if first and mom != 0 else \
            (buf._buf if buf is not None else np.empty(0, _F32))
        sgd_step32(pb.reshape(-1), grad._buf.reshape(-1), b.reshape(-1),
                   _f32(group["weight_decay"]), _f32(mom), _f32(1 - group["dampening"]),
                   _f32(-group["lr"]), bool(group["nesterov"]), bool(group["maximize"]), first)
        if first and mom != 0:
            state["momentum_buffer"] = Tensor._wrap(b)


def _update_cuda(p: Tensor, grad: Tensor, state: dict, group: dict) -> bool:
    """``_update`` of a CUDA parameter in one kernel (``dlcore.kernels.cuda.inplace``): the
    parameter and its momentum buffer written in place (no device allocation after the
    first step, which makes the buffer); False when the buffers are not C-contiguous device
    arrays of one shape and float dtype (the tensor operations then run)."""
    pb = p._buf
    if type(pb) is np.ndarray or not hasattr(pb, "copy_to_host"):
        return False
    from dlcore.kernels.cuda import inplace
    mom = group["momentum"]
    buf = state.get("momentum_buffer")
    first = buf is None
    if mom != 0 and first:
        from ..creation import zeros_like
        buf = zeros_like(p.detach())
    bufs = (pb, grad._buf) + ((buf._buf,) if mom != 0 and buf is not None else ())
    if not inplace.flat_same(*bufs):
        return False
    inplace.sgd_step(pb, grad._buf, bufs[2] if mom != 0 else None, lr=group["lr"],
                     momentum=mom, dampening=group["dampening"],
                     weight_decay=group["weight_decay"], nesterov=group["nesterov"],
                     maximize=group["maximize"], first=first)
    if mom != 0 and first:
        state["momentum_buffer"] = buf
    p._vc[0] += 1
    return True
