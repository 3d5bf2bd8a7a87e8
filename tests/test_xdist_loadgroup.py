"""tests/_xdist_loadgroup.py (the README run's ``--dist loadgroup`` scheduler, made by
tests/conftest.py) against pytest-xdist's own LoadGroupScheduling: both are driven through the
same runs (fake worker nodes finishing their tests in a seeded random order, groups and single
tests, a node that dies mid-run) and must send the same commands in the same order and answer
the same ``tests_finished`` / ``has_pending`` / pending counts at every step."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

xdist_scheduler = pytest.importorskip("xdist.scheduler")
LoadGroupScheduling = xdist_scheduler.LoadGroupScheduling
Producer = pytest.importorskip("xdist.remote").Producer

from _xdist_loadgroup import LoadGroupSchedulingCounted  # after the skip: it imports xdist


class _Node:
    """What the schedulers use of xdist's WorkerController: the commands are recorded."""

    def __init__(self, name: str, sent: list) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.name = name
        self.sent = sent
        self.queue: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indices) -> None:
        self.sent.append((self.name, "runtests", list(indices)))
        self.queue.extend(indices)

    def shutdown(self) -> None:
        self.sent.append((self.name, "shutdown"))
        self.shutting_down = True

    def __repr__(self) -> str:
        return f"<_Node {self.name}>"


def _config(nodes: int, reorder: bool = False):
    return SimpleNamespace(getvalue=lambda name: [f"{nodes}*popen"] if name == "tx" else None,
                           option=SimpleNamespace(loadscopereorder=reorder),
                           hook=SimpleNamespace(pytest_collectreport=lambda report: None))


def _collection(rng: random.Random, n: int) -> list[str]:
    ids = []
    for i in range(n):
        mod = f"tests/m{i % 7}.py::test_{i}"
        r = rng.random()
        if r < 0.15:
            ids.append(f"{mod}@group{rng.randrange(4)}")          # an xdist_group
        elif r < 0.2:
            ids.append(f"{mod}[x@y]")                              # '@' inside the params
        else:
            ids.append(mod)
        if i % 50 == 49:
            ids.append(ids[-2])                                    # listed twice: list.index's first
    return ids


def _drive(cls, seed: int, n_tests: int, n_nodes: int, crash_after: int | None,
           reorder: bool = False):
    """Run one scheduler to the end; return everything it said along the way."""
    rng = random.Random(seed)
    collection = _collection(rng, n_tests)
    sent: list = []
    trace: list = []
    sched = cls(_config(n_nodes, reorder), Producer("test", enabled=False))
    nodes = [_Node(f"gw{i}", sent) for i in range(n_nodes)]
    for node in nodes:
        sched.add_node(node)
    for node in nodes:
        sched.add_node_collection(node, collection)
    sched.schedule()
    live = list(nodes)
    done = 0
    while live:
        busy = [node for node in live if node.queue]
        if not busy:
            break
        node = rng.choice(busy)
        if crash_after is not None and done == crash_after:
            crashed = sched.remove_node(node)                      # the worker died mid-test
            trace.append(("crash", node.name, crashed))
            live.remove(node)
            node.queue.clear()
            crash_after = None
            continue
        index = node.queue.pop(0)
        sched.mark_test_complete(node, index, 0.0)
        done += 1
        trace.append((node.name, index, sched.tests_finished, sched.has_pending,
                      [sched._pending_of(sched.assigned_work[n]) for n in sched.nodes]))
        if sched.tests_finished:
            break
    for node in list(live):
        if not node.queue:
            trace.append(("finished", node.name, sched.remove_node(node)))
    return sent, trace


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_nodes", [1, 2, 3])
def test_same_commands_and_answers_as_xdists_loadgroup(seed, n_nodes):
    want = _drive(LoadGroupScheduling, seed, 120, n_nodes, None)
    got = _drive(LoadGroupSchedulingCounted, seed, 120, n_nodes, None)
    assert got[0] == want[0]
    assert got[1] == want[1]
    assert sum(1 for c in want[0] if c[1] == "runtests") > 10      # the run did hand work out


def _drive_with_crash(cls, seed: int, n_tests: int, crash_after: int, replace: bool):
    """Two nodes, one dies after ``crash_after`` tests (and, with ``replace``, a new node joins
    as xdist's "replacing crashed worker" does).  A node runs its first queued test only once
    it holds a second one or is shutting down, as xdist's worker loop does.  Returns the
    commands sent, the crashed test, the indices each test ran at, and whether the run ended
    (False: every live node waits, the hang)."""
    rng = random.Random(seed)
    collection = _collection(rng, n_tests)
    sent: list = []
    sched = cls(_config(2), Producer("test", enabled=False))
    nodes = [_Node(f"gw{i}", sent) for i in range(2)]
    for node in nodes:
        sched.add_node(node)
    for node in nodes:
        sched.add_node_collection(node, collection)
    sched.schedule()
    live, ran, crashed, done = list(nodes), [], None, 0
    while not sched.tests_finished:
        ready = [n for n in live if len(n.queue) >= 2 or (n.queue and n.shutting_down)]
        if not ready:
            return sent, crashed, ran, False
        node = rng.choice(ready)
        if crashed is None and done == crash_after:
            crashed = sched.remove_node(node)
            live.remove(node)
            node.queue.clear()
            if replace:
                new = _Node("gw2", sent)
                sched.add_node(new)
                sched.add_node_collection(new, collection)
                sched.schedule()
                live.append(new)
            continue
        index = node.queue.pop(0)
        ran.append(index)
        sched.mark_test_complete(node, index, 0.0)
        done += 1
    for node in live:               # finished: xdist shuts the nodes down, each runs what it holds
        ran += node.queue
    return sent, crashed, ran, True


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("replace", [False, True])
def test_a_crashed_worker_neither_hangs_the_run_nor_reruns_its_test(seed, replace):
    got, crashed, ran, ended = _drive_with_crash(LoadGroupSchedulingCounted, seed, 120, 40,
                                                 replace)
    assert ended
    assert not [c for c in got if c[1] == "runtests" and not c[2]]     # no empty command
    collection = _collection(random.Random(seed), 120)
    first = {}
    for i, nodeid in enumerate(collection):
        first.setdefault(nodeid, i)
    crash_index = first[crashed]
    # every test but the one the worker died in ran exactly once (a test listed twice is
    # one test: its first index), and that one not after the crash
    assert sorted(ran) == sorted(set(first.values()) - {crash_index})
    if replace:
        assert any(c[0] == "gw2" and c[1] == "runtests" for c in got)  # the new node worked
    # up to the crash, the stock scheduler's commands
    want = _drive_with_crash(LoadGroupScheduling, seed, 120, 40, replace)[0]
    upto = next(i for i, c in enumerate(want) if i >= len(got) or c != got[i])
    assert upto > 20


def test_same_with_scopes_reordered_by_size():
    assert (_drive(LoadGroupSchedulingCounted, 9, 80, 2, None, reorder=True)
            == _drive(LoadGroupScheduling, 9, 80, 2, None, reorder=True))


def test_the_pending_count_is_kept_not_recounted(monkeypatch):
    """The point of the subclass: no walk over everything handed out, once per finished test."""
    walks = []
    stock = LoadGroupScheduling._pending_of
    monkeypatch.setattr(LoadGroupScheduling, "_pending_of",
                        lambda self, workload: walks.append(1) or stock(self, workload))
    _, trace = _drive(LoadGroupSchedulingCounted, 3, 200, 2, None)
    assert len(trace) > 150 and walks == []
    _drive(LoadGroupScheduling, 3, 200, 2, None)
    assert len(walks) > 200                                        # the stock one does walk


def test_the_conftest_hook_makes_it_for_loadgroup_only(request):
    hook = request.config.pluginmanager.hook
    if not hasattr(hook, "pytest_xdist_make_scheduler"):
        pytest.skip("pytest-xdist's hooks are not registered in this run")
    config = _config(2)
    config.getvalue = lambda name: {"tx": ["2*popen"], "dist": "loadgroup"}.get(name)
    log = Producer("test", enabled=False)
    assert isinstance(hook.pytest_xdist_make_scheduler(config=config, log=log),
                      LoadGroupSchedulingCounted)
    config.getvalue = lambda name: {"tx": ["2*popen"], "dist": "load"}.get(name)
    made = hook.pytest_xdist_make_scheduler(config=config, log=log)
    assert not isinstance(made, LoadGroupSchedulingCounted)


def test_a_replacement_still_collecting_waits_for_its_own_collection():
    """Two workers retired together (``_xdist_recycle``): the first replacement's
    collectionfinish reschedules every node (xdist's ``schedule``), the second one's collection
    not in yet; that one is skipped (it had raised a KeyError that ended the README run), and
    gets work when its own collection is in; every test runs once."""
    collection = [f"tests/m{i % 5}.py::test_{i}" for i in range(60)]
    sent: list = []
    sched = LoadGroupSchedulingCounted(_config(2), Producer("test", enabled=False))
    nodes = [_Node(f"gw{i}", sent) for i in range(2)]
    for node in nodes:
        sched.add_node(node)
    for node in nodes:
        sched.add_node_collection(node, collection)
    sched.schedule()
    fresh = [_Node("gw2", sent), _Node("gw3", sent)]
    for node in fresh:
        sched.add_node(node)
    sched.add_node_collection(fresh[0], collection)
    sched.schedule()                                # gw3 still collecting
    assert not [c for c in sent if c[0] == "gw3"]
    sched.add_node_collection(fresh[1], collection)
    sched.schedule()
    assert any(c[0] == "gw3" and c[1] == "runtests" for c in sent)
    ran: list = []
    live = nodes + fresh
    while not sched.tests_finished:
        node = next(n for n in live if len(n.queue) >= 2 or (n.queue and n.shutting_down))
        index = node.queue.pop(0)
        ran.append(index)
        sched.mark_test_complete(node, index, 0.0)
    for node in live:
        ran += node.queue
    assert sorted(ran) == list(range(60))
