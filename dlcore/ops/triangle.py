"""The triangle of a matrix (or a batch of them) as one primitive::

    tri(x; k, lower)   y = x on and below diagonal k (lower) or on and above it, 0 elsewhere
                       dx = tri(g; k, lower)      (linear: its own adjoint)

``tril``/``triu`` (``dlcore.ops.linalg_extra``) bind it; it replaced a ``where`` of ``x`` and
zeros under a constant mask (three nodes, two of them in the backward's way: ``x.tril()`` of
64x128 float32 with backward 74 us against PyTorch's 32; issue 19).  Kernels: NumPy's
``tril``/``triu`` (``dlcore/kernels/cpu/shape.py``), an index kernel on the device
(``dlcore/kernels/cuda/shape.py``, ``_kernels.tri``).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..kernels.cpu import shape as _cpu
from ..kernels.cuda import shape as _cuda
from ..registry import AVal, Primitive, bind


def _tri_rule(x: AVal, *, k, lower) -> AVal:
    if len(x.shape) < 2:
        op = "tril" if lower else "triu"
        raise ShapeError(op, f"{op}: input tensor must have at least 2 dimensions", [x.shape])
    return AVal(x.shape, x.dtype)


def _tri_vjp(g, y, x, *, k, lower):
    if type(g) is np.ndarray:                 # (eager backward's buffers: the kernel itself)
        return (_cpu.tri(g, k=k, lower=lower),)
    return (bind(tri_p, g, k=k, lower=lower),)


tri_p = Primitive(
    "tri", _tri_rule, _tri_vjp, kind="other", complex=True,
    doc="y = x on and below (lower) or on and above diagonal k, 0 elsewhere;  "
        "dx = tri(g; k, lower)",
    kernels={"cpu": _cpu.tri, "cuda": _cuda.tri})


def tri(x, k: int, lower: bool):
    """``tri_p`` of ``x`` (rank >= 2)."""
    return bind(tri_p, x, k=int(k), lower=bool(lower))
