"""PyTorch's errors for ``index_select``, ``gather``, ``scatter``/``scatter_add`` and ``take``.

The core's composite refuses the same mistakes in its own words (a ``take`` of a float index,
an index out of bounds for dimension 0); ``wrap`` re-raises PyTorch's type and text, worked
out only once the call has failed (no cost on a call that succeeds):

* an index of another dtype than int32/int64: RuntimeError ``index_select(): Expected dtype
  int32 or int64 for index``;
* an index of more than one dimension: IndexError ``index_select(): Index is supposed to be
  a vector``;
* an index out of range: ATen's two kernels word it differently, IndexError ``index out of
  range in self`` (dim 0, or the last dim of a tensor of rank 3 or more) or RuntimeError
  ``INDICES element is out of DATA bounds, id=9 axis_dim=3``;
* gather and the scatters (``install`` wraps them): an index dtype, rank or size PyTorch
  refuses, in its words (``gather(): Expected dtype int32/int64 for index``, ``Index tensor
  must have the same number of dimensions as input tensor``, ``Size does not match at
  dimension 0 expected index [3, 1] to be no larger than self [2, 3] apart from dimension
  1``...), again only once the call failed; ``take_checks``: take's index dtype and range.
"""

from __future__ import annotations

import functools

import numpy as np

from ._dims import wrap_dim
from .tensor import Tensor

_INT32_64 = (np.dtype(np.int32), np.dtype(np.int64))


def torch_error(x, dim, index) -> Exception | None:
    """PyTorch's error for ``x.index_select(dim, index)``, None where it has none to give."""
    if not isinstance(x, Tensor) or not isinstance(index, Tensor):
        return None
    ib = index._buf if not index.is_cuda else index.cpu()._buf
    if ib.dtype not in _INT32_64:
        return RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if ib.ndim > 1:
        return IndexError("index_select(): Index is supposed to be a vector")
    try:
        d = wrap_dim(dim, x.ndim)
    except (IndexError, TypeError, ValueError):     # (the call's own error stands)
        return None
    n = x.shape[d] if x.ndim else 1
    bad = np.asarray(ib).reshape(-1)
    bad = bad[(bad < 0) | (bad >= n)]
    if not bad.size:
        return None
    if d == 0 or (x.ndim >= 3 and d == x.ndim - 1):
        return IndexError("index out of range in self")
    return RuntimeError(f"INDICES element is out of DATA bounds, id={int(bad[0])} axis_dim={n}")


def _negative(index) -> bool:
    """Whether a CPU integer index tensor holds a negative entry: the core's take and
    take_along_axis wrap one as NumPy does, where PyTorch's index_select and gather refuse it
    (a silent wrong result before)."""
    b = index._buf if isinstance(index, Tensor) else None
    return type(b) is np.ndarray and b.dtype.kind == "i" and b.size > 0 and bool(b.min() < 0)


def wrap(orig):
    """``orig`` (an index_select) raising PyTorch's errors; along dim 0 with a 1-D int64 index
    in range, the ``x[index]`` fast path (its ``take`` node: the op's own, renamed as
    PyTorch's; issue 19: 17.5 -> ~6 us, PyTorch 4.8)."""
    from ._fast_paths import _take_rows
    from ._graph import labelled

    def index_select(*args, **kwargs):
        if len(args) == 3 and not kwargs and type(args[1]) is int and args[1] == 0 and \
                isinstance(args[0], Tensor) and isinstance(args[2], Tensor):
            x, index = args[0], args[2]
            ib = index._buf
            if type(ib) is np.ndarray and ib.ndim == 1 and ib.size and ib.min() >= 0:
                out = _take_rows(x, index)
                if out is not None:
                    return labelled(out, "IndexSelectBackward0", x)
        a = list(args) + [kwargs.get(k) for k in ("input", "dim", "index")[len(args):]]
        try:
            out = orig(*args, **kwargs)
        except (RuntimeError, IndexError, TypeError, ValueError):
            err = torch_error(*a[:3])
            if err is None:
                raise
            raise err from None
        if _negative(a[2]):
            err = torch_error(*a[:3])
            if err is not None:
                raise err
        return out
    index_select.__doc__ = getattr(orig, "__doc__", None)
    index_select.__wrapped__ = orig  # type: ignore[attr-defined]
    return index_select


def wrap_gather(orig):
    """``orig`` (a gather) refusing a negative index as PyTorch does: RuntimeError ``index -1
    is out of bounds for dimension 1 with size 3`` (the core's take_along_axis wraps it)."""
    def gather(*args, **kwargs):
        out = orig(*args, **kwargs)
        a = list(args) + [kwargs.get(k) for k in ("input", "dim", "index")[len(args):]]
        x, dim, index = a[:3]
        if _negative(index):
            b = index._buf
            d = wrap_dim(dim, x.ndim)
            raise RuntimeError(f"index {int(b[b < 0].flat[0])} is out of bounds for dimension "
                               f"{d} with size {x.shape[d] if x.ndim else 1}")
        return out
    gather.__doc__ = getattr(orig, "__doc__", None)
    gather.__wrapped__ = orig  # type: ignore[attr-defined]
    return gather


def _args(args, kwargs, names):
    return list(args) + [kwargs.get(k) for k in names[len(args):]]


def _layout_error(x, dim, index, src, op: str) -> Exception | None:
    """PyTorch's error for gather's (``src`` None, op 'gather') or a scatter's index that does
    not fit ``x`` (and ``src``), None where it has none to give."""
    if not isinstance(x, Tensor) or not isinstance(index, Tensor):
        return None
    if index.dtype.np_dtype not in _INT32_64:
        return RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    try:
        d = wrap_dim(dim, x.ndim)
    except (IndexError, TypeError, ValueError):     # (the call's own error stands)
        return None
    xs, ins = list(x.shape), list(index.shape)
    if len(ins) != len(xs) and (len(ins) or len(xs)):
        who = "input" if op == "gather" else "self"
        return RuntimeError(f"Index tensor must have the same number of dimensions as {who} "
                            "tensor")
    bad = next((i for i in range(len(xs)) if i != d and ins[i] > xs[i]), None)
    if op == "gather":
        if bad is not None:
            return RuntimeError(f"Size does not match at dimension {bad} expected index {ins} "
                                f"to be no larger than self {xs} apart from dimension {d}")
        return None
    ss = list(src.shape) if isinstance(src, Tensor) else None
    small = ss is not None and len(ss) == len(ins) and any(a > b for a, b in zip(ins, ss))
    if bad is None and not small:
        return None
    tail = f" and to be no larger size than src {ss}" if ss is not None else ""
    return RuntimeError(f"Expected index {ins} to be no larger than self {xs} apart from "
                        f"dimension {d}{tail}")


_NEGATIVE_REFUSED = ("scatter_add", "index_add")


def _first_out_of_range(x, dim, index):
    """``(d, n, v)``: the dimension (wrapped), its size and the first entry of ``index`` out of
    ``[0, n)`` in index order; None where all are in range."""
    if not isinstance(x, Tensor) or not isinstance(index, Tensor) or \
            type(index._buf) is not np.ndarray or index._buf.dtype.kind not in "iu":
        return None
    try:
        d = wrap_dim(dim, x.ndim) if x.ndim else 0
    except (IndexError, TypeError, ValueError):     # (the call's own error stands)
        return None
    n = x.shape[d] if x.ndim else 1
    b = index._buf.reshape(-1)
    b = b[(b < 0) | (b >= n)]
    return (d, n, int(b[0])) if b.size else None


def _out_of_range(a, op, alpha=1):
    """PyTorch's error for a scatter_add's or index_add's index out of range (None: none is):
    scatter_add's RuntimeError ``index -1 is out of bounds for dimension 0 with size 3``;
    index_add's is that one along the first or last of >= 2 dimensions with alpha 1, its
    IndexError ``index out of range in self`` otherwise (ATen's two kernels).  Checked before the
    call where the index holds a negative entry: the core's kernels wrap one as NumPy does."""
    bad = _first_out_of_range(a[0], a[1], a[2])
    if bad is None:
        return None
    d, n, v = bad
    if op == "index_add" and (a[0].ndim <= 1 or 0 < d < a[0].ndim - 1 or alpha != 1):
        return IndexError("index out of range in self")
    return RuntimeError(f"index {v} is out of bounds for dimension {d} with size {n}")


def _zero_d_index(a) -> bool:
    """A 0-d self, index or src of a scatter (gather) where ATen's shape check counts a 0-d
    tensor as one of size [1] (``ensure_nonempty_dim``): self and index of at most one dim, src
    of one (``zeros(10).scatter_(0, tensor(3), value=1)``, the tutorials' one-hot Lambda,
    writes element 3; ``zeros(()).scatter(0, tensor(0), 5.0)`` is ``tensor(5.)``)."""
    x, index, src = a[0], a[2], a[3]
    if not (isinstance(x, Tensor) and isinstance(index, Tensor)) or x.ndim > 1 or \
            index.ndim > 1 or (isinstance(src, Tensor) and src.ndim > 1):
        return False
    return x.ndim == 0 or index.ndim == 0 or (isinstance(src, Tensor) and src.ndim == 0)


def _with_1d_index(orig, args, kwargs, names):
    """``orig`` with the 0-d tensors among self, index and src viewed as size [1]: a 0-d self
    gets its 0-d result (in place: itself, written through the view)."""
    args, kwargs = list(args), dict(kwargs)
    x = args[0] if args else kwargs.get(names[0])
    for i, key in ((0, names[0]), (2, names[2]), (3, names[3] if len(names) > 3 else "")):
        v = args[i] if len(args) > i else kwargs.get(key)
        if isinstance(v, Tensor) and v.ndim == 0:
            if len(args) > i:
                args[i] = v.view(1) if i == 0 else v.reshape(1)
            else:
                kwargs[key] = v.view(1) if i == 0 else v.reshape(1)
    r = orig(*args, **kwargs)
    if x.ndim == 0:
        return x if getattr(orig, "__name__", "").endswith("_") else r.reshape(())
    return r


def _unsigned_value(args, kwargs):
    """A scatter's negative Python int value into an unsigned tensor as c10 converts it
    (-1 into uint8: 255, as torch 2.13; NumPy refused it with its own OverflowError)."""
    from ._scalar_convert import scalar_as
    x = args[0] if args else None
    if not isinstance(x, Tensor) or x._buf.dtype.kind != "u":
        return args, kwargs
    if len(args) > 3 and type(args[3]) is int and args[3] < 0:
        return (*args[:3], int(scalar_as(args[3], x._buf.dtype)), *args[4:]), kwargs
    v = kwargs.get("value")
    if type(v) is int and v < 0:
        return args, {**kwargs, "value": int(scalar_as(v, x._buf.dtype))}
    return args, kwargs


def _translated(orig, names, op):
    @functools.wraps(orig)
    def call(*args, **kwargs):
        if op == "scatter":
            args, kwargs = _unsigned_value(args, kwargs)
        if op in _NEGATIVE_REFUSED and _negative(_args(args, kwargs, names)[2]):
            a = _args(args, kwargs, names)
            err = _layout_error(a[0], a[1], a[2], a[3], op) if op != "index_add" else None
            err = err or _out_of_range(a, op, kwargs.get("alpha", 1))
            if err is not None:                     # (before an in-place form writes)
                raise err
        try:
            return orig(*args, **kwargs)
        except (RuntimeError, IndexError, TypeError, ValueError) as e:
            a = _args(args, kwargs, names)
            if op.startswith("scatter") and _zero_d_index(a):
                return _with_1d_index(orig, args, kwargs, names)
            if op == "gather" and _zero_d_index([*a, None]):
                r = _with_1d_index(orig, args, kwargs, (*names, ""))
                return r.reshape(()) if a[2].ndim == 0 else r    # (shaped as the index)
            if op == "index_add":
                err = _out_of_range(a, op, kwargs.get("alpha", 1)) \
                    if type(e).__name__ == "IndexOutOfBounds" else None
                if err is None:
                    raise
                raise err from None
            err = _layout_error(a[0], a[1], a[2], a[3] if len(a) > 3 else None, op)
            if err is None and type(e).__name__ == "IndexOutOfBounds":
                err = RuntimeError(str(e))          # (PyTorch's type: a RuntimeError)
            if err is None:
                raise
            raise err from None
    return call


def install(torch, tensor_cls) -> None:
    """index_select, gather and the scatters of ``torch`` and ``Tensor`` raising PyTorch's
    errors."""
    for target, first in ((torch, "input"), (tensor_cls, "self")):
        setattr(target, "index_select", wrap(getattr(target, "index_select")))
        setattr(target, "gather", _translated(wrap_gather(getattr(target, "gather")),
                                              (first, "dim", "index"), "gather"))
        for name in ("scatter", "scatter_", "scatter_add", "scatter_add_", "scatter_reduce",
                     "scatter_reduce_"):
            orig = getattr(target, name, None)
            if orig is not None:
                setattr(target, name, _translated(orig, (first, "dim", "index", "src"),
                                                  name.rstrip("_")))
        for name in ("index_add", "index_add_"):
            orig = getattr(target, name, None)
            if orig is not None:
                setattr(target, name, _translated(orig, (first, "dim", "index", "source"),
                                                  "index_add"))
    from . import _add_at_lane as lane          # (in place, nothing recorded: NumPy's add.at)
    tensor_cls.index_add_ = lane.fast(tensor_cls.index_add_, lane.index_add)
    tensor_cls.scatter_add_ = lane.fast(tensor_cls.scatter_add_, lane.scatter_add)


def take_checks(input, index) -> None:
    """PyTorch's errors of ``torch.take(input, index)``: an index that is not int64, or out of
    range for ``input``'s elements."""
    if not isinstance(index, Tensor):
        return
    if index.dtype.np_dtype != np.int64:
        raise RuntimeError("take(): Expected a long tensor for index, but got "
                           f"{index.dtype._legacy}")
    b = index._buf
    n = input.numel() if isinstance(input, Tensor) else 0
    if type(b) is np.ndarray and b.size:
        lo, hi = int(b.min()), int(b.max())
        bad = lo if lo < -n else hi if hi >= n else None
        if bad is not None:
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                             "elements.")
