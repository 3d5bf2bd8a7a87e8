"""``tf.train.MonitoredTrainingSession`` and its hooks, as TensorFlow 1 runs them.

A monitored session creates (or restores from ``checkpoint_dir``'s latest checkpoint) and
initialises a Session, then wraps every ``run``: each hook's ``before_run`` may add fetches
(``SessionRunArgs``) and feeds, ``after_run`` sees their values and may ``request_stop()``.
``should_stop()`` turns true when a hook asks, or when a run raises ``OutOfRangeError`` (the end
of a ``tf.data`` iterator), which the session swallows, as TensorFlow does.  Leaving the
``with`` block calls each hook's ``end`` (the checkpoint hook saves a last time) and closes the
Session.  Hooks: ``StopAtStepHook``, ``CheckpointSaverHook``, ``LoggingTensorHook``,
``NanTensorHook``, ``StepCounterHook`` (logs steps per second), ``FinalOpsHook``.
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
    from .train import get_global_step
    return get_global_step()


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
        if (save_secs is None) == (save_steps is None):
            raise ValueError("exactly one of save_secs or save_steps must be given")
        self._dir, self._secs, self._steps = checkpoint_dir, save_secs, save_steps
        self._saver = saver
        self._path = os.path.join(checkpoint_dir, checkpoint_basename)

    def begin(self):
        from .saving import Saver
        self._step = _global_step_tensor()
        if self._step is None:
            raise RuntimeError("Global step should be created to use CheckpointSaverHook.")
        if self._saver is None:
            self._saver = Saver()
        os.makedirs(self._dir, exist_ok=True)

    def after_create_session(self, session, coord):
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
    """Log global steps per second every ``every_n_steps`` steps."""

    def __init__(self, every_n_steps=100, every_n_secs=None, output_dir=None,
                 summary_writer=None):
        self._n = every_n_steps

    def begin(self):
        self._step = _global_step_tensor()
        self._t = time.time()
        self._last = None

    def before_run(self, run_context):
        return SessionRunArgs(self._step) if self._step is not None else None

    def after_run(self, run_context, run_values):
        if run_values.results is None:
            return
        step = int(run_values.results)
        if self._last is None:
            self._last, self._t = step, time.time()
        elif step - self._last >= self._n:
            rate = (step - self._last) / max(time.time() - self._t, 1e-9)
            logger.info("global_step/sec: %g", rate)
            self._last, self._t = step, time.time()


class FinalOpsHook(SessionRunHook):
    """Run ``final_ops`` when the session ends; their values in ``final_ops_values``."""

    def __init__(self, final_ops, final_ops_feed_dict=None):
        self._ops, self._feed = final_ops, final_ops_feed_dict
        self.final_ops_values = None

    def end(self, session):
        self.final_ops_values = session.run(self._ops, feed_dict=self._feed)


class MonitoredSession:
    """A Session run through hooks (see the module docstring)."""

    def __init__(self, hooks=None, checkpoint_dir=None, config=None, chief_only_hooks=None):
        from .session import Session
        from .variables import global_variables_initializer, local_variables_initializer
        from .graph import get_default_graph
        self._hooks = list(hooks or []) + list(chief_only_hooks or [])
        self.graph = get_default_graph()
        for h in self._hooks:
            h.begin()
        self._init_ops = [global_variables_initializer(), local_variables_initializer()]
        self._sess: Any = Session(graph=self.graph, config=config)
        restored = False
        if checkpoint_dir:
            from .saving import Saver, latest_checkpoint
            ckpt = latest_checkpoint(checkpoint_dir)
            if ckpt:
                self._sess.run(self._init_ops)
                Saver().restore(self._sess, ckpt)
                restored = True
        if not restored:
            self._sess.run(self._init_ops)
        for h in self._hooks:
            h.after_create_session(self._sess, None)
        self._stop = False

    @property
    def raw_session(self):
        return self._sess

    def should_stop(self) -> bool:
        return self._stop

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """``Session.run`` with every hook's extra fetches and feeds; the caller's results."""
        from .errors import OutOfRangeError
        if self._stop:
            raise RuntimeError("Run called even after should_stop requested.")
        ctx = SessionRunContext(SessionRunArgs(fetches, feed_dict, options), self._sess)
        extra: list = []
        feeds = dict(feed_dict or {})
        for h in self._hooks:
            req = h.before_run(ctx)
            extra.append(None if req is None else req.fetches)
            if req is not None and req.feed_dict:
                clash = set(req.feed_dict) & set(feeds)
                if clash:
                    raise RuntimeError(f"Same tensor is fed by a SessionRunHook and user. "
                                       f"Conflict(s): {sorted(map(str, clash))}")
                feeds.update(req.feed_dict)
        asked = [i for i, f in enumerate(extra) if f is not None]
        try:
            results = self._sess.run([fetches] + [extra[i] for i in asked], feeds,
                                     options=options, run_metadata=run_metadata)
        except OutOfRangeError:
            self._stop = True
            raise
        values: list = [None] * len(extra)
        for i, r in zip(asked, results[1:]):
            values[i] = r
        for h, r in zip(self._hooks, values):
            h.after_run(ctx, SessionRunValues(r, options, run_metadata))
        if ctx.stop_requested:
            self._stop = True
        return results[0]

    def close(self) -> None:
        if self._sess is None:
            return
        try:
            for h in self._hooks:
                h.end(self._sess)
        finally:
            self._sess.close()
            self._sess = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        from .errors import OutOfRangeError
        if exc_type is None or issubclass(exc_type, OutOfRangeError):
            self.close()
            return exc_type is not None          # the end of the data ends training quietly
        if self._sess is not None:
            self._sess.close()
            self._sess = None
        return False


SingularMonitoredSession = MonitoredSession


def MonitoredTrainingSession(master="", is_chief=True, checkpoint_dir=None, scaffold=None,  # noqa: N802
                             hooks=None, chief_only_hooks=None, save_checkpoint_secs=600,
                             save_summaries_steps=100, save_summaries_secs=None, config=None,
                             stop_grace_period_secs=120, log_step_count_steps=100,
                             max_wait_secs=7200, save_checkpoint_steps=None,
                             summary_dir=None):
    """A ``MonitoredSession`` for training: restores from ``checkpoint_dir`` and saves to it
    every ``save_checkpoint_steps`` (or ``save_checkpoint_secs``) when it is given."""
    hooks = list(hooks or [])
    chief = list(chief_only_hooks or []) if is_chief else []
    if is_chief and checkpoint_dir and _global_step_tensor() is not None:
        if save_checkpoint_steps is not None:
            chief.append(CheckpointSaverHook(checkpoint_dir, save_steps=save_checkpoint_steps))
        elif save_checkpoint_secs:
            chief.append(CheckpointSaverHook(checkpoint_dir, save_secs=save_checkpoint_secs))
    if is_chief and log_step_count_steps and _global_step_tensor() is not None:
        chief.append(StepCounterHook(log_step_count_steps))
    summary_dir = summary_dir or checkpoint_dir
    if is_chief and summary_dir and _global_step_tensor() is not None and \
            ((save_summaries_steps and save_summaries_steps > 0) or
             (save_summaries_secs and save_summaries_secs > 0)):
        # TF 1.15: the summaries the graph collected (tf.summary.merge_all, or the scaffold's
        # summary_op) go to summary_dir every save_summaries_steps (secs when steps is None)
        from .summary import merge_all
        op = getattr(scaffold, "summary_op", None) if scaffold is not None else merge_all()
        if op is not None:
            steps = save_summaries_steps if save_summaries_steps else None
            chief.append(SummarySaverHook(save_steps=steps,
                                          save_secs=None if steps else save_summaries_secs,
                                          output_dir=summary_dir, summary_op=op))
    return MonitoredSession(hooks, checkpoint_dir, config, chief)


__all__ = ["CheckpointSaverHook", "FinalOpsHook", "LoggingTensorHook", "MonitoredSession",
           "MonitoredTrainingSession", "NanLossDuringTrainingError", "NanTensorHook",
           "SessionRunArgs", "SessionRunContext", "SessionRunHook", "SessionRunValues",
           "SingularMonitoredSession", "StepCounterHook", "StopAtStepHook", "SummarySaverHook"]
