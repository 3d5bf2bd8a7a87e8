"""CPython's cyclic garbage collector paused while a plan is built and compiled (issue 19).

Building and optimising a plan allocates many small objects (IR nodes, edges, steps, lines of
generated source) that almost never form cycles, and each automatic collection walks every
object alive, the user's whole graph included: a deep plan paid for its size many times over
(a 10,000-op training chain: 1.8 million tracked objects, 0.6 s a full collection).

``call(fn, ...)`` disables the collector while ``fn`` runs and, when it left many new objects
(more than ``YOUNG_MIN`` and more than a quarter of the old generation: CPython's own rule for
when a full collection is due), runs that one full collection at once, rather than leaving
the young objects to the automatic collections of the next steps (measured on that chain: a
0.6 s collection against 1.3 s spread over the first run).  A small plan leaves the collector
as it found it.  Nested uses and a collector the user disabled are respected, and a Ctrl-C at
any point leaves the collector as it was found (``call``'s docstring).

``@pausing`` does the same around a function that builds many ops at once: ``tf.gradients``
and an optimizer's ``minimize`` (the same chain: minimize 2.38 -> 2.09 s CPU).
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable

YOUNG_MIN = 200_000


def call(fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)`` with the collector disabled (see the module docstring); a
    collector already off (nested, or switched off by the user) is left be.

    Written so that a KeyboardInterrupt (Ctrl-C) cannot leave the collector off: the
    ``gc.disable()`` runs inside the ``try`` and the ``finally`` starts with ``gc.enable()``, a C
    call, with no point between the block and it where CPython checks for signals.  (A
    ``with`` statement's ``__enter__`` / ``__exit__`` are Python functions: an interrupt landing
    just after ``gc.disable()`` returned in ``__enter__``, or at ``__exit__``'s first instruction,
    left the collector off for the rest of the process.)  Inside a graph block the young
    threshold is first raised above what ``fn`` left (``_room_in_block``): otherwise the first
    allocation after ``gc.enable()`` collected the graph being built."""
    on = gc.isenabled()
    try:
        if on:
            gc.disable()
        result = fn(*args, **kwargs)    # (the store keeps the point after the call in the try)
    finally:
        if on:
            try:
                _room_in_block()
            finally:
                gc.enable()
            _collect_if_due()
    return result


def _collect_if_due() -> None:
    """One full collection now if the paused block left many objects (see the docstring)."""
    young = gc.get_count()[0]
    if young > YOUNG_MIN and young > len(gc.get_objects(generation=2)) // 4:
        gc.collect()


def pausing(fn: Callable) -> Callable:
    """``fn`` run through ``call``: the collector paused for each call."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return call(fn, *args, **kwargs)
    return wrapper


# ------------------------------------------------------------- graphs under construction
# A graph built per batch (issue 19) makes about three tracked objects per node (the
# Operation, its output Tensor, the inputs tuple), all alive until the graph is dropped.  With
# CPython's default young-generation threshold (700 net new containers) the collector runs
# several times while such a graph is built; each collection finds the graph alive and
# promotes it, and every promotion into the oldest generation brings the next full collection
# (which walks every object of the process) nearer: a quarter of the heap promoted triggers
# one.  Measured on the full-size tree workload (8 trees of 8..32 leaves, ~1,300 nodes a
# step): 2.9 ms of an 8.0 ms step in the collector, 2.2 ms of it in full collections.
#
# What dlcore does, in three parts (measured on the tree workload built per batch, full size
# then quick: gc 1.9 ms -> 0.96 ms of a 6.6 ms step, median step 6.64 -> 6.33 ms; the quick
# one's occasional 32 ms full collections gone; by gc.callbacks timings, issue-19 note):
#
# 1. While a graph is the default one (``with g.as_default():``, where a per-batch graph is
#    built, or a Session's ``with`` block) the young threshold is the young count the block
#    found plus its room: ``BUILD_THRESHOLD``, or twice the most new objects a recent block
#    left if more (at most ``GROWTH_CAP``).  The collector still runs (a program that stays in
#    the block all its life keeps collecting its cycles), but a graph and its gradients
#    usually meet no collection while they are built and run.  ``call`` (tf.gradients,
#    minimize) makes room the same way before it turns the collector back on.
# 2. When the last such block on any thread ends, the user's threshold comes back counted from
#    there: the young threshold is set to the young count plus the user's threshold, and the
#    first collection after that puts the user's own value back (a ``gc.callbacks`` hook);
#    unless the young objects already outnumber ``DEFER_BLOCKS`` blocks' (then it is the
#    user's at once).
#    Putting it back at once set off a collection at the next allocation with the graph just
#    built alive, which promoted it: each graph per batch was walked again by a
#    second-generation collection and some reached the oldest one, whose collections walk the
#    whole process (numba's objects included: 32 ms each).
# 3. The collection that is then due runs when the next Graph is made (``graph_created``, from
#    ``Graph.__new__``, before the new graph exists), once the young objects outnumber the
#    user's threshold and ``DUE_BLOCKS`` times a recent block's: the graphs built per batch
#    are dead there and still young, and are freed in one young collection.  (Waiting for
#    several: objects a user's function made before its ``tf.Graph()``, such as the cells of a
#    recursive ``encode`` closure, are alive at that collection and promoted; later they hold
#    that step's graph, which survives the next young collection.  Every fourth graph pays
#    that, not every one.)
#
# A threshold someone changed meanwhile is left as it is (theirs wins); thresholds already
# at or above ``BUILD_THRESHOLD``, or 0 (automatic collection off), are never touched.
BUILD_THRESHOLD = 7000
#: The most room (new containers) a block's threshold gives (part 1 above).
GROWTH_CAP = 250_000
#: Part 3 above: the collection due when a Graph is made waits for this many blocks' objects.
DUE_BLOCKS = 4
#: Part 2 above defers nothing once the young objects outnumber this many blocks' (and the
#: user's threshold): a program that enters a block around each step of a graph it keeps
#: (no new Graph, so no collection there) would otherwise move the threshold on at every
#: block's end and never collect its young garbage.  Above ``DUE_BLOCKS``, so that a graph
#: built per batch is collected where the next one is made, dead, first.
DEFER_BLOCKS = 6


class _Building:
    """How many graph blocks are open (every thread); ``user``: the thresholds found before
    the first block (None while dlcore holds no setting of its own), ``ours``: the young
    threshold dlcore set (a block's, or the deferred one after it),
    ``deferred``: True between a block's end and the next collection; ``start``: the young
    count the outermost block found; ``growth``: the most new objects a recent block left
    (7/8 of it at each block that left fewer)."""
    depth = 0
    user: tuple[int, int, int] | None = None
    ours: int | None = None
    deferred = False
    start = 0
    growth = 0


_building_lock = threading.RLock()      # (re-entrant: a collection may start inside it)
_hooked: list = []


def begin_building() -> None:
    """A graph became the default one: raise the young-generation threshold (once, for the
    first of nested or concurrent blocks)."""
    with _building_lock:
        _Building.depth += 1
        if _Building.depth != 1:
            return
        now = gc.get_threshold()
        if _Building.user is not None and now[0] == _Building.ours:
            user = _Building.user                   # (our deferred threshold still set)
        elif 0 < now[0] < BUILD_THRESHOLD:
            user = now
        else:
            _Building.user = _Building.ours = None  # (off, already high, or not ours)
            _Building.deferred = False
            return
        _Building.deferred = False
        _Building.start = count = gc.get_count()[0]
        _Building.user, _Building.ours = user, max(count + _room(_Building.growth), now[0])
        gc.set_threshold(_Building.ours, now[1], now[2])


def _room(growth: int) -> int:
    """A block's room above the young count: ``BUILD_THRESHOLD``, or twice ``growth`` (at most
    ``GROWTH_CAP``) when more."""
    return max(BUILD_THRESHOLD, min(GROWTH_CAP, 2 * growth))


def _room_in_block() -> None:
    """In a graph block, a young threshold that the paused call's new objects passed is
    raised (to the count plus the block's room), so that the collector, turned back on, does
    not run at the next allocation with the graph under construction alive."""
    with _building_lock:
        if not _Building.depth or _Building.user is None:
            return
        now = gc.get_threshold()
        count = gc.get_count()[0]
        if now[0] != _Building.ours or count < now[0]:
            return
        _Building.ours = count + _room(max(_Building.growth, count - _Building.start))
        gc.set_threshold(_Building.ours, now[1], now[2])


def graph_created() -> None:
    """A Graph is being made: run the young collection that a block's end deferred, if it is
    due (more new containers than the user's threshold and ``DUE_BLOCKS`` recent blocks'),
    before the graph's first object."""
    with _building_lock:
        user = _Building.user
        if not _Building.deferred or _Building.depth or user is None or not gc.isenabled():
            return
        now, count = gc.get_threshold(), gc.get_count()
        if now[0] != _Building.ours or count[0] <= max(user[0], DUE_BLOCKS * _Building.growth):
            return
        gc.collect(1 if count[1] >= now[1] > 0 else 0)     # (the hook puts user[0] back)


def end_building() -> None:
    """The last block ended: the user's young threshold, counted from here (see above)."""
    with _building_lock:
        _Building.depth -= 1
        if _Building.depth != 0 or _Building.user is None:
            return
        now = gc.get_threshold()
        if now[0] != _Building.ours:                # (changed meanwhile: left as it is)
            _Building.user = _Building.ours = None
            return
        young = gc.get_count()[0]
        _Building.growth = max(young - _Building.start, _Building.growth * 7 // 8)
        if young <= 0 or young > max(_Building.user[0], DEFER_BLOCKS * _Building.growth):
            gc.set_threshold(_Building.user[0], now[1], now[2])
            _Building.user = _Building.ours = None
            return
        _Building.ours = young + _Building.user[0]
        _Building.deferred = True
        if not _hooked:
            gc.callbacks.append(_after_collection)
            _hooked.append(_after_collection)
        gc.set_threshold(_Building.ours, now[1], now[2])


def _after_collection(phase: str, info: dict) -> None:
    """The ``gc.callbacks`` hook: the first collection after a block puts the user's young
    threshold back (no lock: a collection may start in any thread, ``graph_created``'s inside
    the lock)."""
    if phase != "stop" or not _Building.deferred or _Building.depth:
        return
    user, now = _Building.user, gc.get_threshold()
    _Building.deferred = False
    if user is not None and now[0] == _Building.ours:
        gc.set_threshold(user[0], now[1], now[2])
    _Building.user = _Building.ours = None
