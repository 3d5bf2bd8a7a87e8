"""An SGD update of a variable by a scattered gradient computed on its rows only (issue 19: the
LSTM language model's embedding).

``tf.gradients`` of ``embedding_lookup(w, ids)`` is ``scatter_add(g, ids, w)``: a zero array of
``w``'s shape with ``g``'s rows added at ``ids``; the update ``w - lr * that`` then reads and
writes every element of ``w`` (2000 x 100 for the 200 looked-up rows of the quick LSTM step:
a zero fill, the scatter, and a full subtraction).  An in-place update
(``codegen._Builder.inplace_candidates``) that is ``sub(w, s)`` or ``[mul(s, c), sub(w,
that)]`` with ``w`` the variable's read, ``c`` a positive finite float constant and ``s`` a
``scatter_add`` into ``w``'s shape that nothing else reads (no other node, fetch or control
edge) becomes one call in the glue, ``sparse_rows.sub_scattered(buf, w, g, ids, c)``: ``w``
copied into the update's spare buffer and the scattered rows computed there, the same bits as
the dense form (see ``dlcore/kernels/cpu/sparse_rows.py``).  The scatter is then not computed
by its own node.  The buffer is staged and committed like any in-place update
(``gemm_fold``'s machinery: these updates sit in ``_Builder.folds`` too).

On the CPU, with the CPU scatter_add kernel in place, for float32/float64 of one dtype.
``DLCORE_SPARSE_UPDATE=0`` turns it off.
"""

from __future__ import annotations

import math

import numpy as np

from .gemm_fold import candidates, scaled_sub
from .ir import Node

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _positive(v) -> float | None:
    """The positive finite scalar constant ``v`` holds, or None."""
    n = v.node
    if n.kind != "const" or n.value is None:
        return None
    x = np.asarray(n.value)
    if x.size != 1 or x.dtype.kind != "f":
        return None
    c = float(x.reshape(()))
    return c if math.isfinite(c) and c > 0.0 else None


def _parts(u: Node):
    """(scatter_add Val, constant or None, read Val) of ``sub(w, s)`` or ``[mul(s, c),
    sub(w, that)]``, else None."""
    if u.kind == "prim":
        if u.prim.name != "sub" or u.params or len(u.inputs) != 2:
            return None
        s, c, w = u.inputs[1], None, u.inputs[0]
    else:
        got = scaled_sub(u, _positive)
        if got is None:
            return None
        s, c, w, mul = got
        if tuple(mul.avals[0].shape) != tuple(s.aval.shape) or \
                mul.avals[0].dtype != s.aval.dtype:
            return None             # (a constant that broadcasts the product)
    if s.node.kind != "prim" or s.node.prim.name != "scatter_add":
        return None
    return s, c, w


def find(b, inplace: dict) -> dict:
    """{update node: (scatter_add node, constant or None, read Val)} of the in-place updates to
    compute on their scattered rows only (see above)."""
    from dlcore.kernels.cpu import gather
    out: dict = {}
    for u, s, c, wv in candidates(
            b, inplace, "DLCORE_SPARSE_UPDATE", _parts,
            lambda n: len(n.inputs) == 3 and n.prim.kernels.get("cpu") is gather.scatter_add):
        g, ids, ref = s.inputs
        shape = tuple(wv.aval.shape)
        dt = wv.aval.dtype
        if None in shape or len(shape) < 1 or tuple(ref.aval.shape) != shape or \
                tuple(u.avals[0].shape) != shape or dt not in _FLOATS or \
                u.avals[0].dtype != dt or g.aval.dtype != dt or s.avals[0].dtype != dt or \
                tuple(s.avals[0].shape) != shape or ids.aval.dtype.kind not in "iu":
            continue
        out[u] = (s, c, wv)
    return out


def is_rows(fold: tuple) -> bool:
    """Is ``fold`` (a ``_Builder.folds`` value) one of these updates (not a GEMM fold)?"""
    n = fold[0]
    return n.kind == "prim" and n.prim.name == "scatter_add"


def lines(b, u: Node, py: dict, env: dict, spare_line) -> list[str]:
    """The glue's lines for update ``u`` (``b.folds[u]``): the spare buffer as the update's
    segment would take it (``spare_line``, passed in as ``gemm_fold.lines`` takes it), then
    the call."""
    from dlcore.kernels.cpu.sparse_rows import sub_scattered
    s, c, w = b.folds[u]
    g, ids, _ = s.inputs
    env["_ssr"] = sub_scattered
    out = f"v{u.id}_0"
    py[u.out()] = out
    call = f"_ssr({out}, {py[w]}, {py[g]}, {py[ids]}, {c!r})"
    return [spare_line(b, u, b.inplace[u][0][0], out, env), call]
