"""Part of pass ``fusion``: a channels-last training-mode batch norm as elementwise members.

``batch_norm_train(x, st, w, b)`` (``dlcore/ops/batch_norm_prims.py``) is, per channel ``c``,
``x * scale[c] + shift[c]`` in float64 with ``scale = w / sqrt(var + eps)`` and
``shift = -mean * scale + b`` (its kernel computes exactly that: ``_jit_batch_norm.scale_shift``).
As one kernel it reads ``x`` and writes its result, which the ReLU after it (or a residual
add and a ReLU) reads back and writes again.  Written as the same arithmetic in elementwise
primitives, the per-channel part is a small loop over ``C`` and the per-element part,
``cast(cast(x, float64) * scale + shift, float32)``, joins the ReLU's loop: one pass over
the activation instead of two.  The values differ from the kernel's by at most the last
float64 bit of ``x * scale + shift`` (the kernel may contract it into one fused multiply-add)
before the rounding to float32.

Only channels-last operands (``last=True``, the static front end's NHWC) of float32 or
float64 on the CPU, and only where the result is read by an elementwise node that fusion
can merge it with (otherwise the kernel is as good and makes fewer nodes).
"""

from __future__ import annotations

import numpy as np

from dlcore.registry import AVal

from .ir import Node, Program, Val

F64 = np.dtype(np.float64)

#: Off: batch norm stays one kernel (for measuring the rewrite side by side).
ENABLED = True


def _prims():
    from dlcore.ops.elementwise import add_p, div_p, mul_p, neg_p, sqrt_p
    from dlcore.ops.elementwise_cast import cast_p
    from dlcore.ops.indexing import getitem_p
    return {"add": add_p, "div": div_p, "mul": mul_p, "neg": neg_p, "sqrt": sqrt_p,
            "cast": cast_p, "getitem": getitem_p}


class _Maker:
    """Makes the replacement nodes of one batch norm node ``n`` into ``out``."""

    def __init__(self, n: Node, out: list, prims: dict):
        self.n, self.out, self.p = n, out, prims

    def prim(self, name: str, inputs: list, shape: tuple, out_dtype, **params) -> Val:
        n = self.n
        node = Node("prim", n.name, n.type, op=n.op, prim=self.p[name], params=params,
                    inputs=inputs, avals=[AVal(shape, np.dtype(out_dtype))],
                    defined_at=n.defined_at)
        self.out.append(node)
        return node.out()

    def const(self, value: float) -> Val:
        node = Node("const", self.n.name, "Const(batch norm)", avals=[AVal((), F64)],
                    value=np.array(value, F64), defined_at=self.n.defined_at)
        self.out.append(node)
        return node.out()

    def f64(self, v: Val) -> Val:
        if v.aval.dtype == F64:
            return v
        return self.prim("cast", [v], tuple(v.aval.shape), F64, dtype=F64)


def _foldable(n: Node, uses: dict, elementwise) -> bool:
    if n.kind != "prim" or n.prim.name != "batch_norm_train" or n.control or \
            not n.params.get("last") or len(n.avals) != 1:
        return False
    x = n.inputs[0].aval
    if x.dtype not in (np.float32, np.float64) or not x.fully_defined or len(x.shape) < 2 or \
            any(v.aval.dtype != x.dtype or not v.aval.fully_defined for v in n.inputs):
        return False
    after = uses.get(n, ())
    return bool(after) and all(elementwise(m) and tuple(m.avals[0].shape) == tuple(x.shape)
                               for m in after)


def run(prog: Program, elementwise) -> int:
    """Rewrite every foldable batch norm node (module docstring); how many.  ``elementwise``
    tells whether a node would join a fused loop."""
    uses = prog.consumers()
    targets = [n for n in prog.nodes if _foldable(n, uses, elementwise)]
    if not targets:
        return 0
    prims = _prims()
    mapping: dict = {}
    nodes: list = []
    todo = set(targets)
    for n in prog.nodes:
        if n not in todo:
            nodes.append(n)
            continue
        m = _Maker(n, nodes, prims)
        x, st = n.inputs[0], n.inputs[1]
        wb = list(n.inputs[2:])
        affine = n.params.get("affine", "")
        nc = (int(x.aval.shape[-1]),)
        mean = m.prim("getitem", [st], nc, st.aval.dtype, idx=(0,))
        var = m.prim("getitem", [st], nc, st.aval.dtype, idx=(1,))
        t = m.prim("add", [m.f64(var), m.const(float(n.params["eps"]))], nc, F64)
        scale = m.prim("div", [m.const(1.0), m.prim("sqrt", [t], nc, F64)], nc, F64)
        if "w" in affine:
            scale = m.prim("mul", [scale, m.f64(wb[0])], nc, F64)
        shift = m.prim("mul", [m.prim("neg", [m.f64(mean)], nc, F64), scale], nc, F64)
        if "b" in affine:
            shift = m.prim("add", [shift, m.f64(wb[-1])], nc, F64)
        shape = tuple(x.aval.shape)
        y = m.prim("add", [m.prim("mul", [m.f64(x), scale], shape, F64), shift], shape, F64)
        if x.aval.dtype != F64:
            y = m.prim("cast", [y], shape, x.aval.dtype, dtype=x.aval.dtype)
        mapping[n.out()] = y
    prog.nodes = nodes
    prog.replace_many(mapping)
    prog.renumber()
    return len(targets)
