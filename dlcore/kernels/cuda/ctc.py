"""CUDA kernels of the CTC loss and its gradient (see ``_ctc_kernels.py``).  The lengths and
targets are read on the host first (counted copies, as PyTorch's CUDA ctc_loss reads the
lengths), checked by the CPU path's rules, and the flat targets and offsets sent back, so the
kernels never read outside a buffer."""

from __future__ import annotations

import numpy as np

from ...device import to_device, to_host
from ..cpu.ctc import offsets
from . import _support as S
from .elementwise import flat


def _prepare(log_probs, targets, input_lengths, target_lengths):
    t_max, nb, nc = (int(d) for d in log_probs.shape)
    tg, off, il, tl = offsets(to_host(targets), to_host(input_lengths), to_host(target_lengths),
                              t_max, nc)
    spm = 2 * (int(tl.max()) if tl.size else 0) + 1
    dev = [to_device(np.ascontiguousarray(a if a.size else np.zeros(1, np.int64)), "cuda")
           for a in (tg, off, il, tl)]
    return t_max, nb, nc, spm, dev


def _launch(nb: int):
    threads = min(S.round_up(max(nb, 1), S.granule()), 64)
    return (nb + threads - 1) // threads, threads


def ctc_loss(log_probs, targets, input_lengths, target_lengths, *, blank: int,
             zero_infinity: bool, merge_repeated: bool = True):
    from ._ctc_kernels import ctc_fwd
    t_max, nb, nc, spm, (tg, off, il, tl) = _prepare(log_probs, targets, input_lengths,
                                                     target_lengths)
    out = S.empty((nb,), log_probs.dtype)
    if nb and t_max * nc:
        alpha = S.empty((nb * t_max * spm + 1,), np.float64)
        blocks, threads = _launch(nb)
        ctc_fwd[blocks, threads](flat(log_probs), tg, off, il, tl, out, alpha, nb, t_max, nc,
                                 spm, int(blank), bool(zero_infinity), bool(merge_repeated))
    return out


def ctc_loss_grad(g, log_probs, targets, input_lengths, target_lengths, *, blank: int,
                  zero_infinity: bool, merge_repeated: bool = True):
    from ._ctc_kernels import ctc_bwd
    t_max, nb, nc, spm, (tg, off, il, tl) = _prepare(log_probs, targets, input_lengths,
                                                     target_lengths)
    n = t_max * nb * nc
    out = S.empty((max(n, 1),), log_probs.dtype)
    if n:
        alpha = S.empty((nb * t_max * spm + 1,), np.float64)
        beta = S.empty((nb * t_max * spm + 1,), np.float64)
        lcab = S.empty((nb * nc,), np.float64)
        blocks, threads = _launch(nb)
        ctc_bwd[blocks, threads](flat(g), flat(log_probs), tg, off, il, tl, out, alpha, beta,
                                 lcab, nb, t_max, nc, spm, int(blank), bool(zero_infinity),
                                 bool(merge_repeated))
    return S.view_as(out if n else S.empty((0,), log_probs.dtype), (t_max, nb, nc))
