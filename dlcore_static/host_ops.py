"""Host ops: graph nodes computed by a Python/NumPy function on the host, on any device.

The string ops (``strings.py``), record parsing (``io/parsing.py``) and ``SparseTensor``
densification are graph-level ops of this kind.  Each op type has one implementation,
``IMPLS[op_type](*input_arrays, **attrs)``, registered with ``register``; ``host_op`` adds the
node.  The node is pinned to the CPU (``op.device``), so on a GPU Session its numeric outputs
are copied to the device by the plan's ordinary copy steps and its string values never leave
the host.  Its attributes are plain data (ints, strings, dtypes, lists), never functions.

Why no Numba kernel: the values are Python ``bytes`` objects (variable length, held in NumPy
object arrays), which Numba cannot compile over, and these ops run once per record of an input
pipeline, where Python's own ``bytes``/``re``/``csv``/``struct`` are the reference behaviour.
Being graph-level ops (``prim is None``) they have no gradient (``tf.gradients`` gives None
through them, as TensorFlow's string ops are not differentiable) and the graph compiler leaves
them to the interpreter: they are neither folded, merged, fused nor compiled.

Errors: an implementation raises a ``tf.errors.OpError`` subclass with ``op=None`` (or a
``ValueError``, read as ``InvalidArgumentError``); the executor re-raises it naming the node and
the line that created it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlcore.device import CPU, to_host
from dlcore.registry import AVal

from . import errors as _errors
from . import plan as _plan
from .frontend import to_tensor
from .graph import Operation, Tensor, get_default_graph

IMPLS: dict[str, Callable] = {}


def register(op_type: str, fn: Callable) -> Callable:
    """Make ``fn(*input_arrays, **op.attrs)`` the implementation of ``op_type``."""
    IMPLS[op_type] = fn
    _plan.EXECUTORS[op_type] = _factory
    return fn


def host_op(op_type: str, inputs, avals, attrs: dict | None = None, name: str | None = None,
            unknown_rank: bool = False, unique: bool = True) -> Operation:
    """Add a node of ``op_type`` (registered) reading ``inputs``, with outputs ``avals``
    (``(shape, numpy dtype)`` pairs).  ``unique=False``: ``name`` is a full name the caller
    has already made unique (``graph.unique_name``)."""
    g = get_default_graph()
    ins = [v if isinstance(v, Tensor) else to_tensor(v, g) for v in inputs]
    if ins:
        g = ins[0].graph
    attrs = dict(attrs or {})
    if unknown_rank:
        attrs["unknown_rank"] = True
    full = g.unique_name(name or op_type) if unique or not name else name
    op = Operation(g, op_type, full, ins, [AVal(tuple(s), np.dtype(d)) for s, d in avals],
                   attrs=attrs)
    op.device = CPU
    return op


def _factory(op: Operation, session, device):
    fn = IMPLS[op.type]
    params = {k: v for k, v in op.attrs.items() if k != "unknown_rank"}
    suffix = _errors.node_suffix(op)
    many = len(op.outputs) != 1

    def run(*xs):
        xs = tuple(x if isinstance(x, np.ndarray) else as_array(to_host(x)) for x in xs)
        try:
            out = fn(*xs, **params)
        except _errors.OpError as e:
            raise type(e)(None, op, f"{e.message}{suffix}") from None
        except (ValueError, TypeError, OverflowError, UnicodeError) as e:
            raise _errors.InvalidArgumentError(None, op, f"{e}{suffix}") from None
        if many:
            return tuple(as_array(v) for v in out)
        return as_array(out[0] if isinstance(out, tuple) else out)
    return run, {}


def as_array(v) -> np.ndarray:
    """``v`` as an ndarray: a ``bytes`` scalar becomes a 0-d object array (NumPy indexing of an
    object array hands out the element itself)."""
    if isinstance(v, np.ndarray):
        return v
    if isinstance(v, (bytes, str)):
        a = np.empty((), dtype=object)
        a[()] = v
        return a
    return np.asarray(v)


def out_shape(t: Tensor) -> tuple:
    """A tensor's static shape as a tuple (``()`` for an unknown rank)."""
    return tuple(t.aval.shape)


def elementwise(fn: Callable, a: np.ndarray, otype) -> np.ndarray:
    """``fn`` applied to every element of ``a``: an array of ``a``'s shape and dtype ``otype``."""
    flat = [fn(v) for v in a.ravel().tolist()]
    out = np.empty(len(flat), dtype=otype)
    out[:] = flat
    return out.reshape(a.shape)
