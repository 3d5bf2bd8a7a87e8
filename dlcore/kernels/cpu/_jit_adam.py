"""One Numba pass of the host Adam/AdamW update (``dlcore_eager.optim.adam.Adam._update_host``
and its float operations, in their order, each rounded to the parameter's dtype: the same
bits), imported on first use.  Two-dimensional views of any layout (a weight's gradient and
moments are often the transpose of its C-ordered buffer), so one signature per dtype, compiled
on import and cached::

    d = -g (maximize) or g;   d = d + l2 * p          (Adam's weight decay; l2 = 0 for AdamW)
    m = m * b1 + d * (1 - b1);   v = v * b2 + (d * d) * (1 - b2)
    v = max(vmax, v) (amsgrad, NaN kept)
    p = p * decay - step_size * (m / (sqrt(v) / bc2_sqrt + eps))       (decay: AdamW's)

The scalars are Python floats that the signature rounds to the parameter's dtype (NumPy rounds
a Python float that meets a float32 array the same way).  A step of a small MLP's six
parameters took 94 us through the thirteen NumPy calls a parameter, 40-67 us through this
(PyTorch's CPU Adam 164-215 us, the same run)."""

from __future__ import annotations

import math

from numba import boolean, float32, float64, njit, void

from .runtime import configure_threads

configure_threads()


def _signature(f):
    a = f[:, :]
    return void(a, a, a, a, a, f, f, f, f, f, f, f, f, f, boolean, boolean)


@njit([_signature(float32), _signature(float64)], cache=True, nogil=True)
def adam2d(p, g, m, v, vmax, l2, b1, omb1, b2, omb2, bc2_sqrt, eps, step_size, decay,
           amsgrad, maximize):
    """The update above of the 2-D arrays ``p``, ``m``, ``v`` (and ``vmax`` with amsgrad;
    unread otherwise) in place, from the gradient ``g``."""
    rows, cols = p.shape
    for i in range(rows):
        for j in range(cols):
            d = g[i, j]
            if maximize:
                d = -d
            pi = p[i, j]
            if l2 != 0:
                d = d + l2 * pi
            mi = m[i, j] * b1 + d * omb1
            vi = v[i, j] * b2 + d * d * omb2
            m[i, j] = mi
            v[i, j] = vi
            if amsgrad:
                vm = vmax[i, j]
                if math.isnan(vm) or vm > vi:
                    vi = vm
                vmax[i, j] = vi
            denom = p.dtype.type(math.sqrt(vi)) / bc2_sqrt + eps
            if decay != 1:
                pi = pi * decay
            p[i, j] = pi - step_size * (mi / denom)
