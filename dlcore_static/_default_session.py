"""The stack of default Sessions (``with sess.as_default():``, ``with sess:``), per thread.

It lives apart from the session module, so that ``Tensor.eval`` and ``Operation.run``
(graph.py) find it without importing that module; graph.py re-exports these names.
"""

from __future__ import annotations

import threading

_local = threading.local()


def session_stack() -> list:
    """This thread's stack of default Sessions (``with sess.as_default():`` pushes)."""
    s = getattr(_local, "sessions", None)
    if s is None:
        s = _local.sessions = []
    return s


def get_default_session():
    """The innermost default Session, None if there is none (TF1)."""
    s = session_stack()
    return s[-1] if s else None


def session_or_default(session, what: str = "eval"):
    """``session``, else the default Session, else TF's ValueError of ``eval()``/``run()``."""
    s = session or get_default_session()
    if s is None:
        if what == "run":
            raise ValueError("Cannot execute operation using `run()`: No default session is "
                             "registered. Use `with sess.as_default():` or pass an explicit "
                             "session to `run(session=sess)`")
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is "
                         "registered. Use `with sess.as_default()` or pass an explicit session "
                         "to `eval(session=sess)`")
    return s
