"""CUDA kernels of the cosine-similarity primitives: one thread per ``(a, b)`` pair of the
``(A, n, B)`` view (the same float64 sums as the CPU kernels)."""

from __future__ import annotations

from . import _support as S
from .elementwise import flat


def _anb(shape, axis):
    return S.size_of(shape[:axis]), shape[axis], S.size_of(shape[axis + 1:])


def cosine_similarity(x1, x2, *, axis, eps):
    shape = tuple(int(d) for d in x1.shape)
    a, n, b = _anb(shape, axis)
    oshape = shape[:axis] + shape[axis + 1:]
    out = S.empty((max(a * b, 1),), x1.dtype)
    if a * b:
        from ._kernels_cosine import forward_pairs
        blocks, threads = S.launch_1d(a * b)
        forward_pairs[blocks, threads](out, flat(x1), flat(x2), a, n, b, float(eps) ** 2)
    return S.view_as(out if a * b else S.empty((0,), x1.dtype), oshape)


def cosine_similarity_grad(g, x1, x2, *, axis, eps):
    shape = tuple(int(d) for d in x1.shape)
    a, n, b = _anb(shape, axis)
    out = S.empty((max(a * n * b, 1),), x1.dtype)
    if a * n * b:
        from ._kernels_cosine import grad_pairs
        blocks, threads = S.launch_1d(a * b)
        grad_pairs[blocks, threads](out, flat(g), flat(x1), flat(x2), a, n, b,
                                    float(eps) ** 2)
    return S.view_as(out if a * n * b else S.empty((0,), x1.dtype), shape)
