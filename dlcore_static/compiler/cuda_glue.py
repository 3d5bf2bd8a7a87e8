"""The compile pass on a CUDA Session: the plan as one generated Python function calling its
numba.cuda kernels (the device-specific part of the glue generator, ``source.py``).

On the CPU the compile pass writes Numba segments and a Python glue function that calls them
(``codegen.py``).  A CUDA kernel is launched from Python, so on a CUDA Session there are no
segments: every node is a call in the glue, the same glue ``source.generate`` writes for the
CPU's Python nodes, with this module's choices for a device plan::

    def run(f0, f1):                        # f0, f1: the feeds, already on the device
        v3 = _cv[_V3] if not _sd else E3()  # a variable read: its device array
        v4 = _de((20,), _dt_float32)        # a product, launched here (sizes, grid: fixed)
        L4[G4](f0.reshape((12,)) if ..., v3.reshape((15,)) if ..., v4, 4, 5, 3, ...)
        v4 = v4.reshape((4, 5))
        v5 = E5(v4)                         # another kernel: its step (the kernel's wrapper)
        v9 = _de((4, 2), _dt_float32)       # a fused group, launched here
        L9[G9](8, 2, v9, v6, f1)
        ...
        if type(v12) is not _nd and v12.shape == (3, 5):
            v13 = v12                       # an assign: staged, committed by the Session
            _sd[_V2] = v12
        ...
        return (v9, None)

* each node's callable is the interpreter's own step for it (``ir.lower``'s: a primitive's
  CUDA kernel, a fused group's ``cuda_fusion`` kernel, made once; an executor for a graph op),
  so the glue and the interpreter compute the same values in the same order;
* matrix products, fused groups, elementwise primitives and reductions (sum, max, prod)
  are launched by the glue itself, their sizes, grids and
  outputs decided at plan build from the shapes the plan's key fixes
  (``kernels.cuda.linalg.matmul_launch``, the fused kernel's ``launch``): what their wrappers
  recompute on every call (shapes, strides, grids: ~30 Python calls a product) is done once;
* a 2-D transpose that only such products read (a weight gradient's ``x^T``) is not launched:
  the products read its input through swapped strides (``_folded_transposes``);
* device arrays stay on the device between nodes; variables stay resident on the device (the
  Session's store holds their device arrays); host<->device copies happen only at the feeds
  and fetches (the Session makes them, ``Session.run``), and constants are copied to the
  device once, when the glue is built;
* ``cond`` and ``while_loop`` run by their interpreter executors (as ``control_loops.executor``
  does on a GPU);
* an update ``w.assign(w - lr * g)`` (an optimizer's apply) that is a fused group is written
  into the variable's own device array (``_inplace_updates``: the weights get no new device
  array at any step and keep their array object) when nothing fetched or run after it reads
  the old values and nothing after it can fail; other assigns stage the new array;
* writes are staged and committed by the Session only when the run succeeds, and a failing
  glue call re-runs the steps one by one (``runner.py``), so the error names the node and no
  variable changes: the same all-or-nothing guarantee as the CPU path.

Measured on the seed's static step (tiny shapes, Numba's CUDA simulator: counts, not times),
per step: the interpreter with no pass 42 steps, 29 kernel launches, 1,006 Python calls in
dlcore's files; with every pass but ``compile`` 27 steps, 16 launches, 706 calls; compiled one
glue call, 13 launches, 180 calls (``python -m benchmarks.gpu_check --tiny``); with the
elementwise kernels and reductions launched by the glue (their launches planned at build:
``elementwise_kernel``'s ``plan``, ``reduce.launch_plan``; the kernel's call when an operand
is not a C-contiguous device array) 28 calls, and 14 device allocations instead of 16 with
the updates written in place (``python -m benchmarks.cuda_counts``).

The report (``compiled_nodes``, ``python_nodes``) counts a node as compiled when it runs a
numba.cuda kernel (a primitive with a CUDA kernel, a fused group) and as a Python node
otherwise (variable reads and assigns, constants, control flow, host ops).
"""

from __future__ import annotations

import functools

import numpy as np

from dlcore.device import to_device

from .ir import Node, Program
from .var_views import views_of_reads


class CudaGlue:
    """What ``source.generate`` asks of the device when it writes a CUDA plan's glue."""

    def __init__(self, prog: Program, lowered) -> None:
        self.device = prog.device
        # ir.lower makes one step per node, in program order: reuse its callables (a fused
        # group's kernel is generated and loaded once, not again for the glue)
        self.steps = {n: (fn, params) for n, (fn, _, _, params, _) in
                      zip(prog.nodes, lowered.steps)}
        self.folded = _folded_transposes(prog)
        self.inplace = _inplace_updates(prog, self)

    def runs_kernel(self, n: Node) -> bool:
        """Does ``n`` launch a numba.cuda kernel (the report's 'compiled')?"""
        if n.kind == "fused":
            return True
        return n.kind == "prim" and n.prim.kernels.get("cuda") is not None

    def constant(self, value):
        """A constant as the glue holds it: on the device (strings stay on the host)."""
        if isinstance(value, np.ndarray) and value.dtype.kind == "O":
            return value
        return to_device(np.asarray(value) if np.isscalar(value) else value, self.device)

    def step(self, n: Node) -> tuple:
        """``(fn, params)`` the glue calls for ``n``: the lowered plan's step."""
        return self.steps[n]

    def lines(self, n: Node, py: dict, env: dict) -> list[str] | None:
        """The glue's own launch of ``n``'s kernel (a fused group, a matrix product), its
        sizes, grid and output decided here, at plan build, from the shapes the plan's key
        fixes; None: the node's step is called."""
        if n in self.folded:
            return []                         # read transposed by the products it feeds
        if n.kind == "fused":
            return self._fused_lines(n, py, env)
        if n.kind == "prim" and n.prim.name == "matmul" and not n.params:
            return self._matmul_lines(n, py, env)
        if n.kind == "prim" and len(n.avals) == 1 and not n.control and all(
                None not in v.aval.shape for v in n.inputs) and \
                None not in n.avals[0].shape:
            kernel = n.prim.kernels.get("cuda")
            if getattr(kernel, "plan", None) is not None:
                return self._elementwise_lines(n, kernel, py, env)
            if kernel in _reductions():
                return self._reduce_lines(n, py, env)
        return None

    def _guarded(self, n: Node, py: dict, env: dict, lines: list[str]) -> list[str]:
        """``lines`` when every operand is a C-contiguous device array (what the launch was
        planned for; the glue's constants are), else the node's step: its kernel's call."""
        fn, params = self.steps[n]
        name = f"E{n.id}"
        env[name] = functools.partial(fn, **params) if params else fn
        env["_nd"] = np.ndarray
        tests = [f"type({py[v]}) is not _nd and {py[v]}.is_c_contiguous()" for v in n.inputs
                 if v.node.kind != "const"]
        call = f"v{n.id}_0 = {name}({', '.join(py[v] for v in n.inputs)})"
        if not tests:
            return lines
        return [f"if {' and '.join(dict.fromkeys(tests))}:"] + \
            ["    " + line for line in lines] + ["else:", "    " + call]

    def _elementwise_lines(self, n: Node, kernel, py: dict, env: dict) -> list[str] | None:
        """A primitive's elementwise kernel launched by the glue, its launch (the layout
        pattern's generated kernel, sizes, strides, grid) planned here, at plan build, by
        ``kernel.plan``: what the kernel's wrapper decides on every call (~15 Python calls)."""
        from dlcore.kernels.cuda import _support as S
        out_aval = n.avals[0]
        try:
            launch = kernel.plan(tuple(out_aval.shape), out_aval.dtype,
                                 [tuple(v.aval.shape) for v in n.inputs])
        except Exception:                    # noqa: BLE001 - the kernel's call raises it
            return None
        if any(f[0] != "flat" for f in launch.feeds):
            return None                       # (planned for contiguous device operands only)
        out = f"v{n.id}_0"
        py[n.out()] = out
        full = tuple(launch.out_shape)
        lines = [f"{out} = _de({_shape(full)}, {_dtype(env, launch.out_dtype)})"]
        if n in self.inplace and "_cv" in env:
            lines = [self._inplace_line(n, 0, out, py, env, full, launch.out_dtype)]
        env["_de"] = S.cuda().device_array
        if launch.kernel is not None:
            args = [out if full == (launch.n,) else f"{out}.reshape(({launch.n},))",
                    str(launch.n)]
            for v, f in zip(n.inputs, launch.feeds):
                shape = tuple(int(d) for d in v.aval.shape)
                args.append(py[v] if len(shape) == 1 else f"{py[v]}.reshape(({f[1]},))")
            args += [str(int(e)) for e in launch.extra]
            env[f"L{n.id}"], env[f"G{n.id}"] = launch.kernel, launch.grid
            lines.append(f"L{n.id}[G{n.id}]({', '.join(args)})")
        return self._guarded(n, py, env, lines)

    def _inplace_line(self, n: Node, i: int, out: str, py: dict, env: dict, shape,
                      dtype) -> str:
        """The line giving output ``i`` of ``n`` the variable's own device array when the
        operand read from it is the committed array (``_cv``: the Session's store, bound by
        the variable reads' lines; not a value staged by this run) and nothing else holds it
        (its references: the store's, the glue's locals of the plan's reads of it before
        ``n``, getrefcount's argument; another variable, a constant or a caller holding the
        same array makes more), else a new array (``_inplace_updates``)."""
        import sys
        read, var, holders = self.inplace[n][i]
        vname = f"_V{n.id}_w{i}"
        env[vname], env["_rc"] = var, sys.getrefcount
        r = py[read]
        return (f"{out} = {r} if {r} is _cv[{vname}] and _rc({r}) == {holders + 2} else "
                f"_de({_shape(shape)}, {_dtype(env, dtype)})")

    def _reduce_lines(self, n: Node, py: dict, env: dict) -> list[str] | None:
        """A reduction (sum, max, ...) launched by the glue, its launch planned here
        (``reduce.launch_plan``) instead of in its wrapper at every call (~35 Python calls)."""
        from dlcore.kernels.cuda import _support as S
        from dlcore.kernels.cuda import reduce
        (x,) = n.inputs
        shape = tuple(int(d) for d in x.aval.shape)
        p = n.params
        planned = reduce.launch_plan(n.prim.name, shape, p.get("axes", ()),
                                     bool(p.get("keepdims", False)), n.avals[0].dtype)
        if planned is None or S.size_of(shape) == 0:
            return None
        kernel, grid, m, out_shape, args = planned
        out = f"v{n.id}_0"
        py[n.out()] = out
        env[f"L{n.id}"], env[f"G{n.id}"] = kernel, grid
        env["_de"] = S.cuda().device_array
        xf = py[x] if len(shape) == 1 else f"{py[x]}.reshape(({S.size_of(shape)},))"
        lines = [f"{out} = _de(({m},), {_dtype(env, n.avals[0].dtype)})",
                 f"L{n.id}[G{n.id}]({xf}, {out}, {', '.join(repr(a) for a in args)})"]
        if tuple(out_shape) != (m,):
            lines.append(f"{out} = {out}.reshape({_shape(out_shape)})")
        return self._guarded(n, py, env, lines)

    def _fused_lines(self, n: Node, py: dict, env: dict) -> list[str] | None:
        """What ``cuda_fusion.cuda_kernel``'s ``fused`` does, written out: an output array
        per member output, one launch of the configured kernel (no launch for an empty loop);
        a rank-0 operand as a one-element array, a uniform constant folded into the kernel."""
        launch = getattr(self.steps[n][0], "launch", None)
        if launch is None:
            return None
        kernel, kinds, loop_shape, dtypes = launch
        from dlcore.kernels.cuda import _support as S
        outs = [f"v{n.id}_{i}" for i in range(len(dtypes))]
        lines = [f"{o} = _de({_shape(loop_shape)}, {_dtype(env, dt)})"
                 for o, dt in zip(outs, dtypes)]
        if n in self.inplace and "_cv" in env:
            # updates written into the variables' own device arrays (``_inplace_updates``)
            # when the operand is the committed array (``_cv``: the Session's store, bound by
            # the variable reads' lines; not a value staged by this run)
            for i in self.inplace[n]:
                lines[i] = self._inplace_line(n, i, outs[i], py, env, loop_shape, dtypes[i])
        size = S.size_of(loop_shape)
        if size:
            name = f"L{n.id}"
            # (the configuration at each launch: the simulator's kernel[config] sets it on
            # the kernel itself, so a configured kernel cannot be kept)
            env[name], env[f"G{n.id}"] = kernel, S.launch_1d(size)
            args = [str(size)] + [str(int(d)) for d in loop_shape[1:]] + outs
            for v, kind in zip(n.inputs, kinds):
                if kind == "scalar":
                    args.append(f"{py[v]}.reshape((1,))")
                elif kind == "array":
                    args.append(py[v])
            lines.append(f"{name}[G{n.id}]({', '.join(args)})")
        env["_de"] = S.cuda().device_array
        for i, o in enumerate(outs):
            py[n.out(i)] = o
        return lines

    def _matmul_lines(self, n: Node, py: dict, env: dict) -> list[str] | None:
        """What ``kernels.cuda.linalg.matmul`` does, its launch decided by ``matmul_launch``
        here: operands passed flat (as they are when C-contiguous, else through ``flat``),
        a flat output reshaped to the product's shape.  A product whose shapes do not match
        (or that has nothing to compute) is left to its kernel's call."""
        from dlcore.kernels.cuda import _support as S
        from dlcore.kernels.cuda import linalg
        from dlcore.kernels.cuda.elementwise import flat
        if not _gemm_node(n):
            return None
        a, c = n.inputs
        sa, sc = (tuple(int(d) for d in v.aval.shape) for v in (a, c))
        ta, tb = a.node in self.folded, c.node in self.folded
        try:
            kernel, config, size, out_shape, dt, tail = linalg.matmul_launch(
                sa, sc, a.aval.dtype, ta, tb)
        except ValueError:
            if ta or tb:                      # (a product folding a transpose must launch)
                raise
            return None                       # (the kernel's own call raises it, by the node)
        if kernel is None:
            if ta or tb:
                raise ValueError(f"{n.name}: an empty product reads a folded transpose")
            return None
        # a folded transpose's operand: the matrix it transposes, read through swapped strides
        if ta:
            a = a.node.inputs[0]
        if tb:
            c = c.node.inputs[0]
        sa, sc = (tuple(int(d) for d in v.aval.shape) for v in (a, c))
        name, out = f"L{n.id}", f"v{n.id}_0"
        env[name], env[f"G{n.id}"] = kernel, config
        env["_fl"], env["_de"], env["_nd"] = flat, S.cuda().device_array, np.ndarray
        # (a host array, which no node of a CUDA plan should make, is copied by ``flat``)
        ops = [f"({py[v]}.reshape(({S.size_of(s)},)) if type({py[v]}) is not _nd and "
               f"{py[v]}.is_c_contiguous() else _fl({py[v]}))" for v, s in ((a, sa), (c, sc))]
        py[n.out()] = out
        return [f"{out} = _de(({size},), {_dtype(env, dt)})",
                f"{name}[G{n.id}]({ops[0]}, {ops[1]}, {out}, {', '.join(repr(t) for t in tail)})",
                f"{out} = {out}.reshape({_shape(out_shape)})"]


#: graph nodes the glue runs after an update written in place: none of them can fail on its
#: data (the glue's own lines, or a variable's read/assign), so the run cannot fail once a
#: variable has been written, and the staging's all-or-nothing guarantee holds
_SAFE_AFTER = ("VariableRead", "Assign", "NoOp")


def _inplace_updates(prog: Program, glue: CudaGlue) -> dict:
    """{fused group: {output index: (its variable-read operand, the variable, the plan's reads
    of it before the group)}} for the
    updates the glue writes into the variables' existing device arrays (``w.assign(w - lr *
    g)``, an optimizer's apply): no new device array for the weights at any step, and the variable's
    array stays the same object.  As TensorFlow's ``ApplyGradientDescent``, the kernel reads
    ``w[i]`` and writes ``w[i]`` in one thread.  Only when

    * the group is elementwise over the variable's shape and dtype, and its output is read
      only by one ``Assign`` of that variable, the plan's one assign of it (a group may update
      several variables: a momentum's accumulator and weight); the kernel reads all its
      operands before it writes an output;
    * it reads the variable through a read of it (an "array" operand of the loop's shape);
    * no read of the variable (or a view of one: anything but a fresh kernel output) is
      fetched or read by a node after the group (they would see the new values);
    * every node after the group is a launch of the glue's own (a fused group, a matrix
      product, a float elementwise primitive or reduction), a variable read or assign, a
      constant or a folded transpose, its launch valid for the plan's shapes
      (``_launched_by_glue``): nothing can
      fail after the write, so a run that fails has written nothing; from the first write
      a Ctrl-C is held back until the glue has committed the run's writes (``source._held``),
      so an interrupt leaves all of them or none."""
    consumers = prog.consumers()
    users: dict = {}
    for n in prog.nodes:
        for v in n.inputs:
            users.setdefault(v, []).append(n)
    pos = {n: i for i, n in enumerate(prog.nodes)}
    fetched = {f.node for f in prog.fetches if f is not None}
    assigns: dict = {}
    reads: dict = {}
    for n in prog.nodes:
        if n.kind == "graph" and n.type in ("Assign", "VariableRead"):
            var = n.graph_op().attrs.get("variable")
            if var is not None:
                (assigns if n.type == "Assign" else reads).setdefault(var, []).append(n)

    def safe(n: Node) -> bool:
        return n.kind == "const" or n in glue.folded or _launched_by_glue(n) or \
            (n.kind == "fused" and getattr(glue.steps[n][0], "launch", None) is not None) or \
            (n.kind == "graph" and n.type in _SAFE_AFTER)

    def unread_after(var, u: Node) -> bool:
        """No read of ``var`` (or a view of one) is fetched or read after ``u``, and ``u``
        reads the variable only through its reads."""
        return views_of_reads(set(reads.get(var, ())), u, consumers, fetched,
                              lambda c: pos.get(c, -1) > pos[u],
                              lambda c: c.kind == "fused" or _gemm_node(c),
                              strict=True) is not None

    out: dict = {}
    for u in prog.nodes:
        launch = getattr(glue.steps[u][0], "launch", None) if u.kind == "fused" else None
        if launch is None and u.kind == "prim" and len(u.avals) == 1 and not u.control and \
                getattr(u.prim.kernels.get("cuda"), "plan", None) is not None and \
                None not in u.avals[0].shape:
            # one elementwise primitive (``_elementwise_lines``: ``out[i] = f(x0[i], ...)``)
            shape = tuple(u.avals[0].shape)
            launch = (None, ["array" if tuple(v.aval.shape) == shape else "other"
                             for v in u.inputs], shape, [u.avals[0].dtype])
        if launch is None or u in fetched:
            continue
        _, kinds, loop_shape, dtypes = launch
        found = {}
        for i in range(len(u.avals)):
            a = users.get(u.out(i), [])
            if len(a) != 1 or a[0].kind != "graph" or a[0].type != "Assign":
                continue
            var = a[0].graph_op().attrs.get("variable")
            if var is None or len(assigns.get(var, ())) != 1 or \
                    tuple(var.attrs["shape"]) != tuple(loop_shape) or \
                    np.dtype(dtypes[i]) != np.dtype(var.attrs["dtype"]):
                continue
            direct = [v for v, k in zip(u.inputs, kinds)
                      if v.node in reads.get(var, ()) and k == "array"]
            if direct and unread_after(var, u):
                holders = sum(1 for r in reads[var] if pos[r] < pos[u])
                found[i] = (direct[0], var, holders)
        if found and (u.kind == "prim" or _loads_before_stores(u)) and \
                all(safe(n) for n in prog.nodes[pos[u] + 1:]):
            out[u] = found
    return out


def _launched_by_glue(n: Node) -> bool:
    """Is ``n`` a product, a float elementwise primitive or a float reduction whose launch
    the glue plans at build (so nothing about its operands is checked at run time, and a
    kernel raises nothing: float arithmetic gives inf or NaN)?  Not one whose shapes its
    kernel's call would refuse (``BadMatMul``'s core dimensions)."""
    from dlcore.kernels.cuda import linalg, reduce
    if n.kind != "prim" or n.control or len(n.avals) != 1 or \
            n.avals[0].dtype.kind != "f" or None in n.avals[0].shape or \
            any(None in v.aval.shape for v in n.inputs):
        return False
    shapes = [tuple(int(d) for d in v.aval.shape) for v in n.inputs]
    k = n.prim.kernels.get("cuda")
    try:
        if _gemm_node(n):
            return linalg.matmul_launch(shapes[0], shapes[1], n.inputs[0].aval.dtype,
                                        False, False)[0] is not None
        if getattr(k, "plan", None) is not None:
            launch = k.plan(tuple(n.avals[0].shape), n.avals[0].dtype, shapes)
            return all(f[0] == "flat" for f in launch.feeds)
        if k in _reductions():
            p = n.params
            return reduce.launch_plan(n.prim.name, shapes[0], p.get("axes", ()),
                                      bool(p.get("keepdims", False)),
                                      n.avals[0].dtype) is not None
    except Exception:                          # noqa: BLE001 - its call would raise
        return False
    return False


def _loads_before_stores(u: Node) -> bool:
    """Does the fused kernel read all its operands before it writes any output (so an output
    written over an operand's array changes nothing the thread reads)?"""
    import re

    from .cuda_fusion import kernel_source
    src = kernel_source(u)[0].splitlines()
    loads = [k for k, line in enumerate(src) if re.search(r"= x\d+\[", line)]
    stores = [k for k, line in enumerate(src) if re.match(r"\s+o\d+\[", line)]
    return bool(stores) and (not loads or max(loads) < min(stores))


def _reductions() -> tuple:
    from dlcore.kernels.cuda import reduce
    return (reduce.sum, reduce.max, reduce.prod)


def _gemm_node(n: Node) -> bool:
    """Is ``n`` a product the glue launches itself: the CUDA matmul kernel's, of known shapes
    of at least two dimensions and one dtype?"""
    from dlcore.kernels.cuda import linalg
    if n.kind != "prim" or n.prim.name != "matmul" or n.params or \
            n.prim.kernels.get("cuda") is not linalg.matmul:
        return False
    a, c = n.inputs
    return a.aval.dtype == c.aval.dtype and all(
        len(v.aval.shape) >= 2 and None not in v.aval.shape for v in (a, c))


def _folded_transposes(prog: Program) -> set:
    """The 2-D transposes (``x^T`` of a weight gradient) that every consumer, a 2-D product
    the glue launches, reads through swapped strides instead (``matmul_launch``'s ``ta``/
    ``tb``): no transpose kernel, no copy.  Not one that is fetched or read by anything else,
    nor an empty product (``matmul_launch`` launches nothing for those)."""
    consumers = prog.consumers()
    fetched = {f.node for f in prog.fetches if f is not None}
    out = set()
    for t in prog.nodes:
        if t.kind != "prim" or t.prim.name != "transpose" or len(t.inputs) != 1 or \
                t in fetched or tuple(t.params.get("perm", ())) != (1, 0) or t.control:
            continue
        shape = t.inputs[0].aval.shape
        cs = consumers.get(t)
        if len(shape) != 2 or None in shape or 0 in shape or not cs:
            continue
        if all(_gemm_node(c) and not c.control and all(
                len(v.aval.shape) == 2 and 0 not in v.aval.shape for v in c.inputs)
               for c in cs):
            out.add(t)
    return out


def _shape(shape) -> str:
    return "(" + "".join(f"{int(d)}, " for d in shape) + ")"


def _dtype(env: dict, dt) -> str:
    """The glue's name of dtype ``dt`` (bound in ``env``)."""
    name = f"_dt_{np.dtype(dt).name}"
    env[name] = np.dtype(dt)
    return name


def assign_lines(x: str, out: str, var: str, name: str, shape: tuple) -> list[str]:
    """The glue's lines for an ``Assign`` of device array ``x`` of the variable's shape: staged
    as it is (what ``variables._assign_factory`` does with a device array); any other value
    (a host array, another shape) through the executor ``name``, so its errors are unchanged."""
    return [f"if type({x}) is not _nd and {x}.shape == {shape!r}:",
            f"    {out} = {x}",
            f"    _sd[{var}] = {x}",
            "else:",
            f"    {out} = {name}({x})"]
