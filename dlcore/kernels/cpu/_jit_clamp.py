"""Numba loop of clamp's gradient on flat float32/float64 arrays (imported on first use by
:mod:`dlcore.kernels.cpu.clamp`).  ``lo`` and ``hi`` are the bounds in the arrays' dtype (a
missing one as -inf/+inf), so the comparisons are the ones PyTorch's ``clamp_backward`` makes
(``self >= min``, ``self <= max`` against the bound converted to the tensor's dtype)."""

from __future__ import annotations

from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def clamp_grad(g, x, out, lo, hi, strict):
    """``out[i] = g[i] if lo <= x[i] <= hi else 0`` (a NaN ``x`` or bound: 0); ``strict``:
    ``lo < x[i] < hi`` (hardtanh's gradient)."""
    if strict:
        for i in range(x.size):
            v = x[i]
            out[i] = g[i] if (v > lo and v < hi) else 0
    else:
        for i in range(x.size):
            v = x[i]
            out[i] = g[i] if (v >= lo and v <= hi) else 0


@njit(cache=True, nogil=True)
def clamp_grad_fill(gv, x, out, lo, hi, strict):
    """``clamp_grad`` of one cotangent value ``gv`` everywhere (a sum's broadcast cotangent:
    the first backward of ``clamp(x).sum()``)."""
    if strict:
        for i in range(x.size):
            v = x[i]
            out[i] = gv if (v > lo and v < hi) else 0
    else:
        for i in range(x.size):
            v = x[i]
            out[i] = gv if (v >= lo and v <= hi) else 0
