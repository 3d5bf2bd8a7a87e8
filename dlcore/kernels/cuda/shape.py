"""CUDA shape kernels (numba.cuda).  numba.cuda is imported on first use."""

from __future__ import annotations


def transpose(x, *, perm):
    raise NotImplementedError("dlcore: the CUDA kernel for 'transpose' is not written yet")


def reshape(x, *, shape):
    raise NotImplementedError("dlcore: the CUDA kernel for 'reshape' is not written yet")


def reshape_like(x, ref):
    raise NotImplementedError("dlcore: the CUDA kernel for 'reshape_like' is not written yet")


def broadcast_to(x, *, shape):
    raise NotImplementedError("dlcore: the CUDA kernel for 'broadcast_to' is not written yet")


def broadcast_like(x, ref):
    raise NotImplementedError("dlcore: the CUDA kernel for 'broadcast_like' is not written yet")


def expand_dims(x, *, axes):
    raise NotImplementedError("dlcore: the CUDA kernel for 'expand_dims' is not written yet")


def squeeze(x, *, axes):
    raise NotImplementedError("dlcore: the CUDA kernel for 'squeeze' is not written yet")


def concatenate(*xs, axis):
    raise NotImplementedError("dlcore: the CUDA kernel for 'concatenate' is not written yet")
