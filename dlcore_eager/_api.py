"""PyTorch's names for dlcore's ops, generated from the registry (see :mod:`dlcore.api`).

An op's definition block in dlcore says which names it has (``torch.exp``, ``Tensor.exp``,
``F.tanh``, ``Tensor.__add__`` ...) and which calling *convention* its arguments follow.  This
module holds one adapter factory per convention, which turns the functional op into a function
with PyTorch's argument names (``input``, ``other``, ``dim``, ``keepdim``, ``out=``), dtype
promotion and error wording.  ``_api_install`` puts the results under every name; it subscribes
to the registry when ``dlcore_eager`` is imported, so a primitive defined later (in a test, a
plug-in) appears under its PyTorch names at once.

A convention factory is ``factory(export, namespace, name) -> callable``; ``namespace`` is
"torch", "torch.nn.functional", "torch.linalg", "torch.special" (functions), or "Tensor" /
"operator" (methods and operators on :class:`Tensor`).
"""

from __future__ import annotations

import warnings

import numpy as np

from dlcore import api as _api
from dlcore import dtypes as _dt
from dlcore import ops as _ops
from dlcore.errors import ShapeError as _ShapeError
from dlcore.ops._rules import as_dim, normalize_axes

from . import _arg_checks as _checks, _dtype as D
from . import _args_labels, _host_grad, _shape_lanes, _shown_saved, return_types
from . import _tensor_ops as O
from ._dispatch import EagerFrontend
from ._dtype_guards import POLICY as _DTYPE_POLICY, softmax_refusal as _softmax_refusal
from ._alpha import checked_alpha
from ._api_pairs import _binary_pair, _ndarray_not_implemented
from ._graph import Node, labelled
from ._operand_rules import check_operands as _check_operands, split_ties_op as _split_ties_op
from ._operand_rules import torch_error as _torch_error, torch_errors as _torch_errors
from ._keyword_names import X_NAMED, first_named, keywords_for, x_named
from ._out import write_out
from ._unary_lane import unary_lane as _unary_lane
from .tensor import Tensor

_apply = EagerFrontend.apply
_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_ALL_AXES = [tuple(range(n)) for n in range(65)]       # normalize_axes(None, ndim)
_sum_p, _div_p = _ops.reduce.sum_p, _ops.elementwise.div_p
_ONE = 1        # (alpha's default: ``alpha is _ONE`` for it or any int 1; issue 19)

_MODULES = {"torch": "dlcore_eager", "torch.nn.functional": "dlcore_eager.nn.functional",
            "torch.linalg": "dlcore_eager.linalg", "torch.special": "dlcore_eager.special"}
_METHOD_NAMESPACES = ("Tensor", "operator")


# ----------------------------------------------------------------------------- helpers
def _tensor_arg(x, op: str, arg: str = "input", pos: int = 1) -> Tensor:
    if isinstance(x, Tensor):
        return x
    raise _checks.not_tensor(op, arg, pos, x)   # (PyTorch's type name: numpy.ndarray, int)


def _maybe_float(x: Tensor, export) -> Tensor:
    if export.option("float_only") and not _dt.is_inexact(x._buf.dtype) and not (
            export.option("int_identity") and x._buf.dtype.kind in "iu"):
        return _ops.cast(x, D.get_default_dtype().np_dtype)
    return x


def _direct_call(export):
    """``x -> result``: the primitive applied straight through the eager front end when the
    export is the primitive itself (no wrapper), else the functional op."""
    prim = export.prim
    if prim is not None and export.fn == prim.bind:
        return lambda *xs: _apply(prim, xs, {})
    return _torch_errors(export.fn)     # (a composite: the core's ShapeError as PyTorch's)


def _int_identity(call):
    """floor/ceil/trunc: an integer input comes back as a copy of itself, as PyTorch's (not in
    the default float dtype, as the other float-only ops compute it)."""
    def f(x):
        return x.clone() if x._buf.dtype.kind in "iu" else call(x)
    return f


# ----------------------------------------------------------------------------- conventions
def unary(export, ns, name):
    call = _direct_call(export)
    # PyTorch's dtype rule of this name (``_dtype_guards.POLICY``), checked here at the cost of
    # one test, where the dtype kind is known: no wrapper in front of the binding
    kinds, check = _DTYPE_POLICY.get(name, ("", None))
    if export.option("int_identity"):
        call = _int_identity(call)
    op = name if ns != "Tensor" else f"Tensor.{name}"
    # the primitive itself, any dtype: applied with no wrapper between (relu 4.7 -> 4.2 us)
    bare = export.prim if export.prim is not None and export.fn == export.prim.bind else None
    prim = bare if not export.option("float_only") else None
    lane = _unary_lane(bare) if bare is not None else None  # (issue 19; None: apply it)
    if ns in _METHOD_NAMESPACES:
        if prim is not None:
            if check is None:
                return lane or (lambda self: _apply(prim, (self,), {}))

            def method_checked(self):
                if self._buf.dtype.kind in kinds:
                    r = check((self,), {})
                    if r is not None:
                        return r
                return lane(self) if lane is not None else _apply(prim, (self,), {})
            return method_checked

        def method(self):
            if check is not None and self._buf.dtype.kind in kinds:
                r = check((self,), {})
                if r is not None:
                    return r
            if bare is not None and self._buf.dtype in (_F32, _F64):     # (exp: no wrapper)
                return lane(self) if lane is not None else _apply(bare, (self,), {})
            return call(_maybe_float(self, export))
        return method
    # (a float-only primitive on a float32/float64 tensor: applied as it is, as the method's;
    # torch.sigmoid of 1x32 2.7 -> ~2.2 us)
    direct = prim if prim is not None else bare
    if ns == "torch.nn.functional" and export.option("inplace_arg"):
        def f(input, inplace=False):
            x = _tensor_arg(input, name)
            if inplace:
                return getattr(x, name + "_")()
            if prim is not None or (direct is not None and x._buf.dtype in (_F32, _F64)):
                return lane(x) if lane is not None else _apply(direct, (x,), {})
            return call(_maybe_float(x, export))
        return f

    def fn(input, *, out=None):
        x = _tensor_arg(input, op)
        if check is not None and x._buf.dtype.kind in kinds:
            r = check((x,), {})
            if r is not None:
                return r if out is None else write_out(r, out, op, (x,))
        if out is None and (prim is not None or
                            (direct is not None and x._buf.dtype in (_F32, _F64))):
            return lane(x) if lane is not None else _apply(direct, (x,), {})
        return write_out(call(_maybe_float(x, export)), out, op, (x,))
    return x_named(fn) if ns == "torch.special" and name in X_NAMED else fn


def _half_result(a, b):
    """The 16-bit float dtype (float16/bfloat16) of ``a op b`` under PyTorch's promotion, or
    None when the result is not one."""
    da = a._buf.dtype if isinstance(a, Tensor) else None
    db = b._buf.dtype if isinstance(b, Tensor) else None
    if da not in _dt.HALF and db not in _dt.HALF:
        return None
    if da is not None and db is not None:
        out = D.promote_tensors(da, a.dim() > 0, db, b.dim() > 0)
    elif da is not None:
        out = D.promote_with_scalar(da, b)
    elif db is not None:
        out = D.promote_with_scalar(db, a)
    else:
        return None
    return out if out in _dt.HALF else None


def _up(x):
    return _ops.cast(x, np.dtype(np.float32)) if isinstance(x, Tensor) and \
        x._buf.dtype in _dt.HALF \
        else x


def binary(export, ns, name):
    op, rop = _binary_pair(export, _DTYPE_POLICY.get(name, (None, None))[1],
                           "zeta" not in name and "xlog1py" not in name, name.startswith("__"))
    if name in ("floor_divide", "__floordiv__", "__rfloordiv__"):   # (PyTorch: requires_grad,
        op, rop = _host_grad.not_implemented_pair(op, rop, "floor_divide")  # no derivative)
    elif name in ("maximum", "minimum"):    # (PyTorch's backward at a tie)
        op = _split_ties_op(op)
    if name.startswith("__r") and name not in ("__rshift__",):
        return _ndarray_not_implemented(rop)
    if name.startswith("__"):
        return _ndarray_not_implemented(op)
    alpha = export.option("alpha")
    operands = _checks.binary_operands(name, ns == "Tensor")  # (not pow: its own words)

    def call(a, b, al):
        operands(a, b)
        if type(al) is not int or al != 1:
            al = checked_alpha(a, b, al)
        if al != 1:
            half = _half_result(a, b) if isinstance(b, Tensor) else None
            if half is not None:    # a op alpha b in float32, rounded once (alpha rounded to
                al16 = float(np.asarray(al, half).astype(np.float64))   # the type first)
                return _ops.cast(call(_up(a), _up(b), al16), half)
            b = O.mul_(b, al) if isinstance(b, Tensor) else b * al
        return op(a, b) if isinstance(a, Tensor) else rop(b, a)

    if name == "pow":       # torch's keyword name: x.pow(exponent=2), torch.pow(input, exponent)
        def pow_method(self, exponent):
            return call(self, exponent, 1)
        def pow_fn(input, exponent, *, out=None):
            return write_out(call(input, exponent, 1), out, name, (input, exponent))
        return pow_method if ns == "Tensor" else pow_fn
    if ns == "Tensor":
        if alpha:
            def method(self, other, *, alpha=1):
                if type(other) is Tensor and alpha is _ONE:
                    return op(self, other)      # (what ``call`` does for two Tensors)
                return call(self, other, alpha)
        else:
            def method(self, other):  # type: ignore[misc]  # variants differ by design
                return call(self, other, 1)
        return method
    if alpha:
        def fn(input, other, *, alpha=1, out=None):
            if type(input) is Tensor and type(other) is Tensor and alpha is _ONE and out is None:
                return op(input, other)     # (``call``'s and ``write_out``'s steps for these)
            return write_out(call(input, other, alpha), out, name, (input, other))
    else:
        def fn(input, other, *, out=None):  # type: ignore[misc]  # variants differ by design
            return write_out(call(input, other, 1), out, name, (input, other))
    return fn


def div(export, ns, name):
    if name.startswith("__r"):
        return O.rtruediv
    if name.startswith("__"):
        return _ndarray_not_implemented(O.div)   # (t / arr: NumPy's, as torch's)
    if ns == "Tensor":
        def method(self, other, *, rounding_mode=None):
            return O.div(self, other, rounding_mode=rounding_mode)
        return method

    def fn(input, other, *, rounding_mode=None, out=None):
        if not isinstance(input, Tensor):
            return write_out(O.rdiv(other, input), out, name, (input, other))
        return write_out(O.div(input, other, rounding_mode=rounding_mode), out, name,
                         (input, other))
    return fn


def compare(export, ns, name):
    prim = export.prim

    ordering = name in ("__lt__", "__le__", "__gt__", "__ge__")

    def op(self, other):         # (torch's keyword names: x.eq(other=y))
        if ordering and type(other) in O._NOT_OPERANDS:
            return NotImplemented   # (torch's: Python's TypeError "'>' not supported ...")
        a, b = O._operands(self, other)
        try:
            return _apply(prim, (a, b), {}) if prim is not None else export.fn(a, b)
        except Exception as e:
            from dlcore.errors import ShapeError
            if isinstance(e, ShapeError):
                raise O.broadcast_error(a, b) from None
            raise

    if name in ("__eq__", "__ne__"):
        # Python's identity comparison, as for torch tensors: None, a str, a list or tuple
        # (t == [1., 2.] is False), and for != a NumPy array too (torch's: t != arr is True,
        # t == arr elementwise)
        refused = (list, tuple, np.ndarray) if name == "__ne__" else (list, tuple)

        def eq(a, b):
            if b is None or isinstance(b, str) or type(b) in refused:
                return NotImplemented
            return op(a, b)
        return eq
    # torch.eq(t, arr), t.lt(arr): PyTorch's parser refuses a NumPy array, list or tuple
    if ns in _METHOD_NAMESPACES:
        if name.startswith("__"):
            return op

        def method(self, other):
            if type(other) in O._NOT_OPERANDS:
                raise _checks._invalid_combination(name, (other,))
            return op(self, other)
        return method

    def fn(input, other, *, out=None):
        if type(input) in O._NOT_OPERANDS or type(other) in O._NOT_OPERANDS:
            raise _checks._invalid_combination(name, (input, other))
        if not isinstance(input, Tensor):
            input = O.as_tensor_like(np.asarray(input), other)
        return write_out(op(input, other), out, name, (input, other))
    return fn


def where(export, ns, name):
    # (a NumPy array, list or tuple operand: PyTorch's parser refuses it)
    if ns == "Tensor":
        def method(self, condition, other):
            if type(condition) in O._NOT_OPERANDS or type(other) in O._NOT_OPERANDS:
                raise _checks._invalid_combination(name, (condition, other))
            return O.where(condition, self, other)
        return method

    def fn(condition, input=None, other=None, *, out=None):
        if type(condition) in O._NOT_OPERANDS or type(input) in O._NOT_OPERANDS or \
                type(other) in O._NOT_OPERANDS:
            raise _checks._invalid_combination(name, (condition, input, other))
        if input is None and other is None:
            nonzero = getattr(condition, "nonzero", None)
            if nonzero is None:
                raise TypeError("where(): the condition must be a tensor")
            return nonzero(as_tuple=True)
        return write_out(O.where(condition, input, other), out, name,
                         (condition, input, other))
    return fn


#: grad_fn names of reductions that end in another primitive (mean: a div) or are named
#: differently (amax: the max primitive), without and with ``dim``
_REDUCE_GRAD_FN = {"mean": ("MeanBackward0", "MeanBackward1"),
                   "sum": ("SumBackward0", "SumBackward1"),
                   "prod": ("ProdBackward0", "ProdBackward1"),
                   "amax": ("AmaxBackward0", "AmaxBackward0"),
                   "amin": ("AminBackward0", "AminBackward0")}


def reduce(export, ns, name):
    fn = export.fn
    int64 = export.option("int_to_int64")
    float_required = export.option("float_required")
    float_only = export.option("float_only")
    dim_required = export.option("dim_required")
    # ``axes_bind``: fn(x, axis, keepdims) is bind(prim, x, axes=normalize_axes(axis),
    # keepdims=bool(keepdims)), so a float32/float64 CPU tensor is applied directly (the same
    # primitive and params, without the functional layers: x.sum() 16 -> 10 us)
    # ``mean_of_sum``: fn is composites.mean, whose float32/float64 case binds sum_p over the
    # normalised axes, then div_p by the count (as a Python float): done here the same way
    # (x.mean() of a (16, 10) tensor: 31 -> 19 us)
    prim = export.prim if export.option("axes_bind") else None
    mean = export.option("mean_of_sum")
    op_name = "mean" if mean else getattr(prim, "name", name)     # (normalize_axes' wording)
    labels = _REDUCE_GRAD_FN.get(name)     # PyTorch's grad_fn names: (no dim, a dim)

    def run(x, dim, keepdim, dtype):
        try:
            if (prim is not None or mean) and dtype is None:
                b = x._buf
                if type(b) is _ndarray and (b.dtype is _F32 or b.dtype is _F64):
                    nd = b.ndim
                    axes = _ALL_AXES[nd] if dim is None else \
                        normalize_axes(op_name, O._dims(dim, nd), nd, b.shape)
                    params = {"axes": axes, "keepdims": bool(keepdim)}
                    if not mean:
                        out = _apply(prim, (x,), params)
                    else:
                        shape = b.shape
                        n = 1
                        for a in axes:
                            n *= shape[a]
                        out = _apply(_div_p, (_apply(_sum_p, (x,), params), float(n)), {})
                    if labels is not None:
                        node = out._node             # (a node made here, or None without grad)
                        if type(node) is Node:
                            node.label = labels[dim is not None]
                    return out
            if dtype is not None:
                x = x._cast(dtype)
            elif int64 and x._buf.dtype.kind in "iub" and x._buf.dtype != np.int64:
                x = _ops.cast(x, np.int64)
            elif float_only and not _dt.is_inexact(x._buf.dtype):
                x = _ops.cast(x, D.get_default_dtype().np_dtype)
            if float_required and not _dt.is_inexact(x._buf.dtype):
                got = D.from_numpy_dtype(x._buf.dtype)._legacy
                raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be "
                                   f"either a floating point or complex dtype. Got: {got}")
            if labels is not None:
                return labelled(fn(x, O._dims(dim, x.ndim), bool(keepdim)),
                                labels[dim is not None], x, edges=(x,))
            return fn(x, O._dims(dim, x.ndim), bool(keepdim))
        except _ShapeError as e:     # (PyTorch's exception and words)
            raise _torch_error(e) from None

    if dim_required:
        if ns == "Tensor":
            def method(self, dim, keepdim=False):
                return run(self, dim, keepdim, None)
            return method

        def fn_req(input, dim, keepdim=False, *, out=None):
            return write_out(run(_tensor_arg(input, name), dim, keepdim, None), out, name)
        return fn_req
    if ns == "Tensor":          # (a second variant of ``method``: mypy wants one signature)
        def method(self, dim=None, keepdim=False, *, dtype=None):  # type: ignore[misc]
            return run(self, dim, keepdim, dtype)
        return method

    def fn_(input, dim=None, keepdim=False, *, dtype=None, out=None):
        return write_out(run(_tensor_arg(input, name), dim, keepdim, dtype), out, name)
    return fn_


_SOFTMAX_PRIMS = {"softmax": _ops.softmax_prims.softmax_p,
                  "log_softmax": _ops.softmax_prims.log_softmax_p}
_SOFTMAX_LABELS = {"softmax": "SoftmaxBackward0", "log_softmax": "LogSoftmaxBackward0"}


def _implicit_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning,
                  stacklevel=_checks.user_stacklevel())
    return 0 if ndim in (0, 1, 3) else 1


def softmax(export, ns, name):
    fn = export.fn
    # the primitive the composite binds for a tensor of rank >= 1 (``softmax_prims._bind``),
    # applied directly to a float32/float64 CPU tensor and an int dim in range (five call
    # layers, two aval reads and the axis normalisation less); anything else through ``fn``
    prim = _SOFTMAX_PRIMS.get(export.name)

    def run(x, dim, dtype):
        try:
            x = x._cast(dtype) if dtype is not None else x
            if dim is None:
                if ns != "torch.nn.functional":     # (torch.softmax/Tensor.softmax: an int)
                    raise TypeError(f"{name}(): argument 'dim' must be int, not NoneType")
                dim = _implicit_dim(name, x.ndim)
            b = x._buf
            if prim is not None and type(dim) is int and type(b) is np.ndarray and \
                    (b.dtype is _F32 or b.dtype is _F64):
                nd = b.ndim
                if nd and -nd <= dim < nd:
                    out = _apply(prim, (x,), {"axis": dim % nd})
                    if dim < 0 and out._node is not None:   # (PyTorch's _saved_dim: as given)
                        out._node.shown = _shown_saved.negative_dim(dim)
                    return out
                if not nd and dim in (0, -1):       # (the core's composite: a reshape last)
                    return labelled(fn(x, 0), _SOFTMAX_LABELS[export.name], x, edges=(x,))
            if not _dt.is_inexact(b.dtype):             # PyTorch refuses (dtype= casts first)
                raise _softmax_refusal(name, x, as_dim(dim, name))
            out = fn(x, as_dim(dim, name))
            node = out._node
            if type(dim) is int and dim < 0 and type(node) is Node and \
                    getattr(node, "shown", None) is None and node.prim is prim:
                node.shown = _shown_saved.negative_dim(dim)
            return out
        except _ShapeError as e:     # (PyTorch's exception and words)
            raise _torch_error(e) from None

    if ns == "Tensor":
        def method(self, dim, dtype=None):
            return run(self, dim, dtype)
        return method
    if ns == "torch.nn.functional":
        def f(input, dim=None, _stacklevel=3, dtype=None):
            return run(_tensor_arg(input, name), dim, dtype)
        return f

    def fn_(input, dim, dtype=None, *, out=None):     # (PyTorch's softmax: no overlap check)
        return write_out(run(_tensor_arg(input, name), dim, dtype), out, name)
    return fn_


def args(export, ns, name):
    """A composite whose functional signature already reads as PyTorch's, after ``dim`` ->
    ``axis`` and ``keepdim`` -> ``keepdims`` (``round(x, decimals=2)``, ``lerp(a, b, w)``,
    ``cumsum(x, dim)``): ``input`` first, the rest passed through, ``out=`` supported."""
    fn = export.fn
    names = keywords_for(name)      # torch's keyword names -> the core's (dim -> axis, ...)

    def call(x, a, kw):
        try:
            kw = {names.get(k, k): v for k, v in kw.items()}
            return fn(_maybe_float(x, export), *a, **kw)
        except _ShapeError as e:     # (PyTorch's exception and words)
            raise _torch_error(e) from None

    call = _args_labels.named(name, call)   # (round's overloads, a 16-bit input's norm)
    if name in _shape_lanes.LANES:  # (diagonal, tril, triu: their lanes first)
        call = _shape_lanes.lane_call(name, call)
    if ns in _METHOD_NAMESPACES:
        def method(self, *a, **kw):
            return call(self, a, kw)
        return method

    def fn_(input, *a, out=None, **kw):
        return write_out(call(_tensor_arg(input, name), a, kw), out, name,
                         (input, *a, *kw.values()))
    return first_named(name, fn_)


def plain(export, ns, name):
    """The functional op as it is, plus ``out=`` (``einsum(equation, *operands)``: the first
    argument is not a tensor)."""
    fn = _torch_errors(export.fn)
    same_dtype = export.option("same_dtype")

    def fn_(*a, out=None, **kw):
        if same_dtype and a and isinstance(a[0], str):
            _check_operands(a[1:])
        return write_out(fn(*a, **kw), out, name, (*a, *kw.values()))
    return fn_


def scan(export, ns, name):
    """``cumsum(input, dim, *, dtype=None, out=None)``: integer and bool input accumulate in
    int64 (``int_to_int64``), float-only scans compute in the default float."""
    fn = export.fn
    int64 = export.option("int_to_int64")

    def run(x, dim, dtype):
        try:
            if dtype is not None:
                x = x._cast(dtype)
            elif int64 and x._buf.dtype.kind in "iub" and x._buf.dtype != np.int64:
                x = _ops.cast(x, np.int64)
            return fn(_maybe_float(x, export), as_dim(dim, name))
        except _ShapeError as e:     # (PyTorch's exception and words)
            raise _torch_error(e) from None

    if ns in _METHOD_NAMESPACES:
        def method(self, dim, *, dtype=None):
            return run(self, dim, dtype)
        return method

    def fn_(input, dim, *, dtype=None, out=None):
        return write_out(run(_tensor_arg(input, name), dim, dtype), out, name, (input,))
    return fn_


def values_indices(export, ns, name):
    """``args``, with a pair result returned as PyTorch's ``(values, indices)`` named tuple
    (``sort``, ``topk``, ``kthvalue``, ``median(x, dim)``)."""
    inner = args(export, ns, name)

    def wrap(result):
        return return_types.values_indices(name, *result) if isinstance(result, tuple) \
            else result

    if ns in _METHOD_NAMESPACES:
        def method(self, *a, **kw):
            return wrap(inner(self, *a, **kw))
        return method

    def fn_(*a, out=None, **kw):
        result = wrap(inner(*a, **kw))
        if out is not None:
            for o, r in zip(out, result):
                write_out(r, o, name)
            return return_types.values_indices(name, *out)
        return result
    return fn_


def activation(export, ns, name):
    """An activation with PyTorch's parameters after ``input`` (``torch_params``: ``F.leaky_relu(
    input, negative_slope=0.01)``) and ``inplace=False`` (True: written into ``input``)."""
    fn = export.fn
    params = export.option("torch_params", ())
    kinds, check = _DTYPE_POLICY.get(name, ("", None))  # (F.elu of an int tensor: refused)

    def f(input, *a, **kw):
        x = _tensor_arg(input, name)
        if check is not None and x._buf.dtype.kind in kinds:
            check((x,), {})
        values, inplace = _api.bind_params(name, params, a, kw, "inplace")
        if inplace:
            x._check_inplace()
            src = _maybe_float(x._original(), export)           # (PyTorch's in-place node)
            return x._commit(_checks.inplace_node(name, fn(src, *values), src, values))
        return fn(_maybe_float(x, export), *values)
    return f


def _linalg_convention(export, ns, name):
    """Decompositions: PyTorch's functions in ``_linalg_decomp`` (``convention``)."""
    from . import _linalg_decomp
    return _linalg_decomp.convention(export, ns, name)


#: The adapter factory of each calling convention (see dlcore.api).  A convention that only
#: the static front end uses (``cast``) has no entry: such ops have no PyTorch names.
CONVENTIONS = {
    "unary": unary,
    "binary": binary,
    "div": _checks.div_convention(div),
    "compare": compare,
    "where": where,
    "reduce": reduce,
    "softmax": softmax,
    "args": args,
    "scan": scan,
    "values_indices": values_indices,
    "plain": plain,
    "activation": activation,
    "linalg": _linalg_convention,
    "conv": _api.library("dlcore_eager.nn.functional_conv"),
    "sequence": _api.library("dlcore_eager.nn.sparse"),
    "attention": _api.library("dlcore_eager.nn.functional_attention"),
}

_INPLACE_CONVENTIONS = ("unary", "binary", "div", "compare", "args", "scan")
