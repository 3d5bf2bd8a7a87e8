"""``tf.train.Coordinator`` (TF1's helper that lets threads stop together and hands the first
error to the joining thread) and ``tf.train.start_queue_runners``.

dlcore_static's input queues (``input_queues.py``) are filled by their own dequeues, so
``start_queue_runners`` starts no thread and returns ``[]`` (with TensorFlow's warning when the
graph's ``QUEUE_RUNNERS`` collection is empty, as TF1).  The Coordinator is plain Python and works with any threads::

    coord = tf.train.Coordinator()
    threads = [threading.Thread(target=work, args=(coord,)) for _ in range(4)]
    ...; coord.join(threads)          # re-raises the first exception given to request_stop

``OutOfRangeError`` (the end of an input) is a clean stop: recorded, never re-raised.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import warnings

from .errors import OutOfRangeError

__all__ = ["Coordinator", "start_queue_runners"]


class Coordinator:
    """Threads check ``should_stop()``; any may ``request_stop(ex)``; ``join`` waits for them
    and re-raises the first kept exception (see the module docstring)."""

    def __init__(self, clean_stop_exception_types=None):
        self._clean = tuple(clean_stop_exception_types) if clean_stop_exception_types \
            is not None else (OutOfRangeError,)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info = None
        self._registered: set = set()
        self._joined = False

    def request_stop(self, ex=None) -> None:
        """Ask every thread to stop; ``ex`` (an exception or an ``exc_info`` triple) is kept
        for ``join`` unless it is a clean-stop type or one is already kept."""
        with self._lock:
            if ex is not None and self._exc_info is None:
                info = ex if isinstance(ex, tuple) else (type(ex), ex, ex.__traceback__)
                if not issubclass(info[0], self._clean):
                    self._exc_info = info
            self._stop_event.set()

    def clear_stop(self) -> None:
        with self._lock:
            self._joined = False
            self._exc_info = None
            self._stop_event.clear()

    def should_stop(self) -> bool:
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self):
        """A block whose exception requests the stop (and is kept for ``join``): any
        exception, ``KeyboardInterrupt`` and ``SystemExit`` included (TF1's bare ``except``:
        a worker thread ending with ``sys.exit()`` stops the others, and ``join`` raises it)."""
        try:
            yield
        except BaseException:  # noqa: BLE001 - handed to join, as TF1
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout=None) -> bool:
        return self._stop_event.wait(timeout)

    def register_thread(self, thread) -> None:
        with self._lock:
            self._registered.add(thread)

    def join(self, threads=None, stop_grace_period_secs=120, ignore_live_threads=False):
        """Wait for the stop request, then for the threads (given and registered) up to the
        grace period; re-raise a kept exception, else ``RuntimeError`` naming threads still
        alive (unless ``ignore_live_threads``)."""
        threads = set(threads or ()) | self._registered
        while any(t.is_alive() for t in threads) and not self.wait_for_stop(1.0):
            pass
        deadline = time.monotonic() + stop_grace_period_secs
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            self._joined = True
            self._registered = set()
            if self._exc_info is not None:
                raise self._exc_info[1].with_traceback(self._exc_info[2])
        alive = [t.name for t in threads if t.is_alive()]
        if alive and not ignore_live_threads:
            raise RuntimeError(f"Coordinator stopped with threads still running: "
                               f"{' '.join(alive)}")

    @property
    def joined(self) -> bool:
        return self._joined

    def raise_requested_exception(self) -> None:
        with self._lock:
            if self._exc_info is not None:
                raise self._exc_info[1].with_traceback(self._exc_info[2])


def start_queue_runners(sess=None, coord=None, daemon=True, start=True,
                        collection="queue_runners"):
    """The threads of the graph's queue runners: none, since dlcore_static's queues are filled
    by their dequeues (``input_queues.py``); TF1's warning when no queue runner was defined."""
    from .graph import get_default_graph
    g = sess.graph if sess is not None and hasattr(sess, "graph") else get_default_graph()
    runners = g.get_collection(collection)
    if not runners:
        warnings.warn("`tf.train.start_queue_runners()` was called when no queue runners "
                      "were defined. You can safely remove the call to this deprecated "
                      "function.", stacklevel=2)
        return []
    return [t for r in runners for t in r.create_threads(sess, coord, daemon, start)]
