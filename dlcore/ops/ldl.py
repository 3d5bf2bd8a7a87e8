"""The symmetric-indefinite LDL^T factorization and its solve (``torch.linalg.ldl_factor``,
``ldl_factor_ex``, ``ldl_solve``).

Primitives (kernels: :mod:`dlcore.kernels.cpu.ldl` / ``cuda.ldl``, the algorithm written once in
:mod:`dlcore.kernels._ldl_scalar`: LAPACK's Bunch-Kaufman ``sytf2`` and ``sytrs``, lower):

    ldl_factor(a, part)       P A P^T = L D L^T, D block-diagonal with 1 x 1 and 2 x 2 blocks;
                              part 'LD' (L below the diagonal, D on it and in LD[k+1, k] of a
                              2 x 2 block; zero above), 'pivots' (int32, 1-based, negative for
                              a 2 x 2 block) or 'info' (int32: k + 1 for the first zero block);
                              no derivative (PyTorch has none)
    ldl_solve(LD, pivots, b)  x = A^-1 b from the factorization;  no derivative (PyTorch has
                              none)

Only the lower triangle of ``a`` is read (``hermitian`` only matters for complex input, which
dlcore does not have).  Both take float32 and float64 and batch over leading dimensions (equal
for the three operands of ``ldl_solve``: the front ends broadcast first).
"""

from __future__ import annotations

import numpy as np

from ..api import exports
from ..errors import ShapeError
from ..kernels.cpu import ldl as _cpu
from ..kernels.cuda import ldl as _cuda
from ..registry import AVal, Primitive, bind

_INT32 = np.dtype(np.int32)


def _ldl_factor_rule(x: AVal, *, part) -> AVal:
    from .decompositions import _float_matrices
    _float_matrices("linalg.ldl_factor", x)
    m, n = x.shape[-2:]
    if m is not None and n is not None and m != n:
        raise ShapeError("linalg.ldl_factor", f"A must be batches of square matrices, but they "
                         f"are {m} by {n} matrices", [x.shape])
    if part == "LD":
        return AVal(tuple(x.shape), x.dtype)
    if part == "pivots":
        return AVal(tuple(x.shape[:-1]), _INT32)
    if part == "info":
        return AVal(tuple(x.shape[:-2]), _INT32)
    raise ValueError(f"ldl_factor: part must be 'LD', 'pivots' or 'info', not {part!r}")


def _ldl_solve_rule(ld: AVal, pivots: AVal, b: AVal) -> AVal:
    from .decompositions import _float_matrices
    _float_matrices("linalg.ldl_solve", ld)
    shapes = [ld.shape, pivots.shape, b.shape]
    if b.dtype != ld.dtype or pivots.dtype != _INT32:
        raise ShapeError("linalg.ldl_solve", f"LD and b must have one dtype and pivots int32 "
                         f"(got {ld.dtype.name}, {pivots.dtype.name}, {b.dtype.name})", shapes)
    if len(b.shape) < 2 or tuple(pivots.shape) != tuple(ld.shape[:-1]) or \
            tuple(b.shape[:-1]) != tuple(ld.shape[:-1]):
        raise ShapeError("linalg.ldl_solve", "LD (.., n, n), pivots (.., n) and b (.., n, k) "
                         "with equal batch dimensions expected", shapes)
    return AVal(tuple(b.shape), b.dtype)


ldl_factor_p = Primitive(
    "ldl_factor", _ldl_factor_rule, None, kind="linalg", differentiable=False,
    doc="P A P^T = L D L^T (Bunch-Kaufman: LAPACK's sytf2, lower; part 'LD', 'pivots' or "
        "'info');  no derivative (PyTorch has none)",
    kernels={"cpu": _cpu.ldl_factor, "cuda": _cuda.ldl_factor})

ldl_solve_p = Primitive(
    "ldl_solve", _ldl_solve_rule, None, kind="linalg", differentiable=False,
    doc="x = A^-1 b with A = P^T L D L^T P from ldl_factor (LAPACK's sytrs, lower);  no "
        "derivative (PyTorch has none)",
    kernels={"cpu": _cpu.ldl_solve, "cuda": _cuda.ldl_solve})


@exports({"torch.linalg": ("ldl_factor", "ldl_factor_ex")}, "linalg")
def ldl_factor(a):
    """``(LD, pivots, info)`` of the lower triangle of ``a`` (see the module docstring)."""
    return tuple(bind(ldl_factor_p, a, part=p) for p in ("LD", "pivots", "info"))


@exports({"torch.linalg": "ldl_solve"}, "linalg")
def ldl_solve(ld, pivots, b):
    """x with ``A x = b`` from ``ldl_factor``'s ``LD`` and ``pivots`` (equal batch dims)."""
    return bind(ldl_solve_p, ld, pivots, b)
