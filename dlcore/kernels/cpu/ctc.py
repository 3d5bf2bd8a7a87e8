"""CPU kernels of the CTC loss (``ctc_loss``) and its gradient (``ctc_loss_grad``): one Numba
loop per batch element over the alpha (and beta) recursion in log space, see ``_jit_ctc.py``.

Targets come padded ``(N, S)`` or concatenated ``(sum(target_lengths),)``; both are read through
a flat view and per-element offsets.  The lengths are checked here, on the host, before any
loop reads a buffer (compiled code never reads outside one)."""

from __future__ import annotations

import numpy as np

from ...errors import ShapeError


def offsets(targets, input_lengths, target_lengths, t_max: int, n_classes: int):
    """(flat int64 targets, offsets, input lengths, target lengths) after PyTorch's checks."""
    il = np.asarray(input_lengths).astype(np.int64).reshape(-1)
    tl = np.asarray(target_lengths).astype(np.int64).reshape(-1)
    tg = np.asarray(targets)
    shapes = [tg.shape, il.shape, tl.shape]
    if il.size and (il.max() > t_max or il.min() < 0):
        bad = il.max() if il.max() > t_max else il.min()
        raise ShapeError("ctc_loss", f"Expected input_lengths to have value at most {t_max}, "
                         f"but got value {int(bad)}", shapes)
    if tl.size and tl.min() < 0:
        raise ShapeError("ctc_loss", f"Expected target_lengths to be nonnegative, but got "
                         f"value {int(tl.min())}", shapes)
    if tg.ndim == 2:
        s = tg.shape[1]
        if tl.size and tl.max() > s:
            raise ShapeError("ctc_loss", f"Expected tensor to have size at least {int(tl.max())}"
                             f" at dimension 1, but got size {s} for argument #2 'targets'",
                             shapes)
        off = np.arange(tl.size, dtype=np.int64) * s
        used = [tg[b, :tl[b]] for b in range(tl.size)]
    else:
        total = int(tl.sum())
        if tg.shape[0] != total:
            raise ShapeError("ctc_loss", f"Expected tensor to have size {total} at dimension 0, "
                             f"but got size {tg.shape[0]} for argument #2 'targets'", shapes)
        off = np.concatenate([[0], np.cumsum(tl)[:-1]]).astype(np.int64) if tl.size else tl
        used = [tg]
    for u in used:
        if u.size and (u.min() < 0 or u.max() >= n_classes):
            bad = int(u.min()) if u.min() < 0 else int(u.max())
            raise ShapeError("ctc_loss", f"target value {bad} is out of the class range "
                             f"[0, {n_classes})", shapes)
    return np.ascontiguousarray(tg.astype(np.int64).reshape(-1)), off, il, tl


def ctc_loss(log_probs, targets, input_lengths, target_lengths, *, blank: int,
             zero_infinity: bool, merge_repeated: bool = True):
    from ._jit_ctc import ctc_fwd
    t_max, nb, nc = log_probs.shape
    tg, off, il, tl = offsets(targets, input_lengths, target_lengths, t_max, nc)
    out = np.empty(nb, dtype=np.float64)
    ctc_fwd(log_probs, tg, off, il, tl, int(blank), bool(zero_infinity), bool(merge_repeated),
            out)
    return out.astype(log_probs.dtype)


def ctc_loss_grad(g, log_probs, targets, input_lengths, target_lengths, *, blank: int,
                  zero_infinity: bool, merge_repeated: bool = True):
    from ._jit_ctc import ctc_bwd
    t_max, _, nc = log_probs.shape
    tg, off, il, tl = offsets(targets, input_lengths, target_lengths, t_max, nc)
    out = np.empty(log_probs.shape, dtype=np.float64)
    ctc_bwd(np.asarray(g, dtype=np.float64).reshape(-1), log_probs, tg, off, il, tl, int(blank),
            bool(zero_infinity), bool(merge_repeated), out)
    return out.astype(log_probs.dtype)
