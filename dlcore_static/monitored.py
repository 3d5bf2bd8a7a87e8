"""``tf.train.MonitoredTrainingSession`` and its hooks, as TensorFlow 1 runs them.

A monitored session calls each hook's ``begin``, has its session creator make the Session
(``scaffold.py``: the scaffold finalizes the graph, then the Session is restored from the
latest checkpoint or initialised, as TF 1.15's ``ChiefSessionCreator``), then wraps every
``run``: each hook's ``before_run`` may add fetches
(``SessionRunArgs``) and feeds, ``after_run`` sees their values and may ``request_stop()``.
``should_stop()`` turns true when a hook asks (or the coordinator is stopped); a run's
``OutOfRangeError`` (the end of a ``tf.data`` iterator) or ``StopIteration`` (a ``step_fn``'s
``request_stop()``) ends the ``with`` block quietly, as TensorFlow does.  ``MonitoredSession``
recreates its Session after an ``AbortedError`` or ``UnavailableError`` and runs again
(``SingularMonitoredSession`` raises them); ``run_step_fn(step_fn)`` hands ``step_fn`` a
``StepContext``.  Leaving the
``with`` block calls each hook's ``end`` (the checkpoint hook saves a last time) and closes the
Session.  Hooks: ``StopAtStepHook``, ``CheckpointSaverHook``, ``LoggingTensorHook``,
``NanTensorHook``, ``StepCounterHook`` (logs steps per second), ``FinalOpsHook``.
"""

from __future__ import annotations

import logging
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

logger = logging.getLogger("dlcore_static")


#: the errors a MonitoredSession recovers from (TF 1.15's ``_PREEMPTION_ERRORS``)
_PREEMPTION_NAMES = ("AbortedError", "UnavailableError")

_RECOVERY_NOTE = ("This may be due to a preemption in a connected worker or parameter server. "
                  "The current session will be closed and a new session will be created. "
                  "This error may also occur due to a gRPC failure caused by high memory or "
                  "network bandwidth usage in the parameter servers. If this error occurs "
                  "repeatedly, try increasing the number of parameter servers assigned to the "
                  "job. Error: %s")


def _preemption_errors() -> tuple:
    from . import errors
    return tuple(getattr(errors, n) for n in _PREEMPTION_NAMES)


def _fn_args(fn) -> tuple:
    """TF's ``function_utils.fn_args``: the positional parameters' names, ``self`` dropped
    for a bound method or a callable object, a ``functools.partial``'s bound ones dropped."""
    import functools
    import inspect
    if isinstance(fn, functools.partial):
        bound = _fn_args(fn.func)
        return tuple(a for a in bound[len(fn.args):] if a not in (fn.keywords or {}))
    if not inspect.isfunction(fn) and not inspect.ismethod(fn) and callable(fn):
        fn = fn.__call__
    names = list(inspect.getfullargspec(fn).args)
    if inspect.ismethod(fn) and names and names[0] == "self":
        names.remove("self")
    return tuple(names)


class StepContext:
    """What ``run_step_fn`` hands its ``step_fn``: the raw ``session`` (runs without hooks),
    ``run_with_hooks`` (``MonitoredSession.run``'s hooked run) and ``request_stop()`` (raises
    ``StopIteration``, which ends a ``with MonitoredSession()`` block quietly)."""

    def __init__(self, session, run_with_hooks_fn) -> None:
        self._session = session
        self._run_with_hooks_fn = run_with_hooks_fn

    @property
    def session(self):
        return self._session

    def run_with_hooks(self, *args, **kwargs):
        """Same as ``MonitoredSession.run``."""
        return self._run_with_hooks_fn(*args, **kwargs)

    def request_stop(self):
        raise StopIteration("step_fn has requested the iterations to stop.")


class MonitoredSession:
    """TF 1.15's ``tf.train.MonitoredSession``: ``hook.begin()`` for each hook, then the
    ``session_creator`` (default ``ChiefSessionCreator()``: its scaffold finalizes the graph,
    initializes or restores the model; ``scaffold.py``) makes the Session, the queue runners
    start, ``hook.after_create_session(session, coord)``; each ``run`` goes through the hooks
    (see the module docstring).  ``close()`` (or leaving the ``with`` block) calls each hook's
    ``end`` and closes the Session; the graph is unfinalized again if it was not finalized
    before.

    Recovery (TF's ``_RecoverableSession``; not ``SingularMonitoredSession``): a run, a
    ``run_step_fn`` or the Session's creation that raises ``AbortedError`` or
    ``UnavailableError`` closes the Session (its coordinator stopped and joined; no hook's
    ``end``) and makes a new one with the same session creator (restored from the latest
    checkpoint by a ``ChiefSessionCreator`` with a ``checkpoint_dir``; each hook's
    ``after_create_session`` again; a hook's request to stop forgotten), then runs again, as
    often as it takes.  The message is logged at INFO."""

    _recover = True
    StepContext = StepContext

    def __init__(self, session_creator=None, hooks=None, stop_grace_period_secs=120):
        self._start(session_creator, hooks, stop_grace_period_secs)

    def _start(self, session_creator, hooks, stop_grace_period_secs) -> None:
        from .graph import get_default_graph
        from .scaffold import ChiefSessionCreator
        g = get_default_graph()
        self._graph = g
        self._graph_was_finalized = g.finalized
        self._hooks = list(hooks or [])
        self._stop = False
        self._sess: Any = None
        self._coord: Any = None
        self._closed = False
        self._grace = stop_grace_period_secs
        try:
            for h in self._hooks:
                h.begin()
            self._creator = session_creator or ChiefSessionCreator()
            self._create()
        except BaseException:
            self._unfinalize()          # (nothing changed by a failed start: dlcore's rule)
            raise

    def _create(self) -> None:
        """TF's ``_CoordinatedSessionCreator.create_session`` (retried on a preemption error
        when recovering, as ``_RecoverableSession._create_session``)."""
        from .coordinator import Coordinator, start_queue_runners
        preempted = _preemption_errors()
        while True:
            try:
                sess = self._creator.create_session()
                self._sess, self._stop = sess, False
                self._coord = Coordinator(clean_stop_exception_types=[])
                if self._graph.get_collection("queue_runners"):
                    start_queue_runners(sess=sess, coord=self._coord)
                for h in self._hooks:
                    h.after_create_session(sess, self._coord)
                return
            except preempted as e:
                if not self._recover:
                    raise
                logger.info("An error was raised while a session was being created. "
                            + _RECOVERY_NOTE.replace("The current session will be closed "
                                                     "and a new", "A new"), e)

    def _drop_session(self) -> None:
        """Close the Session after a preemption error (``_CoordinatedSession.close``): its
        coordinator stopped and its threads joined, errors of closing ignored."""
        sess, coord = self._sess, self._coord
        self._sess = self._coord = None
        try:
            if coord is not None:
                coord.request_stop()
                coord.join(stop_grace_period_secs=self._grace, ignore_live_threads=True)
        except Exception:  # noqa: BLE001, S110 - TF: join() has reported what matters
            pass
        finally:
            if sess is not None:
                sess.close()

    def _recovering(self, call, *args, **kwargs):
        """``call(*args, **kwargs)``, the Session recreated and ``call`` retried after each
        preemption error (only the error when not recovering)."""
        preempted = _preemption_errors()
        while True:
            if self._sess is None and not self._closed:
                self._create()
            try:
                return call(*args, **kwargs)
            except preempted as e:
                if not self._recover:
                    raise
                logger.info("An error was raised. " + _RECOVERY_NOTE, e)
                self._drop_session()

    @property
    def graph(self):
        """The graph that was launched in this session (None once closed)."""
        return None if self._sess is None else self._sess.graph

    def _tf_sess(self):
        """The underlying Session (TF's private accessor; None once closed)."""
        return self._sess

    def should_stop(self) -> bool:
        """True once a hook asked for it, the coordinator was stopped, or the session is
        closed.  An exception a thread reported to the coordinator is raised here (when
        recovering: a preemption error recreates the Session and gives False, another gives
        True), as TF's ``_CoordinatedSession``."""
        if self._sess is None:
            return True
        try:
            self._coord.raise_requested_exception()
        except _preemption_errors() as e:
            if not self._recover:
                raise
            logger.info("An error was raised while considering whether the session is "
                        "complete. " + _RECOVERY_NOTE, e)
            self._drop_session()
            self._create()
            return False
        except Exception:
            if not self._recover:
                raise
            return True
        return self._coord.should_stop() or self._stop

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """``Session.run`` with every hook's extra fetches and feeds; the caller's results
        (see the class docstring for the recovery)."""
        return self._recovering(self._coordinated_run, fetches, feed_dict, options,
                                run_metadata)

    def run_step_fn(self, step_fn):
        """``step_fn(step_context)``'s result (a ``StepContext``: the raw session,
        ``run_with_hooks``, ``request_stop``), retried on a new Session after a preemption
        error as ``run``.  ``step_fn`` has one parameter ``step_context`` (or ``self`` and
        ``step_context``), else TF's ValueError."""
        params = _fn_args(step_fn)
        if params != ("step_context",) and params != ("self", "step_context"):
            raise ValueError("`step_fn` may either have one `step_context` argument, or `self` "
                             "and `step_context` arguments if it's an instance method. Got "
                             f"{params} instead.")
        return self._recovering(
            lambda: step_fn(StepContext(self._sess, self._coordinated_run)))

    def _coordinated_run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """TF's ``_CoordinatedSession.run``: an error of the run is raised as it is, unless a
        thread reported a preemption error to the coordinator (then that one)."""
        try:
            return self._hooked_run(fetches, feed_dict, options, run_metadata)
        except _preemption_errors():
            raise
        except Exception:
            try:
                self._coord.raise_requested_exception()
            except _preemption_errors():
                raise
            except Exception:  # noqa: BLE001, S110 - the run's own error is raised below
                pass
            raise

    def _hooked_run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """TF's ``_HookedSession.run``."""
        if self._sess is None:
            raise RuntimeError("Attempted to use a closed Session.")
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
        results = self._sess.run([fetches] + [extra[i] for i in asked], feeds,
                                 options=options, run_metadata=run_metadata)
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
                if self._sess is None and self._closed:
                    raise RuntimeError("Session is already closed.")
                # (None and not closed: dropped by a recovery whose new Session failed;
                # nothing left to close, that failure's error goes on: TF's
                # _RecoverableSession.close)
                if self._sess is not None:
                    self._coord.request_stop()
                    try:
                        self._coord.join(stop_grace_period_secs=self._grace,
                                         ignore_live_threads=True)
                    finally:
                        self._sess.close()
            finally:
                self._sess = None
                self._closed = True
                self._unfinalize()

    def _unfinalize(self) -> None:
        if not self._graph_was_finalized and self._graph.finalized:
            self._graph._finalized = False      # (TF's Graph._unsafe_unfinalize)
            self._graph._replain()

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
    a ``ChiefSessionCreator`` of these arguments makes, with ``raw_session()``; it does not
    recover from ``AbortedError``/``UnavailableError`` (they are raised)."""

    _recover = False

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


def MonitoredTrainingSession(master="", is_chief=True, checkpoint_dir=None, scaffold=None,
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
