"""Convolution at height-stride 1 as ``kh`` shifted GEMMs over a width-only unfolding.

The full unfolding of :mod:`.conv` (im2col) copies the input ``kh * kw`` times before one GEMM.
Here the input is unfolded along the width only, ``kw`` times, into a matrix whose columns run
over the whole batch on the zero-padded input's row grid::

    xr[(c, j), (n, r, ow)] = xpad[n, c, r, ow * sw + j * dw]        r in [0, Hp)

Output row ``oh`` on that grid is column ``q = (n, oh, ow)``; its kernel row ``i`` reads input
row ``oh + i * dh`` of the same image, which is the column ``q + i * dh * OW``: a fixed shift.
So with ``W_i[o, (c, j)] = w[o, c, i, j]``::

    y_grid[:, q] = sum_i W_i @ xr[:, q + i * dh * OW]                   (one GEMM per i)

each GEMM reading its operand in place (a column offset of ``xr``, the row stride unchanged),
over ``q < N Hp OW - (kh - 1) dh OW`` so that no shift runs past the buffer.  Grid rows
``r >= OH`` of each image mix two images and are dropped.  (The filter gradient by the same
shifts, ``dW_i = g_grid @ xr[:, shift_i]^T``, measured slower than the batch-folded im2col
GEMM of :mod:`.conv` at most of the benchmark's shapes, so it is not used.)

The price is the dropped rows, ``Hp / OH`` more multiply-adds (1.06 at 32x32 padded by 1, 1.4
at LeNet's unpadded 14 -> 10); what it saves is two thirds (k = 3) or four fifths (k = 5) of
the unfolding's copy.  Which route each shape takes, and the measurements, are in :mod:`.conv`.
"""

from __future__ import annotations

import numpy as np

#: The route's limits (measured in :mod:`.conv`): at least this many output channels (the GEMMs'
#: M; 6 lost at LeNet's shapes), ...
ROWS_MIN_OUT_CHANNELS = 8
#: ... at least this many input rows per GEMM (``C kw``, the GEMMs' K), ...
ROWS_MIN_DEPTH = 8
#: ... and, for kernels taller than one row, at least this many output rows with at most this
#: ratio of grid rows to output rows (8x8 planes padded to 10 rows lost; 10 of 14 won).
ROWS_MIN_HEIGHT = 10
ROWS_MAX_WASTE = 1.4


def _grid_rows(h: int, ph: int, oh: int, kh: int, dh: int) -> int:
    """Hp: the padded input's rows on the grid (as many as the last output row reads)."""
    return max(h + ph, (oh - 1) + dh * (kh - 1) + 1)


def takes_rows(c_in: int, c_out: int, kh: int, kw: int, h: int, oh: int, geom,
               groups: int) -> bool:
    """Whether a convolution (input height ``h``, output height ``oh``) takes this route."""
    if geom[0] != 1 or groups != 1 or c_out < ROWS_MIN_OUT_CHANNELS \
            or c_in * kw < ROWS_MIN_DEPTH or oh < 1:
        return False
    if kh == 1:
        return True
    hp = _grid_rows(h, geom[2], oh, kh, geom[4])
    return oh >= ROWS_MIN_HEIGHT and hp <= ROWS_MAX_WASTE * oh


def _row_unfold(x4: np.ndarray, kw: int, geom, oh: int, ow: int, kh: int) -> tuple:
    """``xr`` (C kw, N Hp OW) as in the module docstring, and ``Hp``."""
    sw, ph, pw, dh, dw = geom[1:6]
    n, c, h, w = x4.shape
    ew = dw * (kw - 1) + 1
    hp = _grid_rows(h, ph, oh, kh, dh)
    hi_h = hp - h - ph
    hi_w = max((ow - 1) * sw + ew - pw - w, 0)
    xp = np.pad(x4, ((0, 0), (0, 0), (ph, hi_h), (pw, hi_w))) if ph or pw or hi_h or hi_w \
        else x4
    v = np.lib.stride_tricks.sliding_window_view(xp, ew, axis=3)
    v = v[:, :, :, :(ow - 1) * sw + 1:sw, ::dw]                  # n, c, r, ow, j
    xr = np.empty((c, kw, n, hp, ow), x4.dtype)
    np.copyto(xr, v.transpose(1, 4, 0, 2, 3))
    return xr.reshape(c * kw, n * hp * ow), hp


def conv_rows(x4: np.ndarray, w4: np.ndarray, geom, oh: int, ow: int) -> np.ndarray:
    """y (N, O, OH OW) of a one-group convolution with height stride 1 (module docstring)."""
    n = x4.shape[0]
    o, c, kh, kw = w4.shape
    dh = geom[4]
    xr, hp = _row_unfold(x4, kw, geom, oh, ow, kh)
    span = n * hp * ow - (kh - 1) * dh * ow
    wi = np.ascontiguousarray(w4.transpose(2, 0, 1, 3)).reshape(kh, o, c * kw)
    grid = np.empty((o, n, hp, ow), x4.dtype)
    yg = grid.reshape(o, n * hp * ow)[:, :span]
    np.matmul(wi[0], xr[:, :span], out=yg)
    if kh > 1:
        tmp = np.empty((o, span), x4.dtype)
        for i in range(1, kh):
            s = i * dh * ow
            np.matmul(wi[i], xr[:, s:s + span], out=tmp)
            yg += tmp
    y = np.empty((n, o, oh, ow), x4.dtype)
    np.copyto(y, grid[:, :, :oh, :].transpose(1, 0, 2, 3))
    return y.reshape(n, o, oh * ow)

