"""Rprop, ASGD, Adafactor and SparseAdam, with PyTorch's update formulas (its single-tensor code
path, in the same order).  Notation: ``g`` the gradient (negated when ``maximize``), ``t`` the
step count (from 1), ``lr``, ``wd`` the weight decay.

Rprop::      s = sign(g prev);  eta = eta+ (s > 0), eta- (s < 0), 1 (s = 0);
             step_size = clamp(step_size eta, step_min, step_max);  g = 0 where s < 0;
             p -= sign(g) step_size;  prev = g                  (step_size starts at lr)
ASGD::       g += wd p;  p *= 1 - lambd eta;  p -= eta g;
             ax = p (mu = 1) or ax += mu (p - ax);
             eta = lr / (1 + lambd lr t)^alpha;  mu = 1 / max(1, t - t0)
Adafactor::  beta2_t = 1 - t^beta2_decay (the lerp weight is t^beta2_decay);
             rho = min(lr, 1 / sqrt(t));  alpha = max(eps2, RMS(p)) rho;  p *= 1 - lr wd;
             for a matrix (last two dims): r = lerp(r, mean_cols(g^2)), c = lerp(c, mean_rows(g^2)),
             v = r c / max(mean(r), eps1);  for a vector: v = lerp(v, g^2);
             u = g / sqrt(max(v, eps1^2));  p -= alpha / max(1, RMS(u) / d) u
             (eps1 defaults to the parameter dtype's machine epsilon)
SparseAdam:: Adam on the rows a sparse COO gradient touches (``nn.Embedding(sparse=True)``;
             the formula in ``_sparse_steps``); a dense gradient raises PyTorch's error.

As in PyTorch, ASGD's ``eta`` and ``mu`` are kept in the default scalar dtype (float32 unless the
default dtype is float64).  Each update is computed from the old state and stored at the end
(``_state_scalars.install``: written into the state tensors already there, as PyTorch's in-place
updates), so a failing step changes nothing.
"""

from __future__ import annotations

import numpy as np

from dlcore.dtypes import finfo

from .._tensor_ops import where as _where
from ..creation import full_like, zeros, zeros_like
from ..tensor import Tensor
from . import _sparse_steps
from ._state_scalars import install, scalar_tensor, state_value, step_count
from .adam import _on_host
from .adaptive import _lerp
from .optimizer import Optimizer, check_flags, check_lr, require


class Rprop(Optimizer):
    def __init__(self, params, lr: float = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False):
        check_lr(lr)
        require(0.0 <= lr, f"Invalid learning rate: {lr}")
        require(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        check_flags(foreach, None, differentiable)
        super().__init__(params, {"lr": lr, "etas": etas, "step_sizes": step_sizes,
                                  "foreach": foreach, "maximize": maximize,
                                  "differentiable": differentiable, "capturable": capturable})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if not state:
            state.update(step=scalar_tensor(0), prev=zeros_like(p.detach()),
                         step_size=full_like(grad, group["lr"]))
        g = -grad if group["maximize"] else grad
        etaminus, etaplus = group["etas"]
        smin, smax = group["step_sizes"]
        s = (g * state["prev"]).sign()
        one = full_like(s, 1.0)                     # the factors in the gradient's dtype
        factor = _where(s > 0, one * etaplus, _where(s < 0, one * etaminus, one))
        step_size = (state["step_size"] * factor).clamp(smin, smax)
        g = _where(s < 0, 0.0, g)
        upd = g.sign() * step_size
        install(state, dict(step=scalar_tensor(step_count(state) + 1), prev=g,
                            step_size=step_size))
        p.data -= upd


class ASGD(Optimizer):
    _version_bumps = 2                  # (PyTorch's decay mul_, then add_)

    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach=None,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False):
        check_lr(lr)
        require(0.0 <= lr, f"Invalid learning rate: {lr}")
        require(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check_flags(foreach, None, differentiable)
        super().__init__(params, {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                                  "weight_decay": weight_decay, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if not state:
            state.update(step=scalar_tensor(0), eta=scalar_tensor(group["lr"]),
                         mu=scalar_tensor(1.0), ax=zeros_like(p.detach()))
        lr, lambd, wd = group["lr"], group["lambd"], group["weight_decay"]
        step = step_count(state) + 1
        eta, mu = state_value(state["eta"]), state_value(state["mu"])
        scalars = dict(step=scalar_tensor(step),
                       eta=scalar_tensor(lr / ((1 + lambd * lr * step) ** group["alpha"])),
                       mu=scalar_tensor(1 / max(1, step - group["t0"])))
        axt = state["ax"]
        if _on_host(p, grad, state, ("ax",)):   # NumPy buffers: the same operations, in place
            g = np.negative(grad._buf) if group["maximize"] else grad._buf
            pb = p._buf
            if wd != 0:
                g = g + wd * pb
            new = pb * (1 - lambd * eta)
            new -= np.multiply(eta, g)
            ax = axt._buf
            if mu != 1:
                d = new - ax
                d *= mu
                ax += d
            else:
                ax[...] = new
            axt._vc[0] += 1
            install(state, scalars)
            pb[...] = new
            return
        g = -grad if group["maximize"] else grad
        if wd != 0:
            g = g + wd * p.detach()
        new_p = p.detach() * (1 - lambd * eta) - eta * g
        ax = axt + (new_p - axt) * mu if mu != 1 else new_p.clone()
        install(state, dict(scalars, ax=ax))
        p.data.copy_(new_p)


class Adafactor(Optimizer):
    def __init__(self, params, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps=(None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach=None, maximize: bool = False):
        check_lr(lr)
        require(0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}")
        require(0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}")
        require(eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}")
        require(0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}")
        require(1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}")
        require(0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}")
        super().__init__(params, {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                                  "weight_decay": weight_decay, "foreach": foreach,
                                  "maximize": maximize})

    _no_complex = True           # PyTorch's RuntimeError, raised before any update

    def _state_shape(self, p: Tensor, key: str) -> tuple:
        shape = tuple(p.shape)
        if key == "row_var":
            return shape[:-1] + (1,)
        if key == "col_var":
            return shape[:-2] + (1,) + shape[-1:]
        return shape

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if not state:
            state["step"] = scalar_tensor(0)
            if grad.dim() > 1:
                state["row_var"] = zeros(*grad.shape[:-1], 1, dtype=grad.dtype,
                                         device=grad.device)
                state["col_var"] = zeros(*grad.shape[:-2], 1, grad.shape[-1],
                                         dtype=grad.dtype, device=grad.device)
            else:
                state["variance"] = zeros_like(grad)
        g = -grad if group["maximize"] else grad
        lr, wd, d = group["lr"], group["weight_decay"], group["d"]
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(finfo(p.dtype.np_dtype).eps)
        step = step_count(state) + 1
        w = float(step) ** group["beta2_decay"]
        rho = min(lr, 1 / (float(step) ** 0.5))
        alpha = max(eps2, p.detach().norm(2).item() / (p.numel() ** 0.5)) * rho
        new: dict = {"step": scalar_tensor(step)}
        if g.dim() > 1:
            row = _lerp(state["row_var"], g.norm(dim=-1, keepdim=True).square() / g.shape[-1], w)
            col = _lerp(state["col_var"], g.norm(dim=-2, keepdim=True).square() / g.shape[-2], w)
            var = (row @ col) / row.mean(dim=-2, keepdim=True).clamp(min=eps1)
            new.update(row_var=row, col_var=col)
        else:
            var = _lerp(state["variance"], g * g, w)
            new["variance"] = var
        upd = var.clamp(min=eps1 * eps1).rsqrt() * g
        denom = max(1.0, upd.norm(2).item() / ((upd.numel() ** 0.5) * d))
        install(state, new)
        if wd != 0:
            p.data *= 1 - lr * wd
        p.data -= (alpha / denom) * upd


class SparseAdam(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False):
        check_lr(lr)
        require(0.0 < lr, f"Invalid learning rate: {lr}")
        require(0.0 < eps, f"Invalid epsilon value: {eps}")
        require(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        require(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize})
        cplx = [[gi, i] for gi, g in enumerate(self.param_groups)
                for i, p in enumerate(g["params"]) if p.is_complex()]
        if cplx:
            raise ValueError(f"Complex params at indices {cplx}: SparseAdam does not support "
                             "complex parameters")

    _sparse_only = True          # a dense gradient: PyTorch's error, before any update

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        _sparse_steps.sparse_adam(p, grad, state, group)


__all__ = ["ASGD", "Adafactor", "Rprop", "SparseAdam"]
