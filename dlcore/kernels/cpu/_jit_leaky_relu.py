"""Numba loops of leaky_relu and its gradient on flat float32/float64 arrays (imported on first
use by :mod:`dlcore.kernels.cpu.leaky_relu`).  ``a`` is the slope in the arrays' dtype, so a
float32 product is rounded to float32 once, as PyTorch's ``x > 0 ? x : x * negval``."""

from __future__ import annotations

from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def leaky_relu(x, out, a):
    for i in range(x.size):
        v = x[i]
        out[i] = v if v > 0 else v * a


@njit(cache=True, nogil=True)
def leaky_relu_grad(g, x, out, a):
    for i in range(x.size):
        out[i] = g[i] if x[i] > 0 else g[i] * a


@njit(cache=True, nogil=True)
def leaky_relu_grad_fill(gv, x, out, a):
    """``leaky_relu_grad`` of one cotangent value ``gv`` everywhere (a sum's broadcast
    cotangent: the first backward of ``leaky_relu(x).sum()``)."""
    ga = gv * a
    for i in range(x.size):
        out[i] = gv if x[i] > 0 else ga


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def prelu_grad(g, x, w, dx, acc):
    """PReLU's two gradients in one pass over ``(A, C, B)`` views (``w``'s slopes along the
    middle axis, ``(C,)``; one slope: C = 1): ``dx = g if x > 0 else w g`` and
    ``acc[c] += sum(0 if x > 0 else x g)`` (each product rounded in the dtype, summed in
    float64, ``acc``'s dtype), as PyTorch's ``_prelu_kernel_backward`` then a sum."""
    a_, c_, b_ = x.shape
    for a in range(a_):
        for c in range(c_):
            wc = w[c]
            t = 0.0
            for b in range(b_):               # (selects, no branches: they vectorise)
                v = x[a, c, b]
                gv = g[a, c, b]
                pos = v > 0
                dx[a, c, b] = gv if pos else gv * wc
                t += 0.0 if pos else v * gv
            acc[c] += t
