"""numba.cuda kernels of the O(n log n) FFT behind :mod:`dlcore.kernels.cuda.fft` (imported on
first use).  Every kernel works on (pre, n, post) arrays, the transformed axis in the middle, one
thread per item in a grid-stride loop:

* ``stockham_stage``: one radix-2 stage of Stockham's self-sorting FFT (n a power of two):
  with ``span * m = n / 2``, butterfly ``(j, k)`` (j < span, k < m) reads ``x[k + j m]`` and
  ``x[k + j m + span m]`` and writes ``y[k + 2 j m] = c0 + c1``, ``y[k + 2 j m + m] =
  w^j (c0 - c1)``, ``w = exp(sign i pi / span)``; span = n/2, n/4, ..., 1 while m doubles:
  log2 n stages, ping-ponging two buffers, leave
  the transform in natural order (no bit reversal).  Each twiddle is computed from its own
  angle (no recurrence: no error growth with n);
* Bluestein's algorithm for any other n: ``j k = (j^2 + k^2 - (k - j)^2) / 2`` turns the DFT
  into a convolution with the chirp ``c[j] = exp(sign i pi (j^2 mod 2n) / n)``, done by
  radix-2 FFTs of size ``M`` (a power of two >= 2n - 1): ``chirp_in`` (x c, zero-padded),
  ``chirp_kernel`` (conj c, wrapped), ``mul_axis`` (the pointwise product of the spectra),
  ``chirp_out`` (c times the convolution, scaled);
* ``take_scaled`` (the first m outputs, scaled), ``hermitian_full`` (a one-sided spectrum
  extended by Hermitian symmetry, for c2r) and ``real_scaled`` (the real part, scaled)."""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit(device=True)
def _split(t, m, post):
    """The (p, k, q) of flat index t over a (pre, m, post) grid, k along the transformed axis."""
    return t // (post * m), (t // post) % m, t % post


@cuda.jit
def stockham_stage(x, y, pre, n, post, span, m, sign):
    start = cuda.grid(1)
    half = n // 2
    total = pre * half * post
    for t in range(start, total, cuda.gridsize(1)):
        p, b, q = _split(t, half, post)
        j = b // m
        k = b - j * m
        c0 = x[p, k + j * m, q]
        c1 = x[p, k + j * m + span * m, q]
        ang = sign * math.pi * j / span
        y[p, k + 2 * j * m, q] = c0 + c1
        y[p, k + 2 * j * m + m, q] = (c0 - c1) * complex(math.cos(ang), math.sin(ang))


@cuda.jit
def take_scaled(x, out, pre, n, m_out, post, scale):
    """out[p, k, q] = scale x[p, k, q] for k < m_out."""
    start = cuda.grid(1)
    total = pre * m_out * post
    for t in range(start, total, cuda.gridsize(1)):
        p, k, q = _split(t, m_out, post)
        out[p, k, q] = x[p, k, q] * scale


@cuda.jit
def chirp_in(x, a, pre, n, big, post, sign):
    """a[p, j, q] = x[p, j, q] c[j] for j < n, 0 up to big."""
    start = cuda.grid(1)
    total = pre * big * post
    for t in range(start, total, cuda.gridsize(1)):
        p, j, q = _split(t, big, post)
        if j < n:
            ang = sign * math.pi * ((j * j) % (2 * n)) / n
            a[p, j, q] = x[p, j, q] * complex(math.cos(ang), math.sin(ang))
        else:
            a[p, j, q] = 0


@cuda.jit
def chirp_kernel(b, n, big, sign):
    """b[0, d, 0] = conj c[d] for d < n, conj c[big - d] for d > big - n, else 0."""
    start = cuda.grid(1)
    for d in range(start, big, cuda.gridsize(1)):
        e = d if d < n else (big - d if d > big - n else -1)
        if e >= 0:
            ang = -sign * math.pi * ((e * e) % (2 * n)) / n
            b[0, d, 0] = complex(math.cos(ang), math.sin(ang))
        else:
            b[0, d, 0] = 0


@cuda.jit
def mul_axis(a, b, pre, big, post):
    """a[p, k, q] *= b[0, k, 0]."""
    start = cuda.grid(1)
    total = pre * big * post
    for t in range(start, total, cuda.gridsize(1)):
        p, k, q = _split(t, big, post)
        a[p, k, q] = a[p, k, q] * b[0, k, 0]


@cuda.jit
def chirp_out(conv, out, pre, n, m_out, post, sign, scale):
    """out[p, k, q] = scale c[k] conv[p, k, q] for k < m_out (conv: the unscaled inverse)."""
    start = cuda.grid(1)
    total = pre * m_out * post
    for t in range(start, total, cuda.gridsize(1)):
        p, k, q = _split(t, m_out, post)
        ang = sign * math.pi * ((k * k) % (2 * n)) / n
        out[p, k, q] = conv[p, k, q] * complex(math.cos(ang), math.sin(ang)) * scale


@cuda.jit
def hermitian_full(x, full, pre, m_in, post, n):
    """full[p, k, q] = x[p, k, q] for k < m_in, conj(x[p, n - k, q]) above."""
    start = cuda.grid(1)
    total = pre * n * post
    for t in range(start, total, cuda.gridsize(1)):
        p, k, q = _split(t, n, post)
        if k < m_in:
            full[p, k, q] = x[p, k, q]
        else:
            full[p, k, q] = x[p, n - k, q].conjugate()


@cuda.jit
def real_scaled(x, out, total, scale):
    """out[i] = scale Re x[i] (flat arrays)."""
    start = cuda.grid(1)
    for i in range(start, total, cuda.gridsize(1)):
        out[i] = x[i].real * scale
