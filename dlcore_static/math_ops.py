"""The math API under TensorFlow's names, and the Python operators on tensors.

Each function is a thin wrapper: convert arguments to tensors (a Python scalar or a NumPy array
takes the dtype of the tensor it meets, as in TensorFlow), call the core's functional op (which
adds the node through ``bind``) and apply the user's ``name=``.  No arithmetic happens here.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from . import dtypes as _dtypes
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


def _named(fn, name, *xs, **kw):
    first = len(get_default_graph()._ops)
    args = _args(*xs)
    if len(args) > 1:
        from .frontend import TYPE_NAMES
        _same_dtype(TYPE_NAMES.get(fn.__name__, fn.__name__), args)
    return rename(fn(*args, **kw), name, first)


def _scoped(scope: str, name, fn, *xs, **kw):
    """A composite (several primitives) under a name scope; the last node gets the name."""
    g = get_default_graph()
    first = len(g._ops)
    with g.name_scope(name or scope):
        out = fn(*_args(*xs), **kw)
    return rename(out, name or scope, first) if name else out


# -- arithmetic
def add(x, y, name=None): return _named(_ops.add, name, x, y)
def subtract(x, y, name=None): return _named(_ops.sub, name, x, y)
def multiply(x, y, name=None): return _named(_ops.mul, name, x, y)
def divide(x, y, name=None): return _named(_ops.div, name, x, y)
def pow(x, y, name=None): return _named(_ops.pow, name, x, y)
def maximum(x, y, name=None): return _named(_ops.maximum, name, x, y)
def minimum(x, y, name=None): return _named(_ops.minimum, name, x, y)
def negative(x, name=None): return _named(_ops.neg, name, x)
def exp(x, name=None): return _named(_ops.exp, name, x)
def log(x, name=None): return _named(_ops.log, name, x)
def sqrt(x, name=None): return _named(_ops.sqrt, name, x)
def tanh(x, name=None): return _named(_ops.tanh, name, x)
def sigmoid(x, name=None): return _named(_ops.sigmoid, name, x)
def abs(x, name=None): return _named(_ops.abs, name, x)
def sign(x, name=None): return _named(_ops.sign, name, x)
def square(x, name=None): return _named(_ops.square, name, x)
def relu(x, name=None): return _named(_ops.relu, name, x)


subtract.__doc__ = "x - y"
sub = subtract
multiply.__doc__ = "x * y"
mul = multiply
truediv = divide
div = divide
realdiv = divide
neg = negative


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
def less(x, y, name=None): return _named(_ops.less, name, x, y)
def less_equal(x, y, name=None): return _named(_ops.less_equal, name, x, y)
def greater(x, y, name=None): return _named(_ops.greater, name, x, y)
def greater_equal(x, y, name=None): return _named(_ops.greater_equal, name, x, y)
def equal(x, y, name=None): return _named(_ops.equal, name, x, y)
def not_equal(x, y, name=None): return _named(_ops.not_equal, name, x, y)
def logical_not(x, name=None): return _named(_ops.logical_not, name, x)


def where(condition, x=None, y=None, name=None):
    if x is None or y is None:
        raise NotImplementedError("tf.where(condition) with one argument (indices) is not "
                                  "supported; pass x and y")
    cond = to_tensor(condition)
    xs = _args(x, y)
    _same_dtype("Select", xs)
    first = len(get_default_graph()._ops)
    return rename(_ops.where(cond, *xs), name, first)


def cast(x, dtype, name=None):
    first = len(get_default_graph()._ops)
    return rename(_ops.cast(_args(x)[0], _dtypes.as_np(dtype)), name, first)


def to_float(x, name=None):
    return cast(x, _dtypes.float32, name)


def stop_gradient(x, name=None): return _named(_ops.stop_gradient, name, x)


# -- reductions
def _axis(axis, reduction_indices):
    a = axis if axis is not None else reduction_indices
    if isinstance(a, (list, tuple)):
        return tuple(int(i) for i in a)
    return a


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    kd = bool(keepdims if keepdims is not None else keep_dims)
    return _named(lambda x: _ops.sum(x, _axis(axis, reduction_indices), kd), name, input_tensor)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None):
    kd = bool(keepdims if keepdims is not None else keep_dims)
    return _scoped("Mean", name, lambda x: _ops.mean(x, _axis(axis, reduction_indices), kd),
                   input_tensor)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    kd = bool(keepdims if keepdims is not None else keep_dims)
    return _named(lambda x: _ops.max_(x, _axis(axis, reduction_indices), kd), name, input_tensor)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    kd = bool(keepdims if keepdims is not None else keep_dims)
    return _named(lambda x: _ops.min_(x, _axis(axis, reduction_indices), kd), name, input_tensor)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    return _scoped("ReduceLogSumExp", name,
                   lambda x: _ops.logsumexp(x, _axis(axis, None), bool(keepdims)), input_tensor)


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
    cls.__add__ = lambda s, o: add(s, o)
    cls.__radd__ = _r(add)
    cls.__sub__ = lambda s, o: subtract(s, o)
    cls.__rsub__ = _r(subtract)
    cls.__mul__ = lambda s, o: multiply(s, o)
    cls.__rmul__ = _r(multiply)
    cls.__truediv__ = lambda s, o: divide(s, o)
    cls.__rtruediv__ = _r(divide)
    cls.__pow__ = lambda s, o: pow(s, o)
    cls.__rpow__ = _r(pow)
    cls.__matmul__ = lambda s, o: matmul(s, o)
    cls.__rmatmul__ = _r(matmul)
    cls.__neg__ = lambda s: negative(s)
    cls.__abs__ = lambda s: abs(s)
    cls.__lt__ = lambda s, o: less(s, o)
    cls.__le__ = lambda s, o: less_equal(s, o)
    cls.__gt__ = lambda s, o: greater(s, o)
    cls.__ge__ = lambda s, o: greater_equal(s, o)

    def getitem(s, idx):
        from .array_ops import getitem as _gi
        return _gi(s, idx)
    cls.__getitem__ = getitem


_install_operators(Tensor)
