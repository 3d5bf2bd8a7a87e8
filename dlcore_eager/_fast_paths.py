"""Fast paths in front of an entry that a recursive network calls hundreds of times a step
(issue 19): ``x[a:b]`` / ``x[i]`` / ``x[idx]``.  (``torch.cat``'s went into the lane,
``_lane``, whose entry is also in front of ``_shape_ops.cat`` for internal callers.)

Each one handles the common case (CPU tensors, a basic key; tensors of one dtype and rank) by
doing exactly what the general entry ends up doing (the same primitive, the same parameters, the
same rule check through the primitive's rule cache, the same kernel, the same tape node through
``_dispatch._finish``), without the general entry's argument normalisation; anything else goes
to the general entry unchanged, so behaviour and error messages are the general entry's.
While a trace runs (``tracing.trace``: ONNX export, ``jit.trace``), which records every
primitive through ``EagerFrontend.apply``, both step aside for the general entry: a slice or
a concatenation taken here would be missing from the trace, and its output frozen into the
exported model as a constant.

Measured in the quick tree network (``benchmarks/workloads/trees.py``), which slices one
embedding row per leaf and concatenates two children per inner node: see the commit messages.
"""

from __future__ import annotations

import numpy as np

from dlcore.dtypes import is_inexact
from dlcore.kernels.cpu.gather import in_range as _in_range
from dlcore.kernels.cpu.gather import take as _cpu_take
from dlcore.kernels.cpu.indexing import getitem as _numpy_getitem
from dlcore.ops.gather import take_p
from dlcore.ops.indexing import getitem_p

from . import _dispatch as _D
from . import _lane, _lane_joins  # noqa: F401 - (the joins' parses: _lane.JOINS)
from . import _lane_clamp, _lane_entries, _lane_max  # noqa: F401 - (_lane.MORE, ENTRIES)
from . import _lane_params  # noqa: F401 - (shrinks, threshold, selu, celu: ENTRIES)
from . import _lane_bool  # noqa: F401 - (any, all, count_nonzero, isnan: _lane.MORE)
from ._dispatch_finish import _finish
from ._dispatch_finish import view1 as _view1
from ._graph import labelled as _labelled
from ._operand_rules import check_rule
from ._state import STATE
from ._views import view_of
from .tensor import Tensor, _make
from .tracing import _RECORDERS

_ndarray = np.ndarray
_np_take = np.take
_NONE = type(None)


def _fast_getitem(general):
    """``Tensor.__getitem__`` with ``x[a:b]`` (int or None bounds, no step), ``x[i]`` (a
    Python int) and tuples of those (``x[t, :n]``, at most one per axis) of a CPU tensor taken
    directly: the canonical index is written out (what
    ``dlcore.ops.indexing.canonical_index`` makes of these keys), the rule is looked up in
    getitem's rule cache as ``_dispatch.apply`` does, the kernel's view is wrapped by
    ``_finish`` (sharing the version counter, recording the node).  An int or slice key
    taken once is kept in ``plans`` under (shape, dtype, key), its params and whether its
    dtype is inexact: a later one is that lookup, NumPy's view and ``view1`` (issue 19:
    x[3] of a 100x32 tensor that requires grad ~1.7 -> ~1.35 us).  ``general`` is the entry
    for every other key."""
    kernel_of = getitem_p.kernels
    cache = getitem_p._rule_cache
    plans: dict = {}
    _NEW_AXIS = (None,)

    def getitem(x, key):
        if key is None:                 # x[None]: the tuple (None,)'s path (4.5 -> ~2 us)
            key = _NEW_AXIS
        tk = type(key)
        if tk is slice or tk is int or tk is tuple:
            b = x._buf
            if type(b) is _ndarray and b.ndim and not _D._AUTOCAST and not _RECORDERS:
                # a key seen before on this shape and dtype (its rule passed, its params
                # made: ``plans``), while the kernel is NumPy's: one lookup (issue 19)
                if tk is int:
                    plan = plans.get((b.shape, b.dtype, key))
                elif tk is slice:
                    start = key.start
                    stop = key.stop
                    step = key.step
                    plan = plans.get((b.shape, b.dtype, start, stop) if step is None else
                                     (b.shape, b.dtype, start, stop, step)) if \
                        (type(start) is int or start is None) and \
                        (type(stop) is int or stop is None) else None
                else:                   # (a tuple: by its entries, slices as their bounds)
                    sig = _tuple_sig(key)
                    plan = None if sig is None else plans.get((b.shape, b.dtype, sig))
                if plan is not None and kernel_of["cpu"] is _numpy_getitem:
                    out = b[key, ...] if tk is not tuple else b[plan[2]]
                    if out.base is not None:
                        if plan[1] and STATE.enabled:
                            return view_of(x, getitem_p, plan[0], out)  # (view1's, inline)
                        return _view1(getitem_p, x, plan[0], out, plan[1])
                    return _finish(getitem_p, (x,), plan[0], out, x._rg)
                if tk is slice:
                    cs = _canonical_slice(key)
                    cidx: tuple | None = (cs,) if cs is not None else None
                elif tk is int:
                    n = b.shape[0]
                    if not -n <= key < n:
                        return general(x, key)          # (its IndexError)
                    cidx = (key,)
                elif key:                               # x[t, :n], x[:, None]
                    cidx = _canonical_tuple(key)
                    if _BAD in cidx:                    # x[..., 1]: the Ellipsis written
                        full = _without_ellipsis(key, b.shape)  # out as canonical_index
                        if full is not None:                    # expands it (issue 19)
                            y = getitem(x, full)
                            if sig is not None:         # (the key's plan: full's)
                                p = plans.get((b.shape, b.dtype, _tuple_sig(full)))
                                if p is not None:
                                    plans[(b.shape, b.dtype, sig)] = p
                            return y
                        return _tuple_of_tensors(x, key, getitem, general)
                    if len(key) - cidx.count(None) > b.ndim:
                        cidx = None
                else:
                    cidx = None
                if cidx is None:
                    return general(x, key)
                params = {"idx": cidx}
                if ((b.shape, b.dtype), (("idx", cidx),)) not in cache:
                    try:
                        check_rule(getitem_p, (b,), params)
                    except IndexError:              # (an int out of bounds: the general
                        return general(x, key)      # entry's error, PyTorch's axis named)
                kernel = kernel_of["cpu"]
                # the CPU kernel's view, x[key, ...], taken here when the kernel is NumPy's
                if kernel is _numpy_getitem:
                    if tk is tuple:
                        nk = key + (Ellipsis,)
                        out = b[nk]
                        if sig is not None and type(out) is _ndarray:
                            _learn_tuple(plans, b, sig, params, out, nk)
                    else:
                        out = b[key, ...]
                        _learn(plans, b, key, params, out)
                else:
                    out = kernel(b, idx=cidx)
                if type(out) is _ndarray and out.base is not None:
                    return _view1(getitem_p, x, params, out)        # (_finish's, inline)
                return _finish(getitem_p, (x,), params, out, x._rg)
        elif tk is Tensor:
            out = _take_rows(x, key)
            if out is None:
                out = _mask_rows(x, key)
            if out is not None:
                return out
            i = _int_of(key)
            if i is not None:                   # x[i], i a 0-d integer tensor: x[int(i)]
                return getitem(x, i)
        return general(x, key)

    getitem.__name__ = getitem.__qualname__ = "__getitem__"
    getitem.__doc__ = general.__doc__
    getitem.__wrapped__ = general               # type: ignore[attr-defined]
    getitem.plans = plans                       # type: ignore[attr-defined]  # (for tests)
    return getitem


def _learn(plans: dict, b, key, params: dict, out) -> None:
    """Remember an int or slice ``key`` of ``b``'s shape and dtype (its rule passed): its
    params and whether the output's dtype is inexact (``view1``'s argument)."""
    if type(out) is not _ndarray:
        return
    if len(plans) > 4096:
        plans.clear()
    k = (b.shape, b.dtype, key) if type(key) is int else \
        (b.shape, b.dtype, key.start, key.stop) if key.step is None else \
        (b.shape, b.dtype, key.start, key.stop, key.step)
    plans[k] = (params, out.dtype.kind in "fc" or is_inexact(out.dtype))


def _learn_tuple(plans: dict, b, sig: tuple, params: dict, out, nk: tuple) -> None:
    """``_learn``'s record of a tuple key (``_tuple_sig``: its entries, a slice as its bounds),
    with the key NumPy indexes by (``nk``: the key and a trailing Ellipsis)."""
    if len(plans) > 4096:
        plans.clear()
    plans[(b.shape, b.dtype, sig)] = (params, out.dtype.kind in "fc" or is_inexact(out.dtype),
                                      nk)


def _tuple_sig(key: tuple) -> tuple | None:
    """A tuple key as a hashable plan key (a slice is not hashable before Python 3.12): its
    ints, None and Ellipsis as they are, each slice with int or None bounds as ``(start, stop,
    step)``; None where an entry is anything else (``x[..., 3]`` 4.1 -> 1.7 us, ``x[..., :3]``
    4.4 -> 1.9: NeRF's channels; issue 19)."""
    out = []
    for k in key:
        t = type(k)
        if t is slice:
            a, z, s = k.start, k.stop, k.step
            if (type(a) is not int and a is not None) or (type(z) is not int and z is not None) \
                    or (type(s) is not int and s is not None):
                return None
            out.append((a, z, s))
        elif t is int or k is None or k is Ellipsis:
            out.append(k)
        else:
            return None
    return tuple(out)


_I64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)


def _mask_rows(x, key):
    """``x[mask]`` for a bool CPU tensor ``mask`` of the shape of ``x``'s leading dimensions
    and a CPU tensor ``x`` that records nothing here (no grad, or grad mode off): NumPy's mask
    indexing, a new tensor, as PyTorch's (what the general entry computes as a take of the
    mask's positions of ``x`` flattened, with their bounds checked twice: 100x4 by a mask of
    its rows 15.7 -> ~4 us, PyTorch 4.5; issue 19).  None for anything else (a wrong shape:
    the general entry's IndexError)."""
    kb = key._buf
    b = x._buf
    if type(kb) is not _ndarray or kb.dtype is not _BOOL or not kb.ndim or \
            type(b) is not _ndarray or b.shape[:kb.ndim] != kb.shape or \
            (x._rg and STATE.enabled) or _D._AUTOCAST or _RECORDERS:
        return None
    return _make(b[kb])


def _take_rows(x, key):
    """``x[idx]`` for a 1-d or wider int64 CPU tensor ``idx`` and a CPU tensor ``x`` of rank
    >= 1: what the general entry binds (``take(x, idx)``, grad_fn IndexBackward0), with the
    rule through take's rule cache and NumPy's ``take`` run directly; its bounds check is the
    only one (an IndexError from it sends the key to the general entry, which raises
    PyTorch's message).  The index saved for backward is a copy, as the general entry's (an
    in-place change of ``idx`` afterwards does not change the gradient).  None for anything
    else (a mask, another dtype, a 0-d index, other devices, autocast, a trace, a replaced
    kernel)."""
    kb = key._buf
    b = x._buf
    if type(kb) is not _ndarray or kb.dtype is not _I64 or not kb.ndim or \
            type(b) is not _ndarray or not b.ndim or _D._AUTOCAST or _RECORDERS or \
            take_p.kernels["cpu"] is not _cpu_take:
        return None
    if (b.shape, kb.shape, b.dtype, _I64) not in take_p._rule_cache:
        check_rule(take_p, (b, kb), {})
    try:
        out = _np_take(b, kb, axis=0)
    except IndexError:
        return None
    if x._rg:
        return _finish(take_p, (x, _make(kb.copy())), {}, out, True)
    return _make(out)


def _basic_rest(entries: tuple) -> bool:
    """Are ``entries`` Python ints, slices the fast path takes, None and at most one
    Ellipsis (basic indexing after an index tensor)?"""
    dots = 0
    for k in entries:
        t = type(k)
        if t is slice:
            if _canonical_slice(k) is None:
                return False
        elif k is Ellipsis:
            dots += 1
        elif t is not int and k is not None:
            return False
    return dots <= 1


def _pair_rows(x, key):
    """``x[i, j]`` for two int64 CPU index tensors of one shape (or a ``range`` and a tensor:
    ``probs[range(n), y]``, ``out[torch.arange(n), lengths - 1]``) with every entry in bounds
    and none negative: the rows ``i * x.shape[1] + j`` of ``x`` viewed as ``(n0 * n1, ...)``
    (``_take_rows``: PyTorch's values, gradient and IndexBackward0), where the general entry
    ravels, broadcasts and checks them again (16x8 by 4 pairs 28.6 -> 10.1 us, PyTorch 2.5;
    issue 19).  None for anything else (the general entry, whose errors are PyTorch's)."""
    k0, k1 = key
    b = x._buf
    if type(b) is not _ndarray or b.ndim < 2:
        return None
    ib = np.arange(k0.start, k0.stop, k0.step) if type(k0) is range else k0._buf
    jb = k1._buf
    if type(ib) is not _ndarray or type(jb) is not _ndarray or ib.dtype is not _I64 or \
            jb.dtype is not _I64 or ib.shape != jb.shape or not ib.size:
        return None
    n0, n1 = b.shape[0], b.shape[1]
    if not (_in_range(ib, n0) and _in_range(jb, n1)):
        return None
    flat = x.reshape((n0 * n1,) + b.shape[2:])
    return _take_rows(flat, _make(ib * n1 + jb))


def _canonical_slice(k: slice):
    """canonical_index's form of a slice with int or None bounds and no step or a positive
    int step (a step <= 0: the general entry's error), else None."""
    start, stop, step = k.start, k.stop, k.step
    if (step is not None and (type(step) is not int or step <= 0)) or \
            (type(start) is not int and start is not None) or \
            (type(stop) is not int and stop is not None):
        return None
    return ("slice", start, stop, step)


def _without_ellipsis(key: tuple, shape: tuple) -> tuple | None:
    """``key`` with its one Ellipsis written out as the full slices it stands for, when every
    other entry is a Python int (in range: an index out of range takes the general entry,
    whose error names the axis as PyTorch's does), a slice or None (a new axis, which indexes
    none) and they index at most ``len(shape)`` axes (11 -> 5 us for ``x[..., 1]``; NeRF's
    ``x[..., None, :]``); None for anything else."""
    at = -1
    used = 0
    for i, k in enumerate(key):
        if k is Ellipsis:
            if at >= 0:
                return None
            at = i
        elif type(k) is int or type(k) is slice:
            used += 1
        elif k is not None:
            return None
    ndim = len(shape)
    if at < 0 or used > ndim:
        return None
    full = key[:at] + (_FULL,) * (ndim - used) + key[at + 1:]
    axis = 0
    for k in full:
        if k is None:
            continue
        if type(k) is int and not -shape[axis] <= k < shape[axis]:
            return None
        axis += 1
    return full


_FULL = slice(None)


_BAD = Ellipsis     # (in a canonical tuple: an entry the fast path does not take)


def _canonical_tuple(key: tuple) -> tuple:
    """canonical_index's form of a tuple of Python ints, None and such slices (an Ellipsis
    entry marks any other key, an Ellipsis included, for the general entry)."""
    out = []
    for k in key:
        t = type(k)
        if t is slice:
            k = _canonical_slice(k)
            out.append(_BAD if k is None else k)
        else:
            out.append(k if t is int or k is None else _BAD)
    return tuple(out)


def _int_of(k) -> int | None:
    """A 0-d signed-integer CPU tensor's value (PyTorch's reading of it in a key: an int;
    ``_indexing._scalar_key``'s), else None."""
    b = k._buf
    if type(b) is _ndarray and not b.ndim and b.dtype.kind == "i":
        return int(b)
    return None


def _tuple_of_tensors(x, key: tuple, getitem, general):
    """A tuple key with tensors in it: its 0-d integer tensors read as ints (``x[i, :]``)
    and ``x[idx, :]`` (an index tensor, then one full slice) as ``x[idx]``, both through the
    fast path again (issue 19: the d2l nms's keys, 12 -> 3 us and 66 -> 4 us), ``x[i, j]`` of
    two index tensors (``_pair_rows``), ``x[:, j]``, and an index tensor or a row mask followed
    by basic entries (``x[idx, j]``, ``x[idx, a:b]``, ``x[idx, :, 0]``) as those entries' view
    and its rows; any other key goes to the general entry."""
    ints = [_int_of(k) if type(k) is Tensor else None for k in key]
    if any(i is not None for i in ints):
        return getitem(x, tuple(k if i is None else i for k, i in zip(key, ints)))
    if len(key) == 2 and type(key[1]) is Tensor and (type(key[0]) is Tensor or
                                                     type(key[0]) is range):
        out = _pair_rows(x, key)
        if out is not None:
            return out
    if len(key) == 2 and type(key[0]) is slice and key[0] == _FULL and \
            type(key[1]) is Tensor and x._buf.ndim >= 2 and key[1]._buf.ndim == 1:
        # x[:, j] (a vector j): the general entry's transpose, rows and transpose back, as
        # the Tensor methods' planned views (16x8 by 4 columns 25.6 -> ~8 us; issue 19)
        out = _take_rows(x.transpose(0, 1), key[1])
        if out is not None:
            return _labelled(out.transpose(0, 1), "IndexBackward0", x, edges=(x,))
    if len(key) >= 2 and type(key[0]) is Tensor and x._buf.ndim >= 2 and \
            _basic_rest(key[1:]):
        # x[idx, <basic entries>] as x[:, <entries>][idx] (an int beside the index is
        # broadcast with it, as NumPy's and PyTorch's, which puts the index's axes first
        # either way): IndexBackward0 on top, as PyTorch's one node (a MoE's gates[idx, e],
        # the d2l anchors' label[idx, 1:] 32 -> ~6 us, x[idx, :, 0] 34 -> ~8); a 1-D mask's
        # rows likewise without a gradient (x[mask, 1:] 29 -> ~6)
        kb = key[0]._buf
        rest = key[1:]
        if type(kb) is _ndarray and kb.ndim and (kb.dtype is _I64 or
                                                 (kb.dtype is _BOOL and kb.ndim == 1)):
            whole = len(rest) == 1 and type(rest[0]) is slice and rest[0] == _FULL
            inner = x if whole else getitem(x, (_FULL,) + rest)
            out = _take_rows(inner, key[0]) if kb.dtype is _I64 else \
                _mask_rows(inner, key[0])
            if out is not None:
                return out
    return general(x, key)


def install() -> None:
    """Put the fast path in front of ``Tensor.__getitem__``, and the lane's entries
    (``_lane``) in front of the reductions, softmaxes, transpose and cat; idempotent."""
    import sys
    if getattr(Tensor.__getitem__, "__wrapped__", None) is None:
        Tensor.__getitem__ = _fast_getitem(Tensor.__getitem__)
    _lane.install()
    from . import _add_at_lane          # (scatter_/scatter that nothing records: NumPy's put)
    _add_at_lane.install(Tensor)
    from . import _pointwise_lane       # (lerp_, addcmul_, addcdiv_ that nothing records)
    _pointwise_lane.install(Tensor)
    from . import _inplace_ops          # (masked_fill_ of a number, in place)
    masked_fill_ = getattr(Tensor, "masked_fill_")
    if not getattr(masked_fill_, "__front__", False):
        setattr(Tensor, "masked_fill_", _inplace_ops.masked_fill_front(masked_fill_))
    from . import _lane_bool            # (torch.where of a mask and float operands)
    torch = sys.modules["dlcore_eager"]
    where = getattr(torch, "where")
    if not getattr(where, "__front__", False):
        setattr(torch, "where", _lane_bool.where_front(where))
    index_put_ = getattr(Tensor, "index_put_")      # (index_put_ of index tensors: x[i] = v)
    if not getattr(index_put_, "__front__", False):
        setattr(Tensor, "index_put_", _inplace_ops.index_put_front(index_put_))
    from . import _binary               # (int64 % n, // n)
    for name, ufunc in _binary.INT_DIVISIONS.items():
        for owner in (Tensor, sys.modules["dlcore_eager"]):
            f = owner.__dict__.get(name) if owner is Tensor else getattr(owner, name, None)
            if f is not None and not getattr(f, "__int_lane__", False):
                setattr(owner, name, _binary.int_division_front(f, ufunc))
