"""Part of pass ``simplify``: zero padding written as its own op folded into the convolution.

TensorFlow's ResNets pad explicitly before a strided convolution (``tf.pad(x, ...)`` and then
``conv2d(..., "VALID")``: the official models' ``fixed_padding``), and so do programs ported
from PyTorch that need symmetric padding.  A constant ``pad`` is one ``pad_constant`` node
(``dlcore.ops.spatial.pad``), whose gradient is a slice of the padded gradient.  The
convolution kernels pad (or read around the border) themselves, so three rewrites remove the
padded copies:

* ``conv(pad(x), w, padding=p)``  ->  ``conv(x, w, padding=p + pads)``;
* ``conv_filter_grad(pad(x), g, padding=p)``  ->  ``conv_filter_grad(x, g, padding=p + pads)``;
* a slice that crops ``(lo, hi)`` off the spatial axes of ``conv_transpose(g, w, in_size=n,
  padding=p)`` (read by nothing else)  ->  ``conv_transpose(g, w, in_size=n - lo - hi,
  padding=p + (lo, hi))``: the adjoint crops the same elements.

``pad`` here is a ``pad_constant`` of zeros (``dlcore/ops/padding.py``) or a chain of
``concatenate``s, each joining an all-zero constant before and/or after one operand along a
spatial axis of the convolution (and the two mixed), seen through one ``transpose`` (the
NHWC -> NCHW view the front end puts before every convolution); the same transpose is put on
``x``.  The results are the same numbers: the kernels add the same products in the same
order, zeros at the border included.  (The full small ResNet's static step, batch 32, two
sessions in one process: 35.24 -> 34.86 ms, the same losses bit for bit.)
"""

from __future__ import annotations

from dlcore.registry import AVal

from .ir import Node, Program, Val, const_all


def _unpadded(v: Val):
    """``(x, perm, pads)`` when ``v`` is ``[transpose(]pad(x)[, perm)]`` with zeros on spatial
    axes only (``pads``: ``(lo, hi)`` per axis of ``v``; ``perm`` None without a transpose);
    else None."""
    perm = None
    u = v
    n = u.node
    if n.kind == "prim" and n.prim.name == "transpose" and not n.control:
        perm = tuple(n.params["perm"])
        u = n.inputs[0]
    nd = len(u.aval.shape)
    pads = [[0, 0] for _ in range(nd)]
    found = False
    while True:
        n = u.node
        if n.kind == "prim" and n.prim.name == "pad_constant" and not n.control and \
                n.params["value"] == 0 and not isinstance(n.params["value"], bool):
            for axis, (lo, hi) in enumerate(n.params["pairs"]):
                pads[axis][0] += lo
                pads[axis][1] += hi
            u = n.inputs[0]
            found = True
            continue
        if n.kind != "prim" or n.prim.name != "concatenate" or n.control or \
                len(n.inputs) not in (2, 3):
            break
        axis = int(n.params["axis"]) % nd
        parts = list(n.inputs)
        lo = hi = 0
        if const_all(parts[0], 0) and parts[0].aval.dtype == v.aval.dtype:
            lo = int(parts[0].aval.shape[axis])
            parts = parts[1:]
        if len(parts) > 1 and const_all(parts[-1], 0) and parts[-1].aval.dtype == v.aval.dtype:
            hi = int(parts[-1].aval.shape[axis])
            parts = parts[:-1]
        if len(parts) != 1 or not (lo or hi):
            break
        pads[axis][0] += lo
        pads[axis][1] += hi
        u = parts[0]
        found = True
    if not found or not u.aval.fully_defined:
        return None
    ordered = [pads[perm[i]] if perm else pads[i] for i in range(nd)]
    if ordered[0] != [0, 0] or ordered[1] != [0, 0]:
        return None                         # (batch or channels padded: not the conv's)
    return u, perm, [tuple(p) for p in ordered[2:]]


def _plus(padding, pads) -> tuple:
    return tuple((int(a) + lo, int(b) + hi) for (a, b), (lo, hi) in zip(padding, pads))


def _transposed(x: Val, perm, like: Node, made: dict, nodes: list) -> Val:
    """``x`` viewed through ``perm`` like transpose node ``like`` (one new node per
    ``(x, perm)``, appended to ``nodes``; ``x`` itself for None)."""
    if perm is None:
        return x
    key = (x, perm)
    if key not in made:
        shape = tuple(x.aval.shape[p] for p in perm)
        made[key] = Node("prim", like.name, "Transpose", op=like.op, prim=like.prim,
                         params={"perm": perm}, inputs=[x],
                         avals=[AVal(shape, x.aval.dtype)], defined_at=like.defined_at)
        nodes.append(made[key])
    return made[key].out()


def _crop(v: Val, uses: dict):
    """``(ct, transpose node or None, crops)`` when ``v`` (a slice's output) is step-1 slices
    of ``[transpose(]conv_transpose(...)[)]``, each read only by the next; else None."""
    nd = len(v.aval.shape)
    crops = [[0, 0] for _ in range(nd)]
    u = v
    while True:
        n = u.node
        if n.kind != "prim" or n.prim.name != "getitem" or n.control or len(n.inputs) != 1:
            break
        src = n.inputs[0]
        shape = src.aval.shape
        idx = n.params.get("idx")
        if not isinstance(idx, tuple) or len(idx) > nd or len(shape) != nd or \
                not src.aval.fully_defined:
            return None
        for axis, part in enumerate(idx):
            if not (isinstance(part, tuple) and len(part) == 4 and part[0] == "slice" and
                    part[3] in (None, 1)):
                return None
            start, stop, _ = slice(part[1], part[2]).indices(int(shape[axis]))
            if stop < start:
                return None
            crops[axis][0] += start
            crops[axis][1] += int(shape[axis]) - stop
        if len(uses.get(src.node, ())) != 1 or len(src.node.avals) != 1:
            return None
        u = src
    if u is v:
        return None
    n = u.node
    perm = tnode = None
    if n.kind == "prim" and n.prim.name == "transpose" and not n.control:
        perm, tnode = tuple(n.params["perm"]), n
        u = n.inputs[0]
        if len(uses.get(u.node, ())) != 1:
            return None
    ct = u.node
    if ct.kind != "prim" or ct.prim.name != "conv_transpose" or ct.control or \
            len(ct.avals) != 1:
        return None
    ordered = [crops[perm.index(i)] if perm else crops[i] for i in range(nd)]
    if ordered[0] != [0, 0] or ordered[1] != [0, 0] or not any(lo or hi for lo, hi in
                                                              ordered[2:]):
        return None
    return ct, tnode, [tuple(c) for c in ordered[2:]]


def _sliced_again(n: Node, uses: dict) -> bool:
    """Whether slice ``n`` is read only by another slice (the chain is folded from its top)."""
    after = uses.get(n, ())
    return len(after) == 1 and after[0].kind == "prim" and after[0].prim.name == "getitem"


#: Off: the padded copies stay (for measuring the rewrites side by side).
ENABLED = True


def run(prog: Program) -> int:
    """The three rewrites of the module docstring; how many were made."""
    if not ENABLED:
        return 0
    uses = prog.consumers()
    made: dict = {}
    mapping: dict = {}
    nodes: list = []
    count = 0
    for n in prog.nodes:
        if mapping and any(v in mapping for v in n.inputs):
            n.inputs = [mapping.get(v, v) for v in n.inputs]
        name = n.prim.name if n.kind == "prim" else None
        if name in ("conv", "conv_filter_grad") and not n.control:
            found = _unpadded(n.inputs[0])
            if found is not None and len(found[2]) == len(n.params["padding"]):
                x, perm, pads = found
                xv = _transposed(x, perm, n.inputs[0].node, made, nodes)
                n.inputs = [xv] + list(n.inputs[1:])
                n.params = dict(n.params, padding=_plus(n.params["padding"], pads))
                count += 1
        elif name == "getitem" and not n.control and not _sliced_again(n, uses):
            found = _crop(n.out(), uses)
            if found is not None and len(found[2]) == len(found[0].params["padding"]):
                ct, tnode, crops = found
                in_size = tuple(int(s) - lo - hi for s, (lo, hi) in
                                zip(ct.params["in_size"], crops))
                shape = tuple(ct.avals[0].shape[:2]) + in_size
                new = Node("prim", ct.name, ct.type, op=ct.op, prim=ct.prim,
                           params=dict(ct.params, in_size=in_size,
                                       padding=_plus(ct.params["padding"], crops)),
                           inputs=list(ct.inputs), avals=[AVal(shape, ct.avals[0].dtype)],
                           defined_at=ct.defined_at)
                nodes.append(new)
                out = new.out()
                if tnode is not None:
                    out = _transposed(out, tnode.params["perm"], tnode, made, nodes)
                mapping[n.out()] = out
                count += 1
                continue
        nodes.append(n)
    prog.nodes = nodes
    prog.replace_many(mapping)
    prog.renumber()
    return count
