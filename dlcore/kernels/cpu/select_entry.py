"""The CPU kernel entry of ``where`` (TensorFlow's Select, ``torch.where``): NumPy's ``where``
for small arrays.

A select computes nothing: each output element is a copy of one input element, so NumPy's
``np.where(c, a, b)`` gives the generated loop's values bit for bit (NaN payloads and the sign
of zero included) whenever ``c`` is a boolean array and ``a`` and ``b`` are arrays of one
dtype (the primitive's output dtype, ``b``'s; ``where`` promotes its operands before it binds).
Its C loop costs a fraction of the generated kernel's general path, which every broadcast
select takes (the layout plan's lookup, strided views, the Numba call): 1 thread, CPU time,
medians of 20 x 200 calls, us, kernel -> NumPy: (60, 1) ? (1, 32) : (60, 32) float32 20.5 ->
5.2 (a TensorArray write inside a while_loop, issue 19's tree net), 0-d int64 4.9 -> 1.4 (the
loop's index wrap), (16, 64) with a (16, 1) mask 20.5 -> ~5 (``dynamic_rnn``'s
``sequence_length`` masks).  The interpreted plans (``Session(passes=())``) run five to eight
of these per loop iteration on those rows.  From PARALLEL_THRESHOLD elements on, and for
other operands, the generated kernel runs as before.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .runtime import PARALLEL_THRESHOLD

_BOOL = np.dtype(np.bool_)


def select_entry(kern) -> Callable:
    """``entry(c, a, b, **params)``: ``np.where`` for a boolean array ``c`` and arrays ``a``,
    ``b`` of one dtype, each of fewer than PARALLEL_THRESHOLD elements; ``kern`` (the
    generated kernel object) otherwise."""
    ndarray, where = np.ndarray, np.where
    limit = PARALLEL_THRESHOLD

    def entry(c, a, b, **params):
        if type(c) is ndarray and type(a) is ndarray and type(b) is ndarray and \
                c.dtype is _BOOL and a.dtype is b.dtype and not params and \
                c.size < limit and a.size < limit and b.size < limit:
            try:
                return where(c, a, b)
            except ValueError:            # shapes that do not broadcast: the kernel's error
                pass
        return kern(c, a, b, **params)

    entry.__name__ = kern.__name__
    entry.__doc__ = (f"CPU kernel of '{kern.name}': y = {kern.expr} (NumPy's where below "
                     f"{PARALLEL_THRESHOLD} elements)")
    entry.module = kern.module                  # type: ignore[attr-defined]
    entry.kernel = kern                         # type: ignore[attr-defined]
    entry.into = kern.into                      # type: ignore[attr-defined]
    return entry
