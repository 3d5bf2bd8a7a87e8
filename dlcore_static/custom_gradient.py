"""User-defined gradients: ``tf.custom_gradient``, ``tf.RegisterGradient`` and
``Graph.gradient_override_map``, as TensorFlow 1.

``tf.gradients`` (``gradients.py``) takes an op's gradient from the core primitive's vjp rule.
An op can instead carry the attribute ``_gradient_op_type``: the name of a gradient function
registered with ``tf.RegisterGradient(name)``.  ``gradients.op_vjp`` then calls that function as
TensorFlow does, ``fn(op, *grads) -> one gradient (or None) per op input``, and it builds the
gradient nodes with ordinary graph ops, so the result is an ordinary graph: it runs in the
interpreter and through the compiler's passes alike, and it has gradients of its own.

* ``with g.gradient_override_map({"Identity": "ReverseGrad"}):`` sets that attribute on every op
  of the listed types created inside the block (the classic gradient-reversal layer, guided
  backprop's ``{"Relu": "GuidedRelu"}``).
* ``@tf.custom_gradient``: ``f(*xs) -> (y, grad_fn)``.  The outputs are passed through Identity
  ops whose gradient is ``grad_fn(*dys)`` with respect to the inputs ``xs`` (and, when ``f``
  read variables, ``grad_fn(*dys, variables=vs) -> (dxs, dvs)``, the variables sorted by name as
  TensorFlow sorts them).  Nothing flows back through ``f``'s own ops.  For a function of several
  outputs each output's cotangent is handed to ``grad_fn`` with zeros for the others and the
  results summed, which is the same sum because a gradient function is linear in ``dys``.

The registry is by name and per process (TensorFlow's is too): a graph loaded in another process
has the attribute but no function behind it, and asking for its gradient raises ``LookupError``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import traceback
from collections.abc import Callable

from dlcore import ops as _ops

from .graph import Graph, Operation, Tensor, get_default_graph

ATTR = "_gradient_op_type"

# name -> (gradient function, where it was registered)
_REGISTRY: dict[str, tuple[Callable, str]] = {}
_NOT_DIFFERENTIABLE: set[str] = set()
_counter = itertools.count(1)


class RegisterGradient:
    """``@tf.RegisterGradient("Name")``: register ``fn(op, *grads)`` under ``Name``."""

    def __init__(self, op_type):
        if not isinstance(op_type, str):
            raise TypeError("op_type must be a string")
        self._op_type = op_type

    def __call__(self, f: Callable) -> Callable:
        name = self._op_type
        if name in _REGISTRY:
            raise KeyError(f"Registering two gradient with name '{name}'! (Previous "
                           f"registration was in {_REGISTRY[name][1]})")
        frame = traceback.extract_stack(limit=2)[0]
        _REGISTRY[name] = (f, f"{frame.name} {frame.filename}:{frame.lineno}")
        return f


def NotDifferentiable(op_type: str) -> None:  # noqa: N802 - TensorFlow's name
    """``tf.NotDifferentiable("Type")``: ops of this type pass no gradient back."""
    if not isinstance(op_type, str):
        raise TypeError("op_type must be a string")
    _NOT_DIFFERENTIABLE.add(op_type)


no_gradient = NotDifferentiable


def _override_map(self: Graph, op_type_map: dict):
    """``Graph.gradient_override_map``: ops of the given types made inside get the gradient
    registered under the mapped name."""
    if not isinstance(op_type_map, dict):
        raise TypeError("op_type_map must be a dictionary mapping strings to strings")
    for k, v in op_type_map.items():
        if not (isinstance(k, str) and isinstance(v, str)):
            raise TypeError("op_type_map must be a dictionary mapping strings to strings")
    return _override_block(self, dict(op_type_map))


@contextlib.contextmanager
def _override_block(graph: Graph, mapping: dict):
    stack = graph.__dict__.setdefault("_grad_override_stack", [])
    stack.append((len(graph._ops), mapping))
    try:
        yield
    finally:
        mark_overrides(graph)
        stack.pop()
        if not stack:
            graph.__dict__.pop("_grad_override_owner", None)


Graph.gradient_override_map = _override_map  # type: ignore[attr-defined]


def mark_overrides(graph: Graph) -> None:
    """Set ``_gradient_op_type`` on the ops made inside the open override blocks (inner blocks
    win).  Called when a block closes and before ``tf.gradients`` reads the graph."""
    stack = graph.__dict__.get("_grad_override_stack")
    if not stack:
        return
    ops = graph._ops
    owner = graph.__dict__.setdefault("_grad_override_owner", {})    # op -> its block's start
    for start, mapping in stack:                 # outer first, inner overwrite
        for op in ops[start:]:
            name = mapping.get(op.type)
            if name is not None and owner.get(op, start) <= start:
                op.attrs[ATTR] = name
                owner[op] = start


def has_override(op: Operation) -> bool:
    return ATTR in op.attrs or op.type in _NOT_DIFFERENTIABLE


def override_parents(op: Operation) -> tuple:
    if ATTR not in op.attrs:                      # NotDifferentiable
        return ()
    custom = op.graph.__dict__.get("_custom_gradients", {}).get(op.attrs[ATTR])
    return tuple(custom[1]) if custom is not None else op.inputs


def override_vjp(t: Tensor, g) -> tuple:
    op = t.op
    name = op.attrs[ATTR]
    custom = op.graph.__dict__.get("_custom_gradients", {}).get(name)
    if custom is not None:
        return custom[0](t, g)
    entry = _REGISTRY.get(name)
    if entry is None:
        raise LookupError(f"gradient registry has no entry for: {name}")
    grads = [g if o is t else _ops.zeros_like(o) for o in op.outputs]
    res = entry[0](op, *grads)
    res = list(res) if isinstance(res, (list, tuple)) else [res]
    if len(res) != len(op.inputs):
        raise ValueError(f"Num gradients {len(res)} generated for op {op.name} do not match "
                         f"num inputs {len(op.inputs)}")
    return tuple(_as_grad(r, x) for r, x in zip(res, op.inputs))


def _as_grad(r, x):
    if r is None:
        return None
    from .frontend import to_tensor
    r = to_tensor(r, x.graph, x.aval.dtype)
    if r.aval.dtype != x.aval.dtype:
        r = _ops.cast(r, x.aval.dtype)
    if not r.aval.shape and r.op.attrs.get("unknown_rank") and \
            not (not x.aval.shape and x.op.attrs.get("unknown_rank")):
        # a gradient of unknown rank (``grad * op.inputs[0]`` with grad of a py_func's
        # output) for an input of known shape: given that shape (its element count checked
        # when the graph runs), as TensorFlow's sum of gradients would take it
        r = _ops.reshape_like(r, x)
    return r


# ============================================================================ custom_gradient
def custom_gradient(f: Callable | None = None):
    """``@tf.custom_gradient``: ``f(*xs)`` returns ``(y, grad_fn)``; see the module docstring."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        if kwargs:
            raise ValueError("The custom_gradient decorator currently supports keywords "
                             "arguments only when eager execution is enabled.")
        return _call(f, args)
    return decorated


def _call(f: Callable, args) -> object:
    from .frontend import to_tensor
    g = get_default_graph()
    for a in args:
        if isinstance(a, Tensor):
            g = a.graph
            break
    with g.as_default():
        xs = [to_tensor(a, g) for a in args]
        start = len(g._ops)
        result, grad_fn = f(*xs)
        many = isinstance(result, (list, tuple))
        ys = [to_tensor(y, g) for y in (result if many else [result])]
        variables = _variables_used(g, start, ys, xs)
        takes_vars = _accepts_variables(grad_fn)
        if variables and not takes_vars:
            raise TypeError("If using @custom_gradient with a function that uses variables, "
                            "then grad_fn must accept a keyword argument 'variables'.")
        name = f"CustomGradient-{next(_counter)}"
        outs = [_ops.identity(y) for y in ys]
        for o in outs:
            o.op.attrs[ATTR] = name
        var_reads = [v.value() for v in variables]
        parents = list(xs) + var_reads

        def vjp(t: Tensor, gt):
            dys = [gt if o is t else _ops.zeros_like(o) for o in outs]
            if takes_vars:
                res = grad_fn(*dys, variables=variables if variables else None)
                if not (isinstance(res, (list, tuple)) and len(res) == 2):
                    raise ValueError("custom_gradient function with variables must return a "
                                     "pair (input gradients, variable gradients)")
                gx, gv = res
            else:
                gx, gv = grad_fn(*dys), []
            gx = list(gx) if isinstance(gx, (list, tuple)) else [gx]
            gv = [] if gv is None else list(gv) if isinstance(gv, (list, tuple)) else [gv]
            if len(gx) != len(xs):
                raise ValueError(f"custom_gradient function expected to return {len(xs)} "
                                 f"gradients, but returned {len(gx)} instead.")
            if len(gv) != len(variables):
                raise ValueError("Must return gradient for each variable from @custom_gradient "
                                 "grad_fn.")
            return tuple(_as_grad(r, p) for r, p in zip(gx + gv, parents))

        g.__dict__.setdefault("_custom_gradients", {})[name] = (vjp, parents)
    return (type(result)(outs) if isinstance(result, tuple) else outs) if many else outs[0]


def _accepts_variables(fn: Callable) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in params)


def _variables_used(g: Graph, start: int, ys, xs) -> list:
    """Variables whose value the ops made by ``f`` (from index ``start``) read, sorted by name."""
    read_of = {}
    for var in g._variables_by_op.values():
        for r in var._reads:
            read_of[id(r)] = var
    arg_ids = {id(x) for x in xs}
    found: dict[int, object] = {}
    seen: set = set()
    stack = [y for y in ys]
    while stack:
        t = stack.pop()
        if id(t) in seen or id(t) in arg_ids:
            continue
        seen.add(id(t))
        var = read_of.get(id(t))
        if var is not None:
            found[id(var)] = var
            continue
        if t.op._id >= start:
            stack.extend(t.op.inputs)
    return sorted(found.values(), key=lambda v: v.name)
