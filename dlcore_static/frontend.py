"""How the core's ``bind`` adds nodes to a graph.

``dlcore.registry.bind(prim, *args, **params)`` sees that an argument's type carries
``__dlcore_frontend__ = StaticFrontend`` and calls ``StaticFrontend.apply``, which:

1. lifts Python scalars and NumPy arrays to ``Const`` nodes (a Python scalar is *weak*: it takes
   the dtype of the tensor it meets, ``dlcore.dtypes.scalar_dtype``);
2. reserves the node's unique name (``MatMul_6``) and runs the primitive's shape rule
   (``prim.abstract_eval``) on the inputs' static shapes, so a shape clash is a build-time
   ``ValueError`` naming the node, e.g.
   ``Dimensions must be equal, but are 900 and 300 for 'MatMul_6' (op: 'MatMul') with input
   shapes: [?,900], [300,400].`` followed by the file:line that built it;
3. adds an ``Operation`` carrying the primitive and its parameters to the graph.

No arithmetic and no shape or gradient rule lives here: the primitive knows them.  ``tf.constant``
and the conversion of data to tensors live in ``constant_op.py`` (re-exported here).
"""

from __future__ import annotations

import threading
from sys import _getframe

import numpy as np

from dlcore import dtypes as _core_dtypes
from dlcore.device import CPU
from dlcore.errors import DTypeError, ShapeError, format_shape
from dlcore.ops.shape import transpose_p as _TRANSPOSE
from dlcore.registry import AVal, Primitive

from . import dtypes as _dtypes
from ._graph_names import _SCOPED, scoped_name
from ._locations import _LOCATIONS, _SKIPPED_FILES, location
from ._locations import _local as _LOCATION
from ._op_empties import NO_CONTROL_INPUTS, NO_PARAMS
from .constant_op import (  # noqa: F401 - re-exported (tf.constant and data to tensors)
    autopack,
    constant,
    constant_value,
    convert_to_tensor,
    rename,
    to_tensor,
)
from .graph import Graph, Operation, Tensor, _user_location, get_default_graph, new_op, setup_op

# TensorFlow's op type names for the core's primitives (used for node names and errors).


_TYPE_NAMES: dict = {}      # primitive -> (its tf_type option, type name), made once


def type_name(prim: Primitive) -> str:
    """TensorFlow's op type of a primitive: ``tf_type`` in its definition block, else its name
    in CamelCase (``less_equal`` -> ``LessEqual``)."""
    tf_type = prim.options.get("tf_type")
    hit = _TYPE_NAMES.get(prim)
    if hit is not None and hit[0] == tf_type:
        return hit[1]
    n = tf_type
    if n is None:
        n = "".join(p.capitalize() for p in prim.name.split("_"))
    _TYPE_NAMES[prim] = (tf_type, n)
    return n


def _graph_of(args) -> Graph:
    for a in args:
        if isinstance(a, Tensor):
            return a.op.graph
        g = getattr(a, "graph", None)
        if isinstance(g, Graph):
            return g
    return get_default_graph()


class StaticFrontend:
    """The object ``bind`` hands graph tensors to."""

    @staticmethod
    def apply(prim: Primitive, args, params, name: str | None = None,
              plain: bool | tuple = False) -> Tensor:
        # The common case inline (a graph built per batch makes hundreds of nodes a step, issue
        # 19): graph tensors only, whose shape rule's outcome is known (_RULE_OUTPUTS: the
        # output, the op's type, and whether an input is 0-d, so of unknown rank maybe), and no
        # transpose to share.  Anything else: _apply.  ``name``: the op's name= (a wrapper's
        # own, as ``constant_op.rename(t, name, first)`` gives it after the call: tf.concat's
        # ``concat``, a slice's ``strided_slice``), put in the op's pending entry here;
        # ``plain``: True when ``params`` hold one entry of a plain value (an int, a canonical
        # index of ints and None: ``_plain_param``), keyed without ``_rule_key``'s checks, or
        # the parameters' part of that key itself (``_rule_key(...)[2]``, made once by the
        # caller: a gradient's MatMul flags).
        n = len(args)
        weak = None
        if n == 2:
            x, y = args
            if type(x) is not Tensor or type(y) is not Tensor:
                # a tensor and a Python number (``x * 2.0``, a mean's ``s / n``): the number's
                # weak Const is made below, with the op (_weak_scalar); anything else: _apply
                weak = _weak_scalar(x, y)
                if weak is None:
                    return _apply(prim, args, params, 4, name)
                avals: tuple = (x.aval, weak[1]) if weak[0] else (weak[1], y.aval)
            else:
                avals = (x.aval, y.aval)
        elif n == 1:
            x = args[0]
            if type(x) is not Tensor:
                return _apply(prim, args, params, 4, name)
            avals = (x.aval,)
        else:
            for x in args:
                if type(x) is not Tensor:
                    return _apply(prim, args, params, 4, name)
            if not args:
                return _apply(prim, args, params, 4, name)
            avals = tuple([x.aval for x in args])
        if not params:
            key: tuple | None = (prim, avals, ())
        elif plain is True:             # (one parameter, of a plain value: _rule_key's key)
            (k, v), = params.items()
            key = (prim, avals, ((k, type(v), v),))
        elif plain:
            key = (prim, avals, plain)
        else:
            key = _rule_key(prim, avals, params)
        hit = _RULE_OUTPUTS.get(key)
        if hit is None or hit[2] and _unknown_rank(args) or \
                prim is _TRANSPOSE and _SHARED.__dict__.get("nodes") is not None:
            return _apply(prim, args, params, 4, name)
        # The location walk starts at bind's caller: this method is called only by
        # dlcore.registry.bind, so neither frame can be the user's, and not materialising
        # them is most of a walk's cost (issue 19).
        if weak is not None:
            graph = (x if weak[0] else y).op.graph
            if not graph._plain:
                return _apply(prim, args, params, 4, name)
        else:
            graph = args[0].op.graph
        if graph._plain:
            # setup_op's errors: an input of another graph, or made inside a cond branch or
            # loop body (none can be when no op of the graph was: graph._ctx_ops)
            if weak is not None:
                t = x if weak[0] else y     # (the Const is made below, in this graph)
                if t.op._ctx is not None:   # (made in a branch or body: _apply's error)
                    return _apply(prim, args, params, 4, name)
                ok = True
            elif graph._ctx_ops:
                ok = True
                for t in args:
                    top = t.op
                    if top.graph is not graph or top._ctx is not None:
                        ok = False
                        break
            elif n == 2:
                ok = y.op.graph is graph
            elif n == 1:
                ok = True
            else:
                ok = True
                for t in args:
                    if t.op.graph is not graph:
                        ok = False
                        break
            if ok:
                # setup_op(new_op(Operation), graph, hit[1], None, args, (hit[0],), prim,
                # params, None, _user_location(3)) for a graph without device scopes,
                # contexts or control dependencies (its common case), inline: one call less
                # per node (tests/static/test_pergraph_build.py holds the two equal)
                op = new_op(Operation)
                op.graph = graph
                op.type = hit[1]
                op._name = None
                op.prim = prim
                op.inputs = args if type(args) is tuple else tuple(args)
                op.params = params or NO_PARAMS
                op.attrs = {}
                # _user_location(3), its common cases without the call: a location fixed
                # (tf.gradients), or the frame it starts at is in a file known to be the
                # user's (the walk's first step would return it)
                loc = _LOCATION.__dict__.get("location")
                if loc is None:
                    f = _getframe(2)
                    code = f.f_code
                    if _SKIPPED_FILES.get(code.co_filename) is False:
                        at = _LOCATIONS.get(code)       # (its shared tuple: _locations)
                        loc = at.get(f.f_lasti) if at is not None else None
                        if loc is None:
                            loc = location(code, f.f_lasti)
                    else:
                        loc = _user_location(3)
                op._defined_at = loc
                if weak is not None:        # the number's Const first, as _lift made it
                    c = _weak_const(graph, weak, loc)
                    op.inputs = args = (x, c) if weak[0] else (c, y)
                op.device = None
                op._ctx = None
                op.control_inputs = NO_CONTROL_INPUTS
                op._kernel = hit[3]
                out = new_op(Tensor)
                out.op = op
                out.value_index = 0
                out.aval = hit[0]
                op._outputs = out
                ops = graph._ops
                op._id = len(ops)
                ops.append(op)
                scope = graph._scope
                if name is None:
                    graph._pending.extend((op, scope))      # (graph._defer_name)
                elif "/" not in name:
                    # rename's common case (GraphNames._rename_pending: the last op made,
                    # named in the scope it was made in), without its two calls: the entry
                    # holds the name to make in place of the type's (issue 19), one shared
                    # (scope, name) tuple per pair (_graph_names.scoped_name)
                    at = _SCOPED.get(scope)
                    pair = at.get(name) if at is not None else None
                    if pair is None:
                        pair = scoped_name(scope, name)
                    graph._pending.extend((op, pair))
                    graph._pending_segs.add(name.lower())
                else:
                    graph._pending.extend((op, scope))
                    rename(out, name, op._id)
                return out
        out = setup_op(new_op(Operation), graph, hit[1], None, args, (hit[0],),
                       prim, params, None, _user_location(3))
        out.op._kernel = hit[3]
        return out if name is None else rename(out, name, out.op._id)


def _apply(prim: Primitive, args, params, depth: int, given: str | None = None) -> Tensor:
    """``StaticFrontend.apply``'s general case: scalars, arrays and Variables lifted to graph
    tensors, string tensors, inputs of unknown rank, shared transposes, a shape rule to run.
    ``depth``: the frame of ``bind``'s caller, as ``_user_location`` counts from here;
    ``given``: the op's name= if this call makes it (``constant_op.rename``)."""
    if given is not None:
        first = len(_graph_of(args)._ops)
        return rename(_apply(prim, args, params, depth + 1), given, first)
    for a in args:
        if type(a) is not Tensor:       # a scalar, an array, a Variable: lift it
            inputs = _lift(args)
            graph = inputs[0].op.graph
            break
    else:                               # all graph tensors
        inputs = args
        graph = args[0].op.graph
    avals = []
    unknown = False                     # an input of unknown rank (see _unknown_rank)
    for t in inputs:
        a = t.aval
        if a.dtype.kind == "O":
            return _string_apply(prim, inputs, params)
        if not a.shape and t.op.attrs.get("unknown_rank"):   # (its stand-in is 0-d)
            unknown = True
        avals.append(a)
    if unknown and prim.kind == "reduce" and params.get("axes") == () and \
            inputs[0].aval.ndim == 0 and inputs[0].op.attrs.get("unknown_rank"):
        # A reduction over "all axes" of a tensor of unknown rank: flatten it at run time.
        from dlcore import ops as _ops
        flat = _ops.reshape(inputs[0], (-1,))
        flat.aval = AVal((None,), flat.aval.dtype)     # its length is known at run time
        return prim.bind(flat, *inputs[1:], **{**params, "axes": (0,)})
    if unknown:                         # (rank-dependent rules: dlcore_static._unknown_apply)
        return UNKNOWN_RANK_APPLY[0](prim, inputs, avals, params, graph, depth + 1)
    share = None
    if prim is _TRANSPOSE:
        shared = _SHARED.__dict__.get("nodes")
        if shared is not None and not graph._control_stack:
            tkey, ctx, dev = _transpose_key(graph, inputs[0], params)
            hit = shared.get(tkey)
            if hit is not None:
                return hit[0]
            share = (shared, tkey, ctx, dev)    # (made below, then kept)
    key = _rule_key(prim, avals, params) if params else (prim, tuple(avals), ())
    hit = _RULE_OUTPUTS.get(key) if key is not None else None
    if hit is None:
        # the rule runs: its errors name the node, so the name is made now (a known
        # rule's outcome leaves it to the graph: Graph._defer_name, issue 19)
        op_type = type_name(prim)
        made = graph.unique_name(op_type)
        name: str | None = made
        out = _checked_eval(prim, avals, params, made)
        if key is not None:
            if len(_RULE_OUTPUTS) >= _RULE_OUTPUTS_MAX:
                _RULE_OUTPUTS.clear()
            zero_d = False
            for a in avals:
                if not a.shape:
                    zero_d = True
            hint = _static_kernel(prim, avals, params, out)
            _RULE_OUTPUTS[key] = (out, op_type, zero_d, hint)
        else:
            hint = None
    else:
        out, op_type, name, hint = hit[0], hit[1], None, hit[3]
    t = setup_op(new_op(Operation), graph, op_type, name, inputs, (out,), prim, params, None,
                 _user_location(depth))
    t.op._kernel = hint
    if share is not None:               # (the entry keeps x, ctx and dev alive: the
        share[0][share[1]] = (t, inputs[0], share[2], share[3])     # ids stay)
    return t


def _weak_scalar(x, y) -> tuple | None:
    """For ``StaticFrontend.apply``: ``(True, the Const's aval, y)`` when ``y`` is a Python float
    or int that a float32/float64 graph tensor ``x`` lifts to a Const of its own dtype (or an
    int that an int32/int64 one does: ``_lift``'s weak scalar, ``dtypes.scalar_dtype``), within
    the dtype's range; ``(False, aval, x)`` for the mirror case (``2.0 * y``); else None."""
    if type(x) is Tensor:
        v, first, d = y, True, x.aval.dtype
    elif type(y) is Tensor:
        v, first, d = x, False, y.aval.dtype
    else:
        return None
    entry = _WEAK_AVALS.get((type(v), d))
    if entry is None or (entry[1] is not None and not entry[1] <= v <= entry[2]):
        return None
    return first, entry[0], v


def _weak_const(graph: Graph, weak: tuple, loc) -> Tensor:
    """The weak number's ``Const`` node (``constant(v, dtype)`` as ``_lift`` made it, named
    when a name is asked for, located at ``loc``)."""
    arr = np.asarray(weak[2], weak[1].dtype)
    arr.flags.writeable = False
    return setup_op(new_op(Operation), graph, "Const", None, (), (weak[1],), None, None,
                    {"value": arr}, loc)


# (Python number type, tensor dtype) -> (the Const's aval, an int's bounds or None)
_WEAK_AVALS: dict = {}
for _d in (np.float32, np.float64, np.int32, np.int64):
    _dt = np.dtype(_d)
    _i = np.iinfo(np.int32 if _dt == np.int32 else np.int64)
    _WEAK_AVALS[(int, _dt)] = (AVal((), _dt), int(_i.min), int(_i.max))
    if _dt.kind == "f":
        _WEAK_AVALS[(float, _dt)] = (AVal((), _dt), None, None)
del _d, _dt, _i


# ``_unknown_apply.unknown_rank_apply``, registered by that module (it imports this one)
UNKNOWN_RANK_APPLY: list = []


# Transposes shared within one ``tf.gradients`` call (``share_transposes``): the matmul vjp
# transposes the weight for every product it appears in (a weight used at each node of a
# recursive net, a graph built per batch: issue 19); one node per (tensor, permutation,
# control-flow context, device) does.  Only dlcore's own vjp rules build under it: a user's
# gradient function runs with it off (``gradients._unfixed``), so its named nodes stay its own.
_SHARED = threading.local()


def share_transposes(nodes: dict | None) -> dict | None:
    """Share the transposes this thread builds in ``nodes`` (a new dict: from now on; None:
    stop); returns the previous setting, for the caller to restore."""
    d = _SHARED.__dict__
    old = d.get("nodes")
    d["nodes"] = nodes
    return old


def _transpose_key(graph: Graph, x: Tensor, params: dict) -> tuple:
    """The key of ``x``'s transpose by ``params`` among the shared ones, (tensor, permutation,
    control-flow context, device) by identity, with that context and device."""
    ctx = graph._ctx_stack[-1] if graph._ctx_stack else None
    dev = graph._device_stack[-1] if graph._device_stack else None
    return (id(x), params.get("perm"), id(ctx), id(dev)), ctx, dev


def _lift(args) -> list:
    """``args`` as graph tensors of one graph: Python scalars are weak (they take the dtype of
    the first other argument), arrays and Variables are converted."""
    graph = _graph_of(args)
    other = None
    for a in args:
        if not _core_dtypes.is_python_scalar(a):
            other = _aval(a).dtype
            break
    return [a if type(a) is Tensor else to_tensor(a, graph, other) for a in args]


# The shape rules' results, by (primitive, input avals, parameters): a rule is a function of
# these alone (the eager dispatch caches that a rule passed on the same key, registry.bind),
# and a graph built per batch (issue 19) asks the same few questions hundreds of times.  Only
# parameters of plain types are keyed, each with its type (1, 1.0 and True are equal keys but
# may give other dtypes); results only, never errors; cleared when it grows past the bound.
# Each entry: (the output's aval, the op's type, whether an input is 0-d: a stand-in for an
# unknown rank maybe, which only _apply handles, the op's kernel for these shapes: see
# _static_kernel).
_RULE_OUTPUTS: dict = {}
_RULE_OUTPUTS_MAX = 4096
_PLAIN = frozenset({int, float, bool, str, type(None)})


def _rule_key(prim: Primitive, avals, params: dict):
    """The key of ``_RULE_OUTPUTS`` for this call, or None when a parameter is not plain
    (``_plain_param``), each value kept with its type (``StaticFrontend.apply`` makes the key
    of a call without parameters itself)."""
    if len(params) == 1:                # (a slice's index, a concat's axis: no list)
        (k, v), = params.items()
        t = type(v)
        # (_plain_param inline: a call less per node, issue 19)
        if t is tuple:
            if not _plain_tuple(v):
                return None
        elif t not in _PLAIN and not isinstance(v, np.dtype):
            return None
        return (prim, tuple(avals), ((k, t, v),))
    items = []
    for k, v in params.items():
        t = type(v)
        if t in _PLAIN or (_plain_tuple(v) if t is tuple else isinstance(v, np.dtype)):
            items.append((k, t, v))         # (_plain_param inline)
        else:
            return None
    return (prim, tuple(avals), tuple(items))


def _static_kernel(prim: Primitive, avals, params: dict, out: AVal):
    """The CPU kernel a plan may run for an op of these input avals and parameters (whose
    shape rule gave ``out``) in place of ``prim``'s, as ``(prim's CPU kernel now, the one for
    these shapes)``, or None: the primitive's ``static_cpu`` option (its definition block), a
    function of (kernel, avals, params, out) that knows when the kernel's run-time tests all
    hold for such inputs (a tiny MatMul of two float matrices: ``np.dot``).  Asked once per
    ``_RULE_OUTPUTS`` entry and kept on each op made from it (``Operation._kernel``); a plan
    on the CPU takes it while the primitive's CPU kernel is still the one it was made for
    (``plan._swept``), and shapes are static there (issue 19: a graph built per batch runs
    each kernel once, its tests every time)."""
    choose = prim.options.get("static_cpu")
    if choose is None:
        return None
    kernel = prim.kernels.get("cpu")
    fast = choose(kernel, avals, params, out)
    return None if fast is None else (kernel, fast)


def _plain_param(t: type, v) -> bool:
    """A parameter ``v`` (of type ``t``) a rule's result may be keyed by: a plain scalar, a
    NumPy dtype, or a tuple of plain values (``_plain_tuple``)."""
    if t is tuple:
        return _plain_tuple(v)
    return t in _PLAIN or isinstance(v, np.dtype)


def _plain_tuple(v: tuple) -> bool:
    """Ints, None, strings and such tuples only (no bool, which equals 0 or 1): axes, shapes,
    permutations, a canonical index (its slices are ``('s', start, stop, step)`` tuples,
    checked here without a call each)."""
    for e in v:
        t = type(e)
        if t is int or e is None or t is str:
            continue
        if t is tuple:
            for f in e:
                u = type(f)
                if u is int or f is None or u is str:
                    continue
                if u is tuple and _plain_tuple(f):
                    continue
                return False
            continue
        return False
    return True


# Core primitives on tf.string tensors (object arrays of bytes).  Those whose CPU kernel only
# indexes, copies or reshapes with NumPy run as they are (STRING_SAFE: the graph compiler
# leaves them to the interpreter); a few have host implementations (STRING_PRIMS, filled by
# strings.py: identity, equal, not_equal, add); any other is a build-time TypeError, since
# the core's arithmetic kernels are Numba's and numeric only.
STRING_SAFE = frozenset({"concatenate", "expand_dims", "getitem", "reshape", "squeeze", "take",
                         "transpose", "shape_of", "size_of", "rank_of", "broadcast_to", "flip",
                         "stack", "slice", "strided_slice", "tile"})
STRING_PRIMS: dict = {}


def _string_apply(prim: Primitive, inputs, params) -> Tensor:
    build = STRING_PRIMS.get(prim.name)
    if build is not None:
        return build(prim, inputs, params)
    if prim.name not in STRING_SAFE:
        from .graph import _user_frame
        dts = ", ".join(t.dtype.name for t in inputs)
        raise TypeError(f"'{type_name(prim)}' does not support tf.string inputs (input dtypes: "
                        f"{dts}); use the tf.strings ops on strings.\n(defined at "
                        f"{_user_frame()})")
    graph = inputs[0].graph
    name = graph.unique_name(type_name(prim))
    avals = [t.aval for t in inputs]
    out = _checked_eval(prim, avals, params, name)
    op = Operation(graph, type_name(prim), name, inputs, [out], prim=prim, params=params)
    op.device = CPU                     # strings live on the host, whatever the Session's device
    if _unknown_rank(inputs) and out.ndim == 0:
        op.attrs["unknown_rank"] = True
    return op.outputs[0]


def _unknown_rank(inputs) -> bool:
    """True when an input has unknown rank (a ``placeholder(shape=None)`` or an elementwise
    result of one): its build-time shape is a stand-in scalar."""
    for t in inputs:
        if type(t) is Tensor and t.op.attrs.get("unknown_rank"):
            return True
    return False


Tensor._dlcore_unknown_rank = property(lambda t: bool(t.op.attrs.get("unknown_rank")))


def _checked_eval(prim, avals, params, name: str):
    """``prim``'s shape rule on ``avals``; a ShapeError/DTypeError is TensorFlow's build-time
    ValueError/TypeError naming the node ``name``."""
    try:
        return prim.abstract_eval(*avals, **params)
    except ShapeError as e:
        raise ValueError(_node_message(e, e.op, name, prim, avals)) from None
    except DTypeError as e:
        raise TypeError(_node_message(e, e.op, name, prim, avals)) from None


def _node_message(err, core_op: str, name: str, prim: Primitive, avals) -> str:
    """Re-word the core's message with the node's name, its type and where it was built."""
    from .graph import _user_frame
    text = str(err)
    marker = f" for '{core_op}'"
    body = text.split(marker)[0] if marker in text else text
    shapes = ", ".join(format_shape(a.shape) for a in avals)
    if isinstance(err, DTypeError):
        dts = ", ".join(_dtypes.TF_NAMES.get(a.dtype.name, a.dtype.name) for a in avals)
        return (f"{body} for '{name}' (op: '{type_name(prim)}') with input dtypes: {dts}."
                f"\n(node '{name}' defined at {_user_frame()})")
    return (f"{body} for '{name}' (op: '{type_name(prim)}') with input shapes: {shapes}."
            f"\n(node '{name}' defined at {_user_frame()})")


def _aval(a) -> AVal:
    if isinstance(a, Tensor):
        return a.aval
    get = getattr(a, "__dlcore_aval__", None)
    if get is not None:
        return get()
    arr = np.asarray(a)
    return AVal(arr.shape, np.dtype(arr.dtype))


Tensor.__dlcore_frontend__ = StaticFrontend
# ``ndarray + tensor``: NumPy defers to the tensor's reflected operator (a graph Tensor results,
# not an object array of Tensors).
Tensor.__array_ufunc__ = None
