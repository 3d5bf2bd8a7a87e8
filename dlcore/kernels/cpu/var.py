"""CPU kernels of the variance primitives (dlcore/ops/var_prims.py); a reduction over no
element is NaN, as PyTorch's.

Trailing axes of a C-contiguous operand (``x.var(-1)``, a LayerNorm written by hand) are rows
of ``(rows, n)`` for the Numba loops of :mod:`._jit_var` (imported on first use); other axes
are the rows of a (kept, reduced) copy for ``var`` and the same float64 passes by NumPy for
``var_grad``.  ``dof = max(n - correction, 0)``, as
PyTorch's: no degree of freedom left divides by 0 (inf or NaN, no warning here)."""

from __future__ import annotations

import math

import numpy as np

from . import jit_module
from .reduce import _out_shape, as_2d

_jit = jit_module("_jit_var")
_F64 = np.dtype(np.float64)


def _count(shape: tuple, axes: tuple) -> int:
    return math.prod(shape[a] for a in axes)


def _trailing(x: np.ndarray, axes: tuple) -> bool:
    nd = x.ndim
    return bool(axes) and axes[-1] == nd - 1 and axes[0] == nd - len(axes) and \
        x.flags.c_contiguous and x.size > 0


def grad_scale(n: int, correction) -> float:
    """PyTorch's var_backward factor ``2 / max(n - correction, 0)`` (inf with no dof left)."""
    dof = max(n - correction, 0)
    return 2.0 / dof if dof else math.inf


def _wide(x: np.ndarray) -> np.ndarray:
    """float32/float64 as they are; a 16-bit float in float32 (PyTorch's accumulate type)."""
    return x if x.dtype == np.float32 or x.dtype == _F64 else x.astype(np.float32)


def var(x, *, axes, correction, keepdims):
    given, x = x.dtype, _wide(x)
    n = _count(x.shape, axes)
    dof = float(max(n - correction, 0))             # (PyTorch's: no dof left is 0)
    kept = _out_shape(x.shape, axes, True)
    if not n:                                   # (nothing reduced: NaN, as PyTorch's)
        out = np.full(kept, np.nan, x.dtype)
    else:
        # (other axes: the rows of the reduce kernels' (kept, reduced) copy; the loop's float
        # division by 0 gives inf/NaN quietly: Numba's NumPy error model)
        rows = x.reshape(-1, n) if _trailing(x, axes) else np.ascontiguousarray(as_2d(x, axes))
        out = np.empty(kept, x.dtype)
        _jit().var_rows(rows, out.reshape(-1), dof)
    out = out if out.dtype == given else out.astype(given)
    return out if keepdims else out.reshape(_out_shape(x.shape, axes, False))


def _var_small(shape, dtype, *, axes, correction, keepdims):
    """``var``'s small-operand form (the eager lanes' and replay plans' run, made once per
    shape): the count, degrees of freedom, output shapes and rows' transpose worked out here,
    then per call the same rows, loop and reshapes as ``var`` (the same bits); None for 16-bit
    floats and empty reductions (``var`` itself).  ``x.std(0)`` of 8x16 with grad: ~13-20 ->
    ~6-8 us."""
    if dtype != np.float32 and dtype != _F64:
        return None
    n = _count(shape, axes)
    if not n:
        return None
    nd = len(shape)
    dof = float(max(n - correction, 0))
    kept = _out_shape(shape, axes, True)
    final = kept if keepdims else _out_shape(shape, axes, False)
    trailing = bool(axes) and axes[-1] == nd - 1 and axes[0] == nd - len(axes)
    rest = [i for i in range(nd) if i not in axes]
    perm = rest + list(axes)
    m = math.prod(shape[i] for i in rest)
    moved = perm != list(range(nd))
    var_rows = _jit().var_rows

    def run(x):
        if trailing and x.flags.c_contiguous:
            rows = x.reshape(-1, n)
        else:                           # (as_2d's rows, copied C-ordered)
            rows = np.ascontiguousarray((x.transpose(perm) if moved else x).reshape(m, n))
        out = np.empty(kept, x.dtype)
        var_rows(rows, out.reshape(-1), dof)
        return out if keepdims else out.reshape(final)
    return run


var.small = _var_small  # type: ignore[attr-defined]


def var_grad(g, x, *, axes, correction, keepdims):
    if x.dtype != np.float32 and x.dtype != _F64:
        return var_grad(_wide(np.asarray(g)), _wide(x), axes=axes, correction=correction,
                        keepdims=keepdims).astype(x.dtype)
    n = _count(x.shape, axes)
    scale = grad_scale(n, correction)
    gk = np.asarray(g).reshape(_out_shape(x.shape, axes, True))
    if _trailing(x, axes) and gk.dtype == x.dtype:
        out = np.empty(x.shape, x.dtype)
        m = gk.size
        _jit().var_grad_rows(np.ascontiguousarray(gk).reshape(m), x.reshape(m, n),
                             out.reshape(m, n), scale)
        return out
    with np.errstate(invalid="ignore", over="ignore"):
        x64 = x.astype(_F64)
        dev = x64 - x64.mean(axis=axes, keepdims=True) if n else x64
        return (gk.astype(_F64) * scale * dev).astype(x.dtype)
