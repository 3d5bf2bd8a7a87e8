"""Pass ``compile``: the whole plan as one generated Numba function (CPU), or as one generated
Python function calling its numba.cuda kernels (a CUDA Session: ``cuda_glue.py``).

After the graph passes the plan is still run by the Session's interpreter: one Python call per
node, with a list of value slots.  This pass writes the program out as Python source instead,
once per plan key, into a real ``.py`` file in the cache folder (``dlcore.jitcache``), so that
Numba's on-disk cache finds the compiled machine code in the next process::

    @njit(cache=True, nogil=True)                   # _dlcore_gen_seg_<hash of its text>.py
    def segment(p0, p1, p2, p3, p4, p5):            # everything Numba can run, in one function
        ...loops of the fused groups, reductions, if/while of cond and while_loop...
        return (loss, ...)

    def make(env):                                  # _dlcore_gen_plan_<hash>.py: Python glue
        def run(f0, f1):
            v2 = read_w1()                          # variable reads: the Session's executors
            ...
            r = S0(f0, f1, v2, v3, buf_w1, buf_w2)  # S0: a segment module's `segment`
            assign_w1(...)                          # staged, committed by the Session
            return (loss, None)
        return run

Nodes that Numba cannot run (variable reads and assigns, random ops, gathers, ``WhileGrad``...)
stay Python calls of the interpreter's own executors, between compiled *segments*; the
scheduler groups nodes so that there are as few segments as possible.  A plan with no
compilable node runs in the interpreter, and the reason is logged.

Compile caching by structure: each segment is its own module, whose local names are numbered
within the segment, so equal code is equal text (the blocks of a ResNet stage, a tree node's
cell in every tree shape, a training plan and an evaluation plan sharing their forward part)
and maps to one file named by its hash: Numba compiles it once per process and argument
types, and loads it from its disk cache in the next process whatever plan asks for it.
Measured on the benchmark's quick workloads: the small ResNet's 41 segments are 29 distinct
texts, the tree network's 68 segments over its 4 tree batches 32.

In-place updates: when an elementwise node computes ``w - lr * g`` for ``w.assign(...)`` at
the same index it reads ``w``, and no fetch or later node can still see the old buffer, the
result is written into the variable's own buffer (the buffer this compiled plan gave the
variable on an earlier step; the first step allocates it).  The write happens after everything
else has run, so a failing run still leaves the variables as they were.  A fused optimizer
update makes several such values in one loop (Adam's m, v and weight), each written into a
spare of its own variable: no new array per step for any of them (before, such a loop
allocated its outputs on every step; Adadelta and Ftrl, fused since, made it lose the
in-place writes their separate loops had).
An in-place update ``w - c * (a @ b)`` whose product nothing else reads is, at the shapes of
``linalg.fused_update_shape``, one GEMM into that buffer (``gemm_fold.py``).

The Session sees one step (``runner.py``); a traced run (``run_metadata``) runs the optimised
program step by step instead, so per-node timings and executed ops stay meaningful.
"""

from __future__ import annotations

import logging

import numpy as np

from dlcore.jitcache import load_generated_module

from ..plan import Plan
from ..runtime import from_signal_handler
from .emit_index import CHECK_TYPES
from .emit_numba import IN_SUB_PROGRAM, Emitter, Unsupported
from .ir import Node, Program, Val
from .loops import loop_expr
from .schedule import _schedule, graph_order, pinned_updates, sink_transposes
from .source import generate, python_step  # noqa: F401 - python_step: its old home

logger = logging.getLogger("dlcore_static.compiler")
# A primitive's definition block says whether its kernel may return a view (``prim.view``);
# ``identity`` copies in its kernel but is passed through by the generated code.
_PASSED_THROUGH = frozenset({"identity"})


def log_fallback(why: str, plan) -> None:
    logger.info("compile pass: plan of %d ops runs in the interpreter: %s", len(plan.ops), why)


def _is_loop_node(n: Node) -> bool:
    return n.kind == "fused" or (n.kind == "prim" and loop_expr(n) is not None
                                 and n.avals[0].shape != ())


def _holds_strings(n: Node) -> bool:
    """Does ``n`` read or make a ``tf.string`` value (an object array Numba cannot type)?"""
    return any(a.dtype.kind == "O" for a in n.avals) or \
        any(v.aval.dtype.kind == "O" for v in n.inputs)


# graph-level nodes that a segment runs: control flow, and TensorFlow's run-time checks of
# indices and integer divisors (dlcore_static/_index_checks.py; one pass over the integers)
_COMPILED_GRAPH_TYPES = ("Cond", "While") + CHECK_TYPES


class _Builder:
    glue: object = None          # the device's part of the glue (cuda_glue.CudaGlue), None: CPU
    segments: list[tuple]        # (source, module) per segment: set by source.py when it writes
    contiguous: set              # glue names of the C-contiguous buffers the glue allocates

    def __init__(self, prog: Program, session, passes=()):
        self.prog = prog
        self.session = session
        self.passes = tuple(passes)
        self.device = prog.device
        self.count = 0
        self.env: dict = {}
        self.why: list[str] = []
        self.inplace: dict = {}         # in-place updates, and those folded into their GEMM
        self.folds: dict = {}           # (gemm_fold.py), set by compile_plan
        self.alone: set = set()         # updates in a segment of their own (schedule.py)

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    # -- which nodes compile
    def classify(self) -> dict:
        """{Node: True if it runs inside Numba}; trial emission decides."""
        out = {}
        keep = _loops_keeping_history(self.prog)
        compiles: set = set()           # trial keys of nodes that compiled (see _trial_key)
        for n in self.prog.nodes:
            if n.kind == "const":
                out[n] = False
                continue
            if n.kind == "graph" and n.type not in _COMPILED_GRAPH_TYPES:
                out[n] = False
                continue
            if _holds_strings(n):
                out[n] = False
                self.why.append(f"{n.name} ({n.type}): tf.string values (Python bytes) run "
                                "in the interpreter")
                continue
            if n.type == "While" and n.op in keep:
                out[n] = False
                self.why.append(f"{n.name} (While): keeps a history for its gradient (a loop "
                                "over compiled sub-programs, compiler/control.py)")
                continue
            key = _trial_key(n)
            if key is not None and key in compiles:
                out[n] = True               # an equal node compiled: so does this one
                continue
            names = _Names(self.prog)
            em = Emitter(names, self.fresh)
            try:
                em.node(n)
                out[n] = True
                if key is not None:
                    compiles.add(key)
            except Unsupported as e:
                out[n] = False
                self.why.append(f"{n.name} ({n.type}): {e}")
            except Exception as e:                      # noqa: BLE001 - keep the plan running
                if from_signal_handler(e):
                    raise                   # (a user's signal handler: not the node's)
                out[n] = False
                self.why.append(f"{n.name} ({n.type}): {type(e).__name__}: {e}")
        self._transposes_for_python(out)
        return out

    def _transposes_for_python(self, out: dict) -> None:
        """A transpose that only Python nodes read (the ``x^T`` of a weight gradient, read by
        a matmul: BLAS takes the view) is made by the glue, not by a segment: ``x.T`` in
        Python costs ~0.1 us, where a segment returns it as a new boxed view (~1.1 us each,
        plus the segment's call).  In a Session plan, not when they are all the plan compiles
        (such a plan runs in the interpreter); a sub-program of a cond or loop (``control.py``)
        has its glue either way (``compile_plan``)."""
        consumers = self.prog.consumers()
        fetched = {f.node for f in self.prog.fetches if f is not None}
        moved = []
        for n in self.prog.nodes:
            if out.get(n) and n.kind == "prim" and n.prim.name == "transpose" and \
                    n not in fetched:
                cs = consumers.get(n)
                if cs and not any(out.get(c) for c in cs):
                    moved.append(n)
        if IN_SUB_PROGRAM.get() or any(v for n, v in out.items() if n not in moved):
            for n in moved:                 # (else: a plan of glue alone: the interpreter's)
                out[n] = False

    # -- in-place updates
    def inplace_candidates(self, compiled: dict) -> dict:
        """{update node: {output index: (variable op, reads of it)}} for the elementwise
        updates that may write in place: each output of a loop that only its variable's assign
        reads (a fused optimizer update makes several: Adam's m, v and weight, each written
        into its own spare buffer, ``source._inplace_factory``)."""
        prog = self.prog
        consumers = prog.consumers()
        reads: dict = {}
        for n in prog.nodes:
            if n.type == "VariableRead":
                reads.setdefault(n.graph_op().attrs["variable"], []).append(n)
        result: dict = {}
        for a in prog.nodes:
            if a.type != "Assign":
                continue
            var = a.graph_op().attrs["variable"]
            val = a.inputs[0]
            u = val.node
            if not compiled.get(u) or not _is_loop_node(u) or \
                    any(val in c.inputs for c in consumers.get(u, []) if c is not a):
                continue
            shape = tuple(val.aval.shape)
            if tuple(var.attrs["shape"]) != shape or val.aval.dtype != var.attrs["dtype"]:
                continue
            alias = set()
            stack = [r for r in reads.get(var, [])]
            while stack:
                x = stack.pop()
                if x in alias:
                    continue
                alias.add(x)
                for c in consumers.get(x, []):
                    if c is u:
                        continue
                    if ((c.kind == "prim" and (c.prim.view or c.prim.name in _PASSED_THROUGH))
                            or c.kind == "graph" or not compiled.get(c)) and \
                            any(v.node is x and not _fresh(v) for v in c.inputs):
                        stack.append(c)
            if any(f is not None and f.node in alias and not _fresh(f) for f in prog.fetches):
                continue
            # u must read the old value only at its own index (same shape, no view of it)
            ok = all(v.node not in alias or _fresh(v) or (v.node.type == "VariableRead"
                                                          and tuple(v.aval.shape) == shape)
                     for v in u.inputs)
            members = u.members if u.kind == "fused" else [u]
            for m in members:
                for v in m.inputs:
                    if v.node in alias and not _fresh(v) and (
                            v.node.type != "VariableRead" or tuple(v.aval.shape) != shape):
                        ok = False
            if ok:
                result.setdefault(u, {})[val.index] = (var, alias)
        return result


def _fresh(v) -> bool:
    """Is value ``v`` an array made anew on every run, whatever its node reads?  A
    ``WhileGrad``'s outputs after its loop variables' gradients are its captures' gradients:
    sums started from ``zeros_like`` (interpreted, ``control_flow._while_grad_factory``) or from
    ``np.zeros``, rows scattered into those, or one stacked matmul (compiled,
    ``control_loops.while_grad_executor``), never an input passed through; so an update that
    reads one (``w_r - lr * dw_r``) may still write in place (issue 19).  Every other output of
    a control-flow node may be an input passed through (a branch or zero trips returning it),
    except a ``Cond``'s output that both branches make by a matmul or a fill of their own (the
    gradient of a weight a branch multiplies by, and the other branch's zeros for it), and a
    ``scatter_add`` (a new zero array, rows added)."""
    n = v.node
    if n.op is None:
        return False
    if n.kind == "prim" and n.prim.name == "scatter_add":
        # the CPU kernel's np.zeros with the rows added (an embedding's gradient, whose
        # ``ref`` is a read of the variable itself: ``sparse_update.py``)
        from dlcore.kernels.cpu import gather
        return n.prim.kernels.get("cpu") is gather.scatter_add
    if n.type == "WhileGrad":
        return v.index >= len(n.op.attrs["float_vars"])
    if n.type == "Cond":
        from ..loop_history import unwrap_identity
        for ctx, outs in zip(n.op.attrs["branches"], n.op.attrs["branch_outputs"]):
            op = unwrap_identity(outs[v.index]).op
            if op._ctx is not ctx or op.prim is None or op.prim.name not in _FRESH_PRIMS:
                return False
        return True
    return False


#: primitives whose result is always a new array, never an input or a view of one
_FRESH_PRIMS = frozenset({"matmul", "full_like", "zeros_like"})


def _value_key(v):
    """A hashable stand-in for a parameter value, its type included (``1``, ``1.0`` and
    ``True`` are equal keys in a dict but not equal parameters); raises TypeError when there
    is none."""
    if isinstance(v, np.ndarray):
        return ("ndarray", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, (tuple, list)):
        return (type(v).__name__, tuple(_value_key(x) for x in v))
    if isinstance(v, dict):
        return ("dict", tuple((k, _value_key(x)) for k, x in sorted(v.items())))
    if isinstance(v, np.dtype):
        return ("dtype", v.str)
    if v is None or isinstance(v, (bool, int, float, str, np.generic)):
        return (type(v).__name__, v)
    raise TypeError(f"no key for a parameter of type {type(v).__name__}")


def _prim_key(m: Node, ref) -> tuple:
    params = tuple((k, _value_key(v)) for k, v in sorted(m.params.items()))
    return (m.prim, params, tuple(m.avals), tuple(ref(v) for v in m.inputs))


def _trial_key(n: Node):
    """What trial emission of a primitive or fused node depends on (its primitive or members'
    primitives, parameters and abstract values, and its inputs' abstract values), or None for
    other nodes.  The emitters read nothing else (trial names are placeholders), so a node
    equal to one that compiled compiles too: a deep plan repeats a few layer shapes, and
    emitting every node twice (here and in the segment) was 1.4 s of a 10,000-op training
    chain's 5.7 s code generation (issue 19)."""
    if n.kind not in ("prim", "fused") or (n.op is not None and n.op.attrs.get("unknown_rank")):
        return None
    key: tuple
    try:
        if n.kind == "prim":
            key = ("prim", _prim_key(n, lambda v: (v.aval, v.unknown_rank)))
            hash(key)
            return key
        where = {m: j for j, m in enumerate(n.members)}

        def ref(v):
            j = where.get(v.node)
            return ("member", j, v.index) if j is not None else ("in", v.aval, v.unknown_rank)

        outs = tuple(ref(v) for v in n.params["outputs"])
        key = ("fused", tuple(n.params["loop_shape"]), outs, tuple(n.avals),
               tuple((v.aval, v.unknown_rank) for v in n.inputs),
               tuple(_prim_key(m, ref) for m in n.members))
        hash(key)
        return key
    except TypeError:                   # a parameter with no key, or an unhashable value
        return None


def _loops_keeping_history(prog: Program) -> set:
    """While ops that must run as executors (not inside Numba) because they keep the history
    their gradient reads: those whose WhileGrad is in the same program, and those a loop body
    being compiled for a history marks (``prog.keep_loops``, see ``control.py``)."""
    keep = set(getattr(prog, "keep_loops", ()))
    for n in prog.nodes:
        if n.type == "WhileGrad":
            keep.add(n.graph_op().attrs["forward"])
    return keep


class _Names(dict):
    """Names for values during trial emission: every value gets a placeholder name."""

    def __init__(self, prog):
        super().__init__()

    def __missing__(self, key):
        return f"x{id(key.node) % 100000}_{key.index}"


def compile_plan(prog: Program, lowered: Plan, session, passes=("compile",)) -> tuple:
    """``(run, info)``: the compiled function ``run(*feeds) -> fetched values``, or
    ``(None, why)``."""
    if prog.device is None or prog.device.type not in ("cpu", "cuda"):
        return None, "the compile pass generates code for the CPU and CUDA only"
    b = _Builder(prog, session, passes)
    if prog.device.type == "cuda":
        return _compile_cuda(b, lowered)
    compiled = b.classify()
    if not any(compiled.values()) and not IN_SUB_PROGRAM.get():
        # a sub-program (a cond branch of one matmul, a loop body's gradient of two) still
        # gets its glue: one call per run instead of the interpreter's loop over its steps
        return None, "no node can be compiled: " + "; ".join(b.why[:3])
    inplace = b.inplace_candidates(compiled)
    from . import gemm_fold, sparse_update
    b.inplace = inplace
    b.folds = {**gemm_fold.find(b, inplace), **sparse_update.find(b, inplace)}
    for u, fold in b.folds.items():  # the update is one call in the glue (gemm_fold.py,
        compiled[u] = False          # sparse_update.py)
        compiled[fold[0]] = False   # (its product or scatter too: made by that call)
    consumers = prog.consumers()
    for n in prog.nodes:                      # descendants follow control edges too
        for c in n.control:
            consumers.setdefault(c, []).append(n)
    # ... and the order of the graph nodes left to Python, which ``_schedule`` keeps
    # (``schedule.graph_order``): an assign that follows an update's assign is downstream of
    # the update, else it would wait for the held update and the update for it (no schedule,
    # so no update was made in place: control_flow's w_in and w_out, whose assigns come before
    # w_a's, w_b's and w_r's); a read of another variable is not
    for a, z in graph_order(prog, compiled):
        consumers.setdefault(a, []).append(z)
    # the updates folded into their GEMM (glue calls) as late as possible: after every node
    # that is not downstream of one.  The others are placed where they are ready, in the
    # segment computing their gradient: each writes a spare buffer that nothing else holds
    # (``segments._inplace_factory``), never the value other nodes read, and held back they
    # made a segment of their own, their gradients returned to it boxed (the digits step:
    # three returned arrays, ~1.1 us each)
    late = set(b.folds)
    desc: set = set()
    stack = list(late)
    while stack:
        x = stack.pop()
        if x not in desc:
            desc.add(x)
            stack.extend(consumers.get(x, []))
    first = {n for n in prog.nodes if n not in desc}
    b.alone = pinned_updates(b, inplace)    # (updates the glue may skip: one segment each)
    try:
        order = _schedule(prog, compiled, late, first, b.alone)
    except Unsupported:
        inplace = {}
        for u in b.folds:                   # (folded updates are in-place ones)
            compiled[u] = True
        b.inplace, b.folds, b.alone = inplace, {}, set()
        order = _schedule(prog, compiled)
    order = sink_transposes(prog, order, compiled)
    return _load(b, order, compiled, inplace, compiled)


def _compile_cuda(b: _Builder, lowered: Plan) -> tuple:
    """A CUDA plan: the same glue, every node a call (``cuda_glue.py``: no segments, the
    kernels launched from Python, the plan's values on the device)."""
    from .cuda_glue import CudaGlue
    prog = b.prog
    b.glue = glue = CudaGlue(prog, lowered)
    kernels = {n: glue.runs_kernel(n) for n in prog.nodes}
    for n in prog.nodes:
        if not kernels[n] and n.kind in ("prim", "fused"):
            b.why.append(f"{n.name} ({n.type}): no CUDA kernel")
    if not any(kernels.values()):
        return None, "no node runs a CUDA kernel: " + "; ".join(b.why[:3])
    return _load(b, list(prog.nodes), {}, {}, kernels)


def _load(b: _Builder, order: list, compiled: dict, inplace: dict, kernels: dict) -> tuple:
    """Write and load the glue and its segments; ``(run, info)``.  ``kernels``: {node: True}
    for the nodes the report counts as compiled (in a segment; on CUDA, a kernel)."""
    prog = b.prog
    src, env = generate(b, order, compiled, inplace)
    mod = load_generated_module("plan", src)
    seen: dict = {}
    for text, m in b.segments:                      # each distinct segment once, in call order
        seen.setdefault(m.__name__, (text, m))
    shown = "".join(f"# {name}.py\n{text}\n\n" for name, (text, _) in seen.items())
    info = {"source": shown + src, "source_path": getattr(mod, "__file__", None),
            "segment_paths": [m.__file__ for _, m in seen.values()],
            "segments": len(b.segments), "distinct_segments": len(seen),
            # (module, lines of its text): what a first compilation costs (runner.py's
            # compile_seconds: an adaptive TieredPlan waits for its runs to pay it)
            "segment_lines": [(m, len(text.splitlines())) for text, m in seen.values()],
            "compiled_nodes": sum(1 for v in kernels.values() if v),
            # a segment with a prange loop: not run in a process that may not start parallel
            # loops (a forked child: dlcore.kernels.cpu.runtime.parallel_ok; runner.py)
            "parallel": any("parallel=True" in text for text, _ in seen.values()),
            "python_nodes": [n.name for n in prog.nodes if not kernels.get(n)],
            "inplace": [var.name for outs in inplace.values() for var, _ in outs.values()],
            "left_to_python": list(b.why),
            # cond/while nodes in the glue: their compiled executors' status (control.py)
            "control": {n.name: env[f"E{n.id}"].status for n in prog.nodes
                        if hasattr(env.get(f"E{n.id}"), "status")}}
    if b.why:
        logger.info("compile pass: nodes left to Python: %s", "; ".join(b.why))
    return mod.make(env), info


_ = (np, Val)
