"""``Session.partial_run_setup`` / ``Session.partial_run``: one step run in parts, as TF 1.15.

    h = sess.partial_run_setup([r1, r2], [a, b, c])
    res = sess.partial_run(h, r1, feed_dict={a: 1, b: 2})
    res = sess.partial_run(h, r2, feed_dict={c: res})

The setup names every tensor or op the parts may fetch and every tensor they may feed; each
part fetches some of them, feeding some, and each tensor has one value across the parts: what
an earlier part fetched is fed to the later ones (``r2`` above uses the ``r1`` already
computed).  TF's errors, each an ``InvalidArgumentError`` raised before anything runs: an
unknown handle, a feed or fetch not named at setup, a feed given twice, a fetch asked twice,
and a fetch that needs a setup feed not fed yet.  A part that fails leaves the handle as it
was.

Each op runs at most once per partial run, as in TF: a part also fetches, internally, the
tensors it computes that a later part needs, and the later parts are fed them (so a random
op shared by two parts gives one value, an ``assign_add`` feeding both runs once).  A later
part that would reach an op an earlier part ran through a control dependency only (no value to
hand on) is refused with an InvalidArgumentError naming the op.
"""

from __future__ import annotations

import itertools
import threading
import weakref

from .errors import InvalidArgumentError
from .fetches import FetchMapper, _resolve, flat_feeds
from .graph import Operation, Tensor
from .session import Session

_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
_COUNTER = itertools.count()


class _State:
    __slots__ = ("fed", "feeds", "fetched", "fetches", "ran", "values")

    def __init__(self, fetches: list, feeds: list) -> None:
        self.fetches = set(fetches)
        self.feeds = set(feeds)
        self.fed: dict = {}             # setup feed -> the value given
        self.fetched: set = set()
        self.values: dict = {}          # tensor computed by a part -> its value
        self.ran: set = set()           # the ops the parts so far executed


def _tf_name(el) -> str:
    return el.name


def partial_run_setup(self: Session, fetches, feeds=None) -> str:
    """Set up a partial run; returns its handle (a string)."""
    if self._closed:
        raise RuntimeError("Attempted to use a closed Session.")
    leaves = FetchMapper(self.graph, fetches).leaves
    feed_list = []
    for f in (feeds or []):
        el = _resolve(self.graph, f)
        if not isinstance(el, Tensor):
            raise TypeError(f"Feed {f!r} of partial_run_setup must be a Tensor, not an "
                            f"Operation")
        feed_list.append(el)
    handle = f"{id(self):x}->partial_run//{next(_COUNTER)}"
    with _LOCK:
        _STATES.setdefault(self, {})[handle] = _State(leaves, feed_list)
    return handle


def _needs_unfed(state: _State, target, fed: set) -> Tensor | None:
    """A setup feed ``target`` needs that is neither fed nor computed yet, or None."""
    seen: set = set()
    todo = [target.op if isinstance(target, Tensor) else target]
    while todo:
        op = todo.pop()
        if op in seen:
            continue
        seen.add(op)
        for t in op.inputs:
            if t in fed or t in state.values:
                continue
            if t in state.feeds:
                return t
            todo.append(t.op)
        todo.extend(op.control_inputs)
    return None


def _to_run(state: _State, roots, fed: set) -> set:
    """The ops a run of ``roots`` executes: their ancestors through inputs and control
    inputs, cut at tensors fed or kept from earlier parts."""
    ops: set = set()
    todo = [r.op if isinstance(r, Tensor) else r for r in roots]
    while todo:
        op = todo.pop()
        if op in ops:
            continue
        ops.add(op)
        for t in op.inputs:
            if t not in fed and t not in state.values:
                todo.append(t.op)
        todo.extend(op.control_inputs)
    return ops


#: ops that give the same value whenever they run: running one again in a later part is
#: harmless (anything else that ran, an Assign or a random op, must not run twice)
_PURE_TYPES = frozenset({"Const", "VariableRead", "NoOp", "Placeholder",
                         "PlaceholderWithDefault"})


def partial_run(self: Session, handle, fetches, feed_dict=None):
    """Run one part of the partial run ``handle``: see the module's docstring."""
    if self._closed:
        raise RuntimeError("Attempted to use a closed Session.")
    with _LOCK:
        state = _STATES.get(self, {}).get(handle)
    if state is None:
        raise InvalidArgumentError(None, None, "Must run 'setup' before performing partial "
                                               "runs!")
    mapper = FetchMapper(self.graph, fetches)
    feeds = {}
    for k, v in flat_feeds(feed_dict or {}).items():
        el = _resolve(self.graph, k)
        if el not in state.feeds:
            raise InvalidArgumentError(None, None, f"The feed {_tf_name(el)} was not "
                                                   "specified in partial_run_setup.")
        if el in state.fed:
            raise InvalidArgumentError(None, None, f"The feed {_tf_name(el)} has already "
                                                   "been fed.")
        feeds[el] = v
    fed = set(state.fed) | set(feeds)
    for el in mapper.leaves:
        if el not in state.fetches:
            raise InvalidArgumentError(None, None, f"The fetch {_tf_name(el)} was not "
                                                   "specified in partial_run_setup.")
        if el in state.fetched:
            raise InvalidArgumentError(None, None, f"The fetch {_tf_name(el)} has already "
                                                   "been fetched.")
        if _needs_unfed(state, el, fed) is not None:
            raise InvalidArgumentError(None, None, f"Fetch {_tf_name(el)} can't be computed "
                                                   "from the feeds that have been fed so far.")
    leaves = list(mapper.leaves)
    ran_now = _to_run(state, leaves, fed)
    again = [op for op in ran_now & state.ran if op.prim is None and op.type not in _PURE_TYPES]
    if again:
        raise InvalidArgumentError(None, again[0], f"partial_run: op {again[0].name!r} "
                                   f"({again[0].type}) ran in an earlier part of this partial "
                                   "run and would run again (it is reached through a control "
                                   "dependency, whose effect dlcore cannot keep between parts; "
                                   "fetch what depends on it in the part that runs it)")
    # The tensors this part computes that a later part needs (the cut between what runs now
    # and what is left): fetched now and fed to the later parts, so that each op runs once
    # and each tensor has one value across the parts, as TF's.
    now = set(leaves)
    remaining = [f for f in state.fetches - state.fetched if f not in now]
    later = _to_run(state, remaining, fed | state.feeds) - ran_now
    cut = {t for op in later for t in op.inputs if t.op in ran_now and t not in fed}
    cut |= {f for f in remaining if isinstance(f, Tensor) and f.op in ran_now}
    cut -= now
    extra = [t for t in cut if t.op._ctx is None]
    run_feeds = dict(state.values)
    run_feeds.update(state.fed)
    run_feeds.update(feeds)
    needed = leaves + extra
    got = self.run(needed, feed_dict=run_feeds) if needed else []
    with _LOCK:
        state.fed.update(feeds)
        state.ran |= ran_now
        for el, v in zip(needed, got):
            if isinstance(el, Tensor):
                state.values[el] = v
        state.fetched.update(leaves)
        if state.fetched >= state.fetches:          # (TF frees a finished partial run)
            _STATES.get(self, {}).pop(handle, None)
    return mapper.rebuild([None if isinstance(el, Operation) else v
                           for el, v in zip(leaves, got)])


Session.partial_run_setup = partial_run_setup       # type: ignore[attr-defined]
Session.partial_run = partial_run                   # type: ignore[attr-defined]
