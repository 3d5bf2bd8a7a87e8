"""``tf.estimator.train_and_evaluate`` with ``TrainSpec`` and ``EvalSpec``, in TensorFlow 1's
local mode (no ``TF_CONFIG`` cluster): train, and evaluate the newest checkpoint each time
training has saved one (every ``save_checkpoints_steps`` of the Estimator's ``RunConfig``; only
at the end when checkpoints are timed), until ``max_steps``."""

from __future__ import annotations

from collections import namedtuple

from ..platform import tf_logging as logging


class TrainSpec(namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks",
                                         "saving_listeners"])):
    def __new__(cls, input_fn, max_steps=None, hooks=None, saving_listeners=None):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        return super().__new__(cls, input_fn, max_steps, tuple(hooks or ()),
                               tuple(saving_listeners or ()))


class EvalSpec(namedtuple("EvalSpec", ["input_fn", "steps", "name", "hooks", "exporters",
                                       "start_delay_secs", "throttle_secs"])):
    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None,
                start_delay_secs=120, throttle_secs=600):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if exporters:
            raise NotImplementedError("EvalSpec: exporters (SavedModel export) are not "
                                      "supported by dlcore_static")
        return super().__new__(cls, input_fn, steps, name, tuple(hooks or ()), (),
                               start_delay_secs, throttle_secs)


def train_and_evaluate(estimator, train_spec, eval_spec):
    """Train to ``train_spec.max_steps`` (or the end of its data), evaluating after each
    checkpoint; returns ``(last evaluation's metrics, [])`` (no exporters)."""
    if not isinstance(train_spec, TrainSpec):
        raise TypeError(f"`train_spec` must have type `tf.estimator.TrainSpec`. Got: "
                        f"{type(train_spec)}")
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError(f"`eval_spec` must have type `tf.estimator.EvalSpec`. Got: "
                        f"{type(eval_spec)}")
    every = estimator.config.save_checkpoints_steps
    result = None
    while True:
        before = _step(estimator)
        if train_spec.max_steps is not None and before >= train_spec.max_steps:
            break
        if every:
            target = before + every
            if train_spec.max_steps is not None:
                target = min(target, train_spec.max_steps)
            estimator.train(train_spec.input_fn, hooks=train_spec.hooks, max_steps=target)
        else:
            estimator.train(train_spec.input_fn, hooks=train_spec.hooks,
                            max_steps=train_spec.max_steps)
        after = _step(estimator)
        result = estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps,
                                    hooks=eval_spec.hooks, name=eval_spec.name)
        if after == before or not every or train_spec.max_steps is None and after < target:
            break                                 # the training data ended
    if result is None:
        logging.info("Skipping training since max_steps has already saved.")
        result = estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps,
                                    hooks=eval_spec.hooks, name=eval_spec.name)
    return result, []


def _step(estimator) -> int:
    path = estimator.latest_checkpoint()
    return estimator._checkpoint_step(path) if path else 0


__all__ = ["EvalSpec", "TrainSpec", "train_and_evaluate"]
