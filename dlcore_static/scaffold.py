"""``tf.train.Scaffold`` and the session creators a ``MonitoredSession`` makes its Session with.

A *scaffold* gathers what training needs besides the model (TF 1.15's
``monitored_session.Scaffold``): ``init_op`` (with ``init_feed_dict`` and ``init_fn(scaffold,
session)``), ``ready_op`` (the names of the variables still uninitialized: empty when ready),
``ready_for_local_init_op``, ``local_init_op``, ``summary_op`` and ``saver``.  What is not given
is found in the graph's collection of that name, or made and added to it, when
``finalize()`` runs; ``finalize()`` then finalizes the graph (no op may be added after).

``ChiefSessionCreator(scaffold, master, config, checkpoint_dir,
checkpoint_filename_with_path).create_session()`` is TF's ``SessionManager.prepare_session``:
finalize the scaffold, open a Session, restore the checkpoint (the latest of
``checkpoint_dir``) with the scaffold's saver, else run ``init_op`` and ``init_fn``; then run
``local_init_op`` once ``ready_for_local_init_op`` reports nothing, and check ``ready_op``, with
TF's ``RuntimeError`` texts when the model is not ready.  ``WorkerSessionCreator`` waits (up to
``max_wait_secs``) for the chief to make the model ready, as a non-chief worker does.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

logger = logging.getLogger("dlcore_static")

__all__ = ["ChiefSessionCreator", "Scaffold", "SessionCreator", "WorkerSessionCreator"]

# TF's GraphKeys of the pieces
INIT_OP, READY_OP, READY_FOR_LOCAL_INIT_OP = "init_op", "ready_op", "ready_for_local_init_op"
LOCAL_INIT_OP, SUMMARY_OP, SAVERS = "local_init_op", "summary_op", "savers"
_RECOVERY_WAIT_SECS = 30            # TF's SessionManager(recovery_wait_secs=30)


def _graph():
    from .graph import get_default_graph
    return get_default_graph()


class Scaffold:
    """TF 1.15's ``tf.train.Scaffold`` (see the module docstring)."""

    _user_init_fn: Any

    def __init__(self, init_op=None, init_feed_dict=None, init_fn=None, ready_op=None,
                 ready_for_local_init_op=None, local_init_op=None, summary_op=None, saver=None,
                 copy_from_scaffold=None):
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError("copy_from_scaffold is not a Scaffold instance.")

            def coalesce(a, b):
                return a if a is not None else b

            src = copy_from_scaffold
            init_op = coalesce(init_op, src.init_op)
            init_feed_dict = coalesce(init_feed_dict, src.init_feed_dict)
            init_fn = coalesce(init_fn, src._user_init_fn)
            ready_op = coalesce(ready_op, src.ready_op)
            ready_for_local_init_op = coalesce(ready_for_local_init_op,
                                               src.ready_for_local_init_op)
            local_init_op = coalesce(local_init_op, src.local_init_op)
            summary_op = coalesce(summary_op, src.summary_op)
            saver = coalesce(saver, src.saver)
        self._user_init_fn = init_fn
        self._init_fn = (lambda sess: init_fn(self, sess)) if init_fn else None
        self._init_op = init_op
        self._init_feed_dict = init_feed_dict
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._local_init_op = local_init_op
        self._summary_op = summary_op
        self._saver = saver

    def finalize(self) -> Scaffold:
        """Find or make the pieces not given (TF's order and collections), then finalize the
        default graph."""
        from . import variables as _v
        from .control_flow import group
        from .summary import merge_all
        from .tf_longtail import tables_initializer
        if self._init_op is None:
            self._init_op = Scaffold.get_or_default(
                "init_op", INIT_OP, lambda: group(_v.global_variables_initializer()))
        if self._ready_op is None:
            self._ready_op = Scaffold.get_or_default(
                "ready_op", READY_OP, _v.report_uninitialized_variables)
        if self._ready_for_local_init_op is None:
            self._ready_for_local_init_op = Scaffold.get_or_default(
                "ready_for_local_init_op", READY_FOR_LOCAL_INIT_OP,
                lambda: _v.report_uninitialized_variables(_v.global_variables()))
        if self._local_init_op is None:
            self._local_init_op = Scaffold.get_or_default(
                "local_init_op", LOCAL_INIT_OP,
                lambda: group(_v.local_variables_initializer(), tables_initializer()))
        if self._summary_op is None:
            self._summary_op = Scaffold.get_or_default("summary_op", SUMMARY_OP, merge_all)
        if self._saver is None:
            self._saver = _saver_or_default()
        _graph().finalize()
        logger.info("Graph was finalized.")
        return self

    init_fn = property(lambda self: self._init_fn)
    init_op = property(lambda self: self._init_op)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    local_init_op = property(lambda self: self._local_init_op)
    summary_op = property(lambda self: self._summary_op)
    saver = property(lambda self: self._saver)
    init_feed_dict = property(lambda self: self._init_feed_dict)

    @staticmethod
    def get_or_default(arg_name, collection_key, default_constructor):
        """The one element of the collection ``collection_key``, else ``default_constructor()``
        added to it (when not None)."""
        g = _graph()
        elements = g.get_collection(collection_key)
        if elements:
            if len(elements) > 1:
                # (TF 1.15 hands the format arguments to RuntimeError unformatted)
                raise RuntimeError('More than one item in the collection "%s". Please indicate '
                                   "which one to use by passing it to the tf.Scaffold "
                                   "constructor as:  tf.Scaffold(%s=item to use)",
                                   collection_key, arg_name)
            return elements[0]
        op = default_constructor()
        if op is not None:
            g.add_to_collection(collection_key, op)
        return op

    @staticmethod
    def default_local_init_op():
        """The local variables' and the tables' initializers, grouped."""
        from . import variables as _v
        from .control_flow import group
        from .tf_longtail import tables_initializer
        return group(_v.local_variables_initializer(), tables_initializer())


def _saver_or_default():
    """TF's ``saver._get_saver_or_default``: the ``savers`` collection's one Saver, else a new
    one of the global variables, added to it."""
    from .saver import Saver
    g = _graph()
    savers = g.get_collection(SAVERS)
    if savers:
        if len(savers) > 1:
            raise RuntimeError(f"More than one item in collection {SAVERS}. Please indicate "
                               "which one to use by passing it to the constructor.")
        return savers[0]
    saver = Saver(sharded=True, allow_empty=True)
    g.add_to_collection(SAVERS, saver)
    return saver


def _maybe_name(obj) -> str:
    if obj is None:
        return "None"
    if hasattr(obj, "name"):
        return obj.name
    return f"<no name for {type(obj)}>"


def _ready(op, sess) -> tuple[bool, str | None]:
    """TF's ``session_manager._ready``: an empty report (or None, or int32) is ready."""
    from .errors import FailedPreconditionError
    if op is None:
        return True, None
    try:
        value = sess.run(op)
    except FailedPreconditionError as e:
        if "uninitialized" not in str(e):
            logger.warning("Model not ready raised: %s", e)
            raise
        return False, str(e)
    if value is None or getattr(value, "dtype", None) == np.int32 or np.size(value) == 0:
        return True, None
    names = ", ".join(v.decode("utf-8") if isinstance(v, bytes) else str(v)
                      for v in np.ravel(value))
    return False, "Variables not initialized: " + names


class SessionCreator:
    """A factory of Sessions: ``create_session()``."""

    def create_session(self):
        raise NotImplementedError(f"create_session is not implemented for {self}.")


class _Manager:
    """The parts of TF's ``SessionManager`` a session creator uses."""

    def __init__(self, scaffold: Scaffold, master, config):
        self._scaffold, self._master, self._config = scaffold, master, config

    def open(self):
        from .session import Session
        return Session(self._master, graph=_graph(), config=self._config)

    def local_init(self, sess) -> tuple[bool, str | None]:
        sc = self._scaffold
        if sc.local_init_op is None:
            return True, None
        ok, msg = _ready(sc.ready_for_local_init_op, sess)
        if not ok:
            return False, msg
        logger.info("Running local_init_op.")
        sess.run(sc.local_init_op)
        logger.info("Done running local_init_op.")
        return True, None


class ChiefSessionCreator(SessionCreator):
    """TF 1.15's ``tf.train.ChiefSessionCreator`` (see the module docstring)."""

    def __init__(self, scaffold=None, master="", config=None, checkpoint_dir=None,
                 checkpoint_filename_with_path=None):
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_filename_with_path = checkpoint_filename_with_path
        self._scaffold = scaffold or Scaffold()
        self._master, self._config = master, config

    def _restore(self, sess, saver) -> bool:
        from .checkpoint_state import get_checkpoint_state
        ckdir, ckpath = self._checkpoint_dir, self._checkpoint_filename_with_path
        if ckdir and ckpath:
            raise ValueError("Can not provide both checkpoint_dir and "
                             "checkpoint_filename_with_path.")
        if not saver or not (ckdir or ckpath):
            return False
        if ckpath:
            saver.restore(sess, ckpath)
            return True
        state = get_checkpoint_state(ckdir)
        if not state or not state.model_checkpoint_path:
            return False
        saver.restore(sess, state.model_checkpoint_path)
        saver.recover_last_checkpoints(list(state.all_model_checkpoint_paths))
        return True

    def create_session(self):
        sc = self._scaffold.finalize()
        manager = _Manager(sc, self._master, self._config)
        sess = manager.open()
        try:
            if not self._restore(sess, sc.saver):
                if sc.init_op is None and not sc.init_fn and sc.local_init_op is None:
                    raise RuntimeError("Model is not initialized and no init_op or init_fn or "
                                       "local_init_op was given")
                if sc.init_op is not None:
                    sess.run(sc.init_op, feed_dict=sc.init_feed_dict)
                if sc.init_fn:
                    sc.init_fn(sess)
            ok, msg = manager.local_init(sess)
            if not ok:
                raise RuntimeError(f"Init operations did not make model ready for local_init.  "
                                   f"Init op: {_maybe_name(sc.init_op)}, init fn: {sc.init_fn}, "
                                   f"error: {msg}")
            ok, msg = _ready(sc.ready_op, sess)
            if not ok:
                raise RuntimeError(f"Init operations did not make model ready.  Init op: "
                                   f"{_maybe_name(sc.init_op)}, init fn: {sc.init_fn}, "
                                   f"local_init_op: {sc.local_init_op}, error: {msg}")
        except BaseException:
            sess.close()
            raise
        return sess


class WorkerSessionCreator(SessionCreator):
    """TF 1.15's ``tf.train.WorkerSessionCreator``: a Session once the model is ready (the
    chief initialised or restored it), running ``local_init_op``; TF's
    ``DeadlineExceededError`` after ``max_wait_secs``.  In one process the variables live in
    each Session, so a worker's Session becomes ready only through its own ``local_init_op``
    or an ``init_fn``-less model without variables."""

    def __init__(self, scaffold=None, master="", config=None, max_wait_secs=30 * 60):
        self._scaffold = scaffold or Scaffold()
        self._master, self._config = master, config
        self._max_wait_secs = max_wait_secs

    def create_session(self):
        from .errors import DeadlineExceededError
        sc = self._scaffold.finalize()
        manager = _Manager(sc, self._master, self._config)
        start = time.time()
        while True:
            sess = manager.open()
            msg = None
            ok, local_msg = manager.local_init(sess)
            if ok:
                ok, msg = _ready(sc.ready_op, sess)
                if ok:
                    return sess
            sess.close()
            if self._max_wait_secs - (time.time() - start) - _RECOVERY_WAIT_SECS < 0:
                raise DeadlineExceededError(None, None, f"Session was not ready after waiting "
                                            f"{self._max_wait_secs} secs.")
            logger.info("Waiting for model to be ready.  Ready_for_local_init_op:  %s, "
                        "ready: %s", local_msg, msg)
            time.sleep(_RECOVERY_WAIT_SECS)

