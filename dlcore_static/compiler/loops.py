"""Loop code for a group of elementwise primitives, written from the primitives' ``expr``.

Every elementwise primitive carries one scalar template (``'{0} + {1}'``, ``'math.exp({0})'``,
relu's ``'{0} if {0} > 0 else {0} * 0'``); the CPU and CUDA kernel generators compile each
primitive from it.  Fusion composes the same templates: a group of members becomes one loop nest
over the group's output shape whose body evaluates every member once per element, in order,
into a local scalar::

    for i0 in range(n0):
        for i1 in range(n1):
            a0 = x0[i0, i1]                         # yp (a matmul output)
            a1 = x1[i0, i1]                         # y (a feed)
            t0 = np.float32(a0 - a1)                # Sub            '{0} - {1}'
            t1 = np.float32(t0 * t0)                # Pow -> t0 * t0 (simplify)
            t2 = np.float32(c0 * t0)                # 2 * diff, the gradient
            o0[i0, i1] = t2                         # an output: used outside the group
            r0 += t1                                # Sum over every axis: a reduction

so ``(yp - y) ** 2`` summed, and its gradient, take one pass over memory instead of four kernels
with three temporaries.  Each member's result is rounded to its own dtype (``np.float32(...)``)
exactly as its unfused kernel would store it, so fusion changes no value; a full ``sum`` at the
end accumulates in float64, like the core's reduction kernel.

Operands are read with index expressions fixed by their (static) shapes: an input with the loop
shape reads ``x[i0, i1]``; a broadcast one reads ``0`` on its broadcast axes (a bias ``b[i1]``);
a rank-0 value is a scalar argument; a constant whose elements are all equal is a literal.
The loop bounds are arguments (``n0, n1``), so one kernel serves every batch size.

``kernel_source`` wraps a loop nest in ``@njit(cache=True)`` functions (serial and ``prange``
parallel); ``emit`` is also used inline by the whole-plan compiler (``codegen.py``).
"""

from __future__ import annotations

import functools
import hashlib
import math
from pathlib import Path

import numpy as np

from dlcore.dtypes import is_floating

from .ir import Node, Val

_NP_TYPES = {"float32": "np.float32", "float64": "np.float64", "float16": "np.float16",
             "int8": "np.int8", "int16": "np.int16", "int32": "np.int32", "int64": "np.int64",
             "uint8": "np.uint8", "uint16": "np.uint16", "uint32": "np.uint32",
             "uint64": "np.uint64", "bool": "np.bool_"}


_NP_TYPE_OF: dict = {}             # dtype -> its text (``np.dtype.name`` is slow Python code)


def np_type(dtype) -> str:
    text = _NP_TYPE_OF.get(dtype)
    if text is None:
        text = _NP_TYPE_OF[dtype] = _NP_TYPES[np.dtype(dtype).name]
    return text


def literal(value, dtype) -> str:
    """Source text for one scalar of ``dtype`` (exact: floats go through float64's repr)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return "True" if bool(value) else "False"
    if is_floating(dtype):
        v = float(value)
        if math.isnan(v):
            text = "math.nan"
        elif math.isinf(v):
            text = "math.inf" if v > 0 else "-math.inf"
        else:
            text = repr(v)
        return f"{np_type(dtype)}({text})"
    return f"{np_type(dtype)}({int(value)})"


def uniform_const(v: Val):
    """The scalar value of a constant whose elements are all equal, else None."""
    n = v.node
    if n.kind != "const" or n.value is None:
        return None
    c = np.asarray(n.value)
    if c.size == 0:
        return None
    if c.size == 1 or all(s == 0 for s in c.strides):
        return c.reshape(-1)[0]
    return None


# exp, log and tanh over a float array run as NumPy's SIMD ufuncs (the primitive's own CPU
# kernel, from the Python glue) rather than inside a generated loop: this llvmlite links no
# vector maths library, so a Numba loop makes one scalar libm call per element.  Measured on
# float32 (per element, 2048-8192 elements): exp 2.4 vs 0.4 ns, log 2.9 vs 0.3 ns, tanh 11.6 vs
# 0.3 ns (a 64x128 tanh: 95 vs 4 us); a glue call costs about 1-2 us, hence the size floor.
# (Those figures do not hold on every machine.  AMD EPYC Zen1, AVX2, NumPy 2.4, 1 thread, a
# 64x128 array, loop vs ufunc: float32 exp 35 vs 32 us, tanh 234 vs 60 us (and 30 us for the
# FAST32 loop below, which float32 tanh takes anyway); float64 exp 65 vs 65 us, tanh 239 vs
# 286 us: NumPy's float64 tanh is no SIMD kernel there.  Issue 19, measured by helper-T.)
# sigmoid stays in the loops (its NumPy kernel is no faster).  CPU only: CUDA has fast maths.
SIMD_UFUNCS = frozenset({"exp", "log", "tanh"})
SIMD_MIN_SIZE = 512
# Float32 sigmoid and tanh are written as calls of dlcore.kernels.cpu._fast32's inlined
# polynomial forms, which LLVM vectorises with the rest of the loop (imported by the generated
# modules' headers): a fused LSTM gate group then runs as one vectorised loop.  Measured (CPU
# time, one thread, 20x100 float32): sigmoid 21 -> 6 us in a loop, tanh 50 (scalar libm in a
# loop) or 14 (NumPy's ufunc from the glue) -> ~6 us.  Relative error ~2e-7 (see _fast32).
FAST32 = {"sigmoid": "sigmoid32({0})", "tanh": "tanh32({0})"}


@functools.cache
def _fast32_tag() -> str:
    """A hash of _fast32.py's text: Numba's disk cache of a generated module is keyed by that
    module's own file only, and the ``inline='always'`` forms are compiled into it, so an edit
    of _fast32 must change the generated text (hence its file) too."""
    from dlcore.kernels.cpu import _fast32
    return hashlib.sha1(Path(_fast32.__file__).read_bytes()).hexdigest()[:12]


@functools.cache
def _fsum_tag() -> str:
    """A hash of _fsum.py's text (see ``_fast32_tag``: Numba links ``fsum64`` into the caller's
    cached machine code)."""
    from dlcore.kernels.cpu import _fsum
    return hashlib.sha1(Path(_fsum.__file__).read_bytes()).hexdigest()[:12]


def fast32_import(text: str) -> str:
    """The import lines a generated module's ``text`` needs for its ``FAST32`` and ``fsum64``
    calls, or '' (so the modules that call none keep their text, and their files in the
    cache)."""
    lines = ""
    if "sigmoid32(" in text or "tanh32(" in text:
        lines += ("from dlcore.kernels.cpu._fast32 import sigmoid32, tanh32  "
                  f"# _fast32.py {_fast32_tag()}\n")
    if "fsum64(" in text:
        lines += f"from dlcore.kernels.cpu._fsum import fsum64  # _fsum.py {_fsum_tag()}\n"
    if "gemm32(" in text or "tcopy32(" in text or "mkl32(" in text:
        from .gemm_in_numba import import_line
        lines += import_line(text)
    if "xent_" in text:
        from . import emit_xent
        lines += emit_xent.import_line(text)
    if "c_view(" in text or "c_empty(" in text or "c_ro(" in text:
        from dlcore.kernels.cpu import _numba_views
        lines += _numba_views.import_line(text)
    return lines + "\n" if lines else ""


# Compile time (issue 19): LLVM's time for a loop grows faster than linearly with the inlined
# forms it holds (first compile of a 16-element float32 loop, one thread: 1 tanh32 1.4 s vs
# 0.95 s for math.tanh; 8: 5.5 vs 1.1 s; 24: 20.8 vs 1.4 s; a 100-op tanh chain took 60 s
# against 1.8 s), so a loop holds at most FAST32_MAX_PER_LOOP of them (an LSTM gate group has
# 5) and a longer run of activations keeps the primitives' templates; a segment counts each
# FAST32 call as FAST32_WEIGHT nodes of its MAX_SEGMENT_WEIGHT (source.py).
FAST32_MAX_PER_LOOP = 5
FAST32_WEIGHT = 16


def fast32_calls(members: list) -> int:
    """How many FAST32 calls a loop over ``members`` gets (0 past FAST32_MAX_PER_LOOP)."""
    k = sum(1 for m in members if fast32_expr(m) is not None)
    return k if k <= FAST32_MAX_PER_LOOP else 0


def fast32_expr(m: Node) -> str | None:
    """The vectorisable template of float32 member ``m`` (sigmoid, tanh), else None."""
    if m.kind != "prim" or m.prim.name not in FAST32 or len(m.inputs) != 1:
        return None
    if m.avals[0].dtype != np.float32 or m.inputs[0].aval.dtype != np.float32:
        return None
    return FAST32[m.prim.name]


#: loop templates of primitives that are elementwise but not of an elementwise kind (their CPU
#: kernel is NumPy arithmetic in the operands' dtype): ``{one}`` is 1 in the value's dtype, so
#: a float32 value is computed in float32 with the kernel's roundings (tanh's gradient
#: ``g (1 - t t)``: the three ops it replaced, fused as before, 48d9966)
LOOP_EXPRS = {"tanh_grad": "{0} * ({one} - {1} * {1})",
              "sigmoid_grad": "{0} * ({1} * ({one} - {1}))",
              # (``{alpha}``: the node's slope in the value's dtype, the kernels' one rounding)
              "leaky_relu": "({0} if {0} > 0 else {0} * {alpha})",
              "leaky_relu_grad": "({0} if {1} > 0 else {0} * {alpha})"}


def loop_expr(n: Node) -> str | None:
    """The scalar template a CPU loop evaluates for primitive node ``n``, or None."""
    expr = n.prim.expr
    if expr is not None:
        return expr
    name = n.prim.name
    t = _sum_expr(len(n.inputs)) if name == "add_n" else LOOP_EXPRS.get(name)
    if t is None or len(n.avals) != 1:
        return None
    dt = n.avals[0].dtype
    if dt not in (np.float32, np.float64) or any(v.aval.dtype != dt for v in n.inputs):
        return None
    if "{alpha}" in t:
        t = t.replace("{alpha}", literal(n.params["alpha"], dt))
    return t.replace("{one}", f"{np_type(dt)}(1.0)")


def _sum_expr(k: int) -> str:
    """``add_n``'s template: its ``k`` inputs summed left to right, as the chain of adds it
    stands for (``dlcore.ops.accumulate``)."""
    expr = "{0}"
    for i in range(1, k):
        expr = f"({expr} + {{{i}}})"
    return expr


def runs_as_ufunc(n: Node) -> bool:
    """Is ``n`` an exp/log/tanh over at least ``SIMD_MIN_SIZE`` floats (see above)?  Not a
    float32 tanh: its loop form vectorises (``FAST32``)."""
    if n.kind != "prim" or n.prim.name not in SIMD_UFUNCS or len(n.avals) != 1:
        return False
    if fast32_expr(n) is not None:
        return False
    a = n.avals[0]
    if not is_floating(a.dtype) or not a.fully_defined:
        return False
    size = 1
    for d in a.shape:
        size *= int(d)
    return size >= SIMD_MIN_SIZE


def is_reduction(m: Node) -> bool:
    return m.kind == "prim" and m.prim.name == "sum"


def is_partial_reduction(m: Node) -> bool:
    """A ``sum`` member over some but not all axes of its input (a per-channel sum of batch
    norm: its accumulator is an array indexed by the kept axes, see ``emit``)."""
    if not is_reduction(m):
        return False
    rank = len(m.inputs[0].aval.shape)
    if not rank:
        return False
    return {int(a) % rank for a in m.params.get("axes", ())} != set(range(rank))


def has_partial_reduction(members: list) -> bool:
    """Does a loop over ``members`` accumulate into an array?  Such a loop runs serially:
    ``prange`` makes only scalar accumulators private to each thread."""
    return any(is_partial_reduction(m) for m in members)


def index_expr(shape: tuple, loop_shape: tuple) -> str:
    """``i0, i1`` for an operand of ``shape`` read inside a loop over ``loop_shape``."""
    lead = len(loop_shape) - len(shape)
    idx = []
    for k, d in enumerate(shape):
        idx.append("0" if d == 1 and loop_shape[lead + k] != 1 else f"i{lead + k}")
    return ", ".join(idx)


class Emitted:
    """The pieces of a loop nest: see ``emit``."""

    def __init__(self):
        self.setup: list[str] = []       # before the loops (reduction accumulators)
        self.body: list[str] = []        # inside the innermost loop
        self.finish: list[str] = []      # after the loops (reductions rounded to their dtype)
        self.outputs: list[str] = []     # per group output: the array or scalar holding it
        # float sums over the innermost axis, as (target, value, row buffer, buffer dtype):
        # ``loop_lines`` writes ``target += value`` per element (a parallel loop), or stores
        # the row in the buffer and adds ``fsum64`` of it to ``target`` after the innermost
        # loop (a serial one: a vectorised sum, see dlcore/kernels/cpu/_fsum.py); a fifth
        # item, a dtype such as 'np.float32', marks a target assigned the row's sum rounded
        # to it (``target = dtype(fsum64(...))``: a row sum written to its result directly,
        # only in loops that run serially, those with a partial reduction)
        self.row_sums: list[tuple[str, str, str, str, str]] = []


def emit(members: list[Node], outputs: list[Val], loop_shape: tuple, name_of: dict,
         prefix: str = "", fast32: bool = False, fold: tuple | None = None) -> Emitted:
    """The statements of a fused loop.

    ``name_of`` maps each external input Val to ``('array', name)``, ``('scalar', name)``,
    ``('literal', text)``, ``('broadcast', (name, shape))`` (an array of ``shape`` that
    broadcasts to the value, read in its place) or ``('offset', (name, axes))`` (a basic slice
    of array ``name``, read from it: ``Emitter._sliced_source``); output arrays are named ``name_of[val] = ('out', name)`` by the
    caller for the outputs that are arrays (reductions are returned as scalars).  ``fast32``
    (CPU code): float32 sigmoid/tanh as ``FAST32`` calls.  ``fold``: the groups of the
    members' axes that ``loop_shape`` (then one axis per group) runs as one (``fold_axes``);
    the operands and outputs in ``name_of`` are then read and written as arrays of the folded
    rank, and a partial reduction's result, made in its own shape, is written through a view
    of the folded one.
    """
    e = Emitted()
    local: dict = {}
    loads: dict = {}
    fast32 = fast32 and fast32_calls(members) > 0
    for j, m in enumerate(members):
        if is_partial_reduction(m):
            # per kept index, in float64, summed in the loop's (row-major) order: the same
            # value as the compiled ``sum`` (``Emitter._reduce``), with no pass of its own
            v = m.inputs[0]
            acc, res = f"{prefix}ra{j}", f"{prefix}r{j}"
            rank = len(loop_shape)
            axes = _reduced(m, fold, rank)
            keep = tuple(1 if k in axes else int(d) for k, d in enumerate(loop_shape))
            kidx = ", ".join("0" if k in axes else f"i{k}" for k in range(rank))
            x = _operand(v, local, loads, name_of, loop_shape, e, prefix)
            own = tuple(int(d) for d in m.avals[0].shape)
            shape = own if fold is None else (keep if len(own) == len(v.aval.shape) else
                                              tuple(d for k, d in enumerate(keep) if k not in axes))
            out_rank = len(shape)
            dt = np_type(m.avals[0].dtype)
            local[m.out()] = res
            made = [f"{res} = c_empty({_shape_text(own)}, {dt})"]
            if shape != own:                # (a view of the folded rank, written in place)
                made.append(f"{res}_f = c_view({res}, {_shape_text(shape)})")
                res += "_f"
            if axes == {rank - 1} and _row_sum_fits(v, loop_shape) and \
                    out_rank in (rank, rank - 1):
                # sums of the innermost axis alone: each row's sum is complete after its
                # inner loop, so ``fsum64`` of the row buffer, rounded, goes straight to the
                # result (the float64 accumulator held 0.0 + that sum: the same value), and
                # no accumulator array is made (a cold first step compiled its np.empty)
                ridx = kidx if out_rank == rank else ", ".join(f"i{k}" for k in range(rank - 1))
                e.setup.extend(made)
                e.row_sums.append((f"{res}[{ridx}]", x, f"{prefix}rb{j}",
                                   np_type(v.aval.dtype), dt))
                continue
            e.setup.extend(_zeroed_lines(acc, keep, f"{prefix}z{j}_"))
            if rank - 1 in axes and _row_sum_fits(v, loop_shape):
                e.row_sums.append((f"{acc}[{kidx}]", x, f"{prefix}rb{j}", np_type(v.aval.dtype),
                                   ""))
            else:
                e.body.append(f"{acc}[{kidx}] += {x}")
            e.finish.extend(_rounded_lines(res, acc, keep, axes, shape, dt, f"{prefix}z{j}_",
                                           made, (local[m.out()], own)))
            continue
        if is_reduction(m):
            v = m.inputs[0]
            acc = f"{prefix}r{j}"
            kind = m.avals[0].dtype.kind
            e.setup.append(f"{acc} = {'0.0' if kind == 'f' else '0'}")
            x = _operand(v, local, loads, name_of, loop_shape, e, prefix)
            if kind == "f" and _row_sum_fits(v, loop_shape):
                e.row_sums.append((acc, x, f"{prefix}rb{j}", np_type(v.aval.dtype), ""))
            else:
                e.body.append(f"{acc} += {x}")
            e.finish.append(f"{acc} = {np_type(m.avals[0].dtype)}({acc})")
            local[m.out()] = acc
            continue
        args = [_operand(v, local, loads, name_of, loop_shape, e, prefix) for v in m.inputs]
        template = (fast32 and fast32_expr(m)) or loop_expr(m)
        if template is None:
            raise ValueError(f"{m.name}: primitive {m.prim.name} has no loop template")
        expr = template.format(*args)
        dtype = m.avals[0].dtype
        if m.prim.name == "cast" or dtype.kind != "b":
            expr = f"{np_type(dtype)}({expr})"
        t = f"{prefix}t{j}"
        e.body.append(f"{t} = {expr}")
        local[m.out()] = t
    idx = ", ".join(f"i{k}" for k in range(len(loop_shape)))
    for v in outputs:
        kind, name = name_of.get(v, (None, None))
        if kind == "out":
            e.body.append(f"{name}[{idx}] = {local[v]}" if idx else f"{name}[()] = {local[v]}")
            e.outputs.append(name)
        else:
            e.outputs.append(local[v])
    return e


def for_nest(loops, indent: str = "") -> tuple[list[str], str]:
    """``for name in range(bound):`` per ``(name, bound)`` of ``loops``, each inside the one
    before, from ``indent``; and the indent of the innermost body."""
    lines = []
    for name, bound in loops:
        lines.append(f"{indent}for {name} in range({bound}):")
        indent += "    "
    return lines, indent


def _zeroed_lines(acc: str, shape: tuple, z: str) -> list[str]:
    """``acc = np.zeros(shape, np.float64)`` as ``np.empty`` and a loop: Numba's first
    ``np.zeros`` in a process compiles its overload (~0.37 s of CPU, a cold first step's),
    the loop costs nothing to type."""
    nest, ind = for_nest((f"{z}{k}", int(d)) for k, d in enumerate(shape))
    lines = [f"{acc} = c_empty({_shape_text(shape)}, np.float64)", *nest]
    idx = ", ".join(f"{z}{k}" for k in range(len(shape)))
    lines.append(f"{ind}{acc}[{idx}] = 0.0")
    return lines


def _rounded_lines(res: str, acc: str, keep: tuple, axes: set, shape: tuple, dt: str, z: str,
                   made: list[str], result: tuple) -> list[str]:
    """``res = acc.astype(dtype).reshape(shape)`` (``keep``: acc's shape, 1 on the summed
    ``axes``; ``made``: the lines that make ``res``, ``np.empty``, and where the loop's axes are
    folded its view of ``shape``; ``result``: the result's own name and shape) as those lines
    and a loop where the result keeps either every axis or only the kept ones: the first
    ``astype``/``reshape`` of a process cost Numba ~0.37 s of CPU to compile (a cold first
    step's); the values are the same (float64 rounded to the dtype)."""
    kept = [k for k in range(len(keep)) if k not in axes]
    if len(shape) == len(keep):
        ridx = [f"{z}{k}" if k in kept else "0" for k in range(len(keep))]
    elif len(shape) == len(kept) and shape:
        ridx = [f"{z}{k}" for k in kept]
    else:
        return [f"{result[0]} = {acc}.astype({dt}).reshape({_shape_text(result[1])})"]
    nest, ind = for_nest((f"{z}{k}", int(keep[k])) for k in kept)
    lines = [*made, *nest]
    aidx = ", ".join(f"{z}{k}" if k in kept else "0" for k in range(len(keep)))
    lines.append(f"{ind}{res}[{', '.join(ridx)}] = {dt}({acc}[{aidx}])")
    return lines


def _reduced(m: Node, fold: tuple | None, rank: int) -> set:
    """The loop axes partial reduction ``m`` sums over: its own, or the groups of them when
    the loop's axes are folded (``fold_axes`` keeps each group all summed or all kept)."""
    if fold is None:
        return {int(a) % rank for a in m.params["axes"]}
    own = {int(a) % len(m.inputs[0].aval.shape) for a in m.params["axes"]}
    return {g for g, grp in enumerate(fold) if grp[0] in own}


def _shape_text(shape) -> str:
    return "(" + "".join(f"{int(d)}, " for d in shape) + ")"


#: a sum over an innermost axis of at least this many elements goes through a row buffer and
#: ``fsum64`` (``Emitted.row_sums``); shorter rows keep the add per element
ROW_SUM_MIN = 16


def _row_sum_fits(v: Val, loop_shape: tuple) -> bool:
    """Is a float32/float64 sum of ``v`` over the innermost axis of ``loop_shape`` worth its
    row buffer?"""
    if not loop_shape or v.aval.dtype not in (np.float32, np.float64):
        return False
    last = loop_shape[-1]
    return last is not None and int(last) >= ROW_SUM_MIN


def _operand(v: Val, local: dict, loads: dict, name_of: dict, loop_shape: tuple,
             e: Emitted, prefix: str) -> str:
    if v in local:
        return local[v]
    if v in loads:
        return loads[v]
    kind, name = name_of[v]
    if kind in ("literal", "scalar"):
        return name
    shape = tuple(v.aval.shape)
    if kind == "broadcast":         # the operand of a broadcast_to, read in its place
        name, shape = name
    a = f"{prefix}a{len(loads)}"
    idx = index_expr(shape, loop_shape)
    if kind == "offset":            # a basic slice of ``base``, read from the base
        name, axes = name
        own, parts = idx.split(", "), []
        for ax in axes:             # ("int", i) or ("ax", k, start): v's index k + start
            if ax[0] == "int":
                parts.append(str(ax[1]))
            elif not ax[2]:
                parts.append(own[ax[1]])
            elif own[ax[1]] == "0":
                parts.append(str(ax[2]))
            else:
                parts.append(f"{own[ax[1]]} + {ax[2]}")
        idx = ", ".join(parts)
    e.body.append(f"{a} = {name}[{idx}]")
    loads[v] = a
    return a


#: The innermost loop of a fused loop inlined in a segment runs to a bound read from an operand
#: at run time (``x.shape[-1]``) rather than a literal, from this many elements on.  With a
#: literal of 8 or 16 LLVM unrolled the loop completely and then left a float64 body (a batch
#: norm's ``x * scale + shift`` with a ReLU) unvectorised: (32, 32, 32, 16) float32, one thread,
#: 0.65 ms against 0.165 with the bound unknown, (8, 32, 32, 8) 0.078 against 0.024; float32
#: bodies and 32 or 64 channels took the same time either way, 3 channels went faster unrolled
#: (0.118 against 0.158).
RUN_TIME_INNER_BOUND = 8


def bound_texts(loop_shape: tuple, name_of: dict) -> list[str]:
    """The loop bounds of an inlined fused loop (``emit_numba``): literals, but the innermost
    read from an array operand of the loop's shape where it is :data:`RUN_TIME_INNER_BOUND`
    or more (and such an operand exists)."""
    bounds = [str(d) for d in loop_shape]
    if loop_shape and loop_shape[-1] >= RUN_TIME_INNER_BOUND:
        for v, (kind, text) in name_of.items():
            if kind == "array" and tuple(v.aval.shape) == tuple(loop_shape):
                bounds[-1] = f"{text}.shape[{len(loop_shape) - 1}]"
                break
    return bounds


def loop_lines(e: Emitted, bounds: list[str], parallel: bool, indent: str) -> list[str]:
    """The whole loop nest, ``indent``-ed: setup, loops over ``bounds``, body, finish."""
    lines = [indent + s for s in e.setup]
    rows = e.row_sums if not parallel and bounds else []
    if not rows and any(r[4] for r in e.row_sums):
        raise ValueError("loops.loop_lines: a row sum assigned to its result needs a serial "
                         "loop nest")
    lines.extend(f"{indent}{buf} = c_empty({bounds[-1]}, {dt})" for _, _, buf, dt, _ in rows)
    ind = indent
    for k, b in enumerate(bounds):
        rng = "prange" if parallel and k == 0 else "range"
        lines.append(f"{ind}for i{k} in {rng}({b}):")
        ind += "    "
    body = list(e.body)
    if rows:
        body.extend(f"{buf}[i{len(bounds) - 1}] = {x}" for _, x, buf, _, _ in rows)
    else:
        body.extend(f"{target} += {x}" for target, x, _, _, _ in e.row_sums)
    if not body:
        lines.append(ind + "pass")
    lines.extend(ind + s for s in body)
    after = indent + "    " * (len(bounds) - 1)
    # (the length as ``buf.size``, not the bound's literal: Numba compiles a function called
    # with a literal int once per value, and fsum64 took ~0.15 s of CPU per row length)
    lines.extend(f"{after}{target} = {to}(fsum64({buf}, {buf}.size))" if to else
                 f"{after}{target} += fsum64({buf}, {buf}.size)" for target, _, buf, _, to in rows)
    lines.extend(indent + s for s in e.finish)
    return lines


# ============================================================================ CPU kernels
_HEADER = '''"""Generated by dlcore_static.compiler (fusion) for:
{doc}
"""
import math

import numpy as np
from numba import njit, prange

'''


def kernel_source(node: Node, rank: int) -> tuple[str, list, list]:
    """Source of the serial and parallel kernels of fused ``node``; also the argument kinds.

    Kernel signature: ``k(n0.., o0.., x0..)`` -> a tuple of the reduction results (possibly
    empty).  Returns (source, inputs as (Val, kind), array outputs as Val).
    """
    outputs = [Val(node, i) for i in range(len(node.avals))]
    # node.params['outputs'] maps each of node's outputs to the member value it exposes
    member_outs = node.params["outputs"]
    name_of: dict = {}
    in_kinds = []
    for j, v in enumerate(node.inputs):
        c = uniform_const(v)
        if c is not None:
            name_of[v] = ("literal", literal(c, v.aval.dtype))
            in_kinds.append((v, "literal"))
        elif len(v.aval.shape) == 0:
            name_of[v] = ("scalar", f"x{j}")
            in_kinds.append((v, "scalar"))
        else:
            name_of[v] = ("array", f"x{j}")
            in_kinds.append((v, "array"))
    arr_outs = []
    for k, mv in enumerate(member_outs):
        if not is_reduction(mv.node):
            name_of[mv] = ("out", f"o{k}")
            arr_outs.append(k)
    e = emit(node.members, member_outs, node.params["loop_shape"], name_of, fast32=True)
    bounds = [f"n{k}" for k in range(rank)]
    args = bounds + [f"o{k}" for k in arr_outs] + \
        [f"x{j}" for j, (_, kind) in enumerate(in_kinds) if kind != "literal"]
    reds = [e.outputs[k] for k in range(len(member_outs)) if k not in arr_outs]
    ret = "return (" + "".join(f"{r}, " for r in reds) + ")"
    # the members' primitives and expressions only, never their graph names: the file is named
    # by a hash of its text, and a name (dense_26/Add) depends on what else the process built,
    # so a named header made a new file, and a new Numba compile, in every run (issue T9b)
    doc = "\n".join(f"  {m.prim.name}  {loop_expr(m) or ''}" for m in node.members)
    src = [_HEADER.format(doc=doc)]
    for par in (False, True):
        deco = "@njit(cache=True, nogil=True, parallel=True, error_model='numpy')" if par else \
            "@njit(cache=True, nogil=True, error_model='numpy')"
        src.append(f"{deco}\ndef {'kernel_par' if par else 'kernel'}({', '.join(args)}):")
        src.extend(loop_lines(e, bounds, par and rank > 0 and
                              not has_partial_reduction(node.members), "    "))
        src.append("    " + ret + "\n\n")
    del outputs
    body = "\n".join(src[1:]).rstrip() + "\n"
    return src[0] + fast32_import(body) + body, in_kinds, arr_outs
