"""TF1's queue-based input pipelines: ``tf.FIFOQueue``/``tf.RandomShuffleQueue``,
``tf.train.QueueRunner``, ``tf.train.slice_input_producer``/``input_producer``/
``string_input_producer``/``range_input_producer``, ``tf.train.batch``/``shuffle_batch``.

TensorFlow fills its queues from threads (``tf.train.start_queue_runners``) that run each
queue runner's enqueue op over and over.  Here nothing runs in the background: a dequeue that
finds too few elements runs the queue's runners' enqueue ops itself, in nested runs of the same
Session, until it has enough or an enqueue raises ``OutOfRangeError`` (the end of the input:
the queue is closed, as TF's QueueRunner closes it).  The values are those TF's threads would
produce; only the interleaving differs (one enqueue at a time, so a RandomShuffleQueue mixes
like a single-threaded TF pipeline).  ``start_queue_runners`` returns no threads and
``Coordinator`` works as usual.

Queue contents live in the Session (two Sessions have separate queues, as TF's resources).
``num_epochs`` makes TF's local variable ``<scope>/limit_epochs/epochs``: run
``tf.local_variables_initializer()`` first (else TF's FailedPreconditionError); the producer
raises ``OutOfRangeError`` after that many epochs.  After the last full batch, a dequeue raises
TF's ``OutOfRangeError`` "FIFOQueue '...' is closed and has insufficient elements (requested 4,
current size 2)", or gives the smaller final batch with ``allow_smaller_final_batch=True``.
A dequeue on an empty queue that nothing can fill (TF would block for ever) raises
``DeadlineExceededError``.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from dlcore.registry import AVal

from . import dtypes as _dtypes
from . import plan as _plan
from .errors import DeadlineExceededError, OutOfRangeError, node_suffix
from .frontend import to_tensor
from .graph import Operation, Tensor, TensorShape, get_default_graph
from .runtime import replaying

__all__ = ["FIFOQueue", "QueueRunner", "RandomShuffleQueue", "add_queue_runner"]

_STATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # session -> {queue: state}
_LOCK = threading.RLock()
QUEUE_RUNNERS = "queue_runners"


class _QueueState:
    __slots__ = ("buf", "closed", "done", "filling", "last", "rng")

    def __init__(self, seed):
        self.done: set = set()
        self.filling = False
        self.buf: list = []
        self.closed = False
        self.last = None
        self.rng = np.random.RandomState(seed)


def _state(session, queue) -> _QueueState:
    d = _STATE.get(session)
    if d is None:
        d = _STATE[session] = {}
    st = d.get(queue)
    if st is None:
        st = d[queue] = _QueueState(queue._seed)
    return st


class QueueBase:
    """A queue of elements (tuples of arrays, one per component) held per Session."""

    _kind = "FIFOQueue"

    def __init__(self, capacity, dtypes, shapes=None, names=None, shared_name=None,
                 name=None, min_after_dequeue=0, seed=None):
        g = get_default_graph()
        many = isinstance(dtypes, (list, tuple))
        self._dtypes = [_dtypes.as_np(d) for d in (dtypes if many else [dtypes])]
        self._shapes: list[tuple | None]
        if shapes is None:
            self._shapes = [None] * len(self._dtypes)
        else:
            sh = list(shapes) if many or (shapes and isinstance(shapes[0], (list, tuple,
                                                                            TensorShape))) \
                else [shapes]
            self._shapes = [None if s is None else tuple(TensorShape(s).as_list()) for s in sh]
        self._names = list(names) if names else None
        self.capacity = int(capacity)
        self._min_after = int(min_after_dequeue)
        self._seed = seed
        self._runners: list = []
        default = "random_shuffle_queue" if self._kind == "RandomShuffleQueue" else "fifo_queue"
        self.name = g.unique_name(name or default)
        self._graph = g

    @property
    def dtypes(self) -> list:
        return [_dtypes.as_dtype(d) for d in self._dtypes]

    @property
    def shapes(self) -> list:
        return [TensorShape(None if s is None else list(s)) for s in self._shapes]

    @property
    def names(self):
        return self._names

    def _flat(self, vals) -> list:
        if isinstance(vals, dict):
            vals = [vals[k] for k in (self._names or sorted(vals))]
        elif not isinstance(vals, (list, tuple)):
            vals = [vals]
        if len(vals) != len(self._dtypes):
            raise ValueError(f"Expected {len(self._dtypes)} components, got {len(vals)}")
        return [to_tensor(v, self._graph, dtype_hint=dt) for v, dt in zip(vals, self._dtypes)]

    def enqueue(self, vals, name=None) -> Operation:
        """Add one element (run: the element's values are appended)."""
        return self._enqueue_op(vals, False, name or "enqueue")

    def enqueue_many(self, vals, name=None) -> Operation:
        """Add the rows of ``vals`` (split along their first dimension) as elements."""
        return self._enqueue_op(vals, True, name or "enqueue_many")

    def _enqueue_op(self, vals, many, name):
        ts = self._flat(vals)
        g = self._graph
        with g.name_scope(self.name + "/"):
            return Operation(g, "QueueEnqueueManyV2" if many else "QueueEnqueueV2",
                             g.unique_name(name), ts, [], attrs={"queue": self, "many": many})

    def _dequeue_op(self, n, up_to, name, what):
        g = self._graph
        lead = () if n is None else ((None,) if up_to else (int(n),))
        avals = [AVal(lead + (s if s is not None else ()), dt)
                 for s, dt in zip(self._shapes, self._dtypes)]
        # (a name ending in "/" is a scope's own name, used as it is, as TensorFlow does)
        if name is None:                # TF's default: "<queue's name>_Dequeue", unscoped
            with g.name_scope(None):
                full = g.unique_name(f"{self.name}_{what}")
        else:
            full = name[:-1] if name.endswith("/") else g.unique_name(name)
        op = Operation(g, "QueueDequeueUpToV2" if up_to else "QueueDequeueManyV2" if n is not None
                       else "QueueDequeueV2", full, [], avals,
                       attrs={"queue": self, "n": n, "up_to": up_to,
                              "unknown_rank": any(s is None for s in self._shapes)})
        outs = list(op.outputs)
        if self._names:
            return dict(zip(self._names, outs))
        return outs[0] if len(outs) == 1 else outs

    def dequeue(self, name=None):
        """One element (a tensor, or a list of them for several components)."""
        return self._dequeue_op(None, False, name, "Dequeue")

    def dequeue_many(self, n, name=None):
        """``n`` elements stacked along a new first dimension."""
        return self._dequeue_op(n, False, name, "DequeueMany")

    def dequeue_up_to(self, n, name=None):
        """As ``dequeue_many``; when the queue is closed, fewer (the rest) rather than none."""
        return self._dequeue_op(n, True, name, "DequeueUpTo")

    def size(self, name=None) -> Tensor:
        g = self._graph
        op = Operation(g, "QueueSizeV2", g.unique_name(name or f"{self.name}_Size"), [],
                       [AVal((), np.dtype(np.int32))], attrs={"queue": self})
        return op.outputs[0]

    def close(self, cancel_pending_enqueues=False, name=None) -> Operation:
        g = self._graph
        return Operation(g, "QueueCloseV2", g.unique_name(name or f"{self.name}_Close"), [],
                         [], attrs={"queue": self})

    # -- the run-time side (called by the executors below)
    def _take(self, op, session, n, up_to):
        st = _state(session, self)
        want = 1 if n is None else n
        need = want + (self._min_after if self._kind == "RandomShuffleQueue" else 0)
        while len(st.buf) < need and not st.closed:
            if not self._runners:
                break
            st.filling = True           # (TF's runner threads: past capacity, they wait)
            ops = [enq for r in self._runners for enq in r.enqueue_ops]
            try:
                for enq in ops:             # each op's "thread" ends at its OutOfRangeError;
                    if enq in st.done:      # the queue closes when all have (TF's runner)
                        continue
                    try:
                        _runner_run(session, enq)
                    except OutOfRangeError:
                        st.done.add(enq)
            finally:
                st.filling = False
            if all(enq in st.done for enq in ops):
                st.closed = True
        if len(st.buf) < want or (not st.closed and len(st.buf) < need and self._runners):
            if st.closed:
                if up_to and st.buf:
                    want = len(st.buf)
                else:
                    raise OutOfRangeError(None, op, f"{self._kind} '{self.name}' is closed and "
                                          f"has insufficient elements (requested {want}, "
                                          f"current size {len(st.buf)}){node_suffix(op)}")
            elif len(st.buf) < want:
                raise DeadlineExceededError(None, op, f"{self._kind} '{self.name}' has "
                                            f"{len(st.buf)} elements, {want} requested, and no "
                                            "queue runner to fill it (TensorFlow would wait "
                                            f"for ever){node_suffix(op)}")
        if self._kind == "RandomShuffleQueue":
            pick = sorted(st.rng.choice(len(st.buf), want, replace=False).tolist(),
                          reverse=True)
            elems = [st.buf.pop(i) for i in pick]
        else:
            elems, st.buf[:want] = st.buf[:want], []
        return elems

    def _put(self, session, elems, op=None) -> None:
        st = _state(session, self)
        if st.closed:
            raise _closed_error(self, op)
        if not st.filling and len(st.buf) + len(elems) > self.capacity:
            raise DeadlineExceededError(None, op, f"{self._kind} '{self.name}' is full "
                                        f"(capacity {self.capacity}, {len(st.buf)} queued, "
                                        f"{len(elems)} more) and nothing dequeues from it "
                                        "(TensorFlow would wait for ever)"
                                        f"{node_suffix(op)}")
        st.buf.extend(elems)


def _runner_run(session, enq) -> None:
    """``session.run(enq)`` as a queue runner's thread would: with its own pending variable
    writes (committed or discarded by that run alone), not those of the run that dequeues."""
    local = session.variables.local
    outer = local.staged
    local.staged = {}
    try:
        session.run(enq)
    finally:
        local.staged = outer


def _closed_error(q, op):
    from .errors import CancelledError
    return CancelledError(None, op, f"{q._kind} '{q.name}' is closed.{node_suffix(op)}")


class FIFOQueue(QueueBase):
    """``tf.FIFOQueue(capacity, dtypes, shapes=None, names=None)``: first in, first out."""

    _kind = "FIFOQueue"


class RandomShuffleQueue(QueueBase):
    """``tf.RandomShuffleQueue(capacity, min_after_dequeue, dtypes, shapes=None, seed=None)``:
    each dequeue takes elements at random, leaving at least ``min_after_dequeue`` until the
    queue is closed."""

    _kind = "RandomShuffleQueue"

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None, seed=None,
                 shared_name=None, name=None):
        super().__init__(capacity, dtypes, shapes, names, shared_name, name,
                         min_after_dequeue=min_after_dequeue, seed=seed)


class QueueRunner:
    """``tf.train.QueueRunner(queue, enqueue_ops)``: the ops that fill ``queue`` (run here by
    the queue's dequeues when they need elements; see the module docstring)."""

    def __init__(self, queue=None, enqueue_ops=None, close_op=None, cancel_op=None,
                 queue_closed_exception_types=None, queue_runner_def=None, import_scope=None):
        self.queue = queue
        ops: list = []
        for op in enqueue_ops or []:    # (threads running one op: that op, once a turn)
            if op not in ops:
                ops.append(op)
        self.enqueue_ops = ops
        queue._runners.append(self)

    def create_threads(self, sess, coord=None, daemon=False, start=False) -> list:
        return []


def add_queue_runner(qr, collection=QUEUE_RUNNERS) -> None:
    """``tf.train.add_queue_runner``: add ``qr`` to the default graph's collection (the queue
    runners' collection unless told otherwise), where ``start_queue_runners`` finds it."""
    get_default_graph().add_to_collection(collection, qr)


# ----------------------------------------------------------------------------- executors
def _element_rows(op, values, many):
    vals = [np.asarray(v) for v in values]
    if not many:
        return [tuple(vals)]
    n = {v.shape[0] if v.ndim else -1 for v in vals}
    if len(n) != 1 or -1 in n:
        from .errors import InvalidArgumentError
        raise InvalidArgumentError(None, op, "enqueue_many: the components must have one first "
                                   f"dimension, got shapes {[v.shape for v in vals]}"
                                   f"{node_suffix(op)}")
    return [tuple(v[i] for v in vals) for i in range(n.pop())]


def _enqueue_factory(op: Operation, session, device):
    q, many = op.attrs["queue"], op.attrs["many"]

    def enqueue(*values):
        with _LOCK:
            q._put(session, _element_rows(op, values, many), op)
        return ()
    return enqueue, {}


def _stack(q, elems, n_given):
    out = []
    for k, dt in enumerate(q._dtypes):
        parts = [np.asarray(e[k], dtype=dt) for e in elems]
        if n_given is None:
            out.append(parts[0])
            continue
        shapes = {p.shape for p in parts}
        if len(shapes) > 1 and getattr(q, "_pad", False):
            nd = parts[0].ndim
            top = tuple(max(p.shape[i] for p in parts) for i in range(nd))
            fill = b"" if dt.kind == "O" else 0
            parts = [np.pad(p, [(0, t - s) for s, t in zip(p.shape, top)],
                            constant_values=fill) if p.shape != top else p for p in parts]
        out.append(np.stack(parts) if parts else np.zeros((0,) + (q._shapes[k] or ()), dt))
    return out[0] if len(out) == 1 else tuple(out)


def _dequeue_factory(op: Operation, session, device):
    q, n, up_to = op.attrs["queue"], op.attrs["n"], op.attrs["up_to"]

    def dequeue():
        with _LOCK:
            st = _state(session, q)
            if replaying() and st.last is not None:     # the compiler's re-run of this run
                if isinstance(st.last, BaseException):
                    raise st.last
                return st.last
            try:
                elems = q._take(op, session, n, up_to)
            except Exception as e:
                st.last = e
                raise
            st.last = _stack(q, elems, n)
            return st.last
    return dequeue, {}


def _size_factory(op: Operation, session, device):
    q = op.attrs["queue"]
    return (lambda: np.int32(len(_state(session, q).buf))), {}


def _close_factory(op: Operation, session, device):
    q = op.attrs["queue"]

    def close():
        _state(session, q).closed = True
        return ()
    return close, {}


for _t in ("QueueEnqueueV2", "QueueEnqueueManyV2"):
    _plan.EXECUTORS[_t] = _enqueue_factory
for _t in ("QueueDequeueV2", "QueueDequeueManyV2", "QueueDequeueUpToV2"):
    _plan.EXECUTORS[_t] = _dequeue_factory
    _plan.HOISTED_TYPES.add(_t)
_plan.EXECUTORS["QueueSizeV2"] = _size_factory
_plan.EXECUTORS["QueueCloseV2"] = _close_factory
