"""Stochastic gradient descent, with PyTorch's exact update::

    g = grad + weight_decay * p                  (if weight_decay)
    b = g (first step),  b = momentum * b + (1 - dampening) * g  (later steps)
    g = g + momentum * b (nesterov)  or  g = b   (if momentum)
    p = p - lr * g                               (p + lr * g when maximize)

A sparse gradient (``nn.Embedding(sparse=True)``) takes ``_sparse_steps.sgd``.

Note the momentum form ``v = mu v + g; p -= lr v``, which differs from Sutskever et al.
"""

from __future__ import annotations

from ..tensor import Tensor
from . import _sparse_steps
from ._sparse_steps import is_sparse
from .optimizer import Optimizer, require


class SGD(Optimizer):
    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        require(lr >= 0.0, f"Invalid learning rate: {lr}")
        require(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        require(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                      "weight_decay": weight_decay, "nesterov": nesterov,
                                      "maximize": maximize})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if is_sparse(grad):
            _sparse_steps.sgd(p, grad, state, group)
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
            state["momentum_buffer"] = buf
            g = g + mom * buf if group["nesterov"] else buf
        p.data -= group["lr"] * g
