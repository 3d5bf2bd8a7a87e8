"""TensorFlow 1's run-time checks of gather/scatter indices and integer divisors (CPU kernels;
``checked_divisor``: an integer ``//``/``floormod`` by zero is 'Integer division by zero'),
where dlcore's shared kernels answer as PyTorch/NumPy.  ``tf.gather``,
``tf.nn.embedding_lookup`` and ``tf.scatter_nd`` refuse an index outside ``[0, n)`` with an
``InvalidArgumentError``, negative ones included::

    indices[1] = -1 is not in [0, 5)                     (GatherV2, embedding_lookup)
    indices[0] = [-1] does not index into shape [5]      (ScatterNd)

dlcore's ``take``/``scatter_add`` kernels are shared with the eager front end, where a negative
index counts from the end (PyTorch's ``x[idx]``), so the static bindings put a ``CheckIndices``
node in front of them: it reads the index values (and, for a dimension unknown at build time,
the shape of ``params``), raises TensorFlow's error, and returns the indices themselves (no copy).
It has no gradient (indices have none).  On a GPU the indices are copied to the host for the
check (indices are small next to the rows they pick).

The compiler emits the checks inside its segments and loops (``emit_index.check_indices``).
Cost, measured on a compiled plan (``passes='all'``: embedding_lookup of 64 int32 ids in a
1000x32 table, tanh, matmul, sum and the gradient; 1 thread, CPU time, interleaved, best 3 of
7): 84.3-86.1 us per run without the check, 84.7-89.2 us with it compiled (91-93 us when it
ran as a Python step between segments); 2 us for the interpreter's step.
"""

from __future__ import annotations

import numpy as np

from dlcore.device import to_host
from dlcore.registry import AVal

from . import plan as _plan
from .errors import InvalidArgumentError, node_suffix
from .graph import Operation, Tensor, get_default_graph


def _first_bad_loop(v, n):
    """The flat position of the first index outside [0, n), or -1 (one pass, no temporaries:
    1.0 us for 64 int32 indices, against 6.3 us for NumPy's v.min() and v.max())."""
    for k in range(v.size):
        x = v[k]
        if x < 0 or x >= n:
            return k
    return -1


_COMPILED: list = []


def _first_bad(v, n):
    """:func:`_first_bad_loop` compiled by Numba on the first check (importing either front
    end loads no Numba: tests/core/test_cold_start.py)."""
    if not _COMPILED:
        from numba import njit
        _COMPILED.append(njit(cache=True, nogil=True)(_first_bad_loop))
    return _COMPILED[0](v, n)


def _where(shape: tuple, flat_pos: int) -> str:
    if len(shape) <= 1:
        return str(flat_pos)
    return ",".join(str(int(c)) for c in np.unravel_index(flat_pos, shape))


def checked_gather_indices(indices: Tensor, params: Tensor, axis: int, name: str) -> Tensor:
    """``indices`` after a run-time check that each is in ``[0, params.shape[axis])``."""
    n = params.aval.shape[axis]
    from .frontend import constant_value
    c = constant_value(indices)
    if n is not None and c is not None and (np.size(c) == 0 or (
            np.min(c) >= 0 and np.max(c) < n)):
        return indices                      # (constant indices in range: nothing to check)
    inputs = [indices] if n is not None else [indices, params]
    g = get_default_graph()
    op = Operation(g, "CheckIndices", g.unique_name(name), inputs,
                   [AVal(indices.aval.shape, indices.aval.dtype)], attrs={"n": n, "axis": axis})
    return op.outputs[0]


def checked_scatter_indices(indices: Tensor, dims: tuple, name: str) -> Tensor:
    """``indices`` (coordinates in the last axis) after a run-time check against ``dims``."""
    g = get_default_graph()
    op = Operation(g, "CheckScatterIndices", g.unique_name(name), [indices],
                   [AVal(indices.aval.shape, indices.aval.dtype)],
                   attrs={"dims": tuple(int(d) for d in dims)})
    return op.outputs[0]


def _gather_factory(op: Operation, session, device, *_):
    on_host = device.type == "cpu"
    fixed, axis = op.attrs["n"], op.attrs["axis"]

    def run(i, p=None):
        v = np.asarray(i) if on_host else to_host(i)
        n = fixed if fixed is not None else int(p.shape[axis])
        flat = v.reshape(-1)
        pos = _first_bad(flat, n) if flat.size else -1
        if pos >= 0:
            raise InvalidArgumentError(
                None, op, f"indices[{_where(v.shape, pos)}] = {flat[pos]} is not in "
                f"[0, {n}){node_suffix(op)}")
        return i
    return run, {}


def _scatter_factory(op: Operation, session, device, *_):
    on_host = device.type == "cpu"
    dims = np.asarray(op.attrs["dims"], np.int64)

    def run(i):
        v = np.asarray(i) if on_host else to_host(i)
        if v.size:
            coords = v.reshape(-1, v.shape[-1]) if v.ndim else v.reshape(1, 1)
            bad = ((coords < 0) | (coords >= dims)).any(axis=1)
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                text = ", ".join(str(int(c)) for c in coords[r])
                where = _where(v.shape[:-1], r) if v.ndim > 1 else "0"
                shape = ", ".join(str(int(d)) for d in dims)
                raise InvalidArgumentError(
                    None, op, f"indices[{where}] = [{text}] does not index into shape "
                    f"[{shape}]{node_suffix(op)}")
        return i
    return run, {}


def checked_divisor(y: Tensor, name: str) -> Tensor:
    """``y`` after TensorFlow's run-time refusal of an integer division by zero (FloorDiv,
    FloorMod, TruncateMod on integers: InvalidArgumentError 'Integer division by zero', where
    dlcore's kernels give 0, as NumPy's).  A constant divisor without zeros is not checked."""
    from .frontend import constant_value
    c = constant_value(y)
    if c is not None and np.all(np.asarray(c) != 0):
        return y
    g = get_default_graph()
    op = Operation(g, "CheckDivisor", g.unique_name(name), [y],
                   [AVal(y.aval.shape, y.aval.dtype)])
    return op.outputs[0]


def _divisor_factory(op: Operation, session, device, *_):
    on_host = device.type == "cpu"

    def run(y):
        v = np.asarray(y) if on_host else to_host(y)
        if not v.all():
            raise InvalidArgumentError(None, op, f"Integer division by zero{node_suffix(op)}")
        return y
    return run, {}


_plan.EXECUTORS["CheckDivisor"] = _divisor_factory
_plan.EXECUTORS["CheckIndices"] = _gather_factory
_plan.EXECUTORS["CheckScatterIndices"] = _scatter_factory
