"""The math API under TensorFlow's names, and the Python operators on tensors.

Each function is a thin wrapper: convert arguments to tensors (a Python scalar or a NumPy array
takes the dtype of the tensor it meets, as in TensorFlow), call the core's functional op (which
adds the node through ``bind``) and apply the user's ``name=``.  No arithmetic happens here.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.errors import ShapeError

from . import dtypes as _dtypes
from .errors import reraise_with_node
from .frontend import rename, to_tensor
from .graph import Tensor, get_default_graph


def _hint(*xs):
    for x in xs:
        if isinstance(x, Tensor):
            return x.aval.dtype
        a = getattr(x, "aval", None)
        if a is not None and hasattr(x, "_as_graph_element"):
            return a.dtype
    return None


def _args(*xs):
    """Tensors stay; Variables read; scalars/arrays become constants of the tensors' dtype."""
    hint = _hint(*xs)
    out = []
    for x in xs:
        if isinstance(x, Tensor):
            out.append(x)
        elif hasattr(x, "_as_graph_element"):
            out.append(x._as_graph_element())
        elif isinstance(x, (int, float, bool)) and not isinstance(x, np.generic) and \
                hint is not None:
            out.append(x)                     # a weak scalar: the core lifts it
        else:
            out.append(to_tensor(x, None, hint))
    return out


def _same_dtype(op_type: str, ts) -> None:
    """TensorFlow does not promote between tensors: mixing float32 and float64 is a TypeError."""
    ts = [t for t in ts if isinstance(t, Tensor)]
    for k, t in enumerate(ts[1:], 1):
        if t.aval.dtype != ts[0].aval.dtype:
            arg = "y" if k == 1 else f"input {k}"
            raise TypeError(f"Input '{arg}' of '{op_type}' Op has type {t.dtype.name} that does "
                            f"not match type {ts[0].dtype.name} of argument 'x'.")


def _named(fn, name, *xs, op_type: str | None = None, **kw):
    """One primitive's node: TF's same-dtype check (naming ``op_type`` in its message), then
    the user's ``name=``."""
    first = len(get_default_graph()._ops)
    args = _args(*xs)
    if len(args) > 1:
        if op_type is None:
            from dlcore.registry import PRIMITIVES

            from .frontend import type_name
            prim = PRIMITIVES.get(fn.__name__)
            op_type = type_name(prim) if prim is not None else fn.__name__
        _same_dtype(op_type, args)
    try:
        out = fn(*args, **kw)
    except ShapeError as e:
        if "\n(node '" in str(e):
            raise
        node = name or op_type or getattr(fn, "__name__", "op")
        reraise_with_node(e, node, op_type or node, args)
    return rename(out, name, first)


def _scoped(scope: str, name, fn, *xs, **kw):
    """A composite (several primitives) under a name scope; the last node gets the name."""
    g = get_default_graph()
    first = len(g._ops)
    args = _args(*xs)
    with g.name_scope(name or scope):
        try:
            out = fn(*args, **kw)
        except ShapeError as e:
            if "\n(node '" in str(e):
                raise
            reraise_with_node(e, name or scope, scope, args)
    return rename(out, name or scope, first) if name else out


# -- arithmetic
# add, subtract, multiply, pow, maximum, exp, tanh, ... and their aliases are generated from the
# ops' definition blocks in dlcore (see dlcore_static._api); what is here needs more than one
# primitive's convention.
def divide(x, y, name=None):
    """``x / y``: TF1's truediv, where integers divide as floats: float32 for 8/16-bit, float64
    for 32/64-bit integers (``tf.constant(3) / 2`` is a float64 1.5)."""
    a, b = _args(x, y)
    dts = [t.aval.dtype if isinstance(t, Tensor) else None for t in (a, b)]
    ints = [d for d in dts if d is not None]
    if ints and all(d.kind in "iu" for d in ints) and len(set(ints)) == 1 and all(
            d is not None or (isinstance(t, int) and not isinstance(t, bool))
            for d, t in zip(dts, (a, b))):
        ft = np.float32 if ints[0].itemsize <= 2 else np.float64
        a, b = (_ops.cast(t, ft) if isinstance(t, Tensor) else float(t) for t in (a, b))
    return _named(_ops.div, name, a, b, op_type="RealDiv")


def rsqrt(x, name=None):
    return _scoped("Rsqrt", name, lambda a: _ops.div(1.0, _ops.sqrt(a)), x)


def floordiv(x, y, name=None):
    raise NotImplementedError("floordiv has no primitive in dlcore yet")


def add_n(inputs, name=None):
    inputs = list(inputs)

    def total(*xs):
        out = xs[0]
        for x in xs[1:]:
            out = _ops.add(out, x)
        return out if len(xs) > 1 else _ops.identity(out)
    return _scoped("AddN", name, total, *inputs)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    def matmul(x, y):
        if transpose_a:
            x = _ops.matrix_transpose(x)
        if transpose_b:
            y = _ops.matrix_transpose(y)
        return _ops.matmul(x, y)
    return _named(matmul, name, a, b)


# -- comparisons & selection
def logical_not(x, name=None): return _named(_ops.logical_not, name, x)


def where(condition, x=None, y=None, name=None):
    """One argument: coordinates of the true elements; three: elementwise choice (a rank-1
    condition picks rows, as in TensorFlow 1).  See ``math_api.where``."""
    from .math_api import where as _where
    return _where(condition, x, y, name)


def cast(x, dtype, name=None):
    first = len(get_default_graph()._ops)
    return rename(_ops.cast(_args(x)[0], _dtypes.as_np(dtype)), name, first)


def to_float(x, name=None):
    return cast(x, _dtypes.float32, name)


# -- reductions
def _axis(axis, reduction_indices):
    a = axis if axis is not None else reduction_indices
    if isinstance(a, (list, tuple)):
        return tuple(int(i) for i in a)
    return a


# reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_logsumexp: generated (_api).


def argmax(input, axis=None, name=None, dimension=None, output_type=_dtypes.int64):
    a = axis if axis is not None else (dimension if dimension is not None else 0)
    out = _named(lambda x: _ops.argmax(x, a), name, input)
    return out if _dtypes.as_dtype(output_type) == _dtypes.int64 else cast(out, output_type)


def argmin(input, axis=None, name=None, output_type=_dtypes.int64):
    a = 0 if axis is None else axis
    out = _scoped("ArgMin", name, lambda x: _ops.argmax(_ops.neg(x), a), input)
    return out if _dtypes.as_dtype(output_type) == _dtypes.int64 else cast(out, output_type)


# ============================================================================ operators
def _r(fn):
    return lambda self, other: fn(other, self)


def _install_operators(cls) -> None:
    """The operators with no single primitive's convention; ``+``, ``-``, ``<``, ... are
    generated from the registry (dlcore_static._api)."""
    cls.__matmul__ = lambda s, o: matmul(s, o)
    cls.__rmatmul__ = _r(matmul)

    def getitem(s, idx):
        from .array_ops import getitem as _gi
        return _gi(s, idx)
    cls.__getitem__ = getitem


_install_operators(Tensor)
