"""``tf.train``'s session-run hooks and their arguments, as TensorFlow 1.15 runs them in a
``MonitoredSession`` (``monitored.py``): ``SessionRunHook`` (``begin``,
``after_create_session``, ``before_run`` returning ``SessionRunArgs``, ``after_run`` seeing
``SessionRunValues``, ``end``), ``StopAtStepHook``, ``CheckpointSaverHook``,
``LoggingTensorHook``, ``NanTensorHook``, ``SummarySaverHook``, ``StepCounterHook`` (global
steps per second, logged and written as a summary) and ``FinalOpsHook``.  The hooks read the
global step as TF's ``_get_or_create_global_step_read`` (``global_step + 0``).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, NamedTuple

import numpy as np

logger = logging.getLogger("dlcore_static")


class SessionRunArgs(NamedTuple):
    """What a hook's ``before_run`` adds to a run: fetches, feeds, options."""
    fetches: Any
    feed_dict: Any = None
    options: Any = None


class SessionRunValues(NamedTuple):
    """What a hook's ``after_run`` sees: the values of its fetches."""
    results: Any
    options: Any
    run_metadata: Any


class NanLossDuringTrainingError(RuntimeError):
    def __str__(self) -> str:
        return "NaN loss during training."


class SessionRunContext:
    """What a hook's ``before_run``/``after_run`` see: the run's arguments, the session, and
    ``request_stop()``."""

    def __init__(self, original_args, session):
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    @property
    def original_args(self):
        return self._original_args

    @property
    def session(self):
        return self._session

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def request_stop(self) -> None:
        self._stop_requested = True


class SessionRunHook:
    """Base class: override ``begin``, ``after_create_session``, ``before_run``,
    ``after_run``, ``end``."""

    def begin(self):
        pass

    def after_create_session(self, session, coord):
        pass

    def before_run(self, run_context):
        return None

    def after_run(self, run_context, run_values):
        pass

    def end(self, session):
        pass


def _global_step_tensor():
    """TF 1.15's ``training_util._get_or_create_global_step_read``: ``global_step + 0`` (made
    once per graph, under ``global_step/``), a copy of the step as the run begins, where a
    fetched variable is its value after the run's updates (``fetches.final_reads``); None
    without a global step."""
    from .graph import get_default_graph
    from .train import get_global_step
    g = get_default_graph()
    cached = g.get_collection(_GLOBAL_STEP_READ_KEY)
    if cached:
        return cached[0]
    step = get_global_step(g)
    if step is None:
        return None
    from .variables import Variable, _init_scope
    with _init_scope(g), g.name_scope(None), g.name_scope(step.op.name + "/"):
        # (the variable's own read, made with it: it runs before the run's updates; TF reads
        # initialized_value(), whose Add copies the buffer as soon as the run starts)
        value = step.value() if isinstance(step, Variable) else step
        read = value + 0
    g.add_to_collection(_GLOBAL_STEP_READ_KEY, read)
    return read


_GLOBAL_STEP_READ_KEY = "global_step_read_op_cache"


class StopAtStepHook(SessionRunHook):
    """Stop after ``num_steps`` more steps, or once the global step reaches ``last_step``."""

    def __init__(self, num_steps=None, last_step=None):
        if num_steps is None and last_step is None:
            raise ValueError("One of num_steps or last_step must be specified.")
        if num_steps is not None and last_step is not None:
            raise ValueError("Only one of num_steps or last_step can be specified.")
        self._num_steps, self._last_step = num_steps, last_step

    def begin(self):
        self._step = _global_step_tensor()
        if self._step is None:
            raise RuntimeError("Global step should be created to use StopAtStepHook.")

    def after_create_session(self, session, coord):
        if self._last_step is None:
            self._last_step = int(session.run(self._step)) + self._num_steps

    def before_run(self, run_context):
        return SessionRunArgs(self._step)

    def after_run(self, run_context, run_values):
        step = int(run_values.results) + 1       # the step this run's update produced
        if step >= self._last_step:
            # read the value after the run: the train op may have incremented it
            if int(run_context.session.run(self._step)) >= self._last_step:
                run_context.request_stop()


class CheckpointSaverHook(SessionRunHook):
    """Save a checkpoint every ``save_steps`` global steps or ``save_secs`` seconds, and at
    the end."""

    def __init__(self, checkpoint_dir, save_secs=None, save_steps=None, saver=None,
                 checkpoint_basename="model.ckpt", scaffold=None, listeners=None):
        if saver is not None and scaffold is not None:
            raise ValueError("You cannot provide both saver and scaffold.")
        if (save_secs is None) == (save_steps is None):
            raise ValueError("exactly one of save_secs or save_steps must be given")
        self._dir, self._secs, self._steps = checkpoint_dir, save_secs, save_steps
        self._saver, self._scaffold = saver, scaffold
        self._path = os.path.join(checkpoint_dir, checkpoint_basename)

    def begin(self):
        self._step = _global_step_tensor()
        if self._step is None:
            raise RuntimeError("Global step should be created to use CheckpointSaverHook.")
        os.makedirs(self._dir, exist_ok=True)

    def _get_saver(self):
        """TF's: the hook's saver, else the scaffold's, else the one of the ``savers``
        collection (a monitored session's scaffold puts its saver there)."""
        if self._saver is not None:
            return self._saver
        if self._scaffold is not None:
            return self._scaffold.saver
        from .graph import get_default_graph
        savers = get_default_graph().get_collection("savers")
        if not savers:
            raise RuntimeError("No items in collection savers. Please add a saver to the "
                               "collection or provide a saver or scaffold.")
        if len(savers) > 1:
            raise RuntimeError("More than one item in collection savers. Please indicate which "
                               "one to use by passing it to the constructor.")
        self._saver = savers[0]
        return self._saver

    def after_create_session(self, session, coord):
        self._saver = self._get_saver()
        self._last_step = int(session.run(self._step))
        self._last_time = time.time()
        self._save(session, self._last_step)

    def _save(self, session, step):
        self._saver.save(session, self._path, global_step=step)

    def after_run(self, run_context, run_values):
        step = int(run_context.session.run(self._step))
        due = (self._steps is not None and step >= self._last_step + self._steps) or \
            (self._secs is not None and time.time() >= self._last_time + self._secs)
        if due:
            self._save(run_context.session, step)
            self._last_step, self._last_time = step, time.time()

    def end(self, session):
        step = int(session.run(self._step))
        if step != self._last_step:
            self._save(session, step)


class LoggingTensorHook(SessionRunHook):
    """Log the values of ``tensors`` (a dict of names to tensors, or a list) every
    ``every_n_iter`` runs (and at the end with ``at_end``), through ``logging`` (INFO)."""

    def __init__(self, tensors, every_n_iter=None, every_n_secs=None, at_end=False,
                 formatter=None):
        if (every_n_iter is None) == (every_n_secs is None) and not at_end:
            raise ValueError("either at_end and/or exactly one of every_n_iter and "
                             "every_n_secs must be provided.")
        if not isinstance(tensors, dict):
            tensors = {getattr(t, "name", str(t)): t for t in tensors}
        self._tensors = tensors
        self._every_n, self._secs, self._at_end = every_n_iter, every_n_secs, at_end
        self._formatter = formatter
        self._iter = 0
        self._last = time.time()

    def _due(self) -> bool:
        if self._every_n is not None:
            return self._iter % self._every_n == 0
        return self._secs is not None and time.time() >= self._last + self._secs

    def before_run(self, run_context):
        return SessionRunArgs(self._tensors) if self._due() else None

    def _log(self, values: dict) -> None:
        if self._formatter is not None:
            logger.info(self._formatter(values))
        else:
            logger.info(", ".join(f"{k} = {v}" for k, v in values.items()))

    def after_run(self, run_context, run_values):
        if run_values.results is not None:
            self._log(run_values.results)
            self._last = time.time()
        self._iter += 1

    def end(self, session):
        if self._at_end:
            self._log(session.run(self._tensors))


class NanTensorHook(SessionRunHook):
    """Stop (or raise ``NanLossDuringTrainingError``) when ``loss_tensor`` is NaN."""

    def __init__(self, loss_tensor, fail_on_nan_loss=True):
        self._loss, self._fail = loss_tensor, fail_on_nan_loss

    def before_run(self, run_context):
        return SessionRunArgs(self._loss)

    def after_run(self, run_context, run_values):
        if np.isnan(run_values.results):
            if self._fail:
                raise NanLossDuringTrainingError
            logger.warning("Model diverged with loss = NaN.")
            run_context.request_stop()


class SummarySaverHook(SessionRunHook):
    """TF 1.15's ``tf.train.SummarySaverHook``: every ``save_steps`` global steps (or
    ``save_secs`` seconds) the run also fetches ``summary_op`` (or the ``scaffold``'s) and the
    results go to ``summary_writer`` (or a ``FileWriter`` of ``output_dir``) at the global step
    after the run; the first run always writes."""

    def __init__(self, save_steps=None, save_secs=None, output_dir=None, summary_writer=None,
                 scaffold=None, summary_op=None):
        if (scaffold is None) == (summary_op is None):
            raise ValueError("Exactly one of scaffold or summary_op must be provided.")
        if (save_steps is None) == (save_secs is None):
            raise ValueError("exactly one of every_steps and every_secs should be provided.")
        self._summary_op, self._scaffold = summary_op, scaffold
        self._writer, self._output_dir = summary_writer, output_dir
        self._steps, self._secs = save_steps, save_secs
        self._last_step: int | None = None
        self._last_time = 0.0

    def begin(self):
        if self._writer is None and self._output_dir:
            from .summary import FileWriterCache
            self._writer = FileWriterCache.get(self._output_dir)
        self._next_step: int | None = None
        self._step = _global_step_tensor()
        if self._step is None:
            raise RuntimeError("Global step should be created to use SummarySaverHook.")

    def _ops(self) -> list:
        op = self._summary_op if self._summary_op is not None else \
            getattr(self._scaffold, "summary_op", None)
        return [] if op is None else list(op) if isinstance(op, (list, tuple)) else [op]

    def _due(self, step: int) -> bool:      # TF's SecondOrStepTimer.should_trigger_for_step
        if self._last_step is None:
            return True
        if self._last_step == step:
            return False
        if self._secs is not None and time.time() >= self._last_time + self._secs:
            return True
        return self._steps is not None and step >= self._last_step + self._steps

    def before_run(self, run_context):
        self._request = self._next_step is None or self._due(self._next_step)
        fetches = {"global_step": self._step}
        ops = self._ops() if self._request else []
        if ops:
            fetches["summary"] = ops
        return SessionRunArgs(fetches)

    def after_run(self, run_context, run_values):
        if not self._writer:
            return
        step = int(run_values.results["global_step"]) + 1
        if self._next_step is None or self._request:
            step = int(run_context.session.run(self._step))
        if self._request:
            self._last_step, self._last_time = step, time.time()
            for summary in run_values.results.get("summary", ()):
                self._writer.add_summary(summary, step)
        self._next_step = step + 1

    def end(self, session):
        if self._writer:
            self._writer.flush()


class StepCounterHook(SessionRunHook):
    """TF 1.15's ``tf.train.StepCounterHook``: every ``every_n_steps`` global steps (or
    ``every_n_secs`` seconds) logs ``global_step/sec`` (the global step's op name + '/sec') and,
    with ``output_dir`` or ``summary_writer``, writes it as a scalar summary at that step."""

    def __init__(self, every_n_steps=100, every_n_secs=None, output_dir=None,
                 summary_writer=None):
        if (every_n_steps is None) == (every_n_secs is None):
            raise ValueError("exactly one of every_n_steps and every_n_secs should be "
                             "provided.")
        self._every_steps, self._every_secs = every_n_steps, every_n_secs
        self._writer, self._output_dir = summary_writer, output_dir
        self._last_step: int | None = None          # the timer's last triggered step
        self._last_time: float | None = None
        self._last_global_step = None

    def begin(self):
        if self._writer is None and self._output_dir:
            from .summary import FileWriterCache
            self._writer = FileWriterCache.get(self._output_dir)
        self._step = _global_step_tensor()
        if self._step is None:
            raise RuntimeError("Global step should be created to use StepCounterHook.")
        from .train import get_global_step
        self._tag = get_global_step().op.name + "/sec"

    def _due(self, step: int) -> bool:      # TF's SecondOrStepTimer.should_trigger_for_step
        if self._last_step is None:
            return True
        if self._last_step == step:
            return False
        if self._every_secs is not None and time.time() >= self._last_time + self._every_secs:
            return True
        return self._every_steps is not None and step >= self._last_step + self._every_steps

    def before_run(self, run_context):
        return SessionRunArgs(self._step)

    def after_run(self, run_context, run_values):
        stale = int(run_values.results)
        if self._due(stale + 1):
            step = int(run_context.session.run(self._step))      # after the train op
            if self._due(step):
                now = time.time()
                if self._last_time is not None and self._last_step is not None:
                    rate = (step - self._last_step) / max(now - self._last_time, 1e-9)
                    if self._writer is not None:
                        from dlcore.io import tensorboard as tb
                        self._writer.add_summary(tb.scalar(self._tag, rate), step)
                    logger.info("%s: %g", self._tag, rate)
                self._last_step, self._last_time = step, now
        if stale == self._last_global_step:
            logger.warning("It seems that global step (tf.train.get_global_step) has not "
                           "been increased. Current value (could be stable): %s vs previous "
                           "value: %s. You could increase the global step by passing "
                           "tf.train.get_global_step() to Optimizer.apply_gradients or "
                           "Optimizer.minimize.", stale, self._last_global_step)
        self._last_global_step = stale


class FinalOpsHook(SessionRunHook):
    """Run ``final_ops`` when the session ends; their values in ``final_ops_values``."""

    def __init__(self, final_ops, final_ops_feed_dict=None):
        self._ops, self._feed = final_ops, final_ops_feed_dict
        self.final_ops_values = None

    def end(self, session):
        self.final_ops_values = session.run(self._ops, feed_dict=self._feed)
