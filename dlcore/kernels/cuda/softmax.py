"""CUDA kernels of the softmax and log-softmax primitives: one thread per line of the
``(outer, n, inner)`` view (the same two passes as the CPU kernel, float64 sums).  Lines are
short in the uses that matter (classes, attention keys); a block-per-row kernel with a shared-
memory reduction is the next step when a benchmark asks for long rows."""

from __future__ import annotations

from . import _support as S
from .elementwise import flat


def _run(x, axis, log):
    shape = tuple(int(d) for d in x.shape)
    n_all = S.size_of(shape)
    out = S.empty((max(n_all, 1),), x.dtype)
    if n_all:
        from ._kernels_softmax import softmax_lines
        o, n, inner = S.size_of(shape[:axis]), shape[axis], S.size_of(shape[axis + 1:])
        blocks, threads = S.launch_1d(o * inner)
        softmax_lines[blocks, threads](out, flat(x), o, n, inner, log)
    return S.view_as(out if n_all else S.empty((0,), x.dtype), shape)


def softmax(x, *, axis):
    return _run(x, axis, False)


def log_softmax(x, *, axis):
    return _run(x, axis, True)


def sparse_xent(x, labels):
    import numpy as np
    shape = tuple(int(d) for d in labels.shape)
    rows = S.size_of(shape)
    c = int(tuple(x.shape)[-1])       # (the simulator's shape takes no negative index)
    out = S.empty((max(rows, 1),), x.dtype)
    if rows:
        from ._kernels import fill
        from ._kernels_softmax import sparse_xent_rows
        err = S.empty((2,), np.int64)
        fill[1, S.WARP](err, np.int64(0), 2)
        blocks, threads = S.launch_1d(rows)
        sparse_xent_rows[blocks, threads](out, flat(x), flat(labels), rows, c, err)
        flag = err.copy_to_host()
        if flag[0]:
            from ..cpu.softmax import _raise_label
            from ...device import to_host
            _raise_label(to_host(labels), c)
    return S.view_as(out if rows else S.empty((0,), x.dtype), shape)


def sparse_xent_grad(g, x, labels):
    import numpy as np
    shape = tuple(int(d) for d in x.shape)
    rows = S.size_of(tuple(int(d) for d in labels.shape))
    c = shape[-1]
    out = S.empty((max(rows * c, 1),), x.dtype)
    if rows * c:
        from ._kernels import fill
        from ._kernels_softmax import sparse_xent_grad_rows
        err = S.empty((2,), np.int64)
        fill[1, S.WARP](err, np.int64(0), 2)
        blocks, threads = S.launch_1d(rows)
        sparse_xent_grad_rows[blocks, threads](out, flat(g), flat(x), flat(labels), rows, c,
                                               err)
        if err.copy_to_host()[0]:
            from ...device import to_host
            from ..cpu.softmax import _raise_label
            _raise_label(to_host(labels), c)
    return S.view_as(out if rows * c else S.empty((0,), x.dtype), shape)
