"""Adagrad, Adadelta, Adamax, NAdam and RAdam, with PyTorch's update formulas (its
single-tensor code path, in the same order).  Notation: ``g`` the gradient (negated when
``maximize``), ``t`` the step count (from 1), ``lr``, ``wd`` the weight decay.

Adagrad::   g += wd p;  clr = lr / (1 + (t - 1) lr_decay);  s += g^2;
            p -= clr g / (sqrt(s) + eps)      (a sparse g: ``_sparse_steps.adagrad``)
Adadelta::  g += wd p;  v = rho v + (1 - rho) g^2;  d = sqrt(u + eps) / sqrt(v + eps) g;
            u = rho u + (1 - rho) d^2;  p -= lr d
Adamax::    g += wd p;  m = lerp(m, g, 1 - b1);  u = max(b2 u, |g| + eps);
            p -= lr / (1 - b1^t) m / u
NAdam::     g += wd p (or p *= 1 - lr wd, decoupled);  mu_t = b1 (1 - 0.96^(t psi) / 2);
            m = lerp(m, g, 1 - b1);  v = b2 v + (1 - b2) g^2;  d = sqrt(v / (1 - b2^t)) + eps;
            p -= lr (1 - mu_t) / (1 - prod mu) g / d + lr mu_{t+1} / (1 - prod mu mu_{t+1}) m / d
RAdam::     g += wd p (or decoupled);  m, v as Adam;  m_hat = m / (1 - b1^t);
            rho_inf = 2 / (1 - b2) - 1;  rho_t = rho_inf - 2 t b2^t / (1 - b2^t);
            p -= lr m_hat r sqrt(1 - b2^t) / (sqrt(v) + eps) when rho_t > 5 (r the variance
            rectification), else p -= lr m_hat

As in PyTorch, NAdam's running product of momenta is kept in the default scalar dtype
(float32 unless the default dtype is float64).  Each update is computed from the old state and
stored at the end (``_state_scalars.install``: written into the state tensors already there,
as PyTorch's in-place updates), so a failing step changes nothing.  On the host (float NumPy
buffers of one shape and dtype, ``adam._on_host``) each has a path doing the same operations
in the same order (bit-identical) with the moments updated in their own buffers: every state
entry is looked up first, and NumPy's in-place operations on those buffers cannot fail.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dlcore import ops as _ops

from ..creation import full_like, zeros_like
from ..tensor import Tensor
from . import _sparse_steps
from ._state_scalars import (advance_step, install, scalar_dtype, scalar_tensor, state_value,
                             step_count)
from .adam import _on_host
from .optimizer import Optimizer, check_flags, check_lr, require


def _check(lr, eps=None, wd=0.0, betas=None):
    check_lr(lr)
    require(lr >= 0.0, f"Invalid learning rate: {lr}")
    if eps is not None:
        require(eps >= 0.0, f"Invalid epsilon value: {eps}")
    require(wd >= 0.0, f"Invalid weight_decay value: {wd}")
    if betas is not None:
        require(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        require(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")


def _grad(grad: Tensor, p: Tensor, group: dict, decoupled: bool = False) -> Tensor:
    g = -grad if group.get("maximize") else grad
    wd = group["weight_decay"]
    if wd != 0 and not decoupled:
        g = g + wd * p.detach()
    return g


def _host_grad(p: Tensor, grad: Tensor, group: dict, decoupled: bool = False) -> np.ndarray:
    """``_grad`` on NumPy buffers (the host paths)."""
    g = grad._buf
    if group.get("maximize"):
        g = np.negative(g)
    wd = group["weight_decay"]
    if wd != 0 and not decoupled:
        g = g + wd * p._buf
    return g


def _lerp_(m: np.ndarray, g: np.ndarray, w: float) -> None:
    """``_lerp(m, g, w)`` written into ``m`` (PyTorch's ``exp_avg.lerp_``), same roundings."""
    d = g - m
    if w < 0.5:
        d *= w
        m += d
    else:
        d *= 1.0 - w
        np.subtract(g, d, out=m)


def _touch(*ts: Tensor) -> None:
    for t in ts:
        t._vc[0] += 1


def _lerp(start: Tensor, end: Tensor, w: float) -> Tensor:
    """PyTorch's lerp: ``start + w (end - start)`` for w < 0.5, else ``end - (1 - w)(end -
    start)``."""
    d = end - start
    return start + d * w if w < 0.5 else end - d * (1.0 - w)


class Adagrad(Optimizer):
    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, fused=None):
        _check(lr, eps, weight_decay)
        require(lr_decay >= 0.0, f"Invalid lr_decay value: {lr_decay}")
        require(initial_accumulator_value >= 0.0,
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        check_flags(foreach, fused, differentiable)
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "eps": eps,
                                  "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "foreach": foreach, "maximize": maximize,
                                  "differentiable": differentiable, "fused": fused})
        for group in self.param_groups:          # PyTorch creates the state at construction
            for p in group["params"]:
                self.state[p] = {"step": scalar_tensor(0), "sum": full_like(
                    p.detach(), group["initial_accumulator_value"])}

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if not state:
            state.update(step=scalar_tensor(0),
                         sum=full_like(p.detach(), group["initial_accumulator_value"]))
        if _sparse_steps.is_sparse(grad):
            _sparse_steps.adagrad(p, grad, state, group)
            return
        if _on_host(p, grad, state, ("sum",)):
            self._update_host(p, grad, state, group)
            return
        g = _grad(grad, p, group)
        step = step_count(state) + 1
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        s = state["sum"] + g * g
        upd = g / (s.sqrt() + group["eps"])
        install(state, dict(step=scalar_tensor(step), sum=s))
        p.data -= clr * upd

    def _update_host(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        """``_update`` on NumPy buffers, the same operations in the same order, ``sum``
        updated in place (PyTorch's ``addcmul_``); ``_on_host`` checked it first."""
        pb, g = p._buf, grad._buf
        if group["maximize"]:
            g = np.negative(g)
        wd = group["weight_decay"]
        if wd != 0:
            g = g + wd * pb
        st = state["sum"]
        step = step_count(state) + 1
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        s = st._buf
        gg = g * g
        s += gg
        std = _ops.sqrt(s)
        std += group["eps"]
        upd = np.divide(g, std, out=std)
        st._vc[0] += 1
        advance_step(state, step)
        np.subtract(pb, np.multiply(upd, clr, out=upd), out=pb)


class Adadelta(Optimizer):
    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach=None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False):
        _check(lr, eps, weight_decay)
        require(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        check_flags(foreach, None, differentiable)
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps,
                                  "weight_decay": weight_decay, "maximize": maximize,
                                  "capturable": capturable, "foreach": foreach,
                                  "differentiable": differentiable})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if not state:
            state.update(step=scalar_tensor(0), square_avg=zeros_like(p.detach()),
                         acc_delta=zeros_like(p.detach()))
        if _on_host(p, grad, state, ("square_avg", "acc_delta")):
            self._update_host(p, grad, state, group)
            return
        g = _grad(grad, p, group)
        rho, eps = group["rho"], group["eps"]
        v = state["square_avg"] * rho + g * g * (1 - rho)
        std = (v + eps).sqrt()
        delta = (state["acc_delta"] + eps).sqrt() / std * g
        u = state["acc_delta"] * rho + delta * delta * (1 - rho)
        install(state, dict(step=scalar_tensor(step_count(state) + 1), square_avg=v,
                            acc_delta=u))
        p.data -= group["lr"] * delta

    def _update_host(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        """``_update`` on NumPy buffers, same operations and order, the state in place."""
        vt, ut = state["square_avg"], state["acc_delta"]
        t = step_count(state) + 1
        g = _host_grad(p, grad, group)
        rho, eps = group["rho"], group["eps"]
        v, u = vt._buf, ut._buf
        v *= rho
        gg = g * g
        gg *= 1 - rho
        v += gg
        std = v + eps
        std = _ops.sqrt(std)
        delta = u + eps
        delta = _ops.sqrt(delta)
        delta /= std
        delta *= g
        u *= rho
        dd = np.multiply(delta, delta, out=std)
        dd *= 1 - rho
        u += dd
        _touch(vt, ut)
        advance_step(state, t)
        np.subtract(p._buf, np.multiply(delta, group["lr"], out=delta), out=p._buf)


class Adamax(Optimizer):
    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        _check(lr, eps, weight_decay, betas)
        check_flags(foreach, None, differentiable)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if not state:
            state.update(step=scalar_tensor(0), exp_avg=zeros_like(p.detach()),
                         exp_inf=zeros_like(p.detach()))
        if _on_host(p, grad, state, ("exp_avg", "exp_inf")):
            self._update_host(p, grad, state, group)
            return
        g = _grad(grad, p, group)
        b1, b2 = group["betas"]
        step = step_count(state) + 1
        m = _lerp(state["exp_avg"], g, 1 - b1)
        u = _ops.maximum(state["exp_inf"] * b2, g.abs() + group["eps"])
        clr = group["lr"] / (1 - b1 ** step)
        install(state, dict(step=scalar_tensor(step), exp_avg=m, exp_inf=u))
        p.data -= clr * (m / u)

    def _update_host(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        """``_update`` on NumPy buffers, same operations and order, the state in place."""
        mt, ut = state["exp_avg"], state["exp_inf"]
        step = step_count(state) + 1
        g = _host_grad(p, grad, group)
        b1, b2 = group["betas"]
        m, u = mt._buf, ut._buf
        _lerp_(m, g, 1 - b1)
        u *= b2
        a = np.abs(g)
        a += group["eps"]
        np.copyto(u, _ops.maximum(u, a))         # dlcore's NaN rule
        clr = group["lr"] / (1 - b1 ** step)
        _touch(mt, ut)
        advance_step(state, step)
        upd = np.divide(m, u, out=a)
        np.subtract(p._buf, np.multiply(upd, clr, out=upd), out=p._buf)


class NAdam(Optimizer):
    _version_bumps = 2                  # (PyTorch's two addcdiv_ of the parameter)

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        _check(lr, eps, weight_decay, betas)
        require(momentum_decay >= 0.0, f"Invalid momentum_decay value: {momentum_decay}")
        check_flags(foreach, None, differentiable)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "momentum_decay": momentum_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize, "foreach": foreach,
                                  "capturable": capturable, "differentiable": differentiable})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if not state:
            state.update(step=scalar_tensor(0), mu_product=scalar_tensor(1.0),
                         exp_avg=zeros_like(p.detach()), exp_avg_sq=zeros_like(p.detach()))
        host = _on_host(p, grad, state, ("exp_avg", "exp_avg_sq"))
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        b1, b2 = group["betas"]
        decoupled = group["decoupled_weight_decay"]
        g: Any = _host_grad(p, grad, group, decoupled) if host else \
            _grad(grad, p, group, decoupled)
        step = step_count(state) + 1
        bc2 = 1 - b2 ** step
        psi = group["momentum_decay"]
        mu = b1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        scalar = scalar_dtype()                           # PyTorch's scalar-state dtype
        mu_product = float(scalar(state_value(state["mu_product"])) * scalar(mu))
        mu_product_next = mu_product * mu_next
        c1 = -lr * (1.0 - mu) / (1.0 - mu_product)
        c2 = (-lr * mu_next) / (1.0 - mu_product_next)
        if host:                     # NumPy buffers: the same operations, the state in place
            mt, vt = state["exp_avg"], state["exp_avg_sq"]
            hm, hv, pb = mt._buf, vt._buf, p._buf
            _lerp_(hm, g, 1 - b1)
            hv *= b2
            gg = g * g
            gg *= 1 - b2
            hv += gg
            den = np.divide(hv, bc2, out=gg)
            den = _ops.sqrt(den)
            den += eps
            _touch(mt, vt)
            advance_step(state, step)
            install(state, {"mu_product": scalar_tensor(mu_product)})
            if wd != 0 and decoupled:
                np.multiply(pb, 1 - lr * wd, out=pb)
            a = np.divide(g, den)
            a *= c1
            pb += a
            a = np.divide(hm, den, out=a)
            a *= c2
            pb += a
            return
        m = _lerp(state["exp_avg"], g, 1 - b1)
        v = state["exp_avg_sq"] * b2 + g * g * (1 - b2)
        denom = (v / bc2).sqrt() + eps
        install(state, dict(step=scalar_tensor(step), mu_product=scalar_tensor(mu_product),
                            exp_avg=m, exp_avg_sq=v))
        if wd != 0 and decoupled:
            p.data *= 1 - lr * wd
        p.data += c1 * (g / denom)
        p.data += c2 * (m / denom)


class RAdam(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        _check(lr, eps, weight_decay, betas)
        check_flags(foreach, None, differentiable)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "maximize": maximize,
                                  "foreach": foreach, "capturable": capturable,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "differentiable": differentiable})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if not state:
            state.update(step=scalar_tensor(0), exp_avg=zeros_like(p.detach()),
                         exp_avg_sq=zeros_like(p.detach()))
        if _on_host(p, grad, state, ("exp_avg", "exp_avg_sq")):
            self._update_host(p, grad, state, group)
            return
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        b1, b2 = group["betas"]
        decoupled = group["decoupled_weight_decay"]
        g = _grad(grad, p, group, decoupled)
        step = step_count(state) + 1
        m = _lerp(state["exp_avg"], g, 1 - b1)
        v = state["exp_avg_sq"] * b2 + g * g * (1 - b2)
        bc1, bc2 = 1 - b1 ** step, 1 - b2 ** step
        m_hat = m / bc1
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * step * (b2 ** step) / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                             ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = (bc2 ** 0.5) / (v.sqrt() + eps)
            upd = m_hat * lr * adaptive * rect
        else:
            upd = m_hat * lr
        install(state, dict(step=scalar_tensor(step), exp_avg=m, exp_avg_sq=v))
        if wd != 0 and decoupled:
            p.data *= 1 - lr * wd
        p.data -= upd

    def _update_host(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        """``_update`` on NumPy buffers, same operations and order, the state in place."""
        mt, vt = state["exp_avg"], state["exp_avg_sq"]
        step = step_count(state) + 1
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        b1, b2 = group["betas"]
        decoupled = group["decoupled_weight_decay"]
        g = _host_grad(p, grad, group, decoupled)
        m, v, pb = mt._buf, vt._buf, p._buf
        _lerp_(m, g, 1 - b1)
        v *= b2
        gg = g * g
        gg *= 1 - b2
        v += gg
        bc1, bc2 = 1 - b1 ** step, 1 - b2 ** step
        upd = np.divide(m, bc1, out=gg)
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * step * (b2 ** step) / bc2
        upd *= lr
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                             ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            den = _ops.sqrt(v)
            den += eps
            upd *= np.divide(bc2 ** 0.5, den, out=den)
            upd *= rect
        _touch(mt, vt)
        advance_step(state, step)
        if wd != 0 and decoupled:
            np.multiply(pb, 1 - lr * wd, out=pb)
        np.subtract(pb, upd, out=pb)
