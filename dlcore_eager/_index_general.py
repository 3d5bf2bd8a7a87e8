"""Indexing keys beyond ``_indexing``'s forms, read as PyTorch reads them.

* Python bools (and 0-d bool tensors in a tuple): ``x[True]``, ``x[False]``, ``x[None, True]``,
  ``x[0, True]``.  PyTorch's ``applySlicing`` unsqueezes a new dimension where a bool stands and
  indexes it with ``[0]`` (True) or an empty index (False): a dimension of size 1 or 0, a copy
  (IndexBackward0), after the basic indices' view (its node is IndexBackward0's next function).
* any mix of integer arrays, masks and basic indices (``x[:, i, :, j]``, ``x[True, ..., True]``):
  NumPy's advanced indexing, whose rules (separated advanced indices broadcast to the front,
  adjacent ones stay in place) are PyTorch's, of the flat positions ``arange(numel)``, then one
  ``take`` of the flattened tensor (its gradient a scatter-add, as ``index``'s).
* PyTorch's IndexError for a key of another type (``x[1.5]``, ``x[np.True_]``).
"""

from __future__ import annotations

import re

import numpy as np

from dlcore import ops as _ops
from dlcore.ops.gather import take

from ._dims import expand_count_error
from ._graph import labelled
from ._host import host as _host
from .tensor import Tensor

_EMPTY = np.zeros(0, dtype=np.int64)
_ZERO = np.zeros(1, dtype=np.int64)


def has_bool(key: tuple) -> bool:
    """Whether the tuple ``key`` holds a Python bool or a 0-d bool tensor."""
    for k in key:
        if type(k) is bool or (isinstance(k, Tensor) and k._buf.ndim == 0 and
                               k._buf.dtype == np.bool_):
            return True
    return False


def _spans(k) -> int:
    """How many of the indexed tensor's dimensions index ``k`` uses (PyTorch's
    ``count_specified_dimensions``: a mask its dimensions, None, ``...`` and bools none)."""
    if k is None or k is Ellipsis or type(k) is bool:
        return 0
    if isinstance(k, Tensor):
        return k.ndim if k._buf.dtype == np.bool_ else 1
    if isinstance(k, np.ndarray) and k.dtype == np.bool_:
        return k.ndim
    return 1


def check_basic(x: Tensor, key: tuple) -> None:
    """PyTorch's IndexError for ``key``'s basic indices on ``x``, where one is wrong: too many
    indices, or an int out of bounds (``applySelect``'s words: the int's position in the key,
    the size of the dimension it selects)."""
    spec = sum(_spans(k) for k in key)
    if spec > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    sizes = list(x.shape)
    dim = 0
    for i, k in enumerate(key):
        if k is None or type(k) is bool:
            sizes.insert(dim, 1)
            dim += 1
        elif k is Ellipsis:
            dim += x.ndim - spec
        elif type(k) is int:
            n = sizes[dim]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {i} with size {n}")
            del sizes[dim]
        else:
            dim += _spans(k)


def split_key(x: Tensor, key: tuple) -> tuple:
    """``key`` as PyTorch's ``applySlicing`` then ``index`` read it: ``(basic, advanced)``, the
    basic indices (ints, slices, None, ``...``, each bool a new dimension: None) for one view
    of ``x``, and the advanced ones on that view (the bools' ``[0]`` or empty index, integer
    arrays, masks, full slices between them)."""
    key = tuple(bool(k.item()) if isinstance(k, Tensor) and k._buf.ndim == 0 and
                k._buf.dtype == np.bool_ else k for k in key)
    check_basic(x, key)
    spec = sum(_spans(k) for k in key)
    basic: list = []
    adv: list = []                          # (position on the view, index)
    dim = 0
    for k in key:
        if type(k) is bool:
            basic.append(None)
            adv.append((dim, _ZERO if k else _EMPTY))
            dim += 1
        elif k is None or type(k) is slice:
            basic.append(k)
            dim += 1
        elif k is Ellipsis:
            basic.append(k)
            dim += x.ndim - spec
        elif isinstance(k, (Tensor, list, np.ndarray, range)):
            n = _spans(k)
            basic.extend([slice(None)] * n)
            adv.append((dim, k))
            dim += n
        else:                               # an int, or a key PyTorch refuses (its error)
            basic.append(k)
    vkey: list = []
    dim = 0
    for d, k in adv:                        # (full slices between: a mask spans its dims)
        vkey += [slice(None)] * (d - dim)
        vkey.append(k)
        dim = d + _spans(k)
    return tuple(basic), tuple(vkey)


def two_step(x: Tensor, key: tuple) -> Tensor:
    """``x[key]`` through ``split_key``: the basic indices' view, then the advanced ones on it
    (``advanced``), named IndexBackward0 over the view.  For a tuple holding bools
    (``has_bool``), and for the mixes ``_indexing`` has no shorter path for (``x[0, :, idx]``:
    the int selects first)."""
    basic, vkey = split_key(x, key)
    view = x[basic]
    return labelled(advanced(view, vkey), "IndexBackward0", view, edges=(view,))


def advanced(x: Tensor, key: tuple) -> Tensor:
    """``x[key]`` for a tuple of full slices and advanced indices (integer arrays, masks), by
    NumPy's rules (PyTorch's for such keys) on the flat positions of ``x``, then one ``take``
    of the flattened tensor; PyTorch's errors (an index out of bounds: its ordinal among the
    advanced indices, a mask's dimensions each counted); the caller names the node."""
    np_key = tuple(_host(k) if isinstance(k, Tensor) else
                   np.asarray(k) if isinstance(k, (list, range)) else k for k in key)
    shape = tuple(x.shape)
    j = d = 0                               # (the ordinal among advanced indices; the dim)
    for k in np_key:
        if type(k) is slice:
            d += 1
            continue
        if k.dtype == np.bool_:
            mask_check(shape, k.shape, d)
            j += k.ndim
            d += k.ndim
            continue
        if k.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        n = shape[d]
        if k.size and (k.max() >= n or k.min() < -n):
            bad = k[(k >= n) | (k < -n)].flat[0]
            raise IndexError(f"index {bad} is out of bounds for dimension {j} with size {n}")
        j += 1
        d += 1
    try:
        pos = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)[
            np_key]
    except IndexError as e:
        msg = str(e)
        if msg.startswith("shape mismatch"):    # (PyTorch's words for the shapes)
            broadcast_error([tuple(int(n) for n in p.replace(" ", "").split(",") if n)
                             for p in re.findall(r"\(([\d, ]*)\)", msg)])
        raise IndexError(msg) from None
    flat = _ops.reshape(x, (-1,))
    idx = Tensor._wrap(np.ascontiguousarray(pos))
    return take(flat, idx if not x.is_cuda else idx.cuda())


def mask_check(shape: tuple, mask: tuple, start: int) -> None:
    """PyTorch's IndexError where a mask of shape ``mask`` indexing dims ``start``... of a tensor
    of ``shape`` does not fit (its first differing dimension)."""
    if start + len(mask) > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    for j, n in enumerate(mask):
        if n != shape[start + j]:
            raise IndexError(f"The shape of the mask {list(mask)} at index {j} does not match "
                             f"the shape of the indexed tensor {list(shape)} at index "
                             f"{start + j}")


def broadcast_error(shapes) -> None:
    """PyTorch's IndexError for index tensors of ``shapes`` that do not broadcast together."""
    raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                     "shapes " + ", ".join(str(list(s)) for s in shapes))


def makes_view(x: Tensor, key) -> bool:
    """Whether PyTorch's ``applySlicing`` of ``key`` on ``x`` makes a view rather than give
    ``x`` itself (an int, None, a bool or a slice that is not all of its dimension)."""
    key = key if type(key) is tuple else (key,)
    spec = sum(_spans(k) for k in key)
    dim = 0
    for k in key:
        if k is Ellipsis:
            dim += x.ndim - spec
        elif type(k) is slice:
            n = x.shape[dim] if dim < x.ndim else 0
            if k.start not in (None, 0) or k.step not in (None, 1) or \
                    (k.stop is not None and k.stop < n):
                return True
            dim += 1
        elif k is None or type(k) is bool or type(k) is int:
            return True
        else:
            dim += _spans(k)
    return False


def expand_error(target: tuple, value: Tensor) -> None:
    """PyTorch's error where ``value`` does not expand to ``target`` (``copy_`` into a basic
    index's view, its leading 1s dropped first), if it is one of those."""
    shape = tuple(value.shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    if len(shape) > len(target):
        raise expand_count_error(shape, value._buf.dtype, target)
    for i in range(len(target) - 1, -1, -1):
        j = len(shape) - len(target) + i
        n = shape[j] if j >= 0 else 1
        if n != target[i] and n != 1:
            raise RuntimeError(f"The expanded size of the tensor ({target[i]}) must match the "
                               f"existing size ({n}) at non-singleton dimension {i}.  Target "
                               f"sizes: {list(target)}.  Tensor sizes: {list(shape)}")


def key_type_error(key) -> None:
    """PyTorch's IndexError for an index of a type it does not take (``x[1.5]``, a NumPy bool);
    nothing for a key of valid types (the caller's own error stands)."""
    for k in key if type(key) is tuple else (key,):
        if k is None or k is Ellipsis or isinstance(k, (int, slice, Tensor, list, range,
                                                        np.ndarray, np.integer)):
            if not isinstance(k, np.bool_):
                continue
        t = type(k)
        if t is str:                        # (a sequence to PyTorch: its tensor() error)
            raise TypeError("new(): invalid data type 'str'")
        name = t.__name__ if t.__module__ == "builtins" or t.__flags__ & (1 << 9) else \
            f"{t.__module__}.{t.__name__}"
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         f"Variables are valid indices (got {name})")
