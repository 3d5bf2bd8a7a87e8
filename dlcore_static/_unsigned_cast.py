"""``tf.cast`` to uint16, uint32 and uint64, the unsigned dtypes graph tensors hold that the
kernel core does not list (``dtypes.STORED_UNSIGNED``): a ``Cast`` host node computing TF 1.15's
conversion with NumPy.

TF's CPU Cast is C++'s ``static_cast`` through Eigen: a float is truncated toward zero and,
out of range, wraps as x86's conversion through a wider integer does (70000.0 -> 4464 in uint16,
-1.0 -> 65535; NaN -> 0); an integer keeps its low bits (two's complement); a bool is 0 or 1.
NumPy's ``astype`` gives the same on these machines (its invalid-value warnings silenced).
The cast has no gradient (to an integer type, as TF's).  Casts *from* these dtypes go through
the core's ``cast`` (its kernels read any NumPy integer array).
"""

from __future__ import annotations

import numpy as np

from . import host_ops as _host


def _cast_unsigned(x: np.ndarray, *, dtype: str) -> np.ndarray:
    dst = np.dtype(dtype)
    if x.dtype.kind == "f":
        with np.errstate(invalid="ignore", over="ignore"):
            x = np.trunc(x)
            bad = ~np.isfinite(x)
            if bad.any():
                x = np.where(bad, 0, x)
            # through int64 (uint64: the values at or past 2**63 directly), as the wrapping
            # conversion of a wider integer
            if dst.itemsize < 8:
                return x.astype(np.int64).astype(dst)
            big = x >= 2.0 ** 63
            out = x.astype(np.int64).astype(dst)
            if big.any():
                out[big] = x[big].astype(dst)
            return out
    return x.astype(dst)


_host.register("Cast", _cast_unsigned)


def cast_unsigned(x, dtype: np.dtype, name: str):
    """The ``Cast`` node of tensor ``x`` to the unsigned ``dtype`` (uint16/32/64)."""
    return _host.host_op("Cast", [x], [(x.aval.shape, dtype)], {"dtype": np.dtype(dtype).name},
                         name=name).outputs[0]
