"""Dynamic axes for ``dlcore_eager.onnx.export`` (``dynamic_axes=`` as in torch.onnx.export).

A trace records sizes as numbers (``reshape(x, (4, 27))``, the zero initial state of an LSTM
of shape ``(1, 4, 5)``, the divisor of a mean over the batch).  To find which of them follow
the dynamic axes, the model is traced a second time on inputs whose dynamic axes are longer
(rows repeated: the values stay realistic), each symbol by a different ratio.  Both traces must
run the same primitives on the same kind of inputs; then every number that differs is
expressed from the inputs' run-time shapes:

* a size ``v`` with ``v1 / v2 == a1 / a2`` for a symbol of example sizes ``a1``/``a2`` is
  ``Dim(input, axis, v1 // a1)`` (``Shape`` in the ONNX graph, times a constant);
* a ``reshape`` target with one entry that has no such form (``batch * time``) gets ``-1``;
* a constant whose shape differs but whose elements all hold one value (zeros, ones) becomes
  ``__fill__`` (``Expand`` at run time); a scalar constant that is such a size becomes
  ``__dim__``.

Anything else that depends on a dynamic axis (a slice ``x[:n - 1]``, a constant of data) is
refused with ``NotImplementedError`` naming the primitive: the exported model would compute
something else at another size.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from dlcore.io.onnx_export import Dim

_SHAPE_PARAMS = {"reshape": "shape", "broadcast_to": "shape", "getitem": "idx"}


@dataclass
class Symbol:
    name: str
    a1: int                      # the size in the example inputs
    a2: int                      # the size in the second trace
    source: tuple[str, int]      # (graph input name, axis) that carries it at run time


def normalize(dynamic_axes: Any, in_names: list, out_names: list, in_ranks: list,
              out_ranks: list) -> dict[str, dict[int, str]]:
    """``{name: {axis: symbol}}`` from torch's forms (``{axis: name}`` or ``[axes]``, whose
    symbols are named ``<name>_dynamic_axes_<k>`` as PyTorch names them)."""
    if not isinstance(dynamic_axes, dict):
        raise TypeError(f"onnx.export: dynamic_axes must be a dict of name -> {{axis: name}} "
                        f"or [axes], got {type(dynamic_axes).__name__}")
    ranks = dict(zip(in_names, in_ranks)) | dict(zip(out_names, out_ranks))
    out: dict[str, dict[int, str]] = {}
    for name, axes in dynamic_axes.items():
        if name not in ranks:
            raise ValueError(f"onnx.export: dynamic_axes names {name!r}, which is neither an "
                             f"input ({in_names}) nor an output ({out_names})")
        if isinstance(axes, dict):
            spec = dict(axes)
        elif isinstance(axes, (list, tuple)):
            spec = {a: f"{name}_dynamic_axes_{k + 1}" for k, a in enumerate(axes)}
        else:
            raise TypeError(f"onnx.export: dynamic_axes[{name!r}] must be a dict or a list of "
                            f"axes, got {type(axes).__name__}")
        rank = ranks[name]
        norm: dict[int, str] = {}
        for a, sym in spec.items():
            if not isinstance(a, int) or isinstance(a, bool) or not -rank <= a < rank:
                raise ValueError(f"onnx.export: dynamic axis {a!r} of {name!r} is out of range "
                                 f"for rank {rank}")
            if not isinstance(sym, str) or not sym:
                raise TypeError(f"onnx.export: the name of dynamic axis {a} of {name!r} must "
                                f"be a non-empty string, got {sym!r}")
            norm[a % rank] = sym
        out[name] = norm
    return out


def second_inputs(inputs: list, in_names: list, spec: dict) -> tuple[list, list[Symbol]]:
    """The inputs of the second trace (each dynamic axis longer, rows repeated) and the
    symbols; one symbol on several inputs must have one example size there."""
    symbols: dict[str, Symbol] = {}
    ratios: set = set()
    for name, x in zip(in_names, inputs):
        for axis, sym in sorted(spec.get(name, {}).items()):
            a1 = int(np.shape(x)[axis])
            if sym in symbols:
                if symbols[sym].a1 != a1:
                    raise ValueError(f"onnx.export: dynamic axis {sym!r} has size "
                                     f"{symbols[sym].a1} in input {symbols[sym].source[0]!r} "
                                     f"but {a1} in input {name!r}")
                continue
            if a1 < 1:
                raise ValueError(f"onnx.export: dynamic axis {axis} of {name!r} has size 0 in "
                                 "the example input")
            a2 = a1 + 1
            while Fraction(a2, a1) in ratios:
                a2 += 1
            ratios.add(Fraction(a2, a1))
            symbols[sym] = Symbol(sym, a1, a2, (name, axis))
    xs2 = []
    for name, x in zip(in_names, inputs):
        x2 = np.asarray(x)
        for axis, sym in spec.get(name, {}).items():
            s = symbols[sym]
            x2 = np.take(x2, np.arange(s.a2) % s.a1, axis=axis)
        xs2.append(np.ascontiguousarray(x2))
    return xs2, list(symbols.values())


class Resolver:
    """Numbers of the first trace, with their values in the second, as run-time sizes."""

    def __init__(self, symbols: list[Symbol]):
        self.symbols = symbols

    def dim(self, v1: int, v2: int) -> Dim | None:
        for s in self.symbols:
            if v1 != 0 and v1 * s.a2 == v2 * s.a1 and v1 % s.a1 == 0:
                return Dim(s.source[0], s.source[1], v1 // s.a1)
        return None

    def symbol_name(self, v1: int, v2: int) -> str | None:
        d = self.dim(v1, v2)
        if d is None or d.factor != 1:
            return None
        return next(s.name for s in self.symbols if s.source == (d.source, d.axis))

    def _value(self, v1: Any, v2: Any, where: str) -> Any:
        if isinstance(v1, (tuple, list)) and isinstance(v2, (tuple, list)) and \
                len(v1) == len(v2):
            return type(v1)(self._value(a, b, where) for a, b in zip(v1, v2))
        if _eq(v1, v2):
            return v1
        if isinstance(v1, int) and isinstance(v2, int) and not isinstance(v1, bool):
            d = self.dim(v1, v2)
            if d is not None:
                return d
        raise _Unresolved(where)

    def params(self, prim: str, p1: dict, p2: dict, j: int) -> dict:
        """``p1`` with the entries that differ in ``p2`` as ``Dim``s."""
        out = dict(p1)
        for k, v1 in p1.items():
            v2: Any = p2.get(k)
            if _eq(v1, v2):
                continue
            where = f"parameter {k!r} of primitive {prim!r} (operation {j})"
            if _SHAPE_PARAMS.get(prim) != k:
                raise _refuse(where, v1, v2)
            if prim == "reshape":
                out[k] = self._reshape(v1, v2, where)
                continue
            try:
                out[k] = self._value(v1, v2, where)
            except _Unresolved:
                raise _refuse(where, v1, v2) from None
        return out

    def _reshape(self, s1: tuple, s2: tuple, where: str) -> tuple:
        if len(s1) != len(s2):
            raise _refuse(where, s1, s2)
        out: list = []
        unknown = []
        for i, (a, b) in enumerate(zip(s1, s2)):
            d = a if a == b else self.dim(a, b)
            if d is None:
                unknown.append(i)
            out.append(d)
        if unknown:
            if len(unknown) > 1 or -1 in s1:
                raise _refuse(where, s1, s2)
            out[unknown[0]] = -1                          # batch * time: inferred
        return tuple(out)

    def shape(self, s1: tuple, s2: tuple) -> tuple | None:
        """``s1`` with its dynamic dimensions as ``Dim`` (None where one has no such form);
        None when nothing differs."""
        if tuple(s1) == tuple(s2):
            return None
        return tuple(a if a == b else self.dim(a, b) for a, b in zip(s1, s2))

    def const(self, c1: np.ndarray, c2: np.ndarray, where: str):
        """None for a constant that does not change, else ``(pseudo-primitive, params)``."""
        c1, c2 = np.asarray(c1), np.asarray(c2)
        if c1.shape == c2.shape and np.array_equal(c1, c2, equal_nan=True):
            return None
        if c1.shape != c2.shape and c1.ndim == c2.ndim and c1.size and c2.size and \
                np.all(c1 == c1.flat[0]) and np.all(c2 == c1.flat[0]):
            dims = tuple(a if a == b else self.dim(a, b) for a, b in zip(c1.shape, c2.shape))
            if all(d is not None for d in dims):
                return "__fill__", {"value": c1.flat[0], "shape": dims}
        if c1.shape == c2.shape and c1.size == 1:
            v1, v2 = c1.item(), c2.item()
            if float(v1).is_integer() and float(v2).is_integer():
                d = self.dim(int(v1), int(v2))
                if d is not None:
                    return "__dim__", {"dim": d, "shape": c1.shape}
        raise _refuse(f"a constant {'of shape ' + str(c1.shape) if c1.ndim else ''} read by "
                      f"{where}", _short(c1), _short(c2))


class _Unresolved(Exception):
    pass


def _eq(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):              # arrays
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))


def _short(c: np.ndarray) -> str:
    return f"{c.shape}" if c.size > 4 else str(c.tolist())


def _refuse(where: str, v1: Any, v2: Any) -> NotImplementedError:
    return NotImplementedError(
        f"onnx.export: {where} depends on the dynamic axes ({v1} in the example, {v2} with "
        "longer dynamic axes) in a way dlcore cannot express from the inputs' run-time shapes; "
        "export without dynamic_axes, or compute it from the inputs (e.g. x.reshape(x.shape[0]"
        ", -1), zeros_like)")


def check_same(tr1: Any, tr2: Any, symbols: list[Symbol]) -> None:
    """Both traces ran the same primitives on the same kinds of inputs."""
    sizes = ", ".join(f"{s.name}={s.a1} and {s.a2}" for s in symbols)
    msg = (f"onnx.export: the model ran different operations at {sizes}%s; dynamic axes need "
           "a computation whose structure does not depend on their size (a Python loop over "
           "the axis, like one over an RNN cell's time steps, unrolls into the trace: "
           "nn.RNN/LSTM/GRU export as ONNX operators instead; an example size of 1 "
           "can change broadcasting: use 2 or more)")
    if len(tr1.records) != len(tr2.records):
        raise ValueError(msg % f" ({len(tr1.records)} vs {len(tr2.records)} operations)")
    for j, (r1, r2) in enumerate(zip(tr1.records, tr2.records)):
        same = r1.prim is r2.prim and len(r1.inputs) == len(r2.inputs) and \
            len(r1.shape) == len(r2.shape) and r1.dtype == r2.dtype and all(
                a[0] == b[0] and (a[0] == "const" or a[1] == b[1])
                for a, b in zip(r1.inputs, r2.inputs))
        if not same:
            raise ValueError(msg % f" (operation {j}: {r1.prim.name} vs {r2.prim.name})")
    if [o[0] for o in tr1.outputs] != [o[0] for o in tr2.outputs] or any(
            a[0] != "const" and a[1] != b[1] for a, b in zip(tr1.outputs, tr2.outputs)):
        raise ValueError(msg % " (outputs)")
