"""TensorFlow 1's sliced assignment to a variable: ``v[0].assign(x)``, ``v[1:3].assign(y)``,
``v[:, 0].assign(z, name=...)`` (``RefVariable._strided_slice_assign``, op StridedSliceAssign).

In TF 1.15 ``v[idx]`` (``_SliceHelperVar``) is the strided slice of the variable's value with an
``assign`` method that writes ``value`` into that part of the variable and returns the
variable's whole new value; the node is named after the slice: ``strided_slice/_assign``.  A
strided slice of anything else has the method too, which raises ``ValueError: Sliced assignment
is only supported for variables``; other tensors have no ``assign``.

The value is converted to the variable's dtype and must have the slice's shape exactly: the
kernel does not broadcast (``UnimplementedError: sliced l-value shape [2] does not match r-value
shape []. Automatic broadcasting not yet implemented.``, when the node runs: the op's shape
function does not look at the value).

Here the slice of a Variable is recorded (a weak map from the slice tensor to the variable and
its index), and the assignment is the variable's read-modify-write: an update read, the value
(after a run-time shape check where the shapes are not known equal), ``index_update`` and the
variable's ``Assign`` (so two updates of one variable in one run apply in order, as
``assign_add``).  With a tensor in the index (``v[i].assign(x)``, ``v[a:b].assign(y)``) the
slice's flat positions are computed by the same index at run time and the value scattered
there (``_assign_at_run_time_index``).
"""

from __future__ import annotations

import weakref

import numpy as np

from dlcore import ops as _ops
from dlcore.ops.indexing import canonical_index, getitem_p
from dlcore.ops.scatter_ops import scatter_set

from .errors import UnimplementedError
from .graph import Tensor
from .host_ops import host_op
from .host_ops import register as register_host_op

#: slice tensor -> (the Variable, its index as given)
_SLICES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _shape_text(shape) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def sliced(var, idx) -> Tensor:
    """``var[idx]``: the slice of its value, remembered as a slice of ``var``."""
    from .array_ops import getitem
    out = getitem(var.value(), idx)
    if type(out) is Tensor:
        _SLICES[out] = (var, idx)
    return out


def _value_check_impl(v, *, lhs):
    """(the executor adds the node's name and line)"""
    if tuple(v.shape) != lhs:
        raise UnimplementedError(
            None, None, f"sliced l-value shape {_shape_text(lhs)} does not match r-value shape "
                        f"{_shape_text(v.shape)}. Automatic broadcasting not yet implemented.")
    return v


register_host_op("SliceAssignCheck", _value_check_impl)


def _assign(t: Tensor, value, name: str | None):
    entry = _SLICES.get(t)
    if entry is None:
        raise ValueError("Sliced assignment is only supported for variables")
    var, idx = entry
    items = idx if isinstance(idx, tuple) else (idx,)
    if any(isinstance(i, Tensor) or isinstance(i, slice) and any(
            isinstance(b, Tensor) for b in (i.start, i.stop, i.step)) for i in items):
        return _assign_at_run_time_index(t, var, idx, value, name)
    g = var.graph
    cidx = canonical_index(idx, len(var.aval.shape))
    lhs = getitem_p.abstract_eval(var.aval, idx=cidx).shape
    full = name if name is not None else t.op.name + "/_assign"
    with g.name_scope(full) as scope:
        from .frontend import to_tensor
        v = to_tensor(value, g, var.aval.dtype)
        if v.aval.dtype != var.aval.dtype:
            raise TypeError(f"Input 'value' of 'StridedSliceAssign' Op has type {v.dtype.name} "
                            f"that does not match type {var.dtype.name} of argument 'ref'.")
        if None in lhs or tuple(v.aval.shape) != tuple(lhs) or (
                not v.aval.shape and v.op.attrs.get("unknown_rank")):
            if None in lhs:
                raise NotImplementedError(
                    f"dlcore: sliced assignment to variable '{var.op.name}' of shape "
                    f"{_shape_text(var.aval.shape)}: the slice's shape must be known when built")
            v = host_op("SliceAssignCheck", [v], [(tuple(lhs), var.aval.dtype)],
                        {"lhs": tuple(lhs)}).outputs[0]
        new = _ops.index_update(var._update_read(), cidx, v)
    return var._assign(new, scope[:-1], False)


def _value_check_run_impl(v, ids):
    """(the executor adds the node's name and line)"""
    if tuple(v.shape) != tuple(ids.shape):
        raise UnimplementedError(
            None, None, f"sliced l-value shape {_shape_text(ids.shape)} does not match r-value "
                        f"shape {_shape_text(v.shape)}. Automatic broadcasting not yet "
                        "implemented.")
    return v


register_host_op("SliceAssignCheckRunTime", _value_check_run_impl)


def _assign_at_run_time_index(t: Tensor, var, idx, value, name: str | None):
    """``v[i].assign(x)`` with a tensor in the index (TF's StridedSliceAssign takes its
    begin/end/strides as tensors): the same index applied to the positions ``0 .. n-1`` of the
    variable gives the flat positions the slice covers, and the value is scattered there
    (read-modify-write as above); its shape is checked against theirs when the node runs."""
    from .array_ops import getitem
    shape = tuple(var.aval.shape)
    if None in shape:
        raise NotImplementedError(
            f"dlcore: sliced assignment to variable '{var.op.name}' of shape "
            f"{_shape_text(shape)} with a tensor in the index: the variable's shape must be "
            "known when built")
    g = var.graph
    full = name if name is not None else t.op.name + "/_assign"
    with g.name_scope(full) as scope:
        from .frontend import to_tensor
        v = to_tensor(value, g, var.aval.dtype)
        if v.aval.dtype != var.aval.dtype:
            raise TypeError(f"Input 'value' of 'StridedSliceAssign' Op has type {v.dtype.name} "
                            f"that does not match type {var.dtype.name} of argument 'ref'.")
        n = 1
        for d in shape:
            n *= d
        positions = _ops.reshape(_ops.arange(0, n, 1, dtype=np.int64), shape)
        ids = getitem(positions, idx)
        v = host_op("SliceAssignCheckRunTime", [v, ids], [(tuple(ids.aval.shape),
                                                            var.aval.dtype)]).outputs[0]
        flat = _ops.reshape(var._update_read(), (n,))
        new = scatter_set(flat, _ops.reshape(v, (-1,)), _ops.reshape(ids, (-1,)), 0)
        new = _ops.reshape(new, shape)
    return var._assign(new, scope[:-1], False)


def _assign_property(self):
    """``t.assign``: a strided slice's (see the module docstring); no other tensor has it."""
    if self.op.type != "StridedSlice" and self not in _SLICES:     # (a run-time index: Take)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute 'assign'")

    def assign(value, name=None):
        return _assign(self, value, name)
    return assign


def install(variable_cls) -> None:
    variable_cls.__getitem__ = sliced
    Tensor.assign = property(_assign_property)      # type: ignore[attr-defined]
