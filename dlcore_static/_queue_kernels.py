"""The kernels of TF1's queue ops (``input_queues.py`` builds the ops): each enqueue's elements
checked against the queue's shapes as TF's ``ValidateTuple``/``ValidateManyTuple``, a
dequeue's elements stacked into its batch (padded for ``padding_fifo_queue``), and the
size and close ops, registered as the plan's executors of QueueEnqueueV2/...ManyV2,
QueueDequeueV2/...ManyV2/...UpToV2, QueueSizeV2 and QueueCloseV2 (dequeues hoisted).  A
dequeue remembers its result per op and thread, so the compiler's re-run of the same run
(``runtime.replaying``) gives the same elements instead of taking more."""

from __future__ import annotations

import threading

import numpy as np

from . import plan as _plan
from .errors import InvalidArgumentError as _InvalidArgument
from .errors import node_suffix
from .graph import Operation
from .runtime import replaying


def _dims(shape) -> str:
    """A shape as TF's kernels print it: ``[2,?,3]``."""
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _element_rows(op, q, values, many):
    """The elements of one enqueue, each component checked against the queue's shape as TF's
    ``ValidateTuple``/``ValidateManyTuple`` (a fed placeholder of shape None got past the
    static check: its values were queued, and dequeue_many failed later, or stacked a
    batch of the wrong shape)."""
    vals = [np.asarray(v) for v in values]
    if many and any(v.ndim == 0 for v in vals):
        raise _InvalidArgument(None, op, f"enqueue_many: the components must have a first "
                                   f"dimension, got shapes {[v.shape for v in vals]}"
                                   f"{node_suffix(op)}")
    n: int = vals[0].shape[0] if many else 0
    for i, (v, want) in enumerate(zip(vals, q._shapes)):
        if want is None:
            if many and v.shape[0] != n:
                raise _InvalidArgument(
                    None, op, f"All input tensors must have the same size in the 0th "
                    f"dimension. Component {i} has {v.shape[0]}, and should have {n}"
                    f"{node_suffix(op)}")
            continue
        full = ((n,) if many else ()) + tuple(want)
        if len(full) != v.ndim or any(d is not None and d != s for d, s in zip(full, v.shape)):
            raise _InvalidArgument(None, op, f"Shape mismatch in tuple component {i}. "
                                       f"Expected {_dims(full)}, got {_dims(v.shape)}"
                                       f"{node_suffix(op)}")
    if not many:
        return [tuple(vals)]
    return [tuple(v[i] for v in vals) for i in range(n)]


def _refuse_invalid(q, op) -> None:
    if q._invalid is not None:
        raise _InvalidArgument(None, op, f"{q._invalid}{node_suffix(op)}")


def _enqueue_factory(op: Operation, session, device):
    q, many = op.attrs["queue"], op.attrs["many"]

    def enqueue(*values):
        _refuse_invalid(q, op)
        q._put(session, _element_rows(op, q, values, many), op)
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
        _refuse_invalid(q, op)
        st = q._state_in(session)
        key = (op, threading.get_ident())
        if replaying():                             # the compiler's re-run of this run
            last = st.last.get(key)
            if last is not None:
                if isinstance(last, BaseException):
                    raise last
                return last
        try:
            elems = q._take(op, session, n, up_to)
        except Exception as e:
            st.last[key] = e
            raise
        out = st.last[key] = _stack(q, elems, n)
        return out
    return dequeue, {}


def _size_factory(op: Operation, session, device):
    q = op.attrs["queue"]

    def size():
        _refuse_invalid(q, op)
        return np.int32(q._size(session))
    return size, {}


def _close_factory(op: Operation, session, device):
    q, cancel = op.attrs["queue"], op.attrs.get("cancel", False)

    def close():
        _refuse_invalid(q, op)
        q._close(session, cancel)
        return ()
    return close, {}


for _t in ("QueueEnqueueV2", "QueueEnqueueManyV2"):
    _plan.EXECUTORS[_t] = _enqueue_factory
for _t in ("QueueDequeueV2", "QueueDequeueManyV2", "QueueDequeueUpToV2"):
    _plan.EXECUTORS[_t] = _dequeue_factory
    _plan.HOISTED_TYPES.add(_t)
_plan.EXECUTORS["QueueSizeV2"] = _size_factory
_plan.EXECUTORS["QueueCloseV2"] = _close_factory
