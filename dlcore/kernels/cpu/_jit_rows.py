"""Numba loops of a matrix and a row vector (imported on first use by
:mod:`dlcore.kernels.cpu.elementwise` and the CPU ``addmm`` kernel): ``out[i, j] = a[i, j] op
b[j]`` for a C-contiguous (m, n) ``a`` and a contiguous (n,) ``b`` of one float dtype, the bias
add of a linear layer.

NumPy computes these through its broadcasting iterator, whose set-up costs more than the
arithmetic at a layer's size: ``np.add`` of (32, 64) and (64,) float32 took 1.11 us against
0.51 us for two (32, 64) operands (NumPy 2.4, one thread, CPU time); these loops take ~0.3 us
into an output allocated by NumPy (a Numba allocation, returned, costs ~0.5 us more).  Each
element is one IEEE operation, so the values are NumPy's bit for bit; floating-point
exceptions are silent (``error_model="numpy"``: x / 0 is inf or NaN, no ZeroDivisionError), as
in the elementwise kernels.
"""

from __future__ import annotations

from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True, error_model="numpy")
def add_rows(a, b, out):
    m, n = a.shape
    for i in range(m):
        for j in range(n):
            out[i, j] = a[i, j] + b[j]


@njit(cache=True, nogil=True, error_model="numpy")
def sub_rows(a, b, out):
    m, n = a.shape
    for i in range(m):
        for j in range(n):
            out[i, j] = a[i, j] - b[j]


@njit(cache=True, nogil=True, error_model="numpy")
def mul_rows(a, b, out):
    m, n = a.shape
    for i in range(m):
        for j in range(n):
            out[i, j] = a[i, j] * b[j]


@njit(cache=True, nogil=True, error_model="numpy")
def div_rows(a, b, out):
    m, n = a.shape
    for i in range(m):
        for j in range(n):
            out[i, j] = a[i, j] / b[j]


@njit(cache=True, nogil=True, error_model="numpy")
def add_row_into(out, c):
    """``out[i, j] = c[j] + out[i, j]`` in place (addmm's bias, ``np.add(c, out, out=out)``)."""
    m, n = out.shape
    for i in range(m):
        for j in range(n):
            out[i, j] = c[j] + out[i, j]


# ``out[i, j] = a[i, j] op c[i]``: a tensor times (plus, ...) a per-channel value broadcast over
# its trailing axes ((N, C, H, W) by (1, C, 1, 1): a group norm's affine, a channel dropout's
# mask), the tensor viewed (N C, H W) and the values as one per row
@njit(cache=True, nogil=True, error_model="numpy")
def add_cols(a, c, out):
    m, n = a.shape
    for i in range(m):
        v = c[i]
        for j in range(n):
            out[i, j] = a[i, j] + v


@njit(cache=True, nogil=True, error_model="numpy")
def sub_cols(a, c, out):
    m, n = a.shape
    for i in range(m):
        v = c[i]
        for j in range(n):
            out[i, j] = a[i, j] - v


@njit(cache=True, nogil=True, error_model="numpy")
def mul_cols(a, c, out):
    m, n = a.shape
    for i in range(m):
        v = c[i]
        for j in range(n):
            out[i, j] = a[i, j] * v


@njit(cache=True, nogil=True, error_model="numpy")
def div_cols(a, c, out):
    m, n = a.shape
    for i in range(m):
        v = c[i]
        for j in range(n):
            out[i, j] = a[i, j] / v
