"""``tf.train.Supervisor``: TF 1.15's training helper for long runs.

    sv = tf.train.Supervisor(logdir=logdir, global_step=global_step, save_model_secs=60)
    with sv.managed_session() as sess:
        while not sv.should_stop():
            sess.run(train_op)

At construction it finds or makes its ops as TF does (``init_op``: the global variables'
initializer; ``ready_op``: ``report_uninitialized_variables``; ``local_init_op``; ``saver``: a
``Saver`` of the global variables when there are any, kept in the ``savers`` collection;
``global_step``: the graph's; ``summary_op``: ``merge_all()``), then finalizes the graph.
``prepare_or_wait_for_session`` restores the latest checkpoint of ``logdir`` (else runs
``init_op`` and ``init_fn``), runs ``local_init_op`` and checks ``ready_op``; with
``start_standard_services`` it writes the graph and a START session log to ``logdir`` and
starts the services: a checkpoint every ``save_model_secs`` (``logdir/model.ckpt-<step>``),
the summaries every ``save_summaries_secs``, each first at once, as TF's looper threads, and
the queue runners.  ``managed_session`` closes all of it: an exception in the block stops the
services and is raised again (``OutOfRangeError``: a clean stop, not raised), as TF.
"""

from __future__ import annotations

import contextlib
import os
import threading

from .coordinator import Coordinator

__all__ = ["Supervisor"]


class _UseDefault:
    def __repr__(self) -> str:
        return "Supervisor.USE_DEFAULT"


USE_DEFAULT = _UseDefault()


class _Looper(threading.Thread):
    """TF's LooperThread: ``fn()`` now and every ``secs`` until the coordinator stops."""

    def __init__(self, coord: Coordinator, secs: float, fn, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._coord, self._secs, self._fn = coord, secs, fn

    def run(self) -> None:
        import time
        with self._coord.stop_on_exception():
            nxt = time.monotonic()
            while not self._coord.wait_for_stop(max(0.0, nxt - time.monotonic())):
                nxt += self._secs
                self._fn()


class Supervisor:
    """``tf.train.Supervisor``: see the module's docstring."""

    USE_DEFAULT = USE_DEFAULT

    def __init__(self, graph=None, ready_op=USE_DEFAULT, ready_for_local_init_op=USE_DEFAULT,
                 is_chief=True, init_op=USE_DEFAULT, init_feed_dict=None,
                 local_init_op=USE_DEFAULT, logdir=None, summary_op=USE_DEFAULT,
                 saver=USE_DEFAULT, global_step=USE_DEFAULT, save_summaries_secs=120,
                 save_model_secs=600, recovery_wait_secs=30, stop_grace_secs=120,
                 checkpoint_basename="model.ckpt", session_manager=None,
                 summary_writer=USE_DEFAULT, init_fn=None, local_init_run_options=None):
        from .graph import get_default_graph
        self._graph = graph if graph is not None else get_default_graph()
        with self._graph.as_default():
            self._init_ops(init_op, ready_op, local_init_op, saver, global_step, summary_op)
        self._is_chief = is_chief
        self._init_feed_dict = init_feed_dict
        self._init_fn = init_fn
        self._logdir = None if logdir is None else os.fspath(logdir)
        self._save_summaries_secs = save_summaries_secs
        self._save_model_secs = save_model_secs
        self._stop_grace_secs = stop_grace_secs
        self._save_path = None if self._logdir is None else \
            os.path.join(self._logdir, checkpoint_basename)
        self._coord = Coordinator()
        self._started_threads: list = []
        if summary_writer is USE_DEFAULT:
            summary_writer = None
            if self._logdir is not None and is_chief:
                from .summary import FileWriter
                summary_writer = FileWriter(self._logdir)
        self._summary_writer = summary_writer
        self._graph_written = False
        self._writer_closed = False
        self._graph.finalize()

    # -- the ops, found or made as TF does
    def _init_ops(self, init_op, ready_op, local_init_op, saver, global_step, summary_op):
        from . import variables as _v
        from .summary import merge_all
        g = self._graph
        if init_op is USE_DEFAULT:
            found = g.get_collection("init_op")
            init_op = found[0] if found else _v.global_variables_initializer()
            if not found:
                g.add_to_collection("init_op", init_op)
        self._init_op = init_op
        if ready_op is USE_DEFAULT:
            found = g.get_collection("ready_op")
            ready_op = found[0] if found else _v.report_uninitialized_variables()
            if not found:
                g.add_to_collection("ready_op", ready_op)
        self._ready_op = ready_op
        if local_init_op is USE_DEFAULT:
            found = g.get_collection("local_init_op")
            local_init_op = found[0] if found else self._default_local_init()
            if not found:
                g.add_to_collection("local_init_op", local_init_op)
        self._local_init_op = local_init_op
        if saver is USE_DEFAULT:
            found = g.get_collection("savers")
            saver = found[0] if found else None
            if saver is None and _v.global_variables():
                from .saver import Saver
                saver = Saver()
                g.add_to_collection("savers", saver)
        self._saver = saver
        if global_step is USE_DEFAULT:
            found = g.get_collection("global_step")
            global_step = found[0] if found else None
            if global_step is None:
                try:
                    global_step = g.get_tensor_by_name("global_step:0")
                except (KeyError, ValueError):
                    global_step = None
        self._global_step = global_step
        if summary_op is USE_DEFAULT:
            summary_op = merge_all()
        self._summary_op = summary_op

    @staticmethod
    def _default_local_init():
        """TF's default local_init_op: the local variables' and the tables' initializers."""
        from . import variables as _v
        from .control_flow import group
        from .tf_longtail import tables_initializer
        return group(_v.local_variables_initializer(), tables_initializer())

    # -- properties (TF's)
    is_chief = property(lambda self: self._is_chief)
    coord = property(lambda self: self._coord)
    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    ready_op = property(lambda self: self._ready_op)
    summary_writer = property(lambda self: self._summary_writer)
    summary_op = property(lambda self: self._summary_op)
    save_summaries_secs = property(lambda self: self._save_summaries_secs)
    global_step = property(lambda self: self._global_step)
    saver = property(lambda self: self._saver)
    save_model_secs = property(lambda self: self._save_model_secs)
    save_path = property(lambda self: self._save_path)

    # -- sessions
    def prepare_or_wait_for_session(self, master="", config=None, wait_for_checkpoint=False,
                                    max_wait_secs=7200, start_standard_services=True):
        """A Session ready to train: see the module's docstring."""
        from .saving import latest_checkpoint
        from .session import Session
        self._coord.clear_stop()
        sess = Session(graph=self._graph, config=config)
        ckpt = latest_checkpoint(self._logdir) if (self._logdir and self._saver) else None
        init_name = getattr(self._init_op, "name", None) if self._init_op is not None else None
        if ckpt:
            self._saver.restore(sess, ckpt)
        else:
            if self._init_op is None and not self._init_fn and self._local_init_op is None:
                sess.close()
                raise RuntimeError("Model is not initialized and no init_op or init_fn or "
                                   "local_init_op was given")
            if self._init_op is not None:
                sess.run(self._init_op, feed_dict=self._init_feed_dict)
            if self._init_fn is not None:
                self._init_fn(sess)
        if self._local_init_op is not None:
            sess.run(self._local_init_op)
        if self._ready_op is not None:          # (TF's SessionManager.prepare_session)
            missing = sess.run(self._ready_op)
            if len(missing):
                names = ", ".join(m.decode() if isinstance(m, bytes) else str(m)
                                  for m in missing)
                sess.close()
                raise RuntimeError(f"Init operations did not make model ready.  Init op: "
                                   f"{init_name}, init fn: {self._init_fn}, local_init_op: "
                                   f"{self._local_init_op}, error: Variables not "
                                   f"initialized: {names}")
        if start_standard_services and self._is_chief:
            self.start_standard_services(sess)
        return sess

    @contextlib.contextmanager
    def managed_session(self, master="", config=None, start_standard_services=True,
                        close_summary_writer=True):
        """The Session of ``prepare_or_wait_for_session``, its services stopped and the
        session closed at the end of the block (see the module's docstring)."""
        sess = None
        try:
            sess = self.prepare_or_wait_for_session(
                master, config, start_standard_services=start_standard_services)
            yield sess
        except Exception as e:  # noqa: BLE001 - kept by the coordinator and re-raised by stop
            self.request_stop(e)
        finally:
            try:
                self.stop(close_summary_writer=close_summary_writer)
            finally:
                if sess is not None:
                    sess.close()

    def start_standard_services(self, sess) -> list:
        """The graph and a START log in ``logdir``; the checkpoint, summary and queue-runner
        threads.  Returns the threads started."""
        from .coordinator import start_queue_runners
        if not self._is_chief:
            raise RuntimeError("Only chief supervisor can start standard services. Because "
                               "only chief supervisors can write events.")
        threads = []
        if self._writer_closed and self._logdir is not None:
            from .summary import FileWriter  # (TF reopens its writer: a new event file)
            self._summary_writer = FileWriter(self._logdir)
            self._writer_closed = False
        if self._logdir is not None and self._summary_writer is not None:
            if not self._graph_written:
                self._summary_writer.add_graph(self._graph)
                self._graph_written = True
            if self._summary_op is not None and self._save_summaries_secs:
                threads.append(self.loop(self._save_summaries_secs, self._summary_step,
                                         args=(sess,), name="SVSummaryThread"))
        if self._logdir is not None and self._saver is not None and self._save_model_secs:
            threads.append(self.loop(self._save_model_secs, self._checkpoint,
                                     args=(sess,), name="SVTimerCheckpointThread"))
        if self._graph.get_collection("queue_runners"):
            threads.extend(start_queue_runners(sess, coord=self._coord))
            self._started_threads.extend(threads[-len(self._graph.get_collection(
                "queue_runners")):])
        return threads

    def _step(self, sess) -> int | None:
        if self._global_step is None:
            return None
        return int(sess.run(self._global_step))

    def _summary_step(self, sess) -> None:
        if sess._closed:
            return
        summary, step = sess.run(self._summary_op), self._step(sess)
        self._summary_writer.add_summary(summary, step)

    def _checkpoint(self, sess) -> None:
        if sess._closed:
            return
        self._saver.save(sess, self._save_path, global_step=self._global_step)

    def loop(self, timer_interval_secs, target, args=None, kwargs=None, name=None):
        """Run ``target(*args, **kwargs)`` now and every ``timer_interval_secs`` in a thread
        until the coordinator stops; returns the started thread."""
        fn_args, fn_kwargs = tuple(args or ()), dict(kwargs or {})
        t = _Looper(self._coord, timer_interval_secs, lambda: target(*fn_args, **fn_kwargs),
                    name or "SVLooper")
        t.start()
        self._started_threads.append(t)
        return t

    def start_queue_runners(self, sess, queue_runners=None) -> list:
        from .coordinator import start_queue_runners
        threads = start_queue_runners(sess, coord=self._coord)
        self._started_threads.extend(threads)
        return threads

    def summary_computed(self, sess, summary, global_step=None) -> None:
        """Write ``summary`` (what ``sess.run`` gave for a summary op) at the global step."""
        if self._summary_writer is None:
            raise RuntimeError("Writing a summary requires a summary writer.")
        if global_step is None and self._global_step is not None:
            global_step = self._step(sess)
        self._summary_writer.add_summary(summary, global_step)

    def should_stop(self) -> bool:
        return self._coord.should_stop()

    def request_stop(self, ex=None) -> None:
        self._coord.request_stop(ex=ex)

    def stop_on_exception(self):
        return self._coord.stop_on_exception()

    def stop(self, threads=None, close_summary_writer=True, ignore_live_threads=False):
        """Stop the services (and ``threads``), wait for them; an exception a thread or the
        managed block raised is raised again here.  Closes the summary writer."""
        join = list(self._started_threads) + list(threads or ())
        self._coord.request_stop()
        try:
            self._coord.join(join, stop_grace_period_secs=self._stop_grace_secs,
                             ignore_live_threads=ignore_live_threads)
        finally:
            self._started_threads = []
            if close_summary_writer and self._summary_writer is not None:
                self._summary_writer.close()
                self._graph_written = False
                self._writer_closed = True

    def wait_for_stop(self) -> None:
        self._coord.wait_for_stop()

    def __repr__(self) -> str:
        return f"<tf.train.Supervisor logdir={self._logdir!r}>"
