"""Direct float32 convolution on channels-last data: no unfolding, output channels vectorised.

For one-group float32 convolutions whose output channels (forward, input gradient) or filter
output channels (filter gradient) are a multiple of 8, the convolution is computed straight
from the NHWC input (read in place where its padded interior holds a block of rows and columns,
:data:`UNPADDED`; else from a zero-padded copy) by register-blocked loops (``_jit_conv_direct``): a
block of ``MR`` output pixels by ``L NV`` output channels accumulates in vector registers (``L``
= 8 lanes, AVX2; 16 on a CPU with AVX-512, :func:`lanes`) over the kernel taps and input
channels, so neither the ``(C kh kw)``-fold unfolding of the GEMM routes nor their wasted grid
pixels are paid.  The filter gradient blocks ``MR`` input channels by ``L NV`` output channels
over every output pixel, one image at a time (the image stays in cache
across the blocks, :data:`IMAGE_TILE_BYTES`).  The input gradient at stride 1 is the full
convolution of ``g`` (padded by ``d (k - 1) - pad``) with the flipped, transposed filter, by the
forward's loops; at other strides, for a channels-last ``g``, blocks of ``MR`` pixels of ``g``
times one tap of the filter add into the zero-padded NHWC grid of ``dx``
(:func:`conv_transpose_scatter`, issue 19: batch 32 stride 2, ms, GEMM + col2im -> scatter,
16->32 3x3 3.12 -> 2.00, 32->64 3x3 2.09 -> 1.88, 1x1 0.50 -> 0.29 and 0.32 -> 0.24); other
operands keep the GEMM routes of :mod:`.conv`.

Layouts: a channels-last operand (the NCHW view of an NHWC buffer, as the TF front end hands
the kernels) is read in place by the forward (copied into its zero-padded NHWC grid only when
the interior is smaller than a block);
its result is returned as the NCHW view of an NHWC buffer (the front end's transpose back is
free).  A C-contiguous (NCHW) operand (the eager front end's) at stride 1 with output rows of
at least :data:`NCHW_MIN_WIDTH` pixels takes the NCHW blocks instead (:func:`conv_nchw`): the
same register block with its rows over output channels and its vectors over consecutive output
pixels, read from a padded NCHW copy at each tap's shift, so no transposing copy is made and
any number of channels works (LeNet's 1->6); other NCHW operands are transposed into the
padded NHWC grid and their result copied back, so NCHW in gives NCHW out.

Not taken (measured, kept on the GEMM routes of :mod:`.conv`): the input gradient of strided
convolutions computed by phases (the pixels ``(a + sh t, b + sw s)`` meet only the taps
``i = a + ph (mod sh)``, a stride-1 correlation of ``g`` with that sub-filter per phase) lost
to GEMM + col2im, channels-last us: 8->16 stride 2 402 -> 393, 16->32 stride 2 243 -> 348,
1x1 stride 2 101 -> 132 and 69 -> 137 (short tap loops, a zero fill and one block store per
few multiply-adds); C-contiguous 1x1 kernels.  A first forward without the padded copy (per
output row only the kernel rows inside the input, blocks over the pixels whose window lies
inside it, the border pixels one at a time over their own kernel columns) lost: channels-last
us 409 -> 533 (8->8 32x32), 323 -> 453 (16->16), 330 -> 540 (32->32 8x8), the one-row blocks
at the borders (one accumulator per 8 channels) costing more than the copy.  Its successor
(:data:`UNPADDED`, ``_jit_conv_direct.fwd_unpadded``) takes the border columns as full blocks
of ``MR`` rows down the column, leaving only the corner pixels to one-pixel blocks, and wins
(figures at :data:`UNPADDED`; the small ResNet's static step, same process: 32.2 -> 31.4 ms).
The filter gradient runs without a padded copy too (per tap over the pixels that read inside
the input).

Measured (one thread, process CPU time, medians of 11, batch 8, 3x3 kernels, the quick small
ResNet's shapes, channels-last; direct against the route :mod:`.conv` took before, and
PyTorch's ``conv2d`` on NCHW in the same process; load 9 on the 2 shared cores), us:

==========================  ============================  ===============================
shape                       forward: direct / before / torch  filter gradient: direct / before
==========================  ============================  ===============================
8->8 32x32                  372 (25 GF/s) / 1090 / 669    322 (29 GF/s) / 1114
16->16 16x16                271 (35 GF/s) / 622 / 606     254 (37 GF/s) / 665
32->32 8x8                  278 (34 GF/s) / 683 / 630     416 (23 GF/s) / 1015
8->16 32x32 stride 2        198 (24 GF/s) / 554 / 533     200 (24 GF/s) / 561
16->32 16x16 stride 2       166 (29 GF/s) / 296 / 329     140 (34 GF/s) / 434
==========================  ============================  ===============================

Through :func:`dlcore.kernels.cpu.conv.conv` and its two gradients, with the copies, us before
-> after, fwd / dx / dW (same conditions).  Channels-last, batch 8: 8->8 32x32 853/862/871 ->
409/439/409, 16->16 16x16 598/850/756 -> 323/373/331, 8->16 stride 2 fwd 554 -> 210, dW 482
-> 209; batch 32 (the full ResNet): 16->16 32x32 13607/13559/12718 -> 4813/5109/6813, 32->32
16x16 9810/9703/9838 -> 4967/4947/7086, 64->64 8x8 6675/6633/7893 -> 5084/5360/7423 (the
filter gradient about even: its 64 KB of ``g`` per block row stream from L2); LeNet's 6->16
14x14 k5 fwd 3371 -> 1094, dW 3019 -> 1245.  NCHW (the eager front end's), batch 8: 8->8
875/984/919 -> 528/562/668, 16->16 874/776/718 -> 376/394/370; batch 32: 16->16 32x32
13659/14340/12987 -> 6931/6480/10361.  The loops run on one thread (no ``prange``).

AVX-512 (issue 19; the 2-core Intel Xeon with AVX-512, one thread, process CPU time, medians of
9, ``python -m benchmarks.conv_gflops``, NCHW operands as the eager front end's, batch 32, 3x3):
the 8-lane blocks ran at 66-97 GF/s, 63-92% of what two 8-lane FMA ports give and a third to
a half of the 210 GF/s of PyTorch's MKL GEMM there, 1.5-2.2x PyTorch's oneDNN convolutions.  With
the 16-lane kinds, us 8-lane -> 16-lane (PyTorch): 16->16 32x32 fwd 2287 -> 1250 (1308), dx
2327 -> 1240 (1445), dW 2131 -> 1399 (1371); 32->32 16x16 fwd 2133 -> 1546 (964), dW 1862 ->
1092 (1028); 64->64 8x8 fwd 1620 -> 967 (809), dW 1560 -> 910 (988).  Channels-last forward
alone (the static front end's), us by kind: 32->32 16x16 (8,2,16) 844, (4,2,16) 953, (8,1,16)
1028, 8-lane (4,2,8) 1488; 64->64 8x8 (8,2,16) 875, (4,4,16) 1022, (4,2,8) 1491; 16->16 32x32
(8,1,16) 1133, (16,1,16) 1164, (4,2,8) 1667.  The full small ResNet step (batch 32, 16-32-64,
``python -m benchmarks.cpu_compare``): eager 1.41x -> 1.06x PyTorch, static+passes 1.17x ->
0.90x.  Setting ``NUMBA_CPU_FEATURES`` with ``-prefer-256-bit`` (so that LLVM vectorises
Numba's own loops with 512-bit registers) changed none of these figures: the blocks are written
with their vector width.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from . import jit_module
from .conv_grid import channels_last
from .transpose_copy import permuted, permuted_into

_jit = jit_module("_jit_conv_direct")


def _drivers(kind: int):
    """The register-blocked loops compiled for block kind ``kind`` (its own module: a first run
    compiles the kinds it uses only, ``_jit_conv_direct.drivers``)."""
    return _jit().drivers(kind, CORNER_KIND)

#: Whether the direct route is taken at all (tests switch it off to reach the other routes).
ENABLED = True
#: (MR rows, NV vectors, L float32 lanes per vector) of each block kind of ``_jit_conv_direct``,
#: in order of preference.  The 8-lane kinds (AVX2: at most 8 accumulators plus the loaded
#: vectors in its 16 registers): 4 rows by 16 columns was the fastest wherever it fits; then 8 by
#: 8, 2 by 32, and fewer rows for narrow problems.  Measured (us, fwd / filter grad, one thread,
#: CPU time, medians of 7, load 9; batch 8 then batch 32, 3x3): 16->16 16x16 (8,1) 333/323,
#: (4,2) 266/256, (6,2) 304/328; 32->32 8x8 (8,1) 356/344, (4,2) 328/265, (2,4) 272/266; 16->16
#: 32x32 batch 32 (8,1) 5970/7400, (4,2) 4647/7129, (12,1) 6143/9152; 64->64 8x8 batch 32 (8,1)
#: 5416/8779, (4,2) 4436/7423, (2,4) 4627/7487.  The 16-lane kinds come first and are taken only
#: where the CPU has AVX-512 (:func:`lanes`; its 32 registers hold 16 accumulators and the
#: loads): there the 8-lane blocks ran at 63-92% of the two 8-lane FMA ports' peak, half the
#: core's (see the module docstring for the figures).
KINDS = ((8, 2, 16), (4, 4, 16), (8, 1, 16), (4, 2, 16), (16, 1, 16),
         (4, 2, 8), (8, 1, 8), (2, 4, 8), (4, 1, 8), (3, 1, 8), (2, 1, 8), (1, 1, 8),
         (9, 1, 16), (5, 1, 8), (10, 1, 16))
#: the kind the filter gradient takes for 16 (or 48, 80, ...) output channels on a 16-lane
#: machine when the input channels are a multiple of 16 (:func:`_pick_filter`): 16 rows of
#: input channels per load of ``g``'s 16 channels.  16->16 32x32 batch 32, channels-last, one
#: thread, CPU time, medians of 11, ms: (16,1,16) 0.99, (8,1,16) 1.40 (which the forward
#: prefers: 1133 against 1164 us); 32 and 64 output channels keep (8,2,16): 0.95 and 0.74
#: against 1.04 and 0.81.  (The first-fit picks never reach it: (8,1,16) fits wherever it
#: does.)
FILTER_16 = KINDS.index((16, 1, 16))
#: The kinds the window-row filter gradient (:func:`conv_filter_grad_rows`) takes when a
#: window row's ``KW C`` elements are exactly their rows: one block per kernel row where the
#: first fit took two overlapping ones.  (9,1,16): a 3x3 kernel on 3 input channels (an RGB
#: stem) with a multiple of 16 output channels, where (8,1,16) computed 16 rows for 9 and the
#: channel blocks 3 rows of 8 lanes; 32x3->16 32x32 channels-last, one thread, CPU time, medians
#: of 7, ms: channel blocks 0.690, (8,1,16) rows 0.583, (9,1,16) 0.295 (PyTorch 0.264).
#: (5,1,8): LeNet's 5x5 on one channel, 6 output channels padded to 8, where (4,1,8) computed 8
#: rows for 5: batch 64 1->6 28x28 0.905 -> 0.664 ms, and 0.336 with ``g`` read in place
#: (:func:`_filter_grad_rows_ragged`; PyTorch 0.334).
#: (Last in the list: the first fits never reach them but where rows divide by 9 or 5,
#: :func:`_pick_dividing`.)
EXACT_ROWS = {9: KINDS.index((9, 1, 16)), 5: KINDS.index((5, 1, 8))}
#: Output row widths whose forward takes a block of the whole row (:func:`_pick_row`) instead
#: of the first fit, whose last block per row overlaps the one before: LeNet's second layer
#: (10-pixel rows) computed 16 pixels per row with (8,1,16).
ROW_KINDS = {10: KINDS.index((10, 1, 16))}


@functools.lru_cache(maxsize=1)
def lanes() -> int:
    """The widest float32 vector the blocks use on this machine: 16 where Numba compiles for a
    CPU with AVX-512 (the host's features, or ``NUMBA_CPU_FEATURES`` when the user set a target),
    else 8; ``DLCORE_CONV_LANES=8`` keeps the AVX2 blocks."""
    if os.environ.get("DLCORE_CONV_LANES", "").strip() == "8":
        return 8
    from numba.core import config
    features = config.CPU_FEATURES
    if features is None:            # (Numba's own reading of the host: NUMBA_ENABLE_AVX=0 off)
        from numba.core.codegen import get_host_cpu_features
        features = get_host_cpu_features()
    return 16 if "+avx512f" in features.split(",") else 8


def _kinds():
    """(index, MR, NV, L) of the kinds this machine takes, in order of preference."""
    wide = lanes()
    return [(k, mr, nv, ln) for k, (mr, nv, ln) in enumerate(KINDS) if ln <= wide]


@functools.lru_cache(maxsize=256)
def _pick(vec_dim: int, rows: int) -> tuple | None:
    """The first block of :data:`KINDS` whose columns divide ``vec_dim`` channels and whose rows
    are at most ``rows``: (kind, MR, columns per block), or None."""
    if vec_dim % 8 or rows < 1:
        return None
    for k, mr, nv, ln in _kinds():
        if vec_dim % (ln * nv) == 0 and mr <= rows:
            return k, mr, ln * nv
    return None


def _pick_row(o: int, ow: int) -> tuple | None:
    """The forward's block for ``o`` output channels and output rows of ``ow`` pixels: a
    block of the whole row (:data:`ROW_KINDS`) where the first fit's rows leave its last block
    overlapping the one before, else :func:`_pick`'s."""
    first = _pick(o, ow)
    kind = ROW_KINDS.get(ow)
    if first is None or kind is None or ow % first[1] == 0:
        return first
    mr, nv, ln = KINDS[kind]
    if ln > lanes() or o % (nv * ln):
        return first
    return kind, mr, nv * ln


def _chosen(block: tuple | None) -> tuple:
    """A block that :func:`takes_direct` / :func:`takes_nchw` already found (never None
    here: the route is taken only when one exists)."""
    if block is None:
        raise ValueError("conv_direct: no register block fits these channels and pixels")
    return block


def takes_direct(a: np.ndarray, w_dtype, vec_dim: int, rows: int, groups: int,
                 taps: int) -> bool:
    """Whether a convolution with operand ``a`` (the input, or ``g``), ``vec_dim`` vectorised
    channels, ``rows`` blockable rows and ``taps`` kernel taps takes this route: channels-last
    operands, and C-contiguous ones with kernels larger than 1x1 (a 1x1 one lost to the GEMM
    routes by the two transposing copies: 8->16 stride 2 forward 78 -> 172 us)."""
    return (ENABLED and groups == 1 and a.ndim == 4 and a.dtype == np.float32
            and w_dtype == np.float32 and a.size > 0
            and (channels_last(a) or (a.flags.c_contiguous and taps > 1))
            and _pick(vec_dim, rows) is not None)


def _padded(x4: np.ndarray, lo: tuple, hw: tuple) -> np.ndarray:
    """The NHWC copy of ``x4`` (N, C, H, W) on a zero grid of ``hw`` rows and columns, placed at
    the leading pads ``lo``."""
    n, c, h, w = x4.shape
    xl = x4.transpose(0, 2, 3, 1)
    if lo == (0, 0) and tuple(hw) == (h, w) and xl.flags.c_contiguous:
        return xl                                   # channels-last, no padding: read in place
    xp = np.empty((n,) + tuple(hw) + (c,), np.float32)
    (t, l), (b, r) = lo, (lo[0] + h, lo[1] + w)
    xp[:, :t] = 0                                   # only the border is zeroed
    xp[:, b:] = 0
    xp[:, t:b, :l] = 0
    xp[:, t:b, r:] = 0
    permuted_into(x4, (0, 2, 3, 1), xp[:, t:b, l:r, :])
    return xp


def _grid_hw(in_hw: tuple, out_hw: tuple, k: tuple, geom) -> tuple:
    """(Hp, Wp): enough padded rows and columns for every read of the output."""
    sh, sw, ph, pw, dh, dw = geom[:6]
    return (max(in_hw[0] + ph, (out_hw[0] - 1) * sh + dh * (k[0] - 1) + 1),
            max(in_hw[1] + pw, (out_hw[1] - 1) * sw + dw * (k[1] - 1) + 1))


def _check(what: str, a: np.ndarray, b: np.ndarray, axes: tuple) -> None:
    """The loops read without bounds checks: operands whose shapes disagree (which the ops'
    shape rules never let through) are refused here rather than read out of bounds."""
    if a.shape[axes[0]] != b.shape[axes[1]]:
        raise ValueError(f"{what}: shapes {a.shape} and {b.shape} disagree on axes {axes}")


def _out(y: np.ndarray, like_in: np.ndarray) -> np.ndarray:
    """The NHWC result as (N, O, OH, OW): a view for a channels-last operand, else an NCHW
    copy."""
    if channels_last(like_in):
        return y.transpose(0, 3, 1, 2)
    return permuted(y, (0, 3, 1, 2))


def conv_direct(x4: np.ndarray, w4: np.ndarray, geom, out_hw: tuple) -> np.ndarray:
    """y (N, O, OH, OW) of a one-group float32 convolution (module docstring)."""
    _check("conv (input channels)", x4, w4, (1, 1))
    o, _, kh, kw = w4.shape
    oh, ow = out_hw
    kind, mr, vw = _chosen(_pick(o, ow))
    hw = _grid_hw(x4.shape[2:], out_hw, (kh, kw), geom)
    wt = permuted(w4, (2, 3, 1, 0))                                     # (KH, KW, C, O)
    y = np.empty((x4.shape[0], oh, ow, o), np.float32)
    if UNPADDED and (tuple(geom[2:4]) != (0, 0) or tuple(hw) != tuple(x4.shape[2:])):
        r_lo, r_hi, s_lo, s_hi = _jit().interior(oh, ow, *x4.shape[2:], kh, kw, *geom[:6])
        if r_hi - r_lo >= mr and s_hi - s_lo >= mr:
            xl = permuted(x4, (0, 2, 3, 1))                         # a view when channels-last
            _drivers(kind).fwd_unpadded(xl, wt, y, *geom[:6], kind, mr, vw, CORNER_KIND)
            return _out(y, x4)
    # the whole grid, unpadded or copied padded: a block per output row where one fits (the
    # unpadded reads above keep the first fit: with a row block's wider interior they lost
    # to it, 32->16 3x3 pad 1 on 10x10 channels-last 253 -> 281 us through the padded copy)
    kind, mr, vw = _chosen(_pick_row(o, ow))
    xp = _padded(x4, geom[2:4], hw)
    _drivers(kind).fwd(xp, wt, y, geom[0], geom[1], geom[4], geom[5], kind, mr, vw)
    return _out(y, x4)


#: Whether a padded convolution's forward (and stride-1 input gradient) reads the unpadded input
#: (``_jit_conv_direct.fwd_unpadded``) where its interior holds a block of rows and of columns,
#: instead of a zero-padded copy: the same bits.  One thread, CPU time, medians of 15, batch 32,
#: 3x3, pad 1, channels-last, ms, padded copy -> unpadded: 16->16 32x32 1.316 -> 1.134, 3->16
#: 32x32 0.314 -> 0.305, 32->32 16x16 0.867 -> 0.861 (its 14 interior columns take two blocks
#: of 8 that overlap, as many pixels as the padded rows' two); 5x5 pad 2 on 12x12 (batch 4)
#: 0.082 -> 0.071.  (An earlier try, with the border pixels one at a time, lost to the copy:
#: see the module docstring.)  In a training step the copy costs about twice as much as alone
#: (its source is no longer in cache): the small ResNet's padded copies took 2.2 ms a step.
UNPADDED = True
#: the block of one pixel by 8 channels that computes the corner pixels
CORNER_KIND = KINDS.index((1, 1, 8))


def conv_transpose_direct(g4: np.ndarray, w4: np.ndarray, full, in_hw: tuple) -> np.ndarray:
    """dx (N, C, H, W) at stride 1: the full convolution of ``g`` with the flipped, transposed
    filter (``full``: its geometry, leading pads ``d (k - 1) - pad``)."""
    wf = np.ascontiguousarray(w4[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    return conv_direct(g4, wf, full, in_hw)


@functools.lru_cache(maxsize=256)
def _pick_dividing(vec_dim: int, rows: int) -> tuple | None:
    """The first block of :data:`KINDS` whose columns divide ``vec_dim`` and whose rows divide
    ``rows`` (blocks that add to their output must not overlap) and which holds at least 32
    accumulator lanes, four of 8 (fewer lost to the GEMM routes): (kind, MR, columns), or None."""
    if vec_dim % 8 or rows < 1:
        return None
    for k, mr, nv, ln in _kinds():
        if vec_dim % (ln * nv) == 0 and rows % mr == 0 and mr * nv * ln >= 32:
            return k, mr, ln * nv
    return None


def takes_transpose_scatter(g: np.ndarray, w_dtype, c: int, ow: int, groups: int,
                            taps: int) -> bool:
    """Whether a (strided) input gradient takes :func:`conv_transpose_scatter`: one group,
    float32, ``C`` a multiple of 8, a channels-last ``g`` or a C-contiguous one with a kernel
    larger than 1x1 (its two transposing copies paid; batch 32 stride 2, ms, NCHW GEMM + col2im
    -> copies + scatter: 16->32 3x3 5.29 -> 4.07, 32->64 3x3 4.12 -> 3.06, 1x1 16->32 1.39 ->
    1.77: not taken)."""
    return (ENABLED and groups == 1 and g.ndim == 4 and g.dtype == np.float32
            and w_dtype == np.float32 and g.size > 0
            and (channels_last(g) or (g.flags.c_contiguous and taps > 1))
            and _pick_dividing(c, ow) is not None)


def conv_transpose_scatter(g4: np.ndarray, w4: np.ndarray, geom, in_hw: tuple) -> np.ndarray:
    """dx (N, C, H, W) of a strided convolution (the NCHW view of an NHWC buffer for a
    channels-last ``g``, C-contiguous for a C-contiguous one): every
    block of ``MR`` pixels of ``g`` times one tap of the filter adds into the zero-padded NHWC
    grid of ``dx`` (no ``(N OH OW, KH KW C)`` columns and no col2im; module docstring)."""
    sh, sw, ph, pw, dh, dw = geom[:6]
    n, oh, ow = g4.shape[0], g4.shape[2], g4.shape[3]
    c, kh, kw = w4.shape[1:]
    kind, mr, vw = _chosen(_pick_dividing(c, ow))
    hp = max(ph + in_hw[0], (oh - 1) * sh + (kh - 1) * dh + 1)
    wp = max(pw + in_hw[1], (ow - 1) * sw + (kw - 1) * dw + 1)
    dx = np.zeros((n, hp, wp, c), np.float32)
    gl = permuted(g4, (0, 2, 3, 1))                            # a view when channels-last
    wt = permuted(w4, (2, 3, 0, 1))
    _drivers(kind).transpose_scatter(gl, wt, dx, sh, sw, dh, dw, kind, mr, vw)
    out = dx[:, ph:ph + in_hw[0], pw:pw + in_hw[1]]
    if not channels_last(g4):
        return permuted(out, (0, 3, 1, 2))                       # NCHW in, NCHW out
    if out.shape != dx.shape:
        out = np.ascontiguousarray(out)
    return out.transpose(0, 3, 1, 2)


#: Below this many input channels the filter gradient's block rows run over a window row's
#: ``(j, c)`` elements (:func:`_jit_conv_direct.filter_grad_rows`) instead of the channels.
ROWS_MAX_CHANNELS = 8


def takes_filter_grad_rows(x: np.ndarray, g: np.ndarray, k: tuple, geom, groups: int) -> bool:
    """Whether a filter gradient takes the window-row blocks: float32, one group, no width
    dilation, fewer than :data:`ROWS_MAX_CHANNELS` input channels, a kernel wider than one, and
    output channels that are not a multiple of 8 (padded to one here; the channel blocks cannot
    take them), or input channels other than :data:`CHANNEL_BLOCK_CHANNELS`, or an exact-row
    block (:data:`EXACT_ROWS`).  dW us, GEMM routes -> these blocks (1 thread, CPU time,
    medians of 9, load ~5): LeNet's 64x1->6 28x28 k5 2577 -> 1911, 8x4->5 12x12 k3 171 -> 53.
    Multiples of 8 output channels, channel blocks -> window rows (ms, medians of 7, the
    thirtieth session; PyTorch in brackets): 32x1->16 28x28 k5 1.164 -> 0.372 (0.222),
    32x1->32 k3 0.946 -> 0.665, 32x2->16 0.451 -> 0.268, 32x5->16 16x16 0.196 -> 0.115, 64x6->16
    14x14 k5 (LeNet's second layer) 0.443 -> 0.234 (0.253), 64x6->32 0.724 -> 0.422, 32x7->32
    0.324 -> 0.299; 32x3->16 32x32 0.690 -> 0.295 (0.264), 32x3->32 2.83 -> 1.01 (0.56), 32x3->64
    10.0 -> 3.41 (1.01) with the (9,1,16) block, and 0.258 (0.254), 0.560 (0.536), 1.142 (0.985)
    one image at a time (``filter_grad_rows_images``, where the blocks divide the window row);
    but 32x3->8 0.291 / 0.326, 32x3->24 0.966 / 2.19, 32x4->16 0.436 / 0.556 and 32x4->32 0.115 /
    0.161 stay with the channel blocks."""
    c, o = x.shape[1] if x.ndim == 4 else 0, g.shape[1] if g.ndim == 4 else 0
    return (ENABLED and groups == 1 and geom[5] == 1 and x.ndim == 4 and g.ndim == 4
            and x.dtype == np.float32 and g.dtype == np.float32 and x.size > 0 and g.size > 0
            and c < ROWS_MAX_CHANNELS and k[1] > 1
            and (o % 8 != 0 or c not in CHANNEL_BLOCK_CHANNELS
                 or _exact_rows(k[1] * c, o) is not None)
            and x.shape[0] == g.shape[0])


#: Input channel counts under :data:`ROWS_MAX_CHANNELS` whose filter gradient keeps the channel
#: blocks for a multiple of 8 output channels (unless an exact-row block applies): 4 fills a
#: (4, n, L) block, and 3 rows of 8 lanes beat 9 window rows in blocks of 8 (figures in
#: :func:`takes_filter_grad_rows`).
CHANNEL_BLOCK_CHANNELS = (3, 4)


def _exact_rows(rows: int, o: int) -> tuple | None:
    """The :data:`EXACT_ROWS` block for ``rows`` window-row elements and ``o`` output
    channels (padded to a multiple of 8) on this machine: (kind, MR, columns), or None."""
    kind = EXACT_ROWS.get(rows)
    if kind is None:
        return None
    mr, nv, ln = KINDS[kind]
    if ln > lanes() or (-(-o // 8) * 8) % (nv * ln):
        return None
    return kind, mr, nv * ln


def conv_filter_grad_rows(x4: np.ndarray, g4: np.ndarray, k: tuple, geom) -> np.ndarray:
    """dW (O, C, kh, kw) by the window-row blocks (:func:`takes_filter_grad_rows`)."""
    _check("conv_filter_grad (batch)", x4, g4, (0, 0))
    n, c = x4.shape[:2]
    o, oh, ow = g4.shape[1:]
    op = -(-o // 8) * 8
    kind, mr, vw = _exact_rows(k[1] * c, op) or _chosen(_pick(op, k[1] * c))
    xp = _padded(x4, geom[2:4], _grid_hw(x4.shape[2:], (oh, ow), k, geom))
    args = (geom[0], geom[1], geom[4], kind, mr, vw)
    if op == o:
        gl = permuted(g4, (0, 2, 3, 1))                       # a view when channels-last
    elif op == vw and n > 1 and channels_last(g4):
        return _filter_grad_rows_ragged(xp, g4, k, c, args)
    else:
        gl = np.zeros((n, oh, ow, op), np.float32)
        permuted_into(g4, (0, 2, 3, 1), gl[..., :o])
    out = np.empty(tuple(k) + (c, op), np.float32)
    if (k[1] * c) % mr == 0 and n > 1 and (xp[0].size + gl[0].size) * 4 <= IMAGE_TILE_BYTES:
        _drivers(kind).filter_grad_rows_images(xp, gl, out, *args)
    else:
        _drivers(kind).filter_grad_rows(xp, gl, out, *args)
    return permuted(out[..., :o], (3, 2, 0, 1))


def _filter_grad_rows_ragged(xp: np.ndarray, g4: np.ndarray, k: tuple, c: int,
                             args: tuple) -> np.ndarray:
    """:func:`conv_filter_grad_rows` for ``O`` output channels fewer than the block's ``vw``
    columns, read from the channels-last ``g`` itself rather than a copy padded to ``vw``
    (LeNet's 6 channels: the copy was 0.27 ms of its first layer's 0.60).  Each vector load of a
    pixel's channels also reads the next pixel's first ``vw - O`` (their products land in
    columns that are dropped), so every image but the last is read in place, where the last
    pixel's extra reads stay inside the buffer, and the last image from a padded copy; the
    result's rows are ``O`` apart, so each row's store also writes the next row's first
    ``vw - O`` columns before that row is stored over them (the rows are stored in order, one
    column block: ``O <= vw``), and the last row's into ``vw`` spare floats."""
    n, o, oh, ow = g4.shape
    vw = args[-1]
    size = k[0] * k[1] * c * o
    flat = np.empty(size + vw, np.float32)
    out = flat[:size].reshape(tuple(k) + (c, o))
    gl = g4.transpose(0, 2, 3, 1)                  # (a C-contiguous view: channels-last)
    _drivers(args[3]).filter_grad_rows(xp[:n - 1], gl[:n - 1], out, *args)
    last = np.zeros((1, oh, ow, vw), np.float32)
    last[..., :o] = gl[n - 1:]
    out_last = np.empty(tuple(k) + (c, vw), np.float32)
    _drivers(args[3]).filter_grad_rows(xp[n - 1:], last, out_last, *args)
    out += out_last[..., :o]
    return permuted(out, (3, 2, 0, 1))


#: Largest image of ``x`` plus ``g`` (bytes) whose filter gradient runs one image at a time
#: (``_jit_conv_direct.filter_grad_images``: the image stays in L1/L2 across the blocks), rather
#: than streaming the whole batch once per block.  Measured (3x3, batch 32, one thread, CPU
#: time, medians of 11, load ~8; ms whole batch -> per image): 64->64 8x8 (32 KB an image)
#: 5.70 -> 3.74, 32->32 16x16 4.58 -> 3.57, 16->16 32x32 (128 KB) 4.49 -> 4.30, stride 2
#: 16->32 on 34x34 3.15 -> 2.21 and 32->64 on 18x18 3.57 -> 2.32, 1x1 stride 2 16->32 0.37 ->
#: 0.28, 3->16 32x32 1.18 / 1.20.  Larger images were not measured.
IMAGE_TILE_BYTES = 1 << 22


def _pick_filter(o: int, c: int) -> tuple | None:
    """The filter gradient's block for ``o`` output channels (the vectors) and ``c`` input
    channels (the rows): :data:`FILTER_16` where it applies, else :func:`_pick`'s."""
    if lanes() == 16 and o % 16 == 0 and o % 32 and c % 16 == 0:
        mr, nv, ln = KINDS[FILTER_16]
        return FILTER_16, mr, nv * ln
    return _pick(o, c)


def takes_filter_grad_direct(x: np.ndarray, g_dtype, o: int, c: int, groups: int,
                             taps: int) -> bool:
    """Whether a filter gradient takes :func:`conv_filter_grad_direct`: :func:`takes_direct`'s
    operands, with input channels that the block's rows divide, so that it runs one image at a
    time.  Otherwise each block streams the whole batch's ``x`` and ``g``: Keras' IMDB Conv1D
    (50 -> 256 channels, 3 taps, 400 steps, batch 32, channels-last ``x``, one thread, CPU ms,
    same process) took 48-63 there against 22-24 by the GEMM routes, which it keeps (23 with
    blocks of 2 rows, which divide 50, in another run)."""
    if not takes_direct(x, g_dtype, o, c, groups, taps):
        return False
    block = _pick_filter(o, c)
    return block is not None and c % block[1] == 0


def conv_filter_grad_direct(x4: np.ndarray, g4: np.ndarray, k: tuple, geom) -> np.ndarray:
    """dW (O, C, kh, kw) of a one-group float32 convolution (module docstring)."""
    _check("conv_filter_grad (batch)", x4, g4, (0, 0))
    c = x4.shape[1]
    o = g4.shape[1]
    kind, mr, vw = _chosen(_pick_filter(o, c))
    xl = permuted(x4, (0, 2, 3, 1))                            # views when channels-last
    gl = permuted(g4, (0, 2, 3, 1))
    out = np.empty(tuple(k) + (c, o), np.float32)
    if c % mr == 0 and (xl[0].size + gl[0].size) * 4 <= IMAGE_TILE_BYTES:
        _drivers(kind).filter_grad_images(xl, gl, out, *geom[:6], kind, mr, vw)
    else:
        _drivers(kind).filter_grad(xl, gl, out, *geom[:6], kind, mr, vw)
    return permuted(out, (3, 2, 0, 1))


# ----------------------------------------------------------------------------- NCHW, stride 1
@functools.lru_cache(maxsize=256)
def _pick_nchw(ow: int, o: int) -> tuple | None:
    """The first block of :data:`KINDS` with at most ``ow`` pixels and ``o`` channels (the
    last block overlaps the one before): (kind, MR, pixels per block), or None."""
    for k, mr, nv, ln in _kinds():
        if ln * nv <= ow and mr <= o:
            return k, mr, ln * nv
    return None


#: Output rows of at least this many pixels take the NCHW blocks (:func:`takes_nchw`).
NCHW_MIN_WIDTH = 16


def takes_nchw(a: np.ndarray, w_dtype, o: int, geom, out_hw: tuple, groups: int,
               taps: int) -> bool:
    """Whether a stride-1 convolution of a C-contiguous (NCHW) operand takes the NCHW blocks:
    float32, one group, a kernel larger than 1x1, output rows of at least
    :data:`NCHW_MIN_WIDTH` pixels (on 8x8 planes the channels-last blocks with their two
    transposing copies won: 32->32 345 against 412 us; LeNet's 10-pixel rows lost too).  With
    16-lane blocks (:func:`lanes`), rows narrower than 32 pixels hold one vector, where a
    multiple of 32 output channels gives the channels-last blocks two: those take the
    channels-last route, copies and all (batch 32, 3x3, 1 thread, CPU time, ms, fwd / dx, NCHW
    blocks -> channels-last: 32->32 16x16 1.57 / 1.57 -> 1.19 / 1.20, 16->32 16x16 0.79 /
    0.86 -> 0.63 / 0.78; with 16 output channels they lost: 16->16 16x16 dx 0.12 -> 0.15)."""
    return (ENABLED and groups == 1 and geom[0] == geom[1] == 1 and a.ndim == 4 and taps > 1
            and a.dtype == np.float32 and w_dtype == np.float32 and a.size > 0
            and a.flags.c_contiguous and out_hw[0] > 0
            and out_hw[1] >= NCHW_MIN_WIDTH and _pick_nchw(out_hw[1], o) is not None
            and not (out_hw[1] < 32 and o % 32 == 0 and lanes() == 16))


def conv_nchw(x4: np.ndarray, w4: np.ndarray, geom, out_hw: tuple) -> np.ndarray:
    """y (N, O, OH, OW), C-contiguous, of a stride-1 convolution of an NCHW ``x4``: the padded
    NCHW copy (no transposes) and blocks of output channels by consecutive output pixels."""
    _check("conv (input channels)", x4, w4, (1, 1))
    n, c, h, w = x4.shape
    o, _, kh, kw = w4.shape
    hp, wp = _grid_hw((h, w), out_hw, (kh, kw), geom)
    ph, pw = geom[2], geom[3]
    if (ph, pw, hp, wp) == (0, 0, h, w):
        xp = x4
    else:
        xp = np.zeros((n, c, hp, wp), np.float32)
        xp[:, :, ph:ph + h, pw:pw + w] = x4
    kind, mr, vw = _chosen(_pick_nchw(out_hw[1], o))
    y = np.empty((n, o) + tuple(out_hw), np.float32)
    _drivers(kind).fwd_nchw(xp, np.ascontiguousarray(w4), y, geom[4], geom[5], kind, mr, vw)
    return y
