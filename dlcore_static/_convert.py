"""How a TensorFlow function turns its arguments into graph tensors and names its nodes.

Every ``tf.*`` wrapper does the same three things before and after calling the core's
functional op (which adds the nodes through ``bind``):

* ``_args(*xs)``: tensors stay, Variables give their value, Python scalars stay *weak* (the
  core lifts them to the dtype of the tensor they meet), NumPy arrays and lists become ``Const``
  nodes.  Data keeps its own kind, as ``tf.convert_to_tensor`` does: integer and bool data stay
  integer/bool (a Python int list is int32, a NumPy array keeps its dtype) and only floating
  data takes the tensors' floating dtype, so an index or a mask is never turned into floats.
* ``_same_type(op_type, *xs)``: the operands of one TensorFlow op that share a dtype attribute
  (both sides of ``Add``, ``MatMul``, ``Select``'s branches, ``ConcatV2``'s values).  There
  TensorFlow converts the other operands *with* the tensor's dtype
  (``convert_to_tensor(y, dtype=x.dtype)``: NumPy integer or bool data is cast to a float
  tensor's dtype), and then two tensors of different dtypes are a ``TypeError``, never promoted.
* ``_named`` (one primitive) and ``_scoped`` (a composite under a name scope) apply the user's
  ``name=`` and re-word a core shape error with the node's name and where it was built.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlcore.dtypes import is_python_scalar
from dlcore.errors import ShapeError
from dlcore.registry import PRIMITIVES

from .errors import reraise_with_node
from .frontend import autopack, constant, rename, to_tensor, type_name
from .graph import Tensor, get_default_graph


def _hint(*xs):
    """The dtype of the first tensor (or Variable) among ``xs``, else None."""
    for x in xs:
        if isinstance(x, Tensor):
            return x.aval.dtype
        a = getattr(x, "aval", None)
        if a is not None and hasattr(x, "_as_graph_element"):
            return a.dtype
    return None


def _args(*xs, cast_data: bool = False) -> list:
    """``xs`` as graph operands (see the module docstring); ``cast_data``: integer and bool
    data take the tensors' dtype too (operands that share one dtype in TensorFlow)."""
    if len(xs) == 1 and type(xs[0]) is Tensor:
        return [xs[0]]                  # one graph tensor: as it is (the common case)
    hint = _hint(*xs)
    first = None
    if hint is None and any(is_python_scalar(x) for x in xs):
        # no tensor among them: TensorFlow converts the data (a NumPy array, a list) and then
        # the Python numbers with its dtype (tf.equal(int32_array, 5) is int32 == int32; the
        # number was made an int64 Const here, a TypeError)
        k = next((i for i, x in enumerate(xs) if not is_python_scalar(x) and x is not None),
                 None)
        if k is not None:
            first = (k, to_tensor(xs[k], None, None, cast_data=cast_data))
            hint = first[1].aval.dtype
    out = []
    for i, x in enumerate(xs):
        if first is not None and i == first[0]:
            out.append(first[1])
        elif isinstance(x, Tensor):
            out.append(x)
        elif hasattr(x, "_as_graph_element"):
            out.append(x._as_graph_element())
        elif hint is not None and is_python_scalar(x):
            out.append(x)                     # a weak scalar: the core lifts it
        else:
            out.append(to_tensor(x, None, hint, cast_data=cast_data))
    return out


def _same_dtype(op_type: str, ts) -> None:
    """TensorFlow does not promote between tensors: mixing float32 and float64 is a TypeError."""
    ts = [t for t in ts if isinstance(t, Tensor)]
    for k, t in enumerate(ts[1:], 1):
        if t.aval.dtype != ts[0].aval.dtype:
            arg = "y" if k == 1 else f"input {k}"
            raise TypeError(f"Input '{arg}' of '{op_type}' Op has type {t.dtype.name} that does "
                            f"not match type {ts[0].dtype.name} of argument 'x'.")


def _same_type(op_type: str, *xs) -> list:
    """The operands of one op that share a dtype: converted with the tensors' dtype, then
    checked to agree (``_same_dtype``)."""
    args = _args(*xs, cast_data=True)
    _same_dtype(op_type, args)
    return args


def _named(fn, name, *xs, op_type: str | None = None, **kw):
    """One primitive's node: its operands share a dtype (TF's check, naming ``op_type`` in its
    message), then the user's ``name=``."""
    first = len(get_default_graph()._ops) if name is not None else 0
    if _one_dtype(xs):                  # graph tensors of one dtype: nothing to convert
        args: Any = xs
    elif len(xs) > 1:
        op_type = _op_type(fn, op_type)
        args = _same_type(op_type, *xs)
    else:
        args = _args(*xs)
    try:
        out = fn(*args, **kw)
    except ShapeError as e:
        if "\n(node '" in str(e):
            raise
        if len(xs) > 1:
            op_type = _op_type(fn, op_type)
        node: str = name or op_type or str(getattr(fn, "__name__", "op"))
        reraise_with_node(e, node, op_type or node, list(args))
    return out if name is None else rename(out, name, first)


def _one_dtype(values) -> bool:
    """A list or tuple of graph tensors of one dtype object: ``_args``/``_same_type`` would
    return them as they are (the common case of building a graph, issue 19: ``_named``'s
    operands, ``concat``'s values)."""
    if type(values) is not list and type(values) is not tuple or not values:
        return False
    d = None
    for v in values:
        if type(v) is not Tensor:
            return False
        if d is None:
            d = v.aval.dtype
        elif v.aval.dtype is not d:
            return False
    return True


def _list_operands(arg: str, op_type: str, values) -> list:
    """A list input whose entries share one dtype (``Pack``'s ``values``) as TF's
    op_def_library converts it: the dtype of the first tensor, the other entries converted
    with it (``tf.stack([int32_tensor, 5])`` is int32); an entry of another dtype (a tensor,
    or Python data that does not fit: 2.5 for an int32 list) is TF's TypeError."""
    if _one_dtype(values):
        return list(values)
    hint = next((x.aval.dtype for x in values if isinstance(x, Tensor)), None)
    if hint is None:
        return _args(*values, cast_data=True)
    out = []
    for x in values:
        if isinstance(x, Tensor) or hasattr(x, "_as_graph_element"):
            t = to_tensor(x)
        elif isinstance(x, (list, tuple)) and (t := autopack(x, hint)) is not None:
            pass                                # (a list holding tensors: cast, packed)
        elif isinstance(x, np.ndarray) or np.asarray(x).dtype.kind not in "fc" or \
                hint.kind in "fc":
            t = constant(x, hint)               # (TF casts an array; a float list/number
        else:                                   # does not fit an integer or bool list)
            t = to_tensor(x)
        out.append(t)
    if any(t.aval.dtype != hint for t in out):
        observed = ", ".join(t.dtype.name for t in out)
        raise TypeError(f"Tensors in list passed to '{arg}' of '{op_type}' Op have types "
                        f"[{observed}] that don't all match.")
    return out


def _op_type(fn, op_type: str | None) -> str:
    """The op type named in a two-operand op's messages: given, else the primitive's."""
    if op_type is None:
        prim = PRIMITIVES.get(fn.__name__)
        op_type = type_name(prim) if prim is not None else fn.__name__
    return op_type


def _scoped(scope: str, name, fn, *xs, name_last: bool = True, inner: str | None = None,
            **kw):
    """A composite (several primitives) under a name scope; the last node takes the scope's
    own name, as TensorFlow's ``with name_scope(name, scope) as name: ... op(..., name=name)``
    makes it (``tf.stack``'s ``stack``, a second one's ``stack_1``; its other nodes are
    ``stack/...``); ``name_last=False``: it keeps its ``scope/Type`` name (a wrapper whose
    last op TensorFlow names so, ``tf.boolean_mask``'s ``boolean_mask/GatherV2``);
    ``inner``: it is ``scope/inner`` (``matrix_transpose/transpose``)."""
    g = get_default_graph()
    first = len(g._ops)
    args = _args(*xs)
    with g.name_scope(name or scope) as made:
        try:
            out = fn(*args, **kw)
        except ShapeError as e:
            if "\n(node '" in str(e):
                raise
            reraise_with_node(e, name or scope, scope, args)
        if inner is not None:
            return rename(out, inner, first)
    if not name_last:
        return out
    if type(out) is not Tensor and isinstance(out, tuple) and out and \
            all(isinstance(t, Tensor) for t in out):
        # TF1's one op with several outputs (Unique, Qr, Svd, SelfAdjointEigV2): its
        # tensors by TF1's names, Unique:0, Unique:1 (graph.alias_outputs)
        g.alias_outputs(made[:-1], out)
        return out
    return rename(out, made[:-1], first, False)


def _class_labels(labels, logits):
    """Sparse class ``labels`` for ``logits`` of shape (..., classes).  Labels of unknown rank
    (``placeholder(tf.int64, shape=(None))``, Hands-On ML's spelling: ``(None)`` is ``None``)
    take the logits' leading shape, the first axis read at run time, as TensorFlow's rule
    ``labels.shape == logits.shape[:-1]`` gives them; others stay as they are."""
    from dlcore import ops as _ops
    from dlcore.registry import AVal
    lb, lg = to_tensor(labels), to_tensor(logits)
    lead = tuple(lg.aval.shape[:-1])
    if not lb.op.attrs.get("unknown_rank") or not lead or None in lead[1:]:
        return lb
    out = _ops.reshape(lb, (-1,) + lead[1:])
    out.aval = AVal(lead, out.aval.dtype)
    return out
