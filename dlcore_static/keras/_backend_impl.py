"""The hand-written part of ``keras.backend`` (see ``backend.py``): the session, variables and
values, the learning phase, ``function``, and the tensor helpers Keras 2 examples use, each a
thin call of the core's ops on the default graph.

Keras on TensorFlow 1 keeps one Session per graph (``get_session()``); it initialises the
variables that are not yet initialised whenever it is handed out, so layers built after
``compile`` still work.  ``clear_session()`` starts a new default graph.
"""

from __future__ import annotations

import weakref

import numpy as np

from dlcore import ops as _ops

from .. import dtypes as _dtypes
from ..frontend import constant as _constant
from ..frontend import to_tensor as _tt
from ..graph import Tensor, get_default_graph, reset_default_graph
from . import _history, _run_phase

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_SESSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PHASES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FIXED_PHASE: dict = {}


# ============================================================================ configuration
def floatx() -> str: return _FLOATX
def epsilon() -> float: return _EPSILON
def image_data_format() -> str: return _IMAGE_DATA_FORMAT
def backend() -> str: return "tensorflow"


def set_floatx(value: str) -> None:
    """Keras 3's ``set_floatx`` (also ``keras.config.set_floatx``): its accepted values and
    ValueError; 'bfloat16', which Keras 3 accepts, is refused (dlcore's layers do not compute
    in it)."""
    global _FLOATX
    accepted = {"bfloat16", "float16", "float32", "float64"}
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {accepted}")
    if value == "bfloat16":
        raise NotImplementedError("set_floatx('bfloat16') is not supported by dlcore: its "
                                  "layers compute in float16, float32 or float64")
    _FLOATX = str(value)


def set_epsilon(e: float) -> None:
    global _EPSILON
    _EPSILON = float(e)


def set_image_data_format(data_format: str) -> None:
    """Keras 3's: the value lower-cased, its ValueError for anything else."""
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("The `data_format` argument must be one of "
                         "{'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
    _IMAGE_DATA_FORMAT = data_format


def cast_to_floatx(x):
    return np.asarray(x, dtype=_FLOATX)


# ============================================================================ session
def get_session():
    """The Session of the default graph, with every variable initialised."""
    return _session_for(get_default_graph())


def _session_for(graph):
    from ..session import Session
    sess = _SESSIONS.get(graph)
    if sess is None:
        sess = Session(graph=graph)
        _SESSIONS[graph] = sess
    _initialize_new(sess, graph)
    return sess


def _initialize_new(sess, graph) -> None:
    from ..variables import GLOBAL_VARIABLES, LOCAL_VARIABLES
    fresh = [v.initializer for c in (GLOBAL_VARIABLES, LOCAL_VARIABLES)
             for v in graph.get_collection(c) if v.op not in sess.variables]
    if fresh:
        from ..control_flow import group
        with graph.as_default():
            op = group(*fresh)
        sess.run(op)


def set_session(session) -> None:
    _SESSIONS[session.graph] = session


def clear_session() -> None:
    """A new default graph (and so new sessions, learning phase, layer names)."""
    from ..graph import _stack
    _FIXED_PHASE.clear()
    _run_phase.clear()
    _history.COUNTS.clear()
    if not _stack():                    # inside `with graph.as_default()`: keep that graph
        reset_default_graph()


# ============================================================================ learning phase
def phase_fixed(value):
    """``with phase_fixed(value):`` a functional model called with ``training=value``: its
    layers read ``value`` (kept in the graph for good, as tf.keras 2: see ``_run_phase``)."""
    return _run_phase.calling(value, get_default_graph())


def learning_phase():
    """The boolean placeholder layers read to behave as in training (default False); fixed to a
    Python value by ``set_learning_phase``; inside a call being built, that call's mode."""
    g = get_default_graph()
    mode = _run_phase.context(g)
    if mode is not None:
        return mode
    if g in _FIXED_PHASE:
        return _FIXED_PHASE[g]
    return phase_placeholder(g)


def phase_placeholder(g):
    """``g``'s ``keras_learning_phase`` placeholder (made on first use)."""
    ph = _PHASES.get(g)
    if ph is None:
        from ..array_ops import placeholder_with_default
        with g.as_default(), g.name_scope(None), g.control_dependencies(None):
            ph = placeholder_with_default(False, (), name="keras_learning_phase")
        _PHASES[g] = ph
    return ph


def set_learning_phase(value) -> None:
    if value not in (0, 1):
        raise ValueError("Expected learning phase to be 0 or 1.")
    _FIXED_PHASE[get_default_graph()] = bool(value)


def in_train_phase(x, alt, training=None):
    training = learning_phase() if training is None else training
    if isinstance(training, (bool, int)):
        v = x if training else alt
        return v() if callable(v) else v
    from ..control_flow import cond
    return cond(training, x if callable(x) else (lambda: x), alt if callable(alt) else
                (lambda: alt))


def in_test_phase(x, alt, training=None):
    return in_train_phase(alt, x, training)


# ============================================================================ variables
def _to_tensor(x, dtype=None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if hasattr(x, "_as_graph_element"):
        return x._as_graph_element()
    return _tt(x, None, None if dtype is None else _dtypes.as_np(dtype))


def variable(value, dtype=None, name=None, constraint=None):
    from ..variables import Variable
    arr = np.asarray(value, dtype=dtype or _FLOATX)
    from ..graph import get_default_graph
    with get_default_graph().control_dependencies(None):     # (Keras' init_scope)
        v = Variable(arr, name=name or "Variable")
    if constraint is not None:
        v.constraint = constraint          # applied by the Keras optimizers after each update
    return v


def constant(value, dtype=None, shape=None, name=None):
    return _constant(value, dtype or _FLOATX, shape, name=name or "Const")


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    from ..array_ops import placeholder as _ph
    if shape is None and ndim is not None:
        shape = (None,) * ndim
    return _ph(dtype or _FLOATX, shape, name=name)


def is_keras_tensor(x) -> bool:
    return isinstance(x, Tensor) and x in _history.HISTORY


def get_value(x):
    """The current value of a variable (or of any tensor) as a NumPy array."""
    graph = x.graph
    return _session_for(graph).run(x)


def batch_get_value(xs) -> list:
    if not xs:
        return []
    return list(_session_for(xs[0].graph).run(list(xs)))


def _staged(x, value) -> np.ndarray:
    """``value`` as ``x``'s dtype, a copy of the caller's array (the variable must not change
    when the caller later writes into it), its shape checked against ``x``'s."""
    v = np.array(value, dtype=x.aval.dtype, copy=True)
    want = tuple(x.aval.shape)
    if len(want) != v.ndim or any(w is not None and w != d for w, d in zip(want, v.shape)):
        raise ValueError(f"Cannot assign value to variable ' {x.name}': Shape mismatch.The "
                         f"variable shape {want}, and the assigned value shape {v.shape} are "
                         "incompatible.")             # (tf.keras 2's words)
    return v


def set_value(x, value) -> None:
    x.load(_staged(x, value), _session_for(x.graph))


def batch_set_value(pairs) -> None:
    """Every value converted (copied) and checked first, then all assigned with a Ctrl-C held
    until the last (TF1's Keras sets them in one run: all or nothing)."""
    from dlcore.deferred_interrupt import deferred_interrupt
    staged = [(x, _staged(x, v)) for x, v in pairs]
    with deferred_interrupt():
        for x, v in staged:
            x.load(v, _session_for(x.graph))


def eval(x):  # noqa: A001 - Keras' name
    return get_value(_to_tensor(x))


def zeros(shape, dtype=None, name=None):
    return variable(np.zeros(shape), dtype, name)


def ones(shape, dtype=None, name=None):
    return variable(np.ones(shape), dtype, name)


def zeros_like(x, dtype=None, name=None):
    return _ops.zeros_like(_to_tensor(x))


def ones_like(x, dtype=None, name=None):
    return _ops.ones_like(_to_tensor(x))


def count_params(x) -> int:
    return int(np.prod(x.aval.shape))


# ============================================================================ shapes
def int_shape(x) -> tuple:
    return tuple(_to_tensor(x).aval.shape)


def shape(x):
    from ..array_api import shape as _shape
    return _shape(_to_tensor(x))


def ndim(x) -> int:
    return len(_to_tensor(x).aval.shape)


def dtype(x) -> str:
    return _to_tensor(x).dtype.name


# ============================================================================ functions
class Function:
    """``K.function(inputs, outputs, updates)``: called with a list of input values, runs the
    outputs (and the updates) in the graph's session."""

    def __init__(self, inputs, outputs, updates=None, name=None):
        self.inputs = list(inputs)
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        # Each dlcore Keras model builds in its own graph, where Keras has one default graph:
        # ``K.learning_phase()`` called outside the model names the default graph's phase, so
        # it is taken as the phase of the outputs' graph (the phase the layers read).
        graph = getattr(self.outputs[0], "graph", None) if self.outputs else None
        phases = set(_PHASES.values())
        for i, t in enumerate(self.inputs):
            if isinstance(t, Tensor) and t in phases and graph is not None and \
                    t.graph is not graph:
                with graph.as_default():
                    self.inputs[i] = learning_phase()
        self.updates = list(updates or [])
        self._single = not isinstance(outputs, (list, tuple))
        # BatchNormalization's trainable flags as of now (a K.function is compiled when
        # made, as a model at compile: a BN frozen before it runs in inference mode)
        self._flags = _run_phase.compile_snapshot(graph) if graph is not None else {}

    def __call__(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise TypeError("`inputs` to a Keras backend function should be a list or tuple.")
        feed = {}
        for ph, v in zip(self.inputs, inputs):
            feed[ph if not isinstance(ph, bool) else None] = v
        feed = {k: v for k, v in feed.items() if k is not None and isinstance(k, Tensor)}
        feed = {**self._flags, **feed}
        graph = (self.outputs + self.inputs)[0].graph
        sess = _session_for(graph)
        out = sess.run(self.outputs + self.updates, feed)
        res = list(out[:len(self.outputs)])
        return res


def function(inputs, outputs, updates=None, **kwargs) -> Function:
    return Function(inputs, outputs, updates)


def gradients(loss, variables):
    from ..gradients import gradients as _g
    return _g(loss, variables)


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [_ops.stop_gradient(_to_tensor(v)) for v in variables]
    return _ops.stop_gradient(_to_tensor(variables))


# ============================================================================ math
def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def mean(x, axis=None, keepdims=False):
    return _ops.mean(_to_tensor(x), _axis(axis), keepdims)


def _tf_reduction(op_type: str, x):
    """Keras 2's (and tf.keras's) K.sum/K.max/K.min are tf.reduce_sum/max/min as they are:
    a bool tensor is refused with TF 1.15's build-time TypeError (K.mean casts it first)."""
    t = _to_tensor(x)
    if t.aval.dtype == np.bool_:
        from .. import _dtype_refusals as _refusals
        _refusals.check(op_type, _refusals.refused(op_type), t)
    return t


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return _ops.sum(_tf_reduction("Sum", x), _axis(axis), keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return _ops.max_(_tf_reduction("Max", x), _axis(axis), keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return _ops.min_(_tf_reduction("Min", x), _axis(axis), keepdims)


def var(x, axis=None, keepdims=False):
    x = _to_tensor(x)
    m = _ops.mean(x, _axis(axis), True)
    d = _ops.sub(x, m)
    return _ops.mean(_ops.mul(d, d), _axis(axis), keepdims)


def std(x, axis=None, keepdims=False):
    return _ops.sqrt(var(x, axis, keepdims))


def argmax(x, axis=-1): return _ops.argmax(_to_tensor(x), axis)
def argmin(x, axis=-1): return _ops.argmax(_ops.neg(_to_tensor(x)), axis)
def square(x): return _ops.square(_to_tensor(x))
def sqrt(x): return _ops.sqrt(_ops.maximum(_to_tensor(x), 0.0))
def abs(x): return _ops.abs(_to_tensor(x))  # noqa: A001
def exp(x): return _ops.exp(_to_tensor(x))
def log(x): return _ops.log(_to_tensor(x))
def sign(x): return _ops.sign(_to_tensor(x))
def pow(x, a): return _ops.pow(_to_tensor(x), a)  # noqa: A001
def round(x): return _ops.rint(_to_tensor(x))  # noqa: A001
def maximum(x, y): return _ops.maximum(_to_tensor(x), y)
def minimum(x, y): return _ops.minimum(_to_tensor(x), y)
def equal(x, y): return _ops.equal(_to_tensor(x), y)
def not_equal(x, y): return _ops.not_equal(_to_tensor(x), y)
def greater(x, y): return _ops.greater(_to_tensor(x), y)
def greater_equal(x, y): return _ops.greater_equal(_to_tensor(x), y)
def less(x, y): return _ops.less(_to_tensor(x), y)
def less_equal(x, y): return _ops.less_equal(_to_tensor(x), y)
def sigmoid(x): return _ops.sigmoid(_to_tensor(x))
def tanh(x): return _ops.tanh(_to_tensor(x))
def softplus(x): return _ops.softplus(_to_tensor(x))
def softsign(x): return _ops.softsign(_to_tensor(x))
def elu(x, alpha=1.0): return _ops.elu(_to_tensor(x), alpha)
def softmax(x, axis=-1): return _ops.softmax(_to_tensor(x), axis)


def cast(x, dtype):
    return _ops.cast(_to_tensor(x), _dtypes.as_np(dtype))


def clip(x, min_value, max_value):
    return _ops.minimum(_ops.maximum(_to_tensor(x), min_value), max_value)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    from .activations import relu as _relu     # (one definition: keras.activations.relu)
    return _relu(_to_tensor(x), alpha, max_value, threshold)


def hard_sigmoid(x):
    return clip(_ops.add(_ops.mul(_to_tensor(x), 0.2), 0.5), 0.0, 1.0)


def l2_normalize(x, axis=None):
    from ..nn_extra import l2_normalize as _l2
    return _l2(_to_tensor(x), axis)


def dot(x, y):
    x, y = _to_tensor(x), _to_tensor(y)
    if x.aval.ndim > 2 or y.aval.ndim > 2:
        from ..array_api import tensordot
        return tensordot(x, y, [[x.aval.ndim - 1], [y.aval.ndim - 2]])
    return _ops.matmul(x, y)


def batch_dot(x, y, axes=None):
    x, y = _to_tensor(x), _to_tensor(y)
    if axes is None:
        axes = [x.aval.ndim - 1, y.aval.ndim - 2]
    if isinstance(axes, int):
        axes = [axes, axes]
    if x.aval.ndim == 2 and y.aval.ndim == 2:
        return _ops.sum(_ops.mul(x, y), axes[0], keepdims=True)
    from ..array_api import einsum
    letters = "bcdefghijk"
    xs = "a" + letters[:x.aval.ndim - 1]
    ys = "a" + letters[x.aval.ndim - 1:x.aval.ndim - 1 + y.aval.ndim - 1]
    ys = ys[:axes[1]] + xs[axes[0]] + ys[axes[1] + 1:]
    out = "".join(c for c in xs + ys if (xs + ys).count(c) == 1 or c == "a")
    out = "a" + out.replace("a", "")
    return einsum(f"{xs},{ys}->{out}", x, y)


def transpose(x): return _ops.transpose(_to_tensor(x))
def permute_dimensions(x, pattern): return _ops.transpose(_to_tensor(x), tuple(pattern))
def expand_dims(x, axis=-1): return _ops.expand_dims(_to_tensor(x), axis)
def squeeze(x, axis): return _ops.squeeze(_to_tensor(x), axis)
def flatten(x): return _ops.reshape(_to_tensor(x), (-1,))


def reshape(x, shape):
    return _ops.reshape(_to_tensor(x), tuple(-1 if d is None else int(d) for d in shape))


def batch_flatten(x):
    x = _to_tensor(x)
    return _ops.reshape(x, (-1, int(np.prod(x.aval.shape[1:]))))


def concatenate(tensors, axis=-1):
    ts = [_to_tensor(t) for t in tensors]
    return _ops.concatenate(ts, axis % ts[0].aval.ndim if ts[0].aval.ndim else 0)


def stack(x, axis=0):
    return _ops.stack([_to_tensor(t) for t in x], axis)


def tile(x, n):
    from ..array_api import tile as _tile
    return _tile(_to_tensor(x), [n] if isinstance(n, int) else list(n))


def repeat(x, n):
    x = _to_tensor(x)
    return tile(_ops.expand_dims(x, 1), [1, n, 1])


def one_hot(indices, num_classes):
    return _ops.one_hot(_ops.cast(_to_tensor(indices), np.int64), num_classes,
                        _dtypes.as_np(_FLOATX))


def switch(condition, then_expression, else_expression):
    from ..control_flow import cond
    c = _to_tensor(condition)
    t = then_expression if callable(then_expression) else (lambda: then_expression)
    e = else_expression if callable(else_expression) else (lambda: else_expression)
    if c.aval.ndim == 0:
        return cond(c, t, e)
    return _ops.where(c, _to_tensor(t()), _to_tensor(e()))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    from ..random_ops import random_normal as _rn
    return _rn(shape, mean, stddev, dtype or _FLOATX, seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    from ..random_ops import random_uniform as _ru
    return _ru(shape, minval, maxval, dtype or _FLOATX, seed)


def dropout(x, level, noise_shape=None, seed=None):
    from ..nn import dropout as _dropout
    return _dropout(_to_tensor(x), rate=level, noise_shape=noise_shape, seed=seed)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _to_tensor(target), _to_tensor(output)
    if from_logits:
        return _ops.softmax_cross_entropy(output, target, axis)
    p = _ops.div(output, _ops.sum(output, axis, keepdims=True))
    p = clip(p, _EPSILON, 1.0 - _EPSILON)
    return _ops.neg(_ops.sum(_ops.mul(target, _ops.log(p)), axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Keras 2's TF backend: probabilities are clipped to [eps, 1 - eps] and their log taken,
    then ``tf.nn.sparse_softmax_cross_entropy_with_logits`` of the flattened targets, so an
    out-of-range label is TF's InvalidArgumentError at run time (a one-hot of it was a silent 0)
    and a -inf logit of another class costs nothing (0 * -inf was NaN)."""
    output = _to_tensor(output)
    rank = output.aval.ndim
    if axis != -1 and axis not in range(rank):
        raise ValueError(f"Unexpected channels axis {axis}. Expected to be -1 or one of the "
                         f"axes of `output`, which has {rank} dimensions.")
    if axis not in (-1, rank - 1):
        output = _ops.transpose(output, [i for i in range(rank) if i != axis] + [axis])
    if not from_logits:
        output = _ops.log(clip(output, _EPSILON, 1.0 - _EPSILON))
    lead = tuple(output.aval.shape[:-1])
    t = _ops.cast(_to_tensor(target), np.int64)
    if t.aval.ndim == rank and t.aval.shape[-1] in (1, None):
        t = _ops.squeeze(t, -1)             # (Keras flattens the ids: the same values)
    if t.aval.ndim == rank - 1:             # ids (N, T) for (N, T, C): shapes kept, any unknown
        return _ops.sparse_softmax_cross_entropy(output, t)
    res = _ops.sparse_softmax_cross_entropy(
        _ops.reshape(output, (-1, output.aval.shape[-1])), _ops.reshape(t, (-1,)))
    if rank >= 3 and None not in lead[1:]:
        return _ops.reshape(res, (-1,) + lead[1:])
    return res


def binary_crossentropy(target, output, from_logits=False):
    target, output = _to_tensor(target), _to_tensor(output)
    if from_logits:
        return _ops.sigmoid_cross_entropy_with_logits(output, target)
    p = clip(output, _EPSILON, 1.0 - _EPSILON)
    return _ops.neg(_ops.add(_ops.mul(target, _ops.log(p)),
                             _ops.mul(_ops.sub(1.0, target), _ops.log(_ops.sub(1.0, p)))))


def update(x, new_x):
    return x.assign(new_x)


def update_add(x, increment):
    return x.assign_add(increment)


def update_sub(x, decrement):
    return x.assign_sub(decrement)


def moving_average_update(x, value, momentum):
    return x.assign(_ops.add(_ops.mul(x._update_read(), momentum),    # (its own read)
                             _ops.mul(_to_tensor(value), 1.0 - momentum)))
