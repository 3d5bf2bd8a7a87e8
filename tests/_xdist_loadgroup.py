"""pytest-xdist's ``--dist loadgroup`` scheduler without its two scans that grow with the run.

The README's test command runs ``--dist loadgroup``: every test without an ``xdist_group`` mark is
a work unit of its own, and the stock scheduler (``xdist.scheduler.loadscope``, pytest-xdist
3.8), for each finished test,

* counts the node's pending tests by walking every unit ever assigned to the node
  (``_pending_of``: ``sum(list(unit.values()).count(False) ...)``), and
* finds each test it hands out by ``list.index`` in the node's 21,000-entry collection.

Both grow with the number of tests run so far, so the controller's CPU grew with the square of
the suite: in a cProfile of the controller over tests/core + tests/eager (13,970 tests) the count
took 68 s of profiled time and ``list.index`` 5 s, all else but waiting about 20 s.  Without a
profiler, tests/eager -n 2 (10,900 tests) side by side with the stock scheduler: the
controller's user+sys CPU 20.0 -> 12.8 s (2026-12-03, machine under load).  Known upstream as
pytest-dev/pytest-xdist#279 and #1212, both open.

This subclass keeps the same data (``workqueue``, ``assigned_work``, ``registered_collections``)
and makes the same decisions in the same order: it keeps, next to each node's workload, the
number of its tests not yet completed (raised by the units handed out, lowered as each test
completes), and a nodeid -> first index map of each node's collection.  Anything it does not
track (a workload it has not seen) is counted the stock way.  tests/test_xdist_loadgroup.py
drives it and the stock scheduler through the same runs and compares every message.

After a worker crash it departs from the stock scheduler, which then hangs the run (upstream
pytest-dev/pytest-xdist#1323, #1327, #1378): the stock ``remove_node`` puts the dead node's
whole workload back on the queue, its finished units too, which are later handed out as empty
``runtests`` commands that never complete, so no reschedule follows and every worker waits;
and a replacement worker is handed one unit, while a worker holding a single test waits for a
second (or a shutdown) before it runs the first.  It happened here: in a cold-cache run of the
suite (every kernel compiled) the kernel's OOM killer took a worker at 12.3 GB, and the run
then sat idle until it was killed.  So ``remove_node`` puts back only the units with tests
left and marks the test the worker died in as done (xdist has already reported it failed; run
again it would most likely take the next worker down too: upstream #1371), and
``_reschedule`` tops a node with fewer than two pending tests up to two, or shuts it down when
nothing is left.  Without a crash neither departs from the stock decisions (a node's count
falls below two only once the queue is empty), so the messages stay the stock ones.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadGroupScheduling


class LoadGroupSchedulingCounted(LoadGroupScheduling):
    """``LoadGroupScheduling`` with a running count of each node's pending tests."""

    def __init__(self, config: Any, log: Any = None) -> None:
        super().__init__(config, log)
        # id(workload) -> [workload, pending]: the workload is held so that its id stays its own
        self._pending: dict[int, list[Any]] = {}
        # node -> (its collection, {nodeid: first index in it})
        self._indices: dict[Any, tuple[list[str], dict[str, int]]] = {}

    def _pending_of(self, workload: dict[str, dict[str, bool]]) -> int:
        entry = self._pending.get(id(workload))
        if entry is None or entry[0] is not workload:
            return super()._pending_of(workload)
        return int(entry[1])

    def add_node(self, node: Any) -> None:
        super().add_node(node)
        workload = self.assigned_work[node]
        self._pending[id(workload)] = [workload, 0]

    def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
        nodeid = self.registered_collections[node][item_index]
        scope = self._split_scope(nodeid)
        workload = self.assigned_work[node]
        unit = workload[scope]
        if unit.get(nodeid, True) is False:
            entry = self._pending.get(id(workload))
            if entry is not None and entry[0] is workload:
                entry[1] -= 1
        unit[nodeid] = True
        self._reschedule(node)

    def _index_of(self, node: Any) -> tuple[list[str], dict[str, int]]:
        collection = self.registered_collections[node]
        known = self._indices.get(node)
        if known is None or known[0] is not collection:
            indices: dict[str, int] = {}
            for i, nodeid in enumerate(collection):
                indices.setdefault(nodeid, i)          # list.index: the first occurrence
            known = self._indices[node] = (collection, indices)
        return known

    def _assign_work_unit(self, node: Any) -> None:
        assert self.workqueue

        scope, work_unit = self.workqueue.popitem(last=False)

        assigned_to_node = self.assigned_work.setdefault(node, {})
        entry = self._pending.get(id(assigned_to_node))
        if entry is not None and entry[0] is assigned_to_node:
            replaced = assigned_to_node.get(scope)
            if replaced is not None:                   # the stock count forgets the old unit
                entry[1] -= list(replaced.values()).count(False)
        assigned_to_node[scope] = work_unit

        collection, indices = self._index_of(node)
        nodeids_indexes = [
            indices[nodeid] if nodeid in indices else collection.index(nodeid)  # its ValueError
            for nodeid, completed in work_unit.items()
            if not completed
        ]
        if entry is not None and entry[0] is assigned_to_node:
            entry[1] += len(nodeids_indexes)

        node.send_runtest_some(nodeids_indexes)

    def remove_node(self, node: Any) -> str | None:
        workload = self.assigned_work.pop(node)
        if not self._pending_of(workload):
            return None
        crashitem = None
        for unit in workload.values():
            for nodeid, completed in unit.items():
                if not completed:
                    crashitem = nodeid
                    break
            if crashitem is not None:
                unit[crashitem] = True          # reported failed by xdist; not run again
                break
        if crashitem is None:
            raise RuntimeError("Unable to identify crashitem on a workload with pending items")
        for scope, unit in workload.items():    # only the units with tests left go back
            if False in unit.values():
                self.workqueue[scope] = unit
        for other in self.assigned_work:
            self._reschedule(other)
        return crashitem

    def _reschedule(self, node: Any) -> None:
        if node.shutting_down:
            return
        if node not in self.registered_collections:
            # a replacement worker still collecting (``_xdist_recycle``): another worker's
            # collectionfinish reschedules every node (xdist's ``schedule``), and this one had
            # no collection to index yet (a KeyError that ended a run); its own
            # collectionfinish schedules it
            return
        if not self.workqueue:
            node.shutdown()
            return
        if self._pending_of(self.assigned_work[node]) > 2:
            return
        self._assign_work_unit(node)
        # a worker runs a test only once it holds the next one (or is shutting down): a node
        # left with one (a replacement handed a one-test unit) would wait for ever
        while self._pending_of(self.assigned_work[node]) < 2:
            if not self.workqueue:
                node.shutdown()
                return
            self._assign_work_unit(node)
