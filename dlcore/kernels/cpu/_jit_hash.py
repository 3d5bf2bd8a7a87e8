"""Numba loops behind TensorFlow's string hashes (imported on first use, never by
``import dlcore``): the functions that decide which bucket a string lands in, bit for bit as
TensorFlow computes them, so that hash buckets, out-of-vocabulary buckets and feature crosses
built with dlcore_static match a TensorFlow model's.

Strings arrive packed: ``buf`` (uint8) holds all the bytes end to end and string ``i`` is
``buf[starts[i]:starts[i + 1]]``.  All arithmetic is on uint64 and wraps modulo 2**64, as the
C++ does (every constant and shift count below is a ``np.uint64``: Numba would turn a uint64
mixed with a plain int into a float64).  Loads are little endian, as on every machine
TensorFlow publishes its expected values for.

* ``fingerprint64``: FarmHash's ``Fingerprint64`` = ``farmhashna::Hash64`` (Geoff Pike's
  FarmHash, 2014), TensorFlow's ``Fingerprint64`` and the hash of
  ``tf.strings.to_hash_bucket_fast``.  Four cases by length: 0-16, 17-32, 33-64 bytes, and a
  loop over 64-byte blocks with 56 bytes of state for longer strings.
* ``hash64_legacy``: TensorFlow's own ``Hash64(data, n, seed)``
  (tensorflow/core/lib/hash/hash.cc, a MurmurHash64A variant), the hash of the legacy
  ``tf.string_to_hash_bucket`` with seed ``0xDECAFCAFFE``.
* ``siphash24``: SipHash-2-4 (Aumasson and Bernstein, 2012) keyed by two uint64 words
  ``(k0, k1)``, what ``tf.strings.to_hash_bucket_strong(key=[k0, k1])`` calls through
  highwayhash's ``SipHash``.
* ``fingerprint_cat64``: TensorFlow's ``FingerprintCat64(fp1, fp2)``
  (tensorflow/core/platform/fingerprint.h), which ``SparseCross`` folds over the features of
  one cross, starting from the hash key.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .runtime import configure_threads

configure_threads()

_K0 = np.uint64(0xC3A5C85C97CB3127)
_K1 = np.uint64(0xB492B66FBE98F273)
_K2 = np.uint64(0x9AE16A3B2F90404F)
_KMUL = np.uint64(0xC6A4A7935BD1E995)      # MurmurHash64A's m, also FingerprintCat64's
_U2 = np.uint64(2)
_U3 = np.uint64(3)
_U8 = np.uint64(8)
_U9 = np.uint64(9)
_U47 = np.uint64(47)
_U56 = np.uint64(56)
_UFF = np.uint64(0xFF)


@njit(cache=True, nogil=True)
def _fetch64(buf, p):
    r = np.uint64(0)
    for i in range(8):
        r |= np.uint64(buf[p + i]) << np.uint64(8 * i)
    return r


@njit(cache=True, nogil=True)
def _fetch32(buf, p):
    r = np.uint64(0)
    for i in range(4):
        r |= np.uint64(buf[p + i]) << np.uint64(8 * i)
    return r


@njit(cache=True, nogil=True)
def _rot(v, s):
    """Rotate right by ``s`` (0 < s < 64)."""
    return (v >> np.uint64(s)) | (v << np.uint64(64 - s))


@njit(cache=True, nogil=True)
def _rotl(v, s):
    return (v << np.uint64(s)) | (v >> np.uint64(64 - s))


@njit(cache=True, nogil=True)
def _shift_mix(v):
    return v ^ (v >> _U47)


@njit(cache=True, nogil=True)
def _hash_len16(u, v, mul):
    a = (u ^ v) * mul
    a ^= a >> _U47
    b = (v ^ a) * mul
    b ^= b >> _U47
    return b * mul


@njit(cache=True, nogil=True)
def _len0to16(buf, s, n):
    if n >= 8:
        mul = _K2 + np.uint64(n) * _U2
        a = _fetch64(buf, s) + _K2
        b = _fetch64(buf, s + n - 8)
        c = _rot(b, 37) * mul + a
        d = (_rot(a, 25) + b) * mul
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = _K2 + np.uint64(n) * _U2
        a = _fetch32(buf, s)
        return _hash_len16(np.uint64(n) + (a << _U3), _fetch32(buf, s + n - 4), mul)
    if n > 0:
        a = np.uint64(buf[s])
        b = np.uint64(buf[s + (n >> 1)])
        c = np.uint64(buf[s + n - 1])
        y = a + (b << _U8)
        z = np.uint64(n) + (c << _U2)
        return _shift_mix((y * _K2) ^ (z * _K0)) * _K2
    return _K2


@njit(cache=True, nogil=True)
def _len17to32(buf, s, n):
    mul = _K2 + np.uint64(n) * _U2
    a = _fetch64(buf, s) * _K1
    b = _fetch64(buf, s + 8)
    c = _fetch64(buf, s + n - 8) * mul
    d = _fetch64(buf, s + n - 16) * _K2
    return _hash_len16(_rot(a + b, 43) + _rot(c, 30) + d, a + _rot(b + _K2, 18) + c, mul)


@njit(cache=True, nogil=True)
def _len33to64(buf, s, n):
    mul = _K2 + np.uint64(n) * _U2
    a = _fetch64(buf, s) * _K2
    b = _fetch64(buf, s + 8)
    c = _fetch64(buf, s + n - 8) * mul
    d = _fetch64(buf, s + n - 16) * _K2
    y = _rot(a + b, 43) + _rot(c, 30) + d
    z = _hash_len16(y, a + _rot(b + _K2, 18) + c, mul)
    e = _fetch64(buf, s + 16) * mul
    f = _fetch64(buf, s + 24)
    g = (y + _fetch64(buf, s + n - 32)) * mul
    h = (z + _fetch64(buf, s + n - 24)) * mul
    return _hash_len16(_rot(e + f, 43) + _rot(g, 30) + h, e + _rot(f + a, 18) + g, mul)


@njit(cache=True, nogil=True)
def _weak32(buf, p, a, b):
    """FarmHash's WeakHashLen32WithSeeds over ``buf[p:p+32]``."""
    w = _fetch64(buf, p)
    x = _fetch64(buf, p + 8)
    y = _fetch64(buf, p + 16)
    z = _fetch64(buf, p + 24)
    a += w
    b = _rot(b + a + z, 21)
    c = a
    a += x
    a += y
    b += _rot(a, 44)
    return a + z, b + c


@njit(cache=True, nogil=True)
def _farm_na64(buf, s, n):
    """farmhashna::Hash64 of ``buf[s:s+n]``."""
    if n <= 16:
        return _len0to16(buf, s, n)
    if n <= 32:
        return _len17to32(buf, s, n)
    if n <= 64:
        return _len33to64(buf, s, n)
    seed = np.uint64(81)
    x = seed
    y = seed * _K1 + np.uint64(113)
    z = _shift_mix(y * _K2 + np.uint64(113)) * _K2
    v0 = np.uint64(0)
    v1 = np.uint64(0)
    w0 = np.uint64(0)
    w1 = np.uint64(0)
    x = x * _K2 + _fetch64(buf, s)
    end = s + ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    while True:
        x = _rot(x + y + v0 + _fetch64(buf, s + 8), 37) * _K1
        y = _rot(y + v1 + _fetch64(buf, s + 48), 42) * _K1
        x ^= w1
        y += v0 + _fetch64(buf, s + 40)
        z = _rot(z + w0, 33) * _K1
        v0, v1 = _weak32(buf, s, v1 * _K1, x + w0)
        w0, w1 = _weak32(buf, s + 32, z + w1, y + _fetch64(buf, s + 16))
        z, x = x, z
        s += 64
        if s == end:
            break
    mul = _K1 + ((z & _UFF) << np.uint64(1))
    s = last64
    w0 += np.uint64((n - 1) & 63)
    v0 += w0
    w0 += v0
    x = _rot(x + y + v0 + _fetch64(buf, s + 8), 37) * mul
    y = _rot(y + v1 + _fetch64(buf, s + 48), 42) * mul
    x ^= w1 * _U9
    y += v0 * _U9 + _fetch64(buf, s + 40)
    z = _rot(z + w0, 33) * mul
    v0, v1 = _weak32(buf, s, v1 * mul, x + w0)
    w0, w1 = _weak32(buf, s + 32, z + w1, y + _fetch64(buf, s + 16))
    z, x = x, z
    return _hash_len16(_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z,
                       _hash_len16(v1, w1, mul) + x, mul)


@njit(cache=True, nogil=True)
def fingerprint64(buf, starts):
    """``out[i] = Fingerprint64(string i)`` (uint64)."""
    m = starts.shape[0] - 1
    out = np.empty(m, np.uint64)
    for i in range(m):
        out[i] = _farm_na64(buf, starts[i], starts[i + 1] - starts[i])
    return out


@njit(cache=True, nogil=True)
def hash64_legacy(buf, starts, seed):
    """``out[i] = tensorflow::Hash64(string i, seed)`` (uint64)."""
    m = starts.shape[0] - 1
    out = np.empty(m, np.uint64)
    for i in range(m):
        p = starts[i]
        n = starts[i + 1] - p
        h = seed ^ (np.uint64(n) * _KMUL)
        while n >= 8:
            k = _fetch64(buf, p) * _KMUL
            k ^= k >> _U47
            k *= _KMUL
            h ^= k
            h *= _KMUL
            p += 8
            n -= 8
        if n > 0:
            for j in range(n - 1, -1, -1):
                h ^= np.uint64(buf[p + j]) << np.uint64(8 * j)
            h *= _KMUL
        h ^= h >> _U47
        h *= _KMUL
        h ^= h >> _U47
        out[i] = h
    return out


@njit(cache=True, nogil=True)
def _sip_rounds(v0, v1, v2, v3, rounds):
    for _ in range(rounds):
        v0 += v1
        v1 = _rotl(v1, 13)
        v1 ^= v0
        v0 = _rotl(v0, 32)
        v2 += v3
        v3 = _rotl(v3, 16)
        v3 ^= v2
        v0 += v3
        v3 = _rotl(v3, 21)
        v3 ^= v0
        v2 += v1
        v1 = _rotl(v1, 17)
        v1 ^= v2
        v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


@njit(cache=True, nogil=True)
def siphash24(buf, starts, k0, k1):
    """``out[i] = SipHash-2-4_{k0,k1}(string i)`` (uint64)."""
    m = starts.shape[0] - 1
    out = np.empty(m, np.uint64)
    for i in range(m):
        p = starts[i]
        n = starts[i + 1] - p
        v0 = k0 ^ np.uint64(0x736F6D6570736575)
        v1 = k1 ^ np.uint64(0x646F72616E646F6D)
        v2 = k0 ^ np.uint64(0x6C7967656E657261)
        v3 = k1 ^ np.uint64(0x7465646279746573)
        full = n - n % 8
        for q in range(p, p + full, 8):
            w = _fetch64(buf, q)
            v3 ^= w
            v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 2)
            v0 ^= w
        b = (np.uint64(n) & _UFF) << _U56
        for j in range(n - full):
            b |= np.uint64(buf[p + full + j]) << np.uint64(8 * j)
        v3 ^= b
        v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 2)
        v0 ^= b
        v2 ^= _UFF
        v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 4)
        out[i] = v0 ^ v1 ^ v2 ^ v3
    return out


@njit(cache=True, nogil=True)
def fingerprint_cat64(fp1, fp2):
    """Elementwise ``FingerprintCat64(fp1[i], fp2[i])`` (uint64 arrays of one length)."""
    out = np.empty(fp1.shape[0], np.uint64)
    for i in range(fp1.shape[0]):
        r = fp1[i] ^ _KMUL
        r ^= _shift_mix(fp2[i] * _KMUL) * _KMUL
        r *= _KMUL
        r = _shift_mix(r) * _KMUL
        out[i] = _shift_mix(r)
    return out

