"""The one way eager internals read a tensor's data on the host.

A few eager operations compute on the host in NumPy (LBFGS's flat vectors, index lists, the
LU pivots, statistics such as ``histc``).  They read a tensor's buffer through
:func:`dlcore.device.to_host`: the buffer itself on the CPU, one counted device-to-host copy
for a CUDA tensor.  Not through ``Tensor.numpy()``, which is the user's conversion and refuses,
as PyTorch's does, a tensor that requires grad and bfloat16 (NumPy has no bfloat16 of its own);
an internal that went through it would raise on a bfloat16 input that the operation accepts.

    host(t)           # t's data as a numpy array (ml_dtypes' bfloat16 stays bfloat16)
    host([1, 2])      # anything else through np.asarray
"""

from __future__ import annotations

import numpy as np

from dlcore.device import to_host

from .tensor import Tensor

__all__ = ["host"]


def host(x) -> np.ndarray:
    """``x``'s data as a host array: a Tensor's buffer (a counted copy when it lives on a GPU;
    the same memory on the CPU, so copy before writing), anything else through ``np.asarray``."""
    if isinstance(x, Tensor):
        return to_host(x._buf)
    return np.asarray(x)
