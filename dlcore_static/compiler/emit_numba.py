"""Numba source for single IR nodes, used by the whole-plan compiler (``codegen.py``).

Inside a generated ``@njit`` function every value is a local variable: an array, or a plain
scalar for a rank-0 value (so a loss or a learning rate costs no allocation).  Shapes are
literals: the plan's key fixes the feed shapes, and ``ir.infer_shapes`` made every shape
concrete.  ``Emitter.node(n)`` returns the statements for one node, or raises ``Unsupported``
with the reason (the node then runs in Python, through the interpreter's executor).

What compiles:

* elementwise primitives and fused groups: a loop nest from the primitives' ``expr``
  (``loops.py``; ``prange`` over the first axis from ``PARALLEL_THRESHOLD`` elements on);
* ``matmul``: NumPy's BLAS between segments, not Numba code (see ``MATMUL_IN_NUMBA``); with
  ``DLCORE_NUMBA_MATMUL=1``, ``np.dot`` of two 2-D float arrays (BLAS through SciPy's bindings);
* 2-D ``transpose`` (a view, ``.T``), ``reshape`` and friends, ``broadcast_to``/``_like``,
  ``full_like``;
* ``sum``/``max``/``min`` over any axes and ``sum_to`` (loops, float64 accumulators);
* ``take``, ``scatter_add``, ``concatenate``, basic ``getitem`` and ``slice_scatter``
  (``emit_index.py``: what a recurrent loop body reads, writes and joins);
* ``Cond``: ``if pred: <true branch> else: <false branch>``; ``While``: a ``while`` loop whose
  condition and body are the loop context's ops.  Both are compiled from their sub-graphs when
  every op in them compiles.

Anything else (variable reads and assigns, random ops, ``WhileGrad``, N-d transposes, integer
matmuls) is left to Python by ``codegen.py``; a cond or while_loop that does not compile whole
runs with its branches or body as compiled sub-programs (``control.py``).
"""

from __future__ import annotations

import os
from contextvars import ContextVar

import numpy as np

from dlcore.dtypes import is_floating
from dlcore.kernels.cpu import runtime as _rt
from dlcore.kernels.cpu.elementwise import PARALLEL_THRESHOLD
from dlcore.registry import AVal

from .. import plan as _plan
from ..graph import Tensor
from . import loop_fold, loops
from .emit_index import CHECK_TYPES, IndexEmitter, Unsupported
from .loop_sources import LoopSources
from .ir import Node, Program, Val, infer_shapes

_VIEWS = {"reshape", "reshape_like", "expand_dims", "squeeze"}


# Matmuls are called from the Python glue with NumPy's BLAS rather than as ``np.dot`` inside a
# Numba segment: single-threaded, ``np.dot`` in Numba (SciPy's own OpenBLAS) measured 10-15%
# slower than ``np.matmul`` at the seed's shapes (e.g. 156 vs 139 us at 64x1000x100), and one
# BLAS library means one BLAS thread pool: a plan mixing the two (a compiled while_loop with
# np.dot next to the interpreter's WhileGrad) ran 10x slower than the interpreter on a busy
# 2-core machine, the two pools' spinning threads taking turns on the cores.  The price: a
# cond or while_loop whose body holds a matmul is not compiled whole: its body runs as a
# compiled sub-program with the matmul in its glue (control.py).  DLCORE_NUMBA_MATMUL=1 turns
# np.dot in Numba back on.
MATMUL_IN_NUMBA = os.environ.get("DLCORE_NUMBA_MATMUL", "0") == "1"
# In a loop body's or cond branch's sub-program (control.py, once per iteration), a matmul of
# at most SMALL_MATMUL multiply-adds is a loop nest in the segment instead: a recursive or
# recurrent cell on one row ((1, 2H) @ (2H, H)) costs less than the Python glue around a BLAS
# call, and the body then compiles as one segment.  The one-graph tree program (tree_rnn,
# quick: (1, 64) @ (64, 32)) ran at 0.48x PyTorch eager with it against 0.64x without, and
# 0.70x against 0.90x at full size ((1, 128) @ (128, 64)), CPU time, interleaved, load 5-8.
SMALL_MATMUL = 16384
IN_SUB_PROGRAM: ContextVar[bool] = ContextVar("dlcore_in_sub_program", default=False)


def _macs(a: Val, b: Val) -> int:
    (m, k), c = a.aval.shape, b.aval.shape[1]
    return int(m) * int(k) * int(c)


#: Loops read a basic slice of an array from the array itself (``Emitter._sliced_source``);
#: False keeps the view (for measuring the difference).
SLICE_OFFSETS = True


def _branch_outputs(outs, caps: list, ctx) -> list:
    """A branch's outputs with the identity that ``cond`` puts on each of them skipped
    (``loop_history.unwrap_identity``, as the executors do): written out, each identity was a
    copy loop over its array in every run (issue 19).  An output is then the array its branch
    made, or a capture passed through (as with the executors)."""
    from ..loop_history import unwrap_identity
    res = []
    for t in outs:
        u = unwrap_identity(t)
        res.append(u if u.op._ctx is ctx or any(u is c for c in caps) else t)
    return res


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def _shape_text(shape) -> str:
    shape = tuple(int(d) for d in shape)
    return "(" + "".join(f"{d}, " for d in shape) + ")"


class Emitter(IndexEmitter, LoopSources):
    """Writes statements; ``names`` maps a Val to its local name (or a literal's text)."""

    def __init__(self, names: dict, fresh):
        self.names = names
        self.fresh = fresh            # fresh(prefix) -> a new unique local name
        self.parallel = False
        self.inplace: dict = {}       # Val -> the name of the buffer to write it into
        self.literals: dict = {}      # Val of a constant whose elements are equal -> its text
        self.depth = 0                # > 0 inside a cond branch or a loop body
        # values used outside the function being written (None: assume every value is); a
        # broadcast that is not is a view instead of a copy
        self.escaping: set | None = None
        # the nodes of the segment being written (None in trial emission): a node may be
        # written with another of them (the cross-entropy with its gradient, emit_xent.py)
        self.segment: list | None = None
        self.bias_logits: dict = {}   # Val -> (a, b): a bias add the cross-entropy reads
        self.c_arrays: set = set()    # names of C-contiguous arrays (a loop may fold them)
        self._seg_prims: tuple | None = None        # (segment, its prim names): segment_prims

    def name(self, v: Val) -> str:
        return self.names[v]

    @staticmethod
    def _unsupported(why: str) -> Unsupported:
        return Unsupported(why)

    def node(self, n: Node) -> list[str]:
        for a in [*n.avals, *(v.aval for v in n.inputs)]:
            if not a.fully_defined:
                raise Unsupported(f"'{n.name}' has a shape unknown while compiling")
        if (n.op is not None and n.op.attrs.get("unknown_rank")) or \
                any(v.unknown_rank for v in n.inputs):
            raise Unsupported(f"'{n.name}' reads or makes a value of unknown rank")
        if n.kind == "fused":
            return self.loop(n, n.members, n.params["outputs"], n.params["loop_shape"])
        if n.kind == "const":
            c = loops.uniform_const(n.out())
            if c is None or n.avals[0].shape != ():
                raise Unsupported("an array constant is an argument")   # handled by caller
            self.names[n.out()] = loops.literal(c, n.avals[0].dtype)
            return []
        if n.kind == "graph":
            if n.type == "Cond":
                return self.cond(n)
            if n.type == "While":
                return self.while_(n)
            if n.type == "NoOp":
                return []
            if n.type == "Identity" or n.type == "PlaceholderWithDefault":
                self.names[n.out()] = self.name(n.inputs[0])
                return []
            if n.type in CHECK_TYPES:
                return self.check_indices(n)
            raise Unsupported(f"op type {n.type} runs in Python")
        if n.kind != "prim":
            raise Unsupported(f"node kind {n.kind}")
        p = n.prim.name
        if loops.loop_expr(n) is not None:
            if loops.runs_as_ufunc(n):
                raise Unsupported(f"{p} over {_size(n.avals[0].shape)} floats runs as NumPy's "
                                  "SIMD ufunc in the glue (loops.SIMD_UFUNCS)")
            if n.avals[0].shape == ():
                return self.scalar_expr(n)
            return self.loop(n, [n], [n.out()], tuple(n.avals[0].shape))
        method = getattr(self, "prim_" + p, None)
        if method is None:
            raise Unsupported(f"primitive {p} has no Numba emitter")
        return method(n)

    # -- elementwise
    def scalar_expr(self, n: Node) -> list[str]:
        args = [self.name(v) for v in n.inputs]
        for v in n.inputs:
            if v.aval.shape != ():
                raise Unsupported("a rank-0 result of a non-scalar input")
        out = self.fresh("s")
        template = loops.loop_expr(n)
        if template is None:
            raise Unsupported(f"primitive {n.prim.name} has no loop template")
        expr = template.format(*args)
        if n.avals[0].dtype.kind != "b" or n.prim.name == "cast":
            expr = f"{loops.np_type(n.avals[0].dtype)}({expr})"
        self.names[n.out()] = out
        return [f"{out} = {expr}"]

    def loop(self, n: Node, members, outputs, loop_shape) -> list[str]:
        loop_shape = tuple(int(d) for d in loop_shape)
        if not loop_shape:
            raise Unsupported("a fused group of rank 0")
        if self.segment and {"sparse_softmax_xent", "sparse_softmax_xent_grad"} <= \
                self.segment_prims():
            from .emit_xent import defer_bias_add   # (a classifier head's bias add)
            if defer_bias_add(self, n, members, outputs):
                return []
        name_of: dict = {}
        ext = []
        for m in members:
            for v in m.inputs:
                if v.node not in members and v not in ext:
                    ext.append(v)
        for v in ext:
            text = self.literals.get(v) or self.name(v)
            src = self._broadcast_source(v)
            if src is not None and src.aval.shape == ():
                name_of[v] = ("scalar", self.name(src))
            elif src is not None:
                name_of[v] = ("broadcast", (self.name(src), tuple(src.aval.shape)))
            elif v.aval.shape == () or v in self.literals:
                name_of[v] = ("scalar", text)
            else:
                view = self._sliced_source(v) if SLICE_OFFSETS else None
                name_of[v] = ("offset", view) if view is not None else ("array", text)
        lines = []
        outs = []
        for k, mv in enumerate(outputs):
            if loops.is_reduction(mv.node):
                continue
            buf = self.inplace.get(n.out(k))
            name = buf if buf is not None else self.fresh("o")
            if buf is None:
                lines.append(f"{name} = c_empty({_shape_text(loop_shape)}, "
                             f"{loops.np_type(mv.aval.dtype)})")
                self.c_arrays.add(name)
            name_of[mv] = ("out", name)
        fold, back = None, {}
        folded = loop_fold.plan(members, loop_shape, name_of, self.c_arrays, self.fresh)
        if folded is not None:          # (fewer axes: loop_fold.py)
            fold, loop_shape, views, name_of, back = folded
            lines += views
        e = loops.emit(members, outputs, loop_shape, name_of, prefix=self.fresh("L") + "_",
                       fast32=True, fold=fold)
        par = _size(loop_shape) >= PARALLEL_THRESHOLD and loop_shape[0] > 1 and \
            not loops.has_partial_reduction(members) and _rt.parallel_ok
        self.parallel |= par
        bounds = loops.bound_texts(loop_shape, name_of) if fold is None else \
            loop_fold.bounds(loop_shape, name_of)
        lines += loops.loop_lines(e, bounds, par, "")
        for k, text in enumerate(e.outputs):
            text = back.get(text, text)
            outs.append(text)
            self.names[n.out(k)] = text
        return lines

    # -- linear algebra and shapes
    def prim_matmul(self, n: Node) -> list[str]:
        a, b = n.inputs
        if len(a.aval.shape) != 2 or len(b.aval.shape) != 2 or not is_floating(a.aval.dtype) \
                or n.params:
            raise Unsupported("matmul other than 2-D float @ 2-D float (no transpose flags)")
        if not MATMUL_IN_NUMBA:
            if IN_SUB_PROGRAM.get() and _macs(a, b) <= SMALL_MATMUL and \
                    a.aval.dtype == b.aval.dtype:
                return self._small_matmul(n, a, b)
            from . import gemm_in_numba
            if gemm_in_numba.direct_product(n):     # OpenBLAS's unpacked kernel, from Numba
                out = self.fresh("m")
                self.names[n.out()] = out
                mkn = (int(a.aval.shape[0]), int(a.aval.shape[1]), int(b.aval.shape[1]))
                self.c_arrays.add(out)                # (a new C-contiguous array)
                return gemm_in_numba.lines(out, gemm_in_numba.operand(a, self.names),
                                           gemm_in_numba.operand(b, self.names), mkn)
            raise Unsupported("a matmul runs as NumPy's BLAS call between segments (a cond or "
                              "while_loop holding one runs its body as a compiled sub-program)")
        out = self.fresh("m")
        self.names[n.out()] = out
        return [f"{out} = np.dot({self.name(a)}, {self.name(b)})"]

    def _small_matmul(self, n: Node, a: Val, b: Val) -> list[str]:
        """A matmul of at most SMALL_MATMUL multiply-adds as a loop nest (no BLAS call)."""
        (m, k), c = a.aval.shape, b.aval.shape[1]
        out, i, p, j, s = (self.fresh(x) for x in ("m", "mmr", "mmk", "mmc", "mma"))
        self.names[n.out()] = out
        A, B = self.name(a), self.name(b)
        return [*self.filled(out, (int(m), int(c)), "0", loops.np_type(n.avals[0].dtype)),
                f"for {i} in range({int(m)}):",
                f"    for {p} in range({int(k)}):",
                f"        {s} = {A}[{i}, {p}]",
                f"        for {j} in range({int(c)}):",
                f"            {out}[{i}, {j}] += {s} * {B}[{p}, {j}]"]

    def prim_sparse_softmax_xent(self, n: Node) -> list[str]:
        from .emit_xent import xent_lines  # the row loop, in the segment
        lines = xent_lines(self, n)
        if lines is None:
            raise Unsupported("sparse_softmax_xent other than (rows, C) float logits and "
                              "int64 labels (rows,)")
        return lines

    def prim_sparse_softmax_xent_grad(self, n: Node) -> list[str]:
        from .emit_xent import xent_grad_lines  # the row loop, in the segment
        lines = xent_grad_lines(self, n)
        if lines is None:
            raise Unsupported("sparse_softmax_xent_grad other than (rows, C) float logits, "
                              "int64 labels (rows,) and a cotangent (rows,) of their dtype")
        return lines

    def prim_transpose(self, n: Node) -> list[str]:
        x = n.inputs[0]
        if len(x.aval.shape) != 2:
            raise Unsupported("transpose of rank other than 2")
        out = self.fresh("v")
        self.names[n.out()] = out
        return [f"{out} = {self.name(x)}.T"]

    def _reshape(self, n: Node) -> list[str]:
        x, shape = n.inputs[0], tuple(n.avals[0].shape)
        out = self.fresh("v")
        self.names[n.out()] = out
        if x.aval.shape == ():
            return self.filled(out, shape, self.name(x), loops.np_type(n.avals[0].dtype))
        if shape == ():
            return [f"{out} = np.ascontiguousarray({self.name(x)}).reshape(-1)[0]"]
        self.c_arrays.add(out)
        return [f"{out} = c_view({self.contiguous(x)}, {_shape_text(shape)})"]

    prim_reshape = prim_reshape_like = prim_expand_dims = prim_squeeze = _reshape

    def _broadcast(self, n: Node) -> list[str]:
        x, shape = n.inputs[0], tuple(n.avals[0].shape)
        out = self.fresh("v")
        self.names[n.out()] = out
        if x.aval.shape == ():
            return self.filled(out, shape, self.name(x), loops.np_type(n.avals[0].dtype))
        if self.escaping is not None and n.out() not in self.escaping:
            # read only inside this function: a view (strides 0 on the broadcast axes), not a
            # copy; a softmax's (700, 1) -> (700, 10000) broadcast was a 28 MB copy per use
            return [f"{out} = np.broadcast_to({self.name(x)}, {_shape_text(shape)})"]
        return [(f"{out} = np.ascontiguousarray(np.broadcast_to({self.name(x)}, "
                f"{_shape_text(shape)}))")]

    prim_broadcast_to = prim_broadcast_like = _broadcast

    def prim_full_like(self, n: Node) -> list[str]:
        a = n.avals[0]
        val = loops.literal(n.params["value"], a.dtype)
        out = self.fresh("v")
        self.names[n.out()] = out
        if a.shape == ():
            return [f"{out} = {val}"]
        return self.filled(out, tuple(a.shape), val, loops.np_type(a.dtype))

    # -- reductions
    def segment_prims(self) -> set:
        """The primitive names of the segment's prim nodes (made once per segment)."""
        got = self._seg_prims
        if got is None or got[0] is not self.segment:
            got = (self.segment, {m.prim.name for m in self.segment or () if m.kind == "prim"})
            self._seg_prims = got
        return got[1]

    def _reduce(self, n: Node, x: Val, axes: tuple, kind: str) -> list[str]:
        if n.out() in self.names:       # (written with the cross-entropy: emit_xent.py)
            return []
        src = tuple(int(d) for d in x.aval.shape)
        out_aval = n.avals[0]
        dt = out_aval.dtype
        acc_t = "np.float64" if is_floating(dt) else "np.int64"
        init = {"sum": "0", "max": "-math.inf" if is_floating(dt) else None,
                "min": "math.inf" if is_floating(dt) else None}[kind]
        if init is None:
            raise Unsupported("integer max/min")
        out = self.fresh("r")
        self.names[n.out()] = out
        xs = self.name(x)
        if not src:
            return [f"{out} = {loops.np_type(dt)}({xs})"]
        idx = ", ".join(f"i{k}" for k in range(len(src)))
        full = set(axes) == set(range(len(src)))
        acc = self.fresh("acc")
        upd = {"sum": "{a} += {x}", "max": "if {x} > {a} or {x} != {x}: {a} = {x}",
               "min": "if {x} < {a} or {x} != {x}: {a} = {x}"}[kind]
        lines = []
        if full and kind == "sum" and x.aval.dtype == np.float32 and \
                src[-1] >= loops.ROW_SUM_MIN:
            # a float32 sum of everything: each row by ``fsum64`` (float64, vectorised; a
            # serial ``acc += x`` waits ~4 cycles per element: the batch mean of a 64x256
            # input took 24 us, 4 this way), the same value but where float64 rounding of
            # the partial sums reaches float32's last bit (``loops.loop_lines`` does the same)
            lines.append(f"{acc} = np.float64(0)")
            nest, ind = loops.for_nest((f"i{k}", d) for k, d in enumerate(src[:-1]))
            lines.extend(nest)
            row = ", ".join([f"i{k}" for k in range(len(src) - 1)] + [":"]) if len(src) > 1 \
                else None
            # (the row's length not as a literal: see loops.loop_lines)
            rows = xs if row is None else f"{xs}[{row}]"
            lines.append(f"{ind}{acc} += fsum64({rows}, {xs}.shape[{len(src) - 1}])")
            if out_aval.shape == ():
                lines.append(f"{out} = {loops.np_type(dt)}({acc})")
            else:
                lines += self.filled(out, tuple(out_aval.shape), acc, loops.np_type(dt))
            return lines
        if full:
            lines.append(f"{acc} = {acc_t}({init})")
            target = acc
        else:
            keep = tuple(1 if k in axes else d for k, d in enumerate(src))
            lines += self.filled(acc, keep, init, acc_t)
            target = f"{acc}[{', '.join('0' if k in axes else f'i{k}' for k in range(len(src)))}]"
        nest, ind = loops.for_nest((f"i{k}", d) for k, d in enumerate(src))
        lines.extend(nest)
        lines.append(ind + upd.format(a=target, x=f"{xs}[{idx}]"))
        if out_aval.shape == ():
            lines.append(f"{out} = {loops.np_type(dt)}({acc})" if full else
                         f"{out} = {loops.np_type(dt)}({acc}.reshape(-1)[0])")
        elif full:
            lines += self.filled(out, tuple(out_aval.shape), acc, loops.np_type(dt))
        else:                   # acc rounded to dt, in out's shape (acc's size)
            lines += self.rounded(out, tuple(out_aval.shape), acc, loops.np_type(dt))
        return lines

    def prim_sum(self, n: Node) -> list[str]:
        return self._reduce(n, n.inputs[0], tuple(n.params["axes"]), "sum")

    def prim_max(self, n: Node) -> list[str]:
        return self._reduce(n, n.inputs[0], tuple(n.params["axes"]), "max")

    def prim_min(self, n: Node) -> list[str]:
        return self._reduce(n, n.inputs[0], tuple(n.params["axes"]), "min")

    def prim_sum_to(self, n: Node) -> list[str]:
        x = n.inputs[0]
        src, dst = tuple(x.aval.shape), tuple(n.avals[0].shape)
        lead = len(src) - len(dst)
        axes = tuple(range(lead)) + tuple(lead + k for k, d in enumerate(dst)
                                          if d == 1 and src[lead + k] != 1)
        return self._reduce(n, x, axes, "sum")

    # -- control flow
    def _sub_nodes(self, outputs, captured: list, captured_vals: list, ctx) -> tuple:
        """IR nodes for the ops of ``ctx`` that ``outputs`` need, captures bound to values."""
        ops = _plan.prune(list(outputs), [], set(captured), ctx)
        val_of: dict = dict(zip(captured, captured_vals))
        nodes = []
        for op in ops:
            kind = "prim" if op.prim is not None else ("const" if op.type == "Const"
                                                       else "graph")
            sub = Node(kind, op.name, op.type, op=op, prim=op.prim, params=op.params,
                       inputs=[val_of[t] for t in op.inputs],
                       avals=[t.aval for t in op.outputs],
                       value=op.attrs.get("value") if kind == "const" else None)
            for t in op.outputs:
                val_of[t] = sub.out(t.value_index)
            nodes.append(sub)

        p = Program()                 # (infer_shapes reads only its nodes)
        p.nodes = nodes
        infer_shapes(p)
        return nodes, [val_of[t] for t in outputs]

    def block(self, nodes) -> list[str]:
        self.depth += 1
        try:
            return self._block(nodes)
        finally:
            self.depth -= 1

    def _block(self, nodes) -> list[str]:
        lines = []
        for sub in nodes:
            if sub.kind == "const":
                c = loops.uniform_const(sub.out())
                if c is None:
                    raise Unsupported(f"array constant '{sub.name}' inside control flow")
                if sub.avals[0].shape == ():
                    self.names[sub.out()] = loops.literal(c, sub.avals[0].dtype)
                else:
                    name = self.fresh("k")
                    lines += self.filled(name, tuple(sub.avals[0].shape),
                                         loops.literal(c, sub.avals[0].dtype),
                                         loops.np_type(sub.avals[0].dtype))
                    self.names[sub.out()] = name
                continue
            lines += self.node(sub)
        return lines

    def _assign_outputs(self, targets: list[str], vals: list[Val]) -> list[str]:
        lines = []
        for t, v in zip(targets, vals):
            if v.aval.shape == ():
                lines.append(f"{t} = {loops.np_type(v.aval.dtype)}({self.name(v)})")
            else:
                lines.append(f"{t} = {self.contiguous(v)}")
        return lines

    def cond(self, n: Node) -> list[str]:
        op = n.graph_op()
        caps = list(op.inputs[1:])
        outs = [self.fresh("c") for _ in n.avals]
        lines = [f"if {self.name(n.inputs[0])}:"]
        for i in (0, 1):
            ctx = op.attrs["branches"][i]
            nodes, res = self._sub_nodes(_branch_outputs(op.attrs["branch_outputs"][i], caps,
                                                         ctx), caps, n.inputs[1:], ctx)
            for a, v in zip(n.avals, res):
                if not v.aval.fully_defined or len(v.aval.shape) != len(a.shape):
                    raise Unsupported("cond branches with shapes unknown while compiling")
            body = self.block(nodes) + self._assign_outputs(outs, res)
            lines += ["    " + s for s in (body or ["pass"])]
            if i == 0:
                lines.append("else:")
        for k, o in enumerate(outs):
            self.names[n.out(k)] = o
        return lines

    def while_(self, n: Node) -> list[str]:
        op = n.graph_op()
        nv = op.attrs["nvars"]
        lvars = list(op.attrs["loop_vars"])
        caps = list(op.inputs[nv:])
        init = n.inputs[:nv]
        lv_vals = [Val(Node("feed", t.name, "LoopVar", avals=[AVal(tuple(v.aval.shape),
                                                                    v.aval.dtype)]), 0)
                   for t, v in zip(lvars, init)]
        names = [self.fresh("lv") for _ in lvars]
        for v, nm in zip(lv_vals, names):
            self.names[v] = nm
        captured = lvars + caps
        cvals = lv_vals + list(n.inputs[nv:])
        cnodes, (pred,) = self._sub_nodes([op.attrs["pred"]], captured, cvals, op.attrs["context"])
        bnodes, res = self._sub_nodes(op.attrs["body_outputs"], captured, cvals,
                                      op.attrs["context"])
        for v, r in zip(lv_vals, res):
            if not r.aval.fully_defined or tuple(r.aval.shape) != tuple(v.aval.shape):
                raise Unsupported("a loop variable whose shape changes (shape_invariants)")
        lines = self._assign_outputs(names, list(init))
        it = self.fresh("it")
        lines.append(f"{it} = 0")
        lines.append("while True:")
        mx = op.attrs["max_iter"]
        if mx is not None:
            if isinstance(mx, Tensor):
                raise Unsupported("maximum_iterations given as a tensor")
            lines.append(f"    if {it} >= {int(mx)}:")
            lines.append("        break")
        lines += ["    " + s for s in self.block(cnodes)]
        lines.append(f"    if not {self.name(pred)}:")
        lines.append("        break")
        new = [self.fresh("nv") for _ in lvars]
        lines += ["    " + s for s in self.block(bnodes) + self._assign_outputs(new, res)]
        for a, b in zip(names, new):
            lines.append(f"    {a} = {b}")
        lines.append(f"    {it} += 1")
        for k, nm in enumerate(names):
            self.names[n.out(k)] = nm
        return lines
