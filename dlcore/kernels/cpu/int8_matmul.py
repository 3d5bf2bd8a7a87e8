"""CPU kernel of ``int8_matmul`` (dlcore/ops/int8_matmul.py): both operands shifted by their
zero points into C-contiguous int16 copies (``a - za`` and ``b - zb`` lie in [-255, 255]; the
copies cost O((M + N) K) against the product's O(M N K)), then the Numba loop of
:mod:`._jit_int8_matmul` (imported on first use), parallel over the rows of ``a`` (serial in a
process that may not start parallel loops: :data:`.runtime.parallel_ok`)."""

from __future__ import annotations

import numpy as np

from . import jit_module
from . import runtime as _rt

_jit = jit_module("_jit_int8_matmul")


def int8_matmul(a, b, *, a_zero_point=0, b_zero_point=0):
    """(a - a_zero_point) @ (b - b_zero_point).T in int32."""
    out = np.empty((a.shape[0], b.shape[0]), np.int32)
    if out.size:
        a16 = np.subtract(a, a_zero_point, dtype=np.int16)      # (C-contiguous new arrays)
        b16 = np.subtract(b, b_zero_point, dtype=np.int16)
        jit = _jit()
        (jit.matmul_nt_par if _rt.parallel_ok else jit.matmul_nt)(a16, b16, out)
    return out
