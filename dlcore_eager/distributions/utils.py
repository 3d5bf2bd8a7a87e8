"""``torch.distributions.utils``: the helpers programs import from it (``broadcast_all``,
``probs_to_logits``, ``logits_to_probs``, ``clamp_probs``, ``lazy_property``), as PyTorch's."""

from __future__ import annotations

import numbers

import numpy as np

from dlcore.dtypes import finfo

from .._operand_rules import infer_size
from ..tensor import Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits", "tril_matrix_to_vec", "vec_to_tril_matrix"]

euler_constant = 0.57721566490153286060


def broadcast_all(*values):
    """Tensors and numbers broadcast to one shape (numbers as tensors of the tensors' dtype,
    or the default dtype)."""
    from .._dtype import get_default_dtype
    from ..creation import tensor
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    like = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = like.dtype if like is not None else get_default_dtype()
    ts = [v if isinstance(v, Tensor) else tensor(v, dtype=dtype) for v in values]
    shape: tuple = ()
    for t in ts:
        shape = infer_size(shape, tuple(t.shape))
    return tuple(t.expand(*shape) if tuple(t.shape) != shape else t for t in ts)


def clamp_probs(probs):
    """``probs`` clamped to ``[eps, 1 - eps]`` of its dtype."""
    eps = float(finfo(probs._buf.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    """``sigmoid(logits)`` if binary, else ``softmax(logits, -1)``."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def probs_to_logits(probs, is_binary=False):
    """``log p - log1p(-p)`` if binary, else ``log p`` (p clamped to ``[eps, 1 - eps]``)."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return ps_clamped.log() - (-ps_clamped).log1p()
    return ps_clamped.log()


class lazy_property:
    """A property computed on first access and then stored on the instance."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def tril_matrix_to_vec(mat, diag: int = 0):
    """The lower-triangular elements (``j <= i + diag``) of (batched) ``D x D`` matrices, in
    row order (PyTorch's)."""
    from ..creation import tensor
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    i, j = np.nonzero(np.arange(n) < np.arange(n).reshape(-1, 1) + (diag + 1))   # row order
    flat = mat.reshape(*mat.shape[:-2], n * n)
    return flat.index_select(-1, tensor(i * n + j, device=mat.device))


def vec_to_tril_matrix(vec, diag: int = 0):
    """(Batched) ``D x D`` lower-triangular matrices holding ``vec``'s last axis in row order
    (PyTorch's)."""
    from dlcore.dtypes import finfo

    from ..creation import tensor
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1]
                            + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > float(finfo(vec._buf.dtype).eps):
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be "
                         "expressed as the lower triangular part of a square D x D matrix.")
    n = round(n)
    from .._shape_ops import cat
    i, j = np.nonzero(np.arange(n) < np.arange(n).reshape(-1, 1) + (diag + 1))
    src = np.zeros(n * n, np.int64)             # position -> 0 (a zero) or 1 + element
    src[i * n + j] = 1 + np.arange(i.size)
    padded = cat([vec.new_zeros(tuple(vec.shape[:-1]) + (1,)), vec], -1)
    return padded.index_select(-1, tensor(src, device=vec.device)).reshape(
        *vec.shape[:-1], n, n)
