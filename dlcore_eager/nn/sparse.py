"""Embeddings: ``nn.Embedding`` (``padding_idx``, ``max_norm``, ``scale_grad_by_freq``,
``from_pretrained``), ``F.embedding`` and ``F.one_hot``, with PyTorch's semantics.

A lookup is dlcore's ``embedding`` composite (``take`` on the weight's rows; the gradient is a
scatter-add into a dense weight gradient; the ``padding_idx`` row gets none).  With
``sparse=True`` the weight's gradient is a sparse COO tensor instead (``_sparse``), one entry
per looked-up index, as PyTorch makes it.  ``max_norm``
renormalises the looked-up rows of the weight *in place*, without recording, before the lookup,
as PyTorch does.  ``scale_grad_by_freq`` divides each position's gradient by its index's
count in the batch (``_scale_grad_by_freq``: the same values, a rescaled gradient).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import sequence as _seq

from .._arg_checks import not_tensor
from .._graph import labelled
from ..autograd import Function, no_grad
from ..creation import empty
from ..tensor import Tensor
from . import init
from .module import Module, Parameter


def _index_tensor(input) -> Tensor:
    if not isinstance(input, Tensor):
        raise not_tensor("embedding", "indices", 2, input)     # (torch.embedding's position)
    if input._buf.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input.type()} instead "
                           "(while checking arguments for embedding)")
    return input


def _padding(padding_idx, num: int):
    if padding_idx is None:
        return None
    if padding_idx >= num or padding_idx < -num:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx % num


def _renorm_(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> None:
    """Rows of ``weight`` used by ``indices`` whose ``norm_type``-norm exceeds ``max_norm`` are
    scaled to norm ``max_norm`` (times 1/(norm + 1e-7) as PyTorch), in place, not recorded."""
    idx = np.unique(np.asarray(indices.cpu()._buf).reshape(-1))
    if idx.size == 0:
        return
    with no_grad():
        rows = _ops.take(weight, Tensor._wrap(idx.astype(np.int64)))
        rb = np.asarray(rows.cpu()._buf)
        norms = np.sum(np.abs(rb) ** norm_type, axis=1) ** (1.0 / norm_type)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(rb.dtype)
        big = np.nonzero(norms > max_norm)[0]
        if big.size:
            w = weight._buf
            host = np.asarray(weight.cpu()._buf).copy()
            host[idx[big]] = rb[big] * scale[big, None]
            if isinstance(w, np.ndarray):
                w[...] = host
            else:
                w.copy_to_device(host)
            weight._vc[0] += 1


def _unsigned(idx: np.ndarray) -> np.ndarray:
    """Integer indices viewed as unsigned: a negative one is then above every row count, so one
    maximum tests both bounds (two reductions were ~1.5 us of a 4x10 embedding's 12.7)."""
    k = idx.dtype
    return idx.view(np.dtype(f"u{k.itemsize}")) if k.kind == "i" else idx


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """``weight[input]`` (PyTorch's ``F.embedding``)."""
    input = _index_tensor(input)
    if weight.dim() != 2:
        raise RuntimeError(f"'weight' must be 2-D, got {weight.dim()}-D")
    padding_idx = _padding(padding_idx, weight.shape[0])
    idx = input._buf
    if isinstance(idx, np.ndarray) and idx.size and _unsigned(idx).max() >= weight.shape[0]:
        raise IndexError("index out of range in self")     # take() would wrap a negative row
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    if sparse and weight.requires_grad:
        out = _SparseEmbedding.apply(weight, input, padding_idx, scale_grad_by_freq)
    else:       # (PyTorch's node: EmbeddingBackward0, also when nn.Embedding calls this)
        out = labelled(_seq.embedding(input, weight, padding_idx), "EmbeddingBackward0",
                       weight, edges=(weight,))
    if scale_grad_by_freq and out.requires_grad:
        out = labelled(_scale_grad_by_freq(out, input), "EmbeddingBackward0", weight,
                       edges=(weight,))
    return out


def _scale_grad_by_freq(out: Tensor, input: Tensor) -> Tensor:
    """``out`` with the same values whose gradient is divided, at each position, by how often
    that position's index occurs in the whole ``input`` (PyTorch's ``scale_grad_by_freq``):
    ``out.detach() + (out - out.detach()) * (1 / count)``, whose backward multiplies by
    ``1 / count`` whatever the values; its values are then ``out``'s own, written over the sum
    (which is ``out`` except where ``out`` is inf, inf - inf = nan, or -0.0, -0.0 + 0.0 = 0.0)."""
    host = np.asarray(input.cpu()._buf)
    _, where, counts = np.unique(host.reshape(-1), return_inverse=True, return_counts=True)
    inv = (1.0 / counts[where]).reshape(host.shape + (1,)).astype(out._buf.dtype)
    frozen = out.detach()
    res = frozen + (out - frozen) * Tensor._wrap(inv).to(out.device)
    if isinstance(res._buf, np.ndarray):    # (the add's backward reads no values: safe)
        res._buf[...] = out._buf
    else:
        res._buf.copy_to_device(out._buf)
    return res


class _SparseEmbedding(Function):
    """``weight[input]`` whose weight gradient is a sparse COO tensor (``sparse=True``): the
    indices are ``input`` flattened, the values the rows of the output gradient, the
    ``padding_idx`` entries left out; uncoalesced, as PyTorch's embedding backward makes it."""

    @staticmethod
    def forward(ctx, weight, input, padding_idx, scale_grad_by_freq=False):
        ctx.input, ctx.padding_idx, ctx.shape = input, padding_idx, tuple(weight.shape)
        ctx.scale_grad_by_freq = scale_grad_by_freq
        return _seq.embedding(input, weight, padding_idx)

    @staticmethod
    def backward(ctx, g):
        from .._sparse import _sparse
        if ctx.scale_grad_by_freq:
            raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with "
                               "sparse gradients")
        idx = np.asarray(ctx.input.cpu()._buf).reshape(-1).astype(np.int64)
        vals = np.asarray(g.detach().cpu()._buf).reshape(idx.size, ctx.shape[1])
        if ctx.padding_idx is not None:
            keep = idx != ctx.padding_idx
            idx, vals = idx[keep], vals[keep]
        return _sparse(idx[None, :], np.array(vals), ctx.shape, idx.size <= 1), None, None, \
            None


def one_hot(input: Tensor, num_classes: int = -1) -> Tensor:
    """Int64 one-hot encoding along a new last axis (``num_classes=-1``: max value + 1)."""
    if not isinstance(input, Tensor) or input._buf.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    host = np.asarray(input.cpu()._buf)
    if host.size and host.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if host.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(host.max()) + 1
    elif host.size and host.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _ops.one_hot(input, num_classes, np.int64)


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim`` (weights drawn
    from N(0, 1); the ``padding_idx`` row starts at zero and is never updated)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype,
                                          device=device), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and "
                                     "embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight._buf[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An ``Embedding`` whose weight is (a leaf sharing the memory of) ``embeddings``."""
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)
