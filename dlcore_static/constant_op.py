"""TensorFlow's ``constant_op``: ``tf.constant``, and how Python and NumPy data, lists holding
tensors and Variables become graph tensors (``to_tensor``, ``convert_to_tensor``, TF1's
auto-packing ``autopack``), and ``rename``, which gives a node its user's ``name=``.

Split from ``frontend.py`` (which keeps how ``bind`` adds a primitive's node and re-exports
these names): nothing here runs a shape rule.
"""

from __future__ import annotations

import numpy as np

from dlcore import dtypes as _core_dtypes
from dlcore.dtypes import is_floating
from dlcore.registry import AVal

from . import dtypes as _dtypes
from .graph import Graph, Operation, Tensor, _user_location, get_default_graph, new_op, setup_op


def constant(value, dtype=None, shape=None, name: str = "Const", graph: Graph | None = None,
             verify_shape: bool = False) -> Tensor:
    """A ``Const`` node holding ``value`` (converted with NumPy; float64 data defaults to
    float32 as in TensorFlow when no dtype is given for Python floats)."""
    graph = graph or get_default_graph()
    if isinstance(value, Tensor):
        raise TypeError("tf.constant expects a Python value or NumPy array, not a Tensor.")
    fresh = False                       # arr a new array of a Python number (no copy)
    if _is_string(value, dtype):
        arr = _dtypes.as_bytes_array(value, "tf.constant")
    elif dtype is not None:
        arr = np.asarray(value, dtype=_dtypes.as_np(dtype))
        fresh = type(value) in _PY_NUMBERS and shape is None   # (a weak scalar's Const)
    else:
        arr = np.asarray(value)
        if not isinstance(value, np.ndarray) and not isinstance(value, np.generic):
            # Python data: floats -> float32, ints -> int32 (TensorFlow's defaults).
            if is_floating(arr.dtype):
                arr = arr.astype(np.float32)
            elif arr.dtype.kind in "iu":
                arr = arr.astype(np.int32 if np.all(np.abs(arr) < 2**31) else np.int64)
        if arr.dtype not in _dtypes.STORED_UNSIGNED:
            arr = arr.astype(_core_dtypes.as_dtype(arr.dtype), copy=False)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if arr.size == 1 and int(np.prod(shape)) != 1:
            arr = np.full(shape, arr.reshape(()), arr.dtype)
        else:
            arr = arr.reshape(shape)
    if not fresh:
        arr = np.array(arr, copy=True)
    arr.flags.writeable = False
    # (Operation(graph, "Const", ..., avals=[...], attrs=...).outputs[0] without the keyword
    # call and the list: issue 19), named as the front end's nodes are, when a name is asked
    # for (graph.GraphNames: a Const made amid a graph's pending nodes made them all named)
    t = setup_op(new_op(Operation), graph, "Const", None, (), (AVal(arr.shape, arr.dtype),),
                 None, None, {"value": arr}, _user_location())
    return t if not name or name == "Const" else rename(t, name, t.op._id)


_PY_NUMBERS = frozenset({int, float, bool})


def _is_string(value, dtype) -> bool:
    """String data or ``dtype=tf.string``: a constant of Python bytes (``dtypes.string``)."""
    if dtype is not None:
        return _dtypes.as_dtype(dtype) is _dtypes.string
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "SUO"
    if isinstance(value, (list, tuple)) and value:
        first = value
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        return isinstance(first, (str, bytes))
    return False


def constant_value(value):
    """The value known when the graph is built: a ``Const`` op's array, Python or NumPy data as
    an array, None for a tensor computed at run time (TensorFlow's
    ``tf.get_static_value`` for the constants)."""
    if isinstance(value, Tensor):
        return value.op.attrs.get("value") if value.op.type == "Const" else None
    return np.asarray(value)


def to_tensor(value, graph: Graph | None = None, dtype_hint=None, *,
              cast_data: bool = False) -> Tensor:
    """Tensors pass through; Variables give their value; Python scalars become *weak*
    constants (they take ``dtype_hint`` where it can hold them); NumPy arrays and lists become
    constants of their own kind, as ``tf.convert_to_tensor`` makes them (Python ints int32,
    floats float32, NumPy arrays their dtype).  ``dtype_hint`` (the dtype of the tensor the
    value meets) applies to data only where it cannot change what the data means: floating data
    takes a floating hint (a float64 array next to a float32 tensor), while integer and bool
    data (indices, masks) never become floats.  ``cast_data``: integer and bool data take a
    numeric hint too, for operands that share one dtype with a tensor in TensorFlow
    (``x + np.arange(3)``, ``x * mask_array``: NumPy's ``astype``, as TensorFlow converts them)."""
    if isinstance(value, Tensor):
        return value
    conv = getattr(value, "_as_graph_element", None)
    if conv is not None:
        return conv()
    graph = graph or get_default_graph()
    if _core_dtypes.is_python_scalar(value):
        return constant(value, _core_dtypes.scalar_dtype(value, dtype_hint), graph=graph)
    if isinstance(value, (list, tuple)):
        packed = autopack(value)        # a list holding tensors: TF1 packs it (a Pack op)
        if packed is not None:
            return packed
    if dtype_hint is not None and isinstance(value, (list, tuple, np.ndarray, np.generic)) \
            and _takes_hint(value, np.dtype(dtype_hint), cast_data):
        return constant(value, dtype_hint, graph=graph)
    return constant(value, graph=graph)


def _tensor_like(x) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_as_graph_element")


def _nested_tensor_dtype(value):
    """The dtype of the first tensor (or Variable) in the nested lists ``value``, or None."""
    for x in value:
        if _tensor_like(x):
            return to_tensor(x).dtype.base_dtype
        if isinstance(x, (list, tuple)):
            d = _nested_tensor_dtype(x)
            if d is not None:
                return d
    return None


def autopack(value, dtype=None, name=None):
    """TensorFlow 1's auto-packing (``ops._autopacking_conversion_function``): a list or tuple
    holding a tensor at any depth is a Pack of its entries named ``packed`` (nested lists: a
    Pack per level named by its index), the dtype the first tensor's, the other entries
    constants of it; None when ``value`` holds no tensor (the caller makes a constant).  A
    ``dtype`` other than the first tensor's casts every tensor of another dtype to it first
    (``_cast_nested_seqs_to_dtype``: Cast ops in the caller's scope, made before the Pack)."""
    inferred = _nested_tensor_dtype(value)
    if inferred is None:
        return None
    if dtype is None:
        dtype = inferred
    else:
        dtype = _dtypes.as_dtype(dtype)
        if dtype != inferred:
            value = _cast_nested(value, dtype)
    return _pack(value, dtype, name or "packed")


def _cast_nested(value, dtype):
    """``value`` (nested lists and tuples) with each tensor not of ``dtype`` cast to it."""
    from dlcore.ops import cast
    out = []
    for x in value:
        if _tensor_like(x):
            t = to_tensor(x)
            if t.dtype.base_dtype != dtype:
                x = cast(t, _dtypes.as_np(dtype))
        elif isinstance(x, (list, tuple)):
            x = _cast_nested(x, dtype)
        out.append(x)
    return type(value)(out) if type(value) in (list, tuple) else out


def _pack(value, dtype, name: str) -> Tensor | None:
    """TF's ``_autopacking_helper``: the Pack of ``value``'s entries in the scope ``name``, or
    None when ``value`` (a sub-list) holds no tensor; its scope is opened all the same, so a
    constant made of it after is ``<index>_1`` (TF's names)."""
    from dlcore.ops import stack as _stack
    g = get_default_graph()
    first = len(g._ops)
    with g.name_scope(name) as scope:
        elems: list = []
        must_pack = False
        t: Tensor | None
        for i, x in enumerate(value):
            if _tensor_like(x):
                t = to_tensor(x)
                if t.dtype.base_dtype != dtype:
                    raise TypeError(f"Cannot convert a list containing a tensor of dtype "
                                    f"{getattr(x, 'dtype', t.dtype)} to {dtype} "
                                    f"(Tensor is: {x!r})")
                must_pack = True
            elif isinstance(x, (list, tuple)):
                t = _pack(x, dtype, str(i))
                must_pack = must_pack or t is not None
            else:
                t = None
            elems.append(t)
        if not must_pack:
            return None
        elems = [constant(x, dtype, name=str(i)) if t is None else t
                 for i, (x, t) in enumerate(zip(value, elems))]
        out = _stack(elems, 0)
    return rename(out, scope[:-1], first, False)


def _takes_hint(value, hint: np.dtype, cast_data: bool) -> bool:
    kind = value.dtype.kind if isinstance(value, (np.ndarray, np.generic)) else \
        np.asarray(value).dtype.kind
    if kind == "f":
        return is_floating(hint)
    return cast_data and kind in "biu" and (hint.kind in "iu" or is_floating(hint))


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None) -> Tensor:
    """``tf.convert_to_tensor``."""
    if isinstance(value, Tensor) or hasattr(value, "_as_graph_element"):
        t = to_tensor(value)
        if dtype is not None and t.dtype != _dtypes.as_dtype(dtype):
            raise ValueError(f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} "
                             f"for Tensor with dtype {t.dtype.name}: {t!r}")
        return t
    if isinstance(value, (list, tuple)):
        packed = autopack(value, dtype, name)
        if packed is not None:
            return packed
    return constant(value, dtype if dtype is not None else preferred_dtype, name=name or "Const")


def rename(t: Tensor, name: str | None, first_new_id: int, unique: bool = True) -> Tensor:
    """Give the op that made ``t`` the user's ``name=`` if this call created it: the name
    TensorFlow creates it with, made unique as its own (``tf.transpose(x)``'s ``transpose``;
    the type's name it had is not kept reserved), or exactly ``name`` with ``unique=False``
    (a name scope's name, the op TensorFlow's ``with name_scope(...) as name`` makes)."""
    if name is None or not isinstance(t, Tensor) or t.op._id < first_new_id:
        return t
    op = t.op
    if op._name is None and op.graph._rename_pending(op, name, unique):
        return t                        # (named when a name is asked for: graph.py)
    op.graph.rename_op(op, name, unique)
    return t
