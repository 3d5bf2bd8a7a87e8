"""In-place updates of an eager ``Tensor``: the checks PyTorch makes (a leaf that requires
grad, a view of one), writing a result computed out of place into the tensor's memory
(``_commit``: the version counter bumped, the tensor made the output of the result's node),
kernels that write straight into it (``_into``), the recorded copy an in-place op computes
from (``_original``: PyTorch's saved ``original_self``), and ``zero_``/``fill_``/``copy_``.
Attached to :class:`Tensor` here, as the arithmetic is in ``_methods``."""

from __future__ import annotations

import builtins
import numbers
import sys
from typing import Any

import numpy as np

from dlcore import dtypes as _dt
from dlcore import ops as _ops
from dlcore.dtypes import is_floating
from dlcore.ops.elementwise_cast import full_like_p as _full_like_p
from dlcore.ops.power import TORCH_SCALAR_POW as _TORCH_SCALAR_POW
from dlcore.ops.power import pow_p as _POW_P
from dlcore.registry import scalar_buffer

from . import _dispatch as _D
from . import _dtype
from ._arg_checks import type_name
from ._front_entry import dressed
from ._graph import EAGER_VJPS, ERR_VIEW_OF_LEAF, Node, labelled
from ._operand_rules import check_rule, infer_size
from ._overlap import check_no_partial_overlap
from ._state import ERR_INFERENCE_INPLACE, STATE, InferenceVersion
from ._tensor_aux import write_buffer
from ._view_rebase import (
    ERR_NO_GRAD,
    NO_GRAD,
    after_inplace,
    base_requires_grad,
    check_view_inplace,
    follow_base,
    move_retain,
)
from .tensor import Tensor, _make

_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_F32_MAX = float(np.finfo(np.float32).max)


ERR_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to "
               "a single memory location. Please clone() the tensor before performing the "
               "operation.")


def _check_inplace(self) -> None:
    if type(self._vc) is InferenceVersion and not STATE.inference:
        raise RuntimeError(ERR_INFERENCE_INPLACE)
    if not (self._rg and STATE.enabled):
        if STATE.enabled:
            recipe = getattr(self, "_view", None)
            if recipe is not None and recipe[4] is NO_GRAD and base_requires_grad(self):
                raise RuntimeError(ERR_NO_GRAD)     # (else only when recorded: _commit)
        return
    node = self._node
    if node is None:
        recipe = getattr(self, "_view", None)
        if recipe is not None and recipe[4] is NO_GRAD:
            raise RuntimeError(ERR_NO_GRAD)     # (a leaf made in no_grad mode, as PyTorch's)
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    if getattr(self, "_view", None) is not None:
        check_view_inplace(self)       # (written back into its bases by _commit)
        return
    if isinstance(node, Node) and node.inputs and node.prim.view and \
            node.inputs[0]._vc is self._vc and getattr(node, "label", None) != "CopySlices":
        # (a base written through its view has a view primitive's CopySlices node over that
        # view, which shares its memory: not a view itself, as PyTorch's base after the write)
        base = node.inputs[0]
        if base._rg and base._node is None:
            raise RuntimeError(ERR_VIEW_OF_LEAF)
        raise RuntimeError("dlcore_eager: an in-place operation on a view of a tensor that "
                           "requires grad is not supported (PyTorch rewrites the base "
                           "tensor's history here); apply it out of place, or to a .clone() "
                           "of the view")


def _resize_storage(self, shape: tuple) -> None:
    """Give this tensor fresh memory of ``shape`` (PyTorch's resize of an ``out=`` tensor);
    the contents are undefined until written."""
    self._check_inplace()
    if self.is_cuda:
        from numba import cuda
        self._buf = cuda.device_array(shape, dtype=self._buf.dtype)
    else:
        self._buf = np.empty(shape, dtype=self._buf.dtype)
    self._vc[0] += 1


def _commit(self, result: Tensor) -> Tensor:
    """Write ``result`` (computed out of place by dlcore) into this tensor's memory, bump the
    version counter and, when it was recorded, make this tensor the output of its node."""
    rb = result._buf
    if tuple(rb.shape) != tuple(self._buf.shape):
        raise RuntimeError(f"output with shape {list(self._buf.shape)} doesn't match the "
                           f"broadcast shape {list(rb.shape)}")
    node = result._node
    recorded = result._rg and node is not None
    if recorded and getattr(self, "_view", None) is not None:
        check_view_inplace(self)        # (before anything is written; PyTorch's view errors)
    if rb.dtype != self._buf.dtype:
        result = _ops.cast(result, self._buf.dtype)
        rb = result._buf
        node = result._node
    try:
        write_buffer(self._buf, rb)
    except ValueError:                  # (NumPy's read-only broadcast view: PyTorch's words)
        if 0 in getattr(self._buf, "strides", ()) and self._buf.size > 1:
            raise RuntimeError(ERR_OVERLAP) from None
        raise
    self._vc[0] += 1
    if recorded:
        if isinstance(node, Node):
            node.out_version = self._vc
            node.out_ver0 = self._vc[0]
            ins = node.inputs
            if ins is not None and any(t is self for t in ins):
                node.inputs = _unlooped(ins, self)
        move_retain(self, self._node, node)
        self._node = node
        if not self._rg:
            self._rg = True
            follow_base(self)           # (its no_grad-mode views now require grad)
        if len(self._vc) > 1 or getattr(self, "_view", None) is not None:
            after_inplace(self)         # views share this memory: PyTorch's CopySlices on
                                        # each base, every recorded view's node made again
    return self


def _unlooped(ins: tuple, t: Tensor) -> tuple:
    """A node's inputs with ``t``, the tensor it is about to become the grad_fn of (an in-place
    op that computed from the tensor itself: ``loss += l``, ``relu_``, the recorded
    ``index_add_`` lane), replaced by an alias of its buffer and version counter with its
    node before the op: the same values and version checks for the rule, and no reference
    cycle (tensor -> node -> inputs -> tensor) that kept every node of a step's graph alive
    until the cyclic garbage collector ran (11,297 nodes a char-level RNN run, 15% of its
    time; issue 19)."""
    alias = _make(t._buf, t._vc, t._node)
    if t._node is None:
        alias._rg = t._rg
    return tuple([alias if x is t else x for x in ins])


# integer ops whose result in the tensor's dtype is the exact result wrapped, as PyTorch's
_INT_WRAPS = frozenset(("add", "sub", "mul"))
_INT_RANGES: dict = {}


def _in_range(value: int, dtype) -> builtins.bool:
    r = _INT_RANGES.get(dtype)
    if r is None:
        info = np.iinfo(dtype)
        r = _INT_RANGES[dtype] = (int(info.min), int(info.max))
    return r[0] <= value <= r[1]


def _into(self, prim, into, other) -> builtins.bool:
    """``self (op)= other`` written by a binary elementwise kernel straight into this
    tensor's memory (``kernel.into``: no result buffer, no copy) when nothing is recorded,
    both are CPU buffers of this tensor's dtype (or ``other`` a Python number and this a
    float tensor) and the result has this tensor's shape.  For a CUDA tensor the same
    conditions hold with device arrays, and the primitive's CUDA kernel's ``into`` writes
    into this tensor's device array (no result array, no device-to-device copy; a Python
    number travels as a kernel argument; the shape checked by ``into`` itself).  Returns
    False, having changed nothing, when any of that does not hold: the caller then takes the
    general path (and its errors)."""
    b = self._buf
    if (b.dtype is _F32 or b.dtype is _F64) and type(b) is _ndarray and \
            type(self._vc) is list and getattr(self, "_view", None) is None and \
            not (STATE.enabled and self._rg) and _quick_into(prim, into, b, other):
        self._vc[0] += 1
        return True
    if isinstance(other, Tensor):       # (the quick path declines a shared buffer)
        check_no_partial_overlap(self, (other,))
    cpu = type(b) is _ndarray
    if type(self._vc) is InferenceVersion and not STATE.inference:
        return False            # (an inference tensor outside the mode: _check_inplace's error)
    if not cpu:
        into = getattr(prim.kernels.get("cuda"), "into", None)
        if into is None or not hasattr(b, "copy_to_host"):
            return False
    if b.dtype in _dt.HALF:                          # (16-bit floats: see _apply_half)
        return False
    recipe = getattr(self, "_view", None)
    if recipe is not None and recipe[4] is NO_GRAD and STATE.enabled:
        return False            # (a view made in no_grad mode: _check_inplace's error)
    if isinstance(other, Tensor):
        if STATE.enabled and (self._rg or other._rg):
            return False
        ob = other._buf
        if (type(ob) is _ndarray) is not cpu or ob.dtype != b.dtype:
            return False        # (other on the other device, or of another dtype)
    elif type(other) in (float, int) and is_floating(b.dtype):
        if STATE.enabled and self._rg or (prim is _POW_P and other in _TORCH_SCALAR_POW):
            return False        # (x.pow_(3): PyTorch's x x x, by the out-of-place lane)
        ob = scalar_buffer(other, b.dtype)
    elif type(other) is int and b.dtype.kind in "iu" and prim.name in _INT_WRAPS and \
            _in_range(other, b.dtype):     # (an integer tensor records no gradient)
        ob = scalar_buffer(other, b.dtype)  # (``counts[i, j] += 1``: PyTorch's int kernel)
    else:
        return False
    if cpu:
        try:
            check_rule(prim, (b, ob), {})
        except Exception:
            return False
    if not into(b, b, ob):
        return False
    self._vc[0] += 1
    return True


def _quick_into(prim, into, b, other) -> builtins.bool:
    """``_into``'s common case, written in (``w -= lr * g``, ``p.mul_(0.9)``, ``x += y``: a
    float32/float64 tensor that records nothing, no view, and a tensor of its dtype and shape,
    or 0-d, or a Python float): the kernel's NumPy ufunc into ``b`` with floating-point
    warnings off, as ``kernel.into`` runs it below its parallel threshold, without its tests
    of the general case (0-d ``p -= h`` 3.1 -> ~1.5 us, PyTorch 0.9).  False, having written
    nothing, for anything else: ``_into``'s full path then decides."""
    if type(other) is Tensor:
        if STATE.enabled and other._rg:
            return False
        ob = other._buf
        if type(ob) is not _ndarray or ob.dtype is not b.dtype or \
                (ob.shape != b.shape and ob.ndim) or (ob.ndim and not ob.flags.c_contiguous):
            return False
    elif type(other) is float and prim is not _POW_P:
        ob = scalar_buffer(other, b.dtype)
    else:
        return False
    kern: Any = getattr(into, "__self__", None)
    ufunc = getattr(kern, "ufunc", None)
    quiet = _D._QUIET_RUN
    if ufunc is None or quiet is None or b.size >= _D._PT or not b.flags.c_contiguous or \
            not b.flags.writeable or b.dtype.kind not in kern.ufunc_kinds or \
            (ob is not b and (ob.base is not None or b.base is not None) and
             np.may_share_memory(ob, b)):
        return False
    cache = prim._rule_cache
    if b.dtype not in cache:            # (small_binary's record: dtype accepted)
        try:
            check_rule(prim, (b, ob), {})
        except Exception:  # noqa: BLE001 - the full path raises its own error
            return False
        cache[b.dtype] = True
    quiet.run(ufunc, b, ob, out=b)
    return True


def _fill_cuda(self, value) -> builtins.bool:
    """``fill_``/``zero_`` of a CUDA tensor not recorded: one fill kernel into its device
    array (no new array, no copy); False when it is not a C-contiguous device array."""
    b = self._buf
    if type(b) is _ndarray or not hasattr(b, "copy_to_host") or not b.is_c_contiguous() or \
            (self._rg and STATE.enabled) or b.dtype in _dt.HALF:
        return False
    from dlcore.kernels.cuda import inplace
    inplace.fill(b, value)
    self._vc[0] += 1
    return True


def _inplace(self, fn, *args) -> Tensor:
    self._check_inplace()
    return self._commit(fn(self._original(args), *args))


def _original(self, args=(), kwargs=None) -> Tensor:
    """What an in-place op computes from: when the op is recorded, a copy of this tensor's
    values at its place in the graph (PyTorch's saved ``original_self``: a copy with this
    tensor's grad_fn, no node of its own), so that the op's own gradient reads the values
    from before the write (``x.abs_()``, ``F.elu(x, inplace=True)``, ``a.mul_(w)``) and its
    node is the one node of the write, its edge this tensor's grad_fn (``x.sin_()``:
    SinBackward0 -> MulBackward0, as PyTorch's); this tensor itself otherwise.  Earlier ops
    that saved this tensor still see it overwritten and raise in backward, as in PyTorch.
    Under a trace or forward-mode AD (which follow ops, not copies), or for a device buffer,
    the copy is a recorded ``identity``."""
    if STATE.enabled and (self._rg or _any_rg(args) or (kwargs and _any_rg(kwargs.values()))):
        b = self._buf
        if type(b) is _ndarray and type(self) is Tensor and not _follows_ops() and \
                (self._node is not None or not self._rg):
            return _make(b.copy(), None, self._node)
        return _ops.identity(self)
    return self


def _follows_ops() -> builtins.bool:
    """Is a trace running, or a forward-mode AD level open (both see ops, not buffers)?"""
    tracing = sys.modules.get("dlcore_eager.tracing")
    if tracing is not None and tracing._RECORDERS:
        return True
    fwd = sys.modules.get("dlcore_eager.autograd.forward_ad")
    return fwd is not None and builtins.bool(fwd._LEVEL)


def zero_(self) -> Tensor:
    self._check_inplace()
    if self._rg and STATE.enabled:       # recorded: zero values and a zero gradient
        return self._commit(_overwrite(self, 0.0, "ZeroBackward0"))
    b = self._buf
    if type(b) is _ndarray and b.flags.writeable:   # in place, no new buffer
        b.fill(0)
        self._vc[0] += 1
        return self
    if _fill_cuda(self, 0):
        return self
    return self._commit(_ops.zeros_like(self))


def fill_(self, value) -> Tensor:
    self._check_inplace()
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        fwd = sys.modules.get("dlcore_eager.autograd.forward_ad")
        if value.requires_grad or (fwd is not None and fwd._LEVEL and fwd._carries(value)):
            # (PyTorch's FillBackward: the gradient flows to the 0-d value, its tangent too)
            return copy_(self, value)
        from ._scalar_convert import rounded
        value = rounded(value.item(), self._buf.dtype)      # (unchecked, as ATen's)
    else:                   # (a Python number: PyTorch's checked conversion to the dtype;
        d = self._buf.dtype  # a float into float64, or into float32's range, is kept as is)
        if type(value) is not float or not (d is _F64 or d is _F32 and abs(value) <= _F32_MAX):
            from ._scalar_convert import fill_scalar
            value = fill_scalar(value, d, self._buf.size)
    if self._rg and STATE.enabled:       # recorded: the value and a zero gradient (as zero_)
        return self._commit(_overwrite(self, value, "FillBackward2"))
    b = self._buf
    if type(b) is _ndarray and b.flags.writeable and not _recording():
        b.fill(value)                   # (in place, as zero_: 6 -> ~0.6 us, PyTorch 1.7; a
        self._vc[0] += 1                # trace sees full_like, a dual level's _commit gives
        return self                     # the zero tangent)
    return self._commit(_ops.full_like(self, value))


def _dual_level() -> builtins.bool:
    fwd = sys.modules.get("dlcore_eager.autograd.forward_ad")
    return fwd is not None and bool(fwd._LEVEL)


def copy_(self, other: Tensor, non_blocking: bool = False) -> Tensor:
    """``self`` given ``other``'s values (broadcast, cast); torch's keyword is ``other``
    (its docs say ``src``, which torch 2.13 refuses)."""
    src = other
    self._check_inplace()
    check_no_partial_overlap(self, (other,))
    if type(src) is Tensor and not ((src._rg or self._rg) and STATE.enabled):
        sb, b = src._buf, self._buf     # (a CPU tensor of this dtype and shape: nothing to
        if type(sb) is _ndarray and type(b) is _ndarray and sb.dtype is b.dtype and \
                sb.shape == b.shape:    # move, cast or broadcast; 2.7 -> ~1.1 us)
            return self._commit(src)
    if not isinstance(src, Tensor):
        src = _make(np.asarray(src))
    src = src.to(self.device)._cast(self.dtype)
    if tuple(src._buf.shape) != tuple(self._buf.shape):
        to = infer_size(tuple(self._buf.shape), tuple(src._buf.shape))  # (torch's words)
        if to != tuple(self._buf.shape):
            raise RuntimeError(f"output with shape {list(self._buf.shape)} doesn't match the "
                               f"broadcast shape {list(to)}")
        src = _ops.broadcast_to(src, self._buf.shape)
    if src._rg and STATE.enabled:
        return self._commit(labelled(_ops.identity(src), "CopyBackwards", edges=(self, other)))
    if self._rg and STATE.enabled:      # (a constant written into a recorded tensor: the
        return self._commit(_overwrite(self, src, "CopyBackwards", other))  # old history cut)
    return self._commit(src)


def _overwrite(self, value, label, src=None) -> Tensor:
    """The recorded result of writing ``value`` (a number, or a constant Tensor of ``self``'s
    shape and dtype) over all of ``self``: those values, and a zero gradient for ``self`` (its
    history ends here, as PyTorch's ZeroBackward0 / FillBackward2 / CopyBackwards, which save
    nothing), named as PyTorch's node.  One node made here (``_overwritten``), no kernel but
    the fill: 26 -> ~3 us a zero_ of a recorded 4x8 tensor, where a ``where`` of a mask made
    it.  Under a running trace the ops are recorded as they were (the trace sees them)."""
    tracing = sys.modules.get("dlcore_eager.tracing")
    if tracing is not None and tracing._RECORDERS:
        out = _ops.where(_ops.full_like(self, True, np.bool_), value, self)
        return labelled(out, label, edges=(self,) if src is None else (self, src))
    b = self._buf
    if isinstance(value, Tensor):
        vb = value._buf
    elif type(b) is _ndarray:
        vb = np.zeros(b.shape, b.dtype)
        if value:
            vb.fill(value)
    else:                               # (a CUDA buffer: the device's fill kernel)
        vb = _ops.full_like(self.detach(), value)._buf
    parent = self._node
    node = Node(_full_like_p, {}, (parent,), (_make(vb),), (0,), vb, [0])
    node.label = label
    if src is not None:
        node.edges = (parent, None)     # (a constant source: PyTorch's (None, 0) edge)
    return _make(vb, None, node)


def _overwritten_vjp(g, y, x):
    """The vjp of ``_overwrite``'s node (``x``: ``self`` before the write, ``y`` the values
    written): ``dx = 0`` (PyTorch's ``zeros_like(grad)``, which never requires grad); the
    core's ``full_like`` (whose node it is) has none."""
    if type(g) is _ndarray:
        return (np.zeros(g.shape, g.dtype),)
    return (_ops.zeros_like(g.detach() if isinstance(g, Tensor) else g),)


EAGER_VJPS[_full_like_p] = _overwritten_vjp


def _any_rg(values) -> builtins.bool:
    for v in values:
        if isinstance(v, Tensor) and v._rg:
            return True
    return False


# ----------------------------------------------------------------------------- bit operators
#: the in-place bit shifts and bitwise and/or/xor: (method, operator)
_BIT_FORMS = (("bitwise_left_shift_", "__ilshift__"), ("bitwise_right_shift_", "__irshift__"),
              ("bitwise_and_", "__iand__"), ("bitwise_or_", "__ior__"),
              ("bitwise_xor_", "__ixor__"))
_NOT_OPERANDS = frozenset({np.ndarray, list, tuple})    # (as _tensor_ops' operators)
_ABSENT = object()


def _cast_first(fn, operator: builtins.bool):
    """``fn`` (an in-place bit operation, its dtype guard installed) checked in PyTorch 2.13's
    order: an operator's NumPy array, list or tuple is NotImplemented (Python then computes
    ``t << arr`` by NumPy, or raises its TypeError: ``t <<= [1]``); then the promoted result
    type must cast to the tensor's dtype (``int_t <<= 2.5``, ``bool_t &= 1``: RuntimeError
    'result type Float can't be cast to the desired output type Long'), before the kernel's
    refusal of a float or bool result (``fn``'s guard: NotImplementedError)."""
    def inplace(self, *args, **kwargs):
        other = args[0] if args else kwargs.get("other", _ABSENT)
        if type(other) in _NOT_OPERANDS:
            if operator:
                return NotImplemented
            raise _not_operand(fn.__name__, other)
        elif isinstance(self, Tensor) and other is not _ABSENT:
            sd = self._buf.dtype
            if isinstance(other, Tensor):
                od = other._buf.dtype
                to = _dtype.promote_tensors(sd, self._buf.ndim > 0, od, other._buf.ndim > 0)
            elif isinstance(other, (numbers.Number, np.generic)):
                to = _dtype.promote_with_scalar(sd, other)
            else:
                to = sd
            if _dtype.category(to) > _dtype.category(sd):
                raise RuntimeError(f"result type {_dtype.from_numpy_dtype(to)._legacy} can't "
                                   f"be cast to the desired output type "
                                   f"{_dtype.from_numpy_dtype(sd)._legacy}")
        return fn(self, *args, **kwargs)
    inplace.__name__ = inplace.__qualname__ = fn.__name__
    inplace.__doc__ = fn.__doc__
    inplace.__wrapped__ = fn      # type: ignore[attr-defined]
    inplace.cast_first = True     # type: ignore[attr-defined]  # (installed once)
    return inplace


def _not_operand(name: str, other) -> TypeError:
    """PyTorch's parser refusal of an in-place bit method's NumPy array, list or tuple
    (``t.bitwise_and_([1, 2])``), its elements' types listed as PyTorch lists them."""
    if type(other) is np.ndarray:
        got = type_name(other)
    else:
        inner = ", ".join(type_name(v) if not isinstance(v, Tensor) else "Tensor" for v in other)
        got = f"list of [{inner}]" if type(other) is list else \
            f"tuple of ({inner}{',' if len(other) == 1 else ''})"
    bad = f"      didn't match because some of the arguments have invalid types: (!{got}!)\n"
    return TypeError(f"{name}() received an invalid combination of arguments - got "
                     f"({type(other).__name__ if type(other) is not np.ndarray else got}), "
                     f"but expected one of:\n * (Tensor other)\n{bad} * (Number other)\n{bad}")


def install() -> None:
    """Put ``_cast_first`` over the in-place bit operations (after ``_dtype_guards``' guards,
    which it then calls)."""
    for method, operator in _BIT_FORMS:
        for name, is_operator in ((method, False), (operator, True)):
            fn = Tensor.__dict__.get(name)
            if fn is not None and not getattr(fn, "cast_first", False):
                setattr(Tensor, name, _cast_first(fn, is_operator))


Tensor._check_inplace = _check_inplace
Tensor._resize_storage = _resize_storage
Tensor._commit = _commit
Tensor._into = _into
Tensor._inplace = _inplace
Tensor._original = _original
Tensor.zero_ = zero_
Tensor.fill_ = fill_
Tensor.copy_ = copy_


def masked_fill_front(general):
    """``Tensor.masked_fill_`` (``general``) with its common call in front: a Python number
    into a float32/float64 CPU tensor that nothing records, a bool mask that broadcasts to it
    (``scores.masked_fill_(pad, -inf)``): NumPy's ``copyto`` with the mask, in place (the
    number converted to the dtype as where's 0-d buffer converts it; 9 -> ~2 us, PyTorch
    2.0).  Anything else (a recorded tensor, a tensor value, an int dtype, a mask that does not
    broadcast, a trace, autocast, a dual level) goes to ``general``."""
    def masked_fill_(self, mask, value):
        if type(mask) is Tensor and type(self) is Tensor and \
                (type(value) is float or type(value) is int and -_EXACT <= value <= _EXACT) \
                and not (STATE.enabled and self._rg) and not _D._AUTOCAST:
            b, mb = self._buf, mask._buf
            d = b.dtype
            if type(b) is _ndarray and type(mb) is _ndarray and mb.dtype is _BOOL and \
                    (d is _F64 or d is _F32 and (abs(value) <= _F32_MAX or value != value or
                                                abs(value) == _INF)) and \
                    b.flags.writeable and not _recording() and mb.ndim <= b.ndim:
                self._check_inplace()
                check_no_partial_overlap(self, (mask,))
                try:
                    np.copyto(b, value, where=mb)
                except ValueError:      # (a mask that does not broadcast: general's error)
                    pass
                else:
                    self._vc[0] += 1
                    return self
        return general(self, mask, value)
    return dressed(masked_fill_, general, name="masked_fill_")


def index_put_front(general):
    """``Tensor.index_put_`` (``general``) with its common call in front: a tuple or list of
    index tensors, a values tensor of the destination's dtype, ``accumulate`` false: the
    assignment ``self[indices] = values`` it is (PyTorch's ``__setitem__`` is this very op:
    the same values, errors, versions and IndexPutBackward0; 62 -> 10.5 us, PyTorch 5.2).
    Anything else goes to ``general``; values that are not a tensor get PyTorch's
    TypeError (a number was taken)."""
    def index_put_(self, indices, values, accumulate=False):
        if not isinstance(values, Tensor):
            raise TypeError(f"index_put_(): argument 'values' (position 2) must be Tensor, not "
                            f"{type(values).__name__}")
        if accumulate is False and type(self) is Tensor and type(values) is Tensor and \
                (type(indices) is tuple or type(indices) is list) and indices and \
                values._buf.dtype == self._buf.dtype and \
                type(values._buf) is type(self._buf):
            for i in indices:
                if type(i) is not Tensor:
                    break
            else:
                self[tuple(indices)] = values
                return self
        return general(self, indices, values, accumulate)
    return dressed(index_put_, general, name="index_put_")


def _recording() -> builtins.bool:
    """A trace records, or a dual level is open (their paths see every write)."""
    tracing = sys.modules.get("dlcore_eager.tracing")
    return bool(tracing is not None and tracing._RECORDERS) or _dual_level()


_BOOL, _INF, _EXACT = np.dtype(np.bool_), float("inf"), 2 ** 53
