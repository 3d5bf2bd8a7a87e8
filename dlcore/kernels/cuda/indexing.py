"""CUDA indexing kernels (numba.cuda).  numba.cuda is imported on first use."""

from __future__ import annotations


def getitem(x, *, idx):
    raise NotImplementedError("dlcore: the CUDA kernel for 'getitem' is not written yet")


def slice_scatter(g, ref, *, idx):
    raise NotImplementedError("dlcore: the CUDA kernel for 'slice_scatter' is not written yet")


def index_update(x, v, *, idx):
    raise NotImplementedError("dlcore: the CUDA kernel for 'index_update' is not written yet")


def one_hot(x, *, depth, dtype):
    raise NotImplementedError("dlcore: the CUDA kernel for 'one_hot' is not written yet")


def full_like(x, *, value, dtype):
    raise NotImplementedError("dlcore: the CUDA kernel for 'full_like' is not written yet")
