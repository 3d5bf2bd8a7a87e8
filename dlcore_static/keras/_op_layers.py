"""Operations between layers in a functional model: ``x + inputs``, ``x * mask``, ``x[:, 0]``,
``keras.ops.mean(x, axis=1)``, ``tf.reduce_mean(x, 1)`` applied to the symbolic outputs of
layers (keras.io's residual and transformer blocks).

Keras 3 records such an operation as a node of the functional graph (``add (Add)`` in
``summary()``; tf.keras as a ``TFOpLambda`` layer).  Here the operators and functions build
graph ops at once (the static engine's tensors are the symbolic tensors), so ``Model(inputs,
outputs)`` gives them their history afterwards (``attach``): walking back from the outputs, each
tensor that no layer made becomes the output of an ``OpLayer`` node whose inputs are the tensors
it reads.  An op function that builds several graph ops under its name scope (``reduce_mean``:
``Mean/Sum``, ``Mean``) is one node.  The original graph ops stay the model's (training and
gradients run through them as built); the node keeps a *program* to build them again on new
tensors (calling the model, cloning, loading):

    {"inputs": n, "constants": [{"dtype", "value"}], "steps": [[primitive name, params, args]],
     "output": [step, value index]}

with each step argument ``["in", i]``, ``["const", j]`` or ``["step", s, value index]``.  It is
data only: loading looks each primitive up by name in dlcore's registry, nothing is executed.
A node Keras 3 has a record for (``x + y``, ``x[:, 0]``, ``keras.ops.mean(x, axis=1)``) is
written as Keras 3 writes it instead (``_keras3_ops``), so Keras 3 reads the file too.
``Model.layers`` leaves these nodes out (as Keras 3 does); ``summary()`` and the saved
configuration list them.
"""

from __future__ import annotations

import re
import sys
import threading
import weakref
from typing import Any

import numpy as np

from ..graph import Tensor
from . import _history
from ._history import HISTORY, to_snake_case, unique_layer_name
from . import engine as _engine
from .engine import Layer, Node

# graph op type (or a function's name scope) -> Keras 3's operation class
_KERAS3 = {"Add": "Add", "AddV2": "Add", "Sub": "Subtract", "Mul": "Multiply",
           "RealDiv": "TrueDivide", "Div": "TrueDivide", "FloorDiv": "FloorDivide",
           "FloorMod": "Mod", "Neg": "Negative", "StridedSlice": "GetItem", "MatMul": "Matmul",
           "BatchMatMul": "Matmul", "BatchMatMulV2": "Matmul", "Pow": "Power",
           "Abs": "Absolute", "Mean": "Mean", "Sum": "Sum", "Max": "Max", "Min": "Min",
           "Square": "Square", "Sqrt": "Sqrt", "Exp": "Exp", "Log": "Log", "Relu": "Relu",
           "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Softmax": "Softmax", "Reshape": "Reshape",
           "Transpose": "Transpose", "ConcatV2": "Concatenate", "Concat": "Concatenate",
           "Cast": "Cast", "Maximum": "Maximum", "Minimum": "Minimum",
           "ExpandDims": "ExpandDims", "Squeeze": "Squeeze", "Pack": "Stack",
           "ArgMax": "Argmax", "ArgMin": "Argmin", "LogSoftmax": "LogSoftmax",
           "GreaterEqual": "GreaterEqual", "LessEqual": "LessEqual"}


class OpLayer(Layer):
    """One operation between layers (see the module docstring): no weights; ``op_class`` is
    the class name Keras 3 shows (``Add``, ``GetItem``, ``Mean``)."""

    def __init__(self, program: dict, op_class: str = "Op", name: str | None = None,
                 **kwargs):
        super().__init__(name=name or unique_layer_name(to_snake_case(op_class)), **kwargs)
        self.program, self.op_class = program, op_class
        self.keras3: Any = None     # Keras 3's record of it, when it has one (_keras3_ops)
        self.captures: list = []    # tensors that depend on no input (``["cap", k]``)
        self.built = True

    def call(self, inputs):
        xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        return run_program(self.program, xs, self.captures)

    def compute_output_shape(self, input_shape):
        return tuple(self._nodes[0].outputs[0].aval.shape)

    def get_config(self) -> dict:
        return {"name": self.name, "op_class": self.op_class, "program": self._frozen()}

    def _frozen(self) -> dict:
        """The program with each captured tensor's present value as a constant (as Keras
        writes a concrete tensor argument of an operation: its value)."""
        if not self.captures:
            return self.program
        from .backend import batch_get_value
        p = self.program
        n = len(p["constants"])
        consts = list(p["constants"]) + [
            {"dtype": str(np.asarray(v).dtype), "value": np.asarray(v).tolist()}
            for v in batch_get_value(self.captures)]
        steps = [[name, params, [["const", n + a[1]] if a[0] == "cap" else a for a in args]]
                 for name, params, args in p["steps"]]
        return {**p, "constants": consts, "steps": steps}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class Captured(OpLayer):
    """A tensor that depends on no input given to a layer of the model (``Add()([x,
    Dense(4)(tf.ones((1, 4)))])``): Keras 3 takes it as a concrete argument of the layer's call,
    so it is no layer, no operation and no line of ``summary()`` (``unique_names`` leaves it
    out); calling the model again reads the same tensor."""

    def __init__(self, t: Tensor):
        super().__init__({}, "Captured", name=f"captured_{t.op._id}")
        self.captures = [t]

    def call(self, inputs):
        return self.captures[0]


def revive_op(config: dict, error) -> OpLayer:
    """An ``OpLayer`` from a saved record (``saving_functional``), its program checked to be
    the data ``run_program`` reads (malformed: ``error``)."""
    from dlcore.registry import PRIMITIVES
    p: Any = config.get("program")
    ok = isinstance(p, dict) and isinstance(p.get("inputs"), int) and \
        isinstance(p.get("constants"), list) and isinstance(p.get("steps"), list) and \
        bool(p["steps"]) and isinstance(p.get("output"), list) and len(p["output"]) == 2
    for c in (p.get("constants", []) if ok else []):
        ok = ok and isinstance(c, dict) and c.get("dtype") in _CONST_DTYPES
    for i, st in enumerate(p["steps"] if ok else []):
        ok = ok and isinstance(st, list) and len(st) == 3 and \
            (st[0] in PRIMITIVES or st[0] == _CHECK and _check_attrs_ok(st[1])) and \
            isinstance(st[1], dict) and isinstance(st[2], list) and \
            all(_ref_ok(a, p, i) for a in st[2])
    if not ok or not isinstance(config.get("op_class", "Op"), str):
        raise error(f"load_model: operation node {str(config.get('name'))[:60]!r} has a "
                    "malformed program")
    return OpLayer(p, config.get("op_class", "Op"), name=config["name"])


#: a program step that is not a primitive: the run-time index check of a gather
#: (``_index_checks.checked_gather_indices``), its attributes as data
_CHECK = "@CheckIndices"


def _check_attrs_ok(attrs) -> bool:
    return isinstance(attrs, dict) and set(attrs) <= {"n", "axis", "write", "label"} and \
        (attrs.get("n") is None or isinstance(attrs.get("n"), int)) and \
        isinstance(attrs.get("axis", 0), int) and isinstance(attrs.get("label", ""), str)


def _check_indices(vals: list, attrs: dict) -> Tensor:
    from dlcore.registry import AVal

    from ..graph import Operation, get_default_graph
    g = get_default_graph()
    i = vals[0]
    op = Operation(g, "CheckIndices", g.unique_name("CheckIndices"), list(vals),
                   [AVal(i.aval.shape, i.aval.dtype)], attrs=dict(attrs))
    return op.outputs[0]


_CONST_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                 "bool"}


def _ref_ok(a, p: dict, step: int) -> bool:
    """A step argument: ``["in", i]``, ``["const", j]``, ``["step", s, k]`` with s < step."""
    if not isinstance(a, list) or not a or \
            not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in a[1:]):
        return False
    if a[0] == "in":
        return len(a) == 2 and a[1] < p["inputs"]
    if a[0] == "const":
        return len(a) == 2 and a[1] < len(p["constants"])
    return a[0] == "step" and len(a) == 3 and a[1] < step


def run_program(program: dict, xs: list, captures: list | None = None):
    """Build the program's graph ops on the tensors ``xs`` (the node's inputs; ``captures``:
    the tensors it reads that depend on no input, a ``tf.Variable`` or a layer applied to a
    constant)."""
    from dlcore.registry import PRIMITIVES

    from ..frontend import constant
    consts = [constant(np.asarray(c["value"], dtype=c["dtype"]))
              for c in program["constants"]]
    done: list = []
    for prim_name, params, args in program["steps"]:
        prim = PRIMITIVES.get(prim_name)
        if prim is None and prim_name != _CHECK:
            raise ValueError(f"operation node: unknown primitive {str(prim_name)[:40]!r}")
        vals = []
        for a in args:
            if a[0] == "in":
                vals.append(xs[a[1]])
            elif a[0] == "const":
                vals.append(consts[a[1]])
            elif a[0] == "cap":
                vals.append((captures or [])[a[1]])
            else:
                out = done[a[1]]
                vals.append(out if isinstance(out, Tensor) else out[a[2]])
        done.append(_check_indices(vals, decode(params)) if prim is None else
                    prim.bind(*vals, **decode(params)))
    s, i = program["output"]
    out = done[s]
    return out if isinstance(out, Tensor) else out[i]


# -- params as JSON data (tuples as lists, dtypes and Ellipsis marked) and back
def encode(v: Any):
    if isinstance(v, dict):
        return {str(k): encode(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if v is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(v, np.dtype) or type(v).__name__ == "DType":
        return {"__dtype__": str(np.dtype(getattr(v, "np", v)))}
    if isinstance(v, (np.integer, np.floating, np.bool_)):
        return v.item()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    raise NotImplementedError(f"operation node: parameter {v!r} cannot be saved as data")


def decode(v: Any):
    if isinstance(v, dict):
        if "__dtype__" in v:
            return np.dtype(v["__dtype__"])
        if "__ellipsis__" in v:
            return Ellipsis
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return tuple(decode(x) for x in v)
    return v


# -- giving the tensors between layers their history
def _group(op, stop, first: int | None = None, free=None) -> list | None:
    """The graph ops of one operation node ending at ``op`` (``op`` and the ops under its name
    scope that it reads, or with ``first``, the ops from number ``first`` on: those one
    ``keras.ops`` call built), inputs first; None if it reads something that is neither a
    layer's tensor, a constant nor a computed op (a placeholder or variable of its own)."""
    prefix = op.name + "/"
    ops, seen = [], set()

    def inside(o) -> bool:
        mine = o._id >= first if first is not None else o.name.startswith(prefix)
        return mine or _constant(o, stop, {})

    def visit(o) -> bool:
        if id(o) in seen:
            return True
        seen.add(id(o))
        for t in o.inputs:
            if stop(t) or t.op.type == "Const":
                continue
            if inside(t.op):
                if not visit(t.op):
                    return False
            elif t.op.prim is None and not (free and free(t)):
                return False
        ops.append(o)
        return True
    return ops if visit(op) else None


def _constant(o, stop, memo: dict) -> bool:
    """Whether op ``o`` computes from constants alone (``tf.range(6)``, ``tf.ones_like`` of a
    constant): it joins the node that reads it, as Keras 3 takes such a value as an argument."""
    hit = memo.get(id(o))
    if hit is None:
        memo[id(o)] = False                 # (no cycles in a graph; guards the recursion)
        hit = o.prim is not None and bool(o.inputs) and all(
            not stop(t) and (t.op.type == "Const" or _constant(t.op, stop, memo))
            for t in o.inputs) or o.prim is not None and not o.inputs
        memo[id(o)] = hit
    return hit


def independent(memo: dict):
    """``free(t)``: whether tensor ``t`` depends on no placeholder (a ``tf.Variable``, a layer
    applied to ``tf.range(n)``): an operation node captures it, as Keras 3 takes a concrete
    tensor as an argument (``x * tf.Variable(...)``, ``x + Embedding(...)(positions)``)."""
    def free(t) -> bool:
        hit = memo.get(id(t.op))
        if hit is None:
            stack, order = [t.op], []
            while stack:                    # (iterative: deep graphs)
                o = stack.pop()
                if id(o) in memo:
                    continue
                memo[id(o)] = None
                order.append(o)
                stack.extend(x.op for x in o.inputs if id(x.op) not in memo)
            for o in sorted(order, key=lambda o: o._id):    # (inputs are built first)
                memo[id(o)] = "Placeholder" not in o.type and \
                    all(memo.get(id(x.op)) is not False for x in o.inputs)
            hit = memo[id(t.op)]
        return bool(hit)
    return free


def _program(t: Tensor, stop, free=None):
    """The operation node that would make ``t``: ``(inputs, op_class, program, spec,
    captures)``, or None when it cannot be one (``t`` keeps no history)."""
    from .ops import CALLS
    call = CALLS.get(t)
    ops = _group(t.op, stop, call[1] if call else None, free)
    if ops is None or any(o.prim is None and o.type != "CheckIndices" for o in ops):
        return None
    index = {id(o): i for i, o in enumerate(ops)}
    inputs: list = []
    consts: list = []
    caps: list = []
    steps = []
    try:
        for o in ops:
            args: list = []
            for x in o.inputs:
                if id(x.op) in index and not stop(x):
                    args.append(["step", index[id(x.op)], x.value_index])
                elif x.op.type == "Const" and not stop(x):
                    v = np.asarray(x.op.attrs["value"])
                    if v.dtype == object:
                        return None
                    consts.append({"dtype": str(v.dtype), "value": v.tolist()})
                    args.append(["const", len(consts) - 1])
                elif free is not None and free(x):
                    if x not in caps:
                        caps.append(x)
                    args.append(["cap", caps.index(x)])
                else:           # (an argument given twice, x + x, is two inputs as in Keras)
                    k = next((i for i, y in enumerate(inputs) if y is x and
                              ["in", i] not in args), None)
                    if k is None:
                        inputs.append(x)
                        k = len(inputs) - 1
                    args.append(["in", k])
            if o.prim is None:              # (a gather's run-time index check: its attrs)
                steps.append([_CHECK, encode(dict(o.attrs)), args])
            else:
                steps.append([o.prim.name, encode(o.params), args])
    except NotImplementedError:
        return None
    if not inputs:
        return None
    if call is not None:                    # a keras.ops call: its Keras 3 class
        kind = call[0]
    elif len(ops) == 1:
        kind = t.op.type
    else:                                   # a function's name scope: Mean_1 -> Mean
        kind = re.sub(r"_\d+$", "", t.op.name.rsplit("/", 1)[-1])
    op_class = call[0] if call is not None else \
        _KERAS3.get(kind) or _KERAS3.get(t.op.type) or \
        "".join(p[:1].upper() + p[1:] for p in kind.split("_"))
    program = {"inputs": len(inputs), "constants": consts, "steps": steps,
               "output": [len(steps) - 1, t.value_index]}
    from ._keras3_ops import call_spec, program_spec
    spec = call_spec(call, inputs) if call is not None else \
        program_spec(op_class, program, consts, inputs) if len(steps) == 1 else None
    return inputs, op_class, program, spec, caps


def attach(outputs: list, inputs: list) -> None:
    """Give every tensor between ``inputs`` and ``outputs`` that no layer made an operation
    node (see the module docstring), named in the order the ops were built (Keras 3 names an
    operation when it is applied); tensors that cannot have one are left as they are (the
    model then reports them as before)."""
    if inputs:
        flush(inputs[0].graph)              # (ops built since the last layer: named first)
    model_inputs = set(inputs)
    seen: set = set()
    made: dict = {}
    free = independent(_MEMO.setdefault(inputs[0].graph, {}) if inputs else {})

    def stop(t) -> bool:
        return t in model_inputs or (t in HISTORY or t in made) and not free(t)

    todo = list(outputs)
    while todo:
        t = todo.pop()
        if not isinstance(t, Tensor) or t in seen:
            continue
        seen.add(t)
        if t in model_inputs:
            continue
        h = HISTORY.get(t)
        if h is not None:
            if type(h[0]).__name__ != "InputLayer":
                for x in h[0]._nodes[h[1]].inputs:
                    if isinstance(x, Tensor) and x not in model_inputs and free(x) and \
                            not isinstance(HISTORY.get(x, (None,))[0], Captured):
                        c = Captured(x)
                        c._nodes.append(Node(c, [], [x]))
                        HISTORY[x] = (c, 0, 0)
                    todo.append(x)
            continue
        node = _program(t, stop, free)
        if node is not None:
            made[t] = node
            todo.extend(node[0])
    for t in sorted(made, key=lambda t: (t.op._id, t.value_index)):
        ins, op_class, program, spec, caps = made[t]
        layer = OpLayer(program, op_class, name=NAMED.get(t))
        layer.keras3, layer.captures = spec, caps
        layer._nodes.append(Node(layer, ins, [t]))
        HISTORY[t] = (layer, 0, 0)


# -- naming operation nodes when they are built, as Keras 3 names an operation when it is
# applied (``a = x + 1`` is "add" before ``layers.Add()`` is "add_1", used in a model or not)
NAMED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()    # tensor -> its node's name
_DONE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()    # graph -> ops looked at
_DEPTH = threading.local()      # .n > 0 inside a layer's or a model's call (per thread, as
                                # the default graph)
_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()    # graph -> independent's memo


def flush(graph=None) -> None:
    """Name the operation nodes built in ``graph`` since the last look, in the order they were
    built: each op outside any layer's call and name scope that reads a Keras tensor (a
    layer's output, an input, an earlier node) and the ops its node takes in (a function's
    name scope, a ``keras.ops`` call).  Runs before each default layer name is taken and when
    a model is made; names the nodes ``attach`` then makes."""
    if getattr(_DEPTH, "n", 0):
        return
    if graph is None:
        from ..graph import get_default_graph
        graph = get_default_graph()
    ops = graph._ops
    start, end = _DONE.get(graph, 0), len(ops)
    if start >= end:
        return
    _DONE[graph] = end
    from .ops import CALLS

    def keras(t) -> bool:
        return t in HISTORY or t in NAMED

    todo: set = set()                   # ops that read Keras tensors, through others or not
    for o in ops[start:end]:
        if o.prim is not None and any(keras(x) or id(x.op) in todo for x in o.inputs):
            todo.add(id(o))
    if not todo:
        return
    free = independent(_MEMO.setdefault(graph, {}))

    def stop(t) -> bool:
        return keras(t) and not free(t)

    heads: list = []
    taken: set = set()
    for o in reversed(ops[start:end]):     # (a node's last op takes in the ones before it)
        if id(o) not in todo or id(o) in taken or not o.outputs or "/" in o.name:
            continue
        t = o.outputs[0]
        if t in HISTORY:
            continue
        call = CALLS.get(t)
        group = _group(o, stop, call[1] if call else None, free)
        if group is None or not any(id(g) in todo for g in group):
            continue
        taken.update(id(g) for g in group)
        heads.append(t)
    for t in reversed(heads):
        node = _program(t, stop, free)
        if node is not None and any(keras(x) for x in node[0]):
            NAMED[t] = unique_layer_name(to_snake_case(node[1]))


def _outside(call):
    """``Layer.__call__``/``Model.__call__`` with the ops they build left unnamed (a layer's
    own ops, a model's nodes built again on new tensors)."""
    def wrapped(self, *args, **kwargs):
        if not args and kwargs and hasattr(self, "call"):    # (Keras 3: layer(logits=x))
            args, kwargs = _engine.leading_keywords(self, kwargs)
        depth = getattr(_DEPTH, "n", 0)
        if not depth:
            flush()
        _DEPTH.n = depth + 1
        try:
            return call(self, *args, **kwargs)
        finally:
            _DEPTH.n = depth
            if not depth:
                from ..graph import get_default_graph
                g = get_default_graph()
                _DONE[g] = len(g._ops)
    wrapped.__wrapped__ = call      # type: ignore[attr-defined]
    wrapped.__doc__ = call.__doc__
    return wrapped


def unique_names(operations: list) -> list:
    """``operations``, checked as Keras 3's ``Functional`` checks its layers' and operations'
    names (a user's layer named ``add`` and ``x + y``'s node both "add": ValueError)."""
    seen: set = set()
    operations = [op for op in operations if not isinstance(op, Captured)]
    for op in operations:
        if op.name in seen:
            raise ValueError(f'The name "{op.name}" is used '
                             f"{sum(o.name == op.name for o in operations)} times in the "
                             "model. All operation names should be unique.")
        seen.add(op.name)
    return operations


def is_op_layer(layer) -> bool:
    from ._keras3_ops import Keras3Op
    return isinstance(layer, (OpLayer, Keras3Op))


_engine.OP_NODES = (attach, is_op_layer, unique_names)     # (engine does not import this module)
_engine.Layer.__call__ = _outside(_engine.Layer.__call__)   # type: ignore[method-assign]
_training = sys.modules[__package__ + ".training"]             # (loaded by the package first)
_training.Model.__call__ = _outside(_training.Model.__call__)
_history.BEFORE_NAME.append(flush)


def _get_mask(t):
    return _engine.MASKS.get(t)


def _set_mask(t, mask):
    if mask is None:
        _engine.MASKS.pop(t, None)
    else:
        _engine.MASKS[t] = mask


# Keras 3's ``x._keras_mask`` (a tensor's mask, set by the layer that made it, or by hand)
Tensor._keras_mask = property(_get_mask, _set_mask)      # type: ignore[attr-defined]
