"""The sparse softmax cross-entropy and its gradient inside a compiled segment (issue 19).

``sparse_softmax_xent_grad(g, x, k)`` (the vjp of ``tf.nn.sparse_softmax_cross_entropy_with_logits``)
ran in the glue as its executor (``kernels.cpu.softmax.sparse_xent_grad``: argument checks,
then the Numba row loop ``_jit_xent.xent_grad_rows``), between two segments: a classifier's
step (the digits workload: logits (32, 10)) paid the executor's Python, a segment call more,
and the boxing of the logits and of the gradient across the cut.  Written into the segment,
the segment calls the same row loop on the same operands (hence the same bits): C-contiguous
(rows, C) float32 or float64 logits, int64 labels of shape (rows,), a cotangent ``g`` of
shape (rows,) and the logits' dtype; anything else stays in the glue (``Unsupported``).

A label outside ``[0, C)`` makes the row loop stop and report the row; the segment then
raises, and the runner re-runs the plan's steps one by one (``runner.py``), so the error is
the executor's ``IndexError`` naming the label (nothing the failed attempt staged is kept).

The loss itself (``sparse_softmax_xent``: ``xent_rows``) is written into a segment too, on the
same operands.  When a segment holds both the loss and its gradient of the same logits and
labels (a training step: the loss fetched, its gradient for the update), the first of the two
to be written emits one call of ``xent_loss_grad_rows`` for both, provided the gradient's
cotangent is already named there (a constant, an argument, or computed before): one pass of
exponentials per row instead of two, the same bits as the two loops (both sum the stored
exponentials, ``_jit_xent``).  The other node then emits nothing.  Issue 19's LSTM language
model step (logits (200, 2000)): the loss ran in the glue as its executor after the gradient's
segment, a second ~360 us pass over the logits.

A classifier head's bias add, ``logits = a + b`` with ``b`` a (C,) vector broadcast over the
rows, written in the same segment only for the cross-entropy nodes, is not written as its own
loop (``defer_bias_add``, called by ``Emitter.loop``): the fused call then reads ``a`` and ``b``
(``xent_loss_grad_rows_bias``, each row's sum made in a scratch row, rounded as the add's loop
rounds it), and when the segment also sums the gradient over its rows (the bias's gradient,
``sum``/``sum_to`` to (C,) or (1, C)) that sum is made in the same pass, in the same order, so
the same bits.  Any other use of the logits writes them first (``_materialize``).  Issue 19's
PTB-small language model (logits (700, 10000) float32, one thread): the add's pass over the
logits and the gradient's column sum took 2.3 and 1.4 ms of the xent segment's ~11.

Caching: Numba links the row loop's code into the segment's cached machine code, keyed on the
segment's own file, so the segment's text names a hash of ``_jit_xent.py``,
``_jit_exp_rows.py`` and ``_fast32.py`` (``import_line``): an edit of the row loop changes
the segment's file rather than loading the old code.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np

from .ir import node_reads

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_I64 = np.dtype(np.int64)

#: Off: a bias add before the cross-entropy is its own loop (for measuring side by side).
FOLD_BIAS = True


def _dtype_of(x):
    """The logits' dtype when the row loops take ``x`` as it is (2-D, float32/float64, every
    dimension positive), else None."""
    xs = tuple(x.aval.shape)
    dt = np.dtype(x.aval.dtype)
    if len(xs) != 2 or dt not in _FLOATS or not all(int(d) > 0 for d in xs):
        return None
    return dt


def _labels_ok(x, k) -> bool:
    return np.dtype(k.aval.dtype) == _I64 and tuple(k.aval.shape) == tuple(x.aval.shape)[:1]


def _grad_ok(n) -> bool:
    """Does gradient node ``n`` take operands the row loop takes as they are?"""
    g, x, k = n.inputs
    dt = _dtype_of(x)
    return dt is not None and _labels_ok(x, k) and np.dtype(g.aval.dtype) == dt and \
        tuple(g.aval.shape) == tuple(x.aval.shape)[:1]


def _bias_operands(em, m):
    """``(a, b)`` of an add member ``m`` = ``a + b`` with ``a`` (rows, C) and ``b`` a (C,) or
    (1, C) vector of the same dtype (or a ``broadcast_to`` of one), both named; else None."""
    if m.kind != "prim" or m.prim.name != "add" or len(m.inputs) != 2 or m.control:
        return None
    xs = tuple(m.avals[0].shape)
    dt = np.dtype(m.avals[0].dtype)
    if len(xs) != 2 or dt not in _FLOATS:
        return None
    for a, b in (m.inputs, m.inputs[::-1]):
        if tuple(a.aval.shape) != xs or np.dtype(a.aval.dtype) != dt or a not in em.names or \
                a in em.literals:
            continue
        src = em._broadcast_source(b) if tuple(b.aval.shape) == xs else b
        if src is None or src in em.literals or src not in em.names or \
                np.dtype(src.aval.dtype) != dt or \
                tuple(src.aval.shape) not in ((xs[1],), (1, xs[1])):
            continue
        return a, src
    return None


def defer_bias_add(em, n, members, outputs) -> bool:
    """Whether the fused node ``n`` is a bias add that the cross-entropy's row loop reads in
    its place (module docstring): one add member, its value used in this segment only, and
    only as the logits of ``sparse_softmax_xent``/``_grad`` nodes.  Records its operands in
    ``em.bias_logits`` (written later by ``_fused_lines``, or by ``_materialize``)."""
    seg = getattr(em, "segment", None)
    if not FOLD_BIAS or not seg or em.depth or len(members) != 1 or len(outputs) != 1 or \
            em.escaping is None or n.out() in em.escaping or n.out() in em.inplace:
        return False
    m = members[0]
    if outputs[0] != m.out():
        return False
    ops = _bias_operands(em, m)
    if ops is None:
        return False
    v, readers = n.out(), 0
    for other in seg:
        if other is n or v not in node_reads(other):
            continue
        if other.kind != "prim" or other.prim.name not in (
                "sparse_softmax_xent", "sparse_softmax_xent_grad") or \
                any(w == v for w in other.inputs[:-2]) or other.inputs[-1] == v:
            return False
        readers += 1
    if not readers:
        return False
    em.bias_logits[v] = ops
    return True


def _materialize(em, x) -> list[str]:
    """The lines that write deferred logits ``x`` (``a + b``, as the add's loop writes them)
    before another use reads them by name; none when they are not deferred or written."""
    ops = em.bias_logits.get(x)
    if ops is None or x in em.names:
        return []
    a, b = ops
    rows, c = (int(d) for d in x.aval.shape)
    dt = np.dtype(x.aval.dtype)
    out, bv = em.fresh("xb"), em.fresh("xbb")
    em.names[x] = out
    em.c_arrays.add(out)
    return [f"{bv} = c_view({em.contiguous(b)}, ({c}, ))",
            f"{out} = c_empty(({rows}, {c}, ), np.{dt.name})",
            f"for i0 in range({rows}):",
            f"    for i1 in range({c}):",
            f"        {out}[i0, i1] = np.{dt.name}({em.name(a)}[i0, i1] + {bv}[i1])"]


def _row_sum_of(em, grad_node):
    """The segment's sum of the gradient over its rows to (C,) or (1, C) (the bias's
    gradient: ``sum`` over axis 0 or ``sum_to``), not yet written; else None."""
    v = grad_node.out()
    rows, c = (int(d) for d in v.aval.shape)
    for m in em.segment:
        if m.kind != "prim" or m.out() in em.names or len(m.inputs) != 1 or m.inputs[0] != v \
                or m.control or np.dtype(m.avals[0].dtype) != np.dtype(v.aval.dtype):
            continue
        shape = tuple(m.avals[0].shape)
        if m.prim.name == "sum_to" and shape in ((c,), (1, c)) and rows != 1:
            return m
        if m.prim.name == "sum" and tuple(m.params.get("axes", ())) == (0,) and \
                shape in ((c,), (1, c)):
            return m
    return None


def _partner(em, n, name: str):
    """The node of primitive ``name`` in the segment being written (``em.segment``) that
    reads the same logits and labels as ``n`` (the loss's gradient for the loss, or the loss
    for its gradient), when it is not written yet and the fused call can be made here: the
    gradient's cotangent already named.  None otherwise (trial emission has no segment)."""
    seg = getattr(em, "segment", None)
    if not seg:
        return None
    x, k = n.inputs[-2], n.inputs[-1]
    for m in seg:
        if m is n or m.kind != "prim" or m.prim.name != name or m.out() in em.names:
            continue
        if m.inputs[-2] != x or m.inputs[-1] != k:
            continue
        grad = m if name == "sparse_softmax_xent_grad" else n
        if _grad_ok(grad) and grad.inputs[0] in em.names:
            return m
    return None


def _fused_lines(em, loss_node, grad_node) -> list[str]:
    g, x, k = grad_node.inputs
    if x in em.bias_logits and x not in em.names:
        return _fused_bias_lines(em, loss_node, grad_node)
    xs = tuple(int(d) for d in x.aval.shape)
    dt = np.dtype(x.aval.dtype)
    loss, grad = em.fresh("xl"), em.fresh("xg")
    gc, xc, kc = (em.fresh(p) for p in ("xgg", "xgx", "xgk"))
    em.names[loss_node.out()] = loss
    em.names[grad_node.out()] = grad
    em.c_arrays.update((loss, grad))
    return [f"{gc} = {em.contiguous(g)}",
            f"{xc} = {em.contiguous(x)}",
            f"{kc} = {em.contiguous(k)}",
            f"{loss} = c_empty(({xs[0]}, ), np.{dt.name})",
            f"{grad} = c_empty(({xs[0]}, {xs[1]}, ), np.{dt.name})",
            f"if xent_loss_grad_rows({gc}, {xc}, {kc}, {loss}, {grad}) >= 0:",
            "    raise IndexError('sparse_softmax_xent: a label outside [0, C)')"]


def _fused_bias_lines(em, loss_node, grad_node) -> list[str]:
    """``_fused_lines`` on deferred logits ``a + b`` (``xent_loss_grad_rows_bias``), with the
    gradient's row sum when the segment makes one (``_row_sum_of``)."""
    g, x, k = grad_node.inputs
    a, b = em.bias_logits[x]
    rows, c = (int(d) for d in x.aval.shape)
    dt = np.dtype(x.aval.dtype)
    loss, grad = em.fresh("xl"), em.fresh("xg")
    gc, ac, bc, kc, cs = (em.fresh(p) for p in ("xgg", "xga", "xgb", "xgk", "xcs"))
    em.names[loss_node.out()] = loss
    em.names[grad_node.out()] = grad
    em.c_arrays.update((loss, grad))
    total = _row_sum_of(em, grad_node)
    lines = [f"{gc} = {em.contiguous(g)}",
             f"{ac} = {em.contiguous(a)}",
             f"{bc} = c_view({em.contiguous(b)}, ({c}, ))",
             f"{kc} = {em.contiguous(k)}",
             f"{loss} = c_empty(({rows}, ), np.{dt.name})",
             f"{grad} = c_empty(({rows}, {c}, ), np.{dt.name})",
             *em.filled(cs, (c if total is not None else 0, ), "0.0", "np.float64"),
             f"if xent_loss_grad_rows_bias({gc}, {ac}, {bc}, {kc}, {loss}, {grad}, {cs}) >= 0:",
             "    raise IndexError('sparse_softmax_xent: a label outside [0, C)')"]
    if total is not None:
        out = em.fresh("r")
        em.names[total.out()] = out
        lines += em.rounded(out, tuple(total.avals[0].shape), cs, f"np.{dt.name}")
    return lines


def xent_lines(em, n) -> list[str] | None:
    """The segment's statements for ``sparse_softmax_xent`` node ``n`` (the loss rows), fused
    with its gradient's when that is in the segment too (``_partner``); None for operands the
    row loop does not take as they are."""
    x, k = n.inputs
    dt = _dtype_of(x)
    if dt is None or not _labels_ok(x, k):
        return None
    if n.out() in em.names:             # written with its gradient already
        return []
    grad = _partner(em, n, "sparse_softmax_xent_grad")
    if grad is not None:
        return _fused_lines(em, n, grad)
    pre = _materialize(em, x)
    out = em.fresh("xl")
    xc, kc = em.fresh("xlx"), em.fresh("xlk")
    em.names[n.out()] = out
    em.c_arrays.add(out)
    return pre + [f"{xc} = {em.contiguous(x)}",
            f"{kc} = {em.contiguous(k)}",
            f"{out} = c_empty(({int(x.aval.shape[0])}, ), np.{dt.name})",
            f"if xent_rows({xc}, {kc}, {out}) >= 0:",
            "    raise IndexError('sparse_softmax_xent: a label outside [0, C)')"]


def xent_grad_lines(em, n) -> list[str] | None:
    """The segment's statements for ``sparse_softmax_xent_grad`` node ``n`` (the ``Emitter``
    ``em``), fused with its loss's when that is in the segment too; or None for operands
    the row loop does not take as they are (the emitter then raises ``Unsupported``)."""
    if not _grad_ok(n):
        return None
    if n.out() in em.names:             # written with its loss already
        return []
    g, x, k = n.inputs
    loss = _partner(em, n, "sparse_softmax_xent")
    if loss is not None:
        return _fused_lines(em, loss, n)
    pre = _materialize(em, x)
    xs = tuple(x.aval.shape)
    dt = np.dtype(x.aval.dtype)
    out = em.fresh("xg")
    gc, xc, kc = (em.fresh(p) for p in ("xgg", "xgx", "xgk"))
    em.names[n.out()] = out
    em.c_arrays.add(out)
    return pre + [f"{gc} = {em.contiguous(g)}",
            f"{xc} = {em.contiguous(x)}",
            f"{kc} = {em.contiguous(k)}",
            f"{out} = c_empty(({int(xs[0])}, {int(xs[1])}, ), np.{dt.name})",
            f"if xent_grad_rows({gc}, {xc}, {kc}, {out}) >= 0:",
            "    raise IndexError('sparse_softmax_xent_grad: a label outside [0, C)')"]


@functools.cache
def _tag() -> str:
    """A hash of the row loop's files (see the module docstring)."""
    from dlcore.kernels.cpu import _fast32, _jit_exp_rows, _jit_xent
    h = hashlib.sha1()
    for mod in (_jit_xent, _jit_exp_rows, _fast32):
        h.update(Path(str(mod.__file__)).read_bytes())
    return h.hexdigest()[:12]


#: the row loops a segment may call, in the order of their import
_LOOPS = ("xent_rows", "xent_grad_rows", "xent_loss_grad_rows", "xent_loss_grad_rows_bias")


def import_line(text: str) -> str:
    """The import line a generated module's ``text`` needs for its row-loop calls, or ''."""
    names = [name for name in _LOOPS if f"{name}(" in text]
    if not names:
        return ""
    return (f"from dlcore.kernels.cpu._jit_xent import {', '.join(names)}  "
            f"# _jit_xent.py _jit_exp_rows.py _fast32.py {_tag()}\n")
