"""Iterators: the graph ops that start a dataset in a Session and take its next element.

- ``IteratorGetNext`` (``iterator.get_next()``): a host op whose outputs are the flat
  components of one element.  Each run that needs it executes it once (one value per tensor
  per run), so every consumer of one ``get_next()`` in a run sees the same element and the
  iterator advances once per run.  The plan runs it before every other op of the run
  (``plan.HOISTED_TYPES``), so when the data is exhausted it raises
  ``tf.errors.OutOfRangeError`` ("End of sequence") before anything else has run, and the
  run's staged variable writes are discarded: nothing is half-applied.  An element whose making
  failed (a map function raised: ``base.ElementError``) is that run's error only; the next
  run goes on with the next element, as TF 1.15's.  A Ctrl-C from the start of ``get_next``
  to the run's end is held back (``runtime.hold_to_run_end``: an exception thrown into the
  pipeline's generators would end them, and a run cut after taking an element loses it); a
  second Ctrl-C is delivered at once.
- ``MakeIterator`` (``iterator.initializer``, ``iterator.make_initializer(dataset)``): its
  inputs are the tensors the dataset captures (placeholders fed in that run, tensors computed
  in it); it evaluates nothing else, and (re)starts the iterator with their values.

Feedable iterators: ``it.string_handle()`` (an ``IteratorToStringHandle`` op) gives a scalar
``tf.string`` naming ``it``; an iterator made by ``Iterator.from_string_handle(handle, types,
shapes)`` has a ``get_next`` whose input is that (fed) handle, and takes the next element of
the named iterator in that run, so one ``get_next`` switches between datasets by feed.

Iterator state lives in the Session (``_STATE``: Session -> {iterator: state}, held weakly), so
two Sessions on one graph iterate independently, and re-running an initializer restarts only
that Session's iterator.  A one-shot iterator starts itself on its first ``get_next`` in each
Session.  The state's lock serialises ``get_next`` of one iterator across threads.
"""

from __future__ import annotations

import itertools
import threading
import weakref

import numpy as np

from dlcore.device import CPU, to_device
from dlcore.registry import AVal

from .. import plan as _plan
from ..errors import (
    FailedPreconditionError,
    InvalidArgumentError,
    OpError,
    OutOfRangeError,
    node_suffix,
)
from ..graph import Operation, get_default_graph
from ..runtime import hold_to_run_end, replaying, wrap_error
from .base import REGISTRY, Context, Dataset, ElementError
from .structure import Spec, SpecView, shape_compatible

_STATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_STATE_LOCK = threading.Lock()
# string_handle() values -> their iterators (held weakly: a handle outlives no graph)
_HANDLES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_HANDLE_IDS = itertools.count()


class _IteratorState:
    __slots__ = ("gen", "last", "lock", "broken")

    def __init__(self, gen):
        self.gen = gen
        self.lock = threading.Lock()
        self.last: dict = {}        # thread id -> the outcome of its latest get_next
        # the name of what ended the pipeline's generators mid-element (a KeyboardInterrupt
        # raised inside them: a second Ctrl-C), or None; the rest of the epoch is lost
        self.broken: str | None = None


def _states(session) -> dict:
    with _STATE_LOCK:
        d = _STATE.get(session)
        if d is None:
            d = _STATE[session] = {}
        return d


def _start(session, iterator, dataset: Dataset, values) -> _IteratorState:
    ctx = Context(session, dict(zip(dataset._captures(), values)))
    dataset._check(ctx)
    st = _IteratorState(dataset._iterate(ctx))
    _states(session)[iterator] = st
    return st


#: Starting a one-shot iterator (its first ``get_next`` or ``string_handle`` in a Session) is
#: one step across threads: two concurrent first runs each started their own generator, and
#: the later one replaced the earlier, so elements came twice.  Re-entrant: starting one may
#: evaluate a captured tensor that starts another.
_START_LOCK = threading.RLock()


def _started(session, iterator, dataset: Dataset, values) -> _IteratorState:
    """``iterator``'s state in ``session``, started from ``dataset`` if it has none yet."""
    states = _states(session)
    st = states.get(iterator)
    if st is None:
        with _START_LOCK:
            st = states.get(iterator)
            if st is None:
                st = _start(session, iterator, dataset, values)
    return st


class Iterator(SpecView):
    """A TensorFlow 1 ``tf.data.Iterator`` (graph mode).  Made by
    ``dataset.make_one_shot_iterator()``, ``dataset.make_initializable_iterator()`` or
    ``Iterator.from_structure(output_types, output_shapes)`` (then ``make_initializer(ds)``
    for each dataset it will iterate: the "reinitializable" pattern)."""

    def __init__(self, spec: Spec, dataset: Dataset | None = None, one_shot: bool = False,
                 name: str = "Iterator"):
        self._spec = spec
        self._one_shot = dataset if one_shot else None
        self.graph = get_default_graph()
        self._name = self.graph.unique_name(name)
        self._initializer = None
        self._handle: bytes | None = None             # string_handle()'s value, once made
        self._feed_handle = None                      # from_string_handle: the handle tensor
        if dataset is not None and not one_shot:
            self._initializer = self.make_initializer(dataset)

    # -- what the elements look like

    @property
    def element_spec(self):
        return self._spec.structure.pack(list(zip(self._spec.shapes, self._spec.dtypes)))

    @property
    def initializer(self) -> Operation:
        """The op that (re)starts this iterator on its dataset."""
        if self._initializer is None:
            raise ValueError("Iterator does not have an initializer: it was made by "
                             "make_one_shot_iterator (initialised on first use) or "
                             "Iterator.from_structure (use make_initializer(dataset))")
        return self._initializer

    def __repr__(self) -> str:
        return (f"<Iterator {self._name} shapes: {self._spec.describe_shapes()}, types: "
                f"{self._spec.describe_types()}>")

    # -- ops
    def make_initializer(self, dataset: Dataset, name: str | None = None) -> Operation:
        """An op that starts this iterator on ``dataset`` (same types, compatible shapes)."""
        if not isinstance(dataset, Dataset):
            raise TypeError(f"make_initializer: expected a Dataset, got "
                            f"{type(dataset).__name__}")
        mine, theirs = self._spec, dataset._spec
        if not mine.structure.same_as(theirs.structure) or mine.dtypes != theirs.dtypes:
            raise TypeError(f"Expected output types {mine.describe_types()} but got dataset "
                            f"with output types {theirs.describe_types()}.")
        if not all(shape_compatible(b, a) for a, b in zip(mine.shapes, theirs.shapes)):
            raise TypeError(f"Expected output shapes compatible with "
                            f"{mine.describe_shapes()} but got dataset with output shapes "
                            f"{theirs.describe_shapes()}.")
        g = self.graph
        caps = dataset._captures()
        op = Operation(g, "MakeIterator", g.unique_name(name or "MakeIterator"), caps, [],
                       attrs={"iterator": self, "dataset": dataset})
        return op

    def get_next(self, name: str | None = None):
        """The next element as graph tensors, in the dataset's structure (tuples, dicts) and
        static shapes.  Every run that needs them advances the iterator once; at the end the
        run raises ``tf.errors.OutOfRangeError``."""
        g = self.graph
        spec = self._spec
        inputs = self._one_shot._captures() if self._one_shot is not None else []
        if self._feed_handle is not None:
            inputs = [self._feed_handle]
        avals = [AVal(() if s is None else tuple(s), dt) for dt, s in
                 zip(spec.dtypes, spec.shapes)]
        op = Operation(g, "IteratorGetNext", g.unique_name(name or "IteratorGetNext"), inputs,
                       avals, attrs={"iterator": self, "shapes": spec.shapes})
        outs = list(op.outputs)
        for k, s in enumerate(spec.shapes):
            if s is None:                       # unknown rank: one op marked as such
                comp = Operation(g, "IteratorComponent", g.unique_name(f"{op.name}/component"),
                                 [outs[k]], [AVal((), spec.dtypes[k])],
                                 attrs={"unknown_rank": True})
                outs[k] = comp.outputs[0]
        return spec.structure.pack(outs)

    def string_handle(self, name=None):
        """A scalar ``tf.string`` naming this iterator, to feed to an iterator made by
        ``from_string_handle`` (the "feedable" pattern: one ``get_next`` switched between
        datasets by a fed handle).  Running it starts a one-shot iterator, as TensorFlow's."""
        g = self.graph
        if self._handle is None:
            self._handle = f"dlcore-iterator-{next(_HANDLE_IDS)}:{self._name}".encode()
            _HANDLES[self._handle] = self
        inputs = self._one_shot._captures() if self._one_shot is not None else []
        op = Operation(g, "IteratorToStringHandle",
                       g.unique_name(name or f"{self._name}/IteratorToStringHandle"), inputs,
                       [AVal((), np.dtype(object))], attrs={"iterator": self})
        op.device = CPU
        return op.outputs[0]

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None,
                           output_classes=None) -> Iterator:
        """An iterator whose ``get_next`` takes the next element of the iterator named by the
        fed ``string_handle`` (a scalar ``tf.string``, usually a placeholder) in each run; that
        iterator's element types must be ``output_types``."""
        h = string_handle._as_graph_element() if hasattr(string_handle, "_as_graph_element") \
            else string_handle
        if not hasattr(h, "aval") or h.aval.dtype != np.dtype(object) or h.aval.shape != ():
            raise TypeError(f"Iterator.from_string_handle: string_handle must be a scalar "
                            f"tf.string tensor, got {h!r}")
        it = Iterator(Spec.declared(output_types, output_shapes, "Iterator.from_string_handle"),
                      name="Iterator")
        it._feed_handle = h
        return it

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None,
                       output_classes=None) -> Iterator:
        """An iterator not bound to a dataset: ``make_initializer(dataset)`` gives the op
        that starts it on one (train/validation datasets of one structure)."""
        return Iterator(Spec.declared(output_types, output_shapes, "Iterator.from_structure"))


def _uninitialized(op) -> FailedPreconditionError:
    return FailedPreconditionError(
        None, op, "GetNext() failed because the iterator has not been initialized. Ensure "
        "that you have run the initializer operation for this iterator before getting the "
        "next element." + node_suffix(op))


def _get_next_factory(op: Operation, session, device):
    it: Iterator = op.attrs["iterator"]
    shapes = op.attrs["shapes"]
    n = len(op.outputs)
    on_host = device.type == "cpu"
    dtypes = it._spec.dtypes

    def get_next(*captured):
        target = it if it._feed_handle is None else _by_handle(op, it, captured[0])
        st = _states(session).get(target)
        if st is None:
            if target._one_shot is None or (target is not it and target._one_shot._captures()):
                raise _uninitialized(op)
            st = _started(session, target, target._one_shot, captured if target is it else ())
        tid = threading.get_ident()
        if replaying() and tid in st.last:      # the compiler's re-run of this same run
            out = st.last[tid]
            if isinstance(out, BaseException):
                raise out
            return out
        with st.lock:
            # a Ctrl-C waits for the run's end (one thrown into the generators ends them, and
            # a run cut after taking the element loses it: TF1's run is one C++ call)
            hold_to_run_end(session)
            if st.broken is not None:
                broken = st.last[tid] = _broken(op, st.broken)
                raise broken
            try:
                elem = next(st.gen)
            except StopIteration:
                end = st.last[tid] = OutOfRangeError(None, op,
                                                     "End of sequence" + node_suffix(op))
                raise end from None
            except Exception as e:  # noqa: BLE001 - re-raised as the node's error
                err = st.last[tid] = _element_error(e, op)
                raise err from None
            except BaseException as e:
                # (a Ctrl-C raised inside the generators ended them: later get_nexts must not
                # say "End of sequence" for an epoch cut short)
                st.broken = type(e).__name__
                raise
            if type(elem) is ElementError:      # that element's error; the next goes on
                err = st.last[tid] = _element_error(elem.error, op)
                raise err from None
        for k, v in enumerate(elem):
            if type(v) is not np.ndarray or v.dtype != dtypes[k]:
                elem = tuple(np.asarray(x, dt) for x, dt in zip(elem, dtypes))
                break
        for v, s in zip(elem, shapes):
            if s is not None and not shape_compatible(v.shape, s):
                raise InvalidArgumentError(None, op, f"IteratorGetNext: an element component "
                                           f"has shape {v.shape}, expected {s}"
                                           f"{node_suffix(op)}")
        if not on_host:                 # strings stay on the host (their consumers are there)
            elem = tuple(v if v.dtype.kind == "O" else to_device(v, device) for v in elem)
        out = st.last[tid] = elem[0] if n == 1 else elem
        return out
    return get_next, {}


def _broken(op, what: str) -> FailedPreconditionError:
    return FailedPreconditionError(
        None, op, f"GetNext() failed because the iterator's input pipeline was interrupted "
        f"({what}) while making an element, so the rest of its epoch is lost; run the "
        f"iterator's initializer (a one-shot iterator: make a new one) to start it again"
        + node_suffix(op))


def _element_error(e: Exception, op) -> BaseException:
    """A dataset's error as this get_next node's: a stage's OpError (no node) renamed, a map
    plan's error (naming its node) as it is, any other exception wrapped."""
    if isinstance(e, OpError) and e.op is None:
        return type(e)(None, op, f"{e.message}{node_suffix(op)}")
    return wrap_error(e, op)


def _by_handle(op: Operation, it: Iterator, handle) -> Iterator:
    """The iterator a fed string handle names, checked against ``it``'s element types."""
    key = np.asarray(handle).item() if not isinstance(handle, bytes) else handle
    target = _HANDLES.get(key) if isinstance(key, bytes) else None
    if target is None:
        raise InvalidArgumentError(None, op, f"Unable to find an iterator for the string "
                                   f"handle {key!r} (feed the value of an iterator's "
                                   f"string_handle()){node_suffix(op)}")
    mine, theirs = it._spec, target._spec
    if not mine.structure.same_as(theirs.structure) or mine.dtypes != theirs.dtypes:
        raise InvalidArgumentError(None, op, f"The iterator of handle {key!r} has output types "
                                   f"{theirs.describe_types()}, but this iterator expects "
                                   f"{mine.describe_types()}{node_suffix(op)}")
    return target


def _string_handle_factory(op: Operation, session, device):
    it: Iterator = op.attrs["iterator"]
    value = np.empty((), dtype=object)
    value[()] = it._handle

    def string_handle(*captured):
        if it._one_shot is not None and it not in _states(session):
            _started(session, it, it._one_shot, captured)
        return value
    return string_handle, {}


def _make_iterator_factory(op: Operation, session, device):
    it, dataset = op.attrs["iterator"], op.attrs["dataset"]

    def make_iterator(*args):
        values = list(args)
        if device.type != "cpu":
            values = [np.asarray(to_device(v, CPU)) for v in values]
        try:
            _start(session, it, dataset, values)
        except OpError as e:
            if e.op is None:            # a dataset's check: name this node
                raise type(e)(None, op, f"{e.message}{node_suffix(op)}") from None
            raise
        return ()
    return make_iterator, {}


def _identity(x):
    return x


_plan.EXECUTORS["IteratorGetNext"] = _get_next_factory
_plan.EXECUTORS["MakeIterator"] = _make_iterator_factory
_plan.EXECUTORS["IteratorComponent"] = lambda op, s, d: (_identity, {})
_plan.EXECUTORS["IteratorToStringHandle"] = _string_handle_factory
_plan.HOISTED_TYPES.add("IteratorGetNext")


def _placeholders_behind(tensors) -> list:
    ops = _plan.prune(list(tensors), [], set())
    return [op for op in ops if op.type == "Placeholder"]


def make_one_shot_iterator(dataset: Dataset) -> Iterator:
    """``dataset.make_one_shot_iterator()``: starts on its first ``get_next`` in a Session.
    A dataset that captures a placeholder needs an initializable iterator (TF1's rule)."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"make_one_shot_iterator: expected a Dataset, got "
                        f"{type(dataset).__name__}")
    phs = _placeholders_behind(dataset._captures())
    if phs:
        raise ValueError(
            "Failed to create a one-shot iterator for a dataset. "
            "`Dataset.make_one_shot_iterator()` does not support datasets that capture "
            "stateful objects, such as a `Variable` or `LookupTable`. In these cases, use "
            "`Dataset.make_initializable_iterator()`. (Original error: Cannot capture a "
            f"placeholder (name:{phs[0].name}, type:Placeholder) by value.)")
    return Iterator(dataset._spec, dataset, one_shot=True, name="OneShotIterator")


def make_initializable_iterator(dataset: Dataset, shared_name=None) -> Iterator:
    """``dataset.make_initializable_iterator()``: run ``iterator.initializer`` (with the
    feeds of the placeholders the dataset captures) to start or restart it."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"make_initializable_iterator: expected a Dataset, got "
                        f"{type(dataset).__name__}")
    return Iterator(dataset._spec, dataset, name="Iterator")


def get_output_types(dataset_or_iterator):
    """``tf.compat.v1.data.get_output_types``: the element's dtypes, in its structure."""
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator):
    """``tf.compat.v1.data.get_output_shapes``: the element's static TensorShapes."""
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator):
    """``tf.compat.v1.data.get_output_classes``: ``tf.Tensor`` at every leaf."""
    return dataset_or_iterator.output_classes


REGISTRY["make_one_shot_iterator"] = make_one_shot_iterator
REGISTRY["make_initializable_iterator"] = make_initializable_iterator

__all__ = ["Iterator", "get_output_classes", "get_output_shapes",
           "get_output_types", "make_initializable_iterator", "make_one_shot_iterator"]
