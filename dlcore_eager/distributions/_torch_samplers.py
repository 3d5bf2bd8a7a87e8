"""ATen's own CPU samplers that ``torch.distributions`` calls, on PyTorch's stream (the
default generator's :class:`~dlcore_eager._torch_rng.TorchCPUEngine`), element by element in
the output's row-major order as ATen's ``cpu_serial_kernel`` runs them:

* ``torch._standard_gamma`` (Gamma, Chi2, StudentT's chi2): ``sample_gamma<scalar_t, double>``
  (``ATen/native/Distributions.h``), Marsaglia and Tsang (2000) with the ``alpha < 1`` boost
  ``scale = (1 - u)^(1/alpha)``, ``alpha += 1``; the uniforms are double
  ``uniform_real_distribution(0, 1)`` draws, the normals ``normal_distribution<double>`` draws
  (with the generator's cached second value).  For float32 ``alpha``, ``1/alpha``,
  ``alpha + 1`` and ``d = alpha - 1/3`` round to float as C++ evaluates them; the rest is
  double; the result is cast and raised to at least the dtype's smallest normal.
* ``torch._sample_dirichlet`` (Dirichlet, Beta): the same sampler on ``alpha`` as double, the
  gammas normalised in double and clamped to ``[tiny, nexttoward(1, 0)]`` of the dtype.
* ``torch.binomial`` (Binomial): ``sample_binomial<scalar_t, double>``, inversion (sums of
  geometric draws) below ``count * p = 10``, Hormann's BTRS from it, ``p > 1/2`` mirrored, with
  scalar_t's float roundings; a Python loop over uniforms drawn ahead in bulk.

The loop is the Numba kernel ``dlcore/kernels/cpu/_jit_torch_gamma.py`` over words drawn in
bulk (the state then set back and advanced by the words used); the numbers are torch 2.13's for
the same seed.
"""

from __future__ import annotations

import math

import numpy as np

WORDS_PER_DRAW = 8       # words drawn ahead per element (about 5 used on average)


def _gammas(e, alpha: np.ndarray, f32: bool) -> np.ndarray:
    """``sample_gamma`` of every ``alpha`` (float64 results), the engine ``e`` advanced by
    exactly the words ATen would use: words are drawn in bulk, the kernel runs over them, then
    the state is restored and advanced by the count used (MT19937 has no rewind)."""
    from dlcore.kernels.cpu._jit_torch_gamma import gamma_fill
    a = np.ascontiguousarray(alpha, np.float64).reshape(-1)
    out = np.empty(a.size)
    with e._lock:
        cache = np.array([0.0 if e.next_double is None else 1.0, e.next_double or 0.0])
        _fill_ahead(e, a.size, lambda n: WORDS_PER_DRAW * n + 64,
                    lambda raw, i: gamma_fill(raw, a, f32, i, out, cache))
        e.next_double = float(cache[1]) if cache[0] else None
    return out


def _fill_ahead(e, size: int, words, fill) -> None:
    """Run a kernel ``fill(raw, start) -> (next element, words used)`` over ``size`` elements
    on words of ``e`` drawn ahead in bulk (``words(n)`` of them for ``n`` elements left, more
    drawn where they run out), then set the state back and advance it by the words used
    (MT19937 has no rewind): the stream moves exactly as ATen's.  The caller holds the lock."""
    state = e.bg.state
    raw = e.bg.random_raw(words(size))
    used = 0
    i = 0
    while True:
        i, k = fill(raw, i)
        used += k
        if i == size:
            break
        raw = np.concatenate([raw[k:], e.bg.random_raw(words(size - i))])
    e.bg.state = state
    if used:
        e._raw32(used)


def standard_gamma(alpha: np.ndarray, generator=None) -> np.ndarray:
    """``torch._standard_gamma(alpha)`` for a float32/float64 array (float64 is kept)."""
    from ..creation import _engine
    e = _engine(generator)
    dt = np.float64 if alpha.dtype == np.float64 else np.float32
    flat = np.ascontiguousarray(alpha, dtype=dt).reshape(-1)
    out = _gammas(e, flat, dt is np.float32).astype(dt)
    return np.maximum(out, np.finfo(dt).tiny).reshape(alpha.shape)


def sample_dirichlet(alpha: np.ndarray, generator=None) -> np.ndarray:
    """``torch._sample_dirichlet(alpha)`` (the last axis the simplex)."""
    from ..creation import _engine
    e = _engine(generator)
    dt = np.float64 if alpha.dtype == np.float64 else np.float32
    flat = np.ascontiguousarray(alpha).astype(dt).astype(np.float64).reshape(-1)
    g = np.maximum(_gammas(e, flat, False), np.finfo(np.float64).tiny).reshape(alpha.shape)
    x = (g / g.sum(-1, keepdims=True)).astype(dt)
    return np.clip(x, np.finfo(dt).tiny, np.nextafter(dt(1), dt(0)))


# ----------------------------------------------------------------------------- binomial
_TAIL = [0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
         0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
         0.00925546218271273, 0.00833056343336287]


def _stirling_tail(k: float) -> float:
    if k <= 9:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _binomial1(count, prob, unif, s) -> float:
    """ATen's ``sample_binomial<scalar_t, double>`` (``s`` rounds to scalar_t: np.float32 or
    float), ``unif()`` its double uniforms: inversion below count * p = 10, BTRS from it."""
    def inversion(count, prob):
        logprob = float(np.log1p(s(-prob)))     # compat_log1p(scalar_t)
        geom_sum, num = 0.0, 0
        while True:
            geom_sum += math.ceil(math.log(unif()) / logprob)
            if geom_sum > count:
                return float(num)
            num += 1

    def btrs(count, prob):
        stddev = float(np.sqrt(s(s(count * prob) * s(1 - prob))))
        b = 1.15 + 2.53 * stddev
        a = -0.0873 + 0.0248 * b + 0.01 * prob
        c = float(s(count * prob)) + 0.5
        v_r = 0.92 - 4.2 / b
        r = float(s(s(prob) / s(1 - prob)))
        alpha = (2.83 + 5.1 / b) * stddev
        m = math.floor(float(s(s(count + 1) * prob)))
        while True:
            U = unif() - 0.5
            V = unif()
            us = 0.5 - abs(U)
            k = float(s(math.floor((2 * a / us + b) * U + c)))
            if k < 0 or k > count:
                continue
            if us >= 0.07 and V <= v_r:
                return k
            V = math.log(V * alpha / (a / (us * us) + b))
            upper = ((m + 0.5) * math.log((m + 1) / (r * (count - m + 1)))
                     + (count + 1) * math.log((count - m + 1) / (count - k + 1))
                     + (k + 0.5) * math.log(r * (count - k + 1) / (k + 1))
                     + _stirling_tail(m) + _stirling_tail(count - m)
                     - _stirling_tail(k) - _stirling_tail(count - k))
            if V <= upper:
                return k

    if count <= 0.0 or prob <= 0.0:
        return 0.0
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        return btrs(count, prob) if s(count * prob) >= 10.0 else inversion(count, prob)
    if prob > 0.5:
        q = float(s(1.0 - prob))
        return float(s(count - (btrs(count, q) if s(count * q) >= 10.0
                                else inversion(count, q))))
    return math.nan


def binomial(count: np.ndarray, prob: np.ndarray, generator=None) -> np.ndarray:
    """``torch.binomial(count, prob)`` (same shape, float32 or float64): ATen's per-element
    sampler on double uniforms of the stream, drawn ahead in bulk (the state then restored
    and advanced by the words used)."""
    from ..creation import _engine
    e = _engine(generator)
    dt = np.float64 if count.dtype == np.float64 else np.float32
    s = float if dt is np.float64 else np.float32
    if _BINOMIAL_IN_PYTHON:
        cs = np.ascontiguousarray(count, dtype=dt).reshape(-1).tolist()
        ps = np.ascontiguousarray(prob, dtype=dt).reshape(-1).tolist()
        with e._lock:
            out = e._each_on_uniforms(list(zip(cs, ps)),
                                      lambda cp, unif: _binomial1(cp[0], cp[1], unif, s),
                                      WORDS_PER_DRAW)
        return np.array(out, dt).reshape(np.shape(count))
    from dlcore.kernels.cpu._jit_torch_binomial import binomial_fill
    c = np.ascontiguousarray(count, dtype=dt).reshape(-1).astype(np.float64)
    p = np.ascontiguousarray(prob, dtype=dt).reshape(-1).astype(np.float64)
    res = np.empty(c.size)
    f32 = dt is np.float32
    with e._lock:
        _fill_ahead(e, c.size, lambda n: 2 * (WORDS_PER_DRAW * n + 32),
                    lambda raw, i: binomial_fill(raw, c, p, f32, i, res))
    return res.astype(dt).reshape(np.shape(count))


_BINOMIAL_IN_PYTHON = False     # (the reference loop above, kept for checking the kernel)
