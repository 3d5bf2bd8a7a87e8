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
    left the collector off for the rest of the process.)"""
    on = gc.isenabled()
    try:
        if on:
            gc.disable()
        result = fn(*args, **kwargs)    # (the store keeps the point after the call in the try)
    finally:
        if on:
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
# While a graph is the default one (``with g.as_default():``, where a per-batch graph is
# built), the young threshold is raised to ``BUILD_THRESHOLD``: the collector still runs (a
# program that stays inside the block all its life keeps collecting its cycles, every
# ``BUILD_THRESHOLD`` net new containers instead of 700), but a step's graph is usually dead
# by the second-generation collection that meets it, so it is freed there, not promoted.  The
# threshold the block found is put back when the last such block on any thread ends, unless
# someone changed it meanwhile (their setting is then left as it is).
BUILD_THRESHOLD = 7000


class _Building:
    """How many graph blocks are open (every thread), and the thresholds the first one found
    (None when it left them: the collector's thresholds off, or already as high)."""
    depth = 0
    saved: tuple[int, int, int] | None = None


_building_lock = threading.Lock()


def begin_building() -> None:
    """A graph became the default one: raise the young-generation threshold (once, for the
    first of nested or concurrent blocks)."""
    with _building_lock:
        _Building.depth += 1
        if _Building.depth == 1:
            saved = gc.get_threshold()
            if 0 < saved[0] < BUILD_THRESHOLD:
                _Building.saved = saved
                gc.set_threshold(BUILD_THRESHOLD, saved[1], saved[2])
            else:
                _Building.saved = None      # (collector thresholds off or already high)


def end_building() -> None:
    """The block ended: the last one puts back the threshold it found, if still ours."""
    with _building_lock:
        _Building.depth -= 1
        if _Building.depth == 0:
            saved, _Building.saved = _Building.saved, None
            if saved is not None and gc.get_threshold()[0] == BUILD_THRESHOLD:
                gc.set_threshold(*saved)
