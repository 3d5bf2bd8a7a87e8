"""More ``tf.train`` optimizers and the learning-rate schedules.

Update rules (``g`` the gradient, slots start as stated, all written with the core's ops):

    RMSProp    ms = rho ms + (1-rho) g^2  (ms starts at 1, as TF1);  mom = m mom + lr g/sqrt(ms+eps)
               w -= mom          (centered: ms - mg^2 under the root, mg = rho mg + (1-rho) g)
    Adagrad    acc += g^2  (starts at initial_accumulator_value);  w -= lr g / sqrt(acc)
    Adadelta   acc = rho acc + (1-rho) g^2;  u = sqrt(acc_u + eps)/sqrt(acc + eps) g
               acc_u = rho acc_u + (1-rho) u^2;  w -= lr u
    Ftrl       (l1 = l2 = 0, power -1/2)  n' = n + g^2;  s = (sqrt(n') - sqrt(n)) / lr
               z += g - s w;  w = -z lr / sqrt(n')   (with l1: 0 where |z| <= l1)

Schedules return a tensor of the global step: ``exponential_decay``, ``piecewise_constant``,
``polynomial_decay``, ``inverse_time_decay``, ``natural_exp_decay``, ``cosine_decay``.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .control_flow import group
from .frontend import to_tensor
from .graph import get_default_graph
from .optimizer import Optimizer, _lr


class RMSPropOptimizer(Optimizer):
    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self.learning_rate, self.decay, self.momentum = learning_rate, decay, momentum
        self.epsilon, self.centered = epsilon, centered

    def _apply(self, grad, var):
        rho = self.decay
        ms = self._slot(var, "rms", 1.0)
        mom = self._slot(var, "momentum")
        # each update reads the new slot values themselves (the values assigned), not the
        # assigns' outputs, so the compiler fuses the slots' and the weight's updates into one
        # loop per variable (train.py's Momentum and Adam, issue 19)
        ms_new = _ops.add(_ops.mul(ms._update_read(), rho),
                          _ops.mul(_ops.mul(grad, grad), 1.0 - rho))
        assigns = [ms.assign(ms_new)]
        denom = ms_new
        if self.centered:
            mg = self._slot(var, "mg")
            mg_new = _ops.add(_ops.mul(mg._update_read(), rho), _ops.mul(grad, 1.0 - rho))
            assigns.append(mg.assign(mg_new))
            denom = _ops.sub(ms_new, _ops.mul(mg_new, mg_new))
        step = _ops.div(_ops.mul(grad, _lr(self.learning_rate, var)),
                        _ops.sqrt(_ops.add(denom, self.epsilon)))
        mom_new = _ops.add(_ops.mul(mom._update_read(), self.momentum), step)
        assigns.append(mom.assign(mom_new))
        return group(*assigns, var.assign_sub(mom_new),
                     name="ApplyCenteredRMSProp" if self.centered else "ApplyRMSProp")


class AdagradOptimizer(Optimizer):
    _SLOT_NAMES = {"": "accumulator"}

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self.learning_rate, self.init = learning_rate, initial_accumulator_value

    def _apply(self, grad, var):
        acc = self._slot(var, "", self.init)
        acc_new = _ops.add(acc._update_read(), _ops.mul(grad, grad))
        acc_op = acc.assign(acc_new)              # (read by the update itself: one loop)
        return group(acc_op, var.assign_sub(_ops.div(_ops.mul(grad, _lr(self.learning_rate, var)),
                                                     _ops.sqrt(acc_new))), name="ApplyAdagrad")


class AdadeltaOptimizer(Optimizer):
    _SLOT_NAMES = {"": "accum", "_1": "accum_update"}

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False,
                 name="Adadelta"):
        super().__init__(use_locking, name)
        self.learning_rate, self.rho, self.epsilon = learning_rate, rho, epsilon

    def _apply(self, grad, var):
        rho, eps = self.rho, self.epsilon
        acc, acc_u = self._slot(var, ""), self._slot(var, "_1")
        # each update reads the new slot values themselves (the values assigned), with no
        # control dependency between them, so the compiler fuses the three updates into one
        # loop per variable (RMSProp's, Adam's, issue 19)
        acc_new = _ops.add(_ops.mul(acc._update_read(), rho),
                           _ops.mul(_ops.mul(grad, grad), 1.0 - rho))
        acc_u_old = acc_u._update_read()
        upd = _ops.mul(_ops.div(_ops.sqrt(_ops.add(acc_u_old, eps)),
                                _ops.sqrt(_ops.add(acc_new, eps))), grad)
        acc_u_new = _ops.add(_ops.mul(acc_u_old, rho), _ops.mul(_ops.mul(upd, upd), 1.0 - rho))
        return group(acc.assign(acc_new), acc_u.assign(acc_u_new),
                     var.assign_sub(_ops.mul(upd, _lr(self.learning_rate, var))),
                     name="ApplyAdadelta")


class FtrlOptimizer(Optimizer):
    """FTRL-Proximal (McMahan et al. 2013), as TF1's ``ApplyFtrl``/``ApplyFtrlV2`` kernels::

        n' = n + g^2
        z' = z + (g + 2 * l2_shrinkage * w) - (n'^-p - n^-p) / lr * w
        w' = (sign(z') * l1 - z') / (n'^-p / lr + 2 * l2)   where |z'| > l1, else 0

    with ``p = learning_rate_power`` (-0.5, the default, is a square root)."""

    _SLOT_NAMES = {"": "accum", "_1": "linear"}

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="Ftrl", accum_name=None, linear_name=None,
                 l2_shrinkage_regularization_strength=0.0):
        for what, v, word in (("initial_accumulator_value", initial_accumulator_value,
                               "positive or zero"),
                              ("learning_rate_power", -learning_rate_power, "negative or zero"),
                              ("l1_regularization_strength", l1_regularization_strength,
                               "positive or zero"),
                              ("l2_regularization_strength", l2_regularization_strength,
                               "positive or zero"),
                              ("l2_shrinkage_regularization_strength",
                               l2_shrinkage_regularization_strength, "positive or zero")):
            if v < 0.0:
                shown = -v if what == "learning_rate_power" else v
                raise ValueError(f"{what} {shown:f} needs to be {word}")
        super().__init__(use_locking, name)
        self.learning_rate, self.init = learning_rate, initial_accumulator_value
        self.power = float(learning_rate_power)
        self.l1, self.l2 = l1_regularization_strength, l2_regularization_strength
        self.shrinkage = float(l2_shrinkage_regularization_strength)

    def _root(self, n):
        """``n ** -power`` (a square root for the default power -0.5, as TF's kernel)."""
        return _ops.sqrt(n) if self.power == -0.5 else _ops.pow(n, -self.power)

    def _apply(self, grad, var):
        n, z = self._slot(var, "", self.init), self._slot(var, "_1")
        lr = _lr(self.learning_rate, var)
        w, n_old = var._update_read(), n._update_read()     # (each update's own reads)
        n_new = _ops.add(n_old, _ops.mul(grad, grad))
        sigma = _ops.div(_ops.sub(self._root(n_new), self._root(n_old)), lr)
        g = _ops.add(grad, _ops.mul(2.0 * self.shrinkage, w)) if self.shrinkage else grad
        z_new = _ops.sub(_ops.add(z._update_read(), g), _ops.mul(sigma, w))
        quad = _ops.add(_ops.div(self._root(n_new), lr), 2.0 * self.l2)
        shrunk = _ops.sub(_ops.mul(_ops.sign(z_new), self.l1), z_new)
        new_w = _ops.where(_ops.greater(_ops.abs(z_new), self.l1), _ops.div(shrunk, quad),
                           _ops.zeros_like(w))
        # the new slot values themselves, not their assigns' outputs: one loop per variable
        return group(z.assign(z_new), n.assign(n_new), var.assign(new_w),
                     name="ApplyFtrlV2" if self.shrinkage else "ApplyFtrl")


# ============================================================================ schedules
def _step(global_step):
    return _ops.cast(to_tensor(global_step), np.float32)


def _progress(global_step, decay_steps, staircase):
    """``step / decay_steps``, floored with ``staircase``."""
    p = _ops.div(_step(global_step), float(decay_steps))
    return _ops.floor(p) if staircase else p


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """``lr * decay_rate ** (step / decay_steps)`` (the exponent floored with staircase)."""
    with get_default_graph().name_scope(name or "ExponentialDecay"):
        p = _progress(global_step, decay_steps, staircase)
        return _ops.mul(float(learning_rate), _ops.pow(float(decay_rate), p))


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    with get_default_graph().name_scope(name or "InverseTimeDecay"):
        p = _progress(global_step, decay_steps, staircase)
        return _ops.div(float(learning_rate), _ops.add(_ops.mul(p, float(decay_rate)), 1.0))


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    with get_default_graph().name_scope(name or "NaturalExpDecay"):
        p = _progress(global_step, decay_steps, staircase)
        return _ops.mul(float(learning_rate), _ops.exp(_ops.mul(p, -float(decay_rate))))


def piecewise_constant(x, boundaries, values, name=None):
    """``values[i]`` where ``boundaries[i-1] < x <= boundaries[i]``."""
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    with get_default_graph().name_scope(name or "PiecewiseConstant"):
        xv = _step(x)
        out = _ops.add(_ops.zeros_like(xv), float(values[-1]))
        for b, v in reversed(list(zip(boundaries, values[:-1]))):
            out = _ops.where(_ops.less_equal(xv, float(b)), _ops.add(_ops.zeros_like(xv),
                                                                     float(v)), out)
        return out


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None):
    """``(lr - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end``."""
    with get_default_graph().name_scope(name or "PolynomialDecay"):
        s = _step(global_step)
        if cycle:
            mult = _ops.maximum(_ops.ceil(_ops.div(s, float(decay_steps))), 1.0)
            steps = _ops.mul(mult, float(decay_steps))
            frac = _ops.sub(1.0, _ops.div(s, steps))
        else:
            frac = _ops.sub(1.0, _ops.div(_ops.minimum(s, float(decay_steps)),
                                          float(decay_steps)))
        return _ops.add(_ops.mul(float(learning_rate) - float(end_learning_rate),
                                 _ops.pow(frac, float(power))), float(end_learning_rate))


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    with get_default_graph().name_scope(name or "CosineDecay"):
        s = _ops.minimum(_step(global_step), float(decay_steps))
        cos = _ops.mul(_ops.add(_ops.cos(_ops.mul(s, np.pi / decay_steps)), 1.0), 0.5)
        return _ops.mul(float(learning_rate), _ops.add(_ops.mul(cos, 1.0 - alpha), alpha))
