"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.complex_ops` and :mod:`.fft` (imported on
first use): interleaving real pairs, and the direct DFT along one axis of a (pre, n, post)
array (one thread per output element, a grid-stride loop)."""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit
def interleave(re, im, out, n):
    start = cuda.grid(1)
    for i in range(start, n, cuda.gridsize(1)):
        out[i, 0] = re[i]
        out[i, 1] = im[i]


@cuda.jit
def pair(x, out, n):
    start = cuda.grid(1)
    for i in range(start, n, cuda.gridsize(1)):
        out[i] = complex(x[i, 0], x[i, 1])


@cuda.jit
def dft_axis(x, out, pre, n_in, m_out, post, n, sign, scale):
    """out[p, k, q] = scale * sum_{j < n_in} x[p, j, q] exp(sign 2 pi i j k / n), k < m_out."""
    start = cuda.grid(1)
    total = pre * m_out * post
    for t in range(start, total, cuda.gridsize(1)):
        q = t % post
        k = (t // post) % m_out
        p = t // (post * m_out)
        acc = complex(0.0, 0.0)
        for j in range(n_in):
            ang = sign * 2.0 * math.pi * ((j * k) % n) / n
            acc += x[p, j, q] * complex(math.cos(ang), math.sin(ang))
        out[p, k, q] = acc * scale


@cuda.jit
def c2r_axis(x, out, pre, m_in, post, n, scale):
    """The inverse real DFT of one-sided spectra along the middle axis:
    out[p, j, q] = scale * Re sum_{k < n} X[k] exp(2 pi i j k / n), X[k] = x[p, k, q] for
    k < m_in, conj(x[p, n - k, q]) above (Hermitian symmetry)."""
    start = cuda.grid(1)
    total = pre * n * post
    for t in range(start, total, cuda.gridsize(1)):
        q = t % post
        j = (t // post) % n
        p = t // (post * n)
        acc = 0.0
        for k in range(n):
            if k < m_in:
                v = x[p, k, q]
            else:
                v = x[p, n - k, q].conjugate()
            ang = 2.0 * math.pi * ((j * k) % n) / n
            acc += v.real * math.cos(ang) - v.imag * math.sin(ang)
        out[p, j, q] = acc * scale
