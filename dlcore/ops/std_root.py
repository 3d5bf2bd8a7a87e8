"""``std_root``: the square root that ends a standard deviation (PyTorch's ``std``,
``std_mean``), whose gradient is ``sqrt``'s except where the deviation is 0: there PyTorch's
``std_backward`` masks it to 0 (``grad / (2 std)`` then ``masked_fill(std == 0, 0)``), where
``sqrt``'s ``g / (2 y)`` times the variance's zero gradient made NaN (the std of a constant
row poisoned every gradient behind it)::

    std_root(v)    y = sqrt(v)                    (v >= 0; NaN below, as sqrt)
                   dv = 0 where y == 0, else g / (2 y)

TensorFlow's ``reduce_std`` keeps ``sqrt`` (its gradient at 0 is TensorFlow's NaN)."""

from __future__ import annotations

import numpy as np

from ._fastpath import _plain
from .elementwise import _unary, div, equal, mul, where


def _np_root(v):
    with np.errstate(invalid="ignore"):
        return np.sqrt(v)


def _root_vjp(g, y, v):
    if _plain(g, y) and g.shape == y.shape:
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.true_divide(g, np.multiply(y, 2.0))
        return (np.where(y == 0, g.dtype.type(0), d),)
    return (where(equal(y, 0.0), 0.0, div(g, mul(y, 2.0))),)


std_root_p = _unary(
    "std_root", "math.sqrt({0}) if {0} >= 0 else math.nan", _np_root, _root_vjp,
    "y = sqrt(v) (a standard deviation from its variance);  dv = 0 where y == 0, else "
    "g / (2 y) (PyTorch's std_backward)")
