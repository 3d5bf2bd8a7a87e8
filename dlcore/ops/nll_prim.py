"""The negative log-likelihood of class indices as one primitive::

    nll(x, t; mean)   y = -sum_i x[i, t_i] / N   (mean)    x (N, C) float, t (N,) int64 in [0, C)
                      y = -sum_i x[i, t_i]       (not mean)
                      dx[i, t_i] = g / -N  (or -g), 0 elsewhere;  no gradient for t
                                                 (PyTorch's NllLossBackward0 without weights)

Its kernels are the three nodes ``F.nll_loss`` recorded before (``dlcore_eager.nn._fast_losses``:
take_along_axis of t as a column, the sum over every axis, the division by -N or the
negation) on the device's own kernels, so the values are theirs bit for bit, and so is the
gradient (each row's one entry g / -N, as the div's, the sum's and the gather's rules gave it).
One node where there were three: ``NLLLoss`` of (1, 59) log-probabilities, a character RNN's
step, 10.5 -> 7.8 us forward (PyTorch 4.6), its backward one node (issue 19).  The vjp of a
concrete value is a composite of primitives (a scatter of the column), so higher orders follow.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..kernels.cpu._fp_quiet import _FP
from ..registry import AVal, Primitive, aval_of, bind, scalar_buffer
from . import _rules
from .broadcast import broadcast_to
from .elementwise import div, div_p, neg, neg_p
from .reduce import sum_p
from .scan import scatter_add_along_axis, take_along_axis_p
from .shape import reshape, reshape_p

_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _nll_rule(x: AVal, t: AVal, *, mean: bool) -> AVal:
    if x.ndim != 2 or t.ndim != 1 or t.dtype.kind not in "iu" or \
            (x.shape[0] is not None and t.shape[0] is not None and x.shape[0] != t.shape[0]):
        raise ShapeError("nll", "needs (N, C) rows and N integer class indices",
                         [x.shape, t.shape])
    _rules.require_float("nll", x)
    return AVal((), x.dtype)


def _kernel(dev: str):
    def nll(x, t, *, mean):
        n = x.shape[0]
        col = reshape_p.kernels[dev](t, shape=(n, 1))
        s = sum_p.kernels[dev](take_along_axis_p.kernels[dev](x, col, axis=1), axes=(0, 1),
                               keepdims=False)
        if mean:
            return div_p.kernels[dev](s, scalar_buffer(-float(n), s.dtype))
        return neg_p.kernels[dev](s)
    nll.__name__ = f"nll_{dev}"
    return nll


def _cpu_small(shapes, dtypes, *, mean):
    """``kernel.small`` (the eager lane's plan) of the CPU kernel: the gather's and the sum's
    own small plans (those the three nodes ran), NumPy's divide (the div kernel's small case,
    warnings silenced) or negate; None where either plan declines (the kernel runs)."""
    xs, ts = shapes
    if len(xs) != 2 or len(ts) != 1:
        return None
    n, d = xs[0], dtypes[0]
    small_take = getattr(take_along_axis_p.kernels["cpu"], "small", None)
    small_sum = getattr(sum_p.kernels["cpu"], "small", None)
    take = small_take and small_take([tuple(xs), (n, 1)], [d, dtypes[1]], axis=1)
    total = small_sum and small_sum((n, 1), d, axes=(0, 1), keepdims=False)
    if take is None or total is None or div_p.kernels["cpu"] is not _CPU_DIV or \
            neg_p.kernels["cpu"] is not _CPU_NEG:
        return None
    k = scalar_buffer(-float(n), d)
    get, set_, ignore = _FP

    def run(x, t):
        s = total(take(x, t.reshape(n, 1)))
        if mean:
            before = get()
            try:
                set_(ignore)
                q = np.true_divide(s, k)
            finally:
                set_(before)
        else:
            q = np.negative(s)
        return q if type(q) is _ndarray else np.asarray(q)
    return run


def _rows(g, x, t, n: int):
    """dx of NumPy buffers: zeros with each row's target entry ``g`` (0-d)."""
    dx = np.zeros(x.shape, x.dtype)
    dx[np.arange(n), t] = g
    return dx


def _nll_vjp(g, y, x, t, *, mean):
    if type(g) is _ndarray and type(x) is _ndarray and type(t) is _ndarray:
        d = g.dtype
        if (d is _F32 or d is _F64) and x.dtype is d:
            # eager backward's buffers (the loop silences NumPy's warnings): the div's (or the
            # negation's) value, spread by the sum and scattered by the gather's rules
            n = x.shape[0]
            v = np.true_divide(g, scalar_buffer(-float(n), d)) if mean else np.negative(g)
            return (lambda: _rows(v, x, t, n)), None
    n = aval_of(x).shape[0]
    v = div(g, -float(n)) if mean else neg(g)
    col = broadcast_to(reshape(v, (1, 1)), (n, 1))
    return (lambda: scatter_add_along_axis(col, reshape(t, (n, 1)), x, 1)), None


_CPU_DIV, _CPU_NEG = div_p.kernels["cpu"], neg_p.kernels["cpu"]
_nll_cpu = _kernel("cpu")
_nll_cpu.small = _cpu_small
nll_p = Primitive(
    "nll", _nll_rule, _nll_vjp, kind="reduce",
    doc="y = -sum_i x[i, t_i] / N (or the sum);  dx[i, t_i] = g / -N (or -g), 0 elsewhere",
    kernels={"cpu": _nll_cpu, "cuda": _kernel("cuda")})


def nll(x, t, mean: bool):
    """``nll_p`` of (N, C) float rows and N integer class indices in [0, C) (N > 0)."""
    return bind(nll_p, x, t, mean=bool(mean))
