"""Op-table rows of the solvers and factorizations (dlcore/ops/linalg_systems.py and
linalg_factor.py): solve, triangular_solve, cholesky, det, slogdet, qr, eigh, lu; geqrf and
ormqr (linalg_householder.py), addbmm, addmv, addr (linalg_extra.py).  NumPy's LAPACK
is the reference; inputs are made well-conditioned inside the row (``a + 3 I``, ``a a^T + 3 I``)
so that float32 and finite differences stay accurate."""

from __future__ import annotations

import numpy as np

from dlcore import ops


def _eye(a):
    return np.eye(a.shape[-1], dtype=a.dtype)


def _shift(a, c=3.0):
    """a + c I, built with dlcore ops (so gradients flow to a)."""
    return ops.add(a, ops.mul(ops.matrix_power(a, 0), c))


def _spd(a):
    return _shift(ops.matmul(a, ops.matrix_transpose(a)))


def _np_spd(a):
    return a @ np.swapaxes(a, -1, -2) + 3 * _eye(a)


def _sym(a):
    return ops.add(a, ops.matrix_transpose(a))


def _np_sym(a):
    return a + np.swapaxes(a, -1, -2)


def lu_factor_rows(a):
    from dlcore.ops.linalg_factor import lu
    return lu(a)


def _np_lu(a):
    """SciPy's P, L, U (batched by a loop)."""
    from scipy.linalg import lu
    parts = [lu(m) for m in a.reshape((-1,) + a.shape[-2:])]
    return [np.stack([p[i] for p in parts]).reshape(a.shape[:-2] + parts[0][i].shape)
            .astype(a.dtype) for i in range(3)]


def _eigvec_squares(a):
    """V * V (elementwise: free of the eigenvectors' signs) of eigh(a + a^T)."""
    v = ops.eigh(_sym(a))[1]
    return ops.mul(v, v)


def _np_householder_product(a, tau):
    """orgqr by its definition: the first n columns of H_1 ... H_k (batched by a loop)."""
    m, n = a.shape[-2:]
    out = np.empty(a.shape, a.dtype)
    for idx in np.ndindex(a.shape[:-2]):
        q = np.eye(m, dtype=np.float64)
        for i in range(tau.shape[-1]):
            v = np.zeros(m)
            v[i] = 1.0
            v[i + 1:] = a[idx][i + 1:, i]
            q = q @ (np.eye(m) - tau[idx][i] * np.outer(v, v))
        out[idx] = q[:, :n]
    return out


def _np_geqrf(a, part):
    """LAPACK's geqrf through SciPy, batched by a loop: ``a`` (R and the reflectors) or tau."""
    from scipy.linalg import lapack
    outs = []
    for m in a.reshape((-1,) + a.shape[-2:]):
        qr, tau = (lapack.dgeqrf if m.dtype == np.float64 else lapack.sgeqrf)(m)[:2]
        outs.append(qr if part == "a" else tau)
    k = min(a.shape[-2:])
    return np.stack(outs).reshape(a.shape if part == "a" else a.shape[:-2] + (k,))


def _np_ormqr(a, tau, c, left, transpose):
    """Q c, Q^T c, c Q or c Q^T with Q = H_1 ... H_k formed explicitly (batched by a loop)."""
    m = a.shape[-2]
    out = np.empty(c.shape, c.dtype)
    for idx in np.ndindex(a.shape[:-2]):
        q = np.eye(m)
        for i in range(tau.shape[-1]):
            v = np.zeros(m)
            v[i] = 1.0
            v[i + 1:] = a[idx][i + 1:, i]
            q = q @ (np.eye(m) - tau[idx][i] * np.outer(v, v))
        q = q.T if transpose else q
        out[idx] = q @ c[idx] if left else c[idx] @ q
    return out


def _np_ldl(a, part):
    """LAPACK's sytrf (lower) through SciPy, batched by a loop: the compact factor (strict
    upper triangle zeroed, as PyTorch returns it) or the 1-based pivots."""
    from scipy.linalg import lapack
    outs = []
    for m in a.reshape((-1,) + a.shape[-2:]):
        fn = lapack.dsytrf if m.dtype == np.float64 else lapack.ssytrf
        ld, piv, _ = fn(m, lower=1)
        outs.append(np.tril(ld) if part == "LD" else piv.astype(np.int32))
    return np.stack(outs).reshape(a.shape if part == "LD" else a.shape[:-1])


def linalg_rows(OpRow) -> list:
    tol = {"rtol": 1e-4, "atol": 1e-5}
    sq = (((3, 3),), ((2, 3, 3),))
    return [
        OpRow("solve", "solve", lambda a, b: ops.linalg_solve(_shift(a), b),
              lambda a, b: np.linalg.solve(a + 3 * _eye(a), b),
              (((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2)), ((2, 3, 3), (3, 1))),
              ("sym", "real"), (0, 1), primitives=("solve", "broadcast_to"), **tol),
        OpRow("triangular_solve[upper]", "triangular_solve",
              lambda a, b: ops.solve_triangular(_shift(a), b, upper=True),
              lambda a, b: np.linalg.solve(np.triu(a + 3 * _eye(a)), b),
              (((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1))), ("sym", "real"), (0, 1), **tol),
        OpRow("triangular_solve[lower,unit,right]", "triangular_solve",
              lambda a, b: ops.solve_triangular(a, b, upper=False, left=False,
                                                unitriangular=True),
              lambda a, b: b @ np.linalg.inv(np.tril(a, -1) + _eye(a)),
              (((3, 3), (2, 3)),), ("sym", "real"), (0, 1), **tol),
        OpRow("cholesky", "cholesky", lambda a: ops.cholesky(_spd(a)),
              lambda a: np.linalg.cholesky(_np_spd(a)), sq, ("sym",), (0,), **tol),
        OpRow("det", "det", lambda a: ops.det(_shift(a, 2.0)),
              lambda a: np.linalg.det(a + 2 * _eye(a)), sq, ("sym",), (0,), **tol),
        OpRow("slogdet[logabsdet]", "slogdet", lambda a: ops.slogdet(a)[1],
              lambda a: np.linalg.slogdet(a)[1], sq, ("real",), (0,), **tol),
        OpRow("slogdet[sign]", "slogdet", lambda a: ops.slogdet(a)[0],
              lambda a: np.linalg.slogdet(a)[0], sq, ("real",), (), **tol),
        OpRow("qr[Q]", "qr", lambda a: ops.qr(a)[0], lambda a: np.linalg.qr(a)[0],
              (((4, 3),), ((2, 3, 5),)), ("real",), (0,), **tol),
        OpRow("qr[R]", "qr", lambda a: ops.qr(a)[1], lambda a: np.linalg.qr(a)[1],
              (((4, 3),), ((2, 3, 5),)), ("real",), (0,), **tol),
        OpRow("eigh[L]", "eigh", lambda a: ops.eigvalsh(_sym(a)),
              lambda a: np.linalg.eigvalsh(_np_sym(a)), sq, ("real",), (0,), **tol),
        OpRow("lu[L]", "lu", lambda a: lu_factor_rows(a)[1], lambda a: _np_lu(a)[1],
              (((3, 3),), ((2, 3, 4),), ((4, 2),)), ("real",), (0,), **tol),
        OpRow("lu[U]", "lu", lambda a: lu_factor_rows(a)[2], lambda a: _np_lu(a)[2],
              (((3, 3),), ((2, 3, 4),), ((4, 2),)), ("real",), (0,), **tol),
        OpRow("lu[P]", "lu", lambda a: lu_factor_rows(a)[0], lambda a: _np_lu(a)[0],
              (((3, 3),),), ("real",), (), **tol),
        OpRow("householder_product", "householder_product", ops.householder_product,
              _np_householder_product, (((4, 3), (2,)), ((2, 3, 2), (2, 2))),
              ("real", "real"), (0, 1), primitives=("matmul", "mul", "sub"), **tol),
        OpRow("geqrf[a]", "geqrf", lambda a: ops.geqrf(a)[0], lambda a: _np_geqrf(a, "a"),
              (((4, 3),), ((2, 3, 5),)), ("real",), (), **tol),
        OpRow("geqrf[tau]", "geqrf", lambda a: ops.geqrf(a)[1], lambda a: _np_geqrf(a, "tau"),
              (((4, 3),), ((2, 3, 5),)), ("real",), (), **tol),
        OpRow("ormqr[left]", "ormqr", lambda a, t, c: ops.ormqr(a, t, c),
              lambda a, t, c: _np_ormqr(a, t, c, True, False),
              (((4, 3), (3,), (4, 2)), ((2, 3, 2), (2, 2), (2, 3, 1))), ("real",) * 3,
              (0, 1, 2), primitives=("matmul", "triangular_solve", "sub"), **tol),
        OpRow("ormqr[right,transpose]", "ormqr",
              lambda a, t, c: ops.ormqr(a, t, c, left=False, transpose=True),
              lambda a, t, c: _np_ormqr(a, t, c, False, True),
              (((4, 3), (3,), (2, 4)),), ("real",) * 3, (0, 1, 2),
              primitives=("matmul", "triangular_solve", "sub"), **tol),
        OpRow("addbmm", "addbmm", lambda c, a, b: ops.addbmm(c, a, b, beta=0.5, alpha=2.0),
              lambda c, a, b: 0.5 * c + 2.0 * np.einsum("bij,bjk->ik", a, b),
              (((3, 4), (2, 3, 5), (2, 5, 4)), ((4,), (1, 2, 3), (1, 3, 4))), ("real",) * 3,
              (0, 1, 2), primitives=("matmul", "transpose", "reshape"), **tol),
        OpRow("addmm[prim]", "addmm", ops.linalg.addmm_p.bind, lambda c, a, b: c + a @ b,
              (((4,), (3, 5), (5, 4)), ((3, 4), (3, 2), (2, 4)), ((1, 4), (2, 3), (3, 4))),
              ("real",) * 3, (0, 1, 2), **tol),
        OpRow("addmv", "addmv", lambda c, a, v: ops.addmv(c, a, v, beta=-1.0, alpha=0.5),
              lambda c, a, v: -c + 0.5 * a @ v, (((3,), (3, 4), (4,)), ((1,), (2, 3), (3,))),
              ("real",) * 3, (0, 1, 2), primitives=("matmul", "mul", "add"), **tol),
        OpRow("addr", "addr", lambda c, u, v: ops.addr(c, u, v, beta=2.0, alpha=-1.0),
              lambda c, u, v: 2 * c - np.outer(u, v), (((3, 4), (3,), (4,)), ((4,), (2,), (4,))),
              ("real",) * 3, (0, 1, 2), primitives=("mul", "add"), **tol),
        OpRow("ldl_factor[LD]", "ldl_factor", lambda a: ops.ldl_factor(_sym(a))[0],
              lambda a: _np_ldl(_np_sym(a), "LD"), sq, ("real",), (), **tol),
        OpRow("ldl_factor[pivots]", "ldl_factor", lambda a: ops.ldl_factor(_sym(a))[1],
              lambda a: _np_ldl(_np_sym(a), "pivots"), (((4, 4),), ((2, 3, 3),)), ("real",), (),
              **tol),
        OpRow("ldl_solve", "ldl_solve",
              lambda a, b: ops.ldl_solve(*ops.ldl_factor(_sym(a))[:2], b),
              lambda a, b: np.linalg.solve(_np_sym(a), b),
              (((3, 3), (3, 2)), ((2, 4, 4), (2, 4, 1))), ("real", "real"), (), **tol),
        OpRow("eigh[V^2]", "eigh", _eigvec_squares,
              lambda a: np.linalg.eigh(_np_sym(a))[1] ** 2, sq, ("real",), (0,), **tol),
    ]
