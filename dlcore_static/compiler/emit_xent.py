"""The sparse softmax cross-entropy's gradient inside a compiled segment (issue 19).

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


def xent_grad_lines(em, n) -> list[str] | None:
    """The segment's statements for ``sparse_softmax_xent_grad`` node ``n`` (``em``: the
    ``Emitter``), or None for operands the row loop does not take as they are (the emitter
    then raises ``Unsupported``)."""
    g, x, k = n.inputs
    xs, ks, gs = tuple(x.aval.shape), tuple(k.aval.shape), tuple(g.aval.shape)
    dt = np.dtype(x.aval.dtype)
    if len(xs) != 2 or dt not in _FLOATS or np.dtype(k.aval.dtype) != _I64 or \
            np.dtype(g.aval.dtype) != dt or ks != xs[:1] or gs != xs[:1] or \
            not all(int(d) > 0 for d in xs):
        return None
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


def import_line(text: str) -> str:
    """The import line a generated module's ``text`` needs for its row-loop calls, or ''."""
    if "xent_grad_rows(" not in text:
        return ""
    return ("from dlcore.kernels.cpu._jit_xent import xent_grad_rows  "
            f"# _jit_xent.py _jit_exp_rows.py _fast32.py {_tag()}\n")
