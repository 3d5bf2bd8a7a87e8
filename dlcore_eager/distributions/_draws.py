"""Draws for the distributions' samplers: ``torch_draw`` (PyTorch's CPU stream, the numbers
torch 2.13 draws).  Below ``_base`` and ``_common``, which both use it."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def torch_draw(shape, like: Tensor, kind: str, *args) -> Tensor:
    """``like.new(shape).<kind>_(*args)`` drawn from PyTorch's CPU stream (the default generator,
    as ``torch.manual_seed`` sets it), in ``like``'s float dtype (the default float for an integer
    ``like``) and on its device: ``normal`` (``_standard_normal``), ``uniform`` (``torch.rand``
    or ``uniform_(low, high)``), ``exponential`` and ``cauchy``; the numbers torch 2.13 draws."""
    from .._dtype import get_default_dtype
    from ..creation import _engine
    dt = like._buf.dtype if like.dtype.is_floating_point else get_default_dtype().np_dtype
    shape = tuple(int(s) for s in shape)
    n = int(np.prod(shape, dtype=np.int64))
    e = _engine(None)
    if kind == "normal":
        buf = e.normal(n, dt)
    elif kind == "uniform":
        buf = e.uniform(n, dt, *args)
    elif kind == "exponential":
        buf = e.exponential(n, 1.0)
    elif kind == "cauchy":
        buf = e.cauchy(n)
    else:
        raise ValueError(f"torch_draw: unknown kind {kind!r}")
    out = Tensor._wrap(np.asarray(buf).astype(dt).reshape(shape))
    return out.cuda() if like.is_cuda else out
