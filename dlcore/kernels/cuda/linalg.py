"""CUDA linalg kernels (numba.cuda).  numba.cuda is imported on first use."""

from __future__ import annotations


def matmul(a, b):
    raise NotImplementedError("dlcore: the CUDA kernel for 'matmul' is not written yet")
