"""The slow paths of a few ``Tensor`` members (``tensor.py`` stays small; nothing here imports
it): PyTorch's errors for ``size(dim)``/``stride(dim)`` and the no_grad-view checks of
``requires_grad``/``is_leaf``/``grad_fn`` (in ``_view_rebase``, reached at call time: it imports
``tensor``)."""

from __future__ import annotations

import sys

import numpy as np


def check_dim(name: str, ndim: int, dim) -> None:
    """PyTorch's TypeError for a ``dim`` of ``size``/``stride`` that is no int (a NumPy
    integer or a 0-d integer tensor passes) and IndexError for one out of range."""
    if isinstance(dim, (bool, np.bool_)) or not hasattr(dim, "__index__"):
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not "
                        f"{type(dim).__name__}")
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")


def rebase():
    """``_view_rebase``: ``base_requires_grad``, ``check_no_grad_view``."""
    return sys.modules["dlcore_eager._view_rebase"]
