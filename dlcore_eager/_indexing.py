"""Indexing: ``x[key]`` and ``x[key] = value``, in PyTorch's forms, on dlcore's primitives.

Reading:

* basic indices (ints, slices, ``None``, ``...``)  -> ``dlcore.ops.getitem`` (a view on the CPU);
* an integer tensor, array or list                  -> ``take`` (a gather along axis 0);
* integer arrays for the leading axes (``x[rows, cols]``) -> ``take`` on a flattened view;
* ``x[:, idx]`` (full slices, then one integer array)      -> ``take`` on a transposed view;
* a boolean mask                                    -> the positions where it is true, then ``take``.

Writing goes through a functional op and then the tensor's memory is updated in place (see
``Tensor._commit``): a boolean mask is ``where(mask, value, x)`` (the seed's
``grad_h[h < 0] = 0``), basic indices are ``dlcore.ops.index_update``, and integer arrays (or a
mask with one value per selected row) are ``where(hit, scatter_add(rows, positions), x)``.  All of them have
gradients, from dlcore's vjp rules.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from dlcore import ops as _ops
from dlcore.ops.gather import take

from dlcore.ops.elementwise import where_p as _where_p
from dlcore.registry import check_rule, scalar_buffer

from . import _dispatch as _D
from ._dispatch_finish import _finish
from ._graph import ERR_VIEW_OF_LEAF, labelled
from ._inplace_ops import _follows_ops
from ._overlap import check_view_write
from ._state import STATE
from ._host import host as _host
from ._index_general import (broadcast_error, check_basic, expand_error, has_bool,
                             key_type_error, makes_view, mask_check, split_key, two_step)
from ._operand_rules import scalar_as
from ._scalar_convert import fill_scalar
from ._view_rebase import ERR_NO_GRAD
from ._views import alias
from .tensor import Tensor

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _is_advanced(k) -> bool:
    if isinstance(k, Tensor):
        return k.ndim > 0 or k._buf.dtype == np.bool_
    return isinstance(k, (list, np.ndarray, range))


def _scalar_key(k):
    """0-d integer tensors and NumPy integers act as Python ints; an empty (nested) list is
    an int64 index (PyTorch's), not NumPy's float64 array."""
    if isinstance(k, Tensor) and k.ndim == 0 and k._buf.dtype.kind in "iu":
        return int(k.item())
    if isinstance(k, np.integer):
        return int(k)
    if type(k) is list and (not k or type(k[0]) is list):
        try:
            a = np.asarray(k)
        except ValueError:                  # (ragged: refused where it is used)
            return k
        if a.size == 0:
            return np.zeros(a.shape, np.int64)
    return k


_SEQ_AS_TUPLE = ("Using a non-tuple sequence for multidimensional indexing is deprecated and "
                 "will be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In "
                 "pytorch 2.9 this will be interpreted as tensor index, x[torch.tensor(seq)], "
                 "which will result either in an error or a different result")


def _top_key(key):
    """The whole key as PyTorch reads it: a list (under 32 items) holding a sequence, a
    tensor, a slice, None or Ellipsis is a tuple of indices (with PyTorch's warning)."""
    if type(key) is list and len(key) < 32 and any(
            isinstance(e, (Tensor, list, tuple, range, np.ndarray, slice)) or e is None or
            e is Ellipsis for e in key):
        warnings.warn(_SEQ_AS_TUPLE, UserWarning, stacklevel=4)
        key = tuple(key)
    if type(key) is tuple:
        for k in key:               # (a plain loop, ints and slices first: ~0.1 us a key)
            t = type(k)
            if t is int or t is slice or k is None:
                continue
            if t is Tensor or isinstance(k, Tensor) or t is np.ndarray:
                return tuple(_byte_mask(k) for k in key)
        return key
    return _scalar_key(_byte_mask(key))


_BYTE_INDEX = ("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
               "torch.bool instead.")
#: integer dtypes PyTorch refuses in a tensor index of rank >= 1 (a 0-d one is a number)
_NOT_INDEX = frozenset("bhHILQ")


def _byte_mask(k):
    """A uint8 index (a tensor or a NumPy array) read as PyTorch does: a mask (its nonzero
    entries), with its deprecation warning (dlcore took it as integer indices); a tensor of
    another integer dtype than int64/int32 (int8, int16, the unsigned ones): PyTorch's
    IndexError."""
    if isinstance(k, Tensor):
        c = k._buf.dtype.char
        if c == "B":
            warnings.warn(_BYTE_INDEX, UserWarning, stacklevel=5)
            return _ops.cast(k, np.bool_)
        if c in _NOT_INDEX and k._buf.ndim:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    elif type(k) is np.ndarray and k.dtype.char == "B":
        warnings.warn(_BYTE_INDEX, UserWarning, stacklevel=5)
        return k.astype(np.bool_)
    return k


def _index_tensor(idx: np.ndarray, size: int, like: Tensor) -> Tensor:
    idx = idx.astype(np.int64, copy=False)
    lo = idx.min() if idx.size else 0
    if idx.size and (idx.max() >= size or lo < -size):
        bad = idx[(idx >= size) | (idx < -size)].flat[0]
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {size}")
    # (a copy either way, never the caller's buffer; np.where only when an index is negative)
    idx = np.where(idx < 0, idx + size, idx) if lo < 0 else idx.copy()
    t = Tensor._wrap(idx)
    return t if not like.is_cuda else t.cuda()


def _mask_positions(x: Tensor, mask) -> tuple:
    m = _host(mask)
    mask_check(tuple(x.shape), m.shape, 0)
    return np.flatnonzero(m), m.ndim


def _check_steps(key) -> None:
    """PyTorch refuses a slice step that is not positive (``x[::-1]``: use ``flip``)."""
    for k in key if isinstance(key, tuple) else (key,):
        if type(k) is slice and k.step is not None and _scalar_key(k.step) <= 0:
            raise ValueError("slice step cannot be zero" if _scalar_key(k.step) == 0 else
                             "step must be greater than zero")


def _basic(x: Tensor, key):
    """``dlcore.ops.getitem``; an index of a type PyTorch does not take: its IndexError."""
    try:
        return _ops.getitem(x, key)
    except TypeError:
        key_type_error(key)
        raise
    except IndexError:                      # (PyTorch's words: the int's position in the key)
        check_basic(x, key if type(key) is tuple else (key,))
        raise


def getitem(x: Tensor, key):
    key = _top_key(key)
    _check_steps(key)
    if type(key) is int and x._buf.ndim and not -x._buf.shape[0] <= key < x._buf.shape[0]:
        raise IndexError(f"index {key} is out of bounds for dimension 0 with size "
                         f"{x._buf.shape[0]}")
    if type(key) is bool:                   # x[True]: a new dimension of size 1 (0: False)
        return two_step(x, (key,))
    if isinstance(key, tuple):
        key = tuple(_scalar_key(k) for k in key)
        if has_bool(key):
            return two_step(x, key)
        adv = [i for i, k in enumerate(key) if _is_advanced(k)]
        if not adv:
            return _basic(x, key)
        out = _advanced_tuple(x, key, adv)
        if out is None:                     # (another mix: the basic indices first)
            return two_step(x, key)
        return labelled(out, "IndexBackward0", x, edges=(x,))
    if not _is_advanced(key):
        if key is Ellipsis:                 # a new view of all of x, as PyTorch's
            return alias(x, "AliasBackward0")
        return _basic(x, key)
    m = _host(key)
    if m.dtype == np.bool_:
        pos, k = _mask_positions(x, key)
        flat = _ops.reshape(x, (math.prod(x.shape[:k]),) + tuple(x.shape[k:]))  # (not -1:
        # ambiguous for an empty tensor with an empty trailing dimension)
        return labelled(take(flat, _index_tensor(pos, flat.shape[0], x)), "IndexBackward0", x,
                        edges=(x,))
    if m.dtype.kind not in "iu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return take(x, _index_tensor(m, x.shape[0], x))


def _advanced_tuple(x: Tensor, key: tuple, adv: list):
    if adv == list(range(len(adv))):                 # x[rows, cols, ...]: leading axes
        arrays = [_host(key[i]) for i in adv]
        if any(a.dtype == np.bool_ for a in arrays):
            return None                     # (a mask beside other indices: two_step)
        shape = _broadcast_shape(arrays)
        flat_idx = _ravel(arrays, tuple(x.shape[:len(adv)]), shape)
        flat = _ops.reshape(x, (math.prod(x.shape[:len(adv)]),) + tuple(x.shape[len(adv):]))
        t = Tensor._wrap(flat_idx)          # (in bounds and fresh: _ravel's)
        out = take(flat, t if not x.is_cuda else t.cuda())
        rest = key[len(adv):]
        return getitem(out, (slice(None),) * out.ndim if not rest else
                       (slice(None),) * len(shape) + rest) if rest else out
    if len(adv) == 1 and all(k == slice(None) for k in key[:adv[0]]):   # x[:, idx]
        d = adv[0]
        perm = (d,) + tuple(i for i in range(x.ndim) if i != d)
        moved = _ops.transpose(x, perm)
        picked = getitem(moved, key[d])
        n_idx = picked.ndim - (x.ndim - 1)
        back = tuple(range(n_idx, n_idx + d)) + tuple(range(n_idx)) + \
            tuple(range(n_idx + d, picked.ndim))
        out = _ops.transpose(picked, back)
        rest = key[d + 1:]
        return getitem(out, (slice(None),) * (d + n_idx) + rest) if rest else out
    return None                             # (any other mix: two_step)


def setitem(x: Tensor, key, value) -> None:
    given, key = key, _top_key(key)
    if key is not given and _u8_fill(given, value):     # (a uint8 mask was cast to bool)
        getitem(x.detach(), key)            # (the mask's shape error first, as PyTorch's)
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           "unsigned char")
    if type(key) is slice or type(key) is tuple:
        _check_steps(key)                   # (x[::-1] = v: PyTorch's ValueError)
    if type(key) is bool:                   # PyTorch's: x[False] = v does nothing at all,
        if key:                             # x[True] = v is x[None] = v
            setitem(x, None, value)
        return
    if type(key) is tuple and has_bool(key):
        # PyTorch's: the basic indices' view (a bool a new dimension), then the bools' index
        # put into it (x's grad_fn then CopySlices, its errors those of a view's in-place)
        basic, vkey = split_key(x, key)
        x[basic][vkey] = value
        return
    if type(key) is tuple and _ints_apart(key):
        # PyTorch's: the ints select first (applySlicing), then the advanced indices on that
        # view; NumPy's order (an int an advanced index too) moved x[1, :, idx]'s dims
        basic, vkey = split_key(x, tuple(_scalar_key(k) for k in key))
        x[basic][vkey] = value
        return
    try:
        x._check_inplace()
    except RuntimeError as e:               # (PyTorch writes into the key's view of a leaf)
        if str(e).startswith("a leaf Variable") and makes_view(x, key):
            raise RuntimeError(ERR_VIEW_OF_LEAF) from None
        if str(e) == ERR_NO_GRAD:           # (of a no_grad view: the key's last view op)
            op = None
            for k in key if type(key) is tuple else (key,):
                op = "Select" if type(k) is int else "Unsqueeze" if k is None else \
                    "Slice" if type(k) is slice and k != slice(None) else op
            if op is not None:
                raise RuntimeError(ERR_NO_GRAD.replace("A view was created", f"Output 0 of {op}"
                                                       " is a view of a view which was created"))
        raise
    if isinstance(value, Tensor):
        if value.device != x.device:
            value = value.to(x.device)
        value = value._cast(x.dtype)
    elif isinstance(value, (np.ndarray, list)):
        from .creation import tensor as _tensor
        value = _tensor(np.asarray(value, dtype=x._buf.dtype), device=x.device)
    elif x._buf.dtype.kind in "biu":       # (a number as PyTorch converts it: 2.7 -> 2)
        value = scalar_as(_real_part(value, x._buf.dtype), x._buf.dtype)
    elif (type(value) is float or type(value) is int) and not -65504.0 <= value <= 65504.0:
        value = fill_scalar(value, x._buf.dtype, 1)     # (ATen fills a 0-d tensor: float16
        #                                                 rounded to inf, float32's refusal)
    if isinstance(key, Tensor) and key._buf.dtype == np.bool_:
        mask_check(tuple(x.shape), tuple(key.shape), 0)
        if isinstance(value, Tensor) and value.ndim > 0 and \
                tuple(value.shape) != tuple(x.shape):
            x._commit(_assign_advanced(x, key, value))     # x[mask] = the selected values
            return
        mask = key
        if _write_advanced_in_place(x, key, value):
            return
        y = _masked_where(x, mask, value)
        if y is not None:
            x._commit(labelled(y, "IndexPutBackward0", x))
            return
        if mask.ndim < x.ndim:
            mask = _ops.reshape(mask, tuple(mask.shape) + (1,) * (x.ndim - mask.ndim))
        x._commit(labelled(_ops.where(mask, value, x), "IndexPutBackward0", x,
                           *((value,) if isinstance(value, Tensor) else ())))
        return
    if isinstance(key, tuple):
        key = tuple(_scalar_key(k) for k in key)
        if any(_is_advanced(k) for k in key):
            # an integer beside an advanced index is one too (NumPy's and PyTorch's rule):
            # x[range(n), 3] = v writes x[i, 3] for each i
            key = tuple(np.asarray(k, dtype=np.int64) if type(k) is int else k for k in key)
            if not _write_advanced_in_place(x, key, value):
                x._commit(_assign_advanced(x, key, value))
            return
    elif _is_advanced(key):
        if not _write_advanced_in_place(x, key, value):
            x._commit(_assign_advanced(x, key, value))
        return
    check_view_write(x._buf, key, value)     # (x[1:] = x[:-1]: PyTorch's copy_ refuses)
    if _write_in_place(x, key, value):
        return
    # PyTorch's node of a basic-index write into a tensor with a history: CopySlices
    try:
        out = _ops.index_update(x, key, value)
    except IndexError:                      # (PyTorch's words: too many, out of bounds)
        check_basic(x, key if type(key) is tuple else (key,))
        raise
    except TypeError:
        key_type_error(key)
        raise
    except ValueError:                      # (NumPy's words: PyTorch's copy_ into the view)
        if isinstance(value, Tensor):
            expand_error(tuple(getitem(x.detach(), key).shape), value)
        raise
    x._commit(labelled(out, "CopySlices", x, *((value,) if isinstance(value, Tensor) else ())))


_WIDE = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))


def _write_in_place(x: Tensor, key, value) -> bool:
    """A basic-index write that nothing records (no gradient through ``x`` or ``value``, no
    trace or forward-mode level) straight into ``x``'s CPU memory, as PyTorch's ``copy_``
    into the key's view: ``x[i, 0, a:b] += 1`` in a loop built a whole new ``x`` per write
    (``index_update``) and copied it back (issue 19: the "Learn the Basics" tutorial's dataset
    of 160 images, 41 us a write).  The version is bumped as ``_commit`` bumps it.  False,
    having written nothing, for anything else (NumPy refuses a write it cannot make before
    it writes: the general path then raises PyTorch's words)."""
    b = x._buf
    if type(b) is not np.ndarray or (STATE.enabled and x._rg) or _follows_ops():
        return False
    if isinstance(value, Tensor):
        vb = value._buf
        if type(vb) is not np.ndarray or vb.dtype != b.dtype or \
                (STATE.enabled and value._rg):
            return False
    elif type(value) is float or type(value) is int:
        if b.dtype not in _WIDE:            # (16-bit floats and integers: their conversions)
            return False
        vb = value
    elif isinstance(value, np.generic) and value.dtype == b.dtype:
        vb = value                          # (a number setitem converted for an integer or
    else:                                   # bool tensor: scalar_as, PyTorch's checks done)
        return False
    try:
        b[key] = vb
    except (IndexError, ValueError, TypeError):
        return False
    x._vc[0] += 1
    return True


_INDEX_DTYPES = frozenset(np.dtype(t) for t in (np.int64, np.int32, np.bool_))


def _write_advanced_in_place(x: Tensor, key, value) -> bool:
    """``_write_in_place`` for a key with index tensors (int64, int32 or bool, on the CPU) or
    index arrays (an int beside them, made one by ``setitem``) beside ints, slices, None and
    Ellipsis: NumPy's assignment with their host arrays, whose rules are PyTorch's here (the
    advanced dimensions placed alike, a value broadcast to ``x[key]`` after its leading 1s
    are dropped).  The last of repeated positions wins, as in the general path; NumPy checks
    every index (and the value's shape) before it writes anything, so a refused write writes
    nothing and the general path raises PyTorch's error (PyTorch itself writes the rows before
    an out-of-bounds index).  Issue 19: ``conf[idx] = 0.5`` recorded six ops, 131 us against
    PyTorch's 4."""
    np_key: list = []
    for k in key if type(key) is tuple else (key,):
        if isinstance(k, Tensor):
            kb = k._buf
            if type(kb) is not np.ndarray or kb.dtype not in _INDEX_DTYPES:
                return False
            np_key.append(kb)
        elif type(k) is np.ndarray and k.dtype in _INDEX_DTYPES or type(k) is slice or \
                type(k) is int or k is None or k is Ellipsis:
            np_key.append(k)
        else:
            return False
    return _write_in_place(x, tuple(np_key) if type(key) is tuple else np_key[0], value)


def _masked_where(x: Tensor, mask: Tensor, value):
    """``where(mask, value, x)`` for a CPU float32/float64 ``x``, a mask of its shape and a
    Python number, outside traces, forward AD and autocast: the where kernel and the node
    ``_finish`` records, without the op's promotion and the general dispatch (issue 19: d2l's
    ``X[~mask] = -1e6`` on scores that require grad, 43 -> ~25 us); None for anything else."""
    xb, mb = x._buf, mask._buf
    if type(xb) is not np.ndarray or type(mb) is not np.ndarray or mb.shape != xb.shape or \
            (xb.dtype != _F32 and xb.dtype != _F64) or \
            (type(value) is not float and type(value) is not int) or _D._AUTOCAST or \
            _follows_ops():
        return None
    cb = scalar_buffer(value, xb.dtype)
    bufs = (mb, cb, xb)
    check_rule(_where_p, bufs, {})
    out = _where_p.kernels["cpu"](mb, cb, xb)
    return _finish(_where_p, (mask, cb, x), {}, out, x._rg, bufs)


def _u8_fill(key, value) -> bool:
    """Whether PyTorch's index_put_ of ``key`` (ints and slices aside) takes its masked_fill_
    path with a uint8 mask, which refuses it: one uint8 mask, the only advanced index, and a
    number or 0-d tensor value."""
    if not (isinstance(value, (int, float, complex)) or
            isinstance(value, Tensor) and value._buf.ndim == 0):
        return False
    adv = [k for k in (key if isinstance(key, tuple) else (key,))
           if not (type(k) is int or type(k) is slice or k is None or k is Ellipsis)]
    return len(adv) == 1 and isinstance(adv[0], Tensor) and adv[0]._buf.dtype.char == "B"


def _ints_apart(key: tuple) -> bool:
    """Whether ``key`` holds an int and an advanced index not all side by side (where NumPy's
    placement of the advanced dimensions differs from PyTorch's select-first one)."""
    pos = []
    has_int = has_adv = False
    for i, k in enumerate(key):
        t = type(k)
        if t is int:
            has_int = True
        elif t is slice or k is None or k is Ellipsis:
            continue
        elif _is_advanced(_scalar_key(k)):
            has_adv = True
        elif type(_scalar_key(k)) is int:
            has_int = True
        else:
            continue
        pos.append(i)
    return has_int and has_adv and pos[-1] - pos[0] + 1 != len(pos)


def _real_part(value, dtype: np.dtype):
    """A Python complex written into an integer or bool tensor: its real part where the
    imaginary one is 0 (a bool: whether it is nonzero), else PyTorch's overflow error."""
    if type(value) is not complex:
        return value
    if dtype.kind == "b":
        return bool(value)
    if value.imag or value.real < 0 and dtype.kind == "u":
        c_type = "int" if dtype.name == "int32" else dtype.name + "_t"
        raise RuntimeError(f"value cannot be converted to type {c_type} without overflow")
    return value.real


def _flat_positions(x: Tensor, key) -> tuple[np.ndarray, int] | None:
    """For a key that reads rows of the leading axes (an integer array, a mask, or integer
    arrays for the first axes): the flat row positions (host int64, broadcast index shape) and
    the number of leading axes they cover; None for other keys."""
    if not isinstance(key, tuple):
        key = (key,)
    adv = [i for i, k in enumerate(key) if _is_advanced(k)]
    if adv != list(range(len(adv))) or any(k != slice(None) for k in key[len(adv):]):
        return None
    arrays = [_host(key[i]) for i in adv]
    if len(arrays) == 1 and arrays[0].dtype == np.bool_:
        pos, k = _mask_positions(x, key[0])
        return pos.astype(np.int64), k
    if any(a.dtype == np.bool_ for a in arrays):      # x[0, mask] = v: a mask beside
        if any(a.dtype == np.bool_ and a.ndim != 1 for a in arrays):   # ints is its nonzero
            return None                                                # positions (NumPy's)
        arrays = [np.flatnonzero(a) if a.dtype == np.bool_ else a for a in arrays]
    if any(a.dtype.kind not in "iu" for a in arrays):
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return _ravel(arrays, tuple(x.shape[:len(adv)]), _broadcast_shape(arrays)), len(adv)


def _broadcast_shape(arrays: Sequence[np.ndarray]) -> tuple:
    """The index arrays' common shape, or PyTorch's IndexError when they do not broadcast."""
    try:
        return np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        broadcast_error([a.shape for a in arrays])
        raise


def _ravel(arrays: Sequence[np.ndarray], lead: tuple, shape: tuple) -> np.ndarray:
    """Row-major flat positions (a new int64 array of the broadcast ``shape``) of the integer
    index ``arrays`` into the leading axes ``lead``; negative indices count from the end, as
    PyTorch's IndexError says when one is out of bounds.  The bounds and signs are read on
    each array as given and the positions summed by broadcasting, so only the result has the
    full shape (``roi_align``'s four indices of (K,1,1,1,1,1) ... (K,1,1,PW,1,IX): 54 us of
    np.where on their broadcast copies per call before; issue 19)."""
    negative = []
    for j, (a, n) in enumerate(zip(arrays, lead)):
        lo = a.min() if a.size else 0
        if a.size and (a.max() >= n or lo < -n):
            bad = a[(a >= n) | (a < -n)].flat[0]
            raise IndexError(f"index {bad} is out of bounds for dimension {j} with size {n}")
        negative.append(lo < 0)
    flat = None
    stride = 1
    for j in reversed(range(len(arrays))):
        a, n = arrays[j].astype(np.int64, copy=False), lead[j]
        if negative[j]:
            a = np.where(a < 0, a + n, a)
        term = a if stride == 1 else a * stride
        flat = term if flat is None else flat + term
        stride *= n
    assert flat is not None                 # (at least one index array)
    return np.array(np.broadcast_to(flat, shape), dtype=np.int64)


def _assign_advanced(x: Tensor, key, value) -> Tensor:
    """``_assign_into``'s result named as PyTorch's ``index_put_`` node (IndexPutBackward0)."""
    out = _assign_into(x, key, value)
    return labelled(out, "IndexPutBackward0", x, *((value,) if isinstance(value, Tensor) else ()))


def _assign_into(x: Tensor, key, value) -> Tensor:
    """``x[key] = value`` for integer-array and mask keys, as a functional op: the value is
    broadcast to ``x[key]``'s shape, repeated positions keep the last value (as PyTorch does on
    the CPU), and the rows are placed with ``where(hit, scatter_add(rows), x)``, so gradients
    flow to both ``x`` (where not overwritten) and ``value``.  Keys that read rows of the leading
    axes place whole rows; any other mix of arrays, integers and slices places single elements,
    at the flat positions NumPy's indexing of ``arange(x.numel())`` gives (the same rules as
    PyTorch's: ``x[:, [0, 2], 1] = v``, ``x[range(n), y] = v``)."""
    found = _flat_positions(x, key)
    if found is None:
        np_key = _ellipsis_spelled(x.ndim, tuple(
            _host(k) if isinstance(k, Tensor) else np.asarray(k) if isinstance(k, (list, range))
            else k for k in (key if isinstance(key, tuple) else (key,))))
        try:
            pos = np.arange(x.numel(), dtype=np.int64).reshape(tuple(x.shape))[np_key]
        except IndexError as e:             # NumPy's words, in PyTorch's ("dimension")
            raise IndexError(str(e).replace("for axis", "for dimension")) from None
        flat = _ops.reshape(x, (-1,))
        return _ops.reshape(_place(flat, pos, 1, _value_for(flat, value, pos.shape)),
                            tuple(x.shape))
    target = getitem(x.detach(), key)        # for its shape (x itself is not saved)
    return _place(x, *found, _value_for(target, value, tuple(target.shape)))


def _ellipsis_spelled(ndim: int, key: tuple) -> tuple:
    """``key`` with its Ellipsis written as the full slices it stands for: NumPy takes an
    Ellipsis between two index arrays as a separator even where it stands for no dimension
    (the arrays' result then goes first), PyTorch as nothing (adjacent arrays keep their
    place: ``x[:1, [0, 1], ..., mask, :]`` of a 4-d tensor)."""
    if not any(k is Ellipsis for k in key):
        return key
    used = sum(0 if k is None or k is Ellipsis else
               k.ndim if isinstance(k, np.ndarray) and k.dtype == np.bool_ else 1 for k in key)
    i = next(j for j, k in enumerate(key) if k is Ellipsis)
    return key[:i] + (slice(None),) * max(ndim - used, 0) + key[i + 1:]


def _value_for(like: Tensor, value, shape: tuple) -> Tensor:
    """The assigned value as a tensor of ``shape`` (a number: in ``like``'s dtype and device)."""
    if not isinstance(value, Tensor):
        if tuple(like.shape) == shape:
            return _ops.full_like(like.detach(), value)
        filled = Tensor._wrap(np.full(shape, value, dtype=like._buf.dtype))
        return filled.cuda() if like.is_cuda else filled
    vs = tuple(value.shape)
    while len(vs) > len(shape) and vs[0] == 1:   # (PyTorch drops a value's leading 1s)
        vs = vs[1:]
    if vs != tuple(value.shape):
        value = _ops.reshape(value, vs)
    if tuple(value.shape) != shape:
        try:
            if np.broadcast_shapes(tuple(value.shape), shape) != shape:
                raise ValueError        # (it must broadcast *to* the result's shape)
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(value.shape)} "
                               f"cannot be broadcast to indexing result of shape "
                               f"{list(shape)}") from None
        return _ops.broadcast_to(value, shape)
    return value


def _place(x: Tensor, pos: np.ndarray, k: int, value: Tensor) -> Tensor:
    """``x`` with the rows of ``value`` (leading shape ``pos.shape``) written at the flat
    positions ``pos`` of its first ``k`` axes; the last of repeated positions wins."""
    rest = tuple(x.shape[k:])
    rows = _ops.reshape(value, (pos.size,) + rest)     # (value's leading shape is pos's)
    order = pos.reshape(-1)
    # the last occurrence of each position wins
    _, last = np.unique(order[::-1], return_index=True)
    keep = np.sort(order.size - 1 - last)
    if keep.size != order.size:
        rows = take(rows, _index_tensor(keep, order.size, x))
        order = order[keep]
    n = int(np.prod(x.shape[:k], dtype=np.int64))
    hit = np.zeros(n, dtype=bool)
    hit[order] = True
    hit = hit.reshape(tuple(x.shape[:k]) + (1,) * len(rest))
    hit_t = Tensor._wrap(hit) if not x.is_cuda else Tensor._wrap(hit).cuda()
    zeros = _ops.reshape(_ops.full_like(x.detach(), 0), (n,) + rest)
    placed = _ops.scatter_add(rows, _index_tensor(order, n, x), zeros)
    return _ops.where(hit_t, _ops.reshape(placed, tuple(x.shape)), x)


# Tensor's indexing methods are these functions (tensor.py, below this module, does not import
# it).
Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
