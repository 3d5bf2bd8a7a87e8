"""TensorFlow 1's run-time checks of gather/scatter indices and integer divisors (CPU kernels;
``checked_divisor``: an integer ``//``/``floormod`` by zero is 'Integer division by zero'),
where dlcore's shared kernels answer as PyTorch/NumPy.  ``tf.gather``,
``tf.nn.embedding_lookup`` and ``tf.scatter_nd`` refuse an index outside ``[0, n)`` with an
``InvalidArgumentError``, negative ones included::

    indices[1] = -1 is not in [0, 5)                     (GatherV2, embedding_lookup)
    indices[0] = [-1] does not index into shape [5,2]    (ScatterNd, TensorScatterUpdate)
    indices[1] = [7] does not index into param shape [5,2]   (GatherNd)
    segment_ids[2] = 5 is out of range [0, 3)            (UnsortedSegmentSum/Max/...)

(shapes as TensorFlow's ``TensorShape::DebugString``: the whole shape, no spaces, as real
tracebacks show: "indices[0,6] = [0, 64, 55] does not index into shape [32,64,64,3]").
``CheckNdIndices`` covers coordinates whose bounds are known only at run time (``gather_nd``
on params with a ``None`` dimension, ``scatter_nd`` into a fed shape): its second input is
``params`` or the shape vector.  Negative segment ids are dropped by TensorFlow (not refused).

dlcore's ``take``/``scatter_add`` kernels are shared with the eager front end, where a negative
index counts from the end (PyTorch's ``x[idx]``), so the static bindings put a ``CheckIndices``
node in front of them: it reads the index values (and, for a dimension unknown at build time,
the shape of ``params``), raises TensorFlow's error, and returns the indices themselves (no copy).
It has no gradient (indices have none).  On a GPU the indices are copied to the host for the
check (indices are small next to the rows they pick).

The compiler emits the checks inside its segments and loops (``emit_index.check_indices``).
Cost, measured on a compiled plan (``passes='all'``: embedding_lookup of 64 int32 ids in a
1000x32 table, tanh, matmul, sum and the gradient; 1 thread, CPU time, interleaved, best 3 of
7): 84.3-86.1 us per run without the check, 84.7-89.2 us with it compiled (91-93 us when it
ran as a Python step between segments); 2 us for the interpreter's step.
"""

from __future__ import annotations

import numpy as np

from dlcore.device import to_host
from dlcore.registry import AVal

from . import plan as _plan
from .errors import InvalidArgumentError, node_suffix
from .graph import Operation, Tensor, get_default_graph


def _first_bad_loop(v, n):
    """The flat position of the first index outside [0, n), or -1 (one pass, no temporaries:
    1.0 us for 64 int32 indices, against 6.3 us for NumPy's v.min() and v.max())."""
    for k in range(v.size):
        x = v[k]
        if x < 0 or x >= n:
            return k
    return -1


_COMPILED: list = []


def _first_bad(v, n):
    """:func:`_first_bad_loop` compiled by Numba on the first check (importing either front
    end loads no Numba: tests/core/test_cold_start.py)."""
    if not _COMPILED:
        from numba import njit
        _COMPILED.append(njit(cache=True, nogil=True)(_first_bad_loop))
    return _COMPILED[0](v, n)


def _where(shape: tuple, flat_pos: int) -> str:
    if len(shape) <= 1:
        return str(flat_pos)
    return ",".join(str(int(c)) for c in np.unravel_index(flat_pos, shape))


def checked_gather_indices(indices: Tensor, params: Tensor, axis: int, name: str) -> Tensor:
    """``indices`` after a run-time check that each is in ``[0, params.shape[axis])``."""
    n = params.aval.shape[axis]
    from .frontend import constant_value
    c = constant_value(indices)
    if n is not None and c is not None and (np.size(c) == 0 or (
            np.min(c) >= 0 and np.max(c) < n)):
        return indices                      # (constant indices in range: nothing to check)
    inputs = [indices] if n is not None else [indices, params]
    g = get_default_graph()
    op = Operation(g, "CheckIndices", g.unique_name(name), inputs,
                   [AVal(indices.aval.shape, indices.aval.dtype)], attrs={"n": n, "axis": axis})
    return op.outputs[0]


def checked_write_index(index: Tensor, buf: Tensor, size: int | None) -> Tensor:
    """A fixed-size TensorArray's write index after TensorFlow's run-time refusal of one
    outside ``[0, size)`` ("Tried to write to index 3 but array is not resizeable and size is:
    3"): a ``CheckIndices`` (attribute ``write``) against ``size`` or, known only at run time,
    the buffer's rows."""
    g = get_default_graph()
    inputs = [index] if size is not None else [index, buf]
    op = Operation(g, "CheckIndices", g.unique_name("CheckWriteIndex"), inputs,
                   [AVal(index.aval.shape, index.aval.dtype)],
                   attrs={"n": size, "axis": 0, "write": True})
    return op.outputs[0]


def checked_partitions(partitions: Tensor, k: int) -> Tensor:
    """``tf.dynamic_partition``'s partitions after TensorFlow's run-time refusal of one outside
    ``[0, k)`` ("partitions[1] = 2 is not in [0, 2)"; such an element was dropped silently)."""
    from .frontend import constant_value
    c = constant_value(partitions)
    if c is not None and (np.size(c) == 0 or (np.min(c) >= 0 and np.max(c) < k)):
        return partitions
    g = get_default_graph()
    op = Operation(g, "CheckIndices", g.unique_name("CheckPartitions"), [partitions],
                   [AVal(partitions.aval.shape, partitions.aval.dtype)],
                   attrs={"n": int(k), "axis": 0, "label": "partitions"})
    return op.outputs[0]


def checked_scatter_indices(indices: Tensor, dims: tuple, name: str,
                            shape: tuple | None = None) -> Tensor:
    """``indices`` (coordinates in the last axis) after a run-time check against ``dims``;
    ``shape`` (the whole output shape, default ``dims``) is what the message names."""
    g = get_default_graph()
    attrs = {"dims": tuple(int(d) for d in dims)}
    if shape is not None and tuple(shape) != attrs["dims"]:
        attrs["shape"] = tuple(int(d) for d in shape)
    op = Operation(g, "CheckScatterIndices", g.unique_name(name), [indices],
                   [AVal(indices.aval.shape, indices.aval.dtype)], attrs=attrs)
    return op.outputs[0]


def checked_nd_indices(indices: Tensor, bounds: Tensor | None, name: str, *, start: int = 0,
                       what: str = "param shape", shape: tuple | None = None) -> Tensor:
    """``indices`` (coordinates in the last axis, k of them) after a run-time check against
    dimensions ``start .. start+k`` of ``bounds``: the shape of a tensor (``what='param
    shape'``, gather_nd) or the values of a shape vector (``what='shape'``, scatter_nd into a
    shape fed at run time).  ``bounds=None``: the dimensions are ``shape`` (known)."""
    g = get_default_graph()
    attrs = {"start": int(start), "what": what,
             "source": "none" if bounds is None else
             ("values" if what == "shape" else "shape")}
    if shape is not None:
        attrs["shape"] = tuple(int(d) for d in shape)
    inputs = [indices] if bounds is None else [indices, bounds]
    op = Operation(g, "CheckNdIndices", g.unique_name(name), inputs,
                   [AVal(indices.aval.shape, indices.aval.dtype)], attrs=attrs)
    return op.outputs[0]


def checked_segment_ids(ids: Tensor, n: int | Tensor, name: str) -> Tensor:
    """``ids`` after TensorFlow's run-time refusal of an id at or past ``num_segments``
    (negative ids are dropped by the op, not refused).  Constant ids in range: no check.
    ``n`` a (fed) scalar tensor: a second input of the node, read when it runs."""
    from .frontend import constant_value
    c = constant_value(ids)
    fixed = not isinstance(n, Tensor)
    if fixed and c is not None and (np.size(c) == 0 or np.max(c) < n):
        return ids
    g = get_default_graph()
    op = Operation(g, "CheckSegmentIds", g.unique_name(name), [ids] if fixed else [ids, n],
                   [AVal(ids.aval.shape, ids.aval.dtype)],
                   attrs={"n": int(n)} if not isinstance(n, Tensor) else {"n": None})
    return op.outputs[0]


def _shape_text(shape) -> str:
    """TensorFlow's ``TensorShape::DebugString``: ``[5,2]``."""
    return "[" + ",".join(str(int(d)) for d in shape) + "]"


def _first_bad_row(v, dims):
    """(row, coordinates) of the first row of ``v`` (last axis: coordinates) outside ``dims``,
    or None."""
    coords = v.reshape(-1, v.shape[-1]) if v.ndim else v.reshape(1, 1)
    bad = ((coords < 0) | (coords >= np.asarray(dims, np.int64))).any(axis=1)
    if not bad.any():
        return None
    r = int(np.flatnonzero(bad)[0])
    return r, coords[r]


def _nd_message(v, r, row, what, shape) -> str:
    text = ", ".join(str(int(c)) for c in row)
    where = _where(v.shape[:-1], r) if v.ndim > 1 else "0"
    return f"indices[{where}] = [{text}] does not index into {what} {_shape_text(shape)}"


def _gather_factory(op: Operation, session, device, *_):
    on_host = device.type == "cpu"
    fixed, axis = op.attrs["n"], op.attrs["axis"]
    write = bool(op.attrs.get("write"))     # a TensorArray's write index: TF's words for it
    label = str(op.attrs.get("label", "indices"))   # what TF's message calls the values

    def run(i, p=None):
        v = np.asarray(i) if on_host else to_host(i)
        n = fixed if fixed is not None else int(p.shape[axis])
        flat = v.reshape(-1)
        pos = _first_bad(flat, n) if flat.size else -1
        if pos >= 0:
            if write:
                raise InvalidArgumentError(
                    None, op, f"Tried to write to index {flat[pos]} but array is not "
                    f"resizeable and size is: {n}{node_suffix(op)}")
            raise InvalidArgumentError(
                None, op, f"{label}[{_where(v.shape, pos)}] = {flat[pos]} is not in "
                f"[0, {n}){node_suffix(op)}")
        return i
    return run, {}


def _scatter_factory(op: Operation, session, device, *_):
    on_host = device.type == "cpu"
    dims = np.asarray(op.attrs["dims"], np.int64)
    shape = op.attrs.get("shape", op.attrs["dims"])

    def run(i):
        v = np.asarray(i) if on_host else to_host(i)
        if v.size:
            found = _first_bad_row(v, dims)
            if found is not None:
                r, row = found
                raise InvalidArgumentError(
                    None, op, _nd_message(v, r, row, "shape", shape) + node_suffix(op))
        return i
    return run, {}


def _nd_factory(op: Operation, session, device, *_):
    on_host = device.type == "cpu"
    start, what, source = op.attrs["start"], op.attrs["what"], op.attrs["source"]

    def run(i, b=None):
        v = np.asarray(i) if on_host else to_host(i)
        if not v.size:
            return i
        if source == "values":
            shape = tuple(int(d) for d in (np.asarray(b) if on_host else to_host(b)))
        elif source == "shape":
            shape = tuple(int(d) for d in b.shape)
        else:
            shape = op.attrs["shape"]
        k = v.shape[-1] if v.ndim else 1
        found = _first_bad_row(v, shape[start:start + k])
        if found is not None:
            r, row = found
            raise InvalidArgumentError(
                None, op, _nd_message(v, r, row, what, shape) + node_suffix(op))
        return i
    return run, {}


def _segment_factory(op: Operation, session, device, *_):
    on_host = device.type == "cpu"
    fixed = op.attrs["n"]

    def run(i, m=None):
        v = np.asarray(i) if on_host else to_host(i)
        n = fixed if fixed is not None else int(np.asarray(m if on_host else to_host(m)))
        if n < 0:                   # (TF's UnsortedSegmentReduction kernel)
            raise InvalidArgumentError(
                None, op, f"Input num_segments == {n} must not be negative."
                f"{node_suffix(op)}")
        flat = v.reshape(-1)
        if flat.size:
            over = np.flatnonzero(flat >= n)
            if over.size:
                pos = int(over[0])
                raise InvalidArgumentError(
                    None, op, f"segment_ids[{_where(v.shape, pos)}] = {flat[pos]} is out of "
                    f"range [0, {n}){node_suffix(op)}")
        return i
    return run, {}


def checked_divisor(y: Tensor, name: str) -> Tensor:
    """``y`` after TensorFlow's run-time refusal of an integer division by zero (FloorDiv,
    FloorMod, TruncateMod on integers: InvalidArgumentError 'Integer division by zero', where
    dlcore's kernels give 0, as NumPy's).  A constant divisor without zeros is not checked."""
    from .frontend import constant_value
    c = constant_value(y)
    if c is not None and np.all(np.asarray(c) != 0):
        return y
    g = get_default_graph()
    op = Operation(g, "CheckDivisor", g.unique_name(name), [y],
                   [AVal(y.aval.shape, y.aval.dtype)])
    return op.outputs[0]


def checked_exponent(y: Tensor, name: str) -> Tensor:
    """``y`` after TensorFlow's run-time refusal of an integer to a negative integer power
    (Pow on int32/int64: InvalidArgumentError 'Integers to negative integer powers are not
    allowed', where dlcore's kernels give 0).  A constant exponent without negatives is not
    checked."""
    from .frontend import constant_value
    c = constant_value(y)
    if c is not None and np.all(np.asarray(c) >= 0):
        return y
    g = get_default_graph()
    op = Operation(g, "CheckExponent", g.unique_name(name), [y],
                   [AVal(y.aval.shape, y.aval.dtype)])
    return op.outputs[0]


def _guarded(op: Operation) -> Operation:
    """The op a CheckExponent/CheckDivisor guards (its ``node`` attribute: the Pow, FloorDiv,
    FloorMod the check feeds, whose kernel raises in TF and which its error names), else the
    check itself."""
    name = op.attrs.get("node")
    if isinstance(name, str):
        try:
            return op.graph.get_operation_by_name(name)
        except (KeyError, ValueError):
            pass
    return op


def _exponent_factory(op: Operation, session, device, *_):
    on_host = device.type == "cpu"
    node = _guarded(op)

    def run(y):
        v = np.asarray(y) if on_host else to_host(y)
        if (v < 0).any():
            raise InvalidArgumentError(None, node, "Integers to negative integer powers are "
                                                   f"not allowed{node_suffix(node)}")
        return y
    return run, {}


def _divisor_factory(op: Operation, session, device, *_):
    on_host = device.type == "cpu"
    node = _guarded(op)

    def run(y):
        v = np.asarray(y) if on_host else to_host(y)
        if not v.all():
            raise InvalidArgumentError(None, node, f"Integer division by zero{node_suffix(node)}")
        return y
    return run, {}


_plan.EXECUTORS["CheckDivisor"] = _divisor_factory
_plan.EXECUTORS["CheckExponent"] = _exponent_factory
_plan.EXECUTORS["CheckIndices"] = _gather_factory
_plan.EXECUTORS["CheckScatterIndices"] = _scatter_factory
_plan.EXECUTORS["CheckNdIndices"] = _nd_factory
_plan.EXECUTORS["CheckSegmentIds"] = _segment_factory
