"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.complex_ops` (imported on first use):
interleaving real pairs (the FFT's kernels are in :mod:`._kernels_fft`)."""

from __future__ import annotations

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
