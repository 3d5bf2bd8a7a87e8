"""The math API under TensorFlow's names, and the Python operators on tensors.

Each function is a thin wrapper: convert arguments to tensors (``_convert``: a Python scalar
or NumPy data next to a tensor takes its dtype, as in TensorFlow), call the core's functional op
(which adds the node through ``bind``) and apply the user's ``name=``.  No arithmetic happens
here.  ``tf.where`` is in ``math_api``.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops.elementwise import div_p as _div_p
from dlcore.ops.linalg import matmul_p as _matmul_p

from . import dtypes as _dtypes
from ._convert import _args, _named, _scoped
from .array_ops import getitem as _getitem
from .frontend import _WEAK_AVALS as _WEAK
from .frontend import StaticFrontend, rename
from . import plan as _plan
from . import unknown_rank as _unknown_rank
from .errors import InvalidArgumentError
from .graph import Operation, Tensor, get_default_graph

_node = StaticFrontend.apply
_F32_64 = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


# -- arithmetic
# add, subtract, multiply, pow, maximum, exp, tanh, ... and their aliases are generated from the
# ops' definition blocks in dlcore (see dlcore_static._api); what is here needs more than one
# primitive's convention.
def divide(x, y, name=None):
    """``x / y``: TF1's truediv, where integers divide as floats: float32 for 8/16-bit, float64
    for 32/64-bit integers (``tf.constant(3) / 2`` is a float64 1.5)."""
    t = x if type(x) is Tensor else y
    if type(t) is Tensor and (d := t.aval.dtype) in _F32_64 and t.aval.shape:
        o = y if t is x else x
        if type(o) is Tensor and o.aval.dtype is d and o.aval.shape or (type(o), d) in _WEAK:
            # float tensors of one dtype, or one and a Python number it takes as a Const of
            # its dtype (``x / 2.0``): what the general path binds, without its conversions
            # (0-d operands, which may stand for an unknown rank, take the general path)
            first = len(t.op.graph._ops)
            return rename(_node(_div_p, (x, y), {}), name, first)
    a, b = _args(x, y, cast_data=True)
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


def add_n(inputs, name=None):
    """The sum of tensors of one shape: TF1's AddN merges its inputs' static shapes (no
    broadcasting) and refuses, when the graph is built, shapes that cannot be one."""
    if isinstance(inputs, Tensor) or not hasattr(inputs, "__iter__"):
        raise ValueError("inputs must be an iterable of at least one Tensor/IndexedSlices with "
                         "the same dtype and shape")
    inputs = list(inputs)
    if not inputs:
        raise ValueError("inputs must be an iterable of at least one Tensor/IndexedSlices with "
                         "the same dtype and shape")
    args = _args(*inputs, cast_data=True)
    merged = _merge_add_n_shapes(args, name or "AddN")
    shapes = [t.aval.shape if isinstance(t, Tensor) else np.shape(t) for t in args]
    # a shape known only at run time: TF's run-time check (no broadcasting, unlike add)
    checked = len(args) > 1 and (merged is None or None in merged or any(
        sh is None or tuple(sh) != tuple(merged) for sh in shapes))
    check: list = []

    def total(*xs):
        if checked:
            g = get_default_graph()
            check.append(Operation(g, "CheckAddN", g.unique_name("CheckShapes"), list(xs), []))
        out = xs[0]
        for x in xs[1:]:
            out = _ops.add(out, x)
        return out if len(xs) > 1 else _ops.identity(out)
    out = _scoped("AddN", name, total, *args)
    if check:
        out.op._add_control_inputs(check)
        check[0].attrs["node"] = out.op.name
    if merged is not None:
        out.set_shape(list(merged))
    return out


def _add_n_check_factory(op: Operation, session, device, *_):
    def run(*xs):
        s0 = tuple(xs[0].shape)
        for i, x in enumerate(xs[1:], 1):
            if tuple(x.shape) != s0:
                node = op.attrs.get("node", "AddN")
                raise InvalidArgumentError(
                    None, op, f"Inputs to operation {node} of type AddN must have the same size "
                    f"and shape.  Input 0: [{','.join(map(str, s0))}] != input {i}: "
                    f"[{','.join(map(str, x.shape))}]")
        return ()
    return run, {}


_plan.EXECUTORS["CheckAddN"] = _add_n_check_factory


def _merge_add_n_shapes(args, name: str) -> tuple | None:
    """AddN's shape function: from the last input to the first, merge each shape into the
    running one; TensorFlow's message on the first that does not merge."""
    shapes = [tuple(t.aval.shape) if isinstance(t, Tensor) and t.aval.shape is not None
              else (None if isinstance(t, Tensor) else tuple(np.shape(t))) for t in args]

    def text(sh):
        return "?" if sh is None else "[" + ",".join("?" if d is None else str(d)
                                                     for d in sh) + "]"
    cur = None
    for sh in reversed(shapes):
        if sh is not None:
            cur = sh
            break
    for i in range(len(shapes) - 1, -1, -1):
        sh = shapes[i]
        if sh is None or cur is None:
            continue
        err = None
        if len(sh) != len(cur):
            err = f"Shapes must be equal rank, but are {len(sh)} and {len(cur)}"
        else:
            for k, (a, b) in enumerate(zip(sh, cur)):
                if a is not None and b is not None and a != b:
                    err = (f"Dimension {k} in both shapes must be equal, but are {a} and {b}. "
                           f"Shapes are {text(sh)} and {text(cur)}.")
                    break
        if err is not None:
            raise ValueError(f"{err}\n\tFrom merging shape {i} with other shapes. for "
                             f"'{name}' (op: 'AddN') with input shapes: "
                             f"{', '.join(text(s) for s in shapes)}.")
        cur = tuple(b if a is None else a for a, b in zip(sh, cur))
    return cur


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None):
    if adjoint_a or adjoint_b:
        # TF1: the conjugate transpose (a transpose for real values); with transpose_x too,
        # TF's "Only one of transpose_a and adjoint_a can be True."
        if transpose_a and adjoint_a:
            raise ValueError("Only one of transpose_a and adjoint_a can be True.")
        if transpose_b and adjoint_b:
            raise ValueError("Only one of transpose_b and adjoint_b can be True.")
        a, b = _args(a, b)
        if adjoint_a and a.aval.dtype.kind == "c":
            a = _ops.conj(a)
        if adjoint_b and b.aval.dtype.kind == "c":
            b = _ops.conj(b)
        transpose_a, transpose_b = transpose_a or adjoint_a, transpose_b or adjoint_b
    if type(a) is Tensor and not a.aval.shape and not transpose_a and _unknown_rank.unknown(a):
        a, b = _args(a, b)
        if b.aval.ndim == 2 and not _unknown_rank.unknown(b):
            # x of unknown rank times a matrix (tutorials' shapeless placeholders): 2-D rows
            return _named(lambda x, y: _unknown_rank.matmul(x, y, bool(transpose_b)), name,
                          a, b, op_type="MatMul")
    if not transpose_a and not transpose_b:
        if name is None and type(a) is Tensor and type(b) is Tensor and \
                a.aval.dtype is b.aval.dtype:
            # two graph tensors of one dtype object: what _named(_ops.matmul, ...) does there
            # (nothing to convert or promote; the rule's errors are bind's own), bound directly
            return StaticFrontend.apply(_matmul_p, (a, b), {})   # (bind's, without its frame)
        return _named(_ops.matmul, name, a, b)      # (no closure made per call, issue 19)

    def matmul(x, y):
        sx, sy = x.aval, y.aval
        if len(sx.shape) == 2 and len(sy.shape) == 2 and sx.dtype.kind != "c" and \
                sy.dtype.kind != "c" and not get_default_graph()._ctx_stack:
            # TF1's one MatMul node with its transpose_a/transpose_b attributes (matmul_p's
            # params, what tf.gradients' products carry); inside cond branches and loop
            # bodies, and for batched or complex operands, Transpose nodes and a plain matmul
            return StaticFrontend.apply(_matmul_p, (x, y), {"transpose_a": bool(transpose_a),
                                                           "transpose_b": bool(transpose_b)})
        if transpose_a:
            x = _ops.matrix_transpose(x)
        if transpose_b:
            y = _ops.matrix_transpose(y)
        return _ops.matmul(x, y)
    return _named(matmul, name, a, b)


# -- comparisons & selection
def logical_not(x, name=None): return _named(_ops.logical_not, name, x)


def cast(x, dtype, name=None):
    """``x`` as ``dtype``; a SparseTensor keeps its indices and shape, its values cast (TF1)."""
    if type(x).__name__ == "SparseTensor" and hasattr(x, "_dlcore_feed"):
        with get_default_graph().name_scope(name or "Cast"):
            return type(x)(x.indices, cast(x.values, dtype), x.dense_shape)
    first = len(get_default_graph()._ops)
    if _dtypes.as_dtype(dtype) == _dtypes.string:        # TF1: a string tensor as it is
        xt = x if isinstance(x, Tensor) else _string_tensor(x)
        if xt.dtype == _dtypes.string:
            return xt
        raise TypeError(f"Cast {_dtypes.as_dtype(xt.dtype).name} to string is not supported "
                        "(use tf.strings.as_string)")
    dst = _dtypes.as_np(dtype)
    if dst in _dtypes.STORED_UNSIGNED:                   # (uint16/32/64: a host Cast node)
        from ._unsigned_cast import cast_unsigned
        xt = _args(x)[0]
        if xt.aval.dtype == dst:
            return xt
        return cast_unsigned(xt, dst, name or "Cast")
    return rename(_ops.cast(_args(x)[0], dst), name, first)


def _string_tensor(x):
    """``x`` (bytes/str values) as a tf.string constant, or ``x`` unchanged when it holds
    none (the cast then refuses it in TF's words)."""
    a = np.asarray(x) if not hasattr(x, "dtype") else None
    if a is not None and a.dtype.kind in "USO":
        from .frontend import constant
        return constant(x, dtype=_dtypes.string)
    return _args(x)[0]


def to_float(x, name=None):
    return cast(x, _dtypes.float32, name)


# -- reductions
def _axis(axis, reduction_indices):
    a = axis if axis is not None else reduction_indices
    if isinstance(a, (list, tuple)):
        return tuple(int(i) for i in a)
    return a


# reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_logsumexp: generated (_api).


def _arg_axis(x, a):
    """``x``, after TensorFlow's range check of ArgMax's/ArgMin's dimension (a 0-d input has
    none: "Expected dimension in the range [0, 0), but got 0"; the shared rule takes 0 and -1
    there, as PyTorch does)."""
    av = getattr(x, "aval", None)
    if type(a) is int and av is not None and av.shape is not None:
        nd = len(av.shape)
        if not -nd <= a < nd:
            from dlcore.errors import AxisError
            raise AxisError("argmax", f"Expected dimension in the range [{-nd}, {nd}), but got "
                            f"{a}", [av.shape])
    return x


def argmax(input, axis=None, name=None, dimension=None, output_type=_dtypes.int64):
    a = axis if axis is not None else (dimension if dimension is not None else 0)
    if _unknown_rank.unknown(input):
        out = _named(lambda x: _unknown_rank.argmax_along(x, a), name, input, op_type="ArgMax")
        return out if _dtypes.as_dtype(output_type) == _dtypes.int64 else cast(out, output_type)
    out = _named(lambda x: _ops.argmax(_arg_axis(x, a), a), name, input, op_type="ArgMax")
    return out if _dtypes.as_dtype(output_type) == _dtypes.int64 else cast(out, output_type)


def argmin(input, axis=None, name=None, output_type=_dtypes.int64):
    a = 0 if axis is None else axis
    if _unknown_rank.unknown(input):
        out = _scoped("ArgMin", name, lambda x: _unknown_rank.argmax_along(_ops.neg(x), a),
                      input)
    else:
        out = _scoped("ArgMin", name, lambda x: _ops.argmax(_ops.neg(_arg_axis(x, a)), a),
                      input)
    return out if _dtypes.as_dtype(output_type) == _dtypes.int64 else cast(out, output_type)


# ============================================================================ operators
def _install_operators(cls) -> None:
    """The operators with no single primitive's convention; ``+``, ``-``, ``<``, ... are
    generated from the registry (dlcore_static._api)."""
    cls.__matmul__ = lambda s, o: matmul(s, o, name="matmul")     # (TF1's names: _api)
    cls.__rmatmul__ = lambda s, o: matmul(o, s, name="matmul")
    cls.__getitem__ = _getitem      # (``strided_slice``: array_ops.getitem)
    from . import _tensor_eq        # ``==``/``!=``: TF1's identity, warning where TF 2 differs
    _tensor_eq.install(cls)


_install_operators(Tensor)
