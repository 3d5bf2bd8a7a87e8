"""The cotangent of a basic slice, kept as its pieces until something reads it.

The vjp of ``y = x[idx]`` is ``zeros like x, with g placed at idx`` (``slice_scatter``).  A
recursive network slices one embedding row per leaf (``E[w:w + 1]``): each leaf's cotangent
was a dense (V, H) array of zeros with one row set, and the pass summed them with dense adds,
so a tree of n leaves cost n (V, H) allocations and n - 1 (V, H) additions for n rows of work.

``SliceGrad`` is that cotangent unwritten: the shape and dtype of ``x`` and a list of
``(NumPy index, g)`` pieces.  Two of them sum by joining their lists; anything else reads it
dense (``dense``: one array of zeros, each piece added into its slice in the order the pieces
arrived).  Each element therefore gets the same sum in the same order as the dense adds gave
it (adding the zeros that other pieces had there changes nothing, bar the sign of a zero).

Only the eager engine's buffer pass (``engine._run_raw``: no ``create_graph``) makes them, for
float32/float64 NumPy buffers, and it turns every one dense before a user, a hook or another
vjp rule can see it (``on_grad``), so nothing outside the pass ever meets one.
"""

from __future__ import annotations

import numpy as np

from dlcore.kernels.cpu.elementwise import _QUIET
from dlcore.registry import AVal

_quiet, _loud, _IGNORE = _QUIET
_tuple_new = tuple.__new__


class SliceGrad:
    """``zeros(shape, dtype)`` with each ``g`` of ``pieces`` added at its index ``nidx`` (a
    NumPy basic index ending in ``...``, so an all-integer index still names a view)."""

    __slots__ = ("dtype", "pieces", "shape")

    def __init__(self, shape: tuple, dtype, nidx: tuple, g: np.ndarray) -> None:
        self.shape = shape
        self.dtype = dtype
        self.pieces = [(nidx, g)]

    def __dlcore_aval__(self) -> AVal:
        return _tuple_new(AVal, (self.shape, self.dtype))

    def join(self, other: SliceGrad) -> SliceGrad:
        """``self + other``, both of one shape and dtype: ``self`` (which only the pass holds)
        takes ``other``'s pieces after its own."""
        self.pieces.extend(other.pieces)
        return self

    def dense(self) -> np.ndarray:
        out = np.zeros(self.shape, self.dtype)
        pieces = self.pieces
        nidx, g = pieces[0]
        out[nidx] = g
        if len(pieces) > 1:
            token = _quiet(_IGNORE)          # (inf + -inf: NaN without a NumPy warning)
            try:
                for nidx, g in pieces[1:]:
                    v = out[nidx]
                    v += g
            finally:
                _loud(token)
        return out
