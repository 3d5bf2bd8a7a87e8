"""``tf.contrib.layers.optimize_loss``: one call from a loss to a training tensor, as TF 1.15.

The returned tensor is the loss, computed after the UPDATE_OPS (batch norm's moving averages)
and after the variables were updated, so ``sess.run(train_op)`` trains and returns the loss.
The optimizer is a name (``"SGD"``, ``"Adam"``, ``"Adagrad"``, ``"Momentum"`` with momentum
0.9, ``"RMSProp"``, ``"Ftrl"``), an Optimizer class, an instance, or ``fn(learning_rate)``; a
float learning rate becomes the non-trainable variable ``OptimizeLoss/learning_rate``.  Gradients
may be noised (``gradient_noise_scale``), multiplied per variable (``gradient_multipliers``) and
clipped by global norm (``clip_gradients`` a float) or by a function.  Summaries of the loss and
the global gradient norm are written to the SUMMARIES collection as TensorFlow writes them (the
per-variable histograms ``"gradients"``/``"gradient_norm"`` are not made).
"""

from __future__ import annotations

from typing import Any

_SUMMARIES = ("learning_rate", "loss", "gradients", "gradient_norm", "global_gradient_norm")


def _optimizer_classes() -> dict:
    from .. import train
    return {"Adagrad": train.AdagradOptimizer, "Adam": train.AdamOptimizer,
            "Ftrl": train.FtrlOptimizer,
            "Momentum": lambda learning_rate: train.MomentumOptimizer(learning_rate,
                                                                      momentum=0.9),
            "RMSProp": train.RMSPropOptimizer, "SGD": train.GradientDescentOptimizer}


def optimize_loss(loss, global_step, learning_rate, optimizer, gradient_noise_scale=None,
                  gradient_multipliers=None, clip_gradients=None, learning_rate_decay_fn=None,
                  update_ops=None, variables=None, name=None, summaries=None,
                  colocate_gradients_with_ops=False, increment_global_step=True):
    """The loss tensor, depending on one optimisation step (see the module docstring)."""
    from .. import initializers as _init
    from .. import summary
    from ..array_ops import identity
    from ..frontend import convert_to_tensor
    from ..graph import Tensor, control_dependencies
    from ..math_api import clip_by_global_norm, global_norm
    from ..optimizer import Optimizer
    from ..random_ops import truncated_normal
    from ..train import get_global_step
    from ..variable_scopes import get_variable, variable_scope
    from ..variables import GraphKeys, trainable_variables
    loss = convert_to_tensor(loss)
    if loss.shape.ndims != 0:
        raise ValueError(f"Expected scalar shape for {loss.name}, saw shape: {loss.shape}.")
    if global_step is None:
        global_step = get_global_step()
    with variable_scope(name, default_name="OptimizeLoss"):
        if update_ops is None:
            update_ops = list(dict.fromkeys(_init.get_collection(GraphKeys.UPDATE_OPS)))
        if update_ops:
            with control_dependencies(list(update_ops)):
                loss = identity(loss)
        lr: Any = None
        if learning_rate is not None:
            if isinstance(learning_rate, Tensor) and learning_rate.shape.ndims == 0:
                lr = learning_rate
            elif isinstance(learning_rate, float):
                if learning_rate < 0.0:
                    raise ValueError(f"Invalid learning_rate {learning_rate}.")
                lr = get_variable("learning_rate", [], trainable=False,
                                  initializer=_init.constant_initializer(learning_rate))
            else:
                raise ValueError(f"Learning rate should be 0d Tensor or float. Got "
                                 f"{learning_rate} of type {type(learning_rate)}")
        if summaries is None:
            summaries = ["loss", "learning_rate", "global_gradient_norm"]
        for s in summaries:
            if s not in _SUMMARIES:
                raise ValueError(f"Summaries should be one of [{', '.join(_SUMMARIES)}], you "
                                 f"provided {s}.")
        if learning_rate is not None and learning_rate_decay_fn is not None:
            if global_step is None:
                raise ValueError("global_step is required for learning_rate_decay_fn.")
            lr = learning_rate_decay_fn(lr, global_step)
            if "learning_rate" in summaries:
                summary.scalar("learning_rate", lr)
        opt = _make_optimizer(optimizer, lr, learning_rate, Optimizer)
        if variables is None:
            variables = trainable_variables()
        grads = opt.compute_gradients(loss, variables)
        if gradient_noise_scale is not None:
            grads = [(None if g is None else
                      g + truncated_normal(g.shape.as_list()) * gradient_noise_scale, v)
                     for g, v in grads]
        if gradient_multipliers is not None:
            grads = _multiply(grads, gradient_multipliers)
            if not grads:
                raise ValueError("Empty list of (gradient, var) pairs encountered. This is "
                                 "most likely to be caused by an improper value of "
                                 "gradient_multipliers.")
        present = [g for g, _ in grads if g is not None]
        if ("global_gradient_norm" in summaries or "gradient_norm" in summaries) and present:
            summary.scalar("global_norm/gradient_norm", global_norm(present))
        if isinstance(clip_gradients, float):
            gs, vs = zip(*grads)
            clipped, _ = clip_by_global_norm(list(gs), clip_gradients)
            grads = list(zip(clipped, vs))
        elif callable(clip_gradients):
            grads = clip_gradients(grads)
        elif clip_gradients is not None:
            raise ValueError(f"Unknown type {type(clip_gradients)} for clip_gradients")
        if "loss" in summaries:
            summary.scalar("loss", loss)
        step = opt.apply_gradients(grads, global_step=global_step if increment_global_step
                                   else None, name="train")
        with control_dependencies([step]):
            return identity(loss)


def _make_optimizer(optimizer, lr, learning_rate, base):
    classes = _optimizer_classes()
    if isinstance(optimizer, str):
        if lr is None:
            raise ValueError(f"Learning rate is None, but should be specified if optimizer is "
                             f"string ({optimizer}).")
        if optimizer not in classes:
            raise ValueError(f"Optimizer name should be one of [{', '.join(classes)}], you "
                             f"provided {optimizer}.")
        return classes[optimizer](learning_rate=lr)
    if isinstance(optimizer, type) and issubclass(optimizer, base):
        if lr is None:
            raise ValueError(f"Learning rate is None, but should be specified if optimizer is "
                             f"class ({optimizer}).")
        return optimizer(learning_rate=lr)
    if isinstance(optimizer, base):
        return optimizer
    if callable(optimizer):
        opt = optimizer(lr) if learning_rate is not None else optimizer()
        if not isinstance(opt, base):
            raise ValueError(f"Unrecognized optimizer: function should return subclass of "
                             f"Optimizer. Got {opt}.")
        return opt
    raise ValueError(f"Unrecognized optimizer: should be string, subclass of Optimizer, "
                     f"instance of subclass of Optimizer or function with one argument. Got "
                     f"{optimizer}.")


def _multiply(grads, multipliers) -> list:
    out = []
    for g, v in grads:
        m = next((val for key, val in multipliers.items()
                  if key is v or key in (v.op.name, v.name)), None)
        if g is not None and m is not None:
            g = g * m
        out.append((g, v))
    return out
