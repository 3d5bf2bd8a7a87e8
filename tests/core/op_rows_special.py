"""Op-table rows of the special-function primitives and composites (dlcore/ops/special.py),
appended to ``ROWS`` by ``op_table.py``; SciPy is the reference."""

from __future__ import annotations

import numpy as np
from scipy import special as sp

from dlcore import ops
from dlcore.registry import aval_of


def _ref(f):
    return lambda *xs: np.asarray(f(*xs)).astype(xs[-1].dtype)


def _cheb_vw(kind, x, n):
    """Chebyshev V_n / W_n on (-1, 1) by their trigonometric forms."""
    t = np.arccos(x)
    if kind == "v":
        return np.cos((n + 0.5) * t) / np.cos(t / 2)
    return np.sin((n + 0.5) * t) / np.sin(t / 2)


#: (name, degree, NumPy/SciPy reference of x) for the orthogonal polynomials' rows
_POLY = [
    ("chebyshev_polynomial_t", 3, lambda x: sp.eval_chebyt(3, x)),
    ("chebyshev_polynomial_t", 9, lambda x: np.cos(9 * np.arccos(x))),
    ("chebyshev_polynomial_u", 4, lambda x: sp.eval_chebyu(4, x)),
    ("chebyshev_polynomial_v", 3, lambda x: _cheb_vw("v", x, 3)),
    ("chebyshev_polynomial_w", 3, lambda x: _cheb_vw("w", x, 3)),
    ("shifted_chebyshev_polynomial_t", 3, lambda x: sp.eval_sh_chebyt(3, x)),
    ("shifted_chebyshev_polynomial_u", 3, lambda x: sp.eval_sh_chebyu(3, x)),
    ("shifted_chebyshev_polynomial_v", 3, lambda x: _cheb_vw("v", 2 * x - 1, 3)),
    ("shifted_chebyshev_polynomial_w", 3, lambda x: _cheb_vw("w", 2 * x - 1, 3)),
    ("hermite_polynomial_h", 4, lambda x: sp.eval_hermite(4, x)),
    ("hermite_polynomial_he", 4, lambda x: sp.eval_hermitenorm(4, x)),
    ("laguerre_polynomial_l", 4, lambda x: sp.eval_laguerre(4, x)),
    ("legendre_polynomial_p", 4, lambda x: sp.eval_legendre(4, x)),
]


def _poly_rows(OpRow, U) -> list:
    from dlcore.ops import special_poly
    rows = []
    for name, n, ref in _POLY:
        domain = "unit" if name.startswith("shifted") else "sym"
        rows.append(OpRow(f"{name}[n={n}]", name,
                          lambda x, f=getattr(special_poly, name), n=n: f(x, float(n)),
                          _ref(ref), U, (domain,), (), rtol=1e-4, atol=1e-5))
    return rows


def _bessel_rows(OpRow, U) -> list:
    from dlcore.ops import special_bessel as sb
    refs = {"bessel_j0": sp.j0, "bessel_j1": sp.j1, "bessel_y0": sp.y0, "bessel_y1": sp.y1,
            "modified_bessel_k0": sp.k0, "modified_bessel_k1": sp.k1,
            "scaled_modified_bessel_k0": sp.k0e, "scaled_modified_bessel_k1": sp.k1e,
            "airy_ai": lambda x: sp.airy(x)[0]}
    return [OpRow(name, name, getattr(sb, name), _ref(ref), U,
                  ("real" if name.startswith("bessel_j") else "sym" if name == "airy_ai" else
                   "pos",), (), rtol=1e-4, atol=1e-6)
            for name, ref in refs.items()]


def special_rows(OpRow, U, B) -> list:
    def u(op, fn, ref, domain="real", diff=(0,), **kw):
        return OpRow(op, op, fn, ref, U, (domain,), diff, **kw)

    return [
        u("lgamma", ops.lgamma, _ref(sp.gammaln), "pos"),
        OpRow("lgamma[negative]", "lgamma", ops.lgamma, _ref(sp.gammaln), (((3, 4),),),
              ("offint",), (0,), rtol=1e-4),
        u("digamma", ops.digamma, _ref(sp.digamma), "pos"),
        OpRow("digamma[negative]", "digamma", ops.digamma, _ref(sp.digamma), (((3, 4),),),
              ("offint",), (), rtol=1e-4),
        OpRow("polygamma[n=1]", "polygamma", lambda x: ops.polygamma(1.0, x),
              _ref(lambda x: sp.polygamma(1, x)), U, ("pos",), (0,), rtol=1e-4),
        OpRow("polygamma[n tensor]", "polygamma",
              lambda n, x: ops.polygamma(ops.cast(n, aval_of(x).dtype), x),
              _ref(lambda n, x: sp.polygamma(n.astype(np.int64), x)),
              (((3, 4), (3, 4)), ((3, 1), (1, 4))), ("int4", "pos"), (1,), rtol=1e-4),
        # (stop_gradient: asking for the derivative in x or a raises, as in PyTorch)
        OpRow("zeta", "zeta", lambda x, q: ops.zeta(ops.stop_gradient(x), q), _ref(sp.zeta),
              (((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3))), ("gt1", "pos"), (1,),
              rtol=1e-4),
        OpRow("igamma", "igamma", lambda a, x: ops.igamma(ops.stop_gradient(a), x),
              _ref(sp.gammainc),
              (((3, 4), (3, 4)), ((3, 1), (1, 4))), ("gt1", "pos"), (1,), rtol=1e-4),
        OpRow("igammac", "igammac", lambda a, x: ops.igammac(ops.stop_gradient(a), x),
              _ref(sp.gammaincc),
              (((3, 4), (3, 4)), ((), (2, 3))), ("pos", "gt1"), (1,), rtol=1e-4),
        OpRow("betainc", "betainc", ops.betainc, _ref(sp.betainc),
              (((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (4,))), ("pos", "gt1", "unit"), (2,),
              rtol=1e-4),
        u("i0", ops.i0, _ref(sp.i0)),
        u("i0e", ops.i0e, _ref(sp.i0e), "away0"),
        u("i1", ops.i1, _ref(sp.i1)),
        u("i1e", ops.i1e, _ref(sp.i1e), "away0"),
        u("erfcx", ops.erfcx, _ref(sp.erfcx)),
        u("ndtri", ops.ndtri, _ref(sp.ndtri), "unit", rtol=1e-4),
        OpRow("log_ndtr", "log_ndtr", ops.log_ndtr, _ref(sp.log_ndtr), U, ("real",), (0,),
              primitives=("erfcx", "erfc", "log1p", "where")),
        OpRow("xlogy[tf]", "xlogy", ops.xlogy,
              lambda x, y: np.where(x == 0, 0, x * np.log(np.where(x == 0, 1, y))).astype(
                  x.dtype), B[:2], ("real", "pos"), (0, 1), primitives=("log", "where")),
        OpRow("entr", "entr", ops.entr, _ref(sp.entr), U, ("pos",), (0,),
              primitives=("log", "where")),
    ] + _poly_rows(OpRow, U) + _bessel_rows(OpRow, U)
