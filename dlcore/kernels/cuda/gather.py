"""CUDA kernels for take / scatter_add (numba.cuda).  numba.cuda is imported on first use."""

from __future__ import annotations


def take(x, i):
    raise NotImplementedError("dlcore: the CUDA kernel for 'take' is not written yet")


def scatter_add(v, i, ref):
    raise NotImplementedError("dlcore: the CUDA kernel for 'scatter_add' is not written yet")
