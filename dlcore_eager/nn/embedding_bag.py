"""``nn.EmbeddingBag`` and ``F.embedding_bag``: sums, means or maxima of bags of embeddings
without materialising the per-index embeddings as the user's tensor.

The bags are read on the host from the index tensor and ``offsets`` (as PyTorch checks them),
then the reduction is dlcore ops on the looked-up rows ``E = take(weight, input)`` (T, D):

* 'sum' / 'mean': the rows of the indices kept (not ``padding_idx``), each times 1, 1 / its
  bag's count ('mean') or its ``per_sample_weights`` entry, added into their bag's output row
  by ``scatter_add`` (memory linear in the number of indices); empty bags give zeros.  The
  gradient reaches ``weight`` through take's scatter-add and ``per_sample_weights`` through
  the product.  ``scale_grad_by_freq``: each row's gradient to ``weight`` is divided by its
  index's count in the whole input (the documented rule, as nn.Embedding and torch's CUDA
  kernel; torch 2.13's CPU kernel divides by a wrong count, pytorch/pytorch#190063).
* 'max': the rows of each bag gathered into (B, Lmax, D), short bags padded with repeats of
  their first row, ``argmax`` over the bag (the first maximum, as PyTorch) and the winners taken
  with ``take_along_axis``, so the gradient goes to the winning row only; empty bags give zeros.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .._graph import labelled
from ..autograd import no_grad
from ..creation import empty
from ..tensor import Tensor
from . import init
from .module import Module, Parameter
from .sparse import _padding, _renorm_


def _bags(offsets: np.ndarray, total: int, include_last_offset: bool) -> tuple:
    """(starts, ends) of the bags, int64 arrays.  With ``include_last_offset`` the last
    offset closes the list and the last bag still runs to the end of the input (what
    PyTorch's CPU kernel does when that offset is smaller than the input's length)."""
    offsets = np.asarray(offsets, np.int64)
    starts = offsets[:-1] if include_last_offset else offsets
    ends = np.concatenate([offsets[1:len(starts)], [total] if len(starts) else []])
    return starts, np.minimum(ends, total).astype(np.int64)


def _members(bags: tuple, keep: np.ndarray) -> tuple:
    """The kept positions of every bag, bag by bag in order (as a loop over the bags would
    list them), and the bag of each: NumPy's repeat and arange, no Python loop over the bags
    (nn.EmbeddingBag of 64 bags of 10: 304 -> ~40 us, PyTorch 29; issue 19)."""
    starts, ends = bags
    lengths = np.maximum(ends - starts, 0)
    n = int(lengths.sum())
    bag_of = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    pos = np.arange(n, dtype=np.int64) + np.repeat(starts - (np.cumsum(lengths) - lengths),
                                                   lengths)
    kept = keep[pos]
    return pos[kept], bag_of[kept]


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embeddings: ``input`` 2-D (each row a bag) or 1-D
    with ``offsets`` (the start of each bag).

    Example::

        >>> w = torch.randn(10, 3)
        >>> idx = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
        >>> torch.nn.functional.embedding_bag(idx, w, torch.tensor([0, 4]), mode='sum').shape
        torch.Size([2, 3])
    """
    if not isinstance(input, Tensor) or input._buf.dtype.kind not in "iu":
        got = input.type() if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {got} instead (while "
                           f"checking arguments for embedding_bag)")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                         f"is not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found "
                             "offsets of type <class 'torch.Tensor'>")
        b, length = input.shape
        offs = np.arange(0, b * length, length, dtype=np.int64) if length or b else \
            np.zeros(b, np.int64)
        include_last_offset = False
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offs = np.asarray(offsets.cpu()._buf).astype(np.int64)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if sparse and mode == "max":
        raise ValueError("max mode does not support sparse weights")
    if isinstance(per_sample_weights, Tensor) and isinstance(weight, Tensor) and \
            per_sample_weights._buf.dtype != weight._buf.dtype:    # (PyTorch's; dlcore promoted)
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as "
                           f"tensor for argument #1 'per_sample_weights'; but type "
                           f"{weight.type()} does not equal {per_sample_weights.type()} (while "
                           f"checking arguments for embedding_bag)")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    flat = _ops.reshape(input, (-1,))
    idx = np.asarray(flat.cpu()._buf).astype(np.int64)
    total = idx.size
    if offs.size and offs[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-"
                           f"batch has to start from position 0. However, got {int(offs[0])}")
    if offs.size and offs[-1] > total:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {total} but "
                           f"got offsets[-1] of {int(offs[-1])}")
    bad = np.nonzero((idx < 0) | (idx >= weight.shape[0]))[0]
    if bad.size:
        raise RuntimeError(f"Index {int(bad[0])} of input takes value {int(idx[bad[0]])} which "
                           f"is not in the valid range [0, {weight.shape[0]})")
    pad = _padding(padding_idx, weight.shape[0])
    if max_norm is not None:
        _renorm_(weight, flat, max_norm, norm_type)
    bags = _bags(offs, total, include_last_offset)
    keep = idx != pad if pad is not None else np.ones(total, bool)
    # sparse=True: the rows are looked up by nn.sparse's lookup, whose weight gradient is a
    # sparse COO tensor (one entry per looked-up index), as PyTorch's embedding_bag makes it
    take = _sparse_take(pad, scale_grad_by_freq) if sparse and weight.requires_grad \
        else _ops.take
    if mode == "max" and keep.any():
        out = _bag_max(_ops.take(weight, flat), bags, keep, weight)
    else:   # (max of nothing but empty bags: zeros, still connected to weight, as PyTorch)
        out = _bag_sum(weight, idx, bags, keep, mode == "mean", per_sample_weights, take,
                       bool(scale_grad_by_freq))
    return labelled(out, "EmbeddingBagBackward0", weight, edges=(weight, per_sample_weights))


def _device(arr: np.ndarray, like: Tensor) -> Tensor:
    t = Tensor._wrap(arr)
    return t.cuda() if like.is_cuda else t


def _sparse_take(pad, scale_grad_by_freq: bool = False):
    from .sparse import _SparseEmbedding   # (refuses scale_grad_by_freq in backward, as torch)
    return lambda weight, idx: _SparseEmbedding.apply(weight, idx, pad, scale_grad_by_freq)


def _bag_sum(weight: Tensor, idx: np.ndarray, bags, keep: np.ndarray, mean: bool,
             per_sample_weights: Tensor | None, take=_ops.take,
             scale_grad_by_freq: bool = False) -> Tensor:
    """The kept rows, each scaled (1, 1/count or its per-sample weight), added into their
    bag's row with ``scatter_add`` (memory linear in the indices, not bags x indices).
    ``scale_grad_by_freq``: each row's gradient to ``weight`` is divided by how often its index
    occurs in the whole input (PyTorch's compute_counts: padding and every bag included)."""
    positions, bag_ids = _members(bags, keep)
    nbags = len(bags[0])
    dt = weight._buf.dtype
    counts = np.bincount(bag_ids, minlength=nbags)
    scales = (1.0 / np.maximum(counts, 1))[bag_ids].astype(dt) if mean else \
        np.ones(positions.size, dt)
    zeros = _device(np.zeros((nbags, weight.shape[1]), dt), weight)
    rows = take(weight, _device(idx[positions], weight))                    # (K, D)
    if scale_grad_by_freq and rows.requires_grad:
        inv = 1.0 / np.bincount(idx, minlength=1)[idx[positions]]
        rows = _grad_scaled(rows, inv.astype(dt).reshape(-1, 1))
    if per_sample_weights is not None:
        w = _ops.take(_ops.reshape(per_sample_weights, (-1,)), _device(positions, weight))
    else:
        w = _device(scales, weight)
    return _ops.scatter_add(_ops.mul(rows, _ops.reshape(w, (-1, 1))), _device(bag_ids, weight),
                            zeros)


def _grad_scaled(rows: Tensor, inv: np.ndarray) -> Tensor:
    """``rows`` with its own values and its gradient multiplied by ``inv`` (as nn.sparse's
    _scale_grad_by_freq): ``frozen + (rows - frozen) * inv``, the values then written over
    (the sum differs from ``rows`` where it is inf or -0.0; the add's backward reads none)."""
    frozen = rows.detach()
    res = frozen + (rows - frozen) * _device(inv, rows)
    if isinstance(res._buf, np.ndarray):
        res._buf[...] = rows._buf
    else:
        res._buf.copy_to_device(rows._buf)
    return res


def _bag_max(rows: Tensor, bags, keep: np.ndarray, weight: Tensor) -> Tensor:
    positions, bag_ids = _members(bags, keep)
    nbags = len(bags[0])
    counts = np.bincount(bag_ids, minlength=nbags)
    width = max(int(counts.max()) if nbags else 0, 1)
    first = np.cumsum(counts) - counts                  # each bag's first member in positions
    table = np.zeros((nbags, width), np.int64)          # (short bags padded with their first
    live = counts > 0                                   # member, empty ones with 0)
    table[live] = positions[first[live]][:, None]
    table[bag_ids, np.arange(positions.size) - first[bag_ids]] = positions
    full = live.astype(weight._buf.dtype).reshape(-1, 1)
    t, f = Tensor._wrap(table.reshape(-1)), Tensor._wrap(full)
    if weight.is_cuda:
        t, f = t.cuda(), f.cuda()
    d = weight.shape[1]
    gathered = _ops.reshape(_ops.take(rows, t), (nbags, width, d))
    win = _ops.argmax(gathered, 1, True)                                # (B, 1, D)
    best = _ops.reshape(_ops.take_along_axis(gathered, win, 1), (nbags, d))
    return _ops.mul(best, f)


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings (``mode``), without the per-index
    embeddings: weights drawn from N(0, 1), the ``padding_idx`` row zero and left out of
    every bag."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise AssertionError("padding_idx must be within num_embeddings")
        self.padding_idx = _padding(padding_idx, num_embeddings)
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype,
                                          device=device))
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and "
                                     "embedding_dim")
            self.weight = Parameter(_weight)
        self.mode, self.sparse = mode, sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight._buf[self.padding_idx] = 0

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse,
                             per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An ``EmbeddingBag`` whose weight is ``embeddings`` (frozen unless ``freeze=False``)."""
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  embeddings, include_last_offset, padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
