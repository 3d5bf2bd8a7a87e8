"""PyTorch's argument checks, in its words, for functions defined elsewhere in the eager front
end (``_extra_ops``: rot90, searchsorted, bernoulli), compared with torch 2.13 in
tests/eager/test_torchdiff_table.py."""

from __future__ import annotations

import numpy as np

from dlcore.dtypes import is_floating

from . import _dtype as D


def _sizes(shape) -> str:
    return "[" + ", ".join(str(int(d)) for d in shape) + "]"


def rot90(ndim: int, dims) -> None:
    """``torch.rot90``'s checks of ``dims`` for an ``ndim``-dimensional input."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {ndim}")
    d0, d1 = dims
    for d in dims:
        if not -ndim <= d < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                             f"{ndim - 1}], but got {d})")
    if d0 % ndim == d1 % ndim:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")


def searchsorted(seq: np.ndarray, vals: np.ndarray, right: bool, side, sorter) -> None:
    """``torch.searchsorted``'s checks (``seq``, ``vals``, ``sorter``: host arrays)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError("torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side != "right":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               f"opposites, got side of {side} while right was True")
    if sorter is not None:
        if sorter.shape != seq.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {_sizes(seq.shape)}and got "
                               f"sorter tensor {_sizes(sorter.shape)}")
        if sorter.dtype != np.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but "
                               f"got dtype {D.from_numpy_dtype(sorter.dtype)._legacy}")
        if sorter.size and (sorter.min() < 0 or sorter.max() >= seq.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    if vals.ndim == 0 and seq.ndim != 1:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when "
                           "boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({seq.ndim}) and input value's dim(0) numel(1)")
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if seq.ndim != 1 and seq.shape[:-1] != vals.shape[:-1]:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or "
                           "the first N-1 dimensions of boundaries tensor and input value "
                           f"tensor must match, but we got boundaries tensor "
                           f"{_sizes(seq.shape)} and input value tensor {_sizes(vals.shape)}")


def bernoulli(probs: np.ndarray, p) -> None:
    """``torch.bernoulli``'s checks: of the probabilities ``probs`` (host array) when ``p`` is
    None, else of the number ``p``."""
    if p is not None:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        return
    if not is_floating(probs.dtype):
        raise NotImplementedError('"bernoulli_tensor_cpu_p_" not implemented for '
                                  f"'{D.from_numpy_dtype(probs.dtype)._legacy}'")
    with np.errstate(invalid="ignore"):
        ok = bool(((probs >= 0) & (probs <= 1)).all())
    if not ok:
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")
