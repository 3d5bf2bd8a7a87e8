"""One layer and direction of ``nn.LSTM``/``nn.GRU``/``nn.RNN`` as dlcore's fused layer over
time (``lstm_seq``, ``gru_seq``, ``rnn_seq``: one primitive forward, one for backpropagation
through time), for ``rnn.RNNBase.forward``.

The input arrives as the layer's projected rows ``xw`` (N, G) in time-major order, ``bs_t``
rows at step t.  A padded batch (every ``bs_t`` = B) is reshaped to (T, B, G), the reverse
direction's time axis flipped.  A packed batch (``PackedSequence``: sequences sorted longest
first, ``bs_t`` non-increasing) is padded around the layer (:class:`Packing`): its rows are
gathered into (T, B, G) (a row of zeros past a sequence's end; the reverse direction reads
each sequence from its own last step), the layer runs over every step, and the outputs are
gathered back into the packed rows, each final state from the step at the sequence's own
length.  A step reads only earlier ones, so the steps past a sequence's end, computed from
zeros, reach no result: the values are the step loop's (which stops updating a sequence after
its end), and gradients flow through the gathers (their vjps scatter-add).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import sequence as _seq

from ..creation import zeros


class Packing:
    """The index maps of a packed batch with step sizes ``bsz`` (non-increasing): ``maps[d]``
    (T B,) the packed row (or N: a zero row) each padded position of direction ``d`` reads,
    ``outs[d]`` (N,) the padded position each packed row's output comes from, ``final`` (B,)
    each sequence's position at its own length (the last step either direction runs)."""

    def __init__(self, bsz: list) -> None:
        t_len, nb = len(bsz), bsz[0]
        offs = np.concatenate([[0], np.cumsum(bsz)[:-1]]).astype(np.int64)
        n = int(sum(bsz))
        lengths = np.array([sum(1 for s in bsz if s > b) for b in range(nb)], np.int64)
        t = np.arange(t_len)[:, None]
        b = np.arange(nb)[None, :]
        live = t < lengths[None, :]
        fwd = np.where(live, offs[t] + b, n)
        src = np.clip(lengths[None, :] - 1 - t, 0, t_len - 1)          # reverse: from the end
        rev = np.where(live, offs[src] + b, n)
        rows_t = np.repeat(np.arange(t_len), bsz)                      # each packed row's step
        rows_b = np.concatenate([np.arange(s) for s in bsz])           # and sequence
        self.maps = (fwd.reshape(-1), rev.reshape(-1))
        self.outs = (rows_t * nb + rows_b, (lengths[rows_b] - 1 - rows_t) * nb + rows_b)
        self.final = (lengths - 1) * nb + np.arange(nb)
        self.t_len, self.nb = t_len, nb


def _time_major(xw, t_len, nb, reverse):
    """The projected rows (T * B, G) as (T, B, G), the time axis reversed for the reverse
    direction (which reads the sequence from its last step)."""
    x = xw.reshape(t_len, nb, xw.shape[-1])
    return _ops.getitem(x, (slice(None, None, -1),)) if reverse else x


def _layer(mode, x, h0, c0, w_hh, b_hh):
    """The fused primitive's output over the time-major ``x`` (T, B, G): (T, B, k H)."""
    u = _ops.matrix_transpose(w_hh)
    if mode == "LSTM":
        return _seq.lstm_seq(x, u, h0, c0)                  # y[t] = [h, c, z]
    if mode == "GRU":                                       # y[t] = [h, r, z, n, hn]
        if b_hh is None:                    # (bias=False: a zero bias, as PyTorch adds none)
            b_hh = zeros(3 * h0.shape[-1], dtype=x.dtype, device=x.device)
        return _seq.gru_seq(x, u, b_hh, h0)
    return _seq.rnn_seq(x, u, h0, mode[4:].lower())         # the states (RNN_TANH, RNN_RELU)


def direction(mode, xw, t_len, nb, h0, c0, w_hh, b_hh, reverse, packing=None):
    """One layer and direction: (its outputs as rows in ``xw``'s order, the final h, the
    final c or None).  ``b_hh``: the GRU's (the others' is in ``xw``)."""
    n = h0.shape[-1]
    h_cols = (slice(None), slice(None), slice(0, n))
    if packing is None:
        # (the tensors' own slices and reshape where they take these: their fast paths, the
        # same nodes as dlcore.ops' getitem and reshape at half the cost, issue 19)
        y = _layer(mode, _time_major(xw, t_len, nb, reverse), h0, c0, w_hh, b_hh)
        h = y if mode.startswith("RNN") else y[h_cols]
        if reverse:
            h = _ops.getitem(h, (slice(None, None, -1),))
        rows = h.reshape(t_len * nb, n)
        last = y[-1, :, :n]
        c = y[-1, :, n:2 * n] if mode == "LSTM" else None
        return rows, last, c
    d = 1 if reverse else 0
    ext = _ops.concatenate([xw, zeros(1, xw.shape[-1], dtype=xw.dtype, device=xw.device)], 0)
    x = _ops.reshape(_seq.gather(ext, packing.maps[d], 0), (t_len, nb, xw.shape[-1]))
    y = _layer(mode, x, h0, c0, w_hh, b_hh)
    h = _ops.reshape(y if mode.startswith("RNN") else _ops.getitem(y, h_cols), (t_len * nb, n))
    c = None
    if mode == "LSTM":
        cs = _ops.reshape(_ops.getitem(y, (slice(None), slice(None), slice(n, 2 * n))),
                          (t_len * nb, n))
        c = _seq.gather(cs, packing.final, 0)
    return (_seq.gather(h, packing.outs[d], 0), _seq.gather(h, packing.final, 0), c)
