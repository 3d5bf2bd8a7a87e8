"""PyTorch's shape operations on dlcore's shape primitives: ``view``/``reshape``, ``permute``,
``transpose``/``t``, ``unsqueeze``/``squeeze``, ``expand``, ``flatten``, ``cat``/``stack`` and
``clone``.  On the CPU the results are views of the input where NumPy can make one, and they
share the input's version counter (see ``_dispatch``).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from . import _dispatch as _D
from ._dispatch import EagerFrontend
from ._dispatch_finish import _finish
from ._dispatch_finish import view1 as _view1
from ._dtype import from_numpy_dtype, to_numpy_dtype
from ._dims import wrap_dim
from ._graph import labelled
from ._joins import cat, concat, concatenate, stack  # noqa: F401 - (re-exported)
from . import _memory_format as _mf
from ._lane_plans import PLANS as _PLANS
from ._sizes import one_keyword as _one_keyword
from ._sizes import shape_arg as _shape_arg
from ._state import STATE
from ._views import VIEWS as _VIEWS
from ._views import alias, view_of
from ._views import ints as _ints
from .tensor import Tensor
from .tracing import _RECORDERS

_apply = EagerFrontend.apply
_reshape_p = _ops.shape.reshape_p
_ndarray = np.ndarray
_transpose_p = _ops.shape.transpose_p
_squeeze_p, _expand_dims_p = _ops.shape.squeeze_p, _ops.shape.expand_dims_p


def _check_numel(x: Tensor, shape: tuple) -> None:
    """PyTorch's reshape/view check (``infer_size``, in its order): at most one -1, no other
    negative size, and the sizes must hold every element."""
    numel = x.numel()
    infer = None
    known = 1
    for i, d in enumerate(shape):
        if d == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif d >= 0:
            known *= d
        else:
            raise RuntimeError(f"invalid shape dimension {d} at index {i} of shape {list(shape)}")
    if numel == known or (infer is not None and known > 0 and numel % known == 0):
        if infer is not None and known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                               "because the unspecified dimension size -1 can be any value and "
                               "is ambiguous")
        return
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _view_label(x: Tensor, shape: tuple) -> str:
    """PyTorch's grad_fn of a reshape to ``shape``: a view of contiguous memory, of other
    memory where the strides allow ``_reshape_alias``'s, else a copy's view."""
    b = x._buf
    if type(b) is np.ndarray and not b.flags.c_contiguous:
        return "ReshapeAliasBackward0" if _strides_allow(b, shape) else "UnsafeViewBackward0"
    return "ViewBackward0"


def _view_params(b, s) -> dict:
    return {"shape": s}


_reshape_kernels = _reshape_p.kernels
_np_reshape = _ndarray.reshape
_views_get = _VIEWS.get


def _view_key(b, shape: tuple) -> tuple:
    """The key of ``_VIEWS`` for the size arguments ``shape`` of a view/reshape of ``b``: one
    Python int as itself (the entries' first test), anything else as the tuple."""
    if len(shape) == 1 and type(shape[0]) is int:
        return (b.shape, b.dtype, shape[0])
    return (b.shape, b.dtype, shape)


def _view_plan(b, shape: tuple):
    """``_VIEWS``' plan for size arguments other than one int: Python ints or one tuple of
    them only (32.0, True or np.int64(32) compare equal to 32, and must find no plan)."""
    try:
        plan = _views_get((b.shape, b.dtype, shape))
    except TypeError:                       # (a list among the sizes)
        return None
    return plan if plan is not None and _ints(shape) else None


def _fast_view(x: Tensor, shape: tuple, strided: bool = False):
    """``view``/``reshape`` of a contiguous CPU tensor (``strided``: or one whose strides
    allow the view, for ``view``) to a tuple of Python ints through the eager lane
    (``_lane.small_unary`` of reshape: the rule checked once per shape, NumPy's view, the
    view ``_finish`` makes), named ViewBackward0 (issue 19: 14 -> ~6 us a view of a 1x32
    tensor); None for any other case (the general path then runs, and raises its own errors),
    or while a trace records.  A plan made for a view is kept in ``_VIEWS``."""
    if len(shape) == 1:
        s = shape[0]
        t = type(s)
        if t is int:
            s = shape
        elif t is not tuple:
            return None
    else:
        s = shape
    b = x._buf
    if type(b) is not _ndarray or _RECORDERS:
        return None
    for d in s:
        if type(d) is not int or d < -1:    # (-2: the general path's error)
            return None
    if not b.flags.c_contiguous and not (strided and _strides_allow(b, s)):
        return None         # (view's of a strided tensor that needs no copy: split's pieces)
    if s == b.shape:
        return alias(x, "ViewBackward0")
    # (its node, a reshape's, is named ViewBackward0 by _graph's table: no label to set)
    out = _D._small_unary(_reshape_p, x, s, _view_params)
    if out is not None:
        kernel = _reshape_kernels["cpu"]
        plan = _PLANS.get((_reshape_p, kernel, b.shape, b.dtype, s))
        if plan and plan[0] is _np_reshape and plan[1] is not None and plan[4] == 1 and \
                out._buf.base is not None:
            if len(_VIEWS) > 4096:
                _VIEWS.clear()
            _VIEWS[_view_key(b, shape)] = (kernel, plan[1], plan[2], plan[3])
    return out


def reshape(x: Tensor, *sizes, shape=None) -> Tensor:
    if shape is not None:                   # (x.reshape(shape=...), PyTorch's keyword)
        sizes = _one_keyword("reshape", "shape", sizes, shape)
    shape = sizes
    b = x._buf
    if type(b) is _ndarray and not _RECORDERS:
        # a call seen before (``_VIEWS``): the lane's view, without its steps (issue 19)
        if len(shape) == 1 and type(shape[0]) is int:   # (most calls: x.reshape(-1))
            plan = _views_get((b.shape, b.dtype, shape[0]))
        else:
            plan = _view_plan(b, shape)
        if plan is not None and plan[0] is _reshape_kernels["cpu"] and not _D._AUTOCAST and \
                b.flags.c_contiguous:
            out = _np_reshape(b, plan[1])           # (of a C-contiguous array: a view)
            if plan[3] and STATE.enabled:
                return view_of(x, _reshape_p, plan[2], out)
            return _view1(_reshape_p, x, plan[2], out, plan[3])
    if shape:
        out = _fast_view(x, shape)
        if out is not None:
            return out
    shape = _shape_arg(shape)
    if shape == x._buf.shape:
        return alias(x, _view_label(x, shape))
    try:
        return labelled(_ops.reshape(x, shape), _view_label(x, shape), x)
    except ValueError:                 # checked only on failure: no cost on the hot path
        _check_numel(x, shape)         # raises PyTorch's RuntimeError where it applies
        raise


def _strides_allow(b: np.ndarray, shape: tuple) -> bool:
    """Whether a strided ``b`` can be viewed as ``shape`` without a copy: PyTorch's
    computeStride rule (each new dimension lies within one run of old dimensions whose strides
    chain; size-1 dimensions do not break a run), which NumPy's no-copy reshape also follows:
    a (5, 1, 12)[:, :, :6] slice views as (5, 6), a transposed matrix does not flatten."""
    try:
        np.reshape(b, shape, copy=False)
    except ValueError:
        return False
    return True


def view(x: Tensor, *shape, **kwargs) -> Tensor:
    b = x._buf
    if not kwargs and type(b) is _ndarray and not _RECORDERS:
        # (reshape's first lines: a call seen before)
        if len(shape) == 1 and type(shape[0]) is int:
            plan = _views_get((b.shape, b.dtype, shape[0]))
        else:
            plan = _view_plan(b, shape)
        if plan is not None and plan[0] is _reshape_kernels["cpu"] and not _D._AUTOCAST:
            out = _np_reshape(b, plan[1])   # a view where its base is b or b's (no flags
            ob = out.base                   # object: -0.05 us), else a copy: general path
            if ob is b or (ob is not None and ob is b.base) or b.flags.c_contiguous:
                if plan[3] and STATE.enabled:
                    return view_of(x, _reshape_p, plan[2], out)
                return _view1(_reshape_p, x, plan[2], out, plan[3])
    if kwargs:                      # (x.view(dtype=...) / x.view(size=...), as PyTorch's)
        if shape or len(kwargs) != 1 or not ({"dtype", "size"} & set(kwargs)):
            raise TypeError(f"view() received an invalid combination of arguments - got "
                            f"{len(shape)} positional and {sorted(kwargs)} keyword arguments")
        return view(x, *kwargs.values())
    if shape:                       # (first: _fast_view takes ints and a tuple, not a dtype)
        out = _fast_view(x, shape, True)
        if out is not None:
            return out
    _view_args_check(shape)
    if len(shape) == 1 and isinstance(shape[0], Tensor):    # (a one-element integer tensor)
        shape = (int(shape[0].item()),)
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, np.integer)):
        return _view_dtype(x, shape[0])
    shape = _shape_arg(shape)
    b = x._buf
    if shape == b.shape:
        return alias(x, "ViewBackward0")
    if type(b) is np.ndarray and not b.flags.c_contiguous and b.size > 1 and \
            tuple(shape) != tuple(b.shape) and not _strides_allow(b, shape):
        _check_numel(x, shape)      # (PyTorch checks the sizes first)
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    try:
        return labelled(_ops.reshape(x, shape), "ViewBackward0", x)
    except ValueError:                 # (a ShapeError, or NumPy's for two -1s)
        _check_numel(x, shape)
        raise


def _tname(a) -> str:
    return "Tensor" if isinstance(a, Tensor) else type(a).__name__


def _view_args_check(args: tuple) -> None:
    """PyTorch's argument-parser TypeError for ``view``'s arguments that are neither a dtype
    nor sizes (a float, None, a string, a bool first, a float tensor), in its words: a bad
    first size names the overloads, a later one the position it failed to unpack."""
    def bad(a) -> bool:
        return a is None or isinstance(a, (float, str, bool)) or \
            (isinstance(a, Tensor) and (a._buf.dtype.kind not in "iu" or a._buf.size != 1))

    def later(a) -> bool:
        return a is None or isinstance(a, (float, str))
    head = "view() received an invalid combination of arguments - got ({}), but expected one of:" \
        "\n * (torch.dtype dtype)\n"
    sizes: tuple | list = args
    if len(args) == 1:
        a = args[0]
        if isinstance(a, (tuple, list)):
            sizes = a
            if a and later(a[0]):
                inner = ", ".join(map(_tname, a))
                comma = "," if len(a) == 1 else ""          # (Python's repr of a 1-tuple)
                what: tuple | None = (_tname(a), f"tuple of ({inner}{comma})"
                                      if isinstance(a, tuple) else f"list of [{inner}]")
            else:
                what = None
        else:
            what = (_tname(a), _tname(a)) if bad(a) else None
        if what is not None:
            why = f"      didn't match because some of the arguments have invalid types: " \
                f"(!{what[1]}!)\n"
            raise TypeError(head.format(what[0]) + why + " * (tuple of ints size)\n" + why)
    elif args and (bad(args[0]) or isinstance(args[0], (tuple, list))):
        raise TypeError(head.format(", ".join(map(_tname, args))) + " * (tuple of ints size)\n")
    for i, a in enumerate(sizes[1:], 2):
        if later(a):
            raise TypeError(f"view(): argument 'size' failed to unpack the object at pos {i} "
                            f"with error \"type must be tuple of ints,but got {_tname(a)}\"")


def _view_dtype(x: Tensor, dtype) -> Tensor:
    """``view(dtype)``: the same bytes read as ``dtype`` (PyTorch's bit reinterpretation; was a
    value cast), sharing memory; a different element size rescales the last dimension, which
    must then be contiguous.  Not differentiable (as in PyTorch)."""
    from .creation import from_numpy
    b, want = x._buf, to_numpy_dtype(dtype)
    if want == b.dtype:
        return x._cast(dtype)
    if type(b) is not np.ndarray:
        raise NotImplementedError("view(dtype) to another dtype is supported for CPU tensors")
    old, new = b.dtype.itemsize, want.itemsize
    names = (f"{from_numpy_dtype(b.dtype)._legacy} as {from_numpy_dtype(want)._legacy} "
             "(different element sizes)")
    if old != new:
        if b.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 to view {names}")
        if b.shape[-1] != 1 and b.strides[-1] != old:
            raise RuntimeError(f"self.stride(-1) must be 1 to view {names}, but got "
                               f"{b.strides[-1] // old}")
        if new > old and (b.shape[-1] * old) % new:
            raise RuntimeError(f"self.size(-1) must be divisible by {new // old} to view "
                               f"{names}, but got {b.shape[-1]}")
    return from_numpy(b.view(want))


def view_as(x: Tensor, other: Tensor) -> Tensor:
    return view(x, tuple(other.shape))


def reshape_as(x: Tensor, other: Tensor) -> Tensor:
    return reshape(x, tuple(other.shape))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    nd = x.ndim
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if nd == 0:
        return labelled(_ops.reshape(x, (1,)), "ViewBackward0", x)
    if s == e:                          # PyTorch returns the tensor itself
        return x
    shape = tuple(x.shape)
    # (reshape's, whose fast path keeps a plan per shape: LeNet's flatten 6.1 -> 3.1 us)
    return reshape(x, *(shape[:s] + (-1,) + shape[e + 1:]))


def permute(x: Tensor, *order, dims=None) -> Tensor:
    b = x._buf
    if dims is None and type(b) is _ndarray and not _RECORDERS and not _D._AUTOCAST:
        if len(order) == 1 and (type(order[0]) is tuple or type(order[0]) is list):
            order = tuple(order[0])
        plan = None
        for d in order:
            if type(d) is not int:          # (1.0 == 1: a float's TypeError is the general's)
                break
        else:
            plan = _PERMS.get((b.shape, b.dtype, order))    # (a shape and order seen before)
        if plan is not None and plan[0] is _transpose_kernels["cpu"]:
            return _planned_transpose(x, b, plan[1], plan[2], "PermuteBackward0")
    if dims is not None:                    # (x.permute(dims=...), PyTorch's keyword)
        order = _one_keyword("permute", "dims", order, dims)
    dims = _shape_arg(order, "dims")
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {x.ndim} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, x.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    if dims == tuple(range(len(dims))):
        return alias(x, "PermuteBackward0")
    out = labelled(_ops.transpose(x, dims), "PermuteBackward0", x)
    if type(b) is _ndarray and type(order) is tuple and out._buf.base is not None and \
            all(type(d) is int for d in order) and not _RECORDERS and not _D._AUTOCAST:
        # the plan of this shape and order (issue 19: x.permute(1, 0) 6.0 -> ~1.3 us): the
        # rule passed, the kernel's view is ndarray.transpose with the wrapped perm
        if len(_PERMS) > 4096:
            _PERMS.clear()
        _PERMS[(b.shape, b.dtype, order)] = (_transpose_kernels["cpu"], {"perm": dims},
                                             b.dtype.kind in "fc")
    return out


#: (shape, dtype, order as given) -> (transpose's CPU kernel, params, inexact) of a permute
#: seen before (``permute``'s one lookup, as ``t``'s ``_TS``); bounded.
_PERMS: dict = {}


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    nd = x._buf.ndim
    if nd and type(dim0) is int and type(dim1) is int and -nd <= dim0 < nd and -nd <= dim1 < nd:
        d0, d1 = dim0 % nd, dim1 % nd                   # the common case, without calls
    else:
        d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    if nd == 0 or d0 == d1:
        return alias(x, "TransposeBackward0")
    perm = list(range(nd))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _ops.transpose(x, tuple(perm))


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """``transpose`` under NumPy's name, with PyTorch's argument names for it."""
    return transpose(input, axis0, axis1)


def _t_params(b, key) -> dict:
    return {"perm": (1, 0)}                 # (a matrix: _lane._perm_params of (0, 1))


def fast_t(x: Tensor) -> Tensor | None:
    """``_ops.transpose(x)`` of a CPU matrix through the eager lane (``_lane.small_unary``,
    the plan ``x.transpose(0, 1)`` shares): the kernel's small form and the view
    ``_finish`` makes; None otherwise (autocast, a trace, not a matrix, a failing rule)."""
    if _RECORDERS or x._buf.ndim != 2:
        return None
    return _D._small_unary(_transpose_p, x, (0, 1), _t_params)


#: (shape, dtype) -> (transpose's CPU kernel, params, inexact) of a matrix whose ``x.t()``
#: went through the lane (``fast_t``): ``t``'s one lookup (issue 19); bounded.
_TS: dict = {}
_transpose_kernels = _transpose_p.kernels
_np_transpose = _ndarray.transpose
_PERM10 = (1, 0)


def _planned_transpose(x: Tensor, b, params: dict, inexact: bool, label: str) -> Tensor:
    """transpose's CPU view of ``b`` (``x``'s buffer) by a plan (its rule passed before),
    wrapped as ``_finish`` wraps a view, its node named ``label``."""
    tb = _np_transpose(b, params["perm"])
    if inexact and STATE.enabled:
        return view_of(x, _transpose_p, params, tb, label)
    r = _view1(_transpose_p, x, params, tb, inexact)
    if r._node is not None:
        r._node.label = label
    return r


def t(x: Tensor) -> Tensor:
    b = x._buf
    if type(b) is _ndarray and not _RECORDERS and not _D._AUTOCAST:
        plan = _TS.get((b.shape, b.dtype))          # (a matrix's, seen before)
        if plan is not None and plan[0] is _transpose_kernels["cpu"]:
            return _planned_transpose(x, b, plan[1], plan[2], "TBackward0")
    if type(b) is np.ndarray and b.ndim == 2:
        # what _ops.transpose(x) binds for a matrix, through the lane (fast_t), else apply
        out = fast_t(x)
        if out is None:
            return labelled(_apply(_transpose_p, (x,), {"perm": (1, 0)}), "TBackward0")
        if out._node is not None:
            out._node.label = "TBackward0"          # (labelled's rename of the new node)
        kernel = _transpose_kernels["cpu"]
        plan = _PLANS.get((_transpose_p, kernel, b.shape, b.dtype, (0, 1)))
        if plan and plan[0] is _np_transpose and plan[1] == _PERM10 and plan[4] == 1 and \
                out._buf.base is not None:
            if len(_TS) > 4096:
                _TS.clear()
            _TS[(b.shape, b.dtype)] = (kernel, plan[2], plan[3])
        return out
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return labelled(_ops.transpose(x), "TBackward0", x) if x.ndim == 2 else \
        alias(x, "TBackward0")


def _axes_params(b, key) -> dict:
    return {"axes": (key,)}


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    if type(dim) is int and not _RECORDERS:
        nd = x._buf.ndim + 1
        if -nd <= dim < nd:
            # the lane (its node named by _graph's table): issue 19, 6.3 -> ~2 us with grad
            out = _D._small_unary(_expand_dims_p, x, dim % nd, _axes_params)
            if out is not None:
                return out
    if type(dim) is not int:
        dim = _ops._rules.as_dim(dim, "unsqueeze")  # (TypeError for a bool or a float)
    nd = x.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                         f"but got {dim})")
    return labelled(_ops.expand_dims(x, dim % nd), "UnsqueezeBackward0", x)


def squeeze(x: Tensor, dim=None) -> Tensor:
    """PyTorch's grad_fn names: SqueezeBackward0 for all size-1 dimensions, 1 for one
    dimension, 2 for a tuple of them; a new view even when nothing is squeezed."""
    if dim is None:
        out = _ops.squeeze(x)
        return alias(x, "SqueezeBackward0") if out is x else \
            labelled(out, "SqueezeBackward0", x)
    if type(dim) is int:                # the common case, without the tuple
        shape = x._buf.shape
        d = dim if 0 <= dim < len(shape) else wrap_dim(dim, len(shape))
        if shape and shape[d] == 1:     # (what _ops.squeeze binds, applied directly)
            out = None if _RECORDERS else _D._small_unary(_squeeze_p, x, d, _axes_params)
            if out is not None:         # (the lane, as unsqueeze's: SqueezeBackward1)
                return out
            return labelled(_apply(_squeeze_p, (x,), {"axes": (d,)}), "SqueezeBackward1", x)
        return alias(x, "SqueezeBackward1")
    many = isinstance(dim, (tuple, list))
    label = "SqueezeBackward2" if many else "SqueezeBackward1"
    nd = x.ndim
    dims = tuple(wrap_dim(d, nd) for d in (dim if many else (dim,)))
    for i, d in enumerate(dims):
        if d in dims[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    keep = tuple(d for d in dims if nd and x.shape[d] == 1)
    return labelled(_ops.squeeze(x, keep), label, x) if keep else alias(x, label)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    if memory_format is not None:      # (a format other than preserve_format: _memory_format)
        out = _mf.relaid(input, memory_format, "clone", True)
        if out is not None:
            return out
    return labelled(_ops.identity(input), "CloneBackward0", input)


def contiguous(x: Tensor, memory_format=None) -> Tensor:
    """``x`` itself when it is C-contiguous, else a C-ordered copy recorded as an identity (the
    identity kernel keeps its input's layout, as ``clone`` must: a transposed tensor's clone is
    transposed too); ``memory_format``: ``_memory_format``."""
    if memory_format is not None:
        if _mf.check(memory_format, "contiguous") is _mf.preserve_format:
            return x
        out = _mf.relaid(x, memory_format, "contiguous", False)
        if out is not None:
            return out
    if x.is_contiguous():
        return x
    from dlcore.ops.elementwise import identity_p

    from ._dispatch_finish import _finish
    return _finish(identity_p, (x,), {}, np.ascontiguousarray(x._buf), x._rg)


# (split, chunk and unbind: ._split_ops; expand and broadcast_to: ._expand_ops)
from ._split_ops import chunk, split, unbind  # noqa: E402, F401 - re-exported
from ._expand_ops import (  # noqa: E402, F401 - re-exported
    broadcast_to,
    broadcast_to_method,
    expand,
    expand_as,
)
