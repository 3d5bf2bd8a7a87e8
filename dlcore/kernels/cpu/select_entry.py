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
of these per loop iteration on those rows.  Above WHERE_MAX elements, and for other operands,
the generated kernel runs as before: NumPy's where branches per element once an operand
exceeds its 8192-element buffer, so a random mask costs it about 2.5 ns an element (issue
19's control-flow step: the (64, 128) relu mask of ``clamp(min=0)``'s gradient, 1 thread, us,
NumPy -> kernel: 22.5 -> 3.2; (1000, 100): 346 -> 10.4), where the kernel's branch-free select
stays at 2.3-3.2 us up to 8192 elements; at 4096, 3.8 against 2.8 (same shapes) and 4.3
against 8.4 (a (64, 1) column broadcast).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .runtime import PARALLEL_THRESHOLD

_BOOL = np.dtype(np.bool_)

#: the largest operand NumPy's where takes (more: the generated kernel, see above)
WHERE_MAX = min(4096, PARALLEL_THRESHOLD - 1)


def select_entry(kern) -> Callable:
    """``entry(c, a, b, **params)``: ``np.where`` for a boolean array ``c`` and arrays ``a``,
    ``b`` of one dtype, each of at most WHERE_MAX elements; ``kern`` (the generated kernel
    object) otherwise."""
    ndarray, where = np.ndarray, np.where
    limit = WHERE_MAX

    def entry(c, a, b, **params):
        if type(c) is ndarray and type(a) is ndarray and type(b) is ndarray and \
                c.dtype is _BOOL and a.dtype is b.dtype and not params and \
                c.size <= limit and a.size <= limit and b.size <= limit:
            try:
                return where(c, a, b)
            except ValueError:            # shapes that do not broadcast: the kernel's error
                pass
        return kern(c, a, b, **params)

    entry.__name__ = kern.__name__
    entry.__doc__ = (f"CPU kernel of '{kern.name}': y = {kern.expr} (NumPy's where up to "
                     f"{WHERE_MAX} elements)")
    entry.module = kern.module                  # type: ignore[attr-defined]
    entry.kernel = kern                         # type: ignore[attr-defined]
    entry.into = kern.into                      # type: ignore[attr-defined]
    return entry
