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

The loop is the Numba kernel ``dlcore/kernels/cpu/_jit_torch_gamma.py`` over words drawn in
bulk (the state then set back and advanced by the words used); the numbers are torch 2.13's for
the same seed.
"""

from __future__ import annotations

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
        state = e.bg.state
        raw = e.bg.random_raw(WORDS_PER_DRAW * a.size + 64)
        used = 0
        i = 0
        while True:
            i, k = gamma_fill(raw, a, f32, i, out, cache)
            used += k
            if i == a.size:
                break
            raw = np.concatenate([raw[k:], e.bg.random_raw(WORDS_PER_DRAW * (a.size - i) + 64)])
        e.bg.state = state
        if used:
            e._raw32(used)
        e.next_double = float(cache[1]) if cache[0] else None
    return out


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
