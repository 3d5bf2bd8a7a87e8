"""``tf.train.MonitoredTrainingSession`` and its hooks, as TensorFlow 1 runs them.

A monitored session calls each hook's ``begin``, has its session creator make the Session
(``scaffold.py``: the scaffold finalizes the graph, then the Session is restored from the
latest checkpoint or initialised, as TF 1.15's ``ChiefSessionCreator``), then wraps every
``run``: each hook's ``before_run`` may add fetches
(``SessionRunArgs``) and feeds, ``after_run`` sees their values and may ``request_stop()``.
``should_stop()`` turns true when a hook asks, or when a run raises ``OutOfRangeError`` (the end
of a ``tf.data`` iterator), which the session swallows, as TensorFlow does.  Leaving the
``with`` block calls each hook's ``end`` (the checkpoint hook saves a last time) and closes the
Session.  Hooks: ``StopAtStepHook``, ``CheckpointSaverHook``, ``LoggingTensorHook``,
``NanTensorHook``, ``StepCounterHook`` (logs steps per second), ``FinalOpsHook``.
"""

from __future__ import annotations

from typing import Any

from .session_hooks import (  # (re-exported: tf.train's names, monitored:X in tf_namespaces)
    CheckpointSaverHook,
    FinalOpsHook,
    LoggingTensorHook,
    NanLossDuringTrainingError,
    NanTensorHook,
    SessionRunArgs,
    SessionRunContext,
    SessionRunHook,
    SessionRunValues,
    StepCounterHook,
    StopAtStepHook,
    SummarySaverHook,
)


class MonitoredSession:
    """TF 1.15's ``tf.train.MonitoredSession``: ``hook.begin()`` for each hook, then the
    ``session_creator`` (default ``ChiefSessionCreator()``: its scaffold finalizes the graph,
    initializes or restores the model; ``scaffold.py``) makes the Session, the queue runners
    start, ``hook.after_create_session(session, coord)``; each ``run`` goes through the hooks
    (see the module docstring).  ``close()`` (or leaving the ``with`` block) calls each hook's
    ``end`` and closes the Session; the graph is unfinalized again if it was not finalized
    before."""

    def __init__(self, session_creator=None, hooks=None, stop_grace_period_secs=120):
        self._start(session_creator, hooks, stop_grace_period_secs)

    def _start(self, session_creator, hooks, stop_grace_period_secs) -> None:
        from .coordinator import Coordinator, start_queue_runners
        from .graph import get_default_graph
        from .scaffold import ChiefSessionCreator
        g = get_default_graph()
        self._graph = g
        self._graph_was_finalized = g.finalized
        self._hooks = list(hooks or [])
        self._stop = False
        self._sess: Any = None
        self._grace = stop_grace_period_secs
        try:
            for h in self._hooks:
                h.begin()
            self._sess = (session_creator or ChiefSessionCreator()).create_session()
        except BaseException:
            self._unfinalize()          # (nothing changed by a failed start: dlcore's rule)
            raise
        self._coord = Coordinator(clean_stop_exception_types=[])
        if g.get_collection("queue_runners"):
            start_queue_runners(sess=self._sess, coord=self._coord)
        for h in self._hooks:
            h.after_create_session(self._sess, self._coord)

    def _unfinalize(self) -> None:
        if not self._graph_was_finalized and self._graph.finalized:
            self._graph._finalized = False      # (TF's Graph._unsafe_unfinalize)
            self._graph._replain()

    @property
    def graph(self):
        """The graph that was launched in this session (None once closed)."""
        return None if self._sess is None else self._sess.graph

    def _tf_sess(self):
        """The underlying Session (TF's private accessor; None once closed)."""
        return self._sess

    def should_stop(self) -> bool:
        return self._stop or self._sess is None

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
        self._close(None)

    def _close(self, exc_type) -> None:
        try:
            if exc_type is None and self._sess is not None:
                for h in self._hooks:
                    h.end(self._sess)
        finally:
            try:
                if self._sess is None:
                    raise RuntimeError("Session is already closed.")
                self._coord.request_stop()
                try:
                    self._coord.join(stop_grace_period_secs=self._grace,
                                     ignore_live_threads=True)
                finally:
                    self._sess.close()
            finally:
                self._sess = None
                self._unfinalize()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        from .errors import OutOfRangeError
        if exc_type is not None and issubclass(exc_type, (OutOfRangeError, StopIteration)):
            exc_type = None                      # the end of the data ends training quietly
        self._close(exc_type)
        return exc_type is None


class SingularMonitoredSession(MonitoredSession):
    """TF 1.15's ``tf.train.SingularMonitoredSession``: a ``MonitoredSession`` whose Session
    a ``ChiefSessionCreator`` of these arguments makes, with ``raw_session()``."""

    def __init__(self, hooks=None, scaffold=None, master="", config=None, checkpoint_dir=None,
                 stop_grace_period_secs=120, checkpoint_filename_with_path=None):
        from .scaffold import ChiefSessionCreator
        creator = ChiefSessionCreator(scaffold=scaffold, master=master, config=config,
                                      checkpoint_dir=checkpoint_dir,
                                      checkpoint_filename_with_path=checkpoint_filename_with_path)
        self._start(creator, hooks, stop_grace_period_secs)

    def raw_session(self):
        """The underlying Session (run without hooks, save, restore)."""
        return self._sess


class _UseDefault:
    def __repr__(self) -> str:
        return "USE_DEFAULT"


USE_DEFAULT: Any = _UseDefault()


def MonitoredTrainingSession(master="", is_chief=True, checkpoint_dir=None, scaffold=None,  # noqa: N802
                             hooks=None, chief_only_hooks=None,
                             save_checkpoint_secs=USE_DEFAULT, save_summaries_steps=USE_DEFAULT,
                             save_summaries_secs=USE_DEFAULT, config=None,
                             stop_grace_period_secs=120, log_step_count_steps=100,
                             max_wait_secs=7200, save_checkpoint_steps=USE_DEFAULT,
                             summary_dir=None):
    """TF 1.15's ``tf.train.MonitoredTrainingSession``: a ``MonitoredSession`` whose Session
    a ``ChiefSessionCreator(scaffold, master, config, checkpoint_dir)`` makes (a
    ``WorkerSessionCreator`` when not ``is_chief``, with ``hooks`` only).  With a summary
    directory (``summary_dir``, default ``checkpoint_dir``) the chief adds a
    ``StepCounterHook`` (every ``log_step_count_steps``) and a ``SummarySaverHook`` of the
    scaffold's ``summary_op`` (every ``save_summaries_steps``, default 100, or
    ``save_summaries_secs``); with ``checkpoint_dir`` a ``CheckpointSaverHook`` with the
    scaffold's saver (every ``save_checkpoint_secs``, default 600, or
    ``save_checkpoint_steps``).  Those hooks need a global step: without one, their
    ``RuntimeError`` ('Global step should be created to use StepCounterHook.'), as TF.  The
    chief's hooks are ``chief_only_hooks``, those three, then ``hooks``."""
    from .scaffold import ChiefSessionCreator, Scaffold, WorkerSessionCreator
    if save_summaries_steps is USE_DEFAULT and save_summaries_secs is USE_DEFAULT:
        save_summaries_steps, save_summaries_secs = 100, None
    elif save_summaries_secs is USE_DEFAULT:
        save_summaries_secs = None
    elif save_summaries_steps is USE_DEFAULT:
        save_summaries_steps = None
    if save_checkpoint_steps is USE_DEFAULT and save_checkpoint_secs is USE_DEFAULT:
        save_checkpoint_steps, save_checkpoint_secs = None, 600
    elif save_checkpoint_secs is USE_DEFAULT:
        save_checkpoint_secs = None
    elif save_checkpoint_steps is USE_DEFAULT:
        save_checkpoint_steps = None
    scaffold = scaffold or Scaffold()
    if not is_chief:
        return MonitoredSession(WorkerSessionCreator(scaffold=scaffold, master=master,
                                                     config=config, max_wait_secs=max_wait_secs),
                                hooks or [], stop_grace_period_secs)
    all_hooks = list(chief_only_hooks or [])
    creator = ChiefSessionCreator(scaffold=scaffold, checkpoint_dir=checkpoint_dir,
                                  master=master, config=config)
    summary_dir = summary_dir or checkpoint_dir
    if summary_dir:
        if log_step_count_steps and log_step_count_steps > 0:
            all_hooks.append(StepCounterHook(output_dir=summary_dir,
                                             every_n_steps=log_step_count_steps))
        if (save_summaries_steps and save_summaries_steps > 0) or \
                (save_summaries_secs and save_summaries_secs > 0):
            all_hooks.append(SummarySaverHook(scaffold=scaffold, save_steps=save_summaries_steps,
                                              save_secs=save_summaries_secs,
                                              output_dir=summary_dir))
    if checkpoint_dir and ((save_checkpoint_secs and save_checkpoint_secs > 0) or
                           (save_checkpoint_steps and save_checkpoint_steps > 0)):
        all_hooks.append(CheckpointSaverHook(checkpoint_dir, save_steps=save_checkpoint_steps,
                                             save_secs=save_checkpoint_secs, scaffold=scaffold))
    all_hooks.extend(hooks or [])
    return MonitoredSession(creator, all_hooks, stop_grace_period_secs)


__all__ = ["CheckpointSaverHook", "FinalOpsHook", "LoggingTensorHook", "MonitoredSession",
           "MonitoredTrainingSession", "NanLossDuringTrainingError", "NanTensorHook",
           "SessionRunArgs", "SessionRunContext", "SessionRunHook", "SessionRunValues",
           "SingularMonitoredSession", "StepCounterHook", "StopAtStepHook", "SummarySaverHook"]
