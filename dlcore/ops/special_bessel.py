"""Bessel functions of ``torch.special`` beyond I0/I1 (:mod:`dlcore.ops.special`): J0, J1, Y0,
Y1, K0, K1 and the scaled exp(x) K0, exp(x) K1; and the Airy function Ai.

Primitives (kernels: :mod:`dlcore.kernels.cpu.bessel` / ``cuda.bessel``, the maths written once
in :mod:`dlcore.kernels._bessel_scalar`, Cephes' approximations as PyTorch's):

    bessel_j0(x)                   J0(x), Bessel function of the first kind, order 0
    bessel_j1(x)                   J1(x), order 1
    bessel_y0(x)                   Y0(x), second kind (-inf at 0, NaN for x < 0)
    bessel_y1(x)                   Y1(x)
    modified_bessel_k0(x)          K0(x), modified, second kind (inf at 0, NaN for x < 0)
    modified_bessel_k1(x)          K1(x)
    scaled_modified_bessel_k0(x)   exp(x) K0(x)
    scaled_modified_bessel_k1(x)   exp(x) K1(x)
    airy_ai(x)                     Ai(x), the solution of y'' = x y decaying at +inf

No derivative (PyTorch has none).  Integer input is computed in the default float type.
"""

from __future__ import annotations

from ..kernels.cpu import bessel as _cpu
from ..kernels.cuda import bessel as _cuda
from ..registry import Primitive, bind
from .special import _float_rule

NAMES = ("bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0",
         "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
         "airy_ai")

_FORMULA = {
    "bessel_j0": "J0(x)", "bessel_j1": "J1(x)", "bessel_y0": "Y0(x)", "bessel_y1": "Y1(x)",
    "modified_bessel_k0": "K0(x)", "modified_bessel_k1": "K1(x)",
    "scaled_modified_bessel_k0": "exp(x) K0(x)", "scaled_modified_bessel_k1": "exp(x) K1(x)",
    "airy_ai": "Ai(x)",
}


def _make(op: int, name: str):
    prim = Primitive(
        name, _float_rule(name), None, kind="special", differentiable=False,
        kernels={"cpu": _cpu.bessel_kernel(op), "cuda": _cuda.bessel_kernel(op)},
        doc=f"y = {_FORMULA[name]} (Cephes' approximations, as PyTorch);  no derivative "
            "(PyTorch has none)",
        api={"torch.special": name}, convention="unary", float_only=True)

    def fn(x):
        return bind(prim, x)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{_FORMULA[name]}, elementwise."
    return prim, fn


PRIMS = {}
for _op, _name in enumerate(NAMES):
    PRIMS[_name], globals()[_name] = _make(_op, _name)
