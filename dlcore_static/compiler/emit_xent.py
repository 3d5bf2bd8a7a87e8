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

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_I64 = np.dtype(np.int64)


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
    xs = tuple(int(d) for d in x.aval.shape)
    dt = np.dtype(x.aval.dtype)
    loss, grad = em.fresh("xl"), em.fresh("xg")
    gc, xc, kc = (em.fresh(p) for p in ("xgg", "xgx", "xgk"))
    em.names[loss_node.out()] = loss
    em.names[grad_node.out()] = grad
    fast = "True" if dt == _FLOATS[0] else "False"
    return [f"{gc} = np.ascontiguousarray({em.name(g)})",
            f"{xc} = np.ascontiguousarray({em.name(x)})",
            f"{kc} = np.ascontiguousarray({em.name(k)})",
            f"{loss} = np.empty(({xs[0]}, ), np.{dt.name})",
            f"{grad} = np.empty(({xs[0]}, {xs[1]}, ), np.{dt.name})",
            f"if xent_loss_grad_rows({gc}, {xc}, {kc}, {loss}, {grad}, {fast}) >= 0:",
            "    raise IndexError('sparse_softmax_xent: a label outside [0, C)')"]


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
    out = em.fresh("xl")
    xc, kc = em.fresh("xlx"), em.fresh("xlk")
    em.names[n.out()] = out
    fast = "True" if dt == _FLOATS[0] else "False"
    return [f"{xc} = np.ascontiguousarray({em.name(x)})",
            f"{kc} = np.ascontiguousarray({em.name(k)})",
            f"{out} = np.empty(({int(x.aval.shape[0])}, ), np.{dt.name})",
            f"if xent_rows({xc}, {kc}, {out}, {fast}) >= 0:",
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
    xs = tuple(x.aval.shape)
    dt = np.dtype(x.aval.dtype)
    out = em.fresh("xg")
    gc, xc, kc = (em.fresh(p) for p in ("xgg", "xgx", "xgk"))
    em.names[n.out()] = out
    fast = "True" if dt == _FLOATS[0] else "False"
    return [f"{gc} = np.ascontiguousarray({em.name(g)})",
            f"{xc} = np.ascontiguousarray({em.name(x)})",
            f"{kc} = np.ascontiguousarray({em.name(k)})",
            f"{out} = np.empty(({int(xs[0])}, {int(xs[1])}, ), np.{dt.name})",
            f"if xent_grad_rows({gc}, {xc}, {kc}, {out}, {fast}) >= 0:",
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
_LOOPS = ("xent_rows", "xent_grad_rows", "xent_loss_grad_rows")


def import_line(text: str) -> str:
    """The import line a generated module's ``text`` needs for its row-loop calls, or ''."""
    names = [name for name in _LOOPS if f"{name}(" in text]
    if not names:
        return ""
    return (f"from dlcore.kernels.cpu._jit_xent import {', '.join(names)}  "
            f"# _jit_xent.py _jit_exp_rows.py _fast32.py {_tag()}\n")
