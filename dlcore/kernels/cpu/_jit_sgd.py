"""One Numba pass of PyTorch's SGD update on float32 buffers, rounded as PyTorch's CPU loops
round it (imported on first use by ``dlcore_eager.optim.sgd``)::

    g = -grad (maximize) or grad
    g = g + wd * p                     torch.add(g, p, alpha=wd): a fused multiply-add
    b = g (first step)  or  b = fl(mom * b) + (1 - dampening) * g      (FMA)
    g = g + mom * b (nesterov: FMA)  or  g = b
    p = p + (-lr) * g                  FMA

Each ``a + c * b`` is one rounding to float32 with ``c`` a float32, as ``torch.add(a, b,
alpha=c)``'s vectorised fused multiply-add: the product of two float32 values is exact in
float64, so the float64 sum cast to float32 rounds as the FMA does (but for a double-rounding
tie, about one sum in 2^29).  One pass, no temporaries: the tensor operations it replaces made
four passes and three temporaries per parameter."""

from __future__ import annotations

import numpy as np
from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def sgd_step32(p, g, b, wd, mom, damp1, neg_lr, nesterov, maximize, first):
    """Update the flat float32 arrays ``p`` and (when ``mom`` != 0) ``b`` in place from the
    gradient ``g``; ``wd``, ``mom``, ``damp1`` (1 - dampening) and ``neg_lr`` are the float32
    factors as float64 numbers."""
    mom32 = np.float32(mom)
    for k in range(p.size):
        gk = -g[k] if maximize else g[k]
        if wd != 0.0:
            gk = np.float32(np.float64(gk) + wd * np.float64(p[k]))
        if mom != 0.0:
            if first:
                bk = gk
            else:
                bk = np.float32(b[k] * mom32)
                bk = np.float32(np.float64(bk) + damp1 * np.float64(gk))
            b[k] = bk
            if nesterov:
                gk = np.float32(np.float64(gk) + mom * np.float64(bk))
            else:
                gk = bk
        p[k] = np.float32(np.float64(p[k]) + neg_lr * np.float64(gk))
