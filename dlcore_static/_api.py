"""TensorFlow's names for dlcore's ops, generated from the registry (see :mod:`dlcore.api`).

An op's definition block in dlcore says which names it has (``tf.exp``, ``tf.math.exp``,
``tf.nn.relu``, ``tf.reduce_sum``, the ``+`` operator ...) and which calling *convention* its
arguments follow.  This module holds one adapter factory per convention, which turns the
functional op into a function with TensorFlow 1's argument names (``x``, ``y``, ``axis``,
``keepdims``/``keep_dims``, ``reduction_indices``, ``name=``), its rule that tensors of two
dtypes do not mix, and its op types in messages; and the installer that puts the result under
every name.  It subscribes to the registry when ``dlcore_static`` is imported, so a primitive
defined later (in a test, a plug-in) appears under its TensorFlow names at once.

A convention factory is ``factory(export, namespace, name) -> callable``; ``namespace`` is
"tf", "tf.math", "tf.nn", "tf.linalg", "keras.backend" (functions) or "operator" (operators on
graph tensors and variables).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from dlcore import api as _api
from dlcore.registry import bind as _bind

from . import _dtype_refusals as _refusals
from . import math_api
from . import math_ops as M
from . import unknown_rank as _unknown_rank
from ._convert import _named, _same_type, _scoped
from .frontend import _WEAK_AVALS as _WEAK
from .frontend import StaticFrontend
from .graph import Tensor

# A node of graph tensors, as ``bind`` makes it, without its frame (the front end's location
# walk starts at its caller's caller either way: the user's line, issue 19).
_node = StaticFrontend.apply
_MODULES = {"tf": "dlcore_static", "tf.math": "dlcore_static.math",
            "tf.nn": "dlcore_static.nn", "tf.linalg": "dlcore_static.linalg",
            "keras.backend": "dlcore_static.keras.backend"}


def _tf_type(export) -> str:
    t = export.option("tf_type")
    return t or "".join(p.capitalize() for p in export.name.split("_"))


# ----------------------------------------------------------------------------- conventions
def _bound_prim(export):
    """The primitive whose node ``export.fn`` makes as it is (its own ``bind``), else None (a
    composite, a function of its own)."""
    prim = export.prim
    fn = export.fn
    if prim is not None and getattr(fn, "__self__", None) is prim and \
            getattr(fn, "__func__", None) is _bind:
        return prim
    return None


def _weak_dtype(x, y):
    """The dtype of the graph tensor among ``x`` and ``y`` when the other is a Python number
    that it takes as a Const of that dtype (``frontend._WEAK_AVALS``: ``StaticFrontend.apply``
    makes both nodes), else None."""
    t = x if type(x) is Tensor else y
    if type(t) is Tensor:
        d = t.aval.dtype
        if (type(y if t is x else x), d) in _WEAK:
            return d
    return None


def unary(export, ns, name):
    fn = export.fn
    tf_type = _tf_type(export)
    prim = _bound_prim(export)
    bad = _refusals.refused(tf_type)        # the dtypes TF 1.15's op refuses (maybe none)

    def f(x, name=None):            # (a composite's last node takes the name, as tf.square)
        try:
            if name is None:
                start = len(x.op.graph._ops) if type(x) is Tensor else None
                # a graph tensor through the primitive's node directly: what _named(fn, None,
                # x) does, without its three frames
                out = _node(prim, (x,), {}) if prim is not None and start is not None else \
                    _named(fn, None, x)
                if start is not None and type(out) is Tensor and out.op.type != tf_type:
                    return M.rename(out, tf_type, start)    # TF1's one op: its type's name
                return out
            return _named(fn, name, x)
        except TypeError:
            # the core's refusal of a dtype (an int's sqrt) in TF 1.15's words: the check
            # costs nothing where the dtype is taken (the float ops refuse ints themselves)
            if bad:
                _refusals.check(tf_type, bad, x)
            raise
    setattr(f, "_dlcore_op", export.name)   # (which op it is: rnn_fused reads a cell's act)
    if tf_type in _refusals.PRECHECKED:     # (a dtype the core takes and TF's op does not)
        return _refusals.prechecked(f, tf_type, bad)
    if ns == "operator":
        tf_name = OPERATOR_NAMES.get(name)
        if tf_name is not None:             # ~x: LogicalNot, whatever the op that computes it
            return lambda self: f(self, tf_name)
        return lambda self: f(self)
    return f


_F32 = np.dtype(np.float32)
_INT_DIVISIONS = ("floor_divide", "remainder", "fmod")
_INT_CHECKED = _INT_DIVISIONS + ("pow",)


def _checked_int_division(args, pow_=False):
    """TF refuses an integer division by zero (an integer to a negative integer power:
    ``pow_``) at run time (dlcore's kernels give 0)."""
    x, y = args
    yt = y if isinstance(y, Tensor) else None
    xt = x if isinstance(x, Tensor) else None
    t = yt if yt is not None else xt
    if t is None or t.aval.dtype.kind not in "iu":
        return args
    from ._index_checks import checked_divisor, checked_exponent
    if yt is None:
        if (y >= 0) if pow_ else (y != 0):
            return args
        from .frontend import constant
        yt = constant(np.asarray(y, t.aval.dtype))
    if pow_:
        return [x, checked_exponent(yt, "CheckExponent")]
    return [x, checked_divisor(yt, "CheckDivisor")]


def binary(export, ns, name):
    fn = export.fn
    tf_type = _tf_type(export)
    division = export.prim is not None and export.prim.name in _INT_CHECKED
    pow_ = division and export.prim.name == "pow"
    default = _WRAPPER_NAMES.get(name) if ns != "operator" else None
    prim = _bound_prim(export)
    bad = _refusals.refused(tf_type)        # the dtypes TF 1.15's op refuses (maybe none)

    def f(x, y, name=None):
        if name is None and default is not None:
            name = default
        if name is None and not division and type(x) is Tensor and type(y) is Tensor and \
                (d := x.aval.dtype) is y.aval.dtype:
            if d is not _F32 and d in bad:     # (float32 first: no hashing, issue 19)
                _refusals.refuse(tf_type, d)
            first = len(x.op.graph._ops)
            out = fn(x, y)          # two graph tensors of one dtype: nothing to convert
            if type(out) is Tensor and out.op.type != tf_type:
                return M.rename(out, tf_type, first)    # TF1's one op: its type's name
            return out
        if name is None and not division and prim is not None and \
                (d := _weak_dtype(x, y)) is not None:
            # a tensor and a Python number it takes as a Const of its own dtype
            # (``tf.multiply(x, 2.0)``: the operators' case, see ``operator`` below)
            if d is not _F32 and d in bad:
                _refusals.refuse(tf_type, d)
            first = len((x if type(x) is Tensor else y).op.graph._ops)
            out = _node(prim, (x, y), {})
            return out if out.op.type == tf_type else M.rename(out, tf_type, first)
        first = len(M.get_default_graph()._ops)
        if bad:
            _refusals.check_pair(tf_type, bad, x, y)
        args = _same_type(tf_type, x, y)
        check = None
        if division:
            checked = _checked_int_division(args, pow_)
            if checked[1] is not args[1]:
                check = checked[1]
            args = checked
        out = fn(*args)
        if name is None and type(out) is Tensor and out.op.type != tf_type:
            name = tf_type
        out = M.rename(out, name, first)
        if check is not None and type(out) is Tensor:
            # the check's error names the op it guards, as TF's kernel does ([[node Pow]])
            check.op.attrs["node"] = out.op.name
        return out

    if ns == "operator":
        reflected = name.startswith("__r") and name != "__rshift__"
        tf_name = OPERATOR_NAMES.get("__" + name[3:] if reflected else name)
        op_type = "AddV2" if tf_type == "Add" else tf_type      # (1.15's _add_dispatch)
        if tf_name is None:
            if reflected:
                return lambda self, other: f(other, self)
            return lambda self, other: f(self, other)

        def operator(x, y):
            if not division and type(x) is Tensor and type(y) is Tensor and \
                    (d := x.aval.dtype) is y.aval.dtype:
                if d is not _F32 and d in bad:
                    _refusals.refuse(op_type, d)
                if prim is not None:    # named in the node's making (M.rename's work,
                    return _node(prim, (x, y), {}, tf_name)     # issue 19: see apply)
                first = len(x.op.graph._ops)
                return M.rename(fn(x, y), tf_name, first)
            if not division and prim is not None and (d := _weak_dtype(x, y)) is not None:
                # a tensor and a Python number it takes as a Const of its own dtype (``x *
                # 2.0``): _same_type would keep the number for the core to lift (apply's
                # weak scalar), and the checks are the tensor's dtype's
                if d is not _F32 and d in bad:
                    _refusals.refuse(op_type, d)
                return _node(prim, (x, y), {}, tf_name)
            if bad:
                _refusals.check_pair(op_type, bad, x, y)
            return f(x, y, tf_name)
        if reflected:
            return lambda self, other: operator(other, self)
        return operator
    return f


# The names TensorFlow 1 gives the ops of Python's operators on tensors: ``x + y`` is ``add``
# (``tf.add(x, y)``: ``Add``), math_ops.py's ``_OverrideBinaryOperatorHelper(gen_math_ops.add,
# "add")`` and so on, which build the op as ``with name_scope(None, "add", [x, y]) as name:
# ... add(x, y, name=name)``; ``<``, ``-x``, ``abs(x)`` keep their ops' names (``Less``).
OPERATOR_NAMES = {"__add__": "add", "__sub__": "sub", "__mul__": "mul", "__div__": "div",
                  "__truediv__": "truediv", "__floordiv__": "floordiv", "__mod__": "mod",
                  "__pow__": "pow", "__and__": "and", "__or__": "or", "__xor__": "xor",
                  "__matmul__": "matmul", "__invert__": "LogicalNot"}


def div(export, ns, name):
    if ns == "operator":
        if name.startswith("__r"):
            return lambda self, other: M.divide(other, self, "truediv")
        return lambda self, other: M.divide(self, other, "truediv")

    # TF1's default names: tf.divide(x, y) is x / y, truediv's "truediv"; tf.div "div";
    # tf.realdiv the generated op's RealDiv
    default = _WRAPPER_NAMES.get(name)

    def f(x, y, name=None):
        return M.divide(x, y, name or default)
    if name == "div" and ns == "tf":
        return lambda x, y, name=None: _div_python2(x, y, name or "div")
    return f


_WRAPPER_NAMES = {"divide": "truediv", "truediv": "truediv", "div": "div",
                  "floordiv": "floordiv"}     # (math_ops.py's name_scope(name, "floordiv"))


def _div_python2(x, y, name=None):
    """TF1's ``tf.div``: Python 2's ``/``: floor division (FloorDiv) when the operands are
    integers, true division otherwise (``tf.divide`` and ``/`` always divide as floats)."""
    xs = [t for t in (x, y) if isinstance(t, (Tensor, np.ndarray, np.generic))]
    kinds = {np.asarray(t).dtype.kind if not isinstance(t, Tensor) else t.aval.dtype.kind
             for t in xs}
    if kinds and kinds <= set("iu") and all(
            not isinstance(t, (float, complex)) for t in (x, y)):
        return TF_FUNCTIONS["floordiv"](x, y, name=name)
    return M.divide(x, y, name)


def where(export, ns, name):
    def f(condition, x=None, y=None, name=None):
        return math_api.where(condition, x, y, name)
    return f


def cast(export, ns, name):
    def f(x, dtype, name=None):
        return M.cast(x, dtype, name)
    return f


def reduce(export, ns, name):
    fn = export.fn
    tf_type = _tf_type(export)

    extreme = export.prim.name if export.prim is not None and \
        export.prim.name in ("max", "min") else None
    bad = _refusals.refused(tf_type)        # the dtypes TF 1.15's op refuses (maybe none)

    def f(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
          keep_dims=None):
        if bad:
            _refusals.check(tf_type, bad, input_tensor)
        kd = bool(keepdims if keepdims is not None else keep_dims)
        ax = M._axis(axis, reduction_indices)
        if ax is not None and _unknown_rank.unknown(input_tensor):
            return _scoped(tf_type, name, lambda x: _unknown_rank.reduce_along(
                tf_type, x, ax, kd, fn), input_tensor)
        if export.prim is None:
            return _scoped(tf_type, name, lambda x: fn(_rank0_axes(x, ax), ax, kd),
                           input_tensor)
        if extreme is not None:
            def g(x):
                y = _empty_extreme(extreme, _rank0_axes(x, ax), ax, kd)
                return fn(x, ax, kd) if y is None else y
            return _named(g, name, input_tensor, op_type=tf_type)
        return _named(lambda x: fn(_rank0_axes(x, ax), ax, kd), name, input_tensor,
                      op_type=tf_type)
    return f


def _rank0_axes(x, axis):
    """``x``, after TensorFlow's check that a 0-d input is reduced over no axis
    (``tf.reduce_sum(tf.constant(3.0), axis=0)``: "Invalid reduction dimension 0 for input
    with 0 dimensions"; the shared rule takes 0 and -1 there, as PyTorch does)."""
    if axis is None or isinstance(axis, Tensor):
        return x
    av = getattr(x, "aval", None)
    if av is None or av.shape is None or len(av.shape) != 0:
        return x
    from dlcore.errors import AxisError
    axes = np.ravel(np.asarray(axis)).tolist()
    if axes:
        raise AxisError("reduce", f"Invalid reduction dimension {int(axes[0])} for input with 0 "
                        "dimensions", [()])
    return x


def _empty_extreme(which, x, axis, keepdims):
    """TensorFlow's reduce_max (reduce_min) over an axis of size 0: the dtype's lowest (highest)
    value, where dlcore's primitive (and PyTorch's amax) refuse; None when no reduced axis is
    empty at build time (one empty at run time gives the same values from the kernel)."""
    import numpy as np

    from dlcore import ops as _ops
    from dlcore.ops._rules import normalize_axes
    av = x.aval
    if av.ndim == 0 or av.dtype.kind not in "iuf":
        return None
    axes = normalize_axes("reduce_" + which, axis, av.ndim, av.shape)
    if not any(av.shape[a] == 0 for a in axes):
        return None
    d = np.dtype(av.dtype)
    info = np.finfo(d) if d.kind == "f" else np.iinfo(d)
    v = (-np.inf if which == "max" else np.inf) if d.kind == "f" else \
        (info.min if which == "max" else info.max)
    # sum over the empty axes is 0 in x's shape and dtype (None dimensions kept); plus v
    return _ops.add(_ops.sum(x, axes, keepdims), np.asarray(v, d)[()])


def scan(export, ns, name):
    """``tf.math.cumsum(x, axis=0, exclusive=False, reverse=False, name=None)``."""
    fn = export.fn

    def f(x, axis=0, exclusive=False, reverse=False, name=None):
        if _unknown_rank.unknown(x):
            from .unknown_rank_ops import scan_along
            return _named(lambda t: scan_along(t, axis, fn, bool(reverse), bool(exclusive)),
                          name, x)
        return _named(lambda t: fn(t, int(axis), bool(reverse), bool(exclusive)), name, x)
    return f


def softmax(export, ns, name):
    fn = export.fn
    tf_type = _tf_type(export)

    def f(logits, axis=None, name=None, dim=None):
        a = axis if axis is not None else (dim if dim is not None else -1)
        if _unknown_rank.unknown(logits):
            return _scoped(tf_type, name, lambda x: _unknown_rank.softmax_along(x, a, fn), logits)
        return _scoped(tf_type, name, lambda x: fn(x, a), logits)
    return f


def activation(export, ns, name):
    """``tf.nn.leaky_relu(features, alpha=0.2, name=None)``: the parameters after ``features``
    in TensorFlow's spelling and defaults (the definition block's ``tf_params``; none for
    ``tf.nn.elu``), then ``name``."""
    fn = export.fn
    params = export.option("tf_params", ())
    tf_type = _tf_type(export)

    def f(features, *a, **kw):
        values, node_name = _api.bind_params(name, params, a, kw, "name")
        first = len(M.get_default_graph()._ops)
        out = _named(lambda x: fn(x, *values), node_name, features, op_type=tf_type)
        if node_name is None and type(out) is Tensor and out.op.type != tf_type:
            return M.rename(out, tf_type, first)        # TF1's one op: its type's name
        return out
    return f


#: The adapter factory of each calling convention (see dlcore.api).
def linalg(export, ns, name):
    """Decompositions (inv, svd): TensorFlow's functions in ``linalg_decomp``."""
    from . import linalg_decomp
    return linalg_decomp.adapter(export.name, ns, name)


CONVENTIONS = {
    "unary": unary,
    "binary": binary,
    "compare": binary,
    "div": div,
    "where": where,
    "cast": cast,
    "reduce": reduce,
    "softmax": softmax,
    "scan": scan,
    "activation": activation,
    "conv": _api.library("dlcore_static.nn_conv", "dlcore_static.nn_conv3d"),
    "sequence": _api.library("dlcore_static.sequence_ops"),
    "linalg": linalg,
}


# ----------------------------------------------------------------------------- installer
INSTALLATION = _api.Installation("dlcore_static", _api.STATIC_NAMESPACES + ("operator",),
                                 CONVENTIONS)
MISSING = INSTALLATION.missing
#: The functions installed under ``tf.<name>``: an adapter that calls another generated op
#: (``tf.div`` on integers is ``tf.floordiv``) finds it here, not by importing the package
#: it is installed in (which imports this module: a hidden import cycle).
TF_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def _targets(ns):
    if ns == "operator":
        from .variables import Variable
        return (Tensor, Variable)
    return (importlib.import_module(_MODULES[ns]),)


def install(export) -> None:
    """Put ``export`` under each of its TensorFlow names."""
    factory, spaces = INSTALLATION.adapter(export)
    if factory is None:
        return
    for ns in spaces:
        for name in export.names[ns]:
            f = factory(export, ns, name)
            if not name.startswith("__"):
                f.__name__ = f.__qualname__ = name
                where = "tf" if ns == "tf" else ns
                ex = _api.example(export, ns, name, eager=False)
                f.__doc__ = f"{where}.{name}: dlcore op '{export.name}'.\n\n{export.doc}" + \
                    (f"\n\n{ex}" if ex else "")
            if ns == "tf":
                TF_FUNCTIONS[name] = f
            for target in _targets(ns):
                INSTALLATION.put(export, target, name, f)


def uninstall(export) -> None:
    """Take ``export``'s names away again (the registry forgot the op)."""
    for name in export.names.get("tf", ()):
        TF_FUNCTIONS.pop(name, None)
    INSTALLATION.uninstall(export)


def activate() -> None:
    _api.subscribe(install, uninstall)
