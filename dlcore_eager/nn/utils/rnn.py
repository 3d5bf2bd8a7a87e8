"""Variable-length sequences as PyTorch holds them: ``PackedSequence`` (the time-major rows of
every sequence still running at each step, and ``batch_sizes``), ``pack_padded_sequence``,
``pad_packed_sequence``, ``pad_sequence`` and ``pack_sequence``.

Packing is one ``take`` of the padded batch's rows (flattened to (T*B, ...)) in packed order, and
padding back is its transpose, a ``scatter_add`` into zeros, so gradients flow both ways.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlcore import ops as _ops

from ... import tracing
from ...tensor import Tensor


class _PadPackedOp:
    """``pad_packed_sequence`` of a recorded module's output with ``padding_value`` or
    ``total_length`` (params), from its padded output and the lengths (inputs): the
    pseudo-primitive ONNX export writes as a mask and a pad (``dlcore_eager._onnx_rnn``)."""

    name = "__pad_packed__"


PAD_PACKED_OP = _PadPackedOp()


class PackedSequence(NamedTuple):
    """``data`` (sum of lengths, *), ``batch_sizes`` (int64, one per time step, on the CPU),
    ``sorted_indices`` / ``unsorted_indices`` (the permutation to decreasing lengths and back,
    or None when the batch was given sorted)."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs) -> PackedSequence:
        return self._replace(data=self.data.to(*args, **kwargs))

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def _ints(t: Tensor) -> np.ndarray:
    return np.asarray(t.cpu()._buf).astype(np.int64)


def _long(a) -> Tensor:
    return Tensor._wrap(np.ascontiguousarray(np.asarray(a, dtype=np.int64)))


def _rows_of_packed(lengths_sorted: np.ndarray, order: np.ndarray, B: int) -> tuple:
    """Flat (t * B + b) row of each packed row, and the batch sizes."""
    T = int(lengths_sorted[0])
    bs = np.array([(lengths_sorted > t).sum() for t in range(T)], dtype=np.int64)
    rows = np.concatenate([t * B + order[:bs[t]] for t in range(T)])
    return rows.astype(np.int64), bs


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *)) of sequences of the given ``lengths``."""
    given = lengths
    lengths = np.asarray(lengths.cpu()._buf if isinstance(lengths, Tensor) else lengths,
                         dtype=np.int64).reshape(-1)
    x = input.transpose(0, 1) if batch_first else input
    T, B = x.shape[0], x.shape[1]
    if lengths.shape[0] != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.shape[0]} (batch_size={B})")
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                               "to pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        order, sorted_t, unsorted_t = np.arange(B), None, None
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_t, unsorted_t = _long(order), _long(np.argsort(order, kind="stable"))
    ls = lengths[order]
    if ls.size == 0 or ls[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if ls[0] > T:
        raise RuntimeError(f"Length {ls[0]} is larger than the padded sequence length {T}")
    rows, bs = _rows_of_packed(ls, order, B)
    flat = _ops.reshape(x, (T * B,) + tuple(x.shape[2:]))
    data = _ops.take(flat, _long(rows))
    note = tracing.notes()
    if note is not None:                 # ONNX export: where the packed rows came from
        note[id(data)] = ("packed", input, given, batch_first, data)
    return PackedSequence(data, _long(bs), sorted_t, unsorted_t)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """The padded batch (T, B, *) (or (B, T, *)) and the lengths (int64), in the original
    batch order."""
    data, batch_sizes, sorted_idx, unsorted_idx = sequence
    note = tracing.notes()
    if note is not None and note.get(id(data), ("",))[0] == "rnn_output":
        return _padded_rnn_output(note[id(data)], sequence, batch_first, padding_value,
                                  total_length)
    bs = _ints(batch_sizes)
    B, T = int(bs[0]), len(bs)
    if total_length is not None:
        if total_length < T:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {T}")
        T = total_length
    order = _ints(sorted_idx) if sorted_idx is not None else np.arange(B)
    lengths_sorted = np.array([(bs > b).sum() for b in range(B)], dtype=np.int64)
    rows, _ = _rows_of_packed(lengths_sorted, order, B)
    feat = tuple(data.shape[1:])
    ref = Tensor._wrap(np.zeros((T * B,) + feat, dtype=data._buf.dtype)).to(data.device)
    flat = _ops.scatter_add(data, _long(rows), ref)
    if padding_value != 0:
        pad = np.ones((T * B,) + (1,) * len(feat), dtype=data._buf.dtype) * padding_value
        pad[rows] = 0
        flat = _ops.add(flat, Tensor._wrap(pad).to(data.device))
    out = _ops.reshape(flat, (T, B) + feat)
    lengths = np.empty(B, dtype=np.int64)
    lengths[order] = lengths_sorted
    if batch_first:
        out = out.transpose(0, 1)
    return out, _long(lengths)


def _padded_rnn_output(noted: tuple, sequence: PackedSequence, batch_first: bool,
                       padding_value: float, total_length: int | None):
    """``pad_packed_sequence`` of a recurrent module's packed output while a trace records it
    as one ONNX LSTM/GRU/RNN (``dlcore_eager._onnx_rnn``): that operation's padded output
    (T, B, *), zeros past each length as here; a ``padding_value`` there and a ``total_length``
    are one more recorded pseudo-primitive (``__pad_packed__``)."""
    padded, given = noted[1], noted[3]
    bs = _ints(sequence.batch_sizes)
    order = _ints(sequence.sorted_indices) if sequence.sorted_indices is not None \
        else np.arange(int(bs[0]))
    lengths = np.empty(len(order), dtype=np.int64)
    lengths[order] = [(bs > b).sum() for b in range(len(order))]
    t_len = padded.shape[0]
    if total_length is not None and total_length < t_len:
        raise ValueError("Expected total_length to be at least the length of the longest "
                         f"sequence in input, but got total_length={total_length} and max "
                         f"sequence length being {t_len}")
    out = padded
    if padding_value != 0 or total_length is not None:
        y = np.asarray(padded.detach().cpu()._buf)
        full = np.full((total_length or t_len,) + y.shape[1:], padding_value, dtype=y.dtype)
        full[:t_len] = np.where((np.arange(t_len)[:, None] < lengths[None, :]).reshape(
            (t_len, -1) + (1,) * (y.ndim - 2)), y, full[:t_len])
        out = Tensor._wrap(full).to(padded.device)
        lens = given if isinstance(given, Tensor) else np.asarray(given, dtype=np.int64)
        tracing.record(PAD_PACKED_OP, {"padding_value": float(padding_value),
                                       "total_length": total_length}, [padded, lens], out)
    return (out.transpose(0, 1) if batch_first else out), _long(lengths)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shapes (L_i, *) into (max L, B, *) (or (B, max L, *)), padded."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    lens = [int(s.shape[0]) for s in seqs]
    feat = tuple(seqs[0].shape[1:])
    T, B = max(lens), len(seqs)
    rows: list[int] = []
    for b, n in enumerate(lens):
        start = T - n if padding_side == "left" else 0
        rows.extend((start + t) * B + b for t in range(n))
    data = _ops.concatenate(seqs, 0) if B > 1 else seqs[0]
    ref = Tensor._wrap(np.zeros((T * B,) + feat, dtype=data._buf.dtype)).to(data.device)
    flat = _ops.scatter_add(data, _long(rows), ref)
    if padding_value != 0:
        pad = np.full((T * B,) + (1,) * len(feat), padding_value, dtype=data._buf.dtype)
        pad[np.asarray(rows, dtype=np.int64)] = 0
        flat = _ops.add(flat, Tensor._wrap(pad).to(data.device))
    out = _ops.reshape(flat, (T, B) + feat)
    return out.transpose(0, 1) if batch_first else out


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """``pack_padded_sequence(pad_sequence(sequences), lengths)``."""
    lengths = [int(s.shape[0]) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The inverse of ``pad_sequence``: each sequence cut to its length.  As PyTorch, with
    ``batch_first=False`` the input is transposed in place (``transpose_(0, 1)``) first."""
    from ...creation import arange
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    idx = arange(padded_sequences.shape[1])
    if len(padded_sequences) != len(lengths):
        side = "longer" if len(lengths) > len(padded_sequences) else "shorter"
        raise ValueError(f"zip() argument 2 is {side} than argument 1")
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths)]


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The inverse of ``pack_sequence``: the list of unpadded sequences."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """``out[permutation[i]] = i`` (None stays None)."""
    if permutation is None:
        return None
    from ...creation import arange, empty_like
    out = empty_like(permutation)
    return out.scatter_(0, permutation, arange(permutation.numel()))
