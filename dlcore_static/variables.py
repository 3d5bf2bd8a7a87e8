"""Variables: state that persists in a Session between ``run`` calls.

``tf.Variable(initial_value)`` adds three kinds of node:

* ``w`` (``VariableV2``): the variable itself; its value lives in each Session, not in the graph;
* ``w/read`` (``VariableRead``): reads the current value; every op that uses ``w`` reads through
  it (a fresh read is made when ``w`` is used inside ``control_dependencies``, so the read is
  ordered after those ops, like TensorFlow's ref variables);
* ``w/Assign`` (the initializer): assigns ``initial_value``.  ``global_variables_initializer()``
  groups the initializers of the variables that exist *when it is called*.

``w.assign(v)``, ``assign_add`` and ``assign_sub`` only create ``Assign`` nodes; they change the
variable when a run executes them.  Reading a variable that was never assigned in this Session
raises ``FailedPreconditionError: Attempting to use uninitialized value w``.  Assignments are
staged during a run and committed when it succeeds (``variable_store.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

from dlcore import ops as _ops
from dlcore.device import to_device
from dlcore.registry import AVal

from . import dtypes as _dtypes
from . import fetches as _fetches
from . import plan as _plan
from .errors import FailedPreconditionError, InvalidArgumentError, node_suffix
from .frontend import StaticFrontend, rename, to_tensor
from .graph import Graph, Operation, Tensor, TensorShape, get_default_graph, get_default_session
from .host_ops import host_op
from .host_ops import register as register_host_op

GLOBAL_VARIABLES = "variables"
TRAINABLE_VARIABLES = "trainable_variables"
LOCAL_VARIABLES = "local_variables"


class GraphKeys:
    GLOBAL_VARIABLES = GLOBAL_VARIABLES
    TRAINABLE_VARIABLES = TRAINABLE_VARIABLES
    LOCAL_VARIABLES = LOCAL_VARIABLES
    LOSSES = "losses"
    UPDATE_OPS = "update_ops"
    GLOBAL_STEP = "global_step"
    # other collection names that TensorFlow programs read
    REGULARIZATION_LOSSES = "regularization_losses"
    SUMMARIES = "summaries"
    METRIC_VARIABLES = "metric_variables"
    MODEL_VARIABLES = "model_variables"
    ACTIVATIONS = "activations"
    QUEUE_RUNNERS = "queue_runners"
    INIT_OP = "init_op"
    TRAIN_OP = "train_op"
    SAVERS = "savers"


def init_scope() -> contextlib.AbstractContextManager:
    """``tf.init_scope()`` (TF 1.15, graph mode): ops made inside are outside any control-flow
    context (cond branch, loop body) and any control dependencies of the default graph; the
    name scope and the device scope stay.  Variables are made in it."""
    return _init_scope(get_default_graph())


@contextlib.contextmanager
def _init_scope(g: Graph) -> Iterator[None]:
    ctxs, deps = g._ctx_stack, g._control_stack
    if not ctxs and not deps:
        yield
        return
    g._ctx_stack, g._control_stack = [], []
    g._replain()
    try:
        yield
    finally:
        g._ctx_stack, g._control_stack = ctxs, deps
        g._replain()


class Variable:
    """A TensorFlow-1 variable.  Usable wherever a Tensor is (it converts to its read tensor)."""

    __dlcore_frontend__ = StaticFrontend
    __array_ufunc__ = None          # ndarray (left) op Variable: the Variable's reflected operator
    # a part of a partitioned variable: (full name, full shape, offset, shape) (partitioned.py)
    _save_slice_info: tuple | None = None

    def __init__(self, initial_value=None, trainable: bool = True, name: str | None = None,
                 dtype=None, validate_shape: bool = True, collections=None,
                 expected_shape=None, graph: Graph | None = None, constraint=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        if constraint is not None and not callable(constraint):
            raise ValueError("The `constraint` argument must be a callable.")
        g = graph or get_default_graph()
        self.graph = g
        # TF 1.15's init_scope: the variable's ops are made outside any cond branch or loop
        # body and any control dependencies (the name scope stays), so that a variable made
        # in one branch is read (and reused, and differentiated) by the other
        with _init_scope(g), g.name_scope(name or "Variable") as scope:
            base = scope[:-1]
            if callable(initial_value) and not isinstance(initial_value, Tensor):
                with g.name_scope("Initializer"):       # TF1: w/Initializer/zeros
                    initial_value = initial_value()
            elif isinstance(initial_value, Tensor) and initial_value.op._ctx is not None:
                raise ValueError(f"Initializer for variable {scope} is from inside a "
                                 "control-flow construct, such as a loop or conditional. When "
                                 "creating a variable inside a loop or conditional, use a lambda "
                                 "as the initializer.")
            first = len(g._ops)
            if dtype is None and type(initial_value) in (int, float, bool):
                # TF1 converts a Python number as tf.convert_to_tensor does: an int is int32
                # (tf.Variable(0, name="global_step") is int32), a float float32
                from .frontend import constant as _constant
                initial_value = _constant(initial_value, graph=g)
            init = to_tensor(initial_value, g, None if dtype is None else _dtypes.as_np(dtype))
            if init.op._id >= first and init.op.type == "Const":
                rename(init, "initial_value", first)    # TF1's name of the value it converts
            if dtype is not None and init.aval.dtype != _dtypes.as_np(dtype):
                init = _ops.cast(init, _dtypes.as_np(dtype))
            self._initial_value = init
            aval = init.aval
            if not validate_shape:
                aval = AVal(tuple(None for _ in aval.shape), aval.dtype)
            self.op = Operation(g, "VariableV2", base, avals=[], attrs={"shape": aval.shape,
                                                                     "dtype": aval.dtype})
            self.aval = aval
            self._read = _read_op(self, g.unique_name("read"), control_free=True)
            self.initializer = Operation(g, "Assign", g.unique_name("Assign"), [init],
                                         [aval], attrs={"variable": self.op}).outputs[0].op
        self.trainable = trainable
        # TF1: a projection the tf.train optimizers assign after each dense update
        self.constraint = constraint
        self._reads: list[Tensor] = [self._read]
        g._variables_by_op[self.op] = self
        for c in (collections if collections is not None else [GLOBAL_VARIABLES]):
            g.add_to_collection(c, self)
        if trainable and TRAINABLE_VARIABLES not in (collections or []):
            g.add_to_collection(TRAINABLE_VARIABLES, self)

    # -- graph element protocol
    def value(self) -> Tensor:
        """The read tensor; inside ``control_dependencies`` a fresh read ordered after them."""
        g = self.graph
        if g._control_stack and any(g._control_stack):
            t = _read_op(self, g.unique_name(self.op.name + "/read"), control_free=False)
            self._reads.append(t)
            return t
        return self._read

    def read_value(self) -> Tensor:
        return self.value()

    def initialized_value(self) -> Tensor:
        """TF1's: the variable's value when it is initialized, else its initial value (to
        initialize another variable from this one whatever the order the initializers run)."""
        g = self.graph
        with g.control_dependencies(None):
            op = Operation(g, "InitializedValue", g.unique_name(self.op.name + "/cond"),
                           [self.initial_value], avals=[self.aval],
                           attrs={"variables": (self.op,)})
        return op.outputs[0]

    def _as_graph_element(self) -> Tensor:
        return self.value()

    def __dlcore_aval__(self) -> AVal:
        return self.aval

    @property
    def name(self) -> str:
        return f"{self.op.name}:0"

    @property
    def dtype(self):
        return _dtypes.as_dtype(self.aval.dtype)

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self.aval.shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    @property
    def device(self):
        return self.op.device

    def eval(self, session=None):
        return self.value().eval(session=session)

    def load(self, value, session=None) -> None:
        """Write ``value`` into the variable in ``session`` without adding ops."""
        sess = session or get_default_session()
        if sess is None:
            raise ValueError("Either session argument should be provided or default session "
                             "should be established")
        arr = np.asarray(value, dtype=self.aval.dtype)
        if not TensorShape(self.aval.shape).is_compatible_with(arr.shape):
            raise ValueError(f"Cannot load value of shape {arr.shape} into variable "
                             f"'{self.op.name}' of shape {self.shape}")
        # (where a run would put it: a GPU variable is on the CPU under soft placement; a GPU
        # one without CUDA nor soft placement is TF's placement error: TF 1.15 runs a feed of
        # the initializer, placing the whole graph)
        dev = _plan.placed(self.op, sess, sess.device)
        if dev.type == "cuda":
            from ._placement import check_placement
            check_placement(self.graph._ops, sess)
        sess.variables.set(self.op, to_device(_readonly(arr), dev))

    # -- assignment (only builds nodes)
    def assign(self, value, use_locking: bool = False, name: str | None = None,
               read_value: bool = True) -> Tensor:
        return self._assign(value, name or "Assign", True, True)

    def _assign(self, value, name: str, unique: bool, validate_shape: bool | None = None
                ) -> Tensor:
        """The ``Assign`` node of ``value``, named ``name`` made unique, or exactly ``name``
        with ``unique=False`` (a name scope's own name, reserved: ``AssignAdd``).
        ``validate_shape`` (tf.assign's): True: TF's Assign kernel refuses a value whose shape
        is not the variable's current one (checked when it runs, for a variable with a
        dimension unknown when built: ``validate_shape=False``); False: the variable takes
        the value's shape, along its unknown dimensions (its static shape is kept: a known
        dimension or the rank cannot change here, refused when built)."""
        g = self.graph
        value = to_tensor(value, g, self.aval.dtype)
        if value.aval.dtype != self.aval.dtype:
            raise TypeError(f"Input 'value' of 'Assign' Op has type {value.dtype.name} that "
                            f"does not match type {self.dtype.name} of argument 'ref'.")
        unknown = not value.aval.shape and value.op.attrs.get("unknown_rank")
        # a value of unknown rank (``w - lr * g`` with a shapeless learning-rate placeholder):
        # TF1's Assign takes it, and its kernel checks the shape when it runs (not broadcast
        # into the variable: a fed scalar or row filled it)
        if not unknown and not TensorShape(self.aval.shape).is_compatible_with(value.aval.shape):
            if validate_shape is False:
                raise ValueError(
                    f"dlcore: tf.assign(validate_shape=False) of a value of shape {value.shape} "
                    f"to variable '{self.op.name}' of static shape {self.shape}: a variable "
                    "keeps its rank and known dimensions here (TF 1.15 would reshape it); "
                    "create it with validate_shape=False to leave its dimensions unknown")
            raise ValueError(f"Dimension mismatch: shapes {self.shape} and {value.shape} are "
                             f"incompatible for the assignment to '{self.op.name}'")
        attrs: dict = {"variable": self.op}
        if validate_shape is not None:
            attrs["validate_shape"] = bool(validate_shape)
        op = Operation(g, "Assign", g.unique_name(name) if unique else name, [value], [self.aval],
                       attrs=attrs)
        return op.outputs[0]

    # TF1's one AssignAdd (AssignSub) op is our read, add and Assign: the Assign takes the
    # name scope's own name (``AssignAdd``, ``AssignAdd_1``; ``update_w/ApplyGradientDescent``),
    # the others are inside it (``AssignAdd/read``, ``AssignAdd/add``)
    def assign_add(self, delta, use_locking: bool = False, name: str | None = None) -> Tensor:
        delta, known = self._delta(delta, name or "AssignAdd", "AssignAdd")
        with self.graph.name_scope(name or "AssignAdd") as scope:
            new = _ops.add(self._update_read(), delta if known else
                           _shape_checked(delta, self.aval.shape, "AssignAdd"))
        return self._assign(new, scope[:-1], False)

    def assign_sub(self, delta, use_locking: bool = False, name: str | None = None) -> Tensor:
        delta, known = self._delta(delta, name or "AssignSub", "AssignSub")
        with self.graph.name_scope(name or "AssignSub") as scope:
            new = _ops.sub(self._update_read(), delta if known else
                           _shape_checked(delta, self.aval.shape, "AssignSub"))
        return self._assign(new, scope[:-1], False)

    def _delta(self, delta, name: str, op_type: str) -> tuple[Tensor, bool]:
        """``(delta as a tensor of the variable's type, whether its shape is known to be the
        variable's)``.  Its static shape is merged with the variable's as TF1's AssignAdd/
        AssignSub do (``MergeBothInputsShapeFn``): a delta of another rank or size is refused
        when built, not broadcast into the variable (a (3,) delta of a (3, 3) variable was
        added to every row); a shape known only when it runs is checked then."""
        d = _as(delta, self)
        shape = self.aval.shape
        if d.op.attrs.get("unknown_rank") and not d.aval.shape:
            return d, None in shape
        mine, theirs = TensorShape(shape), TensorShape(d.aval.shape)
        if mine.is_compatible_with(theirs):
            return d, theirs.is_fully_defined() or None in shape
        texts = [_shape_text(shape), _shape_text(d.aval.shape)]
        if len(shape) != len(d.aval.shape):
            why = f"Shapes must be equal rank, but are {len(shape)} and {len(d.aval.shape)}"
        else:
            i = next(i for i, (a, b) in enumerate(zip(shape, d.aval.shape))
                     if a is not None and b is not None and a != b)
            why = f"Dimension {i} in both shapes must be equal, but are {shape[i]} and " \
                  f"{d.aval.shape[i]}. Shapes are {texts[0]} and {texts[1]}."
        raise ValueError(f"{why} for '{self.graph.unique_name(name, mark_as_used=False)}' "
                         f"(op: '{op_type}') with input shapes: {texts[0]}, {texts[1]}.")

    def _update_read(self) -> Tensor:
        """The read of a read-modify-write update (``assign_add``, ``scatter_add``, an
        optimizer's apply): a read of its own, not the shared ``value()``, so that it runs
        just before its update.  The plan runs ops in creation order (``plan.py``), and an
        update's read, arithmetic and ``Assign`` are created together, so two updates of one
        variable in one run apply one after the other, each reading what the one before it
        staged (TF1: each ``AssignAdd`` reads-modify-writes its variable atomically):
        ``run([v.assign_add(1), v.assign_add(1)])`` adds 2.  Not in ``_reads``: gradients
        with respect to the variable do not flow through an update's own read."""
        return _read_op(self, self.graph.unique_name("read"), control_free=False)

    # -- operators: those of its read tensor
    def __getattr__(self, item):
        if item.startswith("__"):
            raise AttributeError(item)
        return getattr(self.value(), item)

    def __repr__(self) -> str:
        return (f"<tf.Variable '{self.name}' shape={self.shape} "
                f"dtype={self.dtype.name}_ref>")

    __str__ = __repr__
    __hash__ = object.__hash__

    def __bool__(self):
        return self.value().__bool__()


def _as(x, var: Variable):
    return to_tensor(x, var.graph, var.aval.dtype)


def _read_op(var: Variable, name: str, control_free: bool) -> Tensor:
    g = var.graph
    if control_free:
        with g.control_dependencies(None):
            op = Operation(g, "VariableRead", name, avals=[var.aval], attrs={"variable": var.op})
    else:
        op = Operation(g, "VariableRead", name, avals=[var.aval], attrs={"variable": var.op})
    return op.outputs[0]


def _readonly(a):
    if isinstance(a, np.ndarray) and a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


# ============================================================================ executors
def _read_factory(op: Operation, session, device):
    var = op.attrs["variable"]
    store = session.variables
    local, committed = store.local, store.get
    msg = f"Attempting to use uninitialized value {var.name}{node_suffix(op)}"

    def read():                 # this run's staged write first, else the committed value
        v = local.staged.get(var)
        if v is None:
            v = committed(var)
            if v is None:
                raise FailedPreconditionError(None, op, msg)
        return v
    return read, {}


def _shape_text(shape) -> str:
    """A shape as TensorFlow writes it (``TensorShape::DebugString``): ``[3,2]``, ``?``s."""
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _match_message(op_type: str, lhs, rhs) -> str:
    return (f"{op_type} requires shapes of both tensors to match. lhs shape= "
            f"{_shape_text(lhs)} rhs shape= {_shape_text(rhs)}")


def _delta_check_impl(v, *, lhs, op_type):
    if tuple(v.shape) != lhs:
        raise ValueError(_match_message(op_type, lhs, v.shape))
    return v


register_host_op("AssignShapeCheck", _delta_check_impl)


def _shape_checked(delta: Tensor, shape: tuple, op_type: str) -> Tensor:
    """``delta`` (its shape not known when built) passed on after a run-time check that its
    shape is the variable's: TF1's AssignAdd/AssignSub kernel refuses any other (the delta
    was broadcast into the variable)."""
    unknown = bool(delta.op.attrs.get("unknown_rank")) and not delta.aval.shape
    return host_op("AssignShapeCheck", [delta], [(tuple(delta.aval.shape), delta.aval.dtype)],
                   {"lhs": tuple(shape), "op_type": op_type},
                   unknown_rank=unknown).outputs[0]


def _current_shape_check(op: Operation, session):
    """tf.assign's default validate_shape on a variable with a dimension unknown when built:
    TF's Assign kernel refuses a value whose shape is not the variable's current one."""
    var, suffix = op.attrs["variable"], node_suffix(op)
    local, committed = session.variables.local, session.variables.get

    def check(v):
        old = local.staged.get(var)
        if old is None:
            old = committed(var)
        if old is not None and tuple(old.shape) != tuple(v.shape):
            raise InvalidArgumentError(None, op, _match_message("Assign", old.shape, v.shape)
                                       + suffix)
    return check


def _assign_factory(op: Operation, session, device):
    var = op.attrs["variable"]
    local = session.variables.local
    shape = var.attrs["shape"]
    if None in shape:
        check = _current_shape_check(op, session) if op.attrs.get("validate_shape") else None
    else:
        suffix = node_suffix(op)

        def check(v):
            if tuple(v.shape) != shape:
                raise InvalidArgumentError(None, op, _match_message("Assign", shape, v.shape)
                                           + suffix)

    def assign(v):
        if check is not None:
            check(v)
        if type(v) is np.ndarray and v.flags.writeable:
            v = v.view()
            v.flags.writeable = False
        local.staged[var] = v          # committed by the Session when the run succeeds
        return v
    return assign, {}


def _initialized_factory(op: Operation, session, device):
    variables = op.attrs["variables"]
    store = session.variables
    local, committed = store.local, store.get

    def held(var) -> bool:
        return local.staged.get(var) is not None or committed(var) is not None

    if op.attrs.get("report"):
        def report():
            return np.array([v.name.encode() for v in variables if not held(v)], dtype=object)
        return report, {}
    var = variables[0]
    if op.type == "InitializedValue":
        def value(initial):
            v = local.staged.get(var)
            if v is None:
                v = committed(var)
            return initial if v is None else v
        return value, {}
    return (lambda: np.bool_(held(var))), {}


_plan.EXECUTORS["IsVariableInitialized"] = _initialized_factory
_plan.EXECUTORS["InitializedValue"] = _initialized_factory
_plan.EXECUTORS["ReportUninitializedVariables"] = _initialized_factory
_plan.EXECUTORS["VariableRead"] = _read_factory
_plan.EXECUTORS["Assign"] = _assign_factory
_plan.EXECUTORS["VariableV2"] = lambda op, s, d: ((lambda: ()), {})
_fetches.LEAF_TYPES.add(Variable)


# ============================================================================ module functions
def global_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(TRAINABLE_VARIABLES, scope)


def local_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(LOCAL_VARIABLES, scope)


def variables_initializer(var_list, name: str = "init") -> Operation:
    from .control_flow import group
    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer() -> Operation:
    """Initialises the variables that exist now (not those created afterwards)."""
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer() -> Operation:
    return variables_initializer(local_variables())     # TF1's name: init (init_1 after init)


def is_variable_initialized(variable: Variable) -> Tensor:
    """A bool scalar: whether ``variable`` holds a value when the graph runs (TF1's
    ``IsVariableInitialized``)."""
    if not isinstance(variable, Variable):
        raise TypeError(f"is_variable_initialized: expected a Variable, got "
                        f"{type(variable).__name__}")
    g = variable.graph
    op = Operation(g, "IsVariableInitialized", g.unique_name("IsVariableInitialized"),
                   avals=[AVal((), np.dtype(np.bool_))], attrs={"variables": (variable.op,)})
    return op.outputs[0]


def report_uninitialized_variables(var_list=None,
                                   name: str = "report_uninitialized_variables") -> Tensor:
    """A 1-D string tensor: the names (``op.name``, bytes) of the variables of ``var_list``
    (default: the global and local variables) that hold no value when the graph runs."""
    g = get_default_graph()
    if var_list is None:
        var_list = global_variables() + local_variables()
    var_list = list(var_list)
    for v in var_list:
        if not isinstance(v, Variable):
            raise TypeError(f"report_uninitialized_variables: expected Variables, got "
                            f"{type(v).__name__}")
    op = Operation(g, "ReportUninitializedVariables", g.unique_name(name),
                   avals=[AVal((None,), np.dtype(object))],
                   attrs={"variables": tuple(v.op for v in var_list), "report": True})
    return op.outputs[0]


def assign(ref: Variable, value, validate_shape=None, use_locking=None, name=None) -> Tensor:
    """TF 1.15's ``tf.assign``: ``validate_shape`` None is True (see ``Variable._assign``)."""
    if not isinstance(ref, Variable):
        return ref.assign(value, name=name)
    return ref._assign(value, name or "Assign", True,
                       True if validate_shape is None else bool(validate_shape))


def assign_add(ref: Variable, value, name=None) -> Tensor:
    return ref.assign_add(value, name=name)


def assign_sub(ref: Variable, value, name=None) -> Tensor:
    return ref.assign_sub(value, name=name)


def _install() -> None:
    from . import _sliced_assign
    from .math_ops import _install_operators
    _install_operators(Variable)
    _sliced_assign.install(Variable)        # v[0].assign(x)


_install()
