"""More ONNX operators for ``dlcore_eager.onnx_import``: the rest of what dlcore's exporter
(``dlcore.io.onnx_export``, ``dlcore.io.onnx_rnn``) writes, each run with eager operations as
the ONNX operator specification defines it (so gradients reach the float operands).

* ``Pad`` (opset 2 attributes ``pads``/``value``; opset >= 11 inputs ``pads``,
  ``constant_value`` and opset 18's ``axes``): ``pads = [b_1, ..., b_k, e_1, ..., e_k]`` for the
  axes (all, by default); a negative count crops.  ``constant`` fills with the value
  (concatenated blocks), ``reflect``/``edge``/``wrap`` read the input at the indices
  ``numpy.pad(arange(n), (b, e), mode)`` (``index_select``)::

      reflect [1 2 3], (2, 1) -> [3 2 1 2 3 2];  edge -> [1 1 1 2 3 3];  wrap -> [2 3 1 2 3 1]

* ``Range(start, limit, delta)``: ``start + i * delta`` for ``i < max(ceil((limit - start) /
  delta), 0)``, in start's dtype (no gradient: its output is an index vector).
* ``Shape`` (opset 15 ``start``/``end``: a slice of the shape, negative axes from the end,
  both clamped to ``[0, rank]``): an int64 vector.
* ``GatherElements(x, i, axis)``: ``y[..., j, ...] = x[..., i[..., j, ...], ...]`` along
  ``axis`` (negative indices count from the end), ``Tensor.gather``.
* ``ScatterND(data, indices, updates, reduction)``: the last axis of ``indices`` (size k)
  addresses ``data[i_1, ..., i_k]`` (a slice of the remaining axes), replaced (``none``) or
  combined (``add``, ``mul``, ``max``, ``min``) with the matching slice of ``updates``:
  ``data`` is viewed as (prod(shape[:k]), *rest) and ``index_put``/``scatter_reduce`` applied
  on the flattened indices.
* ``Mod`` (``fmod=0``: the remainder takes the divisor's sign, Python's ``%``, ``remainder``;
  ``fmod=1``: the dividend's, C's ``fmod``), ``IsNaN``, ``IsInf`` (``detect_negative``,
  ``detect_positive``), ``Tan``, ``Asin``, ``Acos``, ``Atan``, ``Sinh``, ``Cosh``.
* ``ReduceProd``, ``ReduceLogSumExp`` (``axes`` attribute before opset 18, an input after;
  ``keepdims``; ``noop_with_empty_axes``).
* ``GridSample`` (opset 16 modes ``bilinear``/``nearest``/``bicubic``, opset 20's
  ``linear``/``cubic``; ``padding_mode``, ``align_corners``): ``F.grid_sample`` of a 4-D input.
"""

from __future__ import annotations

import math

import numpy as np

from ._host import host as _host
from .creation import from_numpy


def _ints(x) -> list[int]:
    return [int(v) for v in _host(x).ravel()]


def _str(v, default: str) -> str:
    if v is None:
        return default
    return v.decode() if isinstance(v, bytes) else str(v)


def _scalar(x):
    return _host(x).reshape(-1)[0]


def _crop(x, axis: int, lo: int, hi: int):
    idx: list = [slice(None)] * x.dim()
    idx[axis] = slice(lo, x.shape[axis] - hi)
    return x[tuple(idx)]


def pad(a: dict, x, pads=None, value=None, axes=None):
    from ._shape_ops import cat
    mode = _str(a.get("mode"), "constant")
    if mode not in ("constant", "reflect", "edge", "wrap"):
        raise NotImplementedError(f"ONNX import: Pad with mode {mode!r}")
    rank = x.dim()
    p = _ints(pads) if pads is not None else [int(v) for v in a.get("pads", [])]
    ax = [k % rank for k in _ints(axes)] if axes is not None else list(range(rank))
    if len(p) != 2 * len(ax):
        raise ValueError(f"ONNX import: Pad of a tensor of shape {tuple(x.shape)} takes "
                         f"{2 * len(ax)} pads for axes {ax}, got {len(p)}: {p}")
    for i, axis in enumerate(ax):
        lo, hi = p[i], p[len(ax) + i]
        if lo < 0 or hi < 0:
            x = _crop(x, axis, max(-lo, 0), max(-hi, 0))
            lo, hi = max(lo, 0), max(hi, 0)
        if lo == 0 and hi == 0:
            continue
        n = x.shape[axis]
        if mode == "constant":
            fill = from_numpy(np.asarray(a.get("value", 0.0))) if value is None else value
            fill = fill.to(x.dtype).reshape(())
            parts = []
            for size in (lo, hi):
                shape = list(x.shape)
                shape[axis] = size
                parts.append(fill.expand(*shape) if size else None)
            x = cat([t for t in (parts[0], x, parts[1]) if t is not None], axis)
            continue
        if n == 0:
            raise ValueError(f"ONNX import: Pad in mode {mode!r} of an empty axis {axis} "
                             f"(shape {tuple(x.shape)})")
        if mode == "reflect" and (n < 2 or max(lo, hi) >= n):
            raise ValueError(f"ONNX import: Pad in mode 'reflect' needs pads smaller than the "
                             f"axis size: axis {axis} of shape {tuple(x.shape)}, pads "
                             f"({lo}, {hi})")
        idx = np.pad(np.arange(n, dtype=np.int64), (lo, hi), mode=mode)  # type: ignore[call-overload]
        x = x.index_select(axis, from_numpy(idx))
    return x


def range_(a: dict, start, limit, delta):
    dt = _host(start).dtype
    s, lim, d = (np.asarray(_scalar(v)).astype(dt) for v in (start, limit, delta))
    if d == 0:
        raise ValueError("ONNX import: Range with delta 0")
    if np.issubdtype(dt, np.integer):
        s_, lim_, d_ = int(s), int(lim), int(d)
        n = max((lim_ - s_ + d_ - (1 if d_ > 0 else -1)) // d_, 0)
    else:
        n = max(math.ceil(float((lim - s) / d)), 0)
    return from_numpy((np.arange(n).astype(dt) * d + s).astype(dt))


def shape(a: dict, x):
    rank = x.dim()

    def clamp(v: int) -> int:
        return min(max(v + rank if v < 0 else v, 0), rank)
    lo, hi = clamp(int(a.get("start", 0))), clamp(int(a.get("end", rank)))
    return from_numpy(np.array(list(x.shape)[lo:hi], np.int64).reshape(-1))


def gather_elements(a: dict, x, i):
    axis = int(a.get("axis", 0)) % x.dim()
    idx = _host(i).astype(np.int64)
    n = x.shape[axis]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"ONNX import: GatherElements index out of range [{-n}, {n}) on axis "
                         f"{axis} of shape {tuple(x.shape)}")
    return x.gather(axis, from_numpy(np.where(idx < 0, idx + n, idx)))


_REDUCTIONS = {"add": "sum", "mul": "prod", "max": "amax", "min": "amin"}


def scatter_nd(a: dict, data, indices, updates):
    reduction = _str(a.get("reduction"), "none")
    if reduction != "none" and reduction not in _REDUCTIONS:
        raise NotImplementedError(f"ONNX import: ScatterND with reduction {reduction!r}")
    idx = _host(indices).astype(np.int64)
    k = idx.shape[-1]
    lead, rest = tuple(data.shape[:k]), tuple(data.shape[k:])
    want = tuple(idx.shape[:-1]) + rest
    if k > data.dim() or tuple(updates.shape) != want:
        raise ValueError(f"ONNX import: ScatterND of data {tuple(data.shape)} with indices "
                         f"{tuple(idx.shape)} takes updates of shape {want}, got "
                         f"{tuple(updates.shape)}")
    sizes = np.array(lead, np.int64)
    if idx.size and ((idx < -sizes).any() or (idx >= sizes).any()):
        raise IndexError(f"ONNX import: ScatterND index out of range for data "
                         f"{tuple(data.shape)}")
    idx = np.where(idx < 0, idx + sizes, idx).reshape(-1, k)
    flat = from_numpy(np.asarray(np.ravel_multi_index(tuple(idx.T), lead), np.int64) if k
                      else np.zeros(len(idx), np.int64))
    rows = int(np.prod(lead))
    d2 = data.reshape(rows, *rest)
    u2 = updates.reshape(len(idx), *rest)
    if reduction == "none":
        out = d2.index_put((flat,), u2)
    else:
        where = flat.reshape(-1, *([1] * len(rest))).expand(*u2.shape)
        out = d2.scatter_reduce(0, where, u2, reduce=_REDUCTIONS[reduction],
                                include_self=True)
    return out.reshape(*data.shape)


def mod(a: dict, x, y):
    return x.fmod(y) if int(a.get("fmod", 0)) else x.remainder(y)


def is_inf(a: dict, x):
    neg, pos = int(a.get("detect_negative", 1)), int(a.get("detect_positive", 1))
    inf = x.isinf()
    if neg and pos:
        return inf
    if not (neg or pos):
        return inf & inf.logical_not()             # all False
    return inf & ((x > 0) if pos else (x < 0))


def _reduce_axes(a: dict, x, axes):
    """The reduced axes (None: the input unchanged, ``noop_with_empty_axes``)."""
    ax = a.get("axes")
    if ax is None and axes is not None:
        ax = _ints(axes)
    if not ax:
        return None if int(a.get("noop_with_empty_axes", 0)) else list(range(x.dim()))
    return sorted({int(v) % x.dim() for v in ax})


def reduce_prod(a: dict, x, axes=None):
    ax = _reduce_axes(a, x, axes)
    if ax is None:
        return x
    keep = bool(a.get("keepdims", 1))
    for k in reversed(ax):
        x = x.prod(dim=k, keepdim=keep)
    return x


def reduce_logsumexp(a: dict, x, axes=None):
    ax = _reduce_axes(a, x, axes)
    if ax is None:
        return x
    return x.logsumexp(dim=tuple(ax), keepdim=bool(a.get("keepdims", 1)))


_GRID_MODES = {"linear": "bilinear", "cubic": "bicubic"}


def grid_sample(a: dict, x, grid):
    from .nn.functional_grid import grid_sample as sample
    mode = _str(a.get("mode"), "bilinear")
    return sample(x, grid, mode=_GRID_MODES.get(mode, mode),
                  padding_mode=_str(a.get("padding_mode"), "zeros"),
                  align_corners=bool(a.get("align_corners", 0)))


def extra_ops() -> dict:
    """ONNX operator -> ``run(attrs, *inputs)`` for the operators of this module."""
    def un(name):
        return lambda a, x: getattr(x, name)()
    ops = {k: un(k.lower()) for k in ("Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh")}
    ops.update({
        "IsNaN": un("isnan"), "IsInf": is_inf, "Mod": mod,
        "Pad": pad, "Range": range_, "Shape": shape,
        "GatherElements": gather_elements, "ScatterND": scatter_nd,
        "ReduceProd": reduce_prod, "ReduceLogSumExp": reduce_logsumexp,
        "GridSample": grid_sample,
    })
    return ops
