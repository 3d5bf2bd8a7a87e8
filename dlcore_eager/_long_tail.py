"""Everyday ``torch.*`` functions from PyTorch's long tail, written as PyTorch writes them:
type promotion queries (``promote_types``, ``can_cast``, ``result_type``), ``ravel``/
``flipud``/``fliplr``, ``is_nonzero``, the storage views ``as_strided``/``empty_strided``/
``frombuffer`` and the ``torch.layout`` ``torch.strided``.  (``addcmul``/``addcdiv``,
``chain_matmul`` and ``torch.lu``, which write ``out=`` through ``_api``, are in
``_long_tail_ops``: this module stays below ``_api`` and ``_dispatch`` in the import graph, so
that they can use its layout and promotion rules.)

Storage.  A CPU tensor's memory is a NumPy array; its *storage* is the array at the root of its
``.base`` chain (the memory block a factory allocated), and ``storage_offset()`` counts elements
from that block's start.  ``as_strided`` reads that block with the given sizes and strides, as
PyTorch reads the tensor's storage: a true view (shared memory and version counter) when nothing
is recorded.  When autograd records it, the result is computed as a gather
(``x.reshape(-1).index_select``) of the input's elements at the same storage positions, so the
gradient is PyTorch's (overlapping windows sum); that recorded result holds its own memory.
Everything is composed from existing operations: the gradients are theirs.  dlcore has no
complex32, so where PyTorch's promotion gives it (a float16 tensor with a complex number) the
result here is complex64.
"""

from __future__ import annotations

import builtins
import numbers
import warnings

import numpy as np

from dlcore import dtypes as _dt

from . import _dtype as D
from ._tensor_aux import storage_of
from .tensor import Tensor

# ----------------------------------------------------------------------------- layout


class layout:
    """A tensor memory layout; dlcore has PyTorch's default one, ``torch.strided``."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


strided = layout("strided")


# ----------------------------------------------------------------------------- promotion
def _need_dtype(fn: str, arg: str, pos: int, value) -> np.dtype:
    if not isinstance(value, D.dtype):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be torch.dtype, not "
                        f"{type(value).__name__}")
    return value.np_dtype


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promotion table: a higher category (bool < integer < float < complex) wins,
    otherwise the wider type (uint8 with int8: int16; float16 with bfloat16: float32); complex
    with float takes the wider width (complex64 with float64: complex128)."""
    if a == b:
        return a
    ca, cb = D.category(a), D.category(b)
    if {ca, cb} == {2, 3}:            # complex with float: the complex type of the wider width
        c, f = (a, b) if ca == 3 else (b, a)
        real = np.dtype(np.float32 if c == np.complex64 else np.float64)
        return np.dtype(_dt.to_complex(np.dtype(_dt.promote_types(real, f))))
    if ca != cb:
        return a if ca > cb else b
    return np.dtype(_dt.promote_types(a, b))


def promote_types(type1, type2):
    """The smallest dtype to which both ``type1`` and ``type2`` can be promoted without losing
    their category: ``promote_types(torch.int32, torch.float32) == torch.float32``."""
    a = _need_dtype("promote_types", "type1", 1, type1)
    b = _need_dtype("promote_types", "type2", 2, type2)
    return D.from_numpy_dtype(_promote(a, b))


def can_cast(from_, to) -> builtins.bool:
    """Whether PyTorch's casting rules allow ``from_`` to ``to``: never complex to a real type,
    never floating point to an integer, never a non-bool to bool (narrowing within a category
    is allowed)."""
    a = _need_dtype("can_cast", "from_", 1, from_)
    b = _need_dtype("can_cast", "to", 2, to)
    if D.category(a) == 3 and D.category(b) != 3:
        return False
    if D.category(a) == 2 and D.category(b) == 1:
        return False
    return not (a != np.bool_ and b == np.bool_)


def _combine(higher, lower):
    """PyTorch's ``combine_categories`` (None stands for no operand of that tier)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if D.category(higher) == 3:
        return higher
    if D.category(lower) == 3:        # a float keeps its width, as the complex type
        return np.dtype(_dt.to_complex(higher)) if D.category(higher) == 2 else lower
    if D.category(higher) == 2:
        return higher
    if higher == np.bool_ or D.category(lower) == 2:
        return _promote(higher, lower)
    return higher


def _result_dtype(operands) -> np.dtype:
    """PyTorch's three tiers: dimensioned tensors, zero-dimensional tensors and Python numbers
    (a float number counts as the default dtype, a complex one as its complex type, an int as
    int64); a lower tier changes the result only when its category is higher."""
    tiers: list = [None, None, None]
    for v in operands:
        if isinstance(v, Tensor):
            d, tier = v._buf.dtype, (0 if v.dim() else 1)
        elif isinstance(v, (builtins.bool, np.bool_)):
            d, tier = np.dtype(np.bool_), 2
        elif isinstance(v, numbers.Integral):
            d, tier = np.dtype(np.int64), 2
        elif isinstance(v, builtins.complex):
            d, tier = np.dtype(D.default_complex()), 2
        else:
            d, tier = D.get_default_dtype().np_dtype, 2
        tiers[tier] = d if tiers[tier] is None else _promote(tiers[tier], d)
    return _combine(tiers[0], _combine(tiers[1], tiers[2]))


def result_type(tensor, other):
    """The dtype of an arithmetic operation on ``tensor`` and ``other`` (tensors or numbers),
    by PyTorch's rules: ``result_type(int32_tensor, 5.0) == torch.float32``,
    ``result_type(int8_tensor_1d, int64_0d_tensor) == torch.int8``."""
    for v in (tensor, other):
        if not isinstance(v, (Tensor, numbers.Number)):
            names = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__
                              for a in (tensor, other))
            raise TypeError(f"result_type() received an invalid combination of arguments - got "
                            f"({names}), but expected one of:\n * (Tensor tensor, Tensor other)"
                            "\n * (Number scalar, Tensor tensor)\n * (Tensor tensor, Number "
                            "other)\n * (Number scalar1, Number scalar2)")
    return D.from_numpy_dtype(_result_dtype((tensor, other)))


# ----------------------------------------------------------------------------- shapes
def ravel(input: Tensor) -> Tensor:
    """A 1-D view of ``input`` when it is contiguous, else a contiguous copy."""
    return input.reshape(-1)


def flipud(input: Tensor) -> Tensor:
    """``input`` flipped along dimension 0 (a copy, as PyTorch's)."""
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return input.flip(0)


def fliplr(input: Tensor) -> Tensor:
    """``input`` flipped along dimension 1 (a copy, as PyTorch's)."""
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return input.flip(1)


def is_nonzero(input: Tensor) -> builtins.bool:
    """The truth value of a one-element tensor (RuntimeError for any other size)."""
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return builtins.bool(input.item())


# ----------------------------------------------------------------------------- storage views
_storage = storage_of         # (root array, offset of a buffer in elements: _tensor_aux's)


def storage_offset(self) -> builtins.int:
    """The tensor's first element's offset, in elements, from the start of its storage."""
    if self.is_cuda:
        return 0
    return _storage(self._buf)[1]


def _check_geometry(size, stride, offset, itemsize, storage_elems, fn="as_strided"):
    size, stride = tuple(builtins.int(s) for s in size), tuple(builtins.int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"{fn}: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: "
                           f"{list(size)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if need > storage_elems:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {itemsize} requiring a storage size "
                           f"of {need * itemsize} are out of bounds for storage of size "
                           f"{storage_elems * itemsize}")
    return size, stride


def _positions(shape, strides, offset) -> np.ndarray:
    """The storage position (in elements) of each element of a strided geometry."""
    pos = np.full(tuple(shape), offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        idx = np.arange(n, dtype=np.int64) * s
        pos = pos + idx.reshape((-1,) + (1,) * (len(shape) - d - 1))
    return pos


def as_strided(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    """A view of ``input``'s storage with the given ``size``, ``stride`` and
    ``storage_offset`` (in elements; default: ``input``'s own)."""
    from ._state import STATE
    if input.is_cuda:
        raise RuntimeError("dlcore_eager: as_strided is implemented for CPU tensors only")
    buf = input._buf
    root, own = _storage(buf)
    item = buf.dtype.itemsize
    offset = own if storage_offset is None else builtins.int(storage_offset)
    size, stride = _check_geometry(size, stride, offset, item, root.nbytes // item)
    if not root.flags.c_contiguous:     # an exotic root, not one block: refuse, never guess
        raise RuntimeError("dlcore_eager: as_strided needs a tensor whose storage is one "
                           "contiguous block; call .contiguous() first")
    view = np.ndarray(size, dtype=buf.dtype, buffer=root, offset=offset * item,
                      strides=tuple(s * item for s in stride))
    if not (input._rg and STATE.enabled):
        return Tensor._wrap(view, input._vc)
    # recorded: gather the input's elements at the same storage positions
    xs = tuple(builtins.int(s) // item for s in buf.strides)
    pos_in = _positions(buf.shape, xs, own).reshape(-1)
    pos_out = _positions(size, stride, offset).reshape(-1)
    order = np.argsort(pos_in, kind="stable")          # the input element at each position
    at = np.minimum(np.searchsorted(pos_in[order], pos_out), max(pos_in.size - 1, 0))
    covered = pos_in[order][at] == pos_out if pos_in.size else np.zeros(pos_out.size, bool)
    idx = order[at] if pos_in.size else np.zeros(pos_out.size, np.int64)
    flat = input.reshape(-1)
    got = flat.index_select(0, Tensor._wrap(np.where(covered, idx, 0)))
    if not covered.all():      # storage outside the input: constant values, no gradient
        const = Tensor._wrap(np.ascontiguousarray(view).reshape(-1))
        got = got.where(Tensor._wrap(covered), const)
    return got.reshape(size)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None,
                  requires_grad: builtins.bool = False, pin_memory: builtins.bool = False
                  ) -> Tensor:
    """An uninitialised tensor with the given sizes and strides (in elements)."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality "
                           f"of strides ({len(stride)})")
    npd = D.to_numpy_dtype(dtype)
    need = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    _check_geometry(size, stride, 0, npd.itemsize, need, "empty_strided")
    root = np.zeros(need, dtype=npd)
    t = Tensor._wrap(np.ndarray(size, dtype=npd, buffer=root,
                                strides=tuple(s * npd.itemsize for s in stride)))
    if device is not None:
        from dlcore.device import as_device
        if as_device(device).type == "cuda":
            t = t.cuda()
    if requires_grad:
        t.requires_grad_(True)
    return t


def frombuffer(buffer, *, dtype, count: builtins.int = -1, offset: builtins.int = 0,
               requires_grad: builtins.bool = False) -> Tensor:
    """A 1-D tensor sharing memory with an object that implements the buffer protocol."""
    npd = D.to_numpy_dtype(dtype)
    mem = memoryview(buffer)
    length, item = mem.nbytes, npd.itemsize
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than "
                         f"buffer length ({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % item:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} "
                             f"bytes) must be a multiple of element size ({item})")
        count = (length - offset) // item
    elif count * item > length - offset:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset "
                         f"({offset} bytes) must not be greater than actual buffer length "
                         f"({length} bytes)")
    if mem.readonly:
        warnings.warn("The given buffer is not writable, and PyTorch does not support "
                      "non-writable tensors. This means you can write to the underlying "
                      "(supposedly non-writable) buffer using the tensor. You may want to copy "
                      "the buffer to protect its data or make it writable before converting it "
                      "to a tensor. This type of warning will be suppressed for the rest of "
                      "this program. (dlcore_eager keeps such a tensor read-only: writing to "
                      "it raises.)", UserWarning, stacklevel=2)
    t = Tensor._wrap(np.frombuffer(mem.cast("B"), dtype=npd, count=count, offset=offset))
    if requires_grad:
        t.requires_grad_(True)
    return t


FUNCTIONS = ["promote_types", "can_cast", "result_type", "ravel", "flipud", "fliplr",
             "is_nonzero", "as_strided", "empty_strided", "frombuffer", "layout", "strided"]
METHODS = ["ravel", "flipud", "fliplr", "is_nonzero", "as_strided", "storage_offset"]


def install(module) -> None:
    """Put the functions on ``dlcore_eager`` and the methods on Tensor (never overriding)."""
    from ._install import install_names
    install_names(module, globals(), FUNCTIONS, METHODS)
