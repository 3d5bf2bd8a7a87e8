"""PyTorch's statistics long tail, as compositions of recorded tensor operations (gradients come
from theirs) with their index arithmetic done on the host:

* ``quantile``/``nanquantile`` (``q`` a number or a 1-D tensor, ``dim``, ``keepdim``, the five
  interpolations) and ``nanmedian``: PyTorch's algorithm (aten's ``quantile_compute``): sort
  along the reduced dimension (NaN last), ranks ``q (n - 1)`` (the non-NaN count for the nan-
  variants; the last index where a slice holds a NaN for ``quantile``), rounded per
  interpolation, then values gathered from the sorted tensor and ``lerp``-ed; the gradient goes
  through ``sort`` and ``gather`` to the selected elements, as in PyTorch.
* ``cov`` (``correction``, ``fweights``, ``aweights``) and ``corrcoef``: NumPy's weighted
  covariance ``(X - avg) W (X - avg)^T / (sum w - correction sum(w a) / sum w)``.
* ``trapezoid``/``trapz``/``cumulative_trapezoid`` (``x`` or ``dx``) and ``gradient``
  (``spacing`` a number, numbers or coordinate tensors; ``edge_order`` 1 or 2; NumPy's
  second-order interior differences for uneven coordinates).
* ``bincount``, ``histc``, ``histogram``: counts, computed on the host (not differentiable, as
  in PyTorch).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from dlcore.dtypes import is_floating

from ._arg_checks import not_tensor as _not_tensor
from . import _dtype as D
from . import _host_grad as _hg
from . import return_types
from ._graph import labelled
from ._host import host as _host
from .return_types import structseq
from .tensor import Tensor

histogram_result = structseq("histogram", ["hist", "bin_edges"])
histogramdd_result = structseq("histogramdd", ["hist", "bin_edges"])


def _like(arr, ref: Tensor) -> Tensor:
    out = Tensor._wrap(np.require(arr, requirements="C"))     # (0-d stays 0-d)
    return out.cuda() if ref.is_cuda else out


def _dtype_name(x: Tensor) -> str:
    return D.from_numpy_dtype(x._buf.dtype)._legacy


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


# ----------------------------------------------------------------------------- counting
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Counts of each value of a 1-D non-negative integer tensor (weighted sums with
    ``weights``), at least ``minlength`` long."""
    if input._buf.dtype.kind not in "iu":
        raise NotImplementedError(f'"bincount_cpu" not implemented for '
                                  f"'{_dtype_name(input)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    x = _host(input)
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _like(np.bincount(x, minlength=minlength).astype(np.int64), input)
    w = _host(weights)
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dt = np.float32 if w.dtype == np.float32 else np.float64
    return _like(np.bincount(x, w.astype(np.float64), minlength).astype(dt), input)


def _check_bins(bins: int) -> None:
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           "dimension 0")


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of ``bins`` equal bins over [min, max] (the data's range when both are 0);
    values outside are ignored."""
    if not is_floating(input._buf.dtype):
        raise NotImplementedError(f'"histogram_cpu" not implemented for '
                                  f"'{_dtype_name(input)}'")
    _check_bins(bins)
    x = _host(input).reshape(-1)
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):     # (NaN or inf data: PyTorch refuses)
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    dt = x.dtype
    if lo == hi:
        if dt.type(lo) - dt.type(1) == dt.type(lo):
            # the widening to [lo - 1, lo + 1] is lost in x's dtype (9e15, 1e30 in float32: a
            # 0 / 0 bin index, NumPy's error about a negative count): each value in range is
            # lo, the middle, which is where PyTorch counts them
            out = np.zeros(bins, dt)
            out[bins // 2] = np.count_nonzero(x == dt.type(lo))
            return _like(out, input)
        lo, hi = lo - 1, hi + 1
    inside = x[(x >= lo) & (x <= hi)]
    # PyTorch's order of operations ((x - min) * bins / (max - min)): 1.2 of [0, 3] in 5 bins
    # is bin 2, where (x - min) / (max - min) * bins gives 1.9999999999999998
    pos = ((inside - dt.type(lo)) * dt.type(bins) / (dt.type(hi) - dt.type(lo))).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    return _like(np.bincount(pos, minlength=bins).astype(dt), input)


def histogram(input: Tensor, bins=100, *, range=None, weight=None, density: bool = False):
    """``(hist, bin_edges)``: ``bins`` equal bins over ``range`` (the data's range by default),
    or the given increasing edges; ``weight`` per element, ``density`` normalises to unit
    area."""
    if not is_floating(input._buf.dtype):
        raise NotImplementedError(f'"histogramdd" not implemented for '
                                  f"'{_dtype_name(input)}'")
    x = _host(input).reshape(-1)
    dt = x.dtype
    if isinstance(bins, Tensor):
        edges = _host(bins).astype(dt)
    else:
        _check_bins(int(bins))
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
            if lo > hi:
                raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                                   f"{lo:g} max {hi:g} for dimension 0")
        else:
            lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, int(bins) + 1).astype(dt)
    w = None if weight is None else _host(weight).reshape(-1)
    if w is not None and w.shape != x.shape:
        raise RuntimeError("torch.histogramdd: expected weight to have the same shape as the "
                           f"input, but got {list(weight.shape)} and {list(input.shape)}")
    if edges.size >= 2 and np.all(np.diff(edges) >= 0):
        hist, _ = np.histogram(x, edges.astype(np.float64), weights=w)
    else:
        hist = np.zeros(max(edges.size - 1, 0))
    hist = hist.astype(dt)
    if density and hist.size:
        total = hist.sum()
        hist = (hist / (total * np.diff(edges))).astype(dt)
    # PyTorch marks both results as needing grad, with a NotImplemented backward
    ins = (input, bins, weight)
    bw = _hg.not_implemented("histogram")
    return histogram_result(_hg.attach(_like(hist, input), "NotImplemented", ins, bw),
                            _hg.attach(_like(edges, input), "NotImplemented", ins, bw))


def histogramdd(input: Tensor, bins=10, *, range=None, weight=None, density: bool = False):
    """``(hist, bin_edges)`` of the points ``input[..., :]`` (the innermost dimension is D, the
    point's coordinates): per dimension ``bins[d]`` equal bins over ``range[2d:2d+2]`` (the
    data's range by default, widened by 0.5 on both sides when it is a point; [0, 1] for no
    data), or the given increasing edges; each bin half-open but the last, closed (NumPy's and
    PyTorch's rule); ``weight`` per point, ``density`` normalises to unit volume.  Computed on
    the host; not differentiable, as in PyTorch."""
    if not is_floating(input._buf.dtype):
        raise NotImplementedError(f'"histogramdd" not implemented for '
                                  f"'{_dtype_name(input)}'")
    if input.dim() < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    x = _host(input)
    nd = x.shape[-1]
    pts = x.reshape(-1, nd)
    dt = x.dtype
    if isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor):
        if len(bins) != nd:
            raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                               "dimension of the input.")
        edges = [_host(b).astype(dt).reshape(-1) for b in bins]
    else:
        counts = [int(b) for b in bins] if isinstance(bins, (list, tuple)) else [int(bins)] * nd
        if len(counts) != nd:
            raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                               "dimension of the input.")
        for d, c in enumerate(counts):
            if c <= 0:
                raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {c} for "
                                   f"dimension {d}")
        if range is not None and len(range) != 2 * nd:
            raise RuntimeError(f"torch.histogramdd: for a {nd}-dimensional histogram range "
                               f"should have {2 * nd} elements, but got {len(range)}")
        edges = []
        for d, c in enumerate(counts):
            if range is not None:
                lo, hi = float(range[2 * d]), float(range[2 * d + 1])
                if lo > hi:
                    raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got "
                                       f"min {lo:g} max {hi:g} for dimension {d}")
            elif pts.shape[0]:
                lo, hi = float(pts[:, d].min()), float(pts[:, d].max())
            else:
                lo, hi = 0.0, 1.0
            if lo == hi:
                lo, hi = lo - 0.5, hi + 0.5
            edges.append(np.linspace(lo, hi, c + 1).astype(dt))
    w = None if weight is None else _host(weight)
    if w is not None and w.shape != x.shape[:-1]:
        raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the "
                           "same shape as the input tensor excluding its innermost dimension, "
                           f"but got input with shape {list(input.shape)} and weight with shape "
                           f"{list(weight.shape)}")
    shape = tuple(max(e.size - 1, 0) for e in edges)
    hist = np.zeros(shape, np.float64)
    if all(e.size >= 2 and np.all(np.diff(e) >= 0) for e in edges) and pts.shape[0]:
        keep = np.ones(pts.shape[0], bool)
        index = []
        for d, e in enumerate(edges):
            v = pts[:, d]
            keep &= (v >= e[0]) & (v <= e[-1])       # (NaN is neither)
            index.append(np.minimum(np.searchsorted(e, v, side="right") - 1, e.size - 2))
        flat = np.ravel_multi_index(tuple(i[keep] for i in index), shape)
        wk = None if w is None else w.reshape(-1)[keep].astype(np.float64)
        hist = np.bincount(flat, wk, minlength=int(np.prod(shape))).astype(np.float64) \
            .reshape(shape)
    hist = hist.astype(dt)
    if density and hist.size:
        volume = np.ones(shape, np.float64)
        for d, e in enumerate(edges):
            volume = volume * np.diff(e.astype(np.float64)).reshape(
                (1,) * d + (-1,) + (1,) * (nd - d - 1))
        hist = (hist / (hist.sum(dtype=np.float64) * volume)).astype(dt)
    return histogramdd_result(_like(hist, input), tuple(_like(e, input) for e in edges))


# ----------------------------------------------------------------------------- quantiles
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, x: Tensor, q, dim, keepdim, interpolation, ignore_nan) -> Tensor:
    if not isinstance(x, Tensor):
        raise _not_tensor(name, "input", 1, x)
    if x._buf.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if isinstance(q, Tensor):
        if q.dim() > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._buf.dtype != x._buf.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qs, scalar_q = _host(q).reshape(-1), q.dim() == 0
    else:
        qs, scalar_q = np.asarray([q], x._buf.dtype), True
    for v in qs:
        if not 0 <= v <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {float(v):g}")
    if x.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if dim is None:
        data = x.reshape(-1)
        out_shape = [1] * x.dim() if keepdim else []
    else:
        d = _wrap_dim(int(dim), x.dim())
        data = x.movedim(d, -1) if x.dim() else x.reshape(1)
        out_shape = list(x.shape)
        if x.dim():
            if keepdim:
                out_shape[d] = 1
            else:
                del out_shape[d]
    srt = data.sort(-1).values
    n = srt.shape[-1]
    nans = _host(srt.isnan())
    qs = qs.astype(x._buf.dtype)
    q_b = qs.reshape((-1,) + (1,) * srt.dim())                    # (Q, ..., 1)
    if ignore_nan:
        count = (~nans).sum(-1, keepdims=True).astype(x._buf.dtype)
        ranks = q_b * (count - 1)
        ranks = np.where(ranks < 0, 0, ranks)
    else:
        ranks = q_b * x._buf.dtype.type(n - 1)
        ranks = np.where(nans.any(-1, keepdims=True), x._buf.dtype.type(n - 1), ranks)
    ranks = ranks.astype(x._buf.dtype)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.rint(ranks)
    below = ranks.astype(np.int64)
    big = srt.unsqueeze(0).expand(len(qs), *srt.shape)
    out = big.gather(-1, _like(below, x))
    if interpolation in ("linear", "midpoint"):
        w = np.full(ranks.shape, 0.5, x._buf.dtype) if interpolation == "midpoint" \
            else (ranks - below).astype(x._buf.dtype)
        above = big.gather(-1, _like(np.ceil(ranks).astype(np.int64), x))
        out = out + _like(w, x) * (above - out)
    out = out.reshape(len(qs), *out_shape)
    return out[0] if scalar_q else out


def quantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear",
             out=None):
    """The ``q``-th quantiles of ``input`` (flattened, or along ``dim``); NaN where a slice
    holds a NaN."""
    from ._api import write_out
    return write_out(labelled(_quantile("quantile", input, q, dim, keepdim, interpolation,
                                        False), "SqueezeBackward4", input), out, "quantile")


def nanquantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear",
                out=None):
    """``quantile`` ignoring NaNs (NaN only where a slice is all NaN)."""
    from ._api import write_out
    return write_out(labelled(_quantile("nanquantile", input, q, dim, keepdim, interpolation,
                                        True), "SqueezeBackward4", input), out, "nanquantile")


def nanmedian(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median of the non-NaN values; with ``dim``, ``(values, indices)``."""
    if dim is None:
        flat = input.reshape(-1)
        srt = flat.sort(-1)
        cnt = int((~_host(flat.isnan())).sum())
        return labelled(srt.values[max((cnt - 1) // 2, 0)], "NanmedianBackward0", input,
                        edges=(input,))
    if isinstance(dim, (bool, float, str)) or not hasattr(dim, "__index__"):
        # (int() took "1" and 1.5; PyTorch's parser refuses them: its words, _arg_words)
        raise TypeError(f"nanmedian(): argument 'dim' must be int, not {type(dim).__name__}")
    d = _wrap_dim(int(dim), input.dim())
    data = input.movedim(d, -1) if input.dim() else input.reshape(1)
    srt = data.sort(-1)
    cnt = (~_host(data.isnan())).sum(-1, keepdims=True)
    k = _like(np.maximum((cnt - 1) // 2, 0).astype(np.int64), input)
    values = srt.values.gather(-1, k)
    indices = srt.indices.gather(-1, k)
    if input.dim() == 0:
        values, indices = values.reshape(()), indices.reshape(())
    elif keepdim:
        values, indices = values.movedim(-1, d), indices.movedim(-1, d)
    else:
        values, indices = values.squeeze(-1), indices.squeeze(-1)
    return return_types.nanmedian(labelled(values, "NanmedianBackward1", input, edges=(input,)),
                                  indices)


# ----------------------------------------------------------------------------- covariance
def cov(input: Tensor, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """The covariance of the rows (variables) of ``input`` over its columns (observations)."""
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.dim()} dimensions")
    x = input if input.dim() == 2 else input.reshape(1, -1)
    if not is_floating(x._buf.dtype):
        x = x.to(D.get_default_dtype())
    n_obs = x.shape[1]
    w = None
    if fweights is not None:
        if fweights._buf.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got "
                               f"fweights with {_dtype_name(fweights)} dtype")
        _check_weights("fweights", fweights, n_obs)
        w = fweights.to(x.dtype)
    if aweights is not None:
        if not is_floating(aweights._buf.dtype):
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got "
                               f"aweights with {_dtype_name(aweights)} dtype")
        _check_weights("aweights", aweights, n_obs)
        a = aweights.to(x.dtype)
        w = a if w is None else w * a
    if w is None:
        w_sum = float(n_obs)
        avg = x.mean(1, keepdim=True)
    else:
        w_sum_t = w.sum()
        avg = (x * w).sum(1, keepdim=True) / w_sum_t
        w_sum = float(_host(w_sum_t))
    if w is None or correction == 0 or aweights is None:
        norm = w_sum - correction
    else:
        norm = w_sum - correction * float(_host((w * aweights.to(x.dtype)).sum())) / w_sum
    if norm <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = 0.0
    xc = x - avg
    xw = xc if w is None else xc * w
    c = xw.matmul(xc.t())
    c = c / norm if norm != 0 else c * math.inf
    return labelled(c.reshape(()) if x.shape[0] == 1 else c, "SqueezeBackward0", input)


def _check_weights(name: str, w: Tensor, n_obs: int) -> None:
    if w.dim() > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.dim()} dimensions")
    if w.numel() != n_obs:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {n_obs}")
    if (_host(w) < 0).any():
        raise RuntimeError(f"cov(): {name} cannot be negative")


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows of ``input`` (clipped to [-1, 1])."""
    if input.dim() > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but "
                           f"got an input with {input.dim()} dimensions")
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = c.diagonal()
    stddev = d.sqrt()
    c = c / stddev.unsqueeze(1)
    c = c / stddev.unsqueeze(0)
    return c.clamp(-1, 1)


# ----------------------------------------------------------------------------- integration
def _diff(y: Tensor, dim: int) -> Tensor:
    n = y.shape[dim]
    return y.narrow(dim, 1, n - 1) - y.narrow(dim, 0, n - 1)


def _pair_sum(y: Tensor, dim: int) -> Tensor:
    n = y.shape[dim]
    return y.narrow(dim, 1, n - 1) + y.narrow(dim, 0, n - 1)


def _spacing(name: str, y: Tensor, x, dx, dim: int):
    if x is not None and dx is not None:
        raise RuntimeError(f"{name}: received both x and dx, but only one of them is allowed")
    if x is None:
        return 1.0 if dx is None else float(dx)
    if not isinstance(x, Tensor):
        raise _not_tensor(name, "x", None, x)
    if x.dim() == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.dim()
        shape[dim] = x.shape[0]
        return _diff(x, 0).reshape(*[s if i != dim else s - 1 for i, s in enumerate(shape)])
    return _diff(x, dim if x.dim() == y.dim() else dim - y.dim() + x.dim())


def trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along ``dim``: ``sum((y[1:] + y[:-1]) / 2 * diff(x))``."""
    d = _wrap_dim(dim, y.dim())
    if y.shape[d] == 0:
        return y.sum(d) * 0
    h = _spacing("trapezoid", y, x, dx, d)
    return (_pair_sum(y, d) * h).sum(d) / 2


def trapz(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """``trapezoid`` (PyTorch's older name)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The running trapezoidal integral along ``dim`` (one element shorter than ``y``)."""
    d = _wrap_dim(dim, y.dim())
    if y.shape[d] == 0:
        return y
    h = _spacing("cumulative_trapezoid", y, x, dx, d)
    return ((_pair_sum(y, d) * h) / 2).cumsum(d)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1):
    """The derivative estimated by central differences in the interior and one-sided
    differences (order ``edge_order``) at the ends, along each of ``dim``: a tuple of tensors."""
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if dim is None:
        dims = list(range(input.dim()))
        dim_given = False
    else:
        dims = [dim] if isinstance(dim, int) else list(dim)
        dim_given = True
        dims = [_wrap_dim(d, input.dim()) for d in dims]
        seen = set()
        for d in dims:
            if d in seen:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
            seen.add(d)
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            what = f"'dim' = {len(dims)}" if dim_given else f"'self.dim() = {input.dim()}'"
            since = "since dim argument was given" if dim_given else \
                "since dim argument was not given"
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or "
                               f"a list of length equal to {what}, {since}, but got a list of "
                               f"length {len(spacing)}")
        spacings = list(spacing)
    else:
        spacings = [spacing] * len(dims)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    x = input if is_floating(input._buf.dtype) else input.to(D.get_default_dtype())
    return tuple(_gradient_1d(x, d, h, edge_order) for d, h in zip(dims, spacings))


def _gradient_1d(f: Tensor, d: int, h, edge_order: int) -> Tensor:
    n = f.shape[d]

    def sl(start, length):
        return f.narrow(d, start, length)

    if isinstance(h, Tensor):                   # coordinates: NumPy's uneven formulas
        c = _host(h).astype(np.float64).reshape(-1)
        if c.size != n:
            raise RuntimeError("torch.gradient expected each tensor to be on the same device "
                               "and have the same size along its dim as the input "
                               f"({c.size} != {n})")
        dx = np.diff(c)
    else:
        dx = np.full(n - 1, float(h))

    def col(v):
        shape = [1] * f.dim()
        shape[d] = v.size
        return _like(v.astype(f._buf.dtype).reshape(shape), f)

    parts = []
    # first edge
    if edge_order == 1:
        parts.append((sl(1, 1) - sl(0, 1)) / float(dx[0]))
    else:
        h1, h2 = dx[0], dx[1]
        a = -(2 * h1 + h2) / (h1 * (h1 + h2))
        b = (h1 + h2) / (h1 * h2)
        cc = -h1 / (h2 * (h1 + h2))
        parts.append(sl(0, 1) * float(a) + sl(1, 1) * float(b) + sl(2, 1) * float(cc))
    if n > 2:
        h1, h2 = dx[:-1], dx[1:]
        a = -h2 / (h1 * (h1 + h2))
        b = (h2 - h1) / (h1 * h2)
        cc = h1 / (h2 * (h1 + h2))
        parts.append(sl(0, n - 2) * col(a) + sl(1, n - 2) * col(b) + sl(2, n - 2) * col(cc))
    # last edge
    if edge_order == 1:
        parts.append((sl(n - 1, 1) - sl(n - 2, 1)) / float(dx[-1]))
    else:
        h1, h2 = dx[-2], dx[-1]
        a = h2 / (h1 * (h1 + h2))
        b = -(h2 + h1) / (h1 * h2)
        cc = (2 * h2 + h1) / (h2 * (h1 + h2))
        parts.append(sl(n - 3, 1) * float(a) + sl(n - 2, 1) * float(b) + sl(n - 1, 1) * float(cc))
    from ._shape_ops import cat
    return cat(parts, d)


FUNCTIONS = ["bincount", "histc", "histogram", "histogramdd", "quantile", "nanquantile",
             "nanmedian", "cov",
             "corrcoef", "trapezoid", "trapz", "cumulative_trapezoid", "gradient"]
METHODS = ["bincount", "histc", "histogram", "quantile", "nanquantile", "nanmedian", "cov",
           "corrcoef"]


def install(module) -> None:
    """Put the functions on ``dlcore_eager`` and the methods on Tensor (never overriding)."""
    from ._install import install_names
    install_names(module, globals(), FUNCTIONS, METHODS)

