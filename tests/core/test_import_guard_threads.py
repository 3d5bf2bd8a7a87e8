"""The import guard (dlcore/_import_guard.py) while another thread imports.

A guarded (Numba) import takes a snapshot of the Numba modules already in ``sys.modules``
before it runs.  Two threads running a Session at once (a Supervisor's summary thread and the
training loop, each meeting a kernel for the first time) import at once: the snapshot, made by
iterating ``sys.modules`` itself, raised ``RuntimeError: dictionary changed size during
iteration`` in one thread when the other added a module meanwhile, and that thread's op failed
(and the other's ``from . import _jit_rows`` then found no such module).  The snapshot is made
from a copy; here another import lands in the middle of it."""

from __future__ import annotations

import sys
import types

from dlcore import _import_guard


class _Inner:
    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        module.ran = True


def test_a_module_added_while_the_guard_takes_its_snapshot_does_not_fail_the_import(
        monkeypatch):
    real = _import_guard._guarded
    added = "numba._dlcore_test_other_thread"
    calls = []

    def guarded(name: str) -> bool:
        if not calls:               # another thread's import lands mid-snapshot
            sys.modules[added] = types.ModuleType(added)
        calls.append(name)
        return real(name)

    monkeypatch.setattr(_import_guard, "_guarded", guarded)
    module = types.ModuleType("numba._dlcore_test_guarded")
    try:
        _import_guard._GuardedLoader(_Inner()).exec_module(module)
    finally:
        sys.modules.pop(added, None)
    assert module.ran and len(calls) > 1
