"""TF1's queue-based input pipelines: ``tf.FIFOQueue``/``tf.RandomShuffleQueue``,
``tf.train.QueueRunner``, ``tf.train.slice_input_producer``/``input_producer``/
``string_input_producer``/``range_input_producer``, ``tf.train.batch``/``shuffle_batch``.

TensorFlow fills its queues from threads (``tf.train.start_queue_runners``) that run each
queue runner's enqueue op over and over.  Here a queue runner's ops run in no background
thread: a dequeue that finds too few elements runs the queue's runners' enqueue ops itself, in
nested runs of the same Session (each with its own pending variable writes), until it has enough
or an enqueue raises ``OutOfRangeError`` (the end of the input: the queue is closed, as TF's
QueueRunner closes it).  The values are those TF's threads would produce; only the interleaving
differs.  ``start_queue_runners`` returns no threads and ``Coordinator`` works as usual.

Queues fed by the user's own threads (TF1's Queues guide: a thread runs ``sess.run(enqueue,
feed)`` while the main thread dequeues) wait as TF's: an enqueue while the queue is full, a
dequeue while it holds too few elements (a RandomShuffleQueue: fewer than ``n +
min_after_dequeue``) and is not closed; ``close`` wakes them all.  Each queue's state has its
own lock and condition, released while a dequeue runs the runners and while it waits (a run
that assigns variables holds the Session's variable lock meanwhile: a producer thread whose
enqueue run also assigns variables waits for it).

Bad input as TF 1.15: an enqueue whose static shapes or dtypes the queue cannot take is a
ValueError when built (a Python float for an int queue: TypeError); a fed value of the wrong
shape is refused when run ("Shape mismatch in tuple component 0. Expected [3], got [2]"); a
negative capacity means no limit; a RandomShuffleQueue's ``min_after_dequeue`` not below its
capacity is refused when first used.

Queue contents live in the Session (two Sessions have separate queues, as TF's resources).
``num_epochs`` makes TF's local variable ``<scope>/limit_epochs/epochs``: run
``tf.local_variables_initializer()`` first (else TF's FailedPreconditionError); the producer
raises ``OutOfRangeError`` after that many epochs.  After the last full batch, a dequeue raises
TF's ``OutOfRangeError`` "FIFOQueue '...' is closed and has insufficient elements (requested 4,
current size 2)", or gives the smaller final batch with ``allow_smaller_final_batch=True``.
A wait that no other thread could end (none alive, or none alive that has used the queue
within ``_GRACE_S`` of the wait's start; TF would block for ever) raises ``DeadlineExceededError``.
"""

from __future__ import annotations

import threading
import time
import weakref

import numpy as np

from dlcore.registry import AVal

from . import dtypes as _dtypes
from ._queue_values import check_python_value
from .errors import CancelledError, DeadlineExceededError, OutOfRangeError, node_suffix
from .frontend import to_tensor
from .graph import Operation, Tensor, TensorShape, get_default_graph
from .runtime import hold_to_run_end

__all__ = ["FIFOQueue", "QueueRunner", "RandomShuffleQueue", "add_queue_runner"]

_STATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # session -> {queue: state}
_LOCK = threading.RLock()
QUEUE_RUNNERS = "queue_runners"


# A thread that waits on a queue (TF's blocking enqueue/dequeue) gives up with
# DeadlineExceededError when no other thread could ever change the queue: none is alive, or
# none alive has used the queue within _GRACE_S of the wait's start (a producer thread that
# has not run its first enqueue yet).  A wait with such a thread alive lasts until it acts.
_GRACE_S = 1.0
_POLL_S = 0.05


def seed_pair(graph_seed, op_seed, index):
    """A RandomState seed from TF's graph/op seeds (None: OS-seeded): as random ops, a graph
    seed alone gives each op its own deterministic seed (its index in the graph)."""
    if graph_seed is None and op_seed is None:
        return None
    return [87654321 if graph_seed is None else int(graph_seed) % 2**32,
            int(index if op_seed is None else op_seed) % 2**32]


class _QueueState:
    __slots__ = ("buf", "cancelled", "closed", "cond", "done", "filler", "last", "rng", "users")

    def __init__(self, seed):
        self.done: set = set()
        self.filler = None              # the thread running the queue's runners, if any
        self.buf: list = []
        self.closed = False
        self.cancelled = False          # close(cancel_pending_enqueues=True)
        self.last: dict = {}            # (op, thread) -> its last dequeue (compiler replays)
        self.rng = np.random.RandomState(seed)
        self.cond = threading.Condition(threading.RLock())
        self.users: set = set()         # threads that ran an op of this queue


def _wait(st: _QueueState, ready) -> bool:
    """Wait on ``st.cond`` (held) until ``ready()``; False when no other thread could make it
    so (see _GRACE_S)."""
    me = threading.get_ident()
    start = time.monotonic()
    while not ready():
        if threading.active_count() <= 1:
            return False
        alive = {t.ident for t in threading.enumerate()}
        alive.discard(me)
        # the main thread, alive, may still act (a consumer busy restoring a checkpoint)
        if not ((st.users | {threading.main_thread().ident}) & alive) and time.monotonic() - start >= _GRACE_S:
            return False
        st.cond.wait(_POLL_S)
    return True


def _state(session, queue) -> _QueueState:
    with _LOCK:
        d = _STATE.get(session)
        if d is None:
            d = _STATE[session] = {}
        st = d.get(queue)
        if st is None:
            st = d[queue] = _QueueState(queue._rng_seed)
        return st


def _enter(st, me) -> None:
    """(``st.cond`` held) ``me`` counted among the queue's users; a filler mark of ``me`` left
    by an interrupt between its set and the round's ``try`` is cleared."""
    st.users.add(me)
    if st.filler == me:
        st.filler = None


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
        self.capacity = int(capacity)           # (negative: no limit, as TF's queue ops)
        self._cap = self.capacity if self.capacity >= 0 else float("inf")
        self._min_after = int(min_after_dequeue)
        # TF's queue kernel refuses these when an op of the queue first runs
        self._invalid = None if self._kind != "RandomShuffleQueue" else \
            f"min_after_dequeue {self._min_after} must be >= 0" if self._min_after < 0 else \
            f"min_after_dequeue {self._min_after} must be < capacity {self.capacity}" \
            if self._min_after >= self._cap else None
        self._seed = seed
        self._rng_seed = seed_pair(g.seed, seed, len(g._ops))
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
        out = []
        for v, dt in zip(vals, self._dtypes):
            t = to_tensor(check_python_value(v, dt), self._graph, dtype_hint=dt, cast_data=True)
            if t.aval.dtype != dt:      # (TF's convert_to_tensor(v, dtype=the queue's))
                raise ValueError(f"Tensor conversion requested dtype {np.dtype(dt).name} for "
                                 f"Tensor with dtype {np.dtype(t.aval.dtype).name}: {t!r}")
            out.append(t)
        return out

    def _check_static(self, ts, many) -> None:
        """TF's enqueue checks each component's static shape against the queue's (for
        ``enqueue_many``, past the batch dimension): ValueError when they cannot match."""
        for t, want in zip(ts, self._shapes):
            have = t.shape
            if many:
                if have.dims is not None and len(have.dims) < 1:
                    raise ValueError(f"Shape {have} must have rank at least 1")
                have = TensorShape(None if have.dims is None else have.dims[1:])
            if want is not None and not have.is_compatible_with(list(want)):
                raise ValueError(f"Shapes {have} and {TensorShape(list(want))} are "
                                 f"incompatible")

    def enqueue(self, vals, name=None) -> Operation:
        """Add one element (run: the element's values are appended)."""
        return self._enqueue_op(vals, False, name or "enqueue")

    def enqueue_many(self, vals, name=None) -> Operation:
        """Add the rows of ``vals`` (split along their first dimension) as elements."""
        return self._enqueue_op(vals, True, name or "enqueue_many")

    def _enqueue_op(self, vals, many, name):
        ts = self._flat(vals)
        self._check_static(ts, many)
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
        """Later enqueues fail; ``cancel_pending_enqueues``: those waiting fail too (TF's
        CancelledError "... is closed.")."""
        g = self._graph
        return Operation(g, "QueueCloseV2", g.unique_name(name or f"{self.name}_Close"), [],
                         [], attrs={"queue": self, "cancel": bool(cancel_pending_enqueues)})

    # -- the run-time side (called by the executors below)
    def _ready(self, st, want) -> bool:
        more = self._min_after if self._kind == "RandomShuffleQueue" else 0
        return st.closed or len(st.buf) >= want + more

    def _take(self, op, session, n, up_to):
        """``n`` elements (one for None), waiting as TF's dequeue: while the queue holds too
        few (a RandomShuffleQueue: fewer than ``n + min_after_dequeue``) and is not closed.
        A queue with runners is filled by this thread (one runner round at a time, the
        queue's lock released meanwhile); else by other threads' enqueues."""
        st = _state(session, self)
        want = 1 if n is None else n
        me = threading.get_ident()
        while True:
            with st.cond:
                _enter(st, me)
                if self._ready(st, want):
                    hold_to_run_end(session)
                    return self._pop(st, op, want, up_to)
                drive = bool(self._runners) and st.filler is None
                if drive:
                    st.filler = me
                elif not _wait(st, lambda: self._ready(st, want) or (
                        bool(self._runners) and st.filler is None) or _closed(session)):
                    raise DeadlineExceededError(
                        None, op, f"{self._kind} '{self.name}' has {len(st.buf)} elements, "
                        f"{want} requested, and no queue runner to fill it (TensorFlow would "
                        f"wait for ever){node_suffix(op)}")
                elif _closed(session) and not self._ready(st, want):
                    raise _cancelled("Dequeue", op)
            if drive:
                self._drive(session, st)

    def _drive(self, session, st) -> None:
        """One runner round by the thread that set ``st.filler``, then the filler released
        and the waiting threads woken (also when the round raises)."""
        try:
            self._run_runners(session, st)
        finally:
            with st.cond:
                st.filler = None
                st.cond.notify_all()

    def _run_runners(self, session, st) -> None:
        ops = [enq for r in self._runners for enq in r.enqueue_ops]
        for enq in ops:                 # each op's "thread" ends at its OutOfRangeError;
            if enq in st.done:          # the queue closes when all have (TF's runner)
                continue
            try:
                _runner_run(session, enq)
            except OutOfRangeError:
                st.done.add(enq)
        if all(enq in st.done for enq in ops):
            with st.cond:
                st.closed = True
                st.cond.notify_all()

    def _pop(self, st, op, want, up_to) -> list:
        """(``st.cond`` held, the queue ready) ``want`` elements or TF's OutOfRangeError."""
        if len(st.buf) < want:                      # (closed)
            if up_to and st.buf:
                want = len(st.buf)
            else:
                raise OutOfRangeError(None, op, f"{self._kind} '{self.name}' is closed and "
                                      f"has insufficient elements (requested {want}, "
                                      f"current size {len(st.buf)}){node_suffix(op)}")
        if self._kind == "RandomShuffleQueue":
            pick = st.rng.choice(len(st.buf), want, replace=False).tolist()
            elems = [st.buf[i] for i in pick]       # in the order drawn
            for i in sorted(pick, reverse=True):
                del st.buf[i]
        else:
            elems, st.buf[:want] = st.buf[:want], []
        st.cond.notify_all()                        # room for waiting enqueues
        return elems

    def _put(self, session, elems, op=None) -> None:
        """Append ``elems``, waiting as TF's enqueue while the queue is full (element by element,
        as many as fit at a time); a runner's enqueue driven by a dequeue does not wait."""
        st = _state(session, self)
        me = threading.get_ident()
        pending = list(elems)
        with st.cond:
            st.users.add(me)
            if st.closed:
                raise _closed_error(self, op)
            while pending:
                if st.cancelled:        # close(cancel_pending_enqueues=True) while waiting
                    raise _closed_error(self, op)
                room = len(pending) if st.filler == me else self._cap - len(st.buf)
                if room > 0:            # (TF's enqueue_many: as many as fit, then waits)
                    k = int(min(room, len(pending)))
                    st.buf.extend(pending[:k])
                    pending = pending[k:]
                    st.cond.notify_all()
                    continue
                if not _wait(st, lambda: len(st.buf) < self._cap or st.cancelled or
                             _closed(session)):
                    raise DeadlineExceededError(
                        None, op, f"{self._kind} '{self.name}' is full (capacity "
                        f"{self.capacity}, {len(st.buf)} queued, {len(pending)} more) and "
                        f"nothing dequeues from it (TensorFlow would wait for ever)"
                        f"{node_suffix(op)}")
                if _closed(session) and len(st.buf) >= self._cap:
                    raise _cancelled("Enqueue", op)

    def _size(self, session) -> int:
        """The elements queued; a queue with runners is first filled as TF's runner threads
        keep it: to its capacity, or until the runners end (``OutOfRangeError``: closed)."""
        st = _state(session, self)
        if self._runners:
            self._fill(session, st)
        with st.cond:
            return int(min(len(st.buf), self._cap)) if self._runners else len(st.buf)

    def _fill(self, session, st) -> None:
        me = threading.get_ident()
        while True:
            with st.cond:
                _enter(st, me)
                if st.closed or len(st.buf) >= self._cap or st.filler is not None:
                    return      # (another thread filling: TF's size reads whatever is there)
                st.filler, before = me, len(st.buf)
            self._drive(session, st)
            if (len(st.buf) == before or self._cap == float("inf")) and not st.closed:
                return          # (a round that enqueues nothing would never fill it; nor
                #                 would runners without end fill a queue without limit)

    def _state_in(self, session) -> _QueueState:
        """This queue's contents and lock in ``session`` (for the kernels: _queue_kernels)."""
        return _state(session, self)

    def _close(self, session, cancel=False) -> None:
        st = _state(session, self)
        with st.cond:
            st.closed = True
            st.cancelled = st.cancelled or cancel
            st.cond.notify_all()


def _runner_run(session, enq) -> None:
    """``session.run(enq)`` as a queue runner's thread would: with its own pending variable
    writes (committed or discarded by that run alone), not those of the run that dequeues,
    and its own end of run (``runtime.hold_to_run_end``)."""
    local = session.variables.local
    outer, outer_end = local.staged, local.ending
    local.staged = {}
    if outer_end is not None:
        local.ending = None
    try:
        session.run(enq)
    finally:
        local.staged = outer
        if outer_end is not None:
            local.ending = outer_end


def _closed(session) -> bool:
    """(a wait ends when its Session is closed: TF's close cancels pending queue ops)"""
    return getattr(session, "_closed", False)


def _cancelled(what: str, op):
    return CancelledError(None, op, f"{what} operation was cancelled{node_suffix(op)}")


def _closed_error(q, op):
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
        if queue_runner_def is not None:
            if queue or enqueue_ops:
                raise ValueError("queue_runner_def and queue are mutually exclusive.")
            raise NotImplementedError("QueueRunner(queue_runner_def=...): a QueueRunnerDef "
                                      "(from a MetaGraphDef) is not read by dlcore_static; pass "
                                      "queue and enqueue_ops")
        if not queue or not enqueue_ops:
            raise ValueError("Must provide queue and enqueue_ops.")
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


from . import _queue_kernels  # noqa: F401  (registers the queue ops' executors)
