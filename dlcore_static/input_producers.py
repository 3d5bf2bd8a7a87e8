"""The producers and batchers of TF1's queue input pipelines (``input_queues.py``):
``input_producer``/``string_input_producer``/``range_input_producer`` (a FIFOQueue of the input's
rows, shuffled each epoch, ``num_epochs`` epochs then closed), ``slice_input_producer`` (one row of
each tensor, by an index from ``range_input_producer``), and ``batch``/``shuffle_batch``
(a FIFOQueue / RandomShuffleQueue filled one example per enqueue, dequeued ``batch_size`` at a
time).  Names, returned structures and static shapes are TensorFlow 1's."""

from __future__ import annotations

import weakref

import numpy as np

from . import input_queues
from . import plan as _plan
from .errors import OutOfRangeError, node_suffix
from .frontend import to_tensor
from .graph import Operation, TensorShape, get_default_graph

_EPOCHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # session -> {op: state}


def _queues():
    return input_queues


def _epochs_variable(g):
    """TF's ``limit_epochs/epochs``: a local int64 variable (read by the producer, so running
    without ``tf.local_variables_initializer()`` fails as in TensorFlow)."""
    from .variables import GraphKeys, Variable
    with g.name_scope("limit_epochs"):
        return Variable(np.int64(0), trainable=False, name="epochs",
                        collections=[GraphKeys.LOCAL_VARIABLES])


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True, seed=None,
                   capacity=32, shared_name=None, summary_name=None, name=None, cancel_op=None):
    """A FIFOQueue of the rows of ``input_tensor``, in a new random order each epoch when
    ``shuffle``; after ``num_epochs`` epochs (None: for ever) the queue is closed."""
    if num_epochs is not None and num_epochs <= 0:     # (TF's limit_epochs)
        raise ValueError("num_epochs must be > 0 not %d." % num_epochs)
    g = get_default_graph()
    q_mod = _queues()
    with g.name_scope(name or "input_producer"):
        x = to_tensor(input_tensor, g)
        shape = TensorShape(list(x.aval.shape[1:]) if x.aval.ndim else None)
        if element_shape is not None:   # (TF: the rows' shape merged with it: a 2-D list of
            shape = shape.merge_with(TensorShape(element_shape))    # names is refused)
        if not shape.is_fully_defined():
            raise ValueError("Either `input_tensor` must have a fully defined shape or "
                             "`element_shape` must be specified")
        ins = [x]
        epochs_var = None
        if num_epochs is not None:
            ev = _epochs_variable(g)
            ins.append(ev.value())
            epochs_var = ev.op
        q = q_mod.FIFOQueue(capacity, [x.aval.dtype], [shape.as_list()])
        enq = Operation(g, "ProducerEnqueueMany", g.unique_name(f"{q.name}_EnqueueMany"), ins,
                        [], attrs={"queue": q, "num_epochs": num_epochs, "shuffle": shuffle,
                                   "seed": q_mod.seed_pair(g.seed, seed, len(g._ops)),
                                   "epochs_var": epochs_var})
        q_mod.add_queue_runner(q_mod.QueueRunner(q, [enq]))
    return q


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None,
                          capacity=32, shared_name=None, name=None, cancel_op=None):
    """``input_producer`` of a 1-D string tensor (file names, usually)."""
    if isinstance(string_tensor, (list, tuple)) and not string_tensor:
        raise ValueError("string_input_producer requires a non-null input tensor")
    from . import dtypes as _dtypes
    g = get_default_graph()
    t = string_tensor if hasattr(string_tensor, "op") else to_tensor(
        _dtypes.as_bytes_array(list(string_tensor), "string_tensor"), g)
    return input_producer(t, [], num_epochs, shuffle, seed, capacity, shared_name,
                          "fraction_of_%d_full" % capacity, name or "input_producer")


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32,
                         shared_name=None, name=None):
    """``input_producer`` of ``range(limit)`` (int32)."""
    from .sequence_ops import range as _range
    g = get_default_graph()
    with g.name_scope(name or "input_producer") as scope:
        rng = _range(to_tensor(limit, g))
        return input_producer(rng, [], num_epochs, shuffle, seed, capacity, shared_name,
                              None, scope)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32,
                         shared_name=None, name=None) -> list:
    """One row of each tensor of ``tensor_list`` per run: ``[t[i] for t in tensor_list]`` with
    ``i`` from a ``range_input_producer`` over their first dimension."""
    from .sequence_ops import gather
    g = get_default_graph()
    with g.name_scope(name or "input_producer"):
        ts = [to_tensor(t, g) for t in tensor_list]
        if not ts:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        from .array_ops import shape as _shape
        size = _shape(ts[0])[0]
        queue = range_input_producer(size, num_epochs, shuffle, seed, capacity, shared_name)
        index = queue.dequeue()
        return [gather(t, index) for t in ts]


def _flatten(tensors):
    if isinstance(tensors, dict):
        keys = sorted(tensors)
        return [tensors[k] for k in keys], keys
    if isinstance(tensors, (list, tuple)):
        return list(tensors), None
    return [tensors], None


def _batch(kind, tensors, batch_size, num_threads, capacity, enqueue_many, shapes, dynamic_pad,
           allow_smaller, name, min_after_dequeue=0, seed=None, tensors_list=None):
    q_mod = _queues()
    g = get_default_graph()
    if tensors_list is not None:        # the *_join variants: one enqueue op per list
        tensors = tensors_list[0]
    flat, keys = _flatten(tensors)
    if not flat:
        raise ValueError("Cannot infer Tensor's rank: empty tensor list")
    default = "shuffle_batch" if kind == "RandomShuffleQueue" else "batch"
    with g.name_scope(name or default) as scope:
        ts = [to_tensor(t, g) for t in flat]
        joined = None if tensors_list is None else [
            [to_tensor(t, g) for t in _flatten(tl)[0]] for tl in tensors_list]
        if shapes is None:
            shapes = [TensorShape(list(t.aval.shape[1:] if enqueue_many else t.aval.shape)
                                  if not t.op.attrs.get("unknown_rank") else None) for t in ts]
        else:
            shapes = [TensorShape(s) for s in shapes]
        if not dynamic_pad and not all(s.is_fully_defined() for s in shapes):
            raise ValueError(f"All shapes must be fully defined: {shapes}")
        dts = [t.aval.dtype for t in ts]
        if kind == "RandomShuffleQueue":
            q = q_mod.RandomShuffleQueue(capacity, min_after_dequeue, dts,
                                         [s.as_list() for s in shapes], seed=seed)
        else:
            q = q_mod.FIFOQueue(capacity, dts, [s.as_list() if s.dims is not None else None
                                                for s in shapes])
            q._pad = bool(dynamic_pad)
        enqs = [q.enqueue_many(ts) if enqueue_many else q.enqueue(ts)] if joined is None else \
            [q.enqueue_many(j) if enqueue_many else q.enqueue(j) for j in joined]
        q_mod.add_queue_runner(q_mod.QueueRunner(q, enqs * max(int(num_threads), 1)))
    op_name = scope
    out = q.dequeue_up_to(batch_size, name=op_name) if allow_smaller else \
        q.dequeue_many(batch_size, name=op_name)
    if keys is not None:
        outs = [out] if len(keys) == 1 else out
        return {k: outs[i] for i, k in enumerate(keys)}
    return out


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None,
          dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """``batch_size`` examples of ``tensors`` (a list, tuple or dict: one example per run of
    them, or a batch of rows with ``enqueue_many``) stacked, in order.  A list of one tensor
    gives that tensor's batch (TensorFlow's single-component queue)."""
    return _batch("FIFOQueue", tensors, batch_size, num_threads, capacity, enqueue_many,
                  shapes, dynamic_pad, allow_smaller_final_batch, name)


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None,
                  enqueue_many=False, shapes=None, allow_smaller_final_batch=False,
                  shared_name=None, name=None):
    """``batch`` through a RandomShuffleQueue: each batch drawn at random from the examples
    queued so far, at least ``min_after_dequeue`` left behind until the input ends."""
    return _batch("RandomShuffleQueue", tensors, batch_size, num_threads, capacity,
                  enqueue_many, shapes, False, allow_smaller_final_batch, name,
                  min_after_dequeue, seed)


class _ProducerState:
    __slots__ = ("epoch", "rng")

    def __init__(self, seed):
        self.epoch = 0
        self.rng = np.random.RandomState(seed)


def _producer_factory(op: Operation, session, device):
    q, limit = op.attrs["queue"], op.attrs["num_epochs"]
    shuffle = op.attrs["shuffle"]

    def produce(x, *epochs):
        states = _EPOCHS.get(session)
        if states is None:
            states = _EPOCHS[session] = {}
        st = states.get(op)
        if st is None:
            st = states[op] = _ProducerState(op.attrs["seed"])
        if limit is not None:           # TF's count_up_to on limit_epochs/epochs
            done = int(np.asarray(epochs[0]))
            if done >= limit:
                raise OutOfRangeError(None, op, f"Reached limit of {limit}{node_suffix(op)}")
            new = np.array(done + 1, dtype=np.int64)
            new.flags.writeable = False
            session.variables.staging()[op.attrs["epochs_var"]] = new
        st.epoch += 1
        rows = np.asarray(x)
        order = st.rng.permutation(len(rows)) if shuffle else range(len(rows))
        q._put(session, [(rows[i],) for i in order], op)
        return ()
    return produce, {}


_plan.EXECUTORS["ProducerEnqueueMany"] = _producer_factory


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None,
               dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """``batch`` of several example sources (``tensors_list``: one list per reader, of one
    structure), one enqueue op each; the queue closes when every source has ended."""
    return _batch("FIFOQueue", None, batch_size, 1, capacity, enqueue_many, shapes,
                  dynamic_pad, allow_smaller_final_batch, name or "batch_join",
                  tensors_list=list(tensors_list))


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None,
                       enqueue_many=False, shapes=None, allow_smaller_final_batch=False,
                       shared_name=None, name=None):
    """``shuffle_batch`` of several example sources (see ``batch_join``)."""
    return _batch("RandomShuffleQueue", None, batch_size, 1, capacity, enqueue_many, shapes,
                  False, allow_smaller_final_batch, name or "shuffle_batch_join",
                  min_after_dequeue, seed, tensors_list=list(tensors_list))
