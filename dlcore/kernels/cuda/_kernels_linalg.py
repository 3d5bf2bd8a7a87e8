"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.linalg_solve` (imported on first use).

One thread per matrix of the batch, a serial algorithm in the thread, working in global memory
on flat C-contiguous buffers (no sizes are known when the kernel is compiled), as the inverse
and SVD kernels of ``_kernels_decomp.py``:

* ``solve_gauss``: Gaussian elimination with partial pivoting on a private copy of ``a``, the
  right-hand sides carried along, then back substitution.  The pivots are those of LAPACK's
  ``getrf``, so the first zero pivot (a singular matrix) is the one LAPACK reports.
* ``trsm``: forward (lower) or back (upper) substitution, only the named triangle read.
* ``cholesky_rows``: the Cholesky-Banachiewicz order, lower triangle read; the first
  non-positive pivot is the order of the first leading minor that is not positive-definite
  (LAPACK's ``potrf`` info).
* ``lu_det``: LU with partial pivoting; the determinant, its sign and log|det|.
* ``qr_householder``: Householder QR with LAPACK's reflector convention (``dlarfg``: beta =
  -sign(alpha) ||x||, no reflection for a column already zero below the diagonal), so Q and R
  have the signs LAPACK's ``geqrf``/``orgqr`` give them; Q is formed by applying the
  reflectors to the identity in reverse order (``orgqr``).
* ``eigh_jacobi``: the cyclic Jacobi eigenvalue algorithm (rotations until the off-diagonal
  part is below working precision), eigenvalues sorted ascending with their vectors.  Vectors
  may differ from LAPACK's by sign (their sign is not defined).
"""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit
def solve_gauss(a, x, info, n, k, nbatch):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for bi in range(start, nbatch, step):
        ab = bi * n * n
        xb = bi * n * k
        info[bi] = 0
        for col in range(n):
            piv = col
            best = abs(a[ab + col * n + col])
            for r in range(col + 1, n):
                v = abs(a[ab + r * n + col])
                if v > best:
                    best = v
                    piv = r
            if best == 0.0:
                info[bi] = col + 1
                break
            if piv != col:
                for j in range(n):
                    t = a[ab + col * n + j]
                    a[ab + col * n + j] = a[ab + piv * n + j]
                    a[ab + piv * n + j] = t
                for j in range(k):
                    t = x[xb + col * k + j]
                    x[xb + col * k + j] = x[xb + piv * k + j]
                    x[xb + piv * k + j] = t
            d = a[ab + col * n + col]
            for r in range(col + 1, n):
                f = a[ab + r * n + col] / d
                if f != 0.0:
                    for j in range(col, n):
                        a[ab + r * n + j] -= f * a[ab + col * n + j]
                    for j in range(k):
                        x[xb + r * k + j] -= f * x[xb + col * k + j]
        if info[bi] != 0:
            continue
        for s in range(n):
            r = n - 1 - s
            d = a[ab + r * n + r]
            for j in range(k):
                acc = x[xb + r * k + j]
                for c in range(r + 1, n):
                    acc -= a[ab + r * n + c] * x[xb + c * k + j]
                x[xb + r * k + j] = acc / d


@cuda.jit
def trsm(a, b, x, n, k, lower, unit, nbatch):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for bi in range(start, nbatch, step):
        ab = bi * n * n
        xb = bi * n * k
        for s in range(n):
            r = s if lower else n - 1 - s
            for j in range(k):
                acc = b[xb + r * k + j]
                if lower:
                    for c in range(r):
                        acc -= a[ab + r * n + c] * x[xb + c * k + j]
                else:
                    for c in range(r + 1, n):
                        acc -= a[ab + r * n + c] * x[xb + c * k + j]
                x[xb + r * k + j] = acc if unit else acc / a[ab + r * n + r]


@cuda.jit
def cholesky_rows(a, out, info, n, nbatch):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for bi in range(start, nbatch, step):
        base = bi * n * n
        info[bi] = 0
        for i in range(n * n):
            out[base + i] = 0.0
        for j in range(n):
            s = a[base + j * n + j]
            for c in range(j):
                s -= out[base + j * n + c] * out[base + j * n + c]
            if not s > 0.0:                       # also NaN
                info[bi] = j + 1
                break
            d = math.sqrt(s)
            out[base + j * n + j] = d
            for i in range(j + 1, n):
                t = a[base + i * n + j]
                for c in range(j):
                    t -= out[base + i * n + c] * out[base + j * n + c]
                out[base + i * n + j] = t / d


@cuda.jit
def lu_det(a, det, sign, logabs, n, nbatch):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for bi in range(start, nbatch, step):
        ab = bi * n * n
        sg = 1.0
        la = 0.0
        singular = False
        for col in range(n):
            piv = col
            best = abs(a[ab + col * n + col])
            for r in range(col + 1, n):
                v = abs(a[ab + r * n + col])
                if v > best:
                    best = v
                    piv = r
            if best == 0.0:
                singular = True
                break
            if piv != col:
                sg = -sg
                for j in range(n):
                    t = a[ab + col * n + j]
                    a[ab + col * n + j] = a[ab + piv * n + j]
                    a[ab + piv * n + j] = t
            d = a[ab + col * n + col]
            if d < 0.0:
                sg = -sg
            la += math.log(abs(d))
            for r in range(col + 1, n):
                f = a[ab + r * n + col] / d
                if f != 0.0:
                    for j in range(col + 1, n):
                        a[ab + r * n + j] -= f * a[ab + col * n + j]
        if singular:
            sign[bi] = 0.0
            logabs[bi] = -math.inf
            det[bi] = 0.0
        else:
            sign[bi] = sg
            logabs[bi] = la
            det[bi] = sg * math.exp(la)


@cuda.jit
def qr_householder(w, tau, q, r, m, n, qcols, rrows, want_q, nbatch):
    """w (m x n, overwritten by R and the reflectors) -> q (m x qcols), r (rrows x n)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    k = min(m, n)
    for bi in range(start, nbatch, step):
        wb = bi * m * n
        tb = bi * k
        for j in range(k):
            alpha = w[wb + j * n + j]
            xnorm = 0.0
            for i in range(j + 1, m):
                xnorm += w[wb + i * n + j] * w[wb + i * n + j]
            xnorm = math.sqrt(xnorm)
            if xnorm == 0.0:
                tau[tb + j] = 0.0
                continue
            beta = math.sqrt(alpha * alpha + xnorm * xnorm)
            if alpha >= 0.0:
                beta = -beta
            t = (beta - alpha) / beta
            tau[tb + j] = t
            scale = 1.0 / (alpha - beta)
            for i in range(j + 1, m):
                w[wb + i * n + j] *= scale
            w[wb + j * n + j] = beta
            for c in range(j + 1, n):                 # H = I - t v v^T, v = (1, w[j+1:, j])
                s = w[wb + j * n + c]
                for i in range(j + 1, m):
                    s += w[wb + i * n + j] * w[wb + i * n + c]
                s *= t
                w[wb + j * n + c] -= s
                for i in range(j + 1, m):
                    w[wb + i * n + c] -= s * w[wb + i * n + j]
        rb = bi * rrows * n
        for i in range(rrows):
            for c in range(n):
                r[rb + i * n + c] = w[wb + i * n + c] if (i < m and c >= i) else 0.0
        if not want_q:
            continue
        qb = bi * m * qcols
        for i in range(m):
            for c in range(qcols):
                q[qb + i * qcols + c] = 1.0 if i == c else 0.0
        for s_ in range(k):
            j = k - 1 - s_
            t = tau[tb + j]
            if t == 0.0:
                continue
            for c in range(qcols):
                s = q[qb + j * qcols + c]
                for i in range(j + 1, m):
                    s += w[wb + i * n + j] * q[qb + i * qcols + c]
                s *= t
                q[qb + j * qcols + c] -= s
                for i in range(j + 1, m):
                    q[qb + i * qcols + c] -= s * w[wb + i * n + j]


@cuda.jit
def eigh_jacobi(a, w, v, evals, vecs, order, n, lower, want_v, eps, nbatch):
    """a (n x n, the lower or upper triangle read) -> evals (n, ascending), vecs (n x n,
    columns); w, v: work (n x n), order: work (n)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for bi in range(start, nbatch, step):
        base = bi * n * n
        ob = bi * n
        total = 0.0
        for i in range(n):
            for j in range(n):
                lo = (i >= j) == lower
                val = a[base + i * n + j] if lo else a[base + j * n + i]
                w[base + i * n + j] = val
                total += val * val
                v[base + i * n + j] = 1.0 if i == j else 0.0
        for sweep in range(60):
            off = 0.0
            for p in range(n):
                for q_ in range(p + 1, n):
                    off += w[base + p * n + q_] * w[base + p * n + q_]
            if off <= eps * eps * total * 0.25 or off == 0.0:
                break
            for p in range(n - 1):
                for q_ in range(p + 1, n):
                    apq = w[base + p * n + q_]
                    if apq == 0.0:
                        continue
                    theta = (w[base + q_ * n + q_] - w[base + p * n + p]) / (2.0 * apq)
                    t = 1.0 / (abs(theta) + math.sqrt(theta * theta + 1.0))
                    if theta < 0.0:
                        t = -t
                    c = 1.0 / math.sqrt(t * t + 1.0)
                    s = t * c
                    for kk in range(n):                # columns p, q: A P
                        akp = w[base + kk * n + p]
                        akq = w[base + kk * n + q_]
                        w[base + kk * n + p] = c * akp - s * akq
                        w[base + kk * n + q_] = s * akp + c * akq
                    for kk in range(n):                # rows p, q: P^T A
                        apk = w[base + p * n + kk]
                        aqk = w[base + q_ * n + kk]
                        w[base + p * n + kk] = c * apk - s * aqk
                        w[base + q_ * n + kk] = s * apk + c * aqk
                    w[base + p * n + q_] = 0.0
                    w[base + q_ * n + p] = 0.0
                    for kk in range(n):                # V P
                        vkp = v[base + kk * n + p]
                        vkq = v[base + kk * n + q_]
                        v[base + kk * n + p] = c * vkp - s * vkq
                        v[base + kk * n + q_] = s * vkp + c * vkq
        for j in range(n):
            order[ob + j] = j
        for j in range(1, n):                          # stable insertion sort, ascending
            key = order[ob + j]
            kk = j - 1
            while kk >= 0 and w[base + order[ob + kk] * (n + 1)] > w[base + key * (n + 1)]:
                order[ob + kk + 1] = order[ob + kk]
                kk -= 1
            order[ob + kk + 1] = key
        for j in range(n):
            src = order[ob + j]
            evals[ob + j] = w[base + src * (n + 1)]
            if want_v:
                for i in range(n):
                    vecs[base + i * n + j] = v[base + i * n + src]


@cuda.jit
def lu_parts(w, perm, out, pv, m, n, part, nbatch):
    """LU with partial pivoting of w (m x n, in place; LAPACK getf2's order and pivots), then
    one part into out: 0 P (m x m), 1 L (m x k), 2 U (k x n), 3 the 1-based pivots (pv),
    4 the row order (pv, m per matrix)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    k = min(m, n)
    for bi in range(start, nbatch, step):
        wb = bi * m * n
        pb = bi * m
        for i in range(m):
            perm[pb + i] = i
        for j in range(k):
            piv = j
            best = abs(w[wb + j * n + j])
            for r in range(j + 1, m):
                v = abs(w[wb + r * n + j])
                if v > best:
                    best = v
                    piv = r
            if part == 3:
                pv[bi * k + j] = piv + 1
            if best != 0.0:
                if piv != j:
                    t = perm[pb + j]
                    perm[pb + j] = perm[pb + piv]
                    perm[pb + piv] = t
                    for c in range(n):
                        t2 = w[wb + j * n + c]
                        w[wb + j * n + c] = w[wb + piv * n + c]
                        w[wb + piv * n + c] = t2
                d = w[wb + j * n + j]
                for r in range(j + 1, m):
                    w[wb + r * n + j] /= d
            for r in range(j + 1, m):
                f = w[wb + r * n + j]
                if f != 0.0:
                    for c in range(j + 1, n):
                        w[wb + r * n + c] -= f * w[wb + j * n + c]
        if part == 0:
            ob = bi * m * m
            for i in range(m):
                for c in range(m):
                    out[ob + i * m + c] = 0.0
            for c in range(m):
                out[ob + perm[pb + c] * m + c] = 1.0
        elif part == 1:
            ob = bi * m * k
            for i in range(m):
                for c in range(k):
                    out[ob + i * k + c] = w[wb + i * n + c] if i > c else (1.0 if i == c
                                                                            else 0.0)
        elif part == 4:
            for i in range(m):
                pv[bi * m + i] = perm[pb + i]
        elif part == 2:
            ob = bi * k * n
            for i in range(k):
                for c in range(n):
                    out[ob + i * n + c] = w[wb + i * n + c] if c >= i else 0.0
