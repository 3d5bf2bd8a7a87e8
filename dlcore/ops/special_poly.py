"""The classical orthogonal polynomials of ``torch.special``: Chebyshev T, U, V, W and their
shifted forms on [0, 1], Hermite H and He, Laguerre L and Legendre P, each ``f(x, n)`` of a
value and a degree (a number or a tensor; truncated to an integer; 0 for a negative, infinite
or NaN one).

Primitives (kernels: :mod:`dlcore.kernels.cpu.orthopoly` / ``cuda.orthopoly``, the maths written
once in :mod:`dlcore.kernels._orthopoly_scalar`, PyTorch's forms and recurrences):

    chebyshev_polynomial_t(x, n)          T_0 = 1, T_1 = x, T_k+1 = 2x T_k - T_k-1 = cos(n acos x)
    chebyshev_polynomial_u(x, n)          U_1 = 2x, same recurrence;  sin((n+1)t) / sin t
    chebyshev_polynomial_v(x, n)          V_1 = 2x - 1;  cos((n+1/2)t) / cos(t/2)
    chebyshev_polynomial_w(x, n)          W_1 = 2x + 1;  sin((n+1/2)t) / sin(t/2)
    shifted_chebyshev_polynomial_*(x, n)  the above at 2x - 1
    hermite_polynomial_h(x, n)            H_k+1 = 2x H_k - 2k H_k-1 (NaN past degree 128/512)
    hermite_polynomial_he(x, n)           He_k+1 = x He_k - k He_k-1
    laguerre_polynomial_l(x, n)           (k+1) L_k+1 = (2k + 1 - x) L_k - k L_k-1
    legendre_polynomial_p(x, n)           (k+1) P_k+1 = (2k + 1) x P_k - k P_k-1

No derivative (PyTorch has none).  Integer operands are promoted to the default float; the two
are broadcast to one shape by the wrapper, so the kernels are flat loops.
"""

from __future__ import annotations

from ..kernels.cpu import orthopoly as _cpu
from ..kernels.cuda import orthopoly as _cuda
from ..registry import Primitive, bind
from .special import _pair, _pair_rule

NAMES = ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
         "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
         "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
         "laguerre_polynomial_l", "legendre_polynomial_p")

_FORMULA = {
    "chebyshev_polynomial_t": "T_n(x) = cos(n acos x)",
    "chebyshev_polynomial_u": "U_n(x) = sin((n+1) acos x) / sin(acos x)",
    "chebyshev_polynomial_v": "V_n(x) = cos((n+1/2) acos x) / cos(acos(x) / 2)",
    "chebyshev_polynomial_w": "W_n(x) = sin((n+1/2) acos x) / sin(acos(x) / 2)",
    "shifted_chebyshev_polynomial_t": "T*_n(x) = T_n(2x - 1)",
    "shifted_chebyshev_polynomial_u": "U*_n(x) = U_n(2x - 1)",
    "shifted_chebyshev_polynomial_v": "V*_n(x) = V_n(2x - 1)",
    "shifted_chebyshev_polynomial_w": "W*_n(x) = W_n(2x - 1)",
    "hermite_polynomial_h": "H_n(x): H_k+1 = 2x H_k - 2k H_k-1",
    "hermite_polynomial_he": "He_n(x): He_k+1 = x He_k - k He_k-1",
    "laguerre_polynomial_l": "L_n(x): (k+1) L_k+1 = (2k+1-x) L_k - k L_k-1",
    "legendre_polynomial_p": "P_n(x): (k+1) P_k+1 = (2k+1) x P_k - k P_k-1",
}


def _make(op: int, name: str):
    def fn(x, n):                      # PyTorch's argument names (x=, n=)
        return bind(prim, *_pair(name, x, n))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{_FORMULA[name]}, elementwise (``n`` a number or a tensor)."
    prim = Primitive(
        name, _pair_rule(name), None, kind="special", differentiable=False,
        kernels={"cpu": _cpu.orthopoly_kernel(op), "cuda": _cuda.orthopoly_kernel(op)},
        doc=f"y = {_FORMULA[name]} (n truncated to an integer; 0 for n < 0);  no derivative "
            "(PyTorch has none)",
        api={"torch.special": name}, convention="plain", fn=fn)
    return prim, fn


PRIMS = {}
for _op, _name in enumerate(NAMES):
    PRIMS[_name], globals()[_name] = _make(_op, _name)
