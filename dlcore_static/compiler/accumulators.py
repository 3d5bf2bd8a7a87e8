"""Row writes into a loop's accumulators, done in place by the loop instead of by its body.

``tf.scan``, ``tf.map_fn`` and ``dynamic_rnn`` collect each step's output in a loop variable of
shape (T, ...): ``acc = acc + scatter_add(out[None], t[None], acc)`` (``functional_ops.write``).
Run as written, every iteration allocates a zero (T, ...) array, writes one row and adds the
whole array to ``acc``: three passes over T rows per step, so O(T^2) memory traffic per loop
(at T=100, 32x64 floats per row: 0.24 ms of a 0.5 ms LSTM step).  The gradient of reading
row ``t`` of a captured (T, ...) input (``take``) has the same shape, ``scatter_add(g, t, x)``,
summed over the iterations into the capture's gradient.

TensorFlow writes into a ``TensorArray`` in place.  Here the compiled loop (``control.py``)
does: when a loop variable is only ever used by such an update (its other readers: none; the
gradient does not read it), the body's program returns the row values and indices
(``find_updates``), and the loop adds them into a buffer it owns (``scatter_into``), after the
body's program has returned (so a body that fails and is re-run step by step to name the
failing node cannot add a row twice).  The buffer starts as a copy of the initial value; the
loop's result is that buffer.  The same for a WhileGrad's sums of captured gradients.
"""

from __future__ import annotations

import numpy as np

from ..graph import Operation, Tensor
from ..runtime import wrap_error

_rows_kernel = None


def _scatter_kind(t: Tensor, ctx) -> Operation | None:
    op = t.op
    if op._ctx is ctx and op.prim is not None and op.prim.name == "scatter_add" and \
            not op.control_inputs:
        return op
    return None


def find_updates(lvars: list, outs: list, ctx, ops: list, excluded: set) -> dict:
    """``{j: scatter_add op}`` for the loop variables ``lvars[j]`` whose new value ``outs[j]``
    is ``lvars[j] + scatter_add(v, i, ref)`` and which nothing else of the loop (``ops``: the
    body's and cond's ops) reads; ``excluded``: tensors that must stay values (the saved
    tensors of a history)."""
    readers: dict = {}
    for op in ops:
        for t in op.inputs:
            readers.setdefault(t, set()).add(op)
    found = {}
    for j, (lv, out) in enumerate(zip(lvars, outs)):
        op = out.op
        if lv in excluded or out in excluded or op._ctx is not ctx or op.prim is None or \
                op.prim.name != "add" or op.control_inputs:
            continue
        a, b = op.inputs
        other = b if a is lv else (a if b is lv else None)
        sop = None if other is None else _scatter_kind(other, ctx)
        if sop is None or other in excluded:
            continue
        v, i, ref = sop.inputs
        if v is lv or i is lv or tuple(ref.aval.shape) != tuple(lv.aval.shape) or \
                not lv.aval.fully_defined or v.aval.dtype != lv.aval.dtype:
            continue
        if readers.get(lv, set()) - {op, sop} or readers.get(out):
            continue
        found[j] = sop
    return found


def gradient_updates(gouts: list, ctx) -> dict:
    """``{k: scatter_add op}`` for the gradient outputs that are one ``scatter_add`` (the
    gradient of reading one row of a capture): their sum over iterations is made in place."""
    found = {}
    for k, g in enumerate(gouts):
        sop = _scatter_kind(g, ctx)
        if sop is not None and sop.inputs[0].aval.dtype == g.aval.dtype:
            found[k] = sop
    return found


def owned_copy(x) -> np.ndarray:
    """A C-contiguous copy of ``x`` that the loop may write into."""
    return np.array(x, copy=True, order="C")


def scatter_into(acc: np.ndarray, v, i, op: Operation) -> None:
    """``acc[i[j]] += v[j]`` in place (``acc`` owned by the loop); an index out of range raises
    the executor error naming ``op`` (the scatter_add of the graph)."""
    global _rows_kernel
    if _rows_kernel is None:
        from ._jit_rows import add_rows_checked
        _rows_kernel = add_rows_checked
    i = np.asarray(i)
    n = acc.shape[0]
    m = i.size
    rows = acc.size // n if n else 0
    bad = _rows_kernel(np.ascontiguousarray(v).reshape(m, rows),
                       i.reshape(m).astype(np.int64, copy=False), acc.reshape(n, rows))
    if bad != -1:
        raise wrap_error(IndexError(f"index {bad} is out of bounds for dimension 0 with size "
                                    f"{n}"), op)
