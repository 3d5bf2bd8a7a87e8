"""Adam, AdamW and RMSprop with PyTorch's exact updates (no ``foreach``/fused variants).

Adam (``t`` counts steps from 1)::

    g = grad + weight_decay * p          (Adam's L2 penalty; AdamW instead: p *= 1 - lr * wd)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g^2          (amsgrad: vmax = max(vmax, v), used below)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

RMSprop::

    s = alpha * s + (1 - alpha) * g^2
    centered: a = alpha * a + (1 - alpha) * g;  d = sqrt(s - a^2) + eps;  else d = sqrt(s) + eps
    momentum: b = momentum * b + g / d;  p -= lr * b      else  p -= lr * g / d
"""

from __future__ import annotations

import math

import numpy as np

from dlcore import ops as _ops

from .. import _tensor_ops as O
from ..creation import zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer, require

_ndarray = np.ndarray
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Adam(Optimizer):
    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False):
        require(lr >= 0.0, f"Invalid learning rate: {lr}")
        require(eps >= 0.0, f"Invalid epsilon value: {eps}")
        require(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        require(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        require(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                      "weight_decay": weight_decay, "amsgrad": amsgrad,
                                      "maximize": maximize})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if _on_host(p, grad, state, ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")):
            self._update_host(p, grad, state, group)
            return
        if not state:
            state["step"] = 0
            state["exp_avg"] = zeros_like(p.detach())
            state["exp_avg_sq"] = zeros_like(p.detach())
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p.detach())
        g = -grad if group["maximize"] else grad
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        state["step"] += 1
        t = state["step"]
        if wd != 0:
            if self._decoupled:
                p.data *= 1 - lr * wd
            else:
                g = g + wd * p.detach()
        m = state["exp_avg"] * b1 + g * (1 - b1)
        v = state["exp_avg_sq"] * b2 + g * g * (1 - b2)
        state["exp_avg"], state["exp_avg_sq"] = m, v
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"].maximum(v)
            state["max_exp_avg_sq"] = v
        bc1 = 1 - b1 ** t
        bc2_sqrt = math.sqrt(1 - b2 ** t)
        denom = v.sqrt() / bc2_sqrt + eps
        p.data -= (lr / bc1) * (m / denom)

    def _update_host(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        """``_update`` on NumPy buffers: the same operations in the same order, each rounded
        to the parameter's dtype (Python floats are weak scalars in NumPy as in dlcore), with
        the temporaries updated in place.  The state gets new tensors, as above."""
        pb = p._buf
        g = grad._buf
        if not state:
            # Zeros laid out in memory like the gradient (a weight's gradient is often the
            # transpose of a C-ordered matmul result): the moment updates then read and write
            # in one order, where mixed orders made NumPy's loops several times slower.
            state["step"] = 0
            state["exp_avg"] = Tensor._wrap(np.zeros_like(g))
            state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(g))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(g))
        if group["maximize"]:
            g = np.negative(g)
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        state["step"] += 1
        t = state["step"]
        if wd != 0:
            if self._decoupled:
                np.multiply(pb, 1 - lr * wd, out=pb)
            else:
                g = g + wd * pb
        m = state["exp_avg"]._buf * b1
        tmp = g * (1 - b1)
        m += tmp
        v = state["exp_avg_sq"]._buf * b2
        gg = np.multiply(g, g, out=tmp)
        gg *= 1 - b2
        v += gg
        state["exp_avg"], state["exp_avg_sq"] = Tensor._wrap(m), Tensor._wrap(v)
        if group["amsgrad"]:
            v = _ops.maximum(state["max_exp_avg_sq"]._buf, v)    # dlcore's NaN rule
            state["max_exp_avg_sq"] = Tensor._wrap(v)
        bc1 = 1 - b1 ** t
        bc2_sqrt = math.sqrt(1 - b2 ** t)
        denom = _ops.sqrt(v)                 # dlcore's kernel (faster here than np.sqrt)
        denom /= bc2_sqrt
        denom += eps
        step = np.divide(m, denom, out=denom)
        step *= lr / bc1
        np.subtract(pb, step, out=pb)


def _on_host(p: Tensor, grad: Tensor, state: dict, names) -> bool:
    """True when the parameter, its gradient and its state are float NumPy buffers of one
    shape and dtype (the host fast path of an update)."""
    pb, gb = p._buf, grad._buf
    if type(pb) is not _ndarray or type(gb) is not _ndarray or pb.dtype not in _FLOATS or \
            gb.dtype != pb.dtype or gb.shape != pb.shape or not pb.flags.writeable:
        return False
    for n in names:
        s = state.get(n)
        if s is None:
            continue
        if not isinstance(s, Tensor):
            return False
        b = s._buf
        if type(b) is not _ndarray or b.dtype != pb.dtype or b.shape != pb.shape:
            return False
    return True


class AdamW(Adam):
    """Adam with decoupled weight decay (``p *= 1 - lr * weight_decay``), default 1e-2."""

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)


class RMSprop(Optimizer):
    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False):
        require(lr >= 0.0, f"Invalid learning rate: {lr}")
        require(eps >= 0.0, f"Invalid epsilon value: {eps}")
        require(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        require(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        require(alpha >= 0.0, f"Invalid alpha value: {alpha}")
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                                      "momentum": momentum, "centered": centered, "maximize": maximize})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        g = -grad if group["maximize"] else grad
        alpha, eps, wd, mom = group["alpha"], group["eps"], group["weight_decay"], \
            group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = zeros_like(p.detach())
            if mom > 0:
                state["momentum_buffer"] = zeros_like(p.detach())
            if group["centered"]:
                state["grad_avg"] = zeros_like(p.detach())
        state["step"] += 1
        if wd != 0:
            g = g + wd * p.detach()
        sq = state["square_avg"] * alpha + g * g * (1 - alpha)
        state["square_avg"] = sq
        if group["centered"]:
            ga = state["grad_avg"] * alpha + g * (1 - alpha)
            state["grad_avg"] = ga
            avg = (sq - ga * ga).sqrt() + eps
        else:
            avg = sq.sqrt() + eps
        if mom > 0:
            buf = state["momentum_buffer"] * mom + g / avg
            state["momentum_buffer"] = buf
            p.data -= group["lr"] * buf
        else:
            p.data -= group["lr"] * (g / avg)
