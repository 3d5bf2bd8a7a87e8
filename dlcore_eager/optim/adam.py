"""Adam, AdamW and RMSprop with PyTorch's exact updates (no ``foreach``/fused variants: the
``foreach=`` argument is accepted, as PyTorch's, and changes only how PyTorch loops, not the values).

Adam (``t`` counts steps from 1)::

    g = grad + weight_decay * p          (Adam's L2 penalty; AdamW instead: p *= 1 - lr * wd)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g^2          (amsgrad: vmax = max(vmax, v), used below)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

State changes are atomic: each update computes the new moments and step count into locals
and installs them at the end (``_state_scalars.install``): written into the state tensors
already there, as PyTorch's in-place updates (``exp_avg.lerp_``, ``step_t += 1``: a reference
taken before a step, ``state_dict()``'s entries, an optimizer that loaded this state without a
copy see the new values), a first step's new state put in with one ``state.update`` (a C call:
an interrupted first step never leaves a half-built state); the parameter is then updated.
The host path writes the moments in place directly, having checked everything first.

RMSprop::

    s = alpha * s + (1 - alpha) * g^2
    centered: a = alpha * a + (1 - alpha) * g;  d = sqrt(s - a^2) + eps;  else d = sqrt(s) + eps
    momentum: b = momentum * b + g / d;  p -= lr * b      else  p -= lr * g / d
"""

from __future__ import annotations

import math

import numpy as np

from dlcore import ops as _ops

from ..creation import zeros_like
from ..tensor import Tensor
from ._state_scalars import advance_step, install, scalar_tensor, step_count
from .optimizer import Optimizer, check_flags, check_lr, require

_ndarray = np.ndarray
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Adam(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False):
        check_lr(lr, foreach, capturable, adam=True)
        require(lr >= 0.0, f"Invalid learning rate: {lr}")
        require(eps >= 0.0, f"Invalid epsilon value: {eps}")
        require(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        require(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        require(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        check_flags(foreach, fused, differentiable)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  "maximize": maximize, "foreach": foreach,
                                  "capturable": capturable, "differentiable": differentiable,
                                  "fused": fused, "decoupled_weight_decay": decoupled_weight_decay})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if _on_host(p, grad, state, ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), scalar=True):
            self._update_host(p, grad, state, group)
            return
        if self._update_cuda(p, grad, state, group):
            return
        old = state if state else _zero_state(p.detach(), group["amsgrad"], zeros_like)
        g = -grad if group["maximize"] else grad
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        t = step_count(old) + 1
        decoupled = group["decoupled_weight_decay"]
        if wd != 0 and not decoupled:
            g = g + wd * p.detach()
        m = old["exp_avg"] * b1 + g * (1 - b1)
        v = old["exp_avg_sq"] * b2 + g * g * (1 - b2)
        new = {"step": scalar_tensor(t), "exp_avg": m, "exp_avg_sq": v}
        if group["amsgrad"]:
            v = new["max_exp_avg_sq"] = old["max_exp_avg_sq"].maximum(v)
        bc1 = 1 - b1 ** t
        bc2_sqrt = math.sqrt(1 - b2 ** t)
        denom = v.sqrt() / bc2_sqrt + eps
        upd = (lr / bc1) * (m / denom)
        install(state, new)                     # atomic: see the module docstring
        if wd != 0 and decoupled:
            p.data *= 1 - lr * wd
        p.data -= upd

    def _update_host(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        """``_update`` on NumPy buffers: the same operations in the same order, each rounded
        to the parameter's dtype (Python floats are weak scalars in NumPy as in dlcore), the
        moments updated in place in their buffers (PyTorch's ``exp_avg.lerp_``): ``_on_host``
        checked that they are writeable arrays of the parameter's shape and dtype, and every
        state entry is looked up before the first write, so nothing below can fail halfway.  A
        0-d parameter (a GP's hyperparameter, a temperature) is updated through 1-element views
        of its buffers (NumPy's arithmetic on 0-d arrays gives scalars, which ``out=`` refuses):
        the general path's dozen dispatched ops cost it 60-100 us a step."""
        pb = p._buf
        g = grad._buf
        flat = _one_element if pb.ndim == 0 else _same
        # Fresh zeros are laid out in memory like the gradient (a weight's gradient is often
        # the transpose of a C-ordered matmul result): the moment updates then read and write
        # in one order, where mixed orders made NumPy's loops several times slower.
        ams = group["amsgrad"]
        fresh = not state
        old = _zero_state(g, ams, lambda a: Tensor._wrap(np.zeros_like(a))) if fresh else state
        mt, vt = old["exp_avg"], old["exp_avg_sq"]
        vmax = old["max_exp_avg_sq"] if ams else None
        pb, g = flat(pb), flat(g)
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        t = step_count(old) + 1
        decoupled = group["decoupled_weight_decay"]
        planes = _planes(pb, g, flat(mt._buf), flat(vt._buf),
                         flat(vmax._buf) if vmax is not None else None)
        if planes is not None:              # (one Numba pass: these steps' bits)
            # (Python floats: the signature rounds them to the parameter's dtype, as NumPy
            # rounds a Python float that meets a float32 array)
            _adam2d(*planes, float(wd) if not decoupled else 0.0, float(b1), 1.0 - b1,
                    float(b2), 1.0 - b2, math.sqrt(1 - b2 ** t), float(eps),
                    lr / (1 - b1 ** t), 1 - lr * wd if decoupled and wd != 0 else 1.0,
                    vmax is not None, bool(group["maximize"]))
            self._advance(state, old, fresh, (mt, vt) if vmax is None else (mt, vt, vmax), t)
            return
        if group["maximize"]:
            g = np.negative(g)
        if wd != 0 and not decoupled:
            g = g + wd * pb
        m = flat(mt._buf)
        m *= b1
        tmp = g * (1 - b1)
        m += tmp
        v = flat(vt._buf)
        v *= b2
        gg = np.multiply(g, g, out=tmp)
        gg *= 1 - b2
        v += gg
        if vmax is not None:
            vm = flat(vmax._buf)
            np.copyto(vm, _ops.maximum(vm, v))      # dlcore's NaN rule
            v = vm
        bc1 = 1 - b1 ** t
        bc2_sqrt = math.sqrt(1 - b2 ** t)
        denom = _ops.sqrt(v)                 # dlcore's kernel (NumPy's SIMD sqrt)
        denom /= bc2_sqrt
        denom += eps
        step = np.divide(m, denom, out=denom)
        step *= lr / bc1
        self._advance(state, old, fresh, (mt, vt) if vmax is None else (mt, vt, vmax), t)
        if wd != 0 and decoupled:
            np.multiply(pb, 1 - lr * wd, out=pb)
        np.subtract(pb, step, out=pb)

    @staticmethod
    def _advance(state: dict, old: dict, fresh: bool, moments: tuple, t: int) -> None:
        """The state after a host step: a fresh one installed, or the moments' versions
        bumped (written in place); the step count advanced."""
        if fresh:
            state.update(old)                   # atomic: see the module docstring
        else:
            for s_ in moments:
                s_._vc[0] += 1
        advance_step(state, t)

    def _update_cuda(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> bool:
        """``_update`` of a CUDA parameter in one kernel (``dlcore.kernels.cuda.inplace``):
        the parameter and its moments written in place (no device allocation after the
        first step, which makes the state); False, having changed nothing, when the buffers
        are not C-contiguous device arrays of one shape and float dtype."""
        pb = p._buf
        if type(pb) is _ndarray or not hasattr(pb, "copy_to_host"):
            return False
        from dlcore.kernels.cuda import inplace
        ams = group["amsgrad"]
        old = state if state else _zero_state(p.detach(), ams, zeros_like)
        names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if ams else ())
        if not all(isinstance(old.get(k), Tensor) for k in names) or \
                not inplace.flat_same(pb, grad._buf, *(old[k]._buf for k in names)):
            return False
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        t = step_count(old) + 1
        decoupled = group["decoupled_weight_decay"]
        if not state:
            state.update(old)                   # atomic: see the module docstring
        inplace.adam_step(pb, grad._buf, old["exp_avg"]._buf, old["exp_avg_sq"]._buf,
                          old["max_exp_avg_sq"]._buf if ams else None,
                          step_size=lr / (1 - b1 ** t), beta1=b1, beta2=b2,
                          bc2_sqrt=math.sqrt(1 - b2 ** t), eps=eps,
                          l2=0.0 if decoupled else wd,
                          decay=1 - lr * wd if decoupled else 1.0,
                          maximize=group["maximize"])
        advance_step(state, t)
        p._vc[0] += 1
        return True


_KERNEL: list = []      # _jit_adam.adam2d once loaded (its module compiles or loads on import)


def _adam2d(*args) -> None:
    if not _KERNEL:
        from dlcore.kernels.cpu._jit_adam import adam2d
        _KERNEL.append(adam2d)
    _KERNEL[0](*args)


def _plane(a: np.ndarray):
    """``a`` as a 2-D view in which element (i, j) is the same element of every operand:
    itself for 2-D, one row for 1-D, its memory order as one row for a C- (or, through its
    transpose, F-) contiguous array of more axes; None otherwise."""
    if a.ndim == 2:
        return a
    if a.ndim == 1:
        return a.reshape(1, -1)
    if a.flags.c_contiguous:
        return a.reshape(1, -1), "C"
    if a.flags.f_contiguous:
        return a.T.reshape(1, -1), "F"
    return None


def _planes(*arrays):
    """Each array (None: the unused amsgrad one, then the second moment's view) as
    ``_plane``'s view, when every operand has one in one order; else None."""
    out: list = []
    order = None
    for a in arrays:
        if a is None:
            out.append(out[3])
            continue
        v = _plane(a)
        if v is None:
            return None
        if type(v) is tuple:
            v, o = v
            if order is not None and o != order:
                return None
            order = o
        out.append(v)
    return out


def _zero_state(like, amsgrad: bool, zeros) -> dict:
    """A fresh Adam state (step 0, zero moments), built aside and installed in one go."""
    s = {"step": scalar_tensor(0), "exp_avg": zeros(like), "exp_avg_sq": zeros(like)}
    if amsgrad:
        s["max_exp_avg_sq"] = zeros(like)
    return s


def _same(a: np.ndarray) -> np.ndarray:
    return a


def _one_element(a: np.ndarray) -> np.ndarray:
    return a.reshape(1)                         # (a view: writes reach the 0-d buffer)


def _on_host(p: Tensor, grad: Tensor, state: dict, names, scalar: bool = False) -> bool:
    """True when the parameter, its gradient and its state are float NumPy buffers of one
    shape and dtype (the host fast path of an update); for a 0-d parameter only where the
    caller says it works on views (``scalar``: NumPy's arithmetic on 0-d arrays gives scalars,
    which the in-place ``out=`` updates refuse)."""
    pb, gb = p._buf, grad._buf
    if type(pb) is not _ndarray or type(gb) is not _ndarray or pb.dtype not in _FLOATS or \
            (pb.ndim == 0 and not scalar) or \
            gb.dtype != pb.dtype or gb.shape != pb.shape or not pb.flags.writeable:
        return False
    for n in names:
        s = state.get(n)
        if s is None:
            continue
        if not isinstance(s, Tensor):
            return False
        b = s._buf
        if type(b) is not _ndarray or b.dtype != pb.dtype or b.shape != pb.shape or \
                not b.flags.writeable:
            return False
    return True


class AdamW(Adam):
    """Adam with decoupled weight decay (``p *= 1 - lr * weight_decay``), default 1e-2."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class RMSprop(Optimizer):
    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        check_lr(lr)
        require(lr >= 0.0, f"Invalid learning rate: {lr}")
        require(eps >= 0.0, f"Invalid epsilon value: {eps}")
        require(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        require(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        require(alpha >= 0.0, f"Invalid alpha value: {alpha}")
        check_flags(foreach, None, differentiable)
        super().__init__(params, {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                                  "centered": centered, "weight_decay": weight_decay,
                                  "capturable": capturable, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable})

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        if _on_host(p, grad, state, ("square_avg", "momentum_buffer", "grad_avg")):
            self._update_host(p, grad, state, group)
            return
        g = -grad if group["maximize"] else grad
        alpha, eps, wd, mom = group["alpha"], group["eps"], group["weight_decay"], \
            group["momentum"]
        old = state
        if not state:
            old = {"step": scalar_tensor(0), "square_avg": zeros_like(p.detach())}
            if mom > 0:
                old["momentum_buffer"] = zeros_like(p.detach())
            if group["centered"]:
                old["grad_avg"] = zeros_like(p.detach())
        if wd != 0:
            g = g + wd * p.detach()
        sq = old["square_avg"] * alpha + g * g * (1 - alpha)
        new = {"step": scalar_tensor(step_count(old) + 1), "square_avg": sq}
        if group["centered"]:
            ga = old["grad_avg"] * alpha + g * (1 - alpha)
            avg = (sq - ga * ga).sqrt() + eps
        else:
            avg = sq.sqrt() + eps
        if mom > 0:
            upd = new["momentum_buffer"] = old["momentum_buffer"] * mom + g / avg
        else:
            upd = g / avg
        if group["centered"]:
            new["grad_avg"] = ga                # (PyTorch's order of the state's keys)
        install(state, new)                     # atomic: see the module docstring
        p.data -= group["lr"] * upd

    def _update_host(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        """``_update`` on NumPy buffers, the same operations in the same order (Adam's
        ``_update_host``), the state buffers updated in place: every entry is looked up
        before the first write (``_on_host`` checked their shapes, dtypes and writeability)."""
        pb, g = p._buf, grad._buf
        alpha, eps, wd, mom = group["alpha"], group["eps"], group["weight_decay"], \
            group["momentum"]
        centered = group["centered"]
        fresh = not state
        old = state
        if fresh:
            def z() -> Tensor:
                return Tensor._wrap(np.zeros_like(g))
            old = {"step": scalar_tensor(0), "square_avg": z()}
            if mom > 0:
                old["momentum_buffer"] = z()
            if centered:
                old["grad_avg"] = z()
        bufs = [old["square_avg"]] + ([old["grad_avg"]] if centered else []) + \
            ([old["momentum_buffer"]] if mom > 0 else [])
        t = step_count(old) + 1
        if group["maximize"]:
            g = np.negative(g)
        if wd != 0:
            g = g + wd * pb
        sq = bufs[0]._buf
        sq *= alpha
        gg = g * g
        gg *= 1 - alpha
        sq += gg
        if centered:
            ga = bufs[1]._buf
            ga *= alpha
            ga += g * (1 - alpha)
            avg = np.multiply(ga, ga, out=gg)
            np.subtract(sq, avg, out=avg)
            avg = _ops.sqrt(avg)
        else:
            avg = _ops.sqrt(sq)
        avg += eps
        upd = np.divide(g, avg, out=avg)
        if mom > 0:
            b = bufs[-1]._buf
            b *= mom
            b += upd
            upd = b
        if fresh:
            state.update(old)                   # atomic: see the module docstring
        else:
            for s_ in bufs:
                s_._vc[0] += 1
        advance_step(state, t)
        np.subtract(pb, np.multiply(upd, group["lr"]), out=pb)
