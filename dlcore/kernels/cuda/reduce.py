"""CUDA reduce kernels (numba.cuda).  numba.cuda is imported on first use."""

from __future__ import annotations


def sum(x, *, axes, keepdims):  # noqa: A001
    raise NotImplementedError("dlcore: the CUDA kernel for 'sum' is not written yet")


def max(x, *, axes, keepdims):  # noqa: A001
    raise NotImplementedError("dlcore: the CUDA kernel for 'max' is not written yet")


def min(x, *, axes, keepdims):  # noqa: A001
    raise NotImplementedError("dlcore: the CUDA kernel for 'min' is not written yet")


def argmax(x, *, axis, keepdims):
    raise NotImplementedError("dlcore: the CUDA kernel for 'argmax' is not written yet")


def sum_to(x, ref):
    raise NotImplementedError("dlcore: the CUDA kernel for 'sum_to' is not written yet")
