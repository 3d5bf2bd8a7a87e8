"""Scalar special functions written once, in plain Python over ``math``, compiled twice: with
``numba.njit`` for the CPU (:mod:`dlcore.kernels.cpu._jit_special_math`) and with
``numba.cuda.jit(device=True)`` for CUDA (:mod:`dlcore.kernels.cuda._kernels_special_math`).
No function here calls another (each jit wraps them one by one); every one works in float64 and
takes and returns floats only.  The CUDA simulator runs them as plain Python, whose ``math``
raises where Numba returns inf or NaN, so every pole, overflow and division by zero is guarded
before it happens.

digamma(x)      psi(x) = d/dx log Gamma(x): the recurrence psi(x) = psi(x + 1) - 1/x up to
                x >= 10, then the asymptotic series log x - 1/(2x) - sum B_2k / (2k x^2k)
                (Cephes' psi, as PyTorch's calc_digamma); reflection psi(1 - x) - pi / tan(pi x)
                below 0; psi(+-0) = -+inf, NaN at the negative integers (PyTorch's values).
zeta(x, q)      Hurwitz zeta sum_k (k + q)^-x by Euler-Maclaurin summation (Cephes' zeta, as
                PyTorch and TensorFlow): inf at x = 1, NaN for x < 1, inf at q a non-positive
                integer, NaN for q < 0 with a non-integer x.
bessel_i(nu, x, scaled)  modified Bessel functions I0, I1 (nu = 0, 1) and their exponentially
                scaled forms exp(-|x|) I_nu(x): the power series sum (x/2)^(2k+nu) / (k! (k+nu)!)
                (positive terms, no cancellation) for |x| <= 25, the asymptotic expansion
                e^x / sqrt(2 pi x) sum (-1)^k a_k(nu) / x^k above (its smallest term there is
                below 1e-20).
erfcx(x)        exp(x^2) erfc(x): directly below 12, the asymptotic series
                1 / (x sqrt(pi)) sum (-1)^k (2k-1)!! / (2 x^2)^k from 12 on.
ndtri(p)        the inverse of the standard normal CDF: Acklam's rational approximation
                (relative error 1.2e-9), then two Halley steps on ndtr(x) - p with
                ndtr(x) = erfc(-x / sqrt 2) / 2, in the lower half only (p > 1/2 is -ndtri(1 - p),
                exact since 1 - p is), which brings it to float64 round-off.
igamma(a, x, upper)  the regularized incomplete gamma functions P(a, x) and Q(a, x) (see there).
"""

from __future__ import annotations

import math

MACHEP = 1.11022302462515654042e-16
# (2k)! / B_2k, k = 1..12: the Euler-Maclaurin correction terms of zeta (Cephes' A[]).
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)


def digamma(x):
    if math.isnan(x) or x == math.inf:
        return x
    if x == -math.inf:
        return math.nan
    if x == 0.0:
        return -math.inf if math.copysign(1.0, x) > 0.0 else math.inf
    result = 0.0
    if x < 0.0:
        if x == math.floor(x):
            return math.nan
        r = x - math.ceil(x)                 # tan(pi r) is accurate where tan(pi x) is not
        result = -math.pi / math.tan(math.pi * r)
        x = 1.0 - x
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    y = 0.0
    if x < 1e17:
        z = 1.0 / (x * x)
        y = z * (8.33333333333333333333e-2 + z * (-8.33333333333333333333e-3 + z * (
            3.96825396825396825397e-3 + z * (-4.16666666666666666667e-3 + z * (
                7.57575757575757575758e-3 + z * (-2.10927960927960927961e-2
                                                 + z * 8.33333333333333333333e-2))))))
    return result + math.log(x) - 0.5 / x - y


def zeta(x, q):
    if math.isnan(x) or math.isnan(q):
        return math.nan
    if x == 1.0:
        return math.inf
    if x < 1.0 or q == -math.inf:
        return math.nan
    if q == math.inf:
        return 0.0
    if x == math.inf:
        return math.inf if q < 1.0 else (1.0 if q == 1.0 else 0.0)
    if q <= 0.0:
        if q == math.floor(q):
            return math.inf
        if x != math.floor(x):
            return math.nan
    if q > 0.0:
        e = -x * math.log(q)
        s = math.inf if e > 709.0 else math.exp(e)
    else:
        s = q ** -x
    if s == math.inf:
        return s
    a = q
    i = 0
    b = 0.0
    while i < 9 or a <= 9.0:
        i += 1
        a += 1.0
        b = a ** -x
        s += b
        if abs(b) < MACHEP * abs(s):
            return s
    w = a
    s += b * w / (x - 1.0)
    s -= 0.5 * b
    aa = 1.0
    k = 0.0
    for j in range(12):
        aa *= x + k
        b /= w
        t = aa * b / _ZETA_A[j]
        s = s + t
        if abs(t) < MACHEP * abs(s):
            return s
        k += 1.0
        aa *= x + k
        b /= w
        k += 1.0
    return s


def bessel_i(nu, x, scaled):
    if math.isnan(x):
        return x
    ax = abs(x)
    if ax <= 25.0:
        h = 0.5 * ax
        h2 = h * h
        term = 1.0 if nu == 0 else h
        s = term
        k = 1.0
        while term > 1e-18 * s and k < 200.0:
            term *= h2 / (k * (k + nu))
            s += term
            k += 1.0
        if scaled:
            s *= math.exp(-ax)
    else:
        mu = 4.0 * nu * nu
        term = 1.0
        s = 1.0
        for k in range(1, 60):
            m = 2.0 * k - 1.0
            term *= -(mu - m * m) / (8.0 * k * ax)
            s += term
            if abs(term) < 1e-18 * abs(s):
                break
        s /= math.sqrt(2.0 * math.pi * ax)
        if not scaled:
            if ax > 1420.0:
                s = math.inf
            else:
                half = math.exp(0.5 * ax)    # e^ax as two halves: no early overflow
                s = s * half
                s = math.inf if s > 1.7e308 / half else s * half
    if nu == 1 and x < 0.0:
        s = -s
    return s


def erfcx(x):
    if math.isnan(x):
        return x
    if x < 12.0:
        if x * x > 709.0:
            return math.inf
        return math.exp(x * x) * math.erfc(x)
    if x > 1e8:
        return 0.5641895835477563 / x
    v = 0.5 / (x * x)
    t = 1.0
    s = 1.0
    for k in range(1, 20):
        t *= -(2.0 * k - 1.0) * v
        s += t
    return s * 0.5641895835477563 / x


def ndtri(p):
    if math.isnan(p) or p < 0.0 or p > 1.0:
        return math.nan
    if p == 0.0:
        return -math.inf
    if p == 1.0:
        return math.inf
    sign = 1.0
    if p > 0.5:
        p = 1.0 - p
        sign = -1.0
    if p < 0.02425:
        q = math.sqrt(-2.0 * math.log(p))
        x = (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q
                - 2.400758277161838e+00) * q - 2.549732539343734e+00) * q
              + 4.374664141464968e+00) * q + 2.938163982698783e+00) / \
            ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q
               + 2.445134137142996e+00) * q + 3.754408661907416e+00) * q + 1.0)
    else:
        q = p - 0.5
        r = q * q
        x = (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r
                - 2.759285104469687e+02) * r + 1.383577518672690e+02) * r
              - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q / \
            (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r
                - 1.556989798598866e+02) * r + 6.680131188771972e+01) * r
              - 1.328068155288572e+01) * r + 1.0)
    for _ in range(2):
        if 0.5 * x * x > 700.0:
            break
        e = 0.5 * math.erfc(-x * 0.7071067811865476) - p
        u = e * 2.5066282746310002 * math.exp(0.5 * x * x)
        x = x - u / (1.0 + 0.5 * x * u)
    return sign * x


def igamma(a, x, upper):
    """The regularized incomplete gamma functions P(a, x) (``upper`` False) and
    Q(a, x) = 1 - P(a, x): the series sum x^k / (a (a+1) ... (a+k)) below x = a + 1, Lentz's
    continued fraction above (Numerical Recipes' gser/gcf), each times
    exp(-x + a log x - lgamma(a)); SciPy's (and PyTorch's) boundary values."""
    if math.isnan(a) or math.isnan(x) or x < 0.0 or a < 0.0:
        return math.nan
    if a == 0.0:
        if x > 0.0:
            return 0.0 if upper else 1.0
        return math.nan
    if x == 0.0:
        return 1.0 if upper else 0.0
    if a == math.inf:
        if x == math.inf:
            return math.nan
        return 1.0 if upper else 0.0
    if x == math.inf:
        return 0.0 if upper else 1.0
    logpre = -x + a * math.log(x) - math.lgamma(a)
    pre = 0.0 if logpre < -745.0 else math.exp(logpre)
    if x < a + 1.0:
        ap = a
        d = 1.0 / a
        s = d
        for _ in range(100000):
            ap += 1.0
            d *= x / ap
            s += d
            if abs(d) < abs(s) * MACHEP:
                break
        p = s * pre
        return 1.0 - p if upper else p
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        e = d * c
        h *= e
        if abs(e - 1.0) < MACHEP:
            break
    q = pre * h
    return q if upper else 1.0 - q


def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b): Lentz's continued fraction
    (Numerical Recipes' betacf) on the side where it converges fast, x < (a+1) / (a+b+2), and
    1 - I_(1-x)(b, a) on the other; NaN outside a, b > 0 and 0 <= x <= 1 (TensorFlow's)."""
    if math.isnan(a) or math.isnan(b) or math.isnan(x) or a <= 0.0 or b <= 0.0 or x < 0.0 \
            or x > 1.0 or a == math.inf or b == math.inf:
        return math.nan
    if x == 0.0:
        return 0.0
    if x == 1.0:
        return 1.0
    flip = x > (a + 1.0) / (a + b + 2.0)
    if flip:
        a, b, x = b, a, 1.0 - x
    logpre = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) \
        + b * math.log1p(-x)
    pre = 0.0 if logpre < -745.0 else math.exp(logpre)
    tiny = 1e-300
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < tiny:
        d = tiny
    d = 1.0 / d
    h = d
    for m in range(1, 100000):
        m2 = 2.0 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        e = d * c
        h *= e
        if abs(e - 1.0) < MACHEP:
            break
    r = pre * h / a
    return 1.0 - r if flip else r
