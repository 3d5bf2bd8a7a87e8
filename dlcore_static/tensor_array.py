"""``tf.TensorArray``: a list of same-shaped tensors written and read by index, usable as a
``tf.while_loop`` variable (the TF1 way to collect one output per step of a custom RNN).

Here a TensorArray is a plain Python value around one graph tensor, its *buffer* (TensorFlow's
``flow``), of shape ``(size,) + element_shape``; every method is a composite of dlcore ops and
returns a new TensorArray (``write``, ``scatter``, ``unstack``) or a tensor (``read``,
``stack``, ``gather``, ``concat``), so gradients reach every value written, through loops too:

    write(i, v):   buffer = where(arange(size) == i, v[None], buffer)
    read(i):       take(buffer, i)            stack(): buffer          gather(ix): take(buffer, ix)
    scatter(ix, v): rows ix replaced by v     unstack(v): buffer = v    concat(): rows joined

Dimensions of the element shape unknown when the graph is built (a batch) start as 1 in the
initial zeros and broadcast to the written value's size at run time.  When the element shape
is not given, the first ``write``/``unstack``/``scatter`` sets it; an array that enters a
``tf.while_loop`` before that is found by tracing the loop body once more (its Python code
runs twice at build time; the first trace's nodes are never run).

``tf.while_loop`` here is ``control_flow.while_loop`` with TensorArrays among the loop variables
replaced by their buffers (and rebuilt in ``cond``, ``body`` and the result).

With ``dynamic_size=True`` the array grows as it is written: writing at index ``size()``
appends an element (the buffer keeps one zero row past the end, and a ``cond`` takes it one
row further); writing further ahead than that raises ``InvalidArgumentError`` when it runs
(TensorFlow grows by any amount), and ``scatter`` is refused.

The size may also be a tensor computed when the graph runs (``size=tf.shape(x)[0]``, a fed
count): the buffer is then made at run time (zeros of ``(size,) + element_shape``, a host
node), so one graph serves inputs of any length, e.g. a tree's nodes fed as arrays and walked
by a ``tf.while_loop`` that reads children and writes each node's state.  The element shape
must then be given or fully known from the first write.

Reading a Python int index outside the array (``read(-1)``, ``read(size)``) raises TensorFlow's
``InvalidArgumentError`` ("Tried to read from index -1 but array size is: 3") when it runs; an
index tensor is read as ``take`` reads it (past the end: an error; a negative value counts from
the end, where TensorFlow raises), so that a read in a compiled loop stays one ``take``.
``unstack`` of fewer rows than the size writes rows 0..n-1, as TF1's scatter does.

Writing an index tensor outside a fixed-size array raises TensorFlow's ``InvalidArgumentError``
("Tried to write to index 3 but array is not resizeable and size is: 3") when it runs (a
``CheckIndices`` node, compiled inside loops like a gather's); before, the write matched no
row and was silently dropped.

Differences from TensorFlow, by design of a buffer: reading an index never written gives zeros rather than an
error; a second write to an index overwrites it (TensorFlow raises); reads do not clear
(``clear_after_read`` is accepted and ignored).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from . import control_flow as _cf
from . import dtypes as _dtypes
from . import host_ops as _host_ops
from ._index_checks import checked_write_index
from .frontend import constant, to_tensor
from .graph import Tensor, TensorShape, get_default_graph

__all__ = ["TensorArray", "while_loop"]


def _int(v, what: str) -> int | Tensor:
    """``v`` as a Python int, or (a tensor computed at run time) as an int64 scalar tensor."""
    if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
        t = to_tensor(v)
        if t.op.type != "Const":
            if t.aval.dtype.kind not in "iu" or t.aval.ndim != 0:
                raise TypeError(f"TensorArray: {what} must be a scalar int, got "
                                f"{t.dtype.name} of shape {t.shape}")
            return _ops.cast(t, np.int64)
        v = t.op.attrs["value"]
    return int(np.asarray(v))


def _index(t: Tensor) -> Tensor:
    """An index tensor as ``take`` reads it: integers as they are (no cast op per read in a
    loop), anything else cast to int64."""
    return t if t.aval.dtype.kind in "iu" else _ops.cast(t, np.int64)


class TensorArray:
    """An array of tensors of one dtype and shape, of a fixed size or growing as it is
    written (``dynamic_size=True``); see the module docstring.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> x = tf.placeholder(tf.float32, [None, 3])          # a batch of rows
        >>> ta = tf.TensorArray(tf.float32, size=3)
        >>> def body(t, ta):
        ...     return t + 1, ta.write(t, x[:, 0] * tf.cast(t, tf.float32))
        >>> _, ta = tf.while_loop(lambda t, ta: t < 3, body, [0, ta])
        >>> with tf.Session() as sess:
        ...     sess.run(ta.stack(), {x: np.ones((2, 3))}).tolist()
        [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        if handle is not None:
            raise NotImplementedError("TensorArray(handle=...) is not supported")
        if size is None and flow is None:
            raise ValueError("Size must be provided if handle is not provided")
        self._dtype = _dtypes.as_np(dtype)
        self._name = name or tensor_array_name or "TensorArray"
        self._infer_shape = infer_shape
        given = _int(size, "size") if size is not None else None
        self._size: int | None = None
        self._size_t: Tensor | None = None     # a size known only at run time (int64 scalar)
        if not isinstance(given, Tensor):
            self._size = given
        else:
            if dynamic_size:
                raise NotImplementedError("TensorArray: dynamic_size=True needs a size known "
                                          "when the graph is built")
            self._size_t = given
        if self._size is not None and self._size < 0:
            raise ValueError(f"TensorArray: size must be non-negative, got {self._size}")
        self._dynamic = bool(dynamic_size)
        self._initial = self._size or 0        # dynamic: the physical rows at creation - 1
        es = element_shape if isinstance(element_shape, TensorShape) else \
            TensorShape(None if element_shape is None else list(element_shape))
        self._element_shape = es
        self._flow: Tensor | None = None
        self._probe = None            # set while a while_loop traces its body the first time
        if flow is not None:
            self._set_flow(to_tensor(flow))
        elif es.dims is not None:
            self._flow = self._zeros(tuple(es.dims))

    # ------------------------------------------------------------------ internals
    @classmethod
    def _like(cls, other: TensorArray, flow: Tensor | None) -> TensorArray:
        ta = cls.__new__(cls)
        ta._dtype, ta._name, ta._infer_shape = other._dtype, other._name, other._infer_shape
        ta._size, ta._element_shape, ta._probe = other._size, other._element_shape, None
        ta._dynamic, ta._initial = other._dynamic, other._initial
        ta._size_t = other._size_t
        ta._flow = flow
        return ta

    def _zeros(self, dims: tuple) -> Tensor:
        """The initial buffer: zeros (size, *dims), an unknown dimension as 1 (broadcast to the
        written size at run time)."""
        if self._size_t is not None:           # a size known at run time: a host fill
            if any(d is None for d in dims):
                raise ValueError(f"TensorArray {self._name}: with a size computed at run time "
                                 f"the element shape must be fully known, got {list(dims)}")
            from .array_ops import zeros
            return zeros([self._size_t] + [int(d) for d in dims], self._dtype, name=self._name)
        rows = self._initial + 1 if self._dynamic else self._size  # dynamic: + a scratch row
        shape = (rows,) + tuple(1 if d is None else int(d) for d in dims)
        return constant(np.zeros(shape, self._dtype), name=self._name)

    def _set_flow(self, flow: Tensor) -> None:
        if flow.aval.ndim < 1:
            raise ValueError(f"TensorArray: a flow must have rank >= 1, got {flow.shape}")
        self._flow = flow
        if self._size is None and self._size_t is None:
            self._size = flow.aval.shape[0]
        self._element_shape = TensorShape(flow.aval.shape[1:])

    def _check_value(self, v: Tensor, what: str, lead: tuple = ()) -> Tensor:
        if v.aval.dtype != self._dtype:
            raise TypeError(f"TensorArray dtype is {_dtypes.as_dtype(self._dtype).name} but Op "
                            f"is trying to {what} dtype {v.dtype.name}.")
        shape = TensorShape(v.aval.shape[len(lead):])
        if self._element_shape.dims is not None and self._infer_shape and \
                not self._element_shape.is_compatible_with(shape):
            raise ValueError(f"Inconsistent shapes: saw {shape} but expected "
                             f"{self._element_shape} (and infer_shape=True)")
        return v

    def _buffer_for(self, v: Tensor, lead: int) -> Tensor | None:
        """The buffer to write ``v`` (of ``lead`` index dims + element) into; None in a probe."""
        if self._probe is not None:
            self._probe["shape"] = tuple(v.aval.shape[lead:])
            return None
        if self._flow is None:
            self._element_shape = TensorShape(v.aval.shape[lead:])
            self._flow = self._zeros(tuple(v.aval.shape[lead:]))
        return self._flow

    def _after(self, new: Tensor | None) -> TensorArray:
        ta = TensorArray._like(self, new if new is not None else self._flow)
        ta._probe = self._probe
        if self._probe is not None and self._probe.get("shape") is not None:
            ta._element_shape = TensorShape(self._probe["shape"])
        return ta

    def _row_ids(self, buf: Tensor, trailing: int) -> Tensor:
        """0, 1, ..., size - 1 (int64) shaped ``(size,) + (1,) * trailing``."""
        if self._size_t is None:
            n = self._count()
            return constant(np.arange(n, dtype=np.int64).reshape((n,) + (1,) * trailing))
        r = _arange_rows(buf)
        return _ops.expand_dims(r, tuple(range(1, trailing + 1))) if trailing else r

    def _count(self) -> int:
        if self._size is None:
            raise ValueError("TensorArray: its size is not known when the graph is built")
        return int(self._size)

    def _value(self, op: str) -> Tensor:
        if self._probe is not None or self._flow is None:
            raise ValueError(f"TensorArray.{op}: the array has no element shape yet (give "
                             "element_shape=, or write to it first)")
        return self._flow

    # ------------------------------------------------------------------ properties
    @property
    def dtype(self):
        return _dtypes.as_dtype(self._dtype)

    @property
    def flow(self) -> Tensor:
        return self._value("flow")

    handle = flow

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic

    def size(self, name=None) -> Tensor:
        """The number of elements (an int32 scalar; computed at run time with dynamic_size)."""
        if self._dynamic:
            return _ops.cast(_ops.sub(_rows(self._value("size")), 1), np.int32)
        if self._size_t is not None:
            return _ops.cast(self._size_t, np.int32)
        return constant(np.int32(self._count()), name=name or "TensorArraySize")

    # ------------------------------------------------------------------ write side
    def write(self, index, value, name=None) -> TensorArray:
        """A new TensorArray with element ``index`` set to ``value``."""
        g = get_default_graph()
        with g.name_scope(name or "TensorArrayWrite"):
            v = self._check_value(to_tensor(value, g, self._dtype), "write")
            i = to_tensor(index, g)
            if i.aval.dtype.kind not in "iu" or i.aval.ndim != 0:
                raise TypeError(f"TensorArray.write: index must be a scalar int, got {i.dtype.name}"
                                f" of shape {i.shape}")
            buf = self._buffer_for(v, 0)
            if buf is None:
                return self._after(None)
            if self._dynamic:
                return self._after(_dynamic_write(buf, i, v))
            if isinstance(index, (int, np.integer)) and self._size is not None and \
                    not 0 <= int(index) < self._size:
                raise ValueError(f"Tried to write to index {int(index)} but array is not "
                                 f"resizeable and size is: {self._size}")
            if not isinstance(index, (int, np.integer)):
                i = checked_write_index(i, buf, self._size)
            hit = _ops.equal(self._row_ids(buf, v.aval.ndim), _ops.cast(i, np.int64))
            return self._after(_ops.where(hit, _ops.expand_dims(v, 0), buf))

    def scatter(self, indices, value, name=None) -> TensorArray:
        """A new TensorArray with elements ``indices`` set to the rows of ``value``."""
        g = get_default_graph()
        with g.name_scope(name or "TensorArrayScatter"):
            v = to_tensor(value, g, self._dtype)
            ix = _ops.cast(to_tensor(indices, g), np.int64)
            if ix.aval.ndim != 1:
                raise ValueError(f"TensorArray.scatter: indices must be a vector, got {ix.shape}")
            self._check_value(v, "scatter", (None,))
            if self._dynamic:
                raise NotImplementedError("TensorArray.scatter on a dynamic_size array is not "
                                          "supported (write the elements one by one)")
            buf = self._buffer_for(v, 1)
            if buf is None:
                return self._after(None)
            buf = _ops.add(buf, _ops.expand_dims(_ops.zeros_like(_ops.getitem(v, (0,))), 0))
            placed = _ops.scatter_add(v, ix, buf)
            rows = self._row_ids(buf, 0)
            hit = _ops.scatter_add(_ops.full_like(ix, 1, np.int64), ix, _ops.zeros_like(rows))
            hit = _ops.expand_dims(_ops.greater(hit, 0), tuple(range(1, v.aval.ndim)))
            return self._after(_ops.where(hit, placed, buf))

    def unstack(self, value, name=None) -> TensorArray:
        """A new TensorArray whose elements are the rows of ``value`` (``value.shape[0]`` must
        be the size)."""
        g = get_default_graph()
        with g.name_scope(name or "TensorArrayUnstack"):
            v = to_tensor(value, g, self._dtype)
            if v.aval.ndim < 1:
                raise ValueError(f"TensorArray.unstack: value must have rank >= 1, got "
                                 f"{v.shape}")
            self._check_value(v, "unstack", (None,))
            if self._size_t is not None:         # TF1's unstack: a scatter to rows 0..n-1
                return self.scatter(_arange_rows(v), v)
            n = v.aval.shape[0]
            if n is None:
                raise NotImplementedError("TensorArray.unstack: the first dimension of the "
                                          "value must be known when the graph is built")
            if self._size is not None and n > self._size and not self._dynamic:
                raise ValueError(f"Could not scatter to TensorArray: value has {n} rows but "
                                 f"the array's size is {self._size} (Max scatter index must "
                                 f"be < array size ({n - 1} vs. {self._size}))")
            if self._size is not None and n < self._size and not self._dynamic:
                # TF1's unstack is a scatter to rows 0..n-1: fewer rows than the size is fine
                return self.scatter(constant(np.arange(n, dtype=np.int64)), v)
            if self._probe is not None:
                self._probe["shape"] = tuple(v.aval.shape[1:])
                return self._after(None)
            if self._dynamic:                        # the rows, then the zero scratch row
                ta = self._after(_ops.concatenate(
                    [v, _ops.expand_dims(_ops.zeros_like(_ops.getitem(v, (0,))), 0)], 0))
                ta._element_shape = TensorShape(v.aval.shape[1:])
                return ta
            ta = self._after(_ops.identity(v))
            ta._size, ta._element_shape = n, TensorShape(v.aval.shape[1:])
            return ta

    def identity(self) -> TensorArray:
        """This array (a new object sharing the buffer)."""
        return self._after(None)

    def close(self, name=None):
        """Does nothing (an op to run, as TensorFlow's)."""
        return _cf.no_op(name=name or "TensorArrayClose")

    # ------------------------------------------------------------------ read side
    def read(self, index, name=None) -> Tensor:
        """Element ``index`` (zeros if it was never written)."""
        g = get_default_graph()
        with g.name_scope(name or "TensorArrayRead"):
            buf = self._value("read")
            # a Python int that may be outside the array (negative, past a fixed size, or any
            # index of a growing one): TF1's error when it runs
            if isinstance(index, (int, np.integer)) and (index < 0 or (
                    self._size is not None and (self._dynamic or index >= self._size))):
                return _ops.take(buf, _checked_read(int(index), self.size()))
            return _ops.take(buf, _index(to_tensor(index, g)))

    def gather(self, indices, name=None) -> Tensor:
        """The elements ``indices``, stacked."""
        g = get_default_graph()
        with g.name_scope(name or "TensorArrayGather"):
            return _ops.take(self._value("gather"), _index(to_tensor(indices, g)))

    def stack(self, name=None) -> Tensor:
        """All elements stacked: shape (size,) + element_shape."""
        buf = self._value("stack")
        if not self._dynamic:
            return _ops.identity(buf)
        r = _arange_rows(buf)                  # all rows but the scratch row
        keep = _ops.nonzero(_ops.less(r, _ops.sub(_rows(buf), 1)))
        return _ops.take(buf, _ops.reshape(keep, (-1,)))

    def concat(self, name=None) -> Tensor:
        """All elements joined along their first dimension."""
        buf = self.stack() if self._dynamic else self._value("concat")
        if buf.aval.ndim < 2:
            raise ValueError("Concatenating scalars in TensorArray is unsupported. Expected "
                             "element_shape to have rank at least 1")
        dims = [_ops.dim_size(buf, d) for d in range(buf.aval.ndim)]
        lead = dims[0] * dims[1] if all(isinstance(d, int) for d in dims[:2]) else \
            _ops.mul(_ops.cast(_ops.dim_size(buf, 0), np.int64),
                     _ops.cast(_ops.dim_size(buf, 1), np.int64))
        return _ops.reshape_dynamic(buf, [lead] + dims[2:])

    def grad(self, source, flow=None, name=None):
        raise NotImplementedError("TensorArray.grad is not supported; tf.gradients reaches the "
                                  "values written to a TensorArray directly")


# ============================================================================ read checks
def _read_check(i, n):
    i, n = int(np.asarray(i)), int(np.asarray(n))
    if not 0 <= i < n:
        raise ValueError(f"Tried to read from index {i} but array size is: {n}")
    return np.asarray(i, np.int64)


_host_ops.register("TensorArrayReadCheck", _read_check)


def _checked_read(index: int, size: Tensor) -> Tensor:
    """``index`` (a Python int outside the array) as a node that raises TensorFlow's
    ``InvalidArgumentError`` when it runs: TF1 reads by index at run time, and ``read(-1)``
    does not count from the end."""
    return _host_ops.host_op("TensorArrayReadCheck", [constant(np.int64(index)), size],
                             [((), np.int64)]).outputs[0]


# ============================================================================ dynamic_size
# A dynamic array's buffer has one row more than its elements: a zero "scratch" row at the end.
# Writing at index size() grows it by one (a ``take`` of rows 0..R-1 and the scratch row again,
# under a ``cond``), so its gradient is the take's; stack() takes the rows before the scratch
# row.  Growing by more than one element at a time is refused at run time.

def _rows(buf) -> Tensor:
    """The number of rows of ``buf`` as an int64 scalar (known or computed at run time)."""
    d = _ops.dim_size(buf, 0)
    return constant(np.int64(d)) if isinstance(d, int) else _ops.cast(d, np.int64)


def _arange_rows(buf) -> Tensor:
    """0, 1, ..., rows - 1 (int64), for a buffer whose row count may be known at run time."""
    col = _ops.getitem(buf, (slice(None),) + (0,) * (buf.aval.ndim - 1))
    return _ops.sub(_ops.cumsum(_ops.full_like(col, 1, np.int64), 0), 1)


def _grow(buf) -> Tensor:
    r = _arange_rows(buf)
    last = _ops.sub(_rows(buf), 1)
    nxt = _ops.concatenate([r, _ops.reshape(_ops.add(last, 1), (1,))], 0)
    return _ops.take(buf, _ops.minimum(nxt, last))


def _dynamic_write(buf, i, v) -> Tensor:
    from .debug_ops import Assert
    g = get_default_graph()
    i64 = _ops.cast(i, np.int64)
    n = _ops.sub(_rows(buf), 1)
    check = Assert(_ops.less_equal(i64, n), [
        "TensorArray (dynamic_size) grows one element at a time: tried to write index", i64,
        "but its size is", n])
    grown = _cf.cond(_ops.greater_equal(i64, n), lambda: _grow(buf),
                     lambda: _ops.identity(buf))
    hit = _ops.equal(_ops.reshape(_arange_rows(grown), (-1,) + (1,) * v.aval.ndim), i64)
    with g.control_dependencies([check]):
        return _ops.identity(_ops.where(hit, _ops.expand_dims(v, 0), grown))


# ============================================================================ while_loop
def _map(x, fn):
    """``x`` with every leaf replaced by ``fn(leaf)`` (lists, tuples, namedtuples, dicts)."""
    if isinstance(x, (list, tuple)):
        vals = [_map(v, fn) for v in x]
        return type(x)(*vals) if hasattr(x, "_fields") else type(x)(vals)
    if isinstance(x, dict):                  # sorted keys, as control_flow's loop variables
        return {k: _map(x[k], fn) for k in sorted(x)}
    return fn(x)


def _leaves(x) -> list:
    out: list = []
    _map(x, out.append)
    return out


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations: int = 10,
               back_prop: bool = True, swap_memory: bool = False, name: str | None = None,
               maximum_iterations=None, return_same_structure: bool = False):
    """``tf.while_loop``: repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``;
    loop variables may be (nested structures of) tensors and TensorArrays.

    Example::

        >>> import dlcore_static as tf
        >>> i, s = tf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), [0, 0])
        >>> with tf.Session() as sess:
        ...     [int(v) for v in sess.run([i, s])]
        [4, 6]
    """
    kw = {"parallel_iterations": parallel_iterations, "back_prop": back_prop,
          "swap_memory": swap_memory, "name": name, "maximum_iterations": maximum_iterations,
          "return_same_structure": return_same_structure}
    if not any(isinstance(v, TensorArray) for v in _leaves(loop_vars)):
        return _cf.while_loop(cond, body, loop_vars, shape_invariants, **kw)
    if not callable(cond) or not callable(body):
        raise TypeError("cond and body must be callable.")
    single = not isinstance(loop_vars, (list, tuple, dict))
    lv = [loop_vars] if single else loop_vars
    tas = [v for v in _leaves(lv) if isinstance(v, TensorArray)]
    probes = {id(ta): {"shape": None} for ta in tas if ta._flow is None}
    if probes:                         # trace once to learn the element shapes
        _run(cond, body, lv, shape_invariants, single, probes, dict(kw, name=None))
        for ta in tas:
            p = probes.get(id(ta))
            if p is not None:
                if p["shape"] is None:
                    raise ValueError(f"TensorArray {ta._name} enters tf.while_loop with an "
                                     "unknown element shape and the loop body does not write "
                                     "it; give element_shape=")
                ta._element_shape = TensorShape(p["shape"])
                ta._flow = ta._zeros(p["shape"])
    return _run(cond, body, lv, shape_invariants, single, {}, kw)


def _run(cond, body, lv, shape_invariants, single, probes, kw):
    templates: dict = {}

    def to_flow(v):
        if not isinstance(v, TensorArray):
            return v
        if id(v) in probes:
            return constant(np.float32(0), name="TensorArrayProbe")
        return v._value("while_loop")

    def invariant(v):
        if not isinstance(v, TensorArray):
            return None
        if id(v) in probes:
            return TensorShape([])
        rows = None if v._dynamic else v._size
        return TensorShape((rows,) + tuple(v._element_shape.dims or ()))

    flat = _map(lv, to_flow)
    slots = [v for v in _leaves(lv)]
    if shape_invariants is not None:
        inv_user = [shape_invariants] if single else shape_invariants
        inv_leaves = _leaves(inv_user) if isinstance(inv_user, (list, tuple, dict)) else \
            [inv_user]
        if len(inv_leaves) != len(slots):
            raise ValueError("shape_invariants must have the structure of loop_vars")
        invs = [invariant(v) if isinstance(v, TensorArray) else s
                for v, s in zip(slots, inv_leaves)]
    else:
        invs = [invariant(v) for v in slots]
    for k, v in enumerate(slots):
        if isinstance(v, TensorArray):
            templates[k] = v

    def rebuild(values):
        it = iter(_leaves(values))
        out = []
        for k, val in enumerate(it):
            ta = templates.get(k)
            if ta is None:
                out.append(val)
                continue
            new = TensorArray._like(ta, val)
            if id(ta) in probes:
                new._probe = probes[id(ta)]
            out.append(new)
        itr = iter(out)
        return _map(lv, lambda _: next(itr))

    def strip(values):
        return _map(values, lambda v: (v._flow if v._flow is not None else
                                       constant(np.float32(0), name="TensorArrayProbe"))
                    if isinstance(v, TensorArray) else v)

    def cond_(*args):
        return cond(*rebuild(list(args)))

    def body_(*args):
        new = body(*rebuild(list(args)))
        if single and not isinstance(new, (list, tuple)):
            new = [new]
        return strip(list(new) if isinstance(new, tuple) and not hasattr(new, "_fields")
                     else new)

    inv_struct = None
    if any(s is not None for s in invs):
        it = iter(invs)
        inv_struct = _map(lv, lambda _: next(it))
    res = _cf.while_loop(cond_, body_, flat, inv_struct, **dict(kw, return_same_structure=True))
    out = rebuild(res)
    if single and not kw["return_same_structure"]:
        return out[0]
    leaves = _leaves(out)
    if not kw["return_same_structure"] and len(leaves) == 1:
        return leaves[0]                       # TF1 unpacks a single loop variable
    return out
