"""Integer matrix product for quantized inference: ``int8_matmul(a, b, a_zero_point,
b_zero_point)`` (the core of PyTorch's ``quantized::linear_dynamic`` on FBGEMM)::

    y[m, n] = sum_k (a[m, k] - a_zp) * (b[n, k] - b_zp)      in int32

``a`` is a 2-D uint8 or int8 matrix (the quantized activations, rows are samples), ``b`` a 2-D
int8 matrix laid out as a Linear layer's weight ``(out_features, in_features)``, so the
product is ``a @ b.T``; the result is int32, each product and the running sum taken in int32
(exact: a uint8/int8 product is at most 2^15 in size, and a sum of K of them stays below 2^31
for K < 65536, which the shape rule requires).  The zero points are Python ints, parameters of
the node.  Not differentiable (quantized operations are inference-only, as PyTorch's: they
have no autograd formula).  Kernels: a Numba loop parallel over the rows of ``a`` on the CPU,
one numba.cuda thread per output element on a GPU.
"""

from __future__ import annotations

import numpy as np

from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import int8_matmul as _cpu
from ..kernels.cuda import int8_matmul as _cuda
from ..registry import AVal, Primitive, bind

_I8, _U8 = np.dtype(np.int8), np.dtype(np.uint8)
#: The largest inner size whose int32 sum cannot overflow (|(a - za)(b - zb)| <= 255 * 255).
MAX_K = (2 ** 31 - 1) // (255 * 255)


def _rule(a: AVal, b: AVal, *, a_zero_point: int = 0, b_zero_point: int = 0) -> AVal:
    if a.dtype not in (_I8, _U8) or b.dtype != _I8:
        raise DTypeNotImplemented("int8_matmul", "expects a uint8 or int8 matrix and an int8 "
                                  "weight matrix", [a.dtype, b.dtype])
    if a.ndim != 2 or b.ndim != 2:
        raise ShapeError("int8_matmul", f"expects 2-D operands, got {a.ndim}-D and {b.ndim}-D",
                         [a.shape, b.shape])
    ka, kb = a.shape[1], b.shape[1]
    if ka is not None and kb is not None and ka != kb:
        raise ShapeError("int8_matmul", f"a's columns ({ka}) must equal the weight's columns "
                         f"({kb}): a @ weight.T", [a.shape, b.shape])
    k = ka if ka is not None else kb
    if k is not None and k > MAX_K:
        raise ShapeError("int8_matmul", f"the inner size {k} could overflow the int32 "
                         f"accumulator (at most {MAX_K})", [a.shape, b.shape])
    return AVal((a.shape[0], b.shape[0]), np.dtype(np.int32))


int8_matmul_p = Primitive(
    "int8_matmul", _rule, None, differentiable=False, kind="other",
    doc="y[m, n] = sum_k (a[m, k] - a_zp) (b[n, k] - b_zp) in int32;  not differentiable "
        "(inference-only, as PyTorch's quantized ops)",
    kernels={"cpu": _cpu.int8_matmul, "cuda": _cuda.int8_matmul})


def int8_matmul(a, b, a_zero_point: int = 0, b_zero_point: int = 0):
    """``(a - a_zero_point) @ (b - b_zero_point).T`` in int32 (see the module docstring)."""
    return bind(int8_matmul_p, a, b, a_zero_point=int(a_zero_point),
                b_zero_point=int(b_zero_point))
