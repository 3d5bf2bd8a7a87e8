"""``torch.Size``: a tensor's shape (``_size.Size``, re-exported by ``tensor``)."""

from __future__ import annotations

import numpy as np


class Size(tuple):
    """A tensor's shape; a tuple that prints as ``torch.Size([2, 3])``.  Its slices, sums
    with tuples (either side) and repeats are Sizes too, as PyTorch's (``x.shape[1:].numel()``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))

    def __getitem__(self, index):
        r = tuple.__getitem__(self, index)
        return Size(r) if type(index) is slice else r

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__
