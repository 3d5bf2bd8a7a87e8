"""Pass ``fusion``: chains of elementwise primitives become one generated kernel each.

Unfused, ``relu(x @ w + b)`` runs a matmul, then an add kernel that writes an N x H temporary,
then a relu kernel that reads it back: every elementwise op is one more pass over memory and one
more dispatch.  Fusion groups elementwise nodes that share a loop shape into a single ``fused``
node whose kernel (``loops.py``) evaluates the whole chain per element.  Typical groups in a
training step:

* the epilogue of a layer: ``maximum(x @ w, 0)`` (the matmul itself stays BLAS);
* the loss: ``sum((yp - y) ** 2)`` together with its gradient ``2 * (yp - y)``: one pass
  produces the scalar loss and the gradient array;
* the backward of relu: ``where(x >= 0, g, 0)``;
* each SGD update ``w - lr * g``.

Grouping, in topological order: an elementwise node joins the group of one of its producers
when it has the group's loop shape and joining creates no cycle (no *other* input of the node
depends on the group through nodes outside it).  A ``sum`` over every axis may close a group
(its value exists only after the loop, so nothing in the group may use it), and so may a
``sum`` over some of the axes (batch norm's per-channel sums, accumulated per kept index: the
statistics and the gradient sums are made in the pass that makes their operand, with no
temporary; such a loop runs serially).  A group holds at
most ``MAX_GROUP`` members (bounded compile time for very deep chains).  A value larger than
the host's memory is never fused: unfused, TensorFlow and the interpreter fail to allocate it
(ResourceExhaustedError naming the node); fused into a reduction it would be computed without
being stored, a run of hours where the unoptimised plan raised at once.  A group exposes as
outputs the member values used outside it.  Groups of one node stay ordinary primitive nodes.

On the CPU the kernels are ``@njit(cache=True)`` functions written to a real file in the cache
folder (``dlcore.jitcache``); on CUDA, ``cuda_fusion.py`` writes numba.cuda kernels from the
same member list.
"""

from __future__ import annotations

import os

import numpy as np

from dlcore.dtypes import is_floating
from dlcore.jitcache import load_generated_module
from dlcore.kernels.cpu import runtime as _rt
from dlcore.kernels.cpu.elementwise import PARALLEL_THRESHOLD

from . import batch_norm_fold, loops, run_time_broadcast
from .ir import Node, Program, Val, topo_sort

MAX_RANK = 4
# members per fused group: a 10,000-deep elementwise chain becomes many loops of bounded size,
# so Numba's compile time grows linearly with depth (issue 15 #7)
MAX_GROUP = 64


def _host_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):     # (no sysconf: no limit known)
        return 1 << 62


HOST_BYTES = _host_bytes()


def _beyond_memory(aval) -> bool:
    """Would storing ``aval`` take more than the host's physical memory?"""
    n = aval.dtype.itemsize
    for d in aval.shape:
        n *= d
    return n > HOST_BYTES


def _elementwise(n: Node, on_cuda: bool = False) -> bool:
    return (n.kind == "prim" and len(n.avals) == 1
            and (n.prim.expr is not None or (not on_cuda and loops.loop_expr(n) is not None))
            and not n.control and n.avals[0].fully_defined
            and 1 <= len(n.avals[0].shape) <= MAX_RANK
            and (n.avals[0].dtype.kind in "biu" or is_floating(n.avals[0].dtype))
            and not any(v.unknown_rank for v in n.inputs))


def _full_sum(n: Node) -> bool:
    if n.kind != "prim" or n.prim.name != "sum" or n.control:
        return False
    src = n.inputs[0].aval
    return (tuple(n.params.get("axes", ())) == tuple(range(len(src.shape)))
            and not n.params.get("keepdims") and is_floating(n.avals[0].dtype))


def _partial_sum(n: Node) -> bool:
    """A float ``sum`` over some axes of a fully known array (batch norm's per-channel sums:
    over N, H, W of an NHWC value), which may close a group like a full sum (its accumulator
    is an array over the kept axes, ``loops.emit``)."""
    if n.kind != "prim" or n.prim.name != "sum" or n.control or len(n.avals) != 1:
        return False
    src, out = n.inputs[0].aval, n.avals[0]
    return (src.fully_defined and out.fully_defined and 1 <= len(src.shape) <= MAX_RANK
            and is_floating(out.dtype) and out.dtype == src.dtype
            and not n.inputs[0].unknown_rank and loops.is_partial_reduction(n))


class _Groups:
    def __init__(self, prog: Program):
        self.group_of: dict[Node, list] = {}
        self.index = {n: i for i, n in enumerate(prog.nodes)}

    def depends_on(self, start: Node, group: list) -> bool:
        """Does ``start`` (outside ``group``) depend on a member of ``group``?"""
        members = set(group)
        low = min(self.index[m] for m in group)
        stack, seen = [start], set()
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            g = self.group_of.get(n)
            # a node made before the group cannot depend on it; for a node in another group
            # the whole group counts, up to its last member (issue 15 #2: two groups in a cycle)
            if (self.index.get(n, -1) if g is None else self.index[g[-1]]) < low:
                continue
            seen.add(n)
            if n in members:
                return True
            srcs = [v.node for m in g for v in m.inputs] if g is not None else \
                [v.node for v in n.inputs]
            stack.extend(srcs)
            stack.extend(n.control)
        return False

    def can_join(self, n: Node, group: list, loop_shape) -> bool:
        members = set(group)
        for v in n.inputs:
            if v.node in members:
                if loops.is_reduction(v.node):
                    return False
                continue
            if self.depends_on(v.node, group):
                return False
        return True


def _external_inputs(group: list, other: list) -> list:
    """The nodes ``group``'s members read (or wait for) that neither group holds."""
    members = set(group) | set(other)
    return [v.node for m in group for v in m.inputs if v.node not in members] + \
        [c for m in group for c in m.control]


def _merge_producers(gs: _Groups, groups: list, shape_of: dict, n: Node, g: list) -> None:
    """``n`` joined ``g``; merge into ``g`` every other group of its loop shape that makes an
    input of ``n`` when no path joins the two through nodes outside both (a cycle), neither
    holds a reduction and the sum stays within ``MAX_GROUP``.  Adam's update of a weight reads
    the new ``m`` and the new ``v``, each its own chain from the gradient: merged, the three
    updates are one loop that reads the gradient, the slots and the weight once (issue 19)."""
    for v in n.inputs:
        h = gs.group_of.get(v.node)
        if h is None or h is g or shape_of[id(h)] != shape_of[id(g)] or \
                len(g) + len(h) > MAX_GROUP or \
                any(loops.is_reduction(m) for m in g + h):
            continue
        if any(gs.depends_on(x, h) for x in _external_inputs(g, h)) or \
                any(gs.depends_on(x, g) for x in _external_inputs(h, g)):
            continue
        g.extend(h)
        g.sort(key=gs.index.__getitem__)
        for m in h:
            gs.group_of[m] = g
        groups.remove(h)


def run(prog: Program) -> int:
    """Form the groups and rewrite them into fused nodes; return the number of fused nodes."""
    on_cuda = prog.device is not None and prog.device.type == "cuda"
    if not on_cuda and batch_norm_fold.ENABLED:
        batch_norm_fold.run(prog, lambda m: _elementwise(m) and not loops.runs_as_ufunc(m))
    gs = _Groups(prog)
    groups: list[list] = []
    shape_of: dict[int, tuple] = {}
    for n in prog.nodes:
        if n.op is not None and n.op.device is not None and n.op.device != prog.device:
            continue                                 # placed elsewhere: left alone
        ew, red = _elementwise(n, on_cuda), (_full_sum(n) or _partial_sum(n)) and not on_cuda
        if ew and not on_cuda and loops.runs_as_ufunc(n):
            continue                                 # NumPy's SIMD ufunc (loops.py)
        if not (ew or red) or (ew and not on_cuda and _beyond_memory(n.avals[0])):
            continue                                 # (too big: its allocation fails, as TF's)
        shape = tuple(n.inputs[0].aval.shape) if red else tuple(n.avals[0].shape)
        joined = False
        for v in n.inputs:
            g = gs.group_of.get(v.node)
            if g is None or shape_of[id(g)] != shape or len(g) >= MAX_GROUP:
                continue
            if gs.can_join(n, g, shape):
                g.append(n)
                gs.group_of[n] = g
                joined = True
                if ew:
                    _merge_producers(gs, groups, shape_of, n, g)
                break
        if not joined and ew:
            g = [n]
            groups.append(g)
            shape_of[id(g)] = shape
            gs.group_of[n] = g
    made = [g for g in groups if len(g) >= 2]
    if made:
        _rewrite(prog, made, [shape_of[id(g)] for g in made])
        topo_sort(prog)
    return len(made)


def _rewrite(prog: Program, groups: list, loop_shapes: list) -> None:
    """Replace each group by one fused node, all in one scan of the program (a tree network's
    plan fuses about 50 groups in 420 nodes: group by group, each rewrite scanned it all)."""
    group_of = {m: k for k, g in enumerate(groups) for m in g}
    used_outside = set()
    for n in prog.nodes:
        k = group_of.get(n)
        for v in n.inputs:
            j = group_of.get(v.node)
            if j is not None and j != k:
                used_outside.add(v)
    used_outside.update(f for f in prog.fetches if f is not None and f.node in group_of)
    fused_at: dict = {}                  # last member -> the fused node taking its place
    mapping: dict = {}
    for members, loop_shape in zip(groups, loop_shapes):
        mset = set(members)
        inputs: list[Val] = []
        for m in members:
            for v in m.inputs:
                if v.node not in mset and v not in inputs:
                    inputs.append(v)
        outs = [m.out() for m in members if m.out() in used_outside]
        label = "+".join(m.prim.name for m in members)
        node = Node("fused", f"fused({', '.join(m.name for m in members)})", f"Fused[{label}]",
                    inputs=inputs, avals=[v.aval for v in outs],
                    params={"outputs": outs, "loop_shape": loop_shape},
                    defined_at=members[-1].defined_at)
        node.members = list(members)
        fused_at[members[-1]] = node
        for i, v in enumerate(outs):
            mapping[v] = node.out(i)
    # the members keep their own inputs (the loop reads them); only the program drops them,
    # then every use outside a group is redirected to the fused node's output
    prog.nodes = [fused_at.get(n, n) for n in prog.nodes if n not in group_of or n in fused_at]
    prog.replace_many(mapping)


# ============================================================================ CPU kernels
def cpu_kernel(node: Node):
    """``(fn, params)`` running fused ``node`` on NumPy buffers (interpreter path)."""
    loop_shape = node.params["loop_shape"]
    rank = len(loop_shape)
    dtypes = [a.dtype for a in node.avals]
    nout = len(node.avals)
    single = nout == 1
    built: list = []

    def build():
        # made on the first call: a compiled plan never calls it (only traced runs and the
        # step-by-step re-run after an error do), so its source is not written per fused node
        src, in_kinds, arr_outs = loops.kernel_source(node, rank)
        mod = load_generated_module("fused", src)
        built[:] = [mod.kernel, mod.kernel_par, [k for _, k in in_kinds], arr_outs]
        return built

    # operands with an unknown dimension: checked and broadcast per call (run_time_broadcast)
    unsure = run_time_broadcast.unsure_operands(node)
    loop = tuple(int(d) for d in loop_shape)

    def fused(*xs):
        serial, parallel, kinds, arr_outs = built or build()
        if unsure:
            fit = list(xs)
            for j, assumed in unsure:
                if kinds[j] == "array":
                    fit[j] = run_time_broadcast.fit_host(fit[j], assumed, loop)
            xs = tuple(fit)
        args = []
        for x, kind in zip(xs, kinds):
            if kind == "array":
                args.append(x)
            elif kind == "scalar":
                args.append(x[()])
        shape = loop_shape
        outs = [np.empty(shape, dtypes[k]) for k in arr_outs]
        size = 1
        for d in shape:
            size *= d
        fn = parallel if size >= PARALLEL_THRESHOLD and _rt.parallel_ok else serial
        reds = fn(*shape, *outs, *args)
        res, oi, ri = [], 0, 0
        for k in range(nout):
            if k in arr_outs:
                res.append(outs[oi])
                oi += 1
            else:
                res.append(np.asarray(reds[ri], dtypes[k]))
                ri += 1
        return res[0] if single else tuple(res)
    fused.__name__ = "fused_kernel"
    return fused, {}
