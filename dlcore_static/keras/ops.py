"""``keras.ops``: the Keras 3 operations that keras.io's layer subclasses call inside
``call()`` (``ops.shape(x)[-1]``, ``ops.arange``, ``ops.mean``, ...), with Keras 3's
signatures and defaults, built on the static engine's ops (graph tensors in, graph tensors
out), as Keras 3's TensorFlow backend builds them:

- ``shape(x)``: a tuple; a dimension known when the graph is built is an int, an unknown one
  the scalar tensor ``tf.shape(x)[i]``.
- ``arange(start, stop=None, step=1, dtype=None)``: int32 when start, stop and step are ints,
  else float32 (Keras 3's default float type).
- reductions ``sum/mean/max/min(x, axis=None, keepdims=False)``; ``argmax/argmin(x,
  axis=None, keepdims=False)`` are int32 (``axis=None``: over the flattened tensor).
- ``concatenate(xs, axis=0)`` and ``stack(x, axis=0)``: axis 0 by default (NumPy's, not
  Keras 2 backend's -1); ``zeros/ones(shape, dtype=None)`` float32 by default.

Only the names below exist: a Keras 3 op not listed raises AttributeError rather than
behave otherwise.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import numbers
import sys
import types
import weakref

import numpy as np

from ..graph import Tensor, get_default_graph
from ._keras3_op_table import CLASSES as _K3_CLASSES

__all__ = ["abs", "add", "arange", "argmax", "argmin", "cast", "clip", "concatenate", "conv",
           "convert_to_numpy", "convert_to_tensor", "divide", "equal", "exp", "expand_dims",
           "greater", "less", "log", "log_softmax", "logical_and", "logical_not", "logical_or",
           "matmul", "max", "maximum", "mean", "min", "minimum", "moments", "multiply",
           "not_equal", "one_hot", "ones", "ones_like", "relu", "reshape", "shape", "sigmoid",
           "softmax", "split", "sqrt", "square", "squeeze", "stack", "subtract", "sum", "take",
           "tanh", "tensordot", "tile", "top_k", "transpose", "tril", "triu", "where", "zeros",
           "zeros_like"]

_FLOATX = "float32"


def _tf():
    """The ``tf`` namespace (its registry-generated ops are installed when the package has
    been imported, which imported this module: read at call time, not imported here)."""
    return sys.modules["dlcore_static"]


def _t(x):
    return x if isinstance(x, Tensor) else _tf().convert_to_tensor(x)


def convert_to_tensor(x, dtype=None, sparse=None):
    """A graph tensor of ``x`` (cast to ``dtype`` when given)."""
    if isinstance(x, Tensor):
        return x if dtype is None else _tf().cast(x, dtype)
    return _tf().convert_to_tensor(x, dtype=dtype)


def shape(x) -> tuple:
    """Static dimensions as ints, unknown ones as scalar int32 tensors (Keras 3's TF
    backend)."""
    x = _t(x)
    static = x.shape.as_list()
    if builtins.all(d is not None for d in static):
        return tuple(static)
    dynamic = _tf().shape(x)
    return tuple(d if d is not None else dynamic[i] for i, d in enumerate(static))


def cast(x, dtype):
    return _tf().cast(_t(x), dtype)


def arange(start, stop=None, step=1, dtype=None):
    if dtype is None:
        ints = builtins.all(isinstance(v, int) for v in (start, stop, step) if v is not None)
        dtype = "int32" if ints else _FLOATX
    if stop is None:
        start, stop = 0, start
    return _tf().range(start, stop, step, dtype=_tf().as_dtype(dtype))


def _reduce(fn, x, axis, keepdims):
    if isinstance(axis, list):
        axis = tuple(axis)
    return fn(_t(x), axis=axis, keepdims=bool(keepdims))


def sum(x, axis=None, keepdims=False):
    return _reduce(_tf().reduce_sum, x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    return _reduce(_tf().reduce_mean, x, axis, keepdims)


def max(x, axis=None, keepdims=False, initial=None):
    if initial is not None:
        raise NotImplementedError("keras.ops.max: initial= is not supported")
    return _reduce(_tf().reduce_max, x, axis, keepdims)


def min(x, axis=None, keepdims=False, initial=None):
    if initial is not None:
        raise NotImplementedError("keras.ops.min: initial= is not supported")
    return _reduce(_tf().reduce_min, x, axis, keepdims)


def _arg(fn, x, axis, keepdims):
    x = _t(x)
    if axis is None:
        out = fn(_tf().reshape(x, [-1]), axis=0, output_type=_tf().int32)
        if keepdims:
            out = _tf().reshape(out, [1] * len(x.shape.as_list()))
        return out
    out = fn(x, axis=axis, output_type=_tf().int32)
    return _tf().expand_dims(out, axis) if keepdims else out


def argmax(x, axis=None, keepdims=False):
    return _arg(_tf().argmax, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    return _arg(_tf().argmin, x, axis, keepdims)


def concatenate(xs, axis=0):
    return _tf().concat([_t(x) for x in xs], axis=axis)


def stack(x, axis=0):
    return _tf().stack([_t(v) for v in x], axis=axis)


def reshape(x, newshape):
    return _tf().reshape(_t(x), newshape)


def transpose(x, axes=None):
    return _tf().transpose(_t(x), perm=axes)


def expand_dims(x, axis):
    return _tf().expand_dims(_t(x), axis)


def squeeze(x, axis=None):
    return _tf().squeeze(_t(x), axis=axis)


def zeros(shape, dtype=None):
    return _tf().zeros(shape, dtype=_tf().as_dtype(dtype or _FLOATX))


def ones(shape, dtype=None):
    return _tf().ones(shape, dtype=_tf().as_dtype(dtype or _FLOATX))


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise NotImplementedError("keras.ops.one_hot: sparse=True is not supported")
    return _tf().one_hot(_t(x), num_classes, axis=axis, dtype=_tf().as_dtype(dtype or _FLOATX))


def clip(x, x_min, x_max):
    return _tf().clip_by_value(_t(x), x_min, x_max)


def where(condition, x1=None, x2=None):
    if (x1 is None) != (x2 is None):
        raise ValueError("`x1` and `x2` either both should be `None` or both should have "
                         "non-None value.")
    if x1 is None:                 # NumPy's nonzero: a tuple of int64 index vectors
        condition = _t(condition)
        rank = len(condition.shape.as_list())
        found = _tf().where(_tf().cast(condition, "bool"))
        return tuple(_tf().unstack(found, rank, axis=1))
    return _tf().where(_t(condition), _t(x1), _t(x2))


def softmax(x, axis=-1):
    return _tf().nn.softmax(_t(x), axis=axis)


def log_softmax(x, axis=-1):
    return _tf().nn.log_softmax(_t(x), axis=axis)


def matmul(x1, x2):
    """NumPy's matmul (Keras 3): a 1-D ``x1`` is a row and a 1-D ``x2`` a column, the added
    axis removed from the product."""
    a, b = _t(x1), _t(x2)
    va, vb = len(a.shape.as_list()) == 1, len(b.shape.as_list()) == 1
    if not (va or vb):
        return _tf().matmul(a, b)
    out = _tf().matmul(_tf().expand_dims(a, 0) if va else a,
                       _tf().expand_dims(b, -1) if vb else b)
    if vb:
        out = _tf().squeeze(out, [-1])
    return _tf().squeeze(out, [-1 if vb else -2]) if va else out


def _weak_pair(x1, x2):
    """Keras 3's weak Python numbers: beside a tensor, a Python int or bool takes the tensor's
    dtype (``ops.not_equal(int64_ids, 0)``), a float too unless the tensor holds integers
    (then both are float32); two tensors as they are."""
    a_t, b_t = isinstance(x1, Tensor), isinstance(x2, Tensor)
    if a_t == b_t:
        return _t(x1), _t(x2)
    t, v = (x1, x2) if a_t else (x2, x1)
    if not isinstance(v, (bool, int, float)):
        return _t(x1), _t(x2)
    dt = np.dtype(t.dtype.as_numpy_dtype)
    if isinstance(v, float) and dt.kind in "iub":
        t, dt = _tf().cast(t, _FLOATX), np.dtype(_FLOATX)
    w = _tf().constant(np.asarray(v, dt))
    return (t, w) if a_t else (w, t)


def _binary(name: str, tf_name: str):
    def op(x1, x2):
        return getattr(_tf(), tf_name)(*_weak_pair(x1, x2))
    op.__name__ = op.__qualname__ = name
    return op


add, subtract = _binary("add", "add"), _binary("subtract", "subtract")
multiply, divide = _binary("multiply", "multiply"), _binary("divide", "divide")
maximum, minimum = _binary("maximum", "maximum"), _binary("minimum", "minimum")


def _unary(name: str):
    def op(x):
        return getattr(_tf(), name)(_t(x))
    op.__name__ = op.__qualname__ = name
    return op


abs, square, sqrt = _unary("abs"), _unary("square"), _unary("sqrt")
exp, log, tanh, sigmoid = _unary("exp"), _unary("log"), _unary("tanh"), _unary("sigmoid")


def relu(x):
    return _tf().nn.relu(_t(x))


def convert_to_numpy(x):
    """The value of ``x`` as a NumPy array (a graph tensor is run in the Keras session)."""
    if not isinstance(x, Tensor) and not hasattr(x, "op"):
        return np.asarray(x)
    from .backend import batch_get_value
    return np.asarray(batch_get_value([x])[0])


equal, not_equal = _binary("equal", "equal"), _binary("not_equal", "not_equal")
greater, less = _binary("greater", "greater"), _binary("less", "less")


def logical_and(x1, x2):
    """Truth values of any dtype (nonzero, NaN: True), as Keras 3; a bool tensor."""
    return _tf().logical_and(_tf().cast(_t(x1), "bool"), _tf().cast(_t(x2), "bool"))


def logical_or(x1, x2):
    return _tf().logical_or(_tf().cast(_t(x1), "bool"), _tf().cast(_t(x2), "bool"))


def logical_not(x):
    return _tf().logical_not(_tf().cast(_t(x), "bool"))


def ones_like(x, dtype=None):
    """Ones of ``x``'s shape, in ``dtype`` (``x``'s own when None), as Keras 3."""
    return _tf().ones_like(_t(x), dtype=dtype)


def zeros_like(x, dtype=None):
    """Zeros of ``x``'s shape, in ``dtype`` (``x``'s own when None), as Keras 3."""
    return _tf().zeros_like(_t(x), dtype=dtype)


def split(x, indices_or_sections, axis=0):
    """NumPy's split: a number of equal sections, or the indices where to cut (negative ones
    from the end)."""
    x = _t(x)
    if isinstance(indices_or_sections, numbers.Integral):
        return _tf().split(x, int(indices_or_sections), axis=axis)
    n = x.shape.as_list()[axis]
    cuts = [0] + [int(i) + n if int(i) < 0 else int(i) for i in indices_or_sections] + [n]
    return _tf().split(x, [b - a for a, b in itertools.pairwise(cuts)], axis=axis)


def _axis_len(x, axis: int):
    """``x``'s length along ``axis``: a number when known, else a scalar tensor."""
    n = x.shape.as_list()[axis]
    return n if n is not None else _tf().shape(x)[axis]


def take(x, indices, axis=None):
    """NumPy's take: ``axis=None`` indexes the flattened ``x``; a negative index counts from
    the end (Keras 3 wraps it)."""
    tf = _tf()
    x = _t(x)
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    idx = _t(indices)
    if idx.dtype.is_integer and np.dtype(idx.dtype.as_numpy_dtype).kind == "i":
        n = tf.cast(_axis_len(x, axis), idx.dtype)
        idx = tf.where(tf.less(idx, tf.zeros_like(idx)), idx + n, idx)
    return tf.gather(x, idx, axis=axis)


def tile(x, repeats):
    """NumPy's tile: ``repeats`` shorter than ``x``'s rank is padded with leading 1s, longer
    gives ``x`` leading axes of length 1 (Keras 3)."""
    tf = _tf()
    x = _t(x)
    if not isinstance(repeats, (numbers.Integral, list, tuple, np.ndarray)) or (
            not isinstance(repeats, numbers.Integral) and
            not builtins.all(isinstance(r, numbers.Integral) for r in repeats)):
        return tf.tile(x, repeats)                  # (a tensor: as many entries as axes)
    reps = [int(repeats)] if isinstance(repeats, numbers.Integral) else \
        [int(r) for r in repeats]
    nd = len(x.shape.as_list())
    for _ in range(len(reps) - nd):
        x = tf.expand_dims(x, 0)
    return tf.tile(x, [1] * (nd - len(reps)) + reps)


def top_k(x, k, sorted=True):
    """The ``k`` largest values of the last axis and their indices (a pair, as Keras 3)."""
    out = _tf().nn.top_k(_t(x), k=k, sorted=sorted)
    return out[0], out[1]


def tensordot(x1, x2, axes=2):
    return _tf().tensordot(_t(x1), _t(x2), axes)


def _band(x, k: int, lower: bool):
    """The lower (upper) triangle of the last two axes, from row/column ranges (sizes known or
    not); a 1-D ``x`` is the row of a square matrix, as NumPy's tril/triu."""
    tf = _tf()
    x = _t(x)
    if len(x.shape.as_list()) == 1:
        x = tf.tile(tf.expand_dims(x, 0), tf.stack([_axis_len(x, 0), 1]))
    rows = tf.expand_dims(tf.range(_axis_len(x, -2)), -1)
    cols = tf.expand_dims(tf.range(_axis_len(x, -1)), 0)
    diff = cols - rows
    keep = tf.less_equal(diff, k) if lower else tf.greater_equal(diff, k)
    keep = tf.logical_and(keep, tf.ones_like(x, dtype=tf.bool))      # (to x's shape)
    return tf.where(keep, x, tf.zeros_like(x))


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) of ``x`` over ``axes`` (the biased variance, as Keras 3)."""
    del synchronized                                   # (one device)
    axes = list(axes) if isinstance(axes, (list, tuple)) else [axes]
    return tuple(_tf().nn.moments(_t(x), axes, keepdims=bool(keepdims)))


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Keras 3's ``ops.conv``: an N-D convolution (kernel ``(*spatial, in, out)``), padding
    ``'valid'``/``'same'``, ``data_format`` ``'channels_last'`` (default) or
    ``'channels_first'``."""
    kernel = _t(kernel)
    rank = len(kernel.shape.as_list()) - 2
    if rank not in (1, 2, 3) or str(padding).lower() not in ("valid", "same"):
        raise ValueError(f"keras.ops.conv: a kernel of rank 3 to 5 and padding 'valid' or "
                         f"'same', got kernel shape {tuple(kernel.shape.as_list())} and "
                         f"padding={padding!r}")
    last = (data_format or "channels_last") == "channels_last"
    fmt = {1: "NWC", 2: "NHWC", 3: "NDHWC"}[rank] if last else \
        {1: "NCW", 2: "NCHW", 3: "NCDHW"}[rank]
    spread = (lambda v: [int(v)] * rank if isinstance(v, (int, np.integer)) else
              [int(d) for d in v])
    return _tf().nn.convolution(_t(inputs), kernel, padding=str(padding).upper(),
                                strides=spread(strides), dilations=spread(dilation_rate),
                                data_format=fmt)


def tril(x, k=0):
    return _band(x, k, True)


def triu(x, k=0):
    return _band(x, k, False)


# -- each call that builds graph ops remembers its output: a functional model makes it one
# operation node named as Keras 3 names it (``_op_layers``: ``ops.clip`` -> ``clip (Clip)``)
#: output tensor -> (Keras 3's operation class, the graph's op count before the call, the
#: function, its arguments): ``_keras3_ops.call_spec`` writes the node as Keras 3 does
CALLS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CLASSES = {"abs": "Absolute", "one_hot": "OneHot", "log_softmax": "LogSoftmax",
            "expand_dims": "ExpandDims", "not_equal": "NotEqual", "logical_and": "LogicalAnd",
            "logical_or": "LogicalOr", "logical_not": "LogicalNot", "ones_like": "OnesLike",
            "zeros_like": "ZerosLike", "batch_normalization": "BatchNorm",
            "layer_normalization": "LayerNorm"}
_CLASSES.update({fn: cls for cls, (_, fn, _) in _K3_CLASSES.items() if fn not in _CLASSES})


def _recorded(fn, cls: str):
    @functools.wraps(fn)
    def op(*args, **kwargs):
        g = get_default_graph()
        first = len(g._ops)
        out = fn(*args, **kwargs)
        if isinstance(out, Tensor) and out.op.graph is g and out.op._id >= first:
            CALLS[out] = (cls, first, fn, args, kwargs)
        return out
    return op


# Keras 3's other ops (ops_math, ops_shape, ops_nn, ops_core): recorded the same way
from . import ops_complex as _cx
from . import ops_core as _c
from . import ops_extra as _x
from . import ops_linalg as _la
from . import ops_math as _m
from . import ops_more as _mo
from . import ops_nn as _n
from . import ops_shape as _s
from . import ops_signal as _sg

_EXTRA = [_m, _s, _n, _la, _c, _x, _sg, _mo, _cx]
_NOT_RECORDED = {"ndim", "size", "is_tensor", "dtype", "cond", "while_loop", "fori_loop",
                 "scan", "switch", "map", "vectorized_map", "custom_gradient",
                 "associative_scan", "jvp", "vectorize"}
for _mod in _EXTRA:
    for _name in _mod.__all__:
        globals()[_name] = getattr(_mod, _name)
        __all__.append(_name)


def _camel(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


for _name in __all__:
    if _name in _NOT_RECORDED:
        continue
    if _name not in ("arange", "convert_to_numpy", "convert_to_tensor", "ones", "shape",
                     "top_k", "zeros"):
        globals()[_name] = _recorded(globals()[_name], _CLASSES.get(_name, _camel(_name)))

# Keras 3's sub-namespaces ``keras.ops.numpy``, ``.nn``, ``.linalg`` and ``.image``: real
# modules (``import dlcore_static.keras.ops.numpy``, ``from ...ops import numpy as knp``) that
# hold the same function objects as the flat ``keras.ops`` (one definition each, no copies).
# Their members: the operation table's Keras 3 module for each function, plus Keras 3's
# functions that build no operation class of their own.
_SUB_EXTRA = {
    "numpy": ("abs", "average", "bartlett", "blackman", "conj", "einsum", "empty", "eye", "full",
              "hamming", "hanning", "i0", "identity", "kaiser", "nextafter", "ones", "pad",
              "tri", "unique", "vectorize", "view", "zeros"),
    "nn": ("batch_normalization", "hard_swish", "layer_normalization", "polar", "swish"),
    "linalg": ("eig",),
}


def _submodule(name: str, members: dict) -> types.ModuleType:
    mod = types.ModuleType(f"{__name__}.{name}",
                           f"Keras 3's ``keras.ops.{name}``: the functions of ``keras.ops`` "
                           f"that Keras 3 files under it (the same objects).")
    mod.__dict__.update(members)
    mod.__dict__["__all__"] = sorted(members)
    sys.modules[mod.__name__] = mod
    return mod


def _table_members(sub: str) -> dict:
    names = {fn for _m, fn, _a in _K3_CLASSES.values() if _m == sub} | set(_SUB_EXTRA[sub])
    return {k: globals()[k] for k in sorted(names)}


numpy = _submodule("numpy", _table_members("numpy"))
nn = _submodule("nn", _table_members("nn"))
linalg = _submodule("linalg", _table_members("linalg"))
# ``keras.ops.image`` (``ops.image.resize(x, (8, 8))``): recorded as Keras 3's operations
from . import ops_image as _im
from . import ops_image_elastic as _ime

image = _submodule("image", {k: _recorded(getattr(m, k), _camel(k))
                             for m in (_im, _ime) for k in vars(m)["__all__"]})
