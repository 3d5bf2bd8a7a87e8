"""``tf.slice`` with ``begin``/``size`` known only at run time: TensorFlow 1's run-time checks
(``SharedSliceValidation`` in slice_op.cc), where a Python slice would clamp silently::

    Expected begin[1] in [0, 4], but got -1
    Expected size[1] in [0, 4], but got 6          (size -1: to the end of the dimension)

A ``CheckSlice`` node reads the input's shape and the run-time entries and returns the int64
vector ``[begin_0 .. begin_{n-1}, stop_0 .. stop_{n-1}]`` the slice is taken with (no
gradient: integers)."""

from __future__ import annotations

import numpy as np

from dlcore.device import to_host
from dlcore.registry import AVal

from . import plan as _plan
from .errors import InvalidArgumentError, node_suffix
from .graph import Operation, Tensor, get_default_graph


def checked_bounds(x: Tensor, begin: list, size: list, name: str) -> Tensor:
    """The ``[begins..., stops...]`` vector of ``x[b:b+s, ...]`` after TF's checks; ``begin``
    and ``size`` hold, per dimension, a Python int or a scalar integer tensor."""
    g = get_default_graph()
    ins = [x] + [e for e in list(begin) + list(size) if isinstance(e, Tensor)]
    spec = tuple(None if isinstance(e, Tensor) else int(e) for e in list(begin) + list(size))
    op = Operation(g, "CheckSlice", g.unique_name(name), ins,
                   [AVal((2 * len(begin),), np.dtype(np.int64))], attrs={"spec": spec})
    return op.outputs[0]


def _check_slice_factory(op: Operation, session, device, *_):
    spec = op.attrs["spec"]
    nd = len(spec) // 2

    def run(x, *vals):
        it = iter(vals)
        got = [int(np.asarray(to_host(next(it)))) if s is None else s for s in spec]
        out = np.empty(2 * nd, np.int64)
        for i in range(nd):
            n = int(x.shape[i])
            b, s = got[i], got[nd + i]
            if not 0 <= b <= n:
                raise InvalidArgumentError(
                    None, op, f"Expected begin[{i}] in [0, {n}], but got {b}{node_suffix(op)}")
            if s == -1:
                s = n - b
            if not (0 <= s and b + s <= n):
                raise InvalidArgumentError(
                    None, op, f"Expected size[{i}] in [0, {n - b}], but got {s}{node_suffix(op)}")
            out[i], out[nd + i] = b, b + s
        return out
    return run, {}


_plan.EXECUTORS["CheckSlice"] = _check_slice_factory
