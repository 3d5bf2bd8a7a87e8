"""Numba loop behind :mod:`dlcore.kernels.cpu.int8_matmul` (imported on first use).

``out[m, n] = sum_k (a[m, k] - za) * (b[n, k] - zb)``, products and sums in int32: expanded as
``sum a b - zb sum_k a[m] - za sum_k b[n] + K za zb``, so the inner loop is a plain dot of two
contiguous byte rows (which LLVM vectorises), the row sums taken once."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True, parallel=True)
def matmul_nt(a, b, za, zb, out):
    m_rows, k_size = a.shape
    n_rows = b.shape[0]
    b_sums = np.zeros(n_rows, np.int32)
    for n in range(n_rows):
        s = np.int32(0)
        for k in range(k_size):
            s += np.int32(b[n, k])
        b_sums[n] = s
    const = np.int32(k_size) * za * zb
    for m in prange(m_rows):
        a_sum = np.int32(0)
        for k in range(k_size):
            a_sum += np.int32(a[m, k])
        base = const - zb * a_sum
        for n in range(n_rows):
            acc = np.int32(0)
            for k in range(k_size):
                acc += np.int32(a[m, k]) * np.int32(b[n, k])
            out[m, n] = acc + base - za * b_sums[n]
