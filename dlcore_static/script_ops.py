"""``tf.py_func``, ``tf.numpy_function`` and ``tf.py_function``: a node that calls a Python function on NumPy
arrays each time it runs, and ``Tensor.set_shape``, which such outputs usually need.

    y = tf.py_func(lambda a: np.sort(a), [x], tf.float32)
    y.set_shape([None])

The node is a graph-level op (``PyFunc``): its executor hands the input values to ``func`` as
NumPy arrays (copied from a GPU when the Session runs there) and checks what comes back as
TensorFlow does: the number of values and each value's dtype must match ``Tout`` (a float64
result for ``tf.float32`` is an ``InvalidArgumentError``, not a silent cast).  An exception
raised by ``func`` becomes the TensorFlow error of its kind (``ValueError``/``TypeError`` ->
``InvalidArgumentError``, ``StopIteration``/``IndexError`` -> ``OutOfRangeError``, others ->
``UnknownError``) naming the node.  Outputs have unknown shape (rank included) until
``set_shape``; the op has no gradient, so ``tf.gradients`` through it gives None, as in
TensorFlow.  ``stateful=False`` makes TF1's ``PyFuncStateless`` op type (what a
``gradient_override_map`` names); the node is never merged or folded either way.
"""

from __future__ import annotations

import itertools

import numpy as np

from dlcore import ops as _ops
from dlcore.device import to_device, to_host
from dlcore.dtypes import is_floating
from dlcore.registry import AVal

from . import dtypes as _dtypes
from . import errors as _errors
from . import plan as _plan
from .frontend import to_tensor
from .graph import Operation, Tensor, TensorShape, get_default_graph

__all__ = ["EagerValue", "numpy_function", "py_func", "py_function"]

_TOKENS = itertools.count()


def _tf_name(dt) -> str:
    return _dtypes.TF_NAMES.get(np.dtype(dt).name, np.dtype(dt).name)


def py_func(func, inp, Tout, stateful: bool = True, name=None):
    """A node computing ``func(*[value of each tensor in inp])`` with NumPy when it runs.

    ``Tout`` is a dtype (one output, returned as a tensor) or a list of dtypes (a list of
    tensors; an empty list returns the Operation, run for its effect).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> x = tf.placeholder(tf.float32, [None])
        >>> y = tf.py_func(lambda a: np.sort(a), [x], tf.float32)
        >>> y.set_shape([None])
        >>> with tf.Session() as sess:
        ...     sess.run(y, {x: [3.0, 1.0, 2.0]}).tolist()
        [1.0, 2.0, 3.0]
    """
    if not callable(func):
        raise TypeError(f"py_func: func must be callable, got {func!r}")
    g = get_default_graph()
    if isinstance(inp, (Tensor, np.ndarray)) or not isinstance(inp, (list, tuple)):
        inp = [inp]
    ins = [to_tensor(v, g) for v in inp]
    many = isinstance(Tout, (list, tuple))
    touts = [_dtypes.as_np(t) for t in (Tout if many else [Tout])]
    token = f"pyfunc_{next(_TOKENS)}"
    kind = "PyFunc" if stateful else "PyFuncStateless"       # TF1's two op types
    op = Operation(g, kind, g.unique_name(name or kind), ins,
                   [AVal((), dt) for dt in touts],
                   attrs={"func": func, "Tout": touts, "stateful": bool(stateful),
                          "token": token, "unknown_rank": True})
    if not touts:
        return op
    outs = [op.outputs[0]] if len(touts) == 1 else \
        [_ops.identity(t) for t in op.outputs]        # one node each: set_shape one by one
    return list(outs) if many else outs[0]


class EagerValue(np.ndarray):
    """What ``tf.py_function`` hands its function: a NumPy array that also answers the eager
    tensor methods TF1 code calls on it (``.numpy()``, ``.shape.as_list()`` is NumPy's
    ``shape`` here)."""

    def numpy(self) -> np.ndarray:
        """The values as a plain ndarray."""
        return np.asarray(self)


def py_function(func, inp, Tout, name=None):
    """``tf.py_function``: :func:`py_func` whose function receives eager-style values (NumPy
    arrays with ``.numpy()``) and whose results are converted to ``Tout`` (a Python float for
    ``tf.float32`` is fine).  TensorFlow records a gradient tape inside the function; dlcore
    does not, so ``tf.gradients`` through it gives None.

    Example::

        >>> import dlcore_static as tf
        >>> y = tf.py_function(lambda t: t.numpy().sum() * 0.5, [tf.constant([1.0, 3.0])],
        ...                    tf.float32)
        >>> with tf.Session() as sess:
        ...     float(sess.run(y))
        2.0
    """
    out = py_func(func, inp, Tout, stateful=True, name=name or "EagerPyFunc")
    op = out if isinstance(out, Operation) else (out[0] if isinstance(out, list) else out).op
    while op.type != "PyFunc":                       # through the per-output identities
        op = op.inputs[0].op
    op.attrs["eager"] = True
    return out


def numpy_function(func, inp, Tout, name=None):
    """``tf.numpy_function``: :func:`py_func` (stateful), TensorFlow 1.15's newer name.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> a, b = tf.numpy_function(lambda v: (v + 1, v.sum()), [np.arange(3)],
        ...                          [tf.int64, tf.int64])
        >>> with tf.Session() as sess:
        ...     [r.tolist() for r in sess.run([a, b])]
        [[1, 2, 3], 3]
    """
    return py_func(func, inp, Tout, stateful=True, name=name)


_ERRORS = {ValueError: _errors.InvalidArgumentError, TypeError: _errors.InvalidArgumentError,
           StopIteration: _errors.OutOfRangeError, IndexError: _errors.OutOfRangeError,
           NotImplementedError: _errors.UnimplementedError,
           MemoryError: _errors.ResourceExhaustedError}


def _error_for(e: BaseException):
    for cls in type(e).__mro__:
        if cls in _ERRORS:
            return _ERRORS[cls]
    return _errors.UnknownError


def _pyfunc_factory(op: Operation, session, device):
    func, touts, token = op.attrs["func"], op.attrs["Tout"], op.attrs["token"]
    eager = op.attrs.get("eager", False)
    on_host = device.type == "cpu"
    suffix = _errors.node_suffix(op)

    def run(*xs):
        args = [np.asarray(x) if on_host else to_host(x) for x in xs]
        if eager:
            args = [np.asarray(a).view(EagerValue) for a in args]
        try:
            ret = func(*args)
        except Exception as e:
            cls = _error_for(e)
            raise cls(None, op, f"{type(e).__name__}: {e}{suffix}") from e
        if not touts:
            return ()
        vals = list(ret) if isinstance(ret, (list, tuple)) else [ret]
        if len(vals) != len(touts):
            raise _errors.InvalidArgumentError(
                None, op, f"{token} returns {len(vals)} values, but expects to see "
                          f"{len(touts)} values.{suffix}")
        out = []
        for i, (v, dt) in enumerate(zip(vals, touts)):
            if eager and not isinstance(v, EagerValue):     # converted, as TF's EagerFunc
                arr = np.asarray(v)
                v = arr.astype(dt) if arr.dtype.kind in "iub" or is_floating(arr.dtype) else v
            if dt.kind == "O":          # tf.string: str/bytes results, as TensorFlow takes them
                try:
                    out.append(_dtypes.as_bytes_array(v, f"{i}-th value returned by {token}"))
                except TypeError as e:
                    raise _errors.InvalidArgumentError(None, op, f"{e}{suffix}") from None
                continue
            a = np.asarray(v, order="C")
            if a.dtype != dt:
                raise _errors.InvalidArgumentError(
                    None, op, f"{i}-th value returned by {token} is {_tf_name(a.dtype)}, but "
                              f"expects {_tf_name(dt)}{suffix}")
            out.append(a if on_host else to_device(np.ascontiguousarray(a), device))
        return out[0] if len(out) == 1 else tuple(out)
    return run, {}


_plan.EXECUTORS["PyFunc"] = _pyfunc_factory
_plan.EXECUTORS["PyFuncStateless"] = _pyfunc_factory


# ----------------------------------------------------------------------------- set_shape
def set_shape(self: Tensor, shape) -> None:
    """Refine this tensor's static shape with what the caller knows (``None`` for an unknown
    dimension); a shape that contradicts the known one is a ``ValueError``.

    Example::

        >>> import dlcore_static as tf
        >>> x = tf.placeholder(tf.float32)
        >>> x.set_shape([None, 3])
        >>> x.shape.as_list()
        [None, 3]
    """
    new = shape if isinstance(shape, TensorShape) else TensorShape(
        None if shape is None else list(shape))
    if new.dims is None:
        return
    cur = self.shape
    if not cur.is_compatible_with(new):
        raise ValueError(f"Shapes {cur} and {new} are incompatible")
    merged = new.dims if cur.dims is None else tuple(
        a if a is not None else b for a, b in zip(cur.dims, new.dims))
    self.aval = AVal(tuple(merged), self.aval.dtype)
    if self.op.attrs.get("unknown_rank") and len(self.op.outputs) == 1:
        self.op.attrs["unknown_rank"] = False


# The class lives in graph.py; set here with the op that needs it most (graph.py was being
# edited by another engineer when this was written).
Tensor.set_shape = set_shape  # type: ignore[attr-defined]
