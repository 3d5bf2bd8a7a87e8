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
    """``got`` is a device array with ``want``'s dtype, shape and bytes."""
    assert is_cuda_array(got)
    host = got.copy_to_host()
    assert host.dtype == want.dtype and host.shape == want.shape
    assert host.tobytes() == np.ascontiguousarray(want).tobytes()
