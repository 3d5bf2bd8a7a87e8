"""Fetch structures: what ``Session.run`` was asked for, flattened and rebuilt.

``Session.run`` accepts a graph element (a Tensor, an Operation, a Variable, or a name such as
``"add:0"`` or ``"init"``) or any nesting of lists, tuples, namedtuples and dicts of them.  The
``FetchMapper`` flattens the structure into a list of *unique* leaves (a tensor fetched twice is
computed once, ``_uniquify_fetches`` in TensorFlow) and rebuilds the same structure from their
values: a list stays a list, a namedtuple keeps its type, a dict its type and keys, and a
fetched Operation gives None.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlcore.device import CPU, is_cuda_array, to_device

from .graph import Graph, Operation, Tensor


def _resolve(graph: Graph, f):
    """One leaf -> a Tensor or an Operation of ``graph``, with TensorFlow's errors."""
    if isinstance(f, (Tensor, Operation)):
        el = f
    elif f is None or not (isinstance(f, str) or hasattr(f, "_as_graph_element")):
        raise TypeError(f"Fetch argument {f!r} has invalid type {type(f)!r}, must be a string "
                        "or Tensor. (Can not convert a "
                        f"{type(f).__name__} into a Tensor or Operation.)"
                        if f is not None else
                        f"Fetch argument None has invalid type {type(None)!r}")
    else:
        try:
            el = graph.as_graph_element(f)
        except (KeyError, ValueError) as e:
            raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. "
                             f"({e.args[0] if e.args else e})") from None
    if el.graph is not graph:
        raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. ({el!r} is "
                         "not an element of this graph.)")
    return el


def _same(values: list) -> list:
    return values


class FetchMapper:
    """``leaves``: unique Tensors/Operations in first-seen order; ``rebuild(values)``: the
    user's structure filled with ``values[i]`` for leaf ``i`` (``values`` itself for a list of
    distinct leaves: pass a list the caller does not keep)."""

    def __init__(self, graph: Graph, fetches):
        self.leaves: list = []
        self._index: dict = {}
        self.rebuild: Callable
        if type(fetches) is list and _distinct_elements(graph, fetches, self._index):
            # a list of distinct Tensors and Operations of this graph (``sess.run([loss] +
            # grads)``, issue 19): what the loop below makes of it, without its calls
            self.leaves = list(fetches)
            self.rebuild = _same
            return
        self._index.clear()
        self.rebuild = self._build(graph, fetches)
        if type(fetches) is list and len(self.leaves) == len(fetches) and \
                all(not isinstance(f, (list, tuple, dict)) and
                    getattr(f, "_dlcore_fetch", None) is None for f in fetches):
            # a list of distinct leaves (``sess.run([loss, train_op])``): the values list,
            # in leaf order, is the result itself; the Session hands a fresh list each run
            self.rebuild = _same

    def _leaf(self, graph: Graph, f) -> int:
        el = _resolve(graph, f)
        i = self._index.get(el)
        if i is None:
            i = self._index[el] = len(self.leaves)
            self.leaves.append(el)
        return i

    def _build(self, graph: Graph, f) -> Callable:
        if isinstance(f, (list, tuple)):
            parts = [self._build(graph, x) for x in f]
            if isinstance(f, list):
                return lambda vals: [p(vals) for p in parts]
            if hasattr(f, "_fields"):                      # namedtuple
                typ = type(f)
                return lambda vals: typ(*[p(vals) for p in parts])
            typ = type(f)
            if typ is tuple:
                return lambda vals: tuple(p(vals) for p in parts)
            return lambda vals: typ(p(vals) for p in parts)
        if isinstance(f, dict):
            keys = list(f.keys())
            parts = [self._build(graph, f[k]) for k in keys]
            mtyp = type(f)
            if mtyp is dict:
                return lambda vals: {k: p(vals) for k, p in zip(keys, parts)}
            return lambda vals: mtyp((k, p(vals)) for k, p in zip(keys, parts))
        hook = getattr(f, "_dlcore_fetch", None)
        if hook is not None:           # e.g. a tf.summary op: its inputs, then a function of them
            inner, finish = hook()
            part = self._build(graph, inner)
            return lambda vals: finish(part(vals))
        i = self._leaf(graph, f)
        return lambda vals: vals[i]


def _distinct_elements(graph: Graph, fetches: list, index: dict) -> bool:
    """Are ``fetches`` distinct Tensors and Operations (exactly those types) of ``graph``?
    ``index`` gets each one's position (FetchMapper's ``_index``) meanwhile."""
    for i, f in enumerate(fetches):
        t = type(f)
        if t is Tensor:
            if f.op.graph is not graph:
                return False
        elif t is not Operation or f.graph is not graph:
            return False
        if f in index:
            return False
        index[f] = i
    return True


LEAF_TYPES: set = {Tensor, Operation, str}   # variables.py adds Variable


def fetch_key(fetches):
    """A hashable key for a fetch structure (leaves by identity), or None if it has none."""
    t = type(fetches)
    if t in LEAF_TYPES:
        return fetches
    if t is list or t is tuple:
        for x in fetches:
            if type(x) not in LEAF_TYPES:
                break
        else:
            return (t, *fetches)
    try:
        return _deep_key(fetches)
    except TypeError:
        return None


def _deep_key(f):
    if isinstance(f, (list, tuple)):
        return (type(f), tuple(_deep_key(x) for x in f))
    if isinstance(f, dict):
        return (type(f), tuple((k, _deep_key(v)) for k, v in f.items()))
    hash(f)
    return f


# ================================================================================== feed keys
def expands(key) -> bool:
    """A feed_dict key that stands for several tensors: a (named) tuple of them (an
    ``LSTMStateTuple``, a ``MultiRNNCell``'s state), or a value with a ``_dlcore_feed``
    expansion (a ``SparseTensor``: TensorFlow's ``_REGISTERED_EXPANSIONS``)."""
    return isinstance(key, tuple) or hasattr(key, "_dlcore_feed")


def flat_feeds(feed_dict) -> dict:
    """``feed_dict`` as TensorFlow-1's ``Session.run`` reads it (``nest.flatten_dict_items``,
    then each key's registered expansion): a tuple key and its value are flattened alike and
    fed element by element (their element counts must agree); a key with ``_dlcore_feed`` is
    replaced by the (key, value) pairs ``key._dlcore_feed(value)`` gives."""
    flat: dict = {}
    for k, v in feed_dict.items():
        if isinstance(k, tuple):
            ks, vs = _flatten(k), _flatten(v)
            if len(ks) != len(vs):
                raise ValueError(f"Could not flatten dictionary. Key had {len(ks)} elements, but "
                                 f"value had {len(vs)} elements. Key: {ks}, value: {vs}.")
            pairs: list = list(zip(ks, vs))
        else:
            pairs = [(k, v)]
        for k2, v2 in pairs:
            if k2 in flat:
                raise ValueError(f"Could not flatten dictionary: key {k2} is not unique.")
            flat[k2] = v2
    out: dict = {}
    for k, v in flat.items():
        hook = getattr(k, "_dlcore_feed", None)
        if hook is None:
            out[k] = v
        else:
            for k2, v2 in hook(v):      # (a later feed of the same tensor wins, as in TF)
                out[k2] = v2
    return out


def _flatten(x) -> list:
    """``nest.flatten`` of a key or a value: lists and tuples (namedtuples too) are walked,
    anything else (a tensor, an array, a number) is a leaf."""
    if not isinstance(x, (list, tuple)):
        return [x]
    out: list = []
    for e in x:
        out += _flatten(e)
    return out


def final_reads(plan, store) -> list:
    """TF1's (ref) variables: a fetched variable is its buffer, which the run's assign ops
    update in place, so ``sess.run([train_op, global_step])`` gives the step *after* the
    increment (1 on the first run), and ``[v.assign_add(1), v]`` the new value; TF's own
    hooks read ``global_step + 0`` (``_get_or_create_global_step_read``: "add 'zero' so that
    it will create a copy of variable as Tensor") to get the value before.  So, in a run that
    may assign variables, each fetched read of a variable (``v``, ``v.value()``, ``'v:0'``)
    gives its committed value at the end of the run (a copy).  ``(fetch index, value)``.
    ``tf.identity(v)`` and ``tf.stop_gradient(v)`` (chains of them) are such reads too: in
    TF1 ``v.read_value()`` *is* ``identity(v)``, and Identity/StopGradient forward the ref's
    buffer.  A fetch that was fed, or whose chain passes through a fed tensor, keeps the
    value the run gave it (TF returns the fed value)."""
    reads = plan.__dict__.get("_final_read_ops")
    if reads is None:
        fed = set(plan.fed)
        reads = plan._final_read_ops = tuple(
            (i, var) for i, t in enumerate(plan.fetches)
            if type(t) is Tensor and (var := _read_variable(t, fed)) is not None)
    out = []
    for i, var in reads:
        v = store.get(var)
        if v is not None:
            out.append((i, to_device(v, CPU) if is_cuda_array(v) else np.array(v)))
    return out


_FORWARDING = frozenset(("Identity", "StopGradient"))


def _read_variable(t: Tensor, fed: set):
    """The variable op whose buffer ``t`` is (a VariableRead seen through Identity and
    StopGradient ops), or None: another op, or a fed tensor on the way."""
    while t not in fed:
        op = t.op
        if op.type == "VariableRead":
            return op.attrs["variable"]
        if op.type not in _FORWARDING or len(op.inputs) != 1:
            return None
        t = op.inputs[0]
    return None


def with_values(res, at: list) -> tuple:
    """``res`` with the values ``at`` (index, value) in place of its own."""
    out = list(res)
    for i, v in at:
        out[i] = v
    return tuple(out)
