"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.inplace` (imported on first use): one
optimizer step per parameter, written into the parameter's and its state's device arrays.
Flat C-contiguous arrays of ``n`` elements, one thread per element, grid-stride loops; the
scalars arrive in the parameter's dtype, so float32 parameters compute in float32 as the
tensor operations of the general path do."""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit(cache=True)
def sgd(p, g, b, n, wd, mom, damp, neg_lr, nesterov, maximize, first):
    """PyTorch's SGD (``dlcore_eager/optim/sgd.py``): ``b`` the momentum buffer (unread
    without momentum), ``damp`` is ``1 - dampening``."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, n, step):
        d = g[i]
        if maximize:
            d = -d
        if wd != 0:
            d = d + wd * p[i]
        if mom != 0:
            if first:
                bi = d
            else:
                bi = b[i] * mom + d * damp
            b[i] = bi
            if nesterov:
                d = d + mom * bi
            else:
                d = bi
        p[i] = p[i] + neg_lr * d


@cuda.jit(cache=True)
def adam(p, g, m, v, vmax, n, l2, b1, omb1, b2, omb2, bc2_sqrt, eps, step_size, decay,
         amsgrad, maximize):
    """PyTorch's Adam/AdamW (``dlcore_eager/optim/adam.py``): ``l2`` Adam's weight decay
    (0 for AdamW), ``decay`` AdamW's ``1 - lr * wd`` (1 for Adam), ``step_size`` is
    ``lr / (1 - beta1^t)``; ``vmax`` unread without amsgrad."""
    start = cuda.grid(1)
    stride = cuda.gridsize(1)
    for i in range(start, n, stride):
        d = g[i]
        if maximize:
            d = -d
        pi = p[i]
        if l2 != 0:
            d = d + l2 * pi
        mi = m[i] * b1 + d * omb1
        vi = v[i] * b2 + d * d * omb2
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vm = vmax[i]
            if math.isnan(vm) or vm > vi:
                vi = vm
            vmax[i] = vi
        denom = math.sqrt(vi) / bc2_sqrt + eps
        if decay != 1:
            pi = pi * decay
        p[i] = pi - step_size * (mi / denom)
