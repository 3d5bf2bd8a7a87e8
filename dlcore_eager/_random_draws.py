"""torch.multinomial, bernoulli, poisson and randint_like: draws from the default (or a given)
generator in PyTorch's orders, so seeded programs draw what PyTorch draws (installed on
``dlcore_eager`` and Tensor from ``_extra_ops.FUNCTIONS``/``METHODS``)."""
from __future__ import annotations

import numpy as np

from . import _arg_checks as _checks
from ._host import host as _host
from .creation import _rng
from .tensor import Tensor


def _like(arr: np.ndarray, ref) -> Tensor:
    """``arr`` as a Tensor on ``ref``'s device (the long-tail ops' host results)."""
    out = Tensor._wrap(np.require(arr, requirements="C"))     # (0-d stays 0-d)
    return out.cuda() if isinstance(ref, Tensor) and ref.is_cuda else out


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator=None) -> Tensor:
    """Indices drawn from each row's (unnormalised) weights."""
    given = _host(input)
    p = given.astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    total = rows.sum(-1)           # (finite and no entry < 0: one pass each in the usual case)
    if not (np.isfinite(total).all() and rows.min(initial=0.0) >= 0) and \
            ((rows < 0).any() or not np.isfinite(rows).all()):
        if replacement and num_samples > 1:     # (PyTorch's sampler: the first bad entry)
            v = rows.reshape(-1)[np.argmax(~((rows >= 0) & np.isfinite(rows)).reshape(-1))]
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               f"entry {'< 0' if not v >= 0 else '= infinity or NaN'})")
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (total <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    from .creation import _engine
    eng = _engine(generator)
    w = given.reshape(rows.shape)
    w = w if w.dtype in (np.float32, np.float64) else w.astype(np.float32)
    if not replacement or num_samples == 1:
        # PyTorch: q = empty_like(p).exponential_(1); argmax / topk of p / q (Gumbel trick)
        q = eng.exponential(w.size, 1.0).astype(w.dtype).reshape(w.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            key = w / q
        if num_samples == 1:       # (PyTorch's kernel: argmax, the first of equal keys)
            out = np.argmax(key, axis=-1)
        else:
            out = np.argsort(-key, axis=-1, kind="stable")[:, :num_samples]
    else:
        # PyTorch's CPU kernel: a cumulative sum in the dtype normalised by its total, the last
        # bucket set to 1, then one double uniform per sample and a left binary search
        cum = np.cumsum(w, axis=-1, dtype=w.dtype)
        cum = cum / cum[:, -1:]
        cum[:, -1] = 1
        out = np.stack([np.searchsorted(c.astype(np.float64), eng._unit(num_samples, np.float64),
                                        side="left") for c in cum])
    return _like(out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64), input)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 draws with the probabilities in ``input`` (or ``p``)."""
    from .creation import _engine
    _checks.bernoulli(_host(input), p)
    eng = _engine(generator)
    if p is None:        # PyTorch: a uniform per element, double for float64 input, float else
        drawn = eng.bernoulli_tensor(_host(input))
    else:
        n = int(np.prod(tuple(input.shape), dtype=np.int64))
        drawn = eng.bernoulli_scalar(n, float(p)).reshape(tuple(input.shape))
    return _like(drawn.astype(_host(input).dtype), input)


def poisson(input: Tensor, generator=None) -> Tensor:
    """Poisson draws with the rates in ``input``."""
    from .creation import _engine
    return _like(_engine(generator).poisson(_host(input)).astype(_host(input).dtype), input)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype=None,
                 device=None, requires_grad: bool = False) -> Tensor:
    """Random integers in ``[low, high)`` shaped like ``input``."""
    if high is None:
        low, high = 0, low
    dt = dtype.np_dtype if dtype is not None else _host(input).dtype
    return _like(_rng(None).integers(low, high, tuple(input.shape)).astype(dt), input)


