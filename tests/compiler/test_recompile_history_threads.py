"""``compiler.recompiles.note_plan_built`` from several threads at once (a queue runner and
the main thread building plans of one fresh Session): the history's first key is kept in parts
until a second plan comes, and two threads that both found the history empty left two keys
in parts, so the third plan's comparison failed with "tuple indices must be integers or slices,
not str" (tests/reliability/test_probe9_queues.py, now and then)."""

from __future__ import annotations

import threading
import time

import numpy as np

from dlcore_static.compiler import recompiles


class _Session:
    pass


class _T:
    def __init__(self, name):
        self.name = name


def test_plans_noted_from_threads_at_once_keep_a_consistent_history(monkeypatch):
    fed = recompiles._Fed

    def slow_fed(*a):                   # (the first key's parts take a moment: every thread
        time.sleep(0.002)               # that found the history empty is inside at once)
        return fed(*a)
    monkeypatch.setattr(recompiles, "_Fed", slow_fed)
    for _ in range(5):
        s = _Session()
        start = threading.Barrier(4)
        errors: list = []

        def build(i, s=s, start=start, errors=errors):
            start.wait()
            try:
                for j in range(5):
                    recompiles.note_plan_built(s, [_T(f"f{i}_{j}:0")], (_T("x:0"),),
                                               [np.zeros((i, j))], ("prune",))
            except Exception as e:  # noqa: BLE001 - any error fails the test below
                errors.append(e)
        threads = [threading.Thread(target=build, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert len(s._plan_keys) == 20 and len(s.recompile_log) == 20
        assert all(type(k) is dict for k in s._plan_keys[1:])
        assert sum("first plan of this Session" in line for line in s.recompile_log) == 1
