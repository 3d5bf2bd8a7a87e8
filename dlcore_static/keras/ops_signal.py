"""Keras 3's complex and spectral ops on real graph tensors.

dlcore's graphs hold no complex dtype, and neither do Keras 3's spectral ops' arguments: a
complex value is the pair ``(real, imag)`` of float tensors, as Keras 3 passes it.

- ``fft``/``ifft2``/``fft2`` (pairs in, pairs out), ``rfft(x, fft_length)`` (real in, pair
  out), ``irfft((real, imag), fft_length)`` (pair in, real out): a discrete Fourier transform
  along the last axis (two last axes for ``fft2``/``ifft2``) as a product with constant cosine
  and sine matrices built in float64 and cast to the input's dtype: O(n^2) per row rather than
  an FFT's O(n log n), differentiable through the matrix products, exact to the dtype's
  rounding (Keras 3 uses NumPy's FFT; the tests compare to it).
- ``stft``/``istft``: frames by a constant gather (reflect padding when ``center``), a periodic
  ``"hann"``/``"hamming"`` window (or a given one) padded to ``fft_length``, ``rfft``; and the
  inverse with overlap-add divided by the summed squared window, as Keras 3's NumPy backend
  (``scipy.signal.istft``) computes it.
- ``real``/``imag``/``conj``/``conjugate``/``angle``/``isreal`` of a real tensor (``x``,
  zeros, ``x``, ``pi`` where ``x`` < 0 or is -0.0, all True).  A complex NumPy argument is
  refused by name (no complex tensors).
"""

from __future__ import annotations

import numpy as np

from .ops_base import check, dname, rank, t, tf, to_float

__all__ = ["fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft", "real", "imag", "conj",
           "conjugate", "angle", "isreal", "erfinv", "argpartition"]


def _real_arg(x, op: str):
    if not hasattr(x, "op") and np.iscomplexobj(np.asarray(x)):
        raise TypeError(f"keras.ops.{op}: complex inputs are not supported (dlcore graphs "
                        f"hold no complex dtype); got {np.asarray(x).dtype}")
    return t(x)


def real(x):
    return _real_arg(x, "real")


def imag(x):
    x = _real_arg(x, "imag")
    return tf().zeros_like(x)


def conjugate(x):
    return _real_arg(x, "conjugate")


conj = conjugate


def angle(x):
    """The argument of a real number: 0 for x >= +0, pi for x < 0 and -0.0 (NumPy's
    ``arctan2(0, x)``); ints are float32 as Keras 3."""
    x = to_float(_real_arg(x, "angle"))
    return tf().atan2(tf().zeros_like(x), x)


def isreal(x):
    x = _real_arg(x, "isreal")
    return tf().ones_like(x, dtype="bool")


def erfinv(x):
    return tf().math.erfinv(to_float(x))


def argpartition(x, kth, axis=-1):
    """Indices that put the ``kth`` element where a sort puts it, smaller ones before and
    larger ones after: a stable full sort's indices are such a partition (NumPy's
    introselect orders the two sides otherwise; Keras 3 promises only the partition)."""
    x = t(x)
    check(rank(x) > 0, "argpartition", "a scalar cannot be partitioned")
    n = x.shape.as_list()[axis]
    ks = np.atleast_1d(np.asarray(kth))
    check(n is None or bool(np.all((ks >= -n) & (ks < n))), "argpartition",
          f"kth(={kth}) out of bounds ({n})")
    return tf().argsort(x, axis=axis, stable=True)


# -- discrete Fourier transforms as products with constant matrices
def _pair(x, op: str):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"keras.ops.{op}: Input `x` should be a tuple of two tensors - real "
                         f"and imaginary.Received: x={x}")
    a, b = t(x[0]), t(x[1])
    if a.shape.as_list() != b.shape.as_list():
        raise ValueError(f"keras.ops.{op}: Input `x` should be a tuple of two tensors - real "
                         "and imaginary.Both the real and imaginary parts should have the "
                         f"same shape. Received: x[0].shape = {tuple(a.shape.as_list())}, "
                         f"x[1].shape = {tuple(b.shape.as_list())}")
    if dname(a) not in ("float16", "float32", "float64") or \
            dname(b) not in ("float16", "float32", "float64"):
        raise ValueError(f"keras.ops.{op}: At least one tensor in input `x` is not of type "
                         f"float.Received: x=({dname(a)}, {dname(b)}).")
    return a, b


def _last(x, op: str) -> int:
    check(rank(x) >= 1 and x.shape.as_list()[-1] is not None, op,
          f"the last axis must be known when the graph is built, got shape "
          f"{tuple(x.shape.as_list())}")
    return int(x.shape.as_list()[-1])


def _mat(m: np.ndarray, like):
    return tf().constant(m.astype(dname(like)))


def _dot(x, m):
    """``x`` (..., n) times the constant ``m`` (n, k)."""
    return tf().tensordot(x, m, axes=[[rank(x) - 1], [0]])


def _dft(a, b, inverse: bool, op: str):
    """(a + ib) transformed along the last axis: e^(-+2 pi i jk/n), 1/n for the inverse."""
    n = _last(a, op)
    jk = np.outer(np.arange(n), np.arange(n)) % n
    c, s = np.cos(2 * np.pi * jk / n), np.sin(2 * np.pi * jk / n)
    if inverse:
        c, s = c / n, s / n
    else:
        s = -s
    cm, sm = _mat(c, a), _mat(s, a)
    return _dot(a, cm) - _dot(b, sm), _dot(a, sm) + _dot(b, cm)


def _swap(x):
    nd = rank(x)
    return tf().transpose(x, list(range(nd - 2)) + [nd - 1, nd - 2])


def fft(x):
    a, b = _pair(x, "fft")
    return _dft(a, b, False, "fft")


def fft2(x):
    a, b = _pair(x, "fft2")
    check(rank(a) >= 2, "fft2", f"inputs of rank >= 2, got shape {tuple(a.shape.as_list())}")
    a, b = _dft(a, b, False, "fft2")
    a, b = _dft(_swap(a), _swap(b), False, "fft2")
    return _swap(a), _swap(b)


def ifft2(x):
    a, b = _pair(x, "ifft2")
    check(rank(a) >= 2, "ifft2", f"inputs of rank >= 2, got shape {tuple(a.shape.as_list())}")
    a, b = _dft(a, b, True, "ifft2")
    a, b = _dft(_swap(a), _swap(b), True, "ifft2")
    return _swap(a), _swap(b)


def rfft(x, fft_length=None):
    """NumPy's ``rfft`` along the last axis (zero-padded or cut to ``fft_length``): the pair
    (real, imag) of ``fft_length // 2 + 1`` bins, in ``x``'s float dtype."""
    x = to_float(x)
    m = _last(x, "rfft")
    n = m if fft_length is None else int(fft_length)
    check(n >= 1, "rfft", f"fft_length must be positive, got {fft_length}")
    jk = np.outer(np.arange(min(m, n)), np.arange(n // 2 + 1))
    if m > n:
        x = x[..., :n]
    ang = 2 * np.pi * (jk % n) / n
    return _dot(x, _mat(np.cos(ang), x)), _dot(x, _mat(-np.sin(ang), x))


def irfft(x, fft_length=None):
    """NumPy's ``irfft`` of the pair (real, imag) along the last axis: ``fft_length`` real
    samples (``2 * (bins - 1)`` by default); the imaginary parts of the 0 and n/2 bins are
    ignored, as NumPy does."""
    a, b = _pair(x, "irfft")
    m = _last(a, "irfft")
    n = 2 * (m - 1) if fft_length is None else int(fft_length)
    check(n >= 1, "irfft", f"fft_length must be positive, got {n}")
    k = np.arange(min(m, n // 2 + 1))
    w = np.where((k == 0) | ((n % 2 == 0) & (k == n // 2)), 1.0, 2.0)[:, None] / n
    ang = 2 * np.pi * (np.outer(k, np.arange(n)) % n) / n
    if m > len(k):
        a, b = a[..., :len(k)], b[..., :len(k)]
    return _dot(a, _mat(w * np.cos(ang), a)) - _dot(b, _mat(w * np.sin(ang), a))


def _window(window, sequence_length: int, fft_length: int, dtype: str, op: str):
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"keras.ops.{op}: If a string is passed to `window`, it must be "
                             f'one of `"hann"`, `"hamming"`. Received: window={window}')
        k = np.arange(sequence_length)
        a0 = 0.5 if window == "hann" else 0.54             # (periodic, as scipy's get_window)
        win = a0 - (1 - a0) * np.cos(2 * np.pi * k / sequence_length)
    else:
        win = np.asarray(window, dtype=np.float64)
        if win.ndim != 1 or win.shape[-1] != sequence_length:
            raise ValueError(f"keras.ops.{op}: The shape of `window` must be equal to "
                             f"[sequence_length].Received: window shape={win.shape}")
    l_pad = (fft_length - sequence_length) // 2
    return np.pad(win, [l_pad, fft_length - sequence_length - l_pad]).astype(dtype)


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis: the pair (real, imag) of shape
    ``(..., frames, fft_length // 2 + 1)``, as Keras 3."""
    x = t(x)
    if dname(x) not in ("float32", "float64"):
        raise TypeError(f"keras.ops.stft: Invalid input type. Expected `float32` or "
                        f"`float64`. Received: input type={dname(x)}")
    sequence_length, sequence_stride = int(sequence_length), int(sequence_stride)
    fft_length = int(fft_length)
    if fft_length < sequence_length:
        raise ValueError(f"keras.ops.stft: `fft_length` must equal or larger than "
                         f"`sequence_length`. Received: sequence_length={sequence_length}, "
                         f"fft_length={fft_length}")
    win = np.ones(fft_length, dname(x)) if window is None else \
        _window(window, sequence_length, fft_length, dname(x), "stft")
    n = _last(x, "stft")
    if center:
        p = fft_length // 2
        check(n > p, "stft", f"reflect padding by {p} needs more than {p} samples, got {n}")
        idx = np.concatenate([np.arange(p, 0, -1), np.arange(n), n - 2 - np.arange(p)])
        x = tf().gather(x, idx, axis=rank(x) - 1)
        n += 2 * p
    frames = (n - fft_length) // sequence_stride + 1
    check(frames >= 1, "stft", f"{n} samples make no frame of {fft_length}")
    starts = np.arange(frames)[:, None] * sequence_stride + np.arange(fft_length)[None, :]
    framed = tf().gather(x, starts, axis=rank(x) - 1) * tf().constant(win)
    return rfft(framed, fft_length)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The inverse of ``stft``: the frames' ``irfft`` times the window, overlap-added and
    divided by the overlap-added squared window, as Keras 3's NumPy backend."""
    a, b = _pair(x, "istft")
    sequence_length, sequence_stride = int(sequence_length), int(sequence_stride)
    fft_length = int(fft_length)
    dt = dname(a)
    check(rank(a) >= 2 and a.shape.as_list()[-2] is not None, "istft",
          f"inputs (..., frames, bins) with frames known, got {tuple(a.shape.as_list())}")
    frames = int(a.shape.as_list()[-2])
    win = np.ones(fft_length, dt) if window is None else \
        _window(window, sequence_length, fft_length, dt, "istft")
    y = irfft((a, b), fft_length) * tf().constant(win)      # (..., frames, fft_length)
    total = fft_length + sequence_stride * (frames - 1)
    pos = (np.arange(frames)[:, None] * sequence_stride + np.arange(fft_length)).reshape(-1)
    norm = np.zeros(total)
    np.add.at(norm, pos, np.tile(win.astype(np.float64) ** 2, frames))
    scale = 1.0 if window is not None else fft_length / sequence_stride
    norm = np.where(norm > 1e-10, norm, 1.0) / scale
    nd = rank(y)
    flat = tf().reshape(y, tf().concat([tf().shape(y)[:nd - 2], [frames * fft_length]], 0)) \
        if None in y.shape.as_list()[:nd - 2] else \
        tf().reshape(y, y.shape.as_list()[:nd - 2] + [frames * fft_length])
    moved = tf().transpose(flat, [nd - 2] + list(range(nd - 2)))
    summed = tf().math.unsorted_segment_sum(moved, tf().constant(pos.astype("int32")), total)
    out = tf().transpose(summed, list(range(1, nd - 1)) + [0]) / tf().constant(
        norm.astype(dt))
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + int(length)
    else:
        end = total - fft_length // 2 if center else total
    return out[..., start:end]

