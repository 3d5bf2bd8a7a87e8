"""BatchNorm's running statistics in training mode (``F.batch_norm`` in
:mod:`dlcore_eager.nn.functional_conv`, the batch count in :mod:`.normalization`)::

    running = (1 - momentum) running + momentum batch      (the variance unbiased: n / (n - 1))

in place and outside autograd, both statistics or neither, as PyTorch's one kernel.  On host
buffers that own their memory (``own_host_buffer``) the new values are written straight in and
the versions bumped, without the dispatch of copy_ and add_ (a (4, 16, 8, 8) BatchNorm2d call
119.5 -> 87 us, the small ResNet's eager step 0.80x -> 0.67x PyTorch's)."""

from __future__ import annotations

import numpy as np

from dlcore.deferred_interrupt import deferred_interrupt

from .. import _tensor_ops as O
from .._state import STATE
from ..tensor import Tensor


def update_running(running_mean, running_var, mean, var, momentum, n) -> None:
    """running = (1 - momentum) running + momentum batch (the unbiased variance), in place and
    outside autograd, as PyTorch.  The statistics are read through detach() (after any
    reshape) so ONNX export with dynamic axes still refuses training-mode batch norm."""
    prev, STATE.enabled = STATE.enabled, False
    try:
        m = momentum
        new_mean = O.add_(O.mul_(running_mean, 1 - m), O.mul_(mean.detach(), m))
        new_var = O.add_(O.mul_(running_var, 1 - m), O.mul_(O.mul_(var.detach(), n / (n - 1)), m))
        with deferred_interrupt():      # both statistics or neither (torch: one kernel)
            running_mean.copy_(new_mean)
            running_var.copy_(new_var)
    finally:
        STATE.enabled = prev


def own_host_buffer(t) -> bool:
    """``t`` is a plain host buffer tensor (a module's running statistics, its batch count): a
    writable NumPy array of its own (no view of or by another tensor), not recorded, of an
    ordinary version counter, so an in-place update may write it and bump its version without
    the dispatch of an in-place op."""
    b = t._buf
    return (type(b) is np.ndarray and not t._rg and type(t._vc) is list and len(t._vc) == 1
            and b.flags.writeable and getattr(t, "_view", None) is None)


def update_running_host(running_mean, running_var, st, momentum, n) -> bool:
    """:func:`update_running` on host buffers of one dtype, in NumPy: its operations, scalars
    and rounding (bit-equal on 800 float32/float64 cases) without the dispatch of its eight ops
    (101 -> 34 us of a (8,32,8,8) BatchNorm2d's 600); False (nothing done) otherwise."""
    rm, rv = running_mean._buf, running_var._buf
    if type(st) is not np.ndarray or type(rm) is not np.ndarray or \
            type(rv) is not np.ndarray or rm.dtype != st.dtype or rv.dtype != st.dtype:
        return False
    new_mean = rm * (1 - momentum) + st[0] * momentum
    new_var = rv * (1 - momentum) + (st[1] * (n / (n - 1))) * momentum
    if own_host_buffer(running_mean) and own_host_buffer(running_var):
        # (buffers that own their memory, no view, history or inference version: copy_'s
        # write and version bump without its dispatch, 30 -> 9 us)
        with deferred_interrupt():      # both statistics or neither (torch: one kernel)
            rm[...] = new_mean
            rv[...] = new_var
            running_mean._vc[0] += 1
            running_var._vc[0] += 1
        return True
    prev, STATE.enabled = STATE.enabled, False
    try:
        with deferred_interrupt():      # both statistics or neither (torch: one kernel)
            running_mean.copy_(Tensor._wrap(new_mean))
            running_var.copy_(Tensor._wrap(new_var))
    finally:
        STATE.enabled = prev
    return True
