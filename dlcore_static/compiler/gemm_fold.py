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
from .var_views import views_of_reads

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


def in_place(b, u: Node, at: int, kinds: list, segments: list) -> tuple[int, int] | None:
    """The references the glue expects on the variable's committed array and on the buffer it
    views (``(view, buffer)``) when folded update
    ``u`` (``kinds[at]`` of ``source.generate``'s order) may add its GEMM into that array
    itself, else None.  Writing in place saves the copy of ``w`` into the spare buffer (an 8 MB
    weight: 0.6 ms, 17% of the width-2048 step).  Only when

    * everything after ``u`` is a variable read, an assign, a NoOp, a constant or another GEMM
      fold (nothing can fail after the write; from it on a Ctrl-C is held back and the glue
      commits the run itself, ``source._held``), and
    * no read of the variable (nor anything made from one, other than through a matrix product
      or a fused loop, which make new arrays) is fetched, read at or after ``u`` or read by the
      folded product.

    At run time (``lines``) the read must be the committed array, a view of one of the
    update's spare buffers, and nothing may hold either but the store, the glue's own locals
    and the spare list: a caller holding a fetched value, a thread running another step with
    it, or the first step (the initializer's array) take the copy instead.
    ``DLCORE_FOLD_IN_PLACE=0`` turns it off."""
    if os.environ.get("DLCORE_FOLD_IN_PLACE", "1") == "0":
        return None
    folds = b.folds
    products = {f[0] for f in folds.values()}
    for kind, n in kinds[at + 1:]:
        if kind != "py":
            return None
        if n.kind == "const" or (n in folds and n is not u) or n in products or \
                (n.kind == "graph" and n.type in ("Assign", "NoOp", "VariableRead")):
            continue
        return None
    position: dict = {}
    for i, (kind, item) in enumerate(kinds):
        for n in ([item] if kind == "py" else segments[item]):
            position[n] = i
    mm, _, w = folds[u]
    var = w.node.graph_op().attrs.get("variable")
    reads = {n for n in b.prog.nodes if n.kind == "graph" and n.type == "VariableRead" and
             n.op is not None and n.graph_op().attrs.get("variable") is var}
    seen = views_of_reads(reads, u, b.prog.consumers(),
                          {f.node for f in b.prog.fetches if f is not None},
                          lambda y: position.get(y, len(kinds)) >= at,
                          lambda y: y.kind == "fused" or (y.kind == "prim" and
                                                          y.prim.name == "matmul"))
    if seen is None or any(v.node in seen for v in mm.inputs):
        return None
    # the committed view: the store's reference, getrefcount's argument and the glue's locals
    # of the reads before ``u``; its buffer: the spare list's, the view's, getrefcount's and
    # the transposed views of the reads the glue makes (``.T``: NumPy makes a view's base the
    # array that owns the memory)
    glue = [n for n in seen if kinds[position[n]][0] == "py"]
    views = sum(1 for n in glue if n.kind == "prim" and n.prim.name == "transpose")
    return sum(1 for n in glue if n in reads) + 2, views + 3


def lines(b, u: Node, py: dict, env: dict, spare_line,
          holders: tuple[int, int] | None = None) -> list[str]:
    """The glue's lines for a folded update ``u`` (``b.folds[u]``): the spare buffer as the
    update loop's segment takes it (``spare_line``: ``source.spare_line``, passed in: this
    module does not import ``source``, which imports it), the BLAS threads for the GEMM's
    size, then the copy and the GEMM.  With ``holders`` (``in_place``): first the test for
    writing into the committed array's own buffer (no copy), the spare otherwise."""
    from dlcore.kernels.cpu import blas_threads, gemm_update
    mm, c, w = b.folds[u]
    a, g = mm.inputs
    m, k = (int(d) for d in a.aval.shape)
    n = int(g.aval.shape[1])
    env["_fg"] = blas_threads.for_gemm
    out = f"v{u.id}_0"
    if isinstance(c, float):
        env["_gu"] = gemm_update.sgemm_update
        fn, rate = "_gu", repr(c)
    else:                               # a rate computed or fed at run time: read once here
        env["_gur"] = gemm_update.sgemm_update_rate
        fn, rate = "_gur", py[c]
    py[u.out()] = out
    spare = spare_line(b, u, b.inplace[u][0][0], out, env)
    r = py[w]

    def gemm(w_name: str) -> list[str]:         # the BLAS threads, then the update's GEMM
        return [f"_fg({2.0 * m * k * n!r})", f"{fn}({out}, {w_name}, {py[a]}, {py[g]}, {rate})"]
    var = f"_V{w.node.id}"
    if holders is None or var not in env or "_cv" not in env:
        return [spare] + gemm(r)
    sp = f"_sp{u.id}"
    test = (f"if {r} is _cv[{var}] and _rc({r}) == {holders[0]} and {sp} and "
            f"({r}.base is {sp}[0] or len({sp}) > 1 and {r}.base is {sp}[1]) and "
            f"_rc({r}.base) == {holders[1]}:")
    return [test, f"    {out} = {r}.base"] + ["    " + x for x in gemm(out)] + \
        ["else:", f"    {spare}"] + ["    " + x for x in gemm(r)]
