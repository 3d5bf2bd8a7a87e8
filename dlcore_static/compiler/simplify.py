"""Pass ``simplify``: algebraic identities that remove work without changing any result.

Rewrites (each applied only when the result has exactly the shape and dtype of the operand it
is replaced by, so broadcasting never changes):

* ``x * 1``, ``1 * x``, ``x / 1``, ``x + 0``, ``0 + x``, ``x - 0``, ``x ** 1``  ->  ``x``
  (a constant counts as 1 or 0 when every element is; ``x + 0`` can only differ in the sign of
  a zero result);
* ``x ** 2``  ->  ``x * x`` (exact, and a multiply instead of a ``pow`` call);
* ``transpose(transpose(x, p), q)``  ->  ``transpose(x, p o q)``, or ``x`` when that is the
  identity permutation; ``reshape`` of a ``reshape``/``squeeze``/``expand_dims`` -> one
  ``reshape`` (the operand itself when that restores its shape);
* ``neg(neg(x))``  ->  ``x``;  ``identity(x)``, ``stop_gradient(x)`` (forward)  ->  ``x``;
* ``cast`` to the same dtype, ``broadcast_like``/``sum_to``/``reshape_like`` to the same shape
  ->  the operand; to another shape known while compiling -> ``broadcast_to``/``sum`` over
  the broadcast axes/``reshape`` (the reference is no longer read, so it need not exist);
* a sum (``add``s, ``add_n``) of ``slice_scatter``s (each a value written into zeros) whose
  slices tile the result along one axis  ->  ``concatenate`` of the values in the slices'
  order (the gradient of a ``split``: an LSTM cell's four gates' gradients were four
  zero-filled (B, 4H) arrays added up, in every iteration of the loop's gradient; exact but
  for the sign of a zero value, as ``x + 0``).

* zero padding by ``concatenate``s of zeros before a convolution (``tf.pad`` then a ``VALID``
  strided ``conv2d``) -> the convolution's own padding, in its filter gradient too, and the
  slices that crop its input gradient -> ``conv_transpose``'s padding (``conv_pads.py``).

It does not rewrite ``x * 0`` to ``0`` (wrong for inf and NaN) nor reassociate sums (that changes
rounding).
"""

from __future__ import annotations

from dlcore.dtypes import is_floating

from ..graph import Operation  # noqa: F401  (documentation: nodes come from Operations)
from . import conv_pads
from .ir import Node, Program, Val
from .ir import const_all as _const_all


def _same(v: Val, out_aval) -> bool:
    a = v.aval
    return a.dtype == out_aval.dtype and a.fully_defined and tuple(a.shape) == \
        tuple(out_aval.shape) and not v.unknown_rank


def _rewrite(prog: Program, n: Node):
    """The value that replaces ``n``'s output, a new node to insert, or None."""
    if n.op is not None and n.op.attrs.get("unknown_rank"):
        # its aval is a stand-in scalar (a shapeless placeholder's result): a rewrite that
        # trusts it (2 + zeros_like(x) -> 2) would give a scalar where x's shape is meant
        return None
    name = n.prim.name
    out = n.avals[0]
    ins = n.inputs
    if name in ("identity", "stop_gradient") and _same(ins[0], out):
        return ins[0]
    if name == "mul":
        if _const_all(ins[1], 1) and _same(ins[0], out):
            return ins[0]
        if _const_all(ins[0], 1) and _same(ins[1], out):
            return ins[1]
    if name == "div" and _const_all(ins[1], 1) and _same(ins[0], out):
        return ins[0]
    if name == "add":
        if _const_all(ins[1], 0) and _same(ins[0], out):
            return ins[0]
        if _const_all(ins[0], 0) and _same(ins[1], out):
            return ins[1]
    if name == "sub" and _const_all(ins[1], 0) and _same(ins[0], out):
        return ins[0]
    if name in ("add", "add_n") and out.fully_defined:
        tiled = _tiled_scatters(n)
        if tiled is not None:
            return tiled
    if name == "pow":
        if _const_all(ins[1], 1) and _same(ins[0], out):
            return ins[0]
        if _const_all(ins[1], 2) and _same(ins[0], out) and is_floating(out.dtype):
            from dlcore.ops.elementwise import mul_p
            return Node("prim", n.name, "Mul(square)", op=n.op, prim=mul_p,
                        inputs=[ins[0], ins[0]], avals=[out], defined_at=n.defined_at)
    if name == "neg" and ins[0].node.kind == "prim" and ins[0].node.prim.name == "neg":
        inner = ins[0].node.inputs[0]
        if _same(inner, out):
            return inner
    if name == "cast" and ins[0].aval.dtype == out.dtype and _same(ins[0], out):
        return ins[0]
    if name in ("broadcast_like", "sum_to", "reshape_like", "broadcast_to", "reshape") and \
            any(v.unknown_rank for v in ins):
        return None     # a stand-in scalar aval (py_func output, shapeless placeholder)
    if name in ("broadcast_like", "sum_to", "reshape_like", "broadcast_to", "reshape") and \
            _same(ins[0], out):
        return ins[0]
    if name in ("broadcast_like", "sum_to", "reshape_like") and out.fully_defined and \
            ins[0].aval.fully_defined:
        return _static_like(n, out)
    if name == "transpose" and ins[0].node.kind == "prim" and \
            ins[0].node.prim.name == "transpose":
        first = ins[0].node
        p, q = first.params["perm"], n.params["perm"]
        perm = tuple(p[i] for i in q)
        if perm == tuple(range(len(perm))):
            return first.inputs[0]
        return Node("prim", n.name, n.type, op=n.op, prim=n.prim, params={"perm": perm},
                    inputs=[first.inputs[0]], avals=[out], defined_at=n.defined_at)
    if name == "reshape" and ins[0].node.kind == "prim" and \
            ins[0].node.prim.name in ("reshape", "squeeze", "expand_dims") and \
            not ins[0].node.control:
        # (batch norm's mean: (1, 1, 1, C) squeezed to (C,) and reshaped back, after which
        # ``x - mean`` of the output and of the moments were two values for CSE)
        return Node("prim", n.name, n.type, op=n.op, prim=n.prim, params=n.params,
                    inputs=[ins[0].node.inputs[0]], avals=[out], defined_at=n.defined_at)
    return None


_WHOLE = ("slice", None, None, None)


def _scatter_slice(m: Node, shape: tuple):
    """``(axis, start, stop)`` when ``m`` is a ``slice_scatter`` into an array of ``shape``
    whose index is whole on every axis but one, sliced there with step 1; else None."""
    if m.kind != "prim" or m.prim.name != "slice_scatter" or m.control or \
            tuple(m.avals[0].shape) != shape or not m.inputs[0].aval.fully_defined or \
            len(m.inputs[0].aval.shape) != len(shape):
        return None
    idx = m.params.get("idx")
    if not isinstance(idx, tuple) or len(idx) > len(shape):
        return None
    cut = None
    for axis, part in enumerate(idx):
        if part == _WHOLE:
            continue
        if not isinstance(part, tuple) or len(part) != 4 or part[0] != "slice" or \
                part[3] not in (None, 1) or cut is not None:
            return None
        start, stop, _ = slice(part[1], part[2]).indices(int(shape[axis]))
        cut = (axis, start, stop)
    return cut


def _tiled_scatters(n: Node):
    """``concatenate`` of the values when ``add`` or ``add_n`` node ``n`` sums (through other
    such nodes of its shape) ``slice_scatter``s whose slices, along one axis, tile the result
    exactly (see the module docstring); else None."""
    from dlcore.ops.shape import concatenate_p
    out = n.avals[0]
    shape = tuple(int(d) for d in out.shape)
    leaves, stack = [], list(n.inputs)
    while stack:
        v = stack.pop()
        m = v.node
        if m.kind == "prim" and m.prim.name in ("add", "add_n") and not m.control and \
                len(m.avals) == 1 and m.avals[0] == out and m is not n:
            stack.extend(m.inputs)
            continue
        leaves.append(v)
        if len(leaves) > 64:
            return None
    cuts = []
    for v in leaves:
        m = v.node
        cut = _scatter_slice(m, shape)
        if cut is None or m.avals[0].dtype != out.dtype or \
                m.inputs[0].aval.dtype != out.dtype:
            return None
        cuts.append((cut, m.inputs[0]))
    if len(cuts) < 2 or len({axis for (axis, _, _), _ in cuts}) != 1:
        return None
    cuts.sort(key=lambda c: c[0][1])
    axis, at = cuts[0][0][0], 0
    for (_, start, stop), _ in cuts:
        if start != at or stop <= start:
            return None
        at = stop
    if at != shape[axis]:
        return None
    return Node("prim", n.name, "ConcatV2", op=n.op, prim=concatenate_p,
                params={"axis": axis}, inputs=[v for _, v in cuts], avals=[out],
                defined_at=n.defined_at)


def _static_like(n: Node, out):
    """``broadcast_like``/``reshape_like``/``sum_to`` of a reference whose shape is known:
    the same op with the shape as a parameter (``broadcast_to``, ``reshape``, ``sum`` over the
    broadcast axes), so the reference is not an input any more.  Batch norm's gradient
    broadcasts a per-channel value "like" ``(x - mean) ** 2``, which then had to be written
    out by the forward only for its shape; a ``sum`` (unlike ``sum_to``) also joins the fused
    loop making its operand (``fusion``)."""
    from dlcore.ops.broadcast import broadcast_to_p
    from dlcore.ops.reduce import sum_p
    from dlcore.ops.shape import reshape_p
    name, x = n.prim.name, n.inputs[0]
    shape = tuple(int(d) for d in out.shape)
    if name == "broadcast_like":
        return Node("prim", n.name, "BroadcastTo", op=n.op, prim=broadcast_to_p,
                    params={"shape": shape}, inputs=[x], avals=[out], defined_at=n.defined_at)
    if name == "reshape_like":
        return Node("prim", n.name, "Reshape", op=n.op, prim=reshape_p,
                    params={"shape": shape}, inputs=[x], avals=[out], defined_at=n.defined_at)
    src = tuple(int(d) for d in x.aval.shape)
    lead = len(src) - len(shape)
    inner = tuple(lead + k for k, d in enumerate(shape) if d == 1 and src[lead + k] != 1)
    if lead and inner:
        return None                 # (two ops: a sum and a reshape; not needed so far)
    return Node("prim", n.name, "Sum", op=n.op, prim=sum_p,
                params={"axes": tuple(range(lead)) + inner, "keepdims": not lead},
                inputs=[x], avals=[out], defined_at=n.defined_at)


def run(prog: Program) -> int:
    """Apply the rewrites until nothing changes; return how many were applied.  Each sweep
    builds the new node list in one walk, reading inputs through the redirections made so far,
    and redirects the remaining uses in one scan (``Program.replace_many``): a membership test
    and a scan per rewrite made a 10,000-op chain quadratic (1 s here)."""
    total = conv_pads.run(prog)
    changed = True
    while changed:
        changed = False
        mapping: dict = {}
        nodes = []
        for n in prog.nodes:
            if mapping and any(v in mapping for v in n.inputs):
                n.inputs = [mapping.get(v, v) for v in n.inputs]
            new = None
            if n.kind == "prim" and not n.control and len(n.avals) == 1:
                new = _rewrite(prog, n)
            if new is None:
                nodes.append(n)
                continue
            if isinstance(new, Node):
                nodes.append(new)
                new = new.out()
            mapping[n.out()] = new
            total += 1
            changed = True
        prog.nodes = nodes
        prog.replace_many(mapping)
    prog.renumber()
    return total
