"""Where a Session keeps its variables' values, and how a run changes them all-or-nothing.

Each ``Session`` owns one ``VariableStore`` (``sess.variables``): {VariableV2 op: value}.

Validate-then-apply: an ``Assign`` executed during a run does not write the store; it *stages*
the new value in the running thread's staging dict, which that run's reads consult first (so a
read ordered after an assign sees it).  When the whole run succeeded the Session commits the
staged values in one step; when anything failed (an error, ``KeyboardInterrupt``) it discards
them.  A failed run therefore leaves every variable as it was, in every execution path (the
interpreter, cond branches and loop bodies, the compiled plan, whose in-place updates write
into a spare buffer that is only committed like any other staged value).

Several updates of one variable in one run all apply (TF1's ``AssignAdd``, ``Scatter*`` and
``Apply*`` each read-modify-write atomically): each update reads through a read op of its own
(``Variable._update_read``), which runs just before it (creation order) and so sees what the
update before it staged; ``run([v.assign_add(1), v.assign_add(1)])`` adds 2.

Threads: staging is per thread, and the Session runs a plan that assigns while holding
``store.lock`` from its first read to its commit, so two threads running ``assign_add`` on one
variable never both read the old value (no lost update); plans that only read run without the
lock and see committed values only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class _Staging(threading.local):
    # a callable run once when this thread's run ends (the Session's commit or discard):
    # a dequeue's or get_next's held Ctrl-C (runtime.hold_to_run_end)
    ending: Callable[[], None] | None = None

    def __init__(self):
        self.staged: dict = {}


_MAKING = threading.Lock()          # (one _Staging per store, whichever thread asks first)


class VariableStore:
    """The committed values of a Session's variables and each thread's staged writes."""

    def __init__(self):
        self._values: dict = {}
        # this store's per-thread staging, made on first use: a Session that never writes a
        # variable (a graph per batch, an evaluation) never pays threading.local's ~5 us
        self._made: _Staging | None = None
        self.lock = threading.RLock()

    @property
    def _local(self) -> _Staging:
        s = self._made
        if s is None:
            with _MAKING:
                s = self._made
                if s is None:
                    s = self._made = _Staging()
        return s

    # -- committed values
    def get(self, var, default=None):
        """The committed value of ``var`` (its VariableV2 op), or ``default``."""
        return self._values.get(var, default)

    def set(self, var, value) -> None:
        """Write a committed value directly (``Variable.load``, ``Saver.restore``)."""
        with self.lock:
            self._values[var] = value

    def update(self, values: dict) -> None:
        """Write several committed values at once (all or nothing: a dict update)."""
        with self.lock:
            self._values.update(values)

    def __contains__(self, var) -> bool:
        return var in self._values

    def __len__(self) -> int:
        return len(self._values)

    def items(self) -> list:
        return list(self._values.items())

    def clear(self) -> None:
        with self.lock:
            self._values.clear()
            if self._made is not None:
                self._made.staged.clear()

    # -- one run's writes
    def staging(self) -> dict:
        """This thread's staging dict (executors keep a reference to the per-thread object
        ``store.local`` and read ``.staged`` on each call)."""
        return self._local.staged

    @property
    def local(self) -> _Staging:
        return self._local

    def current(self, var):
        """What a read in this thread sees: the staged value, else the committed one."""
        local = self._made
        v = None if local is None else local.staged.get(var)
        return self._values.get(var) if v is None else v

    def commit(self) -> None:
        local = self._made
        if local is None:                   # (nothing was ever staged here)
            return
        staged = local.staged
        if staged:
            with self.lock:
                self._values.update(staged)
                staged.clear()
        if local.ending is not None:
            _end(local)

    def discard(self) -> None:
        """The run failed: drop its staged writes and end the run (``ending``)."""
        local = self._made
        if local is None:
            return
        local.staged.clear()
        if local.ending is not None:
            _end(local)

    def drop_staged(self) -> None:
        """Drop this thread's staged writes only, in the MIDDLE of a run (the compiled plan's
        fallback, before its step-by-step re-run): the run goes on, so its end-of-run hook (a
        held Ctrl-C) stays for the Session's commit or discard."""
        if self._made is not None:
            self._made.staged.clear()

    def in_use(self) -> list:
        """Every value a run could still read: committed and this thread's staged ones."""
        staged = [] if self._made is None else list(self._made.staged.values())
        return list(self._values.values()) + staged


def _end(local: _Staging) -> None:
    """Run (once) the hook a run left to its end; it may raise a held KeyboardInterrupt,
    after the commit."""
    end, local.ending = local.ending, None
    if end is not None:
        end()
