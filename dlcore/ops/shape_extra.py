"""Shape and indexing composites with PyTorch's names: data movement written with the shape
primitives (transpose, reshape, broadcast_to, getitem, flip, roll), the gather ``take`` and the
``index_add`` primitive, so every gradient comes from their vjps.

    index_select(x, d, i)        take along axis d (moved first, taken, moved back)
    index_add(x, d, i, s, alpha) the index_add primitive of x, i and alpha s along axis d
    masked_select(x, m)          x[m] flattened (positions from ``nonzero``: data-dependent size)
    repeat(x, *sizes) / tile     reshape to (1, a, 1, b), broadcast to (r1, a, r2, b), reshape
    repeat_interleave(x, r, d)   expand_dims after d, broadcast r, merge
    flip(x, dims)                the flip primitive (``flip_roll``: a new array, as PyTorch's)
    roll(x, shifts, dims)        the roll primitive (``flip_roll``)
    narrow(x, d, start, length)  getitem
    movedim(x, src, dst)         transpose
    unflatten(x, d, sizes)       reshape
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..api import exports
from ..device import const_like, to_host
from ..errors import IndexOutOfBounds, ShapeError
from ..registry import aval_of
from . import _rules
from .elementwise import add, identity, mul
from .flip_roll import flip as _flip
from .flip_roll import roll as _roll
from .gather import take
from .indexing import getitem
from .shape import axis_to_front, broadcast_to, expand_dims, reshape, transpose
from .tile_prim import tile as _tile_prim
from .index_add_prim import index_add as _index_add_prim


def _shape(x) -> tuple:
    return tuple(aval_of(x).shape)


def _ax(op, x, d) -> int:
    shape = _shape(x)                   # (one AVal read: each costs about a microsecond)
    return _rules.normalize_axis(op, _rules.as_dim(d, op), len(shape), shape)


def _to_front(x, d):
    """``x`` with axis ``d`` moved to the front, and the permutation that moves it back (None
    for axis 0: ``x`` itself)."""
    if d == 0:
        return x, None
    perm, inv = axis_to_front(len(_shape(x)), d)
    return transpose(x, perm), inv


def _back(y, inv):
    return y if inv is None else transpose(y, inv)


def _sizes(sizes) -> tuple:
    if len(sizes) == 1 and isinstance(sizes[0], (Sequence, np.ndarray)) and \
            not isinstance(sizes[0], str):
        sizes = tuple(sizes[0])
    return tuple(_rules.as_dim(s, arg="size") for s in sizes)   # (int(0.5) was 0)


@exports({"torch": "index_select", "Tensor": "index_select"}, "args")
def index_select(x, axis, index):
    """The entries of ``x`` at ``index`` (1-D integers) along ``axis``."""
    d = _ax("index_select", x, axis)
    if len(_shape(index)) > 1:
        raise ShapeError("index_select", "index must be a vector", [_shape(x), _shape(index)])
    moved, inv = _to_front(x, d)
    return _back(take(moved, index), inv)


@exports({"torch": "index_add", "Tensor": "index_add"}, "args")
def index_add(x, axis, index, source, *, alpha=1):
    """``x`` with ``alpha * source`` added at ``index`` along ``axis`` (repeats add up)."""
    d = _ax("index_add", x, axis)
    if not len(_shape(index)):          # (PyTorch's 0-d index: one position, v keeps the axis)
        index = reshape(index, (1,))
    if alpha != 1:
        source = mul(source, alpha)
    return _index_add_prim(x, index, source, d)


@exports({"torch": "masked_select", "Tensor": "masked_select"}, "args")
def masked_select(x, mask):
    """The elements of ``x`` where ``mask`` (broadcast together) is true, as a vector."""
    from .reduce_extra import nonzero
    from ._rules import broadcast_shapes
    shape = broadcast_shapes("masked_select", _shape(x), _shape(mask))
    xb = broadcast_to(x, shape) if _shape(x) != shape else x
    mb = broadcast_to(mask, shape) if _shape(mask) != shape else mask
    pos = reshape(nonzero(reshape(mb, (-1,))), (-1,))
    return take(reshape(xb, (-1,)), pos)


@exports({"torch": "tile", "Tensor": "tile"}, "args")
def tile(x, dims):
    """NumPy's tile: ``x`` repeated ``dims[i]`` times along each axis (missing ones are 1)."""
    return _tile(x, _sizes((dims,)))


def _tile(x, reps: tuple):
    shape = _shape(x)
    nd = max(len(reps), len(shape))
    reps = (1,) * (nd - len(reps)) + reps
    shape = (1,) * (nd - len(shape)) + shape
    if all(r == 1 for r in reps):
        return identity(reshape(x, shape))        # a copy all the same, as PyTorch's
    if None not in shape and not getattr(x, "_dlcore_unknown_rank", False):
        return _tile_prim(x, reps)                # (one node: .tile_prim)
    inter = tuple(v for s in shape for v in (1, s))
    target = tuple(v for r, s in zip(reps, shape) for v in (r, s))
    y = reshape(broadcast_to(reshape(x, inter), target), tuple(r * s for r, s in zip(reps, shape)))
    # Where every repeated axis has size 1 the reshape is a view with a 0 stride over ``x``
    # (read-only, its elements aliased); a tile is a new array in NumPy, TF and PyTorch, so
    # then it is copied (otherwise the reshape already made the copy).
    if all(r == 1 or s == 1 for r, s in zip(reps, shape)):
        y = identity(y)
    return y


def repeat(x, *sizes, repeats=None):
    """``Tensor.repeat(*sizes)``: tile, with at least ``x.ndim`` sizes (or the keyword
    ``repeats=``, PyTorch's name)."""
    if repeats is not None:
        if sizes:
            raise TypeError("repeat() got multiple values for argument 'repeats'")
        sizes = (repeats,)
    reps = sizes if all(type(s) is int and s >= 0 for s in sizes) else _sizes(sizes)
    if len(reps) < len(_shape(x)):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return _tile(x, reps)


exports({"Tensor": "repeat"}, "args")(repeat)


_INT_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bool": "Bool",
              "uint8": "Byte", "int8": "Char", "int16": "Short", "complex64": "ComplexFloat",
              "complex128": "ComplexDouble"}


def _counts(repeats, *, alone: bool = False):
    """The host copy of a tensor of repeat counts, checked as PyTorch checks it."""
    r = np.asarray(to_host(getattr(repeats, "_buf", repeats)))
    if r.dtype.kind not in "iu" or r.dtype.itemsize < 4:
        name = _INT_NAMES.get(r.dtype.name, r.dtype.name)
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for '{name}'")
    if r.ndim > 1 or (alone and r.ndim != 1):
        raise ShapeError("repeat_interleave", "repeat_interleave only accept 1D vector as repeat"
                         if alone else "repeats must be 0-dim or 1-dim tensor", [r.shape])
    if (r < 0).any():
        raise ShapeError("repeat_interleave", "repeats can not be negative", [r.shape])
    return r.reshape(-1)


def _check_output_size(output_size, total: int) -> None:
    if output_size is not None and int(output_size) != total:
        raise ShapeError("repeat_interleave", "allocated size does not match required size",
                         [(total,)])


@exports({"torch": "repeat_interleave"}, "args")
def repeat_interleave(x, repeats=None, axis=None, *, output_size=None):
    """Each element repeated ``repeats`` times along ``axis`` (flattened when None);
    ``repeats`` an int, or one count per element (known values: a list, array or tensor).
    ``torch.repeat_interleave(repeats)`` alone: ``i`` repeated ``repeats[i]`` times, in
    repeats' dtype (PyTorch's form that turns counts into segment ids)."""
    if repeats is None:
        r = _counts(x, alone=True)
        _check_output_size(output_size, int(r.sum()))
        idx = np.repeat(np.arange(r.shape[0], dtype=r.dtype), r)
        # (built on x, so that a front end gets its own tensor back, on x's device)
        zero = mul(take(x, const_like(np.zeros(idx.shape, np.int64), x)), 0)
        return add(zero, const_like(idx, x))
    return _repeat_interleave(x, repeats, axis, output_size=output_size)


@exports({"Tensor": "repeat_interleave"}, "args")
def _repeat_interleave(x, repeats, axis=None, *, output_size=None):
    """``Tensor.repeat_interleave(repeats, dim=None, *, output_size=None)``."""
    if axis is None:
        x, axis = (x if len(_shape(x)) == 1 else reshape(x, (-1,))), 0
    d = _ax("repeat_interleave", x, axis)
    shape = _shape(x)
    if not isinstance(repeats, (int, np.integer)):
        # a front end's tensor: its buffer's host copy (Tensor.numpy() refuses CUDA tensors)
        r = _counts(repeats)
        if r.size == 1:
            repeats = int(r[0])
            _check_output_size(output_size, shape[d] * repeats)
            output_size = None
        else:
            if r.size != shape[d]:
                raise ShapeError("repeat_interleave", "repeats must have the same size as "
                                 f"input along dim, but got repeats.size(0) = {r.size} and "
                                 f"input.size({d}) = {shape[d]}", [shape, r.shape])
            _check_output_size(output_size, int(r.sum()))
            idx = np.repeat(np.arange(shape[d], dtype=np.int64), r)
            return index_select(x, d, const_like(idx, x))
    k = int(repeats)
    if k < 0:
        raise ShapeError("repeat_interleave", "Repeats must be non-negative", [shape])
    if output_size is not None and int(output_size) != shape[d] * k:
        raise ShapeError("repeat_interleave", "repeat_interleave: Invalid output_size, "
                         f"expected {shape[d] * k} but got {int(output_size)}", [shape])
    if d == 0 and k > 1:
        # the rows picked by one gather (d2l's masked_softmax repeats its valid lengths per
        # query: 29 -> ~12 us, PyTorch 6; issue 19): the same values and gradient (take's vjp
        # adds each repeat back into its row)
        return take(x, const_like(np.repeat(np.arange(shape[0], dtype=np.int64), k), x))
    y = expand_dims(x, d + 1)
    target = shape[:d + 1] + (k,) + shape[d + 1:]
    return reshape(broadcast_to(y, target), shape[:d] + (shape[d] * k,) + shape[d + 1:])


@exports({"torch": "flip", "Tensor": "flip"}, "args")
def flip(x, *dims, **kw):
    """``x`` reversed along ``dims`` (a list, or PyTorch's ``Tensor.flip(0, 1)``)."""
    for key in kw:              # (any keyword's value was taken as dims: flip(x, dim=1) flipped)
        if key != "dims":
            raise TypeError("flip() got an unexpected keyword argument "
                            f"'{'dim' if key == 'axis' else key}'")      # (eager's dim -> axis)
    given = [_ax("flip", x, d) for d in _sizes(dims + tuple(kw.values()))]
    axes = set(given)
    if len(axes) != len(given):
        d = next(d for d in given if given.count(d) > 1)
        raise ShapeError("flip", f"dim {d} appears multiple times in the list of dims",
                         [_shape(x)])
    return _flip(x, tuple(sorted(axes)))


@exports({"torch": "roll", "Tensor": "roll"}, "args")
def roll(x, shifts, dims=None):
    """Elements shifted by ``shifts`` along ``dims`` (cyclically; flattened when None)."""
    if dims is None:
        return reshape(roll(reshape(x, (-1,)), shifts, 0), _shape(x))
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ShapeError("roll", f"shifts and dimensions must align. shifts: {len(shifts)}, "
                                 f"dims:{len(dims)}", [_shape(x)])     # (PyTorch's words)
    if not _shape(x):                   # (PyTorch's roll takes no dim of a 0-d tensor)
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    axes = tuple(_ax("roll", x, d) for d in dims)
    return _roll(x, tuple(int(s) for s in shifts), axes)      # (a new array, as PyTorch's)


@exports({"torch": "narrow", "Tensor": "narrow"}, "args")
def narrow(x, axis, start, length):
    """``x`` cut to ``length`` entries from ``start`` along ``axis``."""
    if not _shape(x):
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _ax("narrow", x, axis)
    n = _shape(x)[d]
    start, length = int(start), int(length)
    if not -n <= start <= n:            # PyTorch's classes and words, one per mistake
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if length < 0:        # IndexOutOfBounds: PyTorch's RuntimeError, and an IndexError as before
        raise IndexOutOfBounds("narrow(): length must be non-negative.")
    if start + length > n:
        raise IndexOutOfBounds(f"start ({start}) + length ({length}) exceeds dimension size "
                               f"({n}).")
    return getitem(x, (slice(None),) * d + (slice(start, start + length),))


@exports({"torch": ("movedim", "moveaxis"), "Tensor": ("movedim", "moveaxis")}, "args")
def movedim(x, source, destination):
    """Axes ``source`` moved to positions ``destination`` (the others keep their order)."""
    nd = len(_shape(x))
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):            # (PyTorch's checks and words, in its order)
        raise ShapeError("movedim", f"movedim: Invalid source or destination dims: source "
                         f"({list(src)} dims) should contain the same number of dims as "
                         f"destination ({list(dst)} dims)", [_shape(x)])
    given = src, dst
    src = tuple(_ax("movedim", x, s) for s in src)
    dst = tuple(_ax("movedim", x, s) for s in dst)
    for name, dims, g in (("source", src, given[0]), ("destination", dst, given[1])):
        if len(set(dims)) != len(dims):
            raise ShapeError("movedim", f"movedim: repeated dim in `{name}` ({list(g)})",
                             [_shape(x)])
    if nd == 0:                         # (a 0-d tensor's dim 0 / -1 to itself: unchanged)
        return x
    order = [i for i in range(nd) if i not in src]
    chosen: list[int | None] = [None] * nd
    for s, t in zip(src, dst):
        chosen[t] = s
    it = iter(order)
    perm = tuple(p if p is not None else next(it) for p in chosen)
    return transpose(x, perm) if perm != tuple(range(nd)) else x


@exports({"torch": "unflatten", "Tensor": "unflatten"}, "args")
def unflatten(x, axis, sizes):
    """Axis ``axis`` split into ``sizes`` (one may be -1)."""
    d = _ax("unflatten", x, axis)
    s = _shape(x)
    n = 1
    for v in sizes:
        n *= int(v)
    if -1 not in sizes and s[d] is not None and n != s[d]:
        raise ShapeError("unflatten", f"unflatten: Provided sizes {list(sizes)} don't multiply "
                         f"up to the size of dim {d} ({s[d]}) in the input tensor", [s])
    return reshape(x, s[:d] + tuple(int(v) for v in sizes) + s[d + 1:])


@exports({"torch": ("nonzero", "argwhere"), "Tensor": ("nonzero", "argwhere")}, "args",
         name="nonzero_torch")
def nonzero(x, *, as_tuple: bool = False):
    """``torch.nonzero``: the (n, ndim) int64 coordinates of the non-zero elements, or with
    ``as_tuple`` one index vector per dimension (``torch.where(condition)``)."""
    from .reduce_extra import nonzero as _nonzero
    nz = _nonzero(x)
    if not as_tuple:
        return nz
    nd = len(_shape(x))
    if nd == 0:     # PyTorch: one index 0 per non-zero element (tensor(1.5) -> (tensor([0]),))
        from .reduce import sum as _sum
        return (_sum(nz, 1),)
    return tuple(getitem(nz, (slice(None), i)) for i in range(nd))
