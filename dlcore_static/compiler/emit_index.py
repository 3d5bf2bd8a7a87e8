"""Numba source for the indexing and joining primitives (a mixin of ``emit_numba.Emitter``).

These are what a recurrent loop body is made of besides matmuls and elementwise maths:
``take`` (reading step ``t`` of the inputs), ``scatter_add`` (writing step ``t`` of the
outputs, and the gradient of ``take``), ``concatenate`` (``[x, h]`` of a cell), ``stack``,
``getitem`` (the gates' slices) and ``slice_scatter`` (their gradient).  With them a loop body
compiles into a few segments around its matmuls instead of one Python call per op.

Shapes are literals (the plan's key fixes them).  An index out of range raises
``IndexError`` inside the compiled code; the runner then re-runs the plan step by step, and the
interpreter's kernel raises the error that names the node (``runner.py``): compiled code never
reads or writes outside a buffer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import loops
from .ir import Node, Val


class Unsupported(Exception):
    """This node cannot be written as Numba code; the message says why (raised by
    ``emit_numba.Emitter``, which the compiler imports it from)."""


#: graph-level nodes of TensorFlow's run-time checks (dlcore_static/_index_checks.py) that a
#: segment runs (``IndexEmitter.check_indices``): the value passes through
CHECK_TYPES = ("CheckIndices", "CheckScatterIndices", "CheckDivisor")


def _shape_text(shape) -> str:
    return "(" + "".join(f"{int(d)}, " for d in shape) + ")"


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def _copy_loops(dst: str, dst_index: list[str], src: str, src_shape: tuple) -> list[str]:
    """``dst[dst_index] = src[i0, i1, ...]`` over ``src_shape``, as explicit loops: a slice
    assignment (``out[:, 1:33] = x``) makes Numba compile its general slice-setting code
    (with a shape-mismatch error path) for every pair of array types, about 1.5 s each,
    which was half of the small ResNet's compile time; a loop nest compiles in milliseconds."""
    lines, ind = loops.for_nest((f"i{k}", d) for k, d in enumerate(src_shape))
    src_index = ", ".join(f"i{k}" for k in range(len(src_shape)))
    lines.append(f"{ind}{dst}[{', '.join(dst_index)}] = {src}[{src_index}]")
    return lines


class IndexEmitter:
    """``prim_take``, ``prim_scatter_add``, ``prim_concatenate``, ``prim_stack``,
    ``prim_getitem``, ``prim_slice_scatter`` (see the module docstring)."""

    if TYPE_CHECKING:          # what the Emitter this mixes into provides (emit_numba.py)
        names: dict
        fresh: Callable[[str], str]
        c_arrays: set

        def name(self, v: Val) -> str: ...

        @staticmethod
        def _unsupported(why: str) -> Exception: ...

    def contiguous(self, v: Val | str) -> str:
        """The name of ``v`` (a value, or a local name) where it is C-contiguous
        (``c_arrays``), else the text of ``np.ascontiguousarray`` of it: a typed C-contiguous
        array either way, which ``c_view`` takes (each ``np.ascontiguousarray`` is Numba's
        overload to type and lower: compile time at each call site, issue 19's cold step)."""
        name = v if isinstance(v, str) else self.names[v]
        return name if name in self.c_arrays else f"np.ascontiguousarray({name})"

    def filled(self, out: str, shape: tuple, value: str, dt: str) -> list[str]:
        """``out = np.full(shape, value, dt)`` (``np.zeros`` for a value of 0) as
        ``c_empty`` and a loop over its flat view: Numba's ``np.full`` / ``np.zeros``
        overloads cost 0.04-0.2 s of compile time the first time a process meets each
        signature (a cold first step's), the loop a few ms; the same values (each element
        is ``value`` cast to ``dt`` as ``np.full`` casts it)."""
        return self._flat_loop(out, shape, dt, None, lambda z: value)

    def rounded(self, out: str, shape: tuple, src: str, dt: str) -> list[str]:
        """``out = src.astype(dt).reshape(shape)`` for a C-contiguous ``src`` of the same size
        (a float64 accumulator), as ``c_empty`` and a loop over both flat views: Numba's
        ``astype``/``reshape`` overloads cost compile time (see ``filled``); the same values."""
        return self._flat_loop(out, shape, dt, src, lambda z: f"{dt}({z}a[{z}])")

    def _flat_loop(self, out: str, shape: tuple, dt: str, src: str | None,
                   element: Callable[[str], str]) -> list[str]:
        """``out`` made by ``c_empty`` and written by one loop over its flat view (and
        ``src``'s, named ``<z>a``, when given): element ``z`` is ``element(z)``'s text."""
        z = self.fresh("z")
        self.c_arrays.add(out)
        size = _size(shape)
        lines = [f"{out} = c_empty({_shape_text(shape)}, {dt})",
                 f"{z}f = c_view({out}, ({size}, ))"]
        if src is not None:
            lines.append(f"{z}a = c_view({src}, ({size}, ))")
        return lines + [f"for {z} in range({size}):", f"    {z}f[{z}] = {element(z)}"]

    def _index_lines(self, i_name: str, n: int, k: str) -> list[str]:
        """``k``: index ``i_name`` checked against a dimension of ``n``, made non-negative."""
        return [f"{k} = {i_name}",
                f"if {k} < 0:",
                f"    {k} += {n}",
                f"if {k} < 0 or {k} >= {n}:",
                "    raise IndexError('index out of bounds for axis 0')"]

    def check_indices(self, n: Node) -> list[str]:
        """``CheckIndices``/``CheckScatterIndices``/``CheckDivisor`` (dlcore_static/
        _index_checks.py: TF's refusal of an index outside [0, n), of an integer division by
        zero): the value passes through; a bad one raises IndexError, and the runner's
        step-by-step re-run raises TensorFlow's words."""
        i = n.inputs[0]
        I = self.name(i)
        self.names[n.out()] = I
        ish = tuple(i.aval.shape)
        bad = "    raise IndexError('index out of bounds')"
        if n.type == "CheckDivisor":              # (an integer division by zero)
            if not ish:
                return [f"if {I} == 0:", bad]
            q = self.fresh("q")
            return [f"for {q} in {I}.ravel():", f"    if {q} == 0:", "    " + bad]
        if n.type == "CheckIndices":
            lim = n.graph_op().attrs["n"]
            if lim is None:
                lim = n.inputs[1].aval.shape[n.graph_op().attrs["axis"]]
            if not ish:
                return [f"if {I} < 0 or {I} >= {int(lim)}:", bad]
            q = self.fresh("q")
            return [f"for {q} in {I}.ravel():",
                    f"    if {q} < 0 or {q} >= {int(lim)}:", "    " + bad]
        dims = n.graph_op().attrs["dims"]
        if not ish or ish[-1] != len(dims):
            raise self._unsupported("scatter indices whose last axis is not the coordinates")
        q, r = self.fresh("q"), self.fresh("r")
        rows = _size(ish[:-1])
        conds = " or ".join(f"{q}[{r}, {d}] < 0 or {q}[{r}, {d}] >= {int(m)}"
                            for d, m in enumerate(dims))
        return [f"{q} = np.ascontiguousarray({I}).reshape(({rows}, {len(dims)}))",
                f"for {r} in range({rows}):",
                f"    if {conds}:", "    " + bad]

    def prim_take(self, n: Node) -> list[str]:
        x, i = n.inputs
        xs, ish = tuple(x.aval.shape), tuple(i.aval.shape)
        if not xs or len(ish) > 1:
            raise self._unsupported("take of a scalar or with an index of rank above 1")
        out = self.fresh("g")
        self.names[n.out()] = out
        X, I = self.name(x), self.name(i)
        if not ish:                       # one row: a view (one element: a scalar)
            k = self.fresh("k")
            return self._index_lines(I, xs[0], k) + [f"{out} = {X}[{k}]"]
        m = ish[0]
        rows = _size(xs[1:])
        k, j, c = self.fresh("k"), self.fresh("j"), self.fresh("c")
        src, dst = self.fresh("s"), self.fresh("d")
        dt = loops.np_type(n.avals[0].dtype)
        self.c_arrays.add(out)
        return [f"{out} = c_empty({_shape_text((m,) + xs[1:])}, {dt})",
                f"{src} = c_view({self.contiguous(X)}, ({xs[0]}, {rows}))",
                f"{dst} = c_view({out}, ({m}, {rows}))",
                f"for {j} in range({m}):",
                *["    " + s for s in self._index_lines(f"{I}[{j}]", xs[0], k)],
                f"    for {c} in range({rows}):",
                f"        {dst}[{j}, {c}] = {src}[{k}, {c}]"]

    def prim_scatter_add(self, n: Node) -> list[str]:
        v, i, ref = n.inputs
        rs, ish = tuple(ref.aval.shape), tuple(i.aval.shape)
        if not rs or len(ish) > 1:
            raise self._unsupported("scatter_add into a scalar or with an index of rank "
                                    "above 1")
        out = self.fresh("sc")
        self.names[n.out()] = out
        dt = loops.np_type(n.avals[0].dtype)
        head = self.filled(out, rs, "0", dt)
        return head + self._scatter_rows(out, rs, self.name(v), self.name(i), ish)

    def _scatter_rows(self, out: str, rs: tuple, V: str, I: str, ish: tuple) -> list[str]:
        """``out[i[j]] += v[j]`` for each j (``out`` of shape ``rs``)."""
        m = ish[0] if ish else 1
        rows = _size(rs[1:])
        k, j, c = self.fresh("k"), self.fresh("j"), self.fresh("c")
        src, dst = self.fresh("s"), self.fresh("d")
        idx = f"{I}[{j}]" if ish else I
        return [f"{src} = c_view({self.contiguous(V)}, ({m}, {rows}))",
                f"{dst} = c_view({out}, ({rs[0]}, {rows}))",    # (written: never a copy)
                f"for {j} in range({m}):",
                *["    " + s for s in self._index_lines(idx, rs[0], k)],
                f"    for {c} in range({rows}):",
                f"        {dst}[{k}, {c}] += {src}[{j}, {c}]"]

    def prim_concatenate(self, n: Node) -> list[str]:
        axis = int(n.params["axis"])
        shape = tuple(n.avals[0].shape)
        out = self.fresh("cc")
        self.names[n.out()] = out
        dt = loops.np_type(n.avals[0].dtype)
        self.c_arrays.add(out)
        lines = [f"{out} = c_empty({_shape_text(shape)}, {dt})"]
        start = 0
        for x in n.inputs:
            xs = tuple(int(d) for d in x.aval.shape)
            dst = [f"i{k}" if k != axis else f"i{k} + {start}" for k in range(len(shape))]
            lines += _copy_loops(out, dst, self.name(x), xs)
            start += xs[axis]
        return lines

    def prim_stack(self, n: Node) -> list[str]:
        """Each input copied into its index along the new axis (a 0-d input, a plain scalar
        here, written as one element)."""
        axis = int(n.params["axis"])
        shape = tuple(n.avals[0].shape)
        out = self.fresh("st")
        self.names[n.out()] = out
        dt = loops.np_type(n.avals[0].dtype)
        self.c_arrays.add(out)
        lines = [f"{out} = c_empty({_shape_text(shape)}, {dt})"]
        for j, x in enumerate(n.inputs):
            xs = tuple(int(d) for d in x.aval.shape)
            if not xs:
                lines.append(f"{out}[{j}] = {self.name(x)}")
                continue
            dst = [f"i{k}" for k in range(axis)] + [str(j)] + \
                [f"i{k}" for k in range(axis, len(xs))]
            lines += _copy_loops(out, dst, self.name(x), xs)
        return lines

    def _numpy_index(self, idx: tuple, shape: tuple) -> str:
        parts = []
        if any(i is None for i in idx):
            raise self._unsupported("a new axis in an index")
        for dim, i in enumerate(idx):
            if isinstance(i, tuple):
                start, stop, step = slice(*i[1:]).indices(int(shape[dim]))
                if step != 1:
                    raise self._unsupported("a slice with a step other than 1")
                parts.append(f"{start}:{max(stop, start)}")
            else:
                parts.append(str(i % int(shape[dim])))
        if not parts:
            raise self._unsupported("an empty index")
        return ", ".join(parts)

    def prim_getitem(self, n: Node) -> list[str]:
        x = n.inputs[0]
        xs = tuple(x.aval.shape)
        idx = self._numpy_index(n.params["idx"], xs)
        out = self.fresh("v")
        self.names[n.out()] = out
        if not n.avals[0].shape:
            raise self._unsupported("getitem of one element")
        return [f"{out} = {self.name(x)}[{idx}]"]

    def prim_slice_scatter(self, n: Node) -> list[str]:
        g, ref = n.inputs
        rs = tuple(ref.aval.shape)
        idx = self._numpy_index(n.params["idx"], rs)
        if not g.aval.shape:
            raise self._unsupported("slice_scatter of one element")
        out = self.fresh("ss")
        self.names[n.out()] = out
        dst, k = [], 0                           # g's axes are the index's slices, in order
        for part in idx.split(", "):
            if ":" in part:
                start = int(part.split(":")[0])
                dst.append(f"i{k} + {start}" if start else f"i{k}")
                k += 1
            else:
                dst.append(part)
        for _ in range(len(idx.split(", ")), len(rs)):   # the axes after the index: whole
            dst.append(f"i{k}")
            k += 1
        gs = tuple(int(d) for d in g.aval.shape)
        if k != len(gs):
            raise self._unsupported("slice_scatter whose slice and value differ in rank")
        return [*self.filled(out, rs, "0", loops.np_type(n.avals[0].dtype)),
                *_copy_loops(out, dst, self.name(g), gs)]
