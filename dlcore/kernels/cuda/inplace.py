"""CUDA updates written into existing device arrays (issue 19: a training step on a GPU that
allocates nothing for its weights and optimizer state).

On a GPU every new device array is an allocation the step waits for, and a result computed
out of place then copied into a weight is a second pass over memory.  These helpers launch one
kernel that writes where the value lives:

* :func:`fill`: ``x.zero_()`` / ``x.fill_(v)`` of a C-contiguous device array;
* :func:`sgd_step`, :func:`adam_step`: one optimizer step of one parameter, the parameter and
  its state (momentum buffer; Adam's moments) updated in place, the arithmetic of
  ``dlcore_eager.optim``'s general path in the same order (``_kernels_optim``);
* binary elementwise ``x (op)= y`` is the elementwise kernel's ``into``
  (:mod:`.elementwise`).

Each takes flat C-contiguous device arrays of one dtype and shape (:func:`flat_same` checks
it); the callers fall back to their tensor operations otherwise.
"""

from __future__ import annotations

import numpy as np

from . import _support as S


def flat_same(*arrays) -> bool:
    """Are these device arrays C-contiguous, of one shape and one float dtype (float32 or
    float64), with at least one element?"""
    a0 = arrays[0]
    if isinstance(a0, np.ndarray) or not hasattr(a0, "copy_to_host") or \
            a0.dtype not in (np.float32, np.float64):
        return False
    shape, dt = tuple(a0.shape), a0.dtype
    for a in arrays:
        if isinstance(a, np.ndarray) or not hasattr(a, "is_c_contiguous") or \
                tuple(a.shape) != shape or a.dtype != dt or not a.is_c_contiguous():
            return False
    return S.size_of(shape) > 0


def _flat(a):
    n = S.size_of(a.shape)
    return a if tuple(a.shape) == (n,) else a.reshape((n,))


def fill(out, value) -> None:
    """``out[...] = value`` in place (a C-contiguous device array)."""
    n = S.size_of(out.shape)
    if n:
        from ._kernels import fill as kernel
        blocks, threads = S.launch_1d(n)
        S.fast(kernel)[blocks, threads](_flat(out), out.dtype.type(value), n)


def sgd_step(p, g, buf, *, lr: float, momentum: float, dampening: float,
             weight_decay: float, nesterov: bool, maximize: bool, first: bool) -> None:
    """One SGD step into ``p`` and its momentum buffer ``buf`` (``None`` without momentum)."""
    from ._kernels_optim import sgd
    n = S.size_of(p.shape)
    t = p.dtype.type
    blocks, threads = S.launch_1d(n)
    sgd[blocks, threads](_flat(p), _flat(g), _flat(buf if buf is not None else p), n,
                         t(weight_decay), t(momentum), t(1 - dampening), t(-lr),
                         bool(nesterov), bool(maximize), bool(first))


def adam_step(p, g, m, v, vmax, *, step_size: float, beta1: float, beta2: float,
              bc2_sqrt: float, eps: float, l2: float, decay: float, maximize: bool) -> None:
    """One Adam/AdamW step into ``p`` and its moments ``m``, ``v`` (and ``vmax`` with
    amsgrad; ``None`` without)."""
    from ._kernels_optim import adam
    n = S.size_of(p.shape)
    t = p.dtype.type
    blocks, threads = S.launch_1d(n)
    adam[blocks, threads](_flat(p), _flat(g), _flat(m), _flat(v),
                          _flat(vmax if vmax is not None else v), n, t(l2), t(beta1),
                          t(1 - beta1), t(beta2), t(1 - beta2), t(bc2_sqrt), t(eps),
                          t(step_size), t(decay), vmax is not None, bool(maximize))
