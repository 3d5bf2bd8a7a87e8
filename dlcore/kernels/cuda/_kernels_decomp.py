"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.decompositions` (imported on first use).

One thread per matrix of the batch, a serial algorithm in the thread, working in global memory
(no sizes are known when the kernel is compiled):

* ``inv_gauss_jordan``: Gauss-Jordan elimination with partial pivoting on a copy of the
  matrix, the identity turned into the inverse alongside.  The pivots are those of an LU with
  partial pivoting, so the first zero pivot is the one LAPACK's ``getrf`` reports.
* ``svd_jacobi``: one-sided Jacobi (Hestenes).  The columns of ``W`` (the matrix, or its
  transpose when it is wide) are rotated in pairs until every pair is orthogonal to working
  precision, the rotations accumulated in ``V``; the singular values are the column norms, the
  left vectors the normalised columns.  Columns of a zero singular value and the extra
  columns of a full ``U`` are completed to an orthonormal basis by Gram-Schmidt on the unit
  vectors.  Accurate (small singular values keep their relative accuracy) and simple; a
  blocked or batched-parallel SVD is the step to take when a benchmark asks for one.
"""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit
def inv_gauss_jordan(a, out, info, n, nbatch):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    nn = n * n
    for b in range(start, nbatch, step):
        base = b * nn
        info[b] = 0
        for i in range(n):
            for j in range(n):
                out[base + i * n + j] = 1.0 if i == j else 0.0
        for col in range(n):
            piv = col
            best = abs(a[base + col * n + col])
            for r in range(col + 1, n):
                v = abs(a[base + r * n + col])
                if v > best:
                    best = v
                    piv = r
            if best == 0.0:
                info[b] = col + 1
                break
            if piv != col:
                for j in range(n):
                    t = a[base + col * n + j]
                    a[base + col * n + j] = a[base + piv * n + j]
                    a[base + piv * n + j] = t
                    t = out[base + col * n + j]
                    out[base + col * n + j] = out[base + piv * n + j]
                    out[base + piv * n + j] = t
            d = a[base + col * n + col]
            for j in range(n):
                a[base + col * n + j] = a[base + col * n + j] / d
                out[base + col * n + j] = out[base + col * n + j] / d
            for r in range(n):
                if r != col:
                    f = a[base + r * n + col]
                    if f != 0.0:
                        for j in range(n):
                            a[base + r * n + j] = a[base + r * n + j] - f * a[base + col * n + j]
                            out[base + r * n + j] = out[base + r * n + j] - \
                                f * out[base + col * n + j]


@cuda.jit
def svd_jacobi(a, w, v, q, order, s, m, n, trans, qcols, eps, nbatch):
    """Per matrix b: ``W`` (M x N, M >= N: a or a^T) -> ``q`` (M x qcols, orthonormal),
    ``s`` (N, descending), ``v`` (N x N); ``a = q diag(s) v^T`` (or its transpose)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    big = m if not trans else n
    small = n if not trans else m
    for b in range(start, nbatch, step):
        ab = b * m * n
        wb = b * big * small
        vb = b * small * small
        qb = b * big * qcols
        ob = b * small
        for i in range(big):
            for j in range(small):
                w[wb + i * small + j] = a[ab + i * n + j] if not trans else a[ab + j * n + i]
        for i in range(small):
            for j in range(small):
                v[vb + i * small + j] = 1.0 if i == j else 0.0
        for sweep in range(60):
            rotated = 0
            for p in range(small - 1):
                for r in range(p + 1, small):
                    alpha = 0.0
                    beta = 0.0
                    gamma = 0.0
                    for i in range(big):
                        wp = w[wb + i * small + p]
                        wr = w[wb + i * small + r]
                        alpha += wp * wp
                        beta += wr * wr
                        gamma += wp * wr
                    if gamma != 0.0 and abs(gamma) > eps * math.sqrt(alpha * beta):
                        rotated += 1
                        zeta = (beta - alpha) / (2.0 * gamma)
                        sg = 1.0 if zeta >= 0.0 else -1.0
                        t = sg / (abs(zeta) + math.sqrt(1.0 + zeta * zeta))
                        c = 1.0 / math.sqrt(1.0 + t * t)
                        sn = c * t
                        for i in range(big):
                            wp = w[wb + i * small + p]
                            wr = w[wb + i * small + r]
                            w[wb + i * small + p] = c * wp - sn * wr
                            w[wb + i * small + r] = sn * wp + c * wr
                        for i in range(small):
                            vp = v[vb + i * small + p]
                            vr = v[vb + i * small + r]
                            v[vb + i * small + p] = c * vp - sn * vr
                            v[vb + i * small + r] = sn * vp + c * vr
            if rotated == 0:
                break
        # singular values (column norms), then the order that sorts them descending
        for j in range(small):
            acc = 0.0
            for i in range(big):
                acc += w[wb + i * small + j] * w[wb + i * small + j]
            s[ob + j] = math.sqrt(acc)
            order[ob + j] = j
        for j in range(1, small):                  # stable insertion sort, descending
            key = order[ob + j]
            k = j - 1
            while k >= 0 and s[ob + order[ob + k]] < s[ob + key]:
                order[ob + k + 1] = order[ob + k]
                k -= 1
            order[ob + k + 1] = key
        top = s[ob + order[ob]] if small > 0 else 0.0
        tol = top * big * eps
        # q's columns: normalised columns of W (nonzero singular values), then completion
        for j in range(qcols):
            src = order[ob + j] if j < small else -1
            if src >= 0 and s[ob + src] > tol:
                for i in range(big):
                    q[qb + i * qcols + j] = w[wb + i * small + src] / s[ob + src]
            else:
                for i in range(big):
                    q[qb + i * qcols + j] = 0.0
        for j in range(qcols):
            src = order[ob + j] if j < small else -1
            if src >= 0 and s[ob + src] > tol:
                continue
            best_e = 0
            best = -1.0
            for e in range(big):                   # the unit vector farthest from the span
                _unit_minus_span(q, qb, qcols, big, small, s, ob, order, tol, j, e)
                norm = 0.0
                for i in range(big):
                    norm += q[qb + i * qcols + j] * q[qb + i * qcols + j]
                if norm > best:
                    best = norm
                    best_e = e
            _unit_minus_span(q, qb, qcols, big, small, s, ob, order, tol, j, best_e)
            _unit_minus_span_again(q, qb, qcols, big, small, s, ob, order, tol, j)
            norm = 0.0
            for i in range(big):
                norm += q[qb + i * qcols + j] * q[qb + i * qcols + j]
            norm = math.sqrt(norm)
            for i in range(big):
                q[qb + i * qcols + j] = q[qb + i * qcols + j] / norm


@cuda.jit(device=True)
def _filled(c2, j, small, s, ob, order, tol):
    """Is column c2 of q already part of the orthonormal basis when column j is completed?"""
    return c2 != j and (c2 < j or (c2 < small and s[ob + order[ob + c2]] > tol))


@cuda.jit(device=True)
def _project_out(q, qb, qcols, big, small, s, ob, order, tol, j):
    for c2 in range(qcols):
        if _filled(c2, j, small, s, ob, order, tol):
            dot = 0.0
            for i in range(big):
                dot += q[qb + i * qcols + c2] * q[qb + i * qcols + j]
            for i in range(big):
                q[qb + i * qcols + j] -= dot * q[qb + i * qcols + c2]


@cuda.jit(device=True)
def _unit_minus_span(q, qb, qcols, big, small, s, ob, order, tol, j, e):
    """Column j of q := unit vector e minus its projection on the filled columns."""
    for i in range(big):
        q[qb + i * qcols + j] = 1.0 if i == e else 0.0
    _project_out(q, qb, qcols, big, small, s, ob, order, tol, j)


@cuda.jit(device=True)
def _unit_minus_span_again(q, qb, qcols, big, small, s, ob, order, tol, j):
    """A second Gram-Schmidt pass (orthogonality to working precision)."""
    _project_out(q, qb, qcols, big, small, s, ob, order, tol, j)


@cuda.jit
def svd_outputs(q, v, order, s, u_out, s_out, vh_out, m, n, trans, qcols, ucols, vrows,
                want_u, want_v, nbatch):
    """Write U (m x ucols), S and Vh (vrows x n) from the Jacobi results, sorted."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    big = m if not trans else n
    small = n if not trans else m
    for b in range(start, nbatch, step):
        qb = b * big * qcols
        vb = b * small * small
        ob = b * small
        for j in range(small):
            s_out[ob + j] = s[ob + order[ob + j]]
        if not trans:
            if want_u:
                for i in range(m):
                    for j in range(ucols):
                        u_out[b * m * ucols + i * ucols + j] = q[qb + i * qcols + j]
            if want_v:
                for j in range(vrows):
                    for i in range(n):
                        vh_out[b * vrows * n + j * n + i] = v[vb + i * small + order[ob + j]]
        else:
            if want_u:
                for i in range(m):
                    for j in range(ucols):
                        u_out[b * m * ucols + i * ucols + j] = v[vb + i * small + order[ob + j]]
            if want_v:
                for j in range(vrows):
                    for i in range(n):
                        vh_out[b * vrows * n + j * n + i] = q[qb + i * qcols + j]
