"""Numba loop of the transposing copy (:mod:`.transpose_copy`), imported on first use, never by
``import dlcore``.

``transpose_copy`` writes ``dst[d0 + b1 db1 + b2 db2 + s ds + r] = src[s0 + b1 sb1 + b2 sb2 +
r sr + s]`` for ``b1 < B1, b2 < B2, s < S, r < R`` on flat float32 buffers: ``src`` is read
along ``s``, ``dst`` written along ``r``.  Whole 8 x 8 tiles go through registers: eight vector
loads of eight consecutive ``s`` (one per ``r``), the 8 x 8 transpose in three rounds of
shuffles (an ``@intrinsic`` in LLVM IR: Numba's own loops do not vectorise a transpose), eight
vector stores of eight consecutive ``r`` (one per ``s``); the edges of fewer than eight rows or
columns are copied one element at a time.  Every read and write lies inside the tile's rows, so
the tile never depends on what the buffers hold around it.
"""

from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from .runtime import configure_threads

configure_threads()

# the three rounds of the 8 x 8 transpose (unpack within 128-bit halves, pairs of pairs, halves)
_ROUND1 = ([0, 8, 1, 9, 4, 12, 5, 13], [2, 10, 3, 11, 6, 14, 7, 15])
_ROUND2 = ([0, 1, 8, 9, 4, 5, 12, 13], [2, 3, 10, 11, 6, 7, 14, 15])
_ROUND3 = ([0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7, 12, 13, 14, 15])


@intrinsic
def _tile8(typingctx, src, s0, sr, dst, d0, ds):
    """``dst[d0 + s ds + r] = src[s0 + r sr + s]`` for ``r, s < 8``."""
    sig = types.void(src, s0, sr, dst, d0, ds)

    def codegen(context, builder, sig, args):
        f32 = ir.FloatType()
        v8 = ir.VectorType(f32, 8)
        v8p = v8.as_pointer()
        i32, i64 = ir.IntType(32), ir.IntType(64)

        def data(k):
            return cgutils.create_struct_proxy(sig.args[k])(context, builder,
                                                            value=args[k]).data

        def ival(k):
            return context.cast(builder, args[k], sig.args[k], types.int64)

        ps, pd = data(0), data(3)
        s0_, sr_, d0_, ds_ = ival(1), ival(2), ival(4), ival(5)
        rows = [builder.load(builder.bitcast(builder.gep(
            ps, [builder.add(s0_, builder.mul(sr_, ir.Constant(i64, r)))]), v8p), align=4)
            for r in range(8)]

        def shuf(a, b, mask):
            return builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(i32, 8), mask))

        t = []
        for k in range(0, 8, 2):                            # round 1: pairs of rows
            t += [shuf(rows[k], rows[k + 1], _ROUND1[0]), shuf(rows[k], rows[k + 1], _ROUND1[1])]
        u = []
        for k in (0, 4):                                    # round 2: pairs of pairs
            for lo in (0, 1):
                a, b = t[k + lo], t[k + 2 + lo]
                u += [shuf(a, b, _ROUND2[0]), shuf(a, b, _ROUND2[1])]
        out = [None] * 8
        for k in range(4):                                  # round 3: 128-bit halves
            out[k] = shuf(u[k], u[4 + k], _ROUND3[0])
            out[4 + k] = shuf(u[k], u[4 + k], _ROUND3[1])
        for s in range(8):
            p = builder.gep(pd, [builder.add(d0_, builder.mul(ds_, ir.Constant(i64, s)))])
            builder.store(out[s], builder.bitcast(p, v8p), align=4)
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, nogil=True, boundscheck=False)
def transpose_copy(src, s0, sb1, sb2, sr, dst, d0, db1, db2, ds, n1, n2, n_s, n_r):
    """The copy of the module docstring (the caller keeps every index inside its buffer)."""
    s8 = n_s - n_s % 8
    r8 = n_r - n_r % 8
    for b1 in range(n1):
        for b2 in range(n2):
            so = s0 + b1 * sb1 + b2 * sb2
            do = d0 + b1 * db1 + b2 * db2
            for r in range(0, r8, 8):
                for s in range(0, s8, 8):
                    _tile8(src, so + r * sr + s, sr, dst, do + s * ds + r, ds)
                for s in range(s8, n_s):                    # the last columns of s
                    for k in range(r, r + 8):
                        dst[do + s * ds + k] = src[so + k * sr + s]
            for s in range(n_s):                            # the last rows of r
                for k in range(r8, n_r):
                    dst[do + s * ds + k] = src[so + k * sr + s]
