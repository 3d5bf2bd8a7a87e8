"""``tf.estimator.Estimator``, ``EstimatorSpec``, ``ModeKeys`` and ``RunConfig`` as TensorFlow 1.15
runs them.

An Estimator owns no graph and no session.  Each call builds everything afresh and keeps state
only in checkpoints under ``model_dir``::

    train(input_fn, steps)      new Graph; global step; input_fn() -> (features, labels);
                                model_fn(features, labels, mode='train') -> EstimatorSpec;
                                a MonitoredSession restores the latest checkpoint (or
                                initialises), runs ``train_op`` until ``steps`` more global
                                steps (or ``max_steps``) or the end of the input, and saves a
                                checkpoint at the start, every ``save_checkpoints_steps`` (or
                                ``save_checkpoints_secs``) and at the end
    evaluate(input_fn, steps)   new Graph; model_fn(mode='eval'); restore; run every metric's
                                update op over the input (or ``steps`` batches); return
                                ``{metric: value, 'loss': mean loss, 'global_step': step}``
    predict(input_fn)           new Graph; model_fn(labels=None, mode='infer'); restore; yield
                                one prediction per example (or per batch)

So two Estimators on one ``model_dir`` see each other's training, and a Python process that
restarts picks up where the last one stopped, as in TensorFlow.  ``input_fn`` returns a
``tf.data.Dataset`` of ``(features, labels)`` (or of features alone), or the tensors themselves.
``model_fn`` takes ``features`` and any of ``labels``, ``mode``, ``params``, ``config``, by name.
Differences from TensorFlow: no summaries are written for TensorBoard by ``train``/``evaluate``,
and no SavedModel export (``export_saved_model`` is absent, not faked).
"""

from __future__ import annotations

import inspect
import os
import tempfile
from collections import namedtuple
from typing import Any, Callable

import numpy as np

from ..platform import tf_logging as logging


class ModeKeys:
    """The three modes a ``model_fn`` is called in."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


_USE_DEFAULT = object()


class RunConfig:
    """Where and how an Estimator runs: ``model_dir``, ``tf_random_seed``, checkpoint cadence
    (``save_checkpoints_steps`` or ``save_checkpoints_secs``, 600 s by default),
    ``keep_checkpoint_max``, ``log_step_count_steps`` and the ``session_config``."""

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100,
                 save_checkpoints_steps=_USE_DEFAULT, save_checkpoints_secs=_USE_DEFAULT,
                 session_config=None, keep_checkpoint_max=5,
                 keep_checkpoint_every_n_hours=10000, log_step_count_steps=100,
                 train_distribute=None, device_fn=None, protocol=None, eval_distribute=None,
                 experimental_distribute=None, experimental_max_worker_delay_secs=None,
                 session_creation_timeout_secs=7200):
        steps = None if save_checkpoints_steps is _USE_DEFAULT else save_checkpoints_steps
        secs = None if save_checkpoints_secs is _USE_DEFAULT else save_checkpoints_secs
        if steps is not None and secs is not None:
            raise ValueError("save_checkpoints_steps and save_checkpoints_secs cannot be both "
                             "set.")
        if steps is None and save_checkpoints_secs is _USE_DEFAULT:
            secs = 600
        self.model_dir = os.fspath(model_dir) if model_dir is not None else None
        self.tf_random_seed = tf_random_seed
        self.save_summary_steps = save_summary_steps
        self.save_checkpoints_steps = steps
        self.save_checkpoints_secs = secs
        self.session_config = session_config
        self.keep_checkpoint_max = keep_checkpoint_max
        self.keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self.log_step_count_steps = log_step_count_steps
        self.train_distribute = train_distribute
        self.eval_distribute = eval_distribute
        self.device_fn = device_fn
        self.protocol = protocol
        self.is_chief = True
        self.num_ps_replicas = 0
        self.num_worker_replicas = 1
        self.task_type = "worker"
        self.task_id = 0
        self.master = ""
        self.cluster_spec = None

    _FIELDS = ("model_dir", "tf_random_seed", "save_summary_steps", "save_checkpoints_steps",
               "save_checkpoints_secs", "session_config", "keep_checkpoint_max",
               "keep_checkpoint_every_n_hours", "log_step_count_steps", "train_distribute",
               "device_fn", "protocol", "eval_distribute")

    def replace(self, **kwargs) -> RunConfig:
        """A copy with some fields replaced (``ValueError`` for a field RunConfig lacks)."""
        for k in kwargs:
            if k not in self._FIELDS:
                raise ValueError(f"{k} is not supported by RunConfig.replace. Allowed "
                                 f"properties: {sorted(self._FIELDS)}")
        args = {k: getattr(self, k) for k in self._FIELDS}
        args.update(kwargs)
        if "save_checkpoints_steps" in kwargs and "save_checkpoints_secs" not in kwargs:
            args["save_checkpoints_secs"] = None
        if "save_checkpoints_secs" in kwargs and "save_checkpoints_steps" not in kwargs:
            args["save_checkpoints_steps"] = None
        return RunConfig(**args)

    def __repr__(self) -> str:
        return "RunConfig(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self._FIELDS) + ")"


class EstimatorSpec(namedtuple("EstimatorSpec", [
        "mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs",
        "training_chief_hooks", "training_hooks", "scaffold", "evaluation_hooks",
        "prediction_hooks"])):
    """What a ``model_fn`` returns: ``loss`` and ``train_op`` for training, ``loss`` (and
    ``eval_metric_ops``, ``{name: (value, update_op)}``) for evaluation, ``predictions`` (a
    tensor or a dict of tensors) for prediction."""

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None,
                export_outputs=None, training_chief_hooks=None, training_hooks=None,
                scaffold=None, evaluation_hooks=None, prediction_hooks=None):
        from ..graph import Tensor
        if mode not in (ModeKeys.TRAIN, ModeKeys.EVAL, ModeKeys.PREDICT):
            raise ValueError(f"mode={mode!r} unrecognized.")
        if mode == ModeKeys.TRAIN and train_op is None:
            raise ValueError("Missing train_op.")
        if mode in (ModeKeys.TRAIN, ModeKeys.EVAL) and loss is None:
            raise ValueError("Missing loss.")
        if mode == ModeKeys.PREDICT and predictions is None:
            raise ValueError("Missing predictions.")
        if loss is not None:
            if not isinstance(loss, Tensor):
                raise TypeError(f"loss must be Tensor, given: {loss!r}")
            if loss.shape.ndims not in (None, 0) and tuple(loss.shape.as_list()) != (1,):
                raise ValueError(f"Loss must be scalar, given: {loss}")
        if predictions is not None:
            items = predictions.items() if isinstance(predictions, dict) else \
                [("predictions", predictions)]
            for k, v in items:
                if not isinstance(v, Tensor):
                    raise TypeError(f"predictions[{k}] must be Tensor, given: {v!r}")
        for k, v in (eval_metric_ops or {}).items():
            if not (isinstance(v, tuple) and len(v) == 2):
                raise TypeError(f"Values of eval_metric_ops must be (metric_value, update_op) "
                                f"tuples, given: {v!r} for key: {k}")
        return super().__new__(cls, mode, predictions, loss, train_op,
                               dict(eval_metric_ops or {}), export_outputs,
                               tuple(training_chief_hooks or ()), tuple(training_hooks or ()),
                               scaffold, tuple(evaluation_hooks or ()),
                               tuple(prediction_hooks or ()))


def _CheckpointSaver(**kw):
    """A Saver for the Estimator's checkpoints: values only (the graph is rebuilt by the
    model_fn on every call, so no ``.meta`` file is written)."""
    from ..saving import Saver

    class CheckpointSaver(Saver):
        def save(self, sess, save_path, global_step=None, write_meta_graph=False, **kw):
            return super().save(sess, save_path, global_step, write_meta_graph, **kw)
    return CheckpointSaver(**kw)


def _fn_args(fn: Callable) -> tuple:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in sig.parameters.values()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


class Estimator:
    """``tf.estimator.Estimator(model_fn, model_dir=None, config=None, params=None)``."""

    def __init__(self, model_fn, model_dir=None, config=None, params=None,
                 warm_start_from=None):
        if not callable(model_fn):
            raise ValueError("model_fn must be provided to Estimator.")
        if config is None:
            config = RunConfig()
        elif not isinstance(config, RunConfig):
            raise ValueError(f"config must be an instance of `RunConfig`, but provided "
                             f"{config}.")
        args = _fn_args(model_fn)
        if "features" not in args:
            raise ValueError(f"model_fn ({model_fn}) must include features argument.")
        if params is not None and "params" not in args:
            raise ValueError(f"model_fn ({model_fn}) does not include params argument, but "
                             f"params ({params}) is passed to Estimator.")
        model_dir = os.fspath(model_dir) if model_dir is not None else None
        if model_dir is not None and config.model_dir is not None and \
                model_dir != config.model_dir:
            raise ValueError(f"model_dir are set both in constructor and `RunConfig`, but "
                             f"with different values. In constructor: '{model_dir}', in "
                             f"`RunConfig`: '{config.model_dir}' ")
        model_dir = model_dir or config.model_dir
        if model_dir is None:
            model_dir = tempfile.mkdtemp()
            logging.warning("Using temporary folder as model directory: %s", model_dir)
        if config.model_dir != model_dir:
            config = config.replace(model_dir=model_dir)
        self._model_fn = model_fn
        self._model_dir = model_dir
        self._config = config
        self._params = dict(params or {})
        self._warm_start_from = warm_start_from
        logging.info("Using config: %s", config)

    model_dir = property(lambda self: self._model_dir)
    config = property(lambda self: self._config)
    params = property(lambda self: dict(self._params))
    model_fn = property(lambda self: self._model_fn)

    # ----------------------------------------------------------------------- building
    def _call_input_fn(self, input_fn, mode):
        from ..data import Dataset
        args = _fn_args(input_fn)
        kw: dict[str, Any] = {}
        if "mode" in args:
            kw["mode"] = mode
        if "params" in args:
            kw["params"] = self.params
        if "config" in args:
            kw["config"] = self._config
        out = input_fn(**kw)
        if isinstance(out, Dataset):
            out = out.make_one_shot_iterator().get_next()
        if isinstance(out, (tuple, list)):
            if len(out) != 2:
                raise ValueError(f"input_fn should return (features, labels) as a len 2 "
                                 f"tuple, got {len(out)} elements")
            return out[0], out[1]
        return out, None

    def _call_model_fn(self, features, labels, mode) -> EstimatorSpec:
        args = _fn_args(self._model_fn)
        kw: dict[str, Any] = {"features": features}
        if "labels" in args:
            kw["labels"] = labels
        elif labels is not None and mode != ModeKeys.PREDICT:
            raise ValueError(f"model_fn does not take labels, but input_fn returns labels.")
        if "mode" in args:
            kw["mode"] = mode
        if "params" in args:
            kw["params"] = self.params
        if "config" in args:
            kw["config"] = self._config
        spec = self._model_fn(**kw)
        if not isinstance(spec, EstimatorSpec):
            raise ValueError(f"model_fn should return an EstimatorSpec. Given: {spec}")
        return spec

    def _graph(self):
        from ..graph import Graph
        from ..random_ops import set_random_seed
        g = Graph()
        ctx = g.as_default()
        ctx.__enter__()
        if self._config.tf_random_seed is not None:
            set_random_seed(self._config.tf_random_seed)
        return g, ctx

    def latest_checkpoint(self):
        """The newest checkpoint's path in ``model_dir`` (None before any training)."""
        from ..checkpoint_state import latest_checkpoint
        return latest_checkpoint(self._model_dir)

    def _checkpoint_step(self, path) -> int:
        from ..checkpoint_reader import load_checkpoint
        reader = load_checkpoint(path)
        return int(reader.get_tensor("global_step")) if reader.has_tensor("global_step") else 0

    # ----------------------------------------------------------------------- train
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Train for ``steps`` more global steps, up to ``max_steps``, or until ``input_fn``'s
        data ends; returns ``self``."""
        from ..monitored import (CheckpointSaverHook, LoggingTensorHook, MonitoredSession,
                                 NanTensorHook, StepCounterHook, StopAtStepHook)
        from ..checkpoint_state import get_checkpoint_state
        from ..scaffold import ChiefSessionCreator, Scaffold
        from ..train import get_or_create_global_step
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        if max_steps is not None:
            ckpt = self.latest_checkpoint()
            if ckpt and self._checkpoint_step(ckpt) >= max_steps:
                logging.info("Skipping training since max_steps has already saved.")
                return self
        g, ctx = self._graph()
        try:
            step = get_or_create_global_step()
            features, labels = self._call_input_fn(input_fn, ModeKeys.TRAIN)
            spec = self._call_model_fn(features, labels, ModeKeys.TRAIN)
            cfg = self._config
            all_hooks = list(hooks or []) + list(spec.training_hooks)
            all_hooks.append(NanTensorHook(spec.loss))
            if steps is not None or max_steps is not None:
                all_hooks.append(StopAtStepHook(num_steps=steps, last_step=max_steps))
            if cfg.log_step_count_steps:
                all_hooks.append(LoggingTensorHook({"loss": spec.loss, "step": step},
                                                   every_n_iter=cfg.log_step_count_steps))
            chief = list(spec.training_chief_hooks)
            saver = _CheckpointSaver(max_to_keep=cfg.keep_checkpoint_max)
            state = get_checkpoint_state(self._model_dir)
            if state is not None:
                saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
            if cfg.save_checkpoints_steps is not None:
                chief.append(CheckpointSaverHook(self._model_dir, saver=saver,
                                                 save_steps=cfg.save_checkpoints_steps))
            else:
                chief.append(CheckpointSaverHook(self._model_dir, saver=saver,
                                                 save_secs=cfg.save_checkpoints_secs or 600))
            if cfg.log_step_count_steps:
                chief.append(StepCounterHook(cfg.log_step_count_steps))
            loss = None
            creator = ChiefSessionCreator(scaffold=Scaffold(saver=saver),
                                          config=cfg.session_config,
                                          checkpoint_dir=self._model_dir)
            with MonitoredSession(creator, all_hooks + chief) as sess:
                while not sess.should_stop():
                    _, loss = sess.run([spec.train_op, spec.loss])
            logging.info("Loss for final step: %s.", loss)
        finally:
            ctx.__exit__(None, None, None)
        return self

    # ----------------------------------------------------------------------- evaluate
    def _restore_or_init(self, sess, checkpoint_path, what: str):
        from ..saving import Saver
        from ..variables import global_variables_initializer, local_variables_initializer
        sess.run([global_variables_initializer(), local_variables_initializer()])
        path = checkpoint_path or self.latest_checkpoint()
        if path:
            Saver().restore(sess, path)
        else:
            logging.info("Could not find trained model in model_dir: %s, running "
                         "initialization to %s.", self._model_dir, what)

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Run the metrics over ``input_fn``'s data (or ``steps`` batches) with the latest
        checkpoint's weights: ``{name: value, 'loss': mean loss, 'global_step': step}``."""
        from ..errors import OutOfRangeError
        from ..metrics import mean as metric_mean
        from ..session import Session
        from ..train import get_or_create_global_step
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        g, ctx = self._graph()
        try:
            step = get_or_create_global_step()
            features, labels = self._call_input_fn(input_fn, ModeKeys.EVAL)
            spec = self._call_model_fn(features, labels, ModeKeys.EVAL)
            metrics = dict(spec.eval_metric_ops)
            if "loss" not in metrics:
                metrics["loss"] = metric_mean(spec.loss)
            updates = [u for _, u in metrics.values()]
            values = {k: v for k, (v, _) in metrics.items()}
            with Session(graph=g, config=self._config.session_config) as sess:
                self._restore_or_init(sess, checkpoint_path, "evaluate")
                n = 0
                try:
                    while steps is None or n < steps:
                        sess.run(updates)
                        n += 1
                except OutOfRangeError:
                    pass
                out = sess.run(values)
                out["global_step"] = sess.run(step)
        finally:
            ctx.__exit__(None, None, None)
        logging.info("Saving dict for global step %d: %s", out["global_step"],
                     ", ".join(f"{k} = {v}" for k, v in sorted(out.items())))
        return out

    # ----------------------------------------------------------------------- predict
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None,
                yield_single_examples=True):
        """Yield the predictions for each example of ``input_fn``'s data (a dict per example
        when ``predictions`` is a dict, else an array), with the latest checkpoint's
        weights."""
        from ..errors import OutOfRangeError
        from ..session import Session
        from ..train import get_or_create_global_step
        g, ctx = self._graph()
        try:
            get_or_create_global_step()
            features, _ = self._call_input_fn(input_fn, ModeKeys.PREDICT)
            spec = self._call_model_fn(features, None, ModeKeys.PREDICT)
            preds = spec.predictions
            if isinstance(preds, dict) and predict_keys is not None:
                missing = [k for k in predict_keys if k not in preds]
                if missing:
                    raise ValueError(f"Expected to run at least one output from {missing}, "
                                     f"provided {sorted(preds)}.")
                preds = {k: preds[k] for k in predict_keys}
            sess = Session(graph=g, config=self._config.session_config)
            self._restore_or_init(sess, checkpoint_path, "predict")
        finally:
            ctx.__exit__(None, None, None)
        return self._predictions(sess, preds, yield_single_examples, OutOfRangeError)

    @staticmethod
    def _predictions(sess, preds, single: bool, end):
        try:
            while True:
                try:
                    batch = sess.run(preds)
                except end:
                    return
                if not single:
                    yield batch
                    continue
                if isinstance(batch, dict):
                    sizes = {k: np.shape(v)[0] if np.ndim(v) else None
                             for k, v in batch.items()}
                    n = next(iter(sizes.values()))
                    if n is None or any(s != n for s in sizes.values()):
                        raise ValueError(f"Batch length of predictions should be same. "
                                         f"{sizes}")
                    for i in range(n):
                        yield {k: v[i] for k, v in batch.items()}
                else:
                    if not np.ndim(batch):
                        raise ValueError("Prediction must have a batch dimension (the first "
                                         "dimension) when yield_single_examples=True: got a "
                                         "scalar.")
                    yield from batch
        finally:
            sess.close()

    # ----------------------------------------------------------------------- variables
    def get_variable_names(self) -> list:
        """The names of the variables in the latest checkpoint."""
        from ..checkpoint_reader import list_variables
        return [name for name, _ in list_variables(self._require_checkpoint())]

    def get_variable_value(self, name):
        """A variable's value in the latest checkpoint."""
        from ..checkpoint_reader import load_variable
        return load_variable(self._require_checkpoint(), name)

    def _require_checkpoint(self):
        path = self.latest_checkpoint()
        if not path:
            raise ValueError(f"Could not find trained model in model_dir: {self._model_dir}.")
        return path


__all__ = ["Estimator", "EstimatorSpec", "ModeKeys", "RunConfig"]
