"""Everyday torch functions that are compositions of other operations (so gradients come from
theirs) or index computations done on the host: stacking helpers, ``meshgrid``,
``searchsorted``/``bucketize``, ``isclose``/``isin``, ``diff``/``kron``/``block_diag``/
``diag_embed``/``rot90``, ``xlogy``/``sinc``, ``nanmean``/``nansum``, ``cummax``/``cummin``,
``tensor_split``/``hsplit``/``vsplit``, ``take``/``take_along_dim``/``select``, the random
``multinomial``/``bernoulli``/``poisson``/``randint_like`` (from ``_random_draws``) and (from ``_switches``) the thread
and determinism switches.  Installed on ``dlcore_eager`` (and as Tensor methods where PyTorch
has them)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from dlcore.dtypes import is_floating
from dlcore.ops.elementwise import log as _log
from dlcore.ops.elementwise import where as _where
from dlcore.ops.special import xlog_torch as _xlog_torch

from . import _arg_checks as _checks
from . import _index_errors, _search
from ._closeness import isclose  # noqa: F401  (installed from FUNCTIONS/METHODS)
from ._graph import labelled
from ._host import host as _host
from ._keyword_names import split_overloads
from ._matmul_checks import check_vector_dtypes
from ._operand_rules import infer_sizes as _broadcast_shape  # (the operands' broadcast)
from ._operand_rules import wrap_dim
from ._state import STATE
from ._random_draws import (  # noqa: F401  (installed from FUNCTIONS)
    _like,
    bernoulli,
    multinomial,
    poisson,
    randint_like,
)
from ._switches import (  # noqa: F401  (installed from FUNCTIONS)
    are_deterministic_algorithms_enabled,
    get_num_threads,
    set_num_threads,
    set_printoptions,
    use_deterministic_algorithms,
)
from .tensor import Tensor

pi, e, inf, nan = math.pi, math.e, math.inf, math.nan


def _seq(tensors) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError("expected a list or tuple of tensors, got a Tensor")
    return list(tensors)


# ----------------------------------------------------------------------------- shapes
def atleast_1d(*tensors):
    """Each tensor with at least one dimension (a 0-d tensor becomes shape (1,))."""
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = [t.reshape(1) if t.dim() == 0 else t for t in ts]
    return out[0] if len(out) == 1 and len(tensors) == 1 and isinstance(tensors[0], Tensor) \
        else tuple(out)


def atleast_2d(*tensors):
    """Each tensor with at least two dimensions (new leading axes)."""
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = [t.reshape(1, 1) if t.dim() == 0 else t.unsqueeze(0) if t.dim() == 1 else t
           for t in ts]
    return out[0] if len(out) == 1 and len(tensors) == 1 and isinstance(tensors[0], Tensor) \
        else tuple(out)


def atleast_3d(*tensors):
    """Each tensor with at least three dimensions (as NumPy's ``atleast_3d``)."""
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = []
    for t in ts:
        if t.dim() == 0:
            t = t.reshape(1, 1, 1)
        elif t.dim() == 1:
            t = t.reshape(1, -1, 1)
        elif t.dim() == 2:
            t = t.unsqueeze(-1)
        out.append(t)
    return out[0] if len(out) == 1 and len(tensors) == 1 and isinstance(tensors[0], Tensor) \
        else tuple(out)


def hstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-D tensors)."""
    from ._out import write_out
    from ._signatures import cat
    ts = atleast_1d(_seq(tensors))
    return write_out(cat(ts, 0 if ts[0].dim() == 1 else 1), out, "hstack")


def vstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 0, 1-D tensors as rows."""
    from ._out import write_out
    from ._signatures import cat
    return write_out(cat(atleast_2d(_seq(tensors)), 0), out, "vstack")


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 2 (after ``atleast_3d``)."""
    from ._out import write_out
    from ._signatures import cat
    return write_out(cat(atleast_3d(_seq(tensors)), 2), out, "dstack")


def column_stack(tensors, *, out=None) -> Tensor:
    """1-D tensors as columns, then ``hstack``."""
    from ._out import write_out
    from ._signatures import cat
    ts = [t.reshape(-1, 1) if t.dim() <= 1 else t for t in _seq(tensors)]
    return write_out(cat(ts, 1), out, "column_stack")


def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to."""
    from .tensor import Size
    try:
        return Size(np.broadcast_shapes(*(tuple(s) if not isinstance(s, int) else (s,)
                                          for s in shapes)))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: "
                           f"{[tuple(s) for s in shapes]}") from None


def broadcast_tensors(*tensors):
    """The tensors expanded to their common shape (views)."""
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(*shape) for t in tensors)


@split_overloads
def tensor_split(input: Tensor, indices_or_sections, dim: int = 0):
    """Split into ``n`` nearly equal parts (the first ``size % n`` one longer) or at indices."""
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    size = input.shape[wrap_dim(dim, input.ndim)]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        bounds = np.cumsum([0] + [q + 1] * r + [q] * (n - r)).tolist()
    else:
        idx = [int(i) for i in _host(indices_or_sections).reshape(-1)]
        bounds = [0] + [min(max(i, 0), size) for i in idx] + [size]
    return tuple(input.narrow(dim, a, max(b - a, 0)) if b > a else
                 input.narrow(dim, min(a, size), 0) for a, b in zip(bounds[:-1], bounds[1:]))


def _split_dir(name, dim_fn):
    def fn(input: Tensor, indices_or_sections):
        dim = dim_fn(input)
        if isinstance(indices_or_sections, int) and input.shape[dim] % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but "
                               f"the size of the dimension {input.shape[dim]} is not divisible "
                               f"by the split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, dim)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``tensor_split`` along dimension {name[0]} (sections must divide evenly)."
    return split_overloads(fn, ("sections", "indices"))


hsplit = _split_dir("hsplit", lambda t: 0 if t.dim() == 1 else 1)
vsplit = _split_dir("vsplit", lambda t: 0)
dsplit = _split_dir("dsplit", lambda t: 2)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """``input[..., index, ...]`` along ``dim`` (that dimension removed)."""
    n = input.shape[(dim := wrap_dim(dim, input.ndim))]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {dim}")
    if type(index) is int:
        # ``input[:, ..., index]``: indexing's own SelectBackward0 view, 1 us where narrow and
        # squeeze took 20 (vmap takes each sample so, issue 19)
        return input[(_ALL,) * dim + (index,)] if dim else input[index]
    return labelled(input.narrow(dim, index % n, 1).squeeze(dim), "SelectBackward0", input)


_ALL = slice(None)


def take(input: Tensor, index: Tensor) -> Tensor:
    """Elements of ``input`` flattened, at ``index`` (its shape)."""
    _index_errors.take_checks(input, index)         # (PyTorch's errors)
    return labelled(input.reshape(-1)[index.long()] if index.dim() else
                    input.reshape(-1)[index.long().reshape(1)].reshape(()), "TakeBackward0", input,
                    edges=(input,))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` with broadcasting of the other dimensions (flattened when ``dim`` is None)."""
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1).long())
    shape = list(np.broadcast_shapes(tuple(input.shape[:dim]) + (1,) +
                                     tuple(input.shape[dim + 1:] if dim != -1 else ()),
                                     tuple(indices.shape[:dim]) + (1,) +
                                     tuple(indices.shape[dim + 1:] if dim != -1 else ())))
    ishape = list(shape)
    ishape[dim] = indices.shape[dim]
    xshape = list(shape)
    xshape[dim] = input.shape[dim]
    return input.expand(*xshape).gather(dim, indices.long().expand(*ishape))


# ----------------------------------------------------------------------------- maths
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The ``n``-th forward difference along ``dim``."""
    from ._signatures import cat
    if prepend is not None or append is not None:
        parts = ([prepend] if prepend is not None else []) + [input] + \
            ([append] if append is not None else [])
        input = cat(parts, dim)
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    for _ in range(n):
        size = input.shape[wrap_dim(dim, input.ndim)]
        if size == 0:                   # (an empty or used-up dim: empty, as PyTorch)
            break
        a, b = input.narrow(dim, 1, size - 1), input.narrow(dim, 0, size - 1)
        # (a bool tensor: PyTorch's logical_xor, since bool subtraction is refused)
        input = a ^ b if input._buf.dtype == np.bool_ else a - b
    return input


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product."""
    nd = max(input.dim(), other.dim())
    a = input.reshape((1,) * (nd - input.dim()) + tuple(input.shape))
    b = other.reshape((1,) * (nd - other.dim()) + tuple(other.shape))
    sa, sb = tuple(a.shape), tuple(b.shape)
    ai = a.reshape(tuple(x for d in sa for x in (d, 1)))
    bi = b.reshape(tuple(x for d in sb for x in (1, d)))
    return labelled((ai * bi).reshape(tuple(p * q for p, q in zip(sa, sb))),
                    "UnsafeViewBackward0", input, other)


def block_diag(*tensors) -> Tensor:
    """A block-diagonal matrix of the (0-, 1- or 2-D) tensors."""
    from ._signatures import cat
    from .creation import zeros
    ts = [t.reshape(1, 1) if t.dim() == 0 else t.reshape(1, -1) if t.dim() == 1 else t
          for t in tensors]
    cols = sum(t.shape[1] for t in ts)
    rows = []
    c = 0
    dtype = ts[0].dtype
    for t in ts:
        parts = []
        if c:
            parts.append(zeros(t.shape[0], c, dtype=dtype))
        parts.append(t.to(dtype))
        rest = cols - c - t.shape[1]
        if rest:
            parts.append(zeros(t.shape[0], rest, dtype=dtype))
        rows.append(cat(parts, 1))
        c += t.shape[1]
    out = cat(rows, 0)
    if len(ts) == 1:                    # (a new tensor, as PyTorch's, never the input or a view)
        out = out.clone()
    return labelled(out, "BlockDiagBackward0", *[t for t in tensors if isinstance(t, Tensor)])


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose diagonal (``offset``) holds the last dimension of ``input``: the core's
    pad-and-reshape composite (zeros that are zeros: an inf stays alone on the diagonal, where
    ``x * eye`` put NaN beside it; built on ``input``'s device, where a host selection matrix
    made a CUDA input fail)."""
    from dlcore.ops.spatial import diag_embed as _diag_embed

    from ._shape_ops import wrap_dim
    d1, d2 = wrap_dim(dim1, input.dim() + 1), wrap_dim(dim2, input.dim() + 1)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    out = _diag_embed(input, int(offset))   # (an empty last dimension: zeros padded from the
    # input, so that a gradient reaches it, as PyTorch's)
    nd = out.dim()
    d1, d2 = dim1 % nd, dim2 % nd
    if (d1, d2) != (nd - 2, nd - 1):
        out = out.movedim((nd - 2, nd - 1), (d1, d2))
    # (a new contiguous tensor, as PyTorch's: the composite's last cut is a strided view)
    return labelled(out.contiguous(), "DiagEmbedBackward0", input, edges=(input,))


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first towards the
    second)."""
    _checks.rot90(input.dim(), dims)
    d0, d1 = dims
    k %= 4
    if k == 1:
        out = input.flip(d1).transpose(d0, d1)
    elif k == 2:
        out = input.flip(d0).flip(d1)
    elif k == 3:
        out = input.flip(d0).transpose(d0, d1)
    else:
        out = input.clone()
    return labelled(out, "Rot90Backward0", input, edges=(input,))


def _xlogy_operands(input, other):
    """Both operands as tensors of PyTorch's result dtype: the promotion of the two (a Python
    number weak, as in any binary op), then an integer or bool result as the default float
    dtype (a number was made a float32 tensor first: xlogy(float16, 0) was float32, of int32
    and 2 float64, of 2.5 and an int64 tensor an error)."""
    from ._operand_rules import promoted  # (a number not wrapped: float result)
    if isinstance(input, Tensor):
        a, b = promoted(input, other)
    else:
        b, a = promoted(other, input)
    t = next(v for v in (a, b) if isinstance(v, Tensor))._buf.dtype
    if t.kind not in "fc" and t.name != "bfloat16":
        from ._dtype import get_default_dtype
        t = get_default_dtype().np_dtype
    from ._dtype import from_numpy_dtype
    ref = a if isinstance(a, Tensor) else b
    conv = [v.to(from_numpy_dtype(t)) if isinstance(v, Tensor) and v._buf.dtype != t else
            (v if isinstance(v, Tensor) else _like(_number(v, t), ref)) for v in (a, b)]
    return conv[0], conv[1]


def _number(v, t) -> np.ndarray:
    """A Python number as a 0-d ``t`` array (past ``t``'s range: inf, no NumPy warning)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(v, t)


def xlogy(input, other) -> Tensor:
    """``input * log(other)``, 0 where ``input`` is 0 (NaN where ``other`` is NaN)."""
    # PyTorch's node: XlogyBackward0 of two tensors, 1 of a number and a tensor, 2 of the reverse
    label = "XlogyBackward0" if isinstance(input, Tensor) == isinstance(other, Tensor) else \
        "XlogyBackward2" if isinstance(input, Tensor) else "XlogyBackward1"
    x, y = _xlogy_operands(input, other)
    shape = _broadcast_shape(x, y)
    xb = x.expand(*shape) if tuple(x.shape) != shape else x
    yb = y.expand(*shape) if tuple(y.shape) != shape else y
    out = _xlog_torch(xb, yb, _log, 0.0)
    return labelled(out, label, x, y,
                    edges=tuple(t for t in (input, other) if isinstance(t, Tensor)))


def sinc(input: Tensor) -> Tensor:
    """``sin(pi x) / (pi x)``, 1 at 0; below |pi x| = 1e-3 its series ``1 - s^2/6 + s^4/120``
    (the quotient's gradient there cancels to noise: 1e-20 gave -12868 where the derivative
    is -pi^2 x / 3, about 0; PyTorch's own formula gives 0 there)."""
    s = input * math.pi
    small = s.abs() < 1e-3
    safe = s.masked_fill(small, 1.0)
    tiny = s.masked_fill(~small, 0.0)
    t2 = tiny * tiny
    series = 1.0 - t2 / 6.0 + t2 * t2 / 120.0
    return labelled(_where(small, series, safe.sin() / safe), "SincBackward0", input,
                    edges=(input,))


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The sum, NaNs counted as 0 (their gradient 0; +-inf keep theirs, which nan_to_num
    zeroed); ``dtype`` casts first, as PyTorch's (it was ignored)."""
    x = input if dtype is None else input.to(dtype)
    x = x.masked_fill(x.isnan(), 0.0) if x.is_floating_point() else x
    return labelled(x.sum() if dim is None else x.sum(dim, keepdim=keepdim), "NansumBackward0",
                    input, edges=(input,))


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean of the non-NaN elements (floating or complex input only, as PyTorch: an integer
    one was averaged; ``dtype`` was ignored)."""
    k = input._buf.dtype.kind
    if k not in "fc" and input._buf.dtype.name != "bfloat16":
        from ._dtype import from_numpy_dtype
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {from_numpy_dtype(input._buf.dtype)._legacy}")
    if dtype is not None:
        input = input.to(dtype)
    keep = (~input.isnan()).to(input.dtype)
    return nansum(input, dim, keepdim) / (keep.sum() if dim is None else
                                          keep.sum(dim, keepdim=keepdim))


def isin(elements, test_elements, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Is each element among ``test_elements``?"""
    return _like(np.isin(_host(elements), _host(test_elements), invert=invert), elements)


def _cum_extreme(input: Tensor, dim: int, running):
    """Running extremes (``running``: ``np.maximum`` or ``np.minimum``, which propagate NaN)
    and their indices: each position's index is the last one so far whose value is the running
    extreme (or a NaN), as PyTorch's; both by NumPy's ``accumulate``, no Python loop."""
    h = _host(input)
    d = wrap_dim(dim, max(input.ndim, 1))
    # (the dim swapped to the end and back: swapaxes, a view, where moveaxis cost 5 of 22 us)
    x = h.swapaxes(d, -1) if h.ndim > 1 else h.reshape(-1)
    best = running.accumulate(x, axis=-1)
    hit = x == best
    if is_floating(x.dtype):
        hit |= np.isnan(x)
    pos = np.where(hit, _ARANGE[:x.shape[-1]] if x.shape[-1] <= 64 else np.arange(x.shape[-1]),
                   0)
    idx = np.maximum.accumulate(pos, axis=-1)
    back = (lambda a: a.swapaxes(d, -1)) if h.ndim > 1 else (lambda a: a.reshape(h.shape))
    ind = _like(np.ascontiguousarray(back(idx), dtype=np.int64), input)
    if input.requires_grad and STATE.enabled or type(h) is not type(input._buf):
        return input.gather(dim, ind), ind          # (the gradient: gather's)
    return _like(back(best), input), ind


_ARANGE = np.arange(64)


def cummax(input: Tensor, dim: int):
    """Running maxima along ``dim`` and their indices (the last of equal maxima; NaN
    propagates)."""
    from .return_types import cummax as result
    v, i = _cum_extreme(input, dim, np.maximum)
    return result(labelled(v, "CummaxBackward0", input, edges=(input,)), i)


def cummin(input: Tensor, dim: int):
    """Running minima along ``dim`` and their indices."""
    from .return_types import cummin as result
    v, i = _cum_extreme(input, dim, np.minimum)
    return result(labelled(v, "CumminBackward0", input, edges=(input,)), i)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum over the last dimensions of both (a scalar product for vectors)."""
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    return labelled((input.reshape(tuple(input.shape[:-1]) + (1,) * (other.dim() - 1) +
                                   (input.shape[-1],)) * other).sum(-1),
                    "ViewBackward0", input, other)          # (PyTorch's: a view of a matmul)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two 1-D tensors."""
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D tensors")
    check_vector_dtypes(input, other)
    return (input * other).sum()


# ----------------------------------------------------------------------------- indices
def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids (``indexing='ij'``, PyTorch's default, or ``'xy'``)."""
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                         f"received: {indexing}")
    ts = list(ts)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    out = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        out.append(t.reshape(*view).expand(*shape))     # (sizes as ints: reshape's lane)
    if swap:                        # xy: the ij grids of (y, x, ...), first two swapped back
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The (2, N) indices of the lower triangle (``offset`` above the diagonal included)."""
    r, c = np.tril_indices(row, offset, col)
    return _tri_indices(np.stack([r, c]), dtype, device, "tril_indices")


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The (2, N) indices of the upper triangle."""
    r, c = np.triu_indices(row, offset, col)
    return _tri_indices(np.stack([r, c]), dtype, device, "triu_indices")


def _tri_indices(rc: np.ndarray, dtype, device, op: str) -> Tensor:
    """int64 unless ``dtype`` names another integer type (PyTorch refuses the others), on
    ``device``."""
    from . import _dtype as D
    from .creation import _finish
    npd = np.dtype(np.int64) if dtype is None else D.to_numpy_dtype(dtype)
    if npd.kind not in "iu":
        raise NotImplementedError(f'"{op}" not implemented for '
                                  f"'{D.from_numpy_dtype(npd)._legacy}'")
    return _finish(rc.astype(npd), None, device, False)


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter=None) -> Tensor:
    """Where each value would be inserted in the (last dimension of the) sorted sequence."""
    seq = _host(sorted_sequence)
    vals = _host(input)
    _checks.searchsorted(seq, vals, right, side, None if sorter is None else _host(sorter))
    if side is not None:
        right = side == "right"
    if sorter is not None:
        seq = np.take_along_axis(seq, _host(sorter), -1)
    s: Literal["left", "right"] = "right" if right else "left"
    res = _search.positions(seq, vals, s)        # (NumPy's; ATen's where a NaN is involved)
    return _like(np.asarray(res).astype(np.int32 if out_int32 else np.int64),
                 sorted_sequence)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each value among the 1-D ``boundaries``."""
    if _host(boundaries).ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{_host(boundaries).ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


FUNCTIONS = ["atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "row_stack",
             "dstack", "column_stack", "broadcast_shapes", "broadcast_tensors", "tensor_split",
             "hsplit", "vsplit", "dsplit", "select", "take", "take_along_dim", "diff", "kron",
             "block_diag", "diag_embed", "rot90", "xlogy", "sinc", "nansum", "nanmean",
             "isclose", "isin", "cummax", "cummin", "inner", "vdot", "meshgrid",
             "tril_indices", "triu_indices", "searchsorted", "bucketize", "multinomial",
             "bernoulli", "poisson", "randint_like", "set_num_threads", "get_num_threads",
             "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
             "set_printoptions", "pi", "e", "inf", "nan"]
METHODS = ["tensor_split", "hsplit", "vsplit", "dsplit", "select", "take", "take_along_dim",
           "diff", "kron", "diag_embed", "rot90", "xlogy", "sinc", "nansum", "nanmean",
           "isclose", "cummax", "cummin", "inner", "multinomial", "bernoulli"]


def install(module) -> None:
    """Put the functions on ``dlcore_eager`` and the methods on Tensor (never overriding)."""
    from ._install import install_names
    install_names(module, globals(), FUNCTIONS, METHODS)
