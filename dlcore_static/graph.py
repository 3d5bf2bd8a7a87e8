"""The graph: Operations (nodes) joined by Tensors (edges), built now and run later.

Building a model does no arithmetic: each call such as ``tf.matmul(x, w)`` adds an ``Operation``
to the *default graph* and returns a ``Tensor``, a symbolic handle to its output with a static
shape (``None``: unknown) and dtype from the core's shape rules; values exist in ``Session.run``.

* ``Graph``: the ops in creation order (creation order is always a valid topological order,
  because an op can only use tensors that already exist), unique names (``MatMul``,
  ``MatMul_1``), name scopes (``layer1/MatMul``), the stack of ``control_dependencies``, the
  device scope, collections (variables, trainable variables, losses) and the stack of
  control-flow contexts (the branch of a ``cond`` or the body of a ``while_loop`` being built).
* ``Operation``: a node.  ``prim`` is a core primitive for math ops; graph-level ops (Placeholder,
  Const, VariableV2, Assign, NoOp, random ops, Cond, While) have ``prim=None`` and an executor
  registered by type in ``session.py``.  Each op remembers the file:line that created it, so run
  time errors can point at the user's code.
* ``Tensor``: output ``i`` of an op, named ``"<op name>:<i>"``.  Python operators on tensors add
  ops; using a tensor as a Python bool is an error that points to ``tf.cond``.

Names (made lazily, name scopes, ``rename_op``, ``alias_outputs``): ``_graph_names.GraphNames``.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from dlcore.errors import format_shape
from dlcore.registry import AVal

from . import _op_attrs
from . import dtypes as _dtypes
from ._default_session import get_default_session, session_or_default, session_stack  # noqa: F401
from ._device_functions import DeviceFunction, NodeDef, apply_device_functions, device_scope
from ._gc_pause import begin_building, end_building, graph_created
from ._graph_names import GraphNames
from ._locations import (  # noqa: F401 - the names the front end and errors import from here
    _user_frame,
    _user_location,
    _where,
    fixed_location,
    format_location,
    in_package,
    restore_location,
)
from ._op_empties import NO_CONTROL_INPUTS, NO_PARAMS
from .tensor_shape import Dimension, TensorShape, dimension_value  # noqa: F401 - re-exported


# ============================================================================ tensors & ops
class Operation:
    """A node of the graph.  See the module docstring."""

    __slots__ = ("__weakref__", "_ctx", "_defined_at", "_id", "_kernel", "_name", "_outputs",
                 "attrs", "control_inputs", "device", "graph", "inputs", "params", "prim", "type")
    # (set by setup_op, declared for type checkers)
    graph: Graph
    type: str
    _name: str | None               # None until the graph makes it (Graph._flush_names)
    prim: Any
    inputs: tuple
    params: dict
    attrs: dict
    _defined_at: Any
    device: Any
    _ctx: Any
    control_inputs: list
    _outputs: Any                   # the Tensor of a single-output op, else a tuple of them
    _id: int
    _kernel: Any                    # (kernel, the kernel for its shapes) or None: plan.py
    get_attr = _op_attrs.get_attr   # (TF's Operation.get_attr)

    def __init__(self, graph: Graph, op_type: str, name: str, inputs=(), avals=(), *,
                 prim=None, params=None, attrs=None, defined_at: str | None = None):
        setup_op(self, graph, op_type, name, inputs, avals, prim, params, attrs,
                 defined_at or _user_location())

    @property
    def name(self) -> str:
        """The op's unique name (``MatMul_6``, ``layer1/MatMul``)."""
        n = self._name
        if n is None:                   # made lazily, in creation order (Graph._flush_names)
            self.graph._flush_names()
            n = self._name
        return n  # type: ignore[return-value]

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    @property
    def outputs(self) -> list:
        """The op's output tensors (a new list each time: an op keeps its one output without a
        list, one object less per node for the cyclic collector to walk, issue 19)."""
        o = self._outputs
        return [o] if type(o) is Tensor else list(o)

    @property
    def defined_at(self) -> str:
        """``file:line`` of the user code that created this op (or ``<loaded>``, ...)."""
        d = self._defined_at
        if type(d) is tuple:
            d = self._defined_at = format_location(d)
        return str(d)

    @defined_at.setter
    def defined_at(self, value: str) -> None:
        self._defined_at = value

    def _add_control_inputs(self, ops) -> None:
        if self.control_inputs is NO_CONTROL_INPUTS:
            self.control_inputs = []           # its own list from now on
        have = set(self.control_inputs)        # a set: a group of n updates is linear in n
        for o in ops:
            if o not in have:
                have.add(o)
                self.control_inputs.append(o)

    def run(self, feed_dict=None, session=None) -> None:
        session_or_default(session, "run").run(self, feed_dict)

    node_def = property(NodeDef)        # TF's NodeDef (``.op``: the type, as device functions read)

    @property
    def control_flow_context(self):
        """The ``cond`` branch or ``while_loop`` body this op was built in (``kind``, ``name``,
        ``branch``), or None at top level (read by pictures and tools)."""
        return self._ctx

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"


new_op = object.__new__      # ``setup_op(new_op(Operation), ...)``: ``Operation(...)`` for hot paths


def setup_op(self: Operation, graph: Graph, op_type: str, name: str | None, inputs, avals,
             prim, params, attrs, defined_at) -> Any:
    """``Operation.__init__``'s work, with every argument positional: the static front end's
    hot path makes a node as ``setup_op(new_op(Operation), ...)`` (a call of the class with
    keyword arguments cost more than the rest of it, issue 19).  ``name`` None: the op is
    named when a name is asked for (``_defer_name``), or now if an error must name it.
    Returns the op's first output (None if it has none)."""
    self.graph = graph
    self.type = op_type
    self._name = name
    self.prim = prim
    self.inputs = inputs if type(inputs) is tuple else tuple(inputs)
    self.params = params or NO_PARAMS
    self.attrs = attrs or {}
    self._defined_at = defined_at
    self._kernel = None                 # (StaticFrontend.apply: frontend._static_kernel)
    if graph._plain:                    # no device scope, control-flow context, control
        self.device = None              # dependencies, finalize(): the common case
        self._ctx = ctx = None
        self.control_inputs = NO_CONTROL_INPUTS
    else:
        if graph._finalized:
            graph._check_not_finalized()
        stack = graph._device_stack
        self.device = stack[-1] if stack else None
        stack = graph._ctx_stack
        self._ctx = ctx = stack[-1] if stack else None
        if ctx is not None:
            graph._ctx_ops = True       # (StaticFrontend.apply's checks of its inputs)
        self.control_inputs = [c for c in graph._current_control_inputs() if c is not None] \
            if graph._control_stack else NO_CONTROL_INPUTS
    for t in self.inputs:
        top = t.op
        if top.graph is not graph or top._ctx is not ctx:
            if name is None:
                name = graph.unique_name(op_type)   # (named in the error)
            if top.graph is not graph:
                raise ValueError(f"Tensor {t!r} must be from the same graph as the op "
                                 f"'{name}' being created.")
            _check_visible(t, ctx, name)
    if len(avals) == 1:
        t = new_op(Tensor)               # Tensor(self, 0, avals[0]), without the call
        t.op = self
        t.value_index = 0
        t.aval = avals[0]
        self._outputs = t
    else:
        self._outputs = outs = tuple([Tensor(self, i, a) for i, a in enumerate(avals)])
        t = outs[0] if outs else None
    ops = graph._ops
    self._id = len(ops)
    ops.append(self)
    if name is None:                     # graph._defer_name(self), inline
        graph._pending.extend((self, graph._scope))
    else:
        self._name = name                # (made above where an input needed it named)
        graph._by_name[name] = self
    if type(self.device) is DeviceFunction:     # tf.device(fn): fn(op) places the op made
        self.device = apply_device_functions(self, self.device)
    return t


def _check_visible(t: Tensor, ctx, name: str) -> None:
    """A tensor made inside a cond branch or loop body can only be used inside it."""
    c = ctx
    while c is not None:
        if t.op._ctx is c:
            return
        c = c.parent
    if t.op._ctx is None:
        return
    raise ValueError(f"Tensor '{t.name}' was created inside a {t.op._ctx.kind} and cannot be "
                     f"used by '{name}' outside it; return it from the branch/body instead.")


class Tensor:
    """Output ``value_index`` of ``op``: a symbolic value with a static shape and dtype."""

    __slots__ = ("__weakref__", "aval", "op", "value_index")

    if TYPE_CHECKING:
        # installed at import time, declared for type checkers: the operators generated from the
        # ops' definition blocks (dlcore_static._api; == stays identity, as in TF1), and what
        # frontend.py sets
        __dlcore_frontend__: ClassVar[Any]
        __array_ufunc__: ClassVar[Any]
        _dlcore_unknown_rank: ClassVar[Any]          # a property
        def __add__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __floordiv__(self, other: Any) -> Tensor: ...
        def __rfloordiv__(self, other: Any) -> Tensor: ...
        def __mod__(self, other: Any) -> Tensor: ...
        def __rmod__(self, other: Any) -> Tensor: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __and__(self, other: Any) -> Tensor: ...
        def __rand__(self, other: Any) -> Tensor: ...
        def __or__(self, other: Any) -> Tensor: ...
        def __ror__(self, other: Any) -> Tensor: ...
        def __xor__(self, other: Any) -> Tensor: ...
        def __rxor__(self, other: Any) -> Tensor: ...
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __invert__(self) -> Tensor: ...
        def __getitem__(self, key: Any) -> Tensor: ...

    def __init__(self, op: Operation, value_index: int, aval: AVal):
        self.op = op
        self.value_index = value_index
        self.aval = aval

    # -- the core's protocol
    def __dlcore_aval__(self) -> AVal:
        return self.aval

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self) -> Graph:
        return self.op.graph

    @property
    def dtype(self) -> _dtypes.DType:
        return _dtypes.as_dtype(self.aval.dtype)

    @property
    def shape(self) -> TensorShape:
        if self.op.attrs.get("unknown_rank"):
            return TensorShape(None)
        return TensorShape(self.aval.shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def device(self):
        return self.op.device

    def consumers(self) -> list:
        # identity, as ``self in op.inputs`` meant: ``in`` called Tensor.__eq__ (its warning
        # check, a frame lookup) for every other input of every op (ciops: 631,662 calls, ~1 s
        # of tests/programs, from loop_history and compiler/loop_invariants)
        out = []
        for op in self.graph._ops:
            for t in op.inputs:
                if t is self:
                    out.append(op)
                    break
        return out

    def eval(self, feed_dict=None, session=None):
        return session_or_default(session).run(self, feed_dict)

    def __bool__(self):
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not "
                        "None:` instead of `if t:` to test if a tensor is defined, and use "
                        "TensorFlow ops such as tf.cond to execute subgraphs conditioned on the "
                        "value of a tensor.")

    def __iter__(self):
        raise TypeError("Tensor objects are only iterable when eager execution is enabled. To "
                        "iterate over this tensor use tf.map_fn.")

    def __len__(self):
        raise TypeError(f"len is not well defined for symbolic Tensors. ({self.name}) Please "
                        "call `x.shape` rather than `len(x)` for shape information.")

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(  # TF 1.15's (np.argmax(t) made a 0-d object array before)
            f"Cannot convert a symbolic Tensor ({self.name}) to a numpy array.")

    def __repr__(self) -> str:
        shape = TensorShape(self.aval.shape)
        return f"<tf.Tensor '{self.name}' shape={shape} dtype={self.dtype.name}>"

    __hash__ = object.__hash__


# ============================================================================ graph
class _AsDefault(contextlib.ContextDecorator):
    """``Graph.as_default()``'s context manager, a class (a graph per batch, issue 19)."""

    def __init__(self, graph: Graph):
        self.graph = graph

    def __enter__(self) -> Graph:
        _stack().append(self.graph)
        begin_building()            # (the collector's young threshold raised: _gc_pause.py)
        return self.graph

    def __exit__(self, *exc) -> None:
        _stack().pop()
        end_building()


class Graph(GraphNames):
    """A TensorFlow-1-style graph.  ``with g.as_default():`` makes it the default graph."""

    def __new__(cls, *args, **kwargs):
        graph_created()         # (a due young collection, before the object: _gc_pause.py)
        return super().__new__(cls)

    def __init__(self):
        self._ops: list[Operation] = []
        self._by_name: dict[str, Operation] = {}      # (read through _ops_by_name)
        self._names: dict[str, int] = {}              # (read through _names_in_use)
        # The ops the static front end made without their names yet, with the name scope
        # each was made in (see _flush_names).
        # (op, scope, op, scope, ...): one extend per op, so that a flush in another thread
        # (a Session's error naming a node) never sees an op without its scope; a scope
        # entry (scope, name) names the op ``name`` instead of its type (_rename_pending)
        self._pending: list = []
        self._names_lock = threading.Lock()     # one flush at a time
        # a pending op's name= (rename_op deferred): the scope it was given in, and the name
        self._pending_given: dict[Operation, tuple[str, str, bool]] = {}
        # the lower-case last parts of the names the pending ops will reserve, for the first
        # _segs_seen of them (see _may_clash)
        self._pending_segs: set[str] = set()
        self._segs_seen = 0
        self._scope = ""
        self._last_made: str | None = None      # the last name reserved (_unreserve_type_name)
        self._control_stack: list[list] = []
        self._device_stack: list = []       # what setup_op reads (_device_functions.py)
        self._device_specs: list = []       # the tf.device scopes' specs
        self._ctx_stack: list = []
        self._ctx_ops = False               # an op was made inside a cond branch or loop body
        self._collections: dict[str, list] = {}
        self._finalized = False
        # no device scope, control-flow context or control dependencies, not finalized: what
        # setup_op reads of the four (kept by _replain whenever one changes)
        self._plain = True
        self.seed = None
        self._variables_by_op: dict = {}
        # "split:1" -> the tensor TF1's one multi-output op gives there, where ours are
        # several ops (tf.split, tf.unstack, tf.nn.top_k: see alias_outputs)
        self._output_aliases: dict[str, Tensor] = {}

    # -- default graph
    def as_default(self) -> _AsDefault:        # (``g`` the default graph in the block)
        return _AsDefault(self)

    # -- names: GraphNames (_graph_names.py): unique names made lazily, name scopes,
    # rename_op, alias_outputs

    # -- control dependencies
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs) -> Iterator[None]:
        """Ops *constructed* inside the block run after ``control_inputs`` (nesting accumulates);
        ``None`` clears the outer ones and the control-flow context, as TF 1.15."""
        if control_inputs is None:
            saved, ctxs = self._control_stack, self._ctx_stack
            self._control_stack, self._ctx_stack = [], []
            self._replain()
            try:
                yield
            finally:
                self._control_stack, self._ctx_stack = saved, ctxs
                self._replain()
            return
        ops = []
        for c in control_inputs:
            c = _as_op(self, c)
            if c is not None:
                ops.append(c)
        self._control_stack.append(ops)
        self._plain = False
        try:
            yield
        finally:
            self._control_stack.pop()
            self._replain()

    def _current_control_inputs(self) -> list:
        if not self._control_stack:
            return []
        out = []
        for level in self._control_stack:
            out.extend(level)
        return out

    def device(self, spec):
        """``tf.device(spec)``: a name, a device function or None (_device_functions.py)."""
        return device_scope(self, spec)

    # -- control-flow contexts (cond branches, loop bodies)
    @contextlib.contextmanager
    def _enter_context(self, ctx) -> Iterator[None]:
        self._ctx_stack.append(ctx)
        self._plain = False
        try:
            yield
        finally:
            self._ctx_stack.pop()
            self._replain()

    def _replain(self) -> None:
        """``_plain`` again, after a device scope, context or control dependencies changed."""
        self._plain = not (self._device_stack or self._ctx_stack or self._control_stack or
                           self._finalized)

    # -- lookup
    def get_operations(self) -> list[Operation]:
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        try:
            return self._ops_by_name[name]
        except KeyError:
            raise KeyError(f"The name '{name}' refers to an Operation not in the graph.") from None

    def get_tensor_by_name(self, name: str) -> Tensor:
        m = re.fullmatch(r"(.+):(\d+)", name)
        if not m:
            raise ValueError(f"The name '{name}' looks a like an Operation name, not a Tensor "
                             "name (tensor names are of the form \"<op_name>:<output_index>\").")
        op = self._ops_by_name.get(m.group(1))
        if op is None:
            t = self._output_aliases.get(name) if self._output_aliases else None
            if t is not None:
                return t
            raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The "
                           f"operation, '{m.group(1)}', does not exist in the graph.")
        var = self._variables_by_op.get(op)
        if var is not None:
            return var.value()
        i = int(m.group(2))
        if i >= len(op.outputs):
            raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The "
                           f"operation, '{op.name}', exists but only has {len(op.outputs)} "
                           "outputs.")
        return op.outputs[i]

    def as_graph_element(self, obj, allow_tensor: bool = True, allow_operation: bool = True):
        if isinstance(obj, Tensor) and allow_tensor:
            return obj
        if isinstance(obj, Operation) and allow_operation:
            return obj
        conv = getattr(obj, "_as_graph_element", None)
        if conv is not None:
            return conv()
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                return self.get_tensor_by_name(obj)
            if allow_operation:
                return self.get_operation_by_name(obj)
        raise TypeError(f"Can not convert a {type(obj).__name__} into a "
                        f"{'Tensor or Operation' if allow_operation else 'Tensor'}.")

    # -- collections
    def add_to_collection(self, name: str, value) -> None:
        self._collections.setdefault(name, []).append(value)

    def get_collection(self, name: str, scope: str | None = None) -> list:
        items = list(self._collections.get(name, []))
        if scope is not None:
            items = [v for v in items if getattr(v, "name", "").startswith(scope)]
        return items

    def get_collection_ref(self, name: str) -> list:
        """The collection's list itself (made empty if absent), as TensorFlow's."""
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self) -> list[str]:
        return list(self._collections)

    # -- finalize
    def finalize(self) -> None:
        self._finalized = True
        self._plain = False

    @property
    def finalized(self) -> bool:
        return self._finalized

    def _check_not_finalized(self) -> None:
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")

    @property
    def version(self) -> int:
        return len(self._ops)

    def __len__(self) -> int:
        return len(self._ops)


def _as_op(graph: Graph, c):
    """A control input: an Operation, a Tensor (its op) or a Variable (its read op)."""
    if c is None:
        return None
    if isinstance(c, Operation):
        return c
    if isinstance(c, Tensor):
        return c.op
    conv = getattr(c, "_as_graph_element", None)
    if conv is not None:
        return _as_op(graph, conv())
    if isinstance(c, str):
        return graph.as_graph_element(c).op if ":" in c else graph.get_operation_by_name(c)
    raise TypeError(f"Can not convert a {type(c).__name__} into an Operation.")


# ============================================================================ default graph
_local = threading.local()
_global_default = Graph()


def _stack() -> list:
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


graph_stack = _stack        # this thread's stack of default graphs (``Graph.as_default`` pushes)


def get_default_graph() -> Graph:
    s = _stack()
    return s[-1] if s else _global_default


def reset_default_graph() -> None:
    global _global_default
    if _stack():
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs.")
    _global_default = Graph()


def name_scope(name, default_name=None, values=None):
    return get_default_graph().name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(spec):
    return get_default_graph().device(spec)


def shape_text(shape) -> str:
    return format_shape(shape)
