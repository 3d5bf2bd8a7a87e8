"""The general max pool's choice of loop (:mod:`._jit_pool`) for a window other than the 2x2,
stride-2 one (which :mod:`.conv` runs by its own loops), and the average pool's
(:func:`avg_pool_loop`).

* channels-last operands (the NCHW views of NHWC buffers, the TF front end's and a channels-last
  convolution's results) of at least :data:`NHWC_MIN_CHANNELS` channels: ``max_pool_nhwc``, the
  channels vectorised, read and written in place;
* rows of fewer than :data:`POOL_ROWS_MIN_OUTPUTS` outputs: ``max_pool_scan``, each window
  scanned;
* others: ``max_pool_rows``, a row at a time over the input rows' stride phases.

Measured (one thread, process CPU time, ms, values / indices, the rows or the scan ->
``max_pool_nhwc``): Keras' ``MaxPooling1D(2)`` after a 256-channel ``Conv1D`` (32x256x398,
channels-last) 11.5 / 13.4 -> 0.7-2.0 / 1.1-3.0; 3x3 stride 2 pad 1 on 32x64x56x56 33.0 / 32.5
-> 5.0 / 4.4-6.5; 3x3 stride 1 on 16x24x20x20 2.3 / 2.9 -> 0.6 / 0.9-1.1.  The rows' and the
scan's figures are in :mod:`._jit_pool`.
"""

from __future__ import annotations

import numpy as np

from . import jit_module, serial_or_parallel
from .conv_grid import channels_last

_jit = jit_module("_jit_pool")
_jit_conv = jit_module("_jit_conv")

#: From this many outputs a row the general max pool runs a row at a time over stride phases,
#: below it scans each window (figures in ``_jit_pool``: 30 a row won, 7 lost)
POOL_ROWS_MIN_OUTPUTS = 16
#: the fewest channels that run as NHWC pixels (a shorter vector loop loses to the rows)
NHWC_MIN_CHANNELS = 8
#: the largest flat index the int32 index rows hold (larger planes take int64 ones)
INT32_MAX = 2 ** 31 - 1


def general_max_pool(x4: np.ndarray, out: np.ndarray, argmax: bool, pool: tuple,
                     work: int) -> None:
    """The values (or with ``argmax`` the flat indices of the first maxima) of the max pool of
    (N, C, H, W) ``x4`` into ``out`` (stored as ``x4`` is: NHWC for a channels-last ``x4``),
    ``pool`` its ``(kh, kw, sh, sw, ph, pw, dh, dw)``, ``work`` the taps it reads."""
    index_type = np.int64 if x4.shape[2] * x4.shape[3] > INT32_MAX else np.int32
    unused = np.empty((0, 0, 0, 0), x4.dtype if argmax else np.int64)  # (one signature each)
    row: tuple[np.ndarray, ...]                 # (the index row the rows and NHWC loops take)
    if channels_last(x4) and x4.shape[1] >= NHWC_MIN_CHANNELS:
        x4, out = x4.transpose(0, 2, 3, 1), out.transpose(0, 2, 3, 1)
        name, row = "max_pool_nhwc", (np.empty(x4.shape[3], index_type),)
    elif out.shape[3] < POOL_ROWS_MIN_OUTPUTS:              # few outputs a row: each window
        name, row = "max_pool_scan", ()
    else:
        name, row = "max_pool_rows", (np.empty(out.shape[3], index_type),)
    vals, idx = (unused, out) if argmax else (out, unused)
    serial_or_parallel(_jit(), name, work)(x4, *pool, vals, idx, argmax, *row)


def avg_pool_loop(grad: bool, ow: int, work: int):
    """The average pool's loop (or with ``grad`` its adjoint's) for output rows of ``ow``
    pixels: ``_jit_pool``'s rows from :data:`POOL_ROWS_MIN_OUTPUTS` on (the same sums in the
    same order: the same bits), else ``_jit_conv``'s window loop.  One thread, CPU ms, window
    loop -> rows, forward / gradient: 3x3 stride 1 pad 1 on 16x64x32x32 12.1 / 11.9 -> 3.6 / 3.5
    (PyTorch's forward 9.5); 2x2 stride 2 on 32x64x32x32 4.4 / 4.6 -> 2.1 / 2.3."""
    name = "avg_pool_grad" if grad else "avg_pool"
    if ow >= POOL_ROWS_MIN_OUTPUTS:
        return serial_or_parallel(_jit(), name + "_rows", work)
    return serial_or_parallel(_jit_conv(), name, work)
