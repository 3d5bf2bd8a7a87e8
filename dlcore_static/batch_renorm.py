"""Batch renormalisation (Ioffe 2017) as TensorFlow 1.15 computes it: the ``renorm`` options of
``tf.contrib.layers.batch_norm`` and ``tf.layers.batch_normalization`` (TF's
``BatchNormalizationBase._renorm_correction_and_moments``).

Besides the moving mean and variance (used at inference), the layer keeps *renorm* moving
averages of the batch mean and standard deviation, ``renorm_mean`` and ``renorm_stddev``
(zeros), each with a scalar weight ``renorm_mean_weight`` / ``renorm_stddev_weight`` (zero)
that debiases it.  In training, with the batch's ``mean``, biased variance ``var`` and
``std = sqrt(var + eps)``::

    mixed_mean = renorm_mean + (1 - renorm_mean_weight) * mean       (as if the averages had
    mixed_std  = renorm_stddev + (1 - renorm_stddev_weight) * std     started at this batch)
    r = clip(std / mixed_std, rmin, rmax)                               (renorm_clipping;
    d = clip((mean - mixed_mean) / mixed_std, -dmax, dmax)              absent keys: no clip)
    y = (x - mean) / std * (r * gamma) + (d * gamma + beta)            (r, d: stop_gradient)

so the gradient is batch normalisation's with the scale ``r * gamma``.  The update ops
(``UPDATE_OPS``) move the renorm averages with ``renorm_momentum`` (contrib:
``renorm_decay``), ``v -= (v - value) * (1 - renorm_momentum)`` for ``(renorm_mean, mean)``,
``(renorm_mean_weight, 1)``, ``(renorm_stddev, std)``, ``(renorm_stddev_weight, 1)``, and
then the moving statistics with ``momentum`` towards the debiased renorm values::

    moving_mean     -= (moving_mean - renorm_mean / renorm_mean_weight) * (1 - momentum)
    moving_variance -= (moving_variance - ((renorm_stddev / renorm_stddev_weight)**2 - eps))
                       * (1 - momentum)

(the renorm values after their own update).  ``r`` and ``d`` use the values from before the
run.  Not training: the moving statistics, ``r = 1``, ``d = 0``, and the updates leave every
variable as it is.  Renorm never uses the fused kernel, so the batch variance is the biased
one.  The first training step has ``r = 1`` and ``d = 0`` exactly.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .frontend import to_tensor

__all__ = ["check_clipping", "renorm_graph"]


def check_clipping(renorm_clipping) -> dict:
    """TensorFlow's check of the ``renorm_clipping`` keys."""
    clipping = dict(renorm_clipping or {})
    keys = ["rmax", "rmin", "dmax"]
    if set(clipping) - set(keys):
        raise ValueError(f"renorm_clipping {renorm_clipping} contains keys not in {keys}")
    return clipping


def renorm_graph(x, gamma, beta, moving_mean, moving_var, renorm_vars, axis: int,
                 momentum: float, epsilon: float, training, clipping: dict,
                 renorm_momentum: float):
    """(output, [update ops]) of batch renormalisation (see the module docstring).

    ``renorm_vars``: ``(renorm_mean, renorm_mean_weight, renorm_stddev,
    renorm_stddev_weight)``; ``training``: a Python bool or a boolean tensor."""
    nd = x.aval.ndim
    axis %= nd
    axes = tuple(i for i in range(nd) if i != axis)
    if training is False or training == 0:
        return _ops.batch_norm(x, moving_mean, moving_var, gamma, beta, epsilon, axis), []
    t = None if (training is True or training == 1) else to_tensor(training)

    def gate(new, old):
        return new if t is None else _ops.where(t, new, old)

    mean, var = _ops.moments(x, axes)
    mean, var = gate(mean, moving_mean), gate(var, moving_var)
    rm, rmw, rs, rsw = renorm_vars
    std = _ops.sqrt(_ops.add(var, epsilon))
    mixed_mean = _ops.add(rm, _ops.mul(_ops.sub(1.0, rmw), mean))
    mixed_std = _ops.add(rs, _ops.mul(_ops.sub(1.0, rsw), std))
    r = _ops.div(std, mixed_std)
    d = _ops.div(_ops.sub(mean, mixed_mean), mixed_std)
    rmin, rmax, dmax = (clipping.get(k) for k in ("rmin", "rmax", "dmax"))
    if rmin is not None:
        r = _ops.maximum(r, rmin)
    if rmax is not None:
        r = _ops.minimum(r, rmax)
    if dmax is not None:
        d = _ops.minimum(_ops.maximum(d, -dmax), dmax)
    if t is not None:
        r = _ops.where(t, r, _ops.ones_like(r))
        d = _ops.where(t, d, _ops.zeros_like(d))
    r, d = _ops.stop_gradient(r), _ops.stop_gradient(d)
    scale = r if gamma is None else _ops.mul(r, gamma)
    offset = d if gamma is None else _ops.mul(d, gamma)
    if beta is not None:
        offset = _ops.add(offset, beta)
    y = _ops.batch_norm(x, mean, var, scale, offset, epsilon, axis)

    f = np.dtype(moving_mean.aval.dtype).type

    def ema(v, value, m):
        decay = float(f(1.0 - m))
        return v.assign(gate(_ops.sub(v, _ops.mul(_ops.sub(v, value), decay)), v))

    mean_v, std_v = _ops.stop_gradient(mean), _ops.stop_gradient(std)
    new_mean = _ops.div(ema(rm, mean_v, renorm_momentum), ema(rmw, 1.0, renorm_momentum))
    new_std = _ops.div(ema(rs, std_v, renorm_momentum), ema(rsw, 1.0, renorm_momentum))
    new_var = _ops.sub(_ops.square(new_std), epsilon)
    return y, [ema(moving_mean, new_mean, momentum), ema(moving_var, new_var, momentum)]
