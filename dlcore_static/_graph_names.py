"""A graph's names: the unique names of its ops, made lazily, name scopes, and the names TF1
gives the outputs of its multi-output ops (output aliases).

``GraphNames`` is one of ``graph.Graph``'s bases; ``Graph.__init__`` makes the state it reads
(``_by_name``, ``_names``, the pending ops ``_pending``/``_pending_given``/``_pending_segs``,
``_scope``, ``_last_made``, ``_output_aliases``).  Its methods: the deferred naming of the ops
the front end's hot path makes (``_defer_name``, ``_flush_names``, ``_rename_pending``,
``_may_clash``), ``unique_name``/``_unique`` and ``_unreserve_type_name``, ``name_scope``,
``rename_op`` and ``alias_outputs``.  Moved out of ``graph.py`` unchanged, bar the annotations:
an op here is a ``NamedOp`` (a ``graph.Operation``, as the naming sees it), since ``graph``
imports this module and this module may not import it back, not even for type checkers
(tests/test_import_cycles.py).
"""

from __future__ import annotations

import contextlib
import threading
from itertools import repeat
from operator import attrgetter
from typing import Any, Protocol

_TYPE_OF = attrgetter("type")      # (an op's type, for _may_clash)


# (scope, name) -> that pending entry's tuple, one for every op made with one name in one
# scope (a graph built per batch makes 20 ``concat`` and 20 ``strided_slice`` nodes: issue
# 19; shared, the tuple of two strings is untracked by the cyclic collector's first look, and
# the graph's garbage is that much smaller).  By scope, then name; bounded.
_SCOPED: dict = {}
_SCOPED_MAX = 4096


def scoped_name(scope: str, name: str) -> tuple:
    """The shared ``(scope, name)`` entry of a pending op named ``name`` (``_SCOPED``)."""
    at = _SCOPED.get(scope)
    if at is None:
        if len(_SCOPED) >= _SCOPED_MAX:
            _SCOPED.clear()
        at = _SCOPED[scope] = {}
    elif len(at) >= _SCOPED_MAX:
        at.clear()
    pair = at.get(name)
    if pair is None:
        pair = at[name] = (scope, name)
    return pair


class NamedOp(Protocol):
    """What the naming reads and writes of an op (a ``graph.Operation``)."""

    type: str
    _name: str | None
    name: str


class GraphNames:
    """The naming half of ``graph.Graph`` (see the module docstring)."""

    # (made by Graph.__init__, declared here for type checkers; the ops are graph.Operation,
    # the aliases' values graph.Tensor)
    _ops: list
    _by_name: dict
    _names: dict[str, int]
    _pending: list
    _names_lock: threading.Lock
    _pending_given: dict
    _pending_segs: set[str]
    _segs_seen: int
    _scope: str
    _last_made: str | None
    _output_aliases: dict

    # -- names
    # A node made by the front end's hot path (``frontend.StaticFrontend.apply``) gets its
    # unique name only when something asks for a name: its own (``op.name``), a lookup by
    # name, or another name being made, which makes the pending ones first, in creation
    # order, with the scope each was made in, so every op gets the very name it would have
    # got at once.  A graph built per batch and run once never names most of its nodes
    # (issue 19: unique_name was about a tenth of making a node).
    @property
    def _ops_by_name(self) -> dict[str, Any]:
        if self._pending:
            self._flush_names()
        return self._by_name

    @property
    def _names_in_use(self) -> dict[str, int]:
        if self._pending:
            self._flush_names()
        return self._names

    def _defer_name(self, op: NamedOp) -> None:
        """Name ``op`` (of type ``op.type``, made in the current scope) when a name is asked
        for (see above)."""
        op._name = None
        self._pending.extend((op, self._scope))

    def _flush_names(self) -> None:
        with self._names_lock:
            pending, given, by_name = self._pending, self._pending_given, self._by_name
            i = 0
            while i < len(pending):         # (ops another thread adds meanwhile too)
                op, scope = pending[i], pending[i + 1]
                i += 2
                renamed = given.pop(op, None) if given else None
                if renamed is None:
                    name = self._unique(scope, op.type, True) if type(scope) is str else \
                        self._unique(scope[0], scope[1], True)  # (its name=: _rename_pending)
                elif renamed[2]:            # the name it was given, made unique (TensorFlow
                    name = self._unique(renamed[0], renamed[1], True)   # makes no other)
                else:                       # a name scope's own name, already reserved
                    name = renamed[1]
                op._name = name
                by_name[name] = op
            del pending[:i]
            self._pending_segs = set()
            self._segs_seen = 0

    def _rename_pending(self, op: NamedOp, name: str, unique: bool = True) -> bool:
        """``rename_op(op, name, unique)`` without making names, when ``op`` is the last op
        made and still unnamed (``tf.concat``'s ``concat``): in its turn it takes ``name``
        made unique in the scope current now (or exactly ``name``, already reserved, with
        ``unique=False``) instead of its type's name, as ``rename_op`` would have done at
        once; False (nothing done) otherwise."""
        pending = self._pending
        if len(pending) < 2 or pending[-2] is not op or self._ops[-1] is not op or \
                (self._pending_given and op in self._pending_given):
            return False
        scope = pending[-1]
        if unique and type(scope) is str and scope == self._scope and "/" not in name:
            # (the common case, a wrapper naming the op it has just made in its own scope:
            # the entry holds the name to make in place of the type's)
            pending[-1] = scoped_name(scope, name)
            self._pending_segs.add(name.lower())
            return True
        self._pending_given[op] = (self._scope, name, unique)
        if unique:
            self._pending_segs.add(name.rsplit("/", 1)[-1].lower())
        return True

    def _may_clash(self, name: str) -> bool:
        """Could making ``name`` now give a pending op another name than it would get in its
        turn (or ``name`` another one)?  Two names interact only through equal keys or a key
        and its ``_N`` suffixed forms, so only when the last parts of their lower-case keys
        are equal or one is the other plus ``_...``: a Const, a placeholder or a name scope
        made amid pending MatMul and Tanh nodes leaves them pending."""
        pending = self._pending
        segs = self._pending_segs
        n = len(pending)
        if self._segs_seen < n:         # (the types first: a graph has few of them)
            for t in set(map(_TYPE_OF, pending[self._segs_seen:n:2])):    # (the walk in C)
                segs.add(t.lower())
            self._segs_seen = n
        seg = name.rsplit("/", 1)[-1].lower()
        if seg in segs:
            return True
        i = seg.find("_")               # seg.startswith(b + "_"): b is seg up to an "_"
        while i >= 0:
            if seg[:i] in segs:
                return True
            i = seg.find("_", i + 1)
        # b.startswith(seg + "_") for a b of segs, the loop in C (issue 19: a graph built per
        # batch names its placeholders and constants amid ~20 pending types and names)
        return any(map(str.startswith, segs, repeat(seg + "_")))

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        if self._pending and self._may_clash(name):
            self._flush_names()
        return self._unique(self._scope, name, mark_as_used)

    def _unique(self, scope: str, name: str, mark_as_used: bool) -> str:
        full = f"{scope}/{name}" if scope else name
        names = self._names
        key = full.lower()
        i = names.get(key, 0)
        if i == 0:
            if mark_as_used:
                names[key] = 1
                self._last_made = full
            return full
        while True:                     # (lower() of f"{full}_{i}", without the call)
            candidate = f"{key}_{i}"
            if candidate not in names:
                break
            i += 1
        if mark_as_used:
            names[candidate] = 1
            names[key] = i + 1
            self._last_made = f"{full}_{i}"
        return f"{full}_{i}"

    def _unreserve_type_name(self, op: NamedOp) -> None:
        """Take back the name ``op`` got first (its type's: ``Transpose``, ``s/Pack_2``) when
        it is the last name made, before ``op`` takes another: TensorFlow creates the op with
        that other name and never reserves the first (``tf.transpose(x)`` is ``transpose``,
        not ``transpose_1``).  Only the last name made can be taken back exactly: later ones
        may have been made unique against it, and then it stays reserved.  Ops still waiting
        for their names (``_flush_names``) do not count: ``op``'s name was made without them,
        since it could not interact with theirs (``_may_clash``)."""
        name = op._name
        if name is None or name != self._last_made:
            return
        names = self._names
        names.pop(name.lower(), None)
        base, sep, num = name.rpartition("_")
        if sep and num.isdigit() and names.get(base.lower()) == int(num) + 1:
            names[base.lower()] = int(num)      # base_i made by _unique: base's next try is i
        self._last_made = None

    def name_scope(self, name: str | None) -> _NameScope:
        """Nested scopes prefix op names like paths: ``outer/inner/op``.  A reused scope name
        becomes ``inner_1``; a name ending in '/' re-enters that exact scope; None clears.
        (A class, not a generator: ``tf.gradients`` enters one per call, issue 19.)"""
        return _NameScope(self, name)

    def get_name_scope(self) -> str:
        return self._scope

    # -- renaming, and TF1's names of multi-output ops' outputs
    def rename_op(self, op: NamedOp, name: str, unique: bool = True) -> str:
        """Give ``op`` the name made unique from ``name`` (``unique_name``), or exactly ``name``
        with ``unique=False`` (a name already reserved, e.g. a name scope's); returns it."""
        if op._name is not None:        # (before pending ops are named: see the method)
            self._unreserve_type_name(op)
        if self._ops_by_name.get(op.name) is op:
            del self._ops_by_name[op.name]
        op.name = self.unique_name(name) if unique else name
        self._ops_by_name[op.name] = op
        return op.name

    def alias_outputs(self, name: str, tensors) -> None:
        """Make ``get_tensor_by_name(f"{name}:{i}")`` give ``tensors[i]``: TF1 makes one op
        ``name`` with these outputs (``split:0``, ``split:1``; ``TopKV2:1``) where ours are
        several ops, each with a name of its own (``split/StridedSlice_1:0``).  ``name`` is a
        name scope's own name, reserved, so no op can take it."""
        for i, t in enumerate(tensors):
            self._output_aliases[f"{name}:{i}"] = t


class _NameScope(contextlib.ContextDecorator):
    """``GraphNames.name_scope(name)``'s context manager: the scope is made on entering (as
    the generator it replaces made it), the outer one restored on leaving.  A decorated
    function gets a fresh one per call (``_recreate_cm``: recursion, threads), and the outer
    scopes are a stack, so one object entered again inside itself restores each in turn."""

    __slots__ = ("name", "names", "outer")

    def __init__(self, names: GraphNames, name: str | None):
        self.names, self.name = names, name
        self.outer: list[str] = []

    def _recreate_cm(self) -> _NameScope:
        return _NameScope(self.names, self.name)

    def __enter__(self) -> str:
        g, name = self.names, self.name
        self.outer.append(g._scope)
        if name is None or name == "":
            g._scope = ""
        elif name.endswith("/"):
            g._scope = name[:-1]
        else:
            g._scope = g.unique_name(name)
        return (g._scope + "/") if g._scope else ""

    def __exit__(self, *exc) -> None:
        self.names._scope = self.outer.pop()
