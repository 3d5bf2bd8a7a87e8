"""The symmetric-indefinite LDL^T factorization (Bunch-Kaufman) and its solve, written once in
plain Python over flat arrays and compiled twice: with ``numba.njit`` for the CPU
(:mod:`dlcore.kernels.cpu._jit_ldl`) and with ``numba.cuda.jit(device=True)`` for CUDA
(:mod:`dlcore.kernels.cuda._kernels_ldl`, one thread per matrix).  They are LAPACK's unblocked
``sytf2`` and ``sytrs`` for the lower triangle, which is what ``torch.linalg.ldl_factor`` and
``ldl_solve`` call (through the blocked ``sytrf``, whose pivot choices are the same), so the
compact ``LD`` and the 1-based ``pivots`` have LAPACK's meaning:

* ``pivots[k] = p > 0``: a 1 x 1 block ``D[k, k]``; rows and columns k and p-1 were swapped;
* ``pivots[k] = pivots[k+1] = -p < 0``: a 2 x 2 block ``D[k:k+2, k:k+2]`` (its off-diagonal in
  ``LD[k+1, k]``); rows and columns k+1 and p-1 were swapped.

Bunch-Kaufman's choice at step k (alpha = (1 + sqrt 17) / 8, so that the growth is bounded):
colmax = max_i>k |a_ik| (at row r); a 1 x 1 pivot a_kk when |a_kk| >= alpha colmax; otherwise
with rowmax the largest off-diagonal of row/column r, still a_kk when |a_kk| rowmax >= alpha
colmax^2, a 1 x 1 pivot a_rr (swapped in) when |a_rr| >= alpha rowmax, else the 2 x 2 block
of k and r.  The trailing matrix gets the rank-1 (or rank-2) update A -= L_k D_k^-1 L_k^T; the
strict upper triangle is never read.  ``info`` is k + 1 for the first zero pivot block (the
factorization is still completed, as LAPACK's), else 0.

Every array is flat: the matrix at ``a[base + i n + j]``, its pivots at ``piv[pbase + i]``.
"""

from __future__ import annotations

import math


def sytf2_lower(a, base, n, piv, pbase):
    """Factor the n x n matrix at ``a[base:]`` in place (lower triangle); returns info."""
    alpha = (1.0 + math.sqrt(17.0)) / 8.0
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = abs(a[base + k * n + k])
        imax = k
        colmax = 0.0
        for i in range(k + 1, n):
            v = abs(a[base + i * n + k])
            if v > colmax:
                colmax = v
                imax = i
        kp = k
        if max(absakk, colmax) == 0.0 or absakk != absakk:
            if info == 0:
                info = k + 1
        else:
            if absakk < alpha * colmax:
                rowmax = 0.0
                for j in range(k, imax):                       # row imax, left of the diagonal
                    v = abs(a[base + imax * n + j])
                    if v > rowmax:
                        rowmax = v
                for i in range(imax + 1, n):                   # column imax, below it
                    v = abs(a[base + i * n + imax])
                    if v > rowmax:
                        rowmax = v
                if absakk >= alpha * colmax * (colmax / rowmax):
                    kp = k
                elif abs(a[base + imax * n + imax]) >= alpha * rowmax:
                    kp = imax
                else:
                    kp = imax
                    kstep = 2
            kk = k + kstep - 1
            if kp != kk:                                       # symmetric swap of kk and kp
                for i in range(kp + 1, n):
                    t = a[base + i * n + kk]
                    a[base + i * n + kk] = a[base + i * n + kp]
                    a[base + i * n + kp] = t
                for j in range(kk + 1, kp):
                    t = a[base + j * n + kk]
                    a[base + j * n + kk] = a[base + kp * n + j]
                    a[base + kp * n + j] = t
                t = a[base + kk * n + kk]
                a[base + kk * n + kk] = a[base + kp * n + kp]
                a[base + kp * n + kp] = t
                if kstep == 2:
                    t = a[base + (k + 1) * n + k]
                    a[base + (k + 1) * n + k] = a[base + kp * n + k]
                    a[base + kp * n + k] = t
            if kstep == 1:
                if k < n - 1:
                    d11 = 1.0 / a[base + k * n + k]
                    for j in range(k + 1, n):                  # A22 -= d11 x x^T (dsyr)
                        xj = a[base + j * n + k]
                        if xj != 0.0:
                            t = -d11 * xj
                            for i in range(j, n):
                                a[base + i * n + j] += a[base + i * n + k] * t
                    for i in range(k + 1, n):
                        a[base + i * n + k] *= d11
            elif k < n - 2:
                d21 = a[base + (k + 1) * n + k]
                d11 = a[base + (k + 1) * n + k + 1] / d21
                d22 = a[base + k * n + k] / d21
                t = 1.0 / (d11 * d22 - 1.0)
                d21 = t / d21
                for j in range(k + 2, n):
                    wk = d21 * (d11 * a[base + j * n + k] - a[base + j * n + k + 1])
                    wkp1 = d21 * (d22 * a[base + j * n + k + 1] - a[base + j * n + k])
                    for i in range(j, n):
                        a[base + i * n + j] = (a[base + i * n + j] - a[base + i * n + k] * wk
                                               - a[base + i * n + k + 1] * wkp1)
                    a[base + j * n + k] = wk
                    a[base + j * n + k + 1] = wkp1
        if kstep == 1:
            piv[pbase + k] = kp + 1
        else:
            piv[pbase + k] = -(kp + 1)
            piv[pbase + k + 1] = -(kp + 1)
        k += kstep
    return info


def sytrs_lower(a, base, n, piv, pbase, x, xbase, m):
    """Solve A X = B in place (``x[xbase:]``: n x m, row-major) with A = L D L^T from
    ``sytf2_lower``: first L D Y = P B, then L^T P^T X = Y."""
    k = 0
    while k < n:
        p = piv[pbase + k]
        if p > 0:
            kp = p - 1
            if kp != k:
                for c in range(m):
                    t = x[xbase + k * m + c]
                    x[xbase + k * m + c] = x[xbase + kp * m + c]
                    x[xbase + kp * m + c] = t
            for i in range(k + 1, n):
                lik = a[base + i * n + k]
                for c in range(m):
                    x[xbase + i * m + c] -= lik * x[xbase + k * m + c]
            dkk = a[base + k * n + k]
            for c in range(m):
                x[xbase + k * m + c] /= dkk
            k += 1
        else:
            kp = -p - 1
            if kp != k + 1:
                for c in range(m):
                    t = x[xbase + (k + 1) * m + c]
                    x[xbase + (k + 1) * m + c] = x[xbase + kp * m + c]
                    x[xbase + kp * m + c] = t
            for i in range(k + 2, n):
                l0 = a[base + i * n + k]
                l1 = a[base + i * n + k + 1]
                for c in range(m):
                    x[xbase + i * m + c] -= l0 * x[xbase + k * m + c]
                    x[xbase + i * m + c] -= l1 * x[xbase + (k + 1) * m + c]
            akm1k = a[base + (k + 1) * n + k]
            akm1 = a[base + k * n + k] / akm1k
            ak = a[base + (k + 1) * n + k + 1] / akm1k
            denom = akm1 * ak - 1.0
            for c in range(m):
                bkm1 = x[xbase + k * m + c] / akm1k
                bk = x[xbase + (k + 1) * m + c] / akm1k
                x[xbase + k * m + c] = (ak * bkm1 - bk) / denom
                x[xbase + (k + 1) * m + c] = (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:
        p = piv[pbase + k]
        if p > 0:
            for i in range(k + 1, n):
                lik = a[base + i * n + k]
                for c in range(m):
                    x[xbase + k * m + c] -= lik * x[xbase + i * m + c]
            kp = p - 1
            if kp != k:
                for c in range(m):
                    t = x[xbase + k * m + c]
                    x[xbase + k * m + c] = x[xbase + kp * m + c]
                    x[xbase + kp * m + c] = t
            k -= 1
        else:
            for i in range(k + 1, n):
                l0 = a[base + i * n + k]
                l1 = a[base + i * n + k - 1]
                for c in range(m):
                    x[xbase + k * m + c] -= l0 * x[xbase + i * m + c]
                    x[xbase + (k - 1) * m + c] -= l1 * x[xbase + i * m + c]
            kp = -p - 1
            if kp != k:
                for c in range(m):
                    t = x[xbase + k * m + c]
                    x[xbase + k * m + c] = x[xbase + kp * m + c]
                    x[xbase + kp * m + c] = t
            k -= 2
