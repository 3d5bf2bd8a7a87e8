"""CUDA kernels of the 2-norm primitives (dlcore/ops/norm2.py): the operand transposed so that
the reduced axes are last (a copy only when they are not; the layout is the CPU kernel's,
``cpu.norm2.layout``), then one thread per row (:mod:`._kernels_norm2`): squares in the
operand's dtype summed in float64, as on the CPU."""

from __future__ import annotations

from ..cpu.norm2 import layout
from . import _support as S
from .elementwise import flat
from .shape import transpose


def norm2(x, *, axes, keepdims, masked=True):
    shape = tuple(int(d) for d in x.shape)
    perm, rows, n, out_shape, _ = layout(shape, tuple(axes), keepdims)
    out = S.empty((max(rows, 1),), x.dtype)
    if rows:
        from ._kernels_norm2 import forward_rows
        xt = x if perm is None else transpose(x, perm=perm)
        xf = flat(xt) if n else out                     # (unread when n == 0)
        blocks, threads = S.launch_1d(rows)
        forward_rows[blocks, threads](out, xf, rows, n)
    return S.view_as(out if rows else S.empty((0,), x.dtype), out_shape)


def norm2_grad(g, x, *, axes, keepdims, masked=True):
    shape = tuple(int(d) for d in x.shape)
    perm, rows, n, _, _ = layout(shape, tuple(axes), keepdims)
    size = rows * n
    out = S.empty((max(size, 1),), x.dtype)
    if size:
        from ._kernels_norm2 import grad_rows
        xt = x if perm is None else transpose(x, perm=perm)
        blocks, threads = S.launch_1d(rows)
        grad_rows[blocks, threads](out, flat(g), flat(xt), S.empty((rows,), x.dtype), rows, n,
                                   bool(masked))
    pshape = shape if perm is None else tuple(shape[i] for i in perm)
    res = S.view_as(out if size else S.empty((0,), x.dtype), pshape)
    if perm is None:
        return res
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return transpose(res, perm=tuple(inv))
