"""The SGD update of a weight folded into its gradient GEMM in a compiled CPU plan (issue 19).

An in-place update (``codegen._Builder.inplace_candidates``) that computes ``w - c * m`` where
``w`` is the variable's read, ``c`` a float32 scalar (a constant, or a 0-d value computed or fed
at run time: a decayed or fed learning rate, read once in the glue) and ``m`` a float32 matrix
product
``a @ b`` that nothing else reads (no other node, fetch or control edge) is written as one call
in the glue: ``gemm_update.sgemm_update(buf, w, a, b, c)``, i.e. ``w`` copied into the update's
spare buffer (the one the unfused update loop would have written, ``source._inplace_factory``)
and ``-c * a @ b`` added into it by one ``sgemm`` with ``beta = 1``.  The product is then not
computed by its own node, and the update leaves its compiled segment.  The buffer is staged and
committed like any in-place update, after everything else of the step has run (the update is
scheduled late, as before), so a failing step changes no variable.

Only at the shapes of ``dlcore.kernels.cpu.linalg.fused_update_shape`` (where it was measured
faster, see ``dlcore.kernels.cpu.gemm_update``), on the CPU, with the CPU matmul kernel in
place and NumPy's OpenBLAS ``cblas_sgemm`` found.  ``DLCORE_FOLD_UPDATE_GEMM=0`` turns it off.
Values: the unfused plan's up to float32 rounding (the product is summed into ``w`` by the
GEMM instead of rounded on its own first).
"""

from __future__ import annotations

import os

import numpy as np

from .ir import Node

_F32 = np.dtype(np.float32)


def _scalar(v) -> float | None:
    """The float32 scalar constant ``v`` holds, or None."""
    n = v.node
    if n.kind != "const" or v.aval.dtype != _F32:
        return None
    x = np.asarray(n.value)
    if x.size != 1:
        return None
    c = float(x.reshape(()))
    return c if np.isfinite(c) and c != 0.0 else None


def _rate(v):
    """``v`` when it is a float32 0-d value computed or fed at run time (a decayed or a fed
    learning rate), else None."""
    if v.node.kind == "const" or v.aval.dtype != _F32 or tuple(v.aval.shape) != ():
        return None
    return v


def scaled_sub(u: Node, rate):
    """(other Val, rate, read Val, the mul node) of an update fused as [mul(m, c), sub(w,
    that)], ``c`` on either side of the product, where ``rate(v)`` gives the rate a Val holds
    (or None); else None.  Shared with ``sparse_update`` (each module its own rate rule)."""
    if u.kind != "fused" or len(u.members) != 2:
        return None
    mul, sub = u.members
    if mul.kind != "prim" or sub.kind != "prim" or mul.prim.name != "mul" or \
            sub.prim.name != "sub" or mul.params or sub.params or len(mul.inputs) != 2 or \
            len(sub.inputs) != 2 or sub.inputs[1].node is not mul:
        return None
    p, q = mul.inputs
    c, m = rate(q), p
    if c is None:
        c, m = rate(p), q
    if c is None:
        return None
    return m, c, sub.inputs[0], mul


def _update_parts(u: Node):
    """(matmul Val, constant or 0-d Val, read Val) of an update fused as [mul(m, c),
    sub(w, that)]."""
    got = scaled_sub(u, lambda v: _scalar(v) or _rate(v))
    if got is None or got[0].node.kind != "prim" or got[0].node.prim.name != "matmul":
        return None
    return got[:3]


def candidates(b, inplace: dict, switch: str, parts, kernel_ok):
    """``(u, product node, rate, read Val)`` for each in-place update ``u`` (one output) whose
    ``parts(u)`` is (Val of the node folded into it, rate, read Val) with the read a
    ``VariableRead``, the node read by ``u`` alone (no other node, fetch or control edge), of
    no parameters and ``kernel_ok(node)``; none on a device other than the CPU, in a
    sub-program's CUDA glue, or when the environment variable ``switch`` is "0".  The one
    test of a fold's candidates: ``find`` here and ``sparse_update.find``."""
    prog = b.prog
    if os.environ.get(switch, "1") == "0" or b.device is None or b.device.type != "cpu" or \
            getattr(b, "glue", None) is not None:
        return
    consumers = prog.consumers()
    controls = {c for n in prog.nodes for c in n.control}
    fetched = {f.node for f in prog.fetches if f is not None}
    for u in inplace:
        got = parts(u) if len(u.avals) == 1 else None
        if got is None:
            continue
        v, c, wv = got
        n = v.node
        if wv.node.type != "VariableRead" or consumers.get(n) != [u] or n in fetched or \
                n in controls or n.params or not kernel_ok(n):
            continue
        yield u, n, c, wv


def find(b, inplace: dict) -> dict:
    """{update node: (matmul node, constant, read Val)} of the in-place updates to fold (see
    above)."""
    from dlcore.kernels.cpu import gemm_update
    from dlcore.kernels.cpu import linalg as cpu_linalg
    out: dict = {}
    for u, mm, c, wv in candidates(
            b, inplace, "DLCORE_FOLD_UPDATE_GEMM", _update_parts,
            lambda n: len(n.inputs) == 2 and n.prim.kernels.get("cpu") is cpu_linalg.matmul):
        sa, sb = (tuple(v.aval.shape) for v in mm.inputs)
        if len(sa) != 2 or len(sb) != 2 or None in sa + sb or sa[1] != sb[0] or \
                any(v.aval.dtype != _F32 for v in mm.inputs) or \
                tuple(wv.aval.shape) != (sa[0], sb[1]) or wv.aval.dtype != _F32 or \
                tuple(u.avals[0].shape) != (sa[0], sb[1]) or u.avals[0].dtype != _F32:
            continue
        if not cpu_linalg.fused_update_shape(int(sa[0]), int(sa[1]), int(sb[1])):
            continue
        if not gemm_update.available():
            return {}
        out[u] = (mm, c, wv)
    return out


def lines(b, u: Node, py: dict, env: dict, spare_line) -> list[str]:
    """The glue's lines for a folded update ``u`` (``b.folds[u]``): the spare buffer as the
    update loop's segment takes it (``spare_line``: ``source.spare_line``, passed in: this
    module does not import ``source``, which imports it), the BLAS threads for the GEMM's
    size, then the copy and the GEMM."""
    from dlcore.kernels.cpu import blas_threads, gemm_update
    mm, c, w = b.folds[u]
    a, g = mm.inputs
    m, k = (int(d) for d in a.aval.shape)
    n = int(g.aval.shape[1])
    env["_fg"] = blas_threads.for_gemm
    out = f"v{u.id}_0"
    if isinstance(c, float):
        env["_gu"] = gemm_update.sgemm_update
        call = f"_gu({out}, {py[w]}, {py[a]}, {py[g]}, {c!r})"
    else:                               # a rate computed or fed at run time: read once here
        env["_gur"] = gemm_update.sgemm_update_rate
        call = f"_gur({out}, {py[w]}, {py[a]}, {py[g]}, {py[c]})"
    py[u.out()] = out
    return [spare_line(b, u, b.inplace[u][0][0], out, env), f"_fg({2.0 * m * k * n!r})", call]
