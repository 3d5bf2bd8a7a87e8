"""Helpers of the CUDA kernel tests that compare a device result with the CPU kernel's bit for
bit (``test_cuda_leaky_relu``, ``test_cuda_clamp``)."""

from __future__ import annotations

import numpy as np

import dlcore
from dlcore.device import is_cuda_array


def dev(a):
    """``a`` copied to the CUDA device (C-ordered)."""
    return dlcore.to_device(np.ascontiguousarray(a), "cuda")


def same(got, want):
    """``got`` is a device array with ``want``'s dtype, shape and bytes (:func:`same_bits`)."""
    assert is_cuda_array(got)
    same_bits(got.copy_to_host(), want)


def same_bits(host, want):
    """``host`` has ``want``'s dtype and shape, NaN where it has NaN, and the same bytes
    everywhere else (signed zeros included).  A NaN's payload is not compared: a real GPU's
    float32 arithmetic returns the canonical NaN (0x7fffffff), whatever NaN went in, where
    the CPU passes the input's on (0x7fc00000; seen on an H200: leaky_relu of NaN), while its
    float64 arithmetic keeps the payload."""
    want = np.ascontiguousarray(want)
    host = np.ascontiguousarray(host)
    assert host.dtype == want.dtype and host.shape == want.shape
    if np.issubdtype(want.dtype, np.inexact):
        nan = np.isnan(want)
        assert np.array_equal(np.isnan(host), nan)
        host, want = host[~nan], want[~nan]
    assert host.tobytes() == want.tobytes()
