"""A traced program: the primitives one run of a model applied, replayable and savable.

``Program.from_trace`` turns a :class:`dlcore_eager.tracing.Trace` (one record per primitive
application) into a list of operations, each ``(prim, params, inputs, output index)`` with its
inputs referring to

* ``("input", i)``  the i-th argument of the call,
* ``("param", name)`` a parameter or buffer of the module (qualified name, ``fc1.weight``),
* ``("const", key)`` a value the traced code created (kept in ``consts``),
* ``("node", j)``   the result of operation ``j``.

``run`` replays the operations with ``prim.bind`` on Tensors, so autograd records them as
usual and gradients reach the live parameters passed in.  Python control flow is frozen at the
branch the example took, as with ``torch.jit.trace``.  When a second trace with a different
size of dimension 0 of the inputs gives the same operations, the integer parameters that
changed with it (the ``N`` of ``x.view(x.size(0), -1)``) are kept as ``a * N + b`` and
recomputed for the batch size of each call (``dynamic``), as the TorchScript tracer keeps
``aten::size`` calls; constants that are one value repeated (``torch.zeros(x.size(0), H)``)
are rebuilt at the call's size the same way.  Any other change of an input's shape is refused
with a clear error (the recorded sizes would not fit it).

``text`` and ``code`` print the program (``ScriptModule.graph`` / ``.code``); ``to_json`` and
``from_json`` (with ``_codec``) are its file form, validated operation by operation against the
primitives' shape rules before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

from dlcore.registry import PRIMITIVES, AVal

from ..tensor import Tensor
from . import _codec

_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool"}


@dataclass
class Op:
    prim: Any
    params: dict
    inputs: list
    out: int | None            # the output index of a multi-output primitive, else None
    shape: tuple
    dtype: np.dtype
    dyn: dict = field(default_factory=dict)   # param path -> (a, b): value = a * N + b


@dataclass
class Program:
    ops: list[Op]
    in_avals: list[AVal]
    consts: dict[str, np.ndarray]
    outputs: list[tuple]
    tree: Any                  # the output structure: "T", ["tuple", [...]] or ["list", [...]]
    param_names: list[str]
    dyn_consts: dict = field(default_factory=dict)   # const key -> (fill, [(a, b)] per dim)
    batch: int | None = None   # dimension 0 of the example inputs, when dynamic
    names: list[str] = field(default_factory=list)   # the inputs' names, for printing
    free0: bool = False        # dimension 0 of the inputs may differ from the example's
    #: inputs no operation reads (their values were read in Python, e.g. an EmbeddingBag's
    #: offsets, and are frozen in the program): input index -> the example's value
    frozen_inputs: dict = field(default_factory=dict)
    #: traced through a scripted submodule: the traced module runs its Python (not saved)
    live: bool = False

    # ------------------------------------------------------------------ building
    @classmethod
    def from_trace(cls, tr, out: Any) -> Program:
        consts: dict[str, np.ndarray] = {}

        def ref(r):
            if r[0] == "const":
                key = f"c{len(consts)}"
                consts[key] = np.array(r[1])
                return ("const", key)
            return tuple(r)

        ops = []
        for rec in tr.records:
            params = dict(rec.params)
            k = params.pop("__output__", None)
            ops.append(Op(rec.prim, params, [ref(r) for r in rec.inputs], k, tuple(rec.shape),
                          np.dtype(rec.dtype)))
        outputs = [ref(r) for r in tr.outputs]
        used = {r[1] for op in ops for r in op.inputs if r[0] == "input"} | \
            {r[1] for r in outputs if r[0] == "input"}
        frozen = {i: np.array(x) for i, x in enumerate(tr.inputs) if i not in used}
        return cls(ops, [AVal(tuple(x.shape), np.dtype(x.dtype)) for x in tr.inputs], consts,
                   outputs, _tree_of(out), list(tr.params), frozen_inputs=frozen)

    # ------------------------------------------------------------------ running
    def run(self, args: tuple, params: dict[str, Tensor], const_cache: dict) -> Any:
        """Replay on Tensors ``args`` with parameters ``params`` (name -> Tensor)."""
        if len(args) != len(self.in_avals):
            raise RuntimeError(f"forward() expected at most {len(self.in_avals) + 1} "
                               f"argument(s) but received {len(args) + 1} argument(s)")
        xs = [a if isinstance(a, Tensor) else Tensor._wrap(np.asarray(a)) for a in args]
        for i, (x, av) in enumerate(zip(xs, self.in_avals)):
            sh = tuple(x.shape)
            if sh != av.shape and (not self.free0 or sh[1:] != av.shape[1:] or not sh):
                which = "dimension 0 may" if self.free0 else "no dimension may"
                raise RuntimeError(
                    f"forward(): input {i} has shape {list(sh)}, but the program was traced "
                    f"with shape {list(av.shape)} and {which} change (dlcore replays the "
                    "recorded primitives, whose sizes are fixed); trace with this shape")
        for i, want in self.frozen_inputs.items():
            got = np.asarray(xs[i].detach().cpu()._buf)
            if got.shape != want.shape or not np.array_equal(got, want):
                raise RuntimeError(
                    f"forward(): input {i} differs from the traced example's, but no traced "
                    "operation reads it: the model read its values in Python (an "
                    "EmbeddingBag's offsets, a list of lengths, ...) and the trace froze "
                    "them; trace with these values, or call the module itself")
        n = None
        if self.batch is not None and xs and xs[0].ndim:
            n = int(xs[0].shape[0])
            if n == self.batch:
                n = None
        consts = const_cache.get(n)
        if consts is None:
            consts = const_cache[n] = {k: Tensor._wrap(self._const(k, v, n))
                                       for k, v in self.consts.items()}
        vals: list = []
        group = None

        def get(r):
            kind = r[0]
            if kind == "node":
                return vals[r[1]]
            if kind == "input":
                return xs[r[1]]
            if kind == "param":
                return params[r[1]]
            return consts[r[1]]

        prev = None
        for op in self.ops:
            if op.out is not None and op.out > 0 and prev is not None and \
                    prev.prim is op.prim and prev.inputs == op.inputs and group is not None:
                vals.append(group[op.out])
                prev = op
                continue
            p = op.params if n is None or not op.dyn else _resolve(op.params, op.dyn, n)
            ties = p.get("ties")                # (a node mark, not the primitive's: below)
            if ties is not None:
                p = {k: v for k, v in p.items() if k != "ties"}
            res = op.prim.bind(*[get(r) for r in op.inputs], **p)
            if ties is not None and getattr(res, "_node", None) is not None \
                    and not res._node.params:   # (split_ties' PyTorch tie rule, as traced)
                res._node.params = {"ties": ties}
            if op.out is not None:
                group = res
                vals.append(res[op.out])
            else:
                group = None
                vals.append(res)
            prev = op
        flat = [get(r) for r in self.outputs]
        return _unflatten(self.tree, iter(flat))

    def _const(self, key: str, value: np.ndarray, n: int | None) -> np.ndarray:
        spec = self.dyn_consts.get(key)
        if n is None or spec is None:
            return value
        fill, dims = spec
        return np.full(tuple(a * n + b for a, b in dims), fill, dtype=value.dtype)

    # ------------------------------------------------------------------ printing
    def text(self) -> str:
        """TorchScript-style IR: ``%3 : Float(2, 8) = dlcore::matmul(%x, %2)``."""
        input_names = self.input_names()
        def name(r):
            kind = r[0]
            return {"node": lambda: f"%{r[1]}", "input": lambda: f"%{input_names[r[1]]}",
                    "param": lambda: f"%self.{r[1]}", "const": lambda: f"%{r[1]}"}[kind]()

        heads = [f"%{n} : {_ty(a.shape, a.dtype)}" for n, a in zip(input_names, self.in_avals)]
        lines = ["graph(" + ",\n      ".join(["%self"] + heads) + "):"]
        for key, v in self.consts.items():
            lines.append(f"  %{key} : {_ty(v.shape, v.dtype)} = prim::Constant()")
        for j, op in enumerate(self.ops):
            attrs = ", ".join(f"{k}={_short(v)}" for k, v in op.params.items())
            attrs = f"[{attrs}]" if attrs else ""
            pick = "" if op.out is None else f"  # output {op.out}"
            ins = ", ".join(name(r) for r in op.inputs)
            lines.append(f"  %{j} : {_ty(op.shape, op.dtype)} = "
                         f"dlcore::{op.prim.name}{attrs}({ins}){pick}")
        lines.append("  return (" + ", ".join(name(r) for r in self.outputs) + ")")
        return "\n".join(lines) + "\n"

    def input_names(self) -> list[str]:
        n = len(self.in_avals)
        ok = len(self.names) == n and all(isinstance(s, str) and s.isidentifier()
                                          for s in self.names)
        return list(self.names) if ok else [f"input_{i}" for i in range(n)]

    def code(self) -> str:
        """Python-like code of the program (``ScriptModule.code``)."""
        input_names = self.input_names()
        def name(r):
            kind = r[0]
            if kind == "node":
                return f"_{r[1]}"
            if kind == "input":
                return input_names[r[1]]
            if kind == "param":
                return f"self.{r[1]}"
            return f"CONSTANTS.{r[1]}"

        lines = ["def forward(self" + "".join(f",\n    {n}: Tensor" for n in input_names) +
                 ") -> Tensor:"]
        for j, op in enumerate(self.ops):
            args = [name(r) for r in op.inputs] + [f"{k}={_short(v)}"
                                                   for k, v in op.params.items()]
            pick = "" if op.out is None else f"[{op.out}]"
            lines.append(f"  _{j} = dlcore.{op.prim.name}({', '.join(args)}){pick}")
        outs = [name(r) for r in self.outputs]
        lines.append("  return " + (outs[0] if self.tree == "T" else f"({', '.join(outs)})"))
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ file form
    def to_json(self, arrays: dict[str, np.ndarray]) -> dict:
        """The program as JSON-able data; constant arrays go into ``arrays``."""
        for k, v in self.consts.items():
            arrays[f"const:{k}"] = v
        for i, v in self.frozen_inputs.items():
            arrays[f"frozen:{i}"] = v
        ops = []
        for j, op in enumerate(self.ops):
            try:
                params = _codec.encode(op.params)
            except TypeError as e:
                raise RuntimeError(f"torch.jit.save: operation {j} ({op.prim.name}) has a "
                                   f"parameter dlcore cannot save: {e}") from None
            ops.append({"prim": op.prim.name, "params": params,
                        "inputs": [list(r) for r in op.inputs], "out": op.out,
                        "shape": list(op.shape), "dtype": op.dtype.name,
                        "dyn": [[list(k), list(v)] for k, v in op.dyn.items()]})
        return {"ops": ops, "inputs": [[list(a.shape), a.dtype.name] for a in self.in_avals],
                "consts": list(self.consts), "outputs": [list(r) for r in self.outputs],
                "tree": self.tree, "params": list(self.param_names), "batch": self.batch,
                "names": list(self.input_names()), "free0": self.free0,
                "frozen_inputs": sorted(self.frozen_inputs),
                "dyn_consts": {k: [fill, [list(d) for d in dims]]
                               for k, (fill, dims) in self.dyn_consts.items()}}

    @classmethod
    def from_json(cls, doc: Any, arrays: dict[str, np.ndarray],
                  param_avals: dict[str, AVal]) -> Program:
        """Rebuild and validate (references in range, known primitives, every operation's shape
        rule giving the recorded shape); raises ``RuntimeError`` naming what is wrong."""
        return _from_json(cls, doc, arrays, param_avals)


# ---------------------------------------------------------------------------- helpers
def _ty(shape, dtype) -> str:
    return f"{_TORCH_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)}(" \
           f"{', '.join(str(d) for d in shape)})"


def _short(v) -> str:
    if isinstance(v, np.dtype):
        return v.name
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _tree_of(out: Any) -> Any:
    if isinstance(out, (tuple, list)):
        return ["tuple" if isinstance(out, tuple) else "list", [_tree_of(o) for o in out]]
    return "T"


def _unflatten(tree: Any, it) -> Any:
    if tree == "T":
        return next(it)
    items = [_unflatten(t, it) for t in tree[1]]
    return tuple(items) if tree[0] == "tuple" else items


def _resolve(params: dict, dyn: dict, n: int) -> dict:
    """``params`` with each dynamic integer (path -> (a, b)) set to ``a * n + b``."""
    out = dict(params)
    for path, (a, b) in dyn.items():
        out[path[0]] = _set(out[path[0]], path[1:], a * n + b)
    return out


def _set(value, path, new):
    if not path:
        return new
    items = list(value)
    items[path[0]] = _set(items[path[0]], path[1:], new)
    return type(value)(items)


def _bad(msg: str) -> NoReturn:
    raise RuntimeError(f"torch.jit.load: {msg}")


def _ref(r, j: int, n_in: int, params: dict, consts: dict) -> tuple:
    if not (isinstance(r, list) and len(r) == 2):
        _bad(f"operation {j} has a malformed input reference {str(r)[:60]!r}")
    kind, x = r
    ok = (kind == "node" and isinstance(x, int) and 0 <= x < j) or \
        (kind == "input" and isinstance(x, int) and 0 <= x < n_in) or \
        (kind == "param" and x in params) or (kind == "const" and x in consts)
    if not ok:
        _bad(f"operation {j} refers to {kind} {str(x)[:60]!r}, which does not exist")
    return (kind, x)


def _from_json(cls, doc, arrays, param_avals) -> Program:
    from dlcore import dtypes as _dt
    if not isinstance(doc, dict) or not isinstance(doc.get("ops"), list):
        _bad("the program is not a JSON object with a list of operations")

    def dtype(name):
        try:
            return np.dtype(_dt.as_dtype(str(name)))
        except TypeError:
            _bad(f"unsupported dtype {str(name)[:40]!r}")

    def shape(s):
        if not isinstance(s, list) or not all(isinstance(d, int) and d >= 0 for d in s):
            _bad(f"malformed shape {str(s)[:60]!r}")
        return tuple(s)

    try:
        in_avals = [AVal(shape(s), dtype(d)) for s, d in doc["inputs"]]
        const_keys = list(doc["consts"])
    except (KeyError, TypeError, ValueError):
        _bad("malformed inputs or constants")
    consts = {}
    for k in const_keys:
        if f"const:{k}" not in arrays:
            _bad(f"constant {str(k)[:40]!r} is missing")
        consts[k] = arrays[f"const:{k}"]
    avals: list[AVal] = []

    def aval(r):
        kind, x = r
        if kind == "node":
            return avals[x]
        if kind == "input":
            return in_avals[x]
        if kind == "param":
            return param_avals[x]
        return AVal(tuple(consts[x].shape), consts[x].dtype)

    ops = []
    for j, o in enumerate(doc["ops"]):
        if not isinstance(o, dict) or o.get("prim") not in PRIMITIVES:
            _bad(f"operation {j} names an unknown primitive "
                 f"{str(o.get('prim') if isinstance(o, dict) else o)[:40]!r}")
        prim = PRIMITIVES[o["prim"]]
        params = _codec.decode(o.get("params", {}), _bad)
        if not isinstance(params, dict):
            _bad(f"operation {j} has malformed parameters")
        ins = [_ref(r, j, len(in_avals), param_avals, consts) for r in o.get("inputs", [])]
        out = o.get("out")
        if out is not None and not (isinstance(out, int) and out >= 0):
            _bad(f"operation {j} has a malformed output index")
        want = AVal(shape(o.get("shape")), dtype(o.get("dtype")))
        try:
            got = prim.abstract_eval(*[aval(r) for r in ins],
                                     **{k: v for k, v in params.items() if k != "ties"})
        except Exception as e:  # noqa: BLE001 - any rule failure is a bad file
            _bad(f"operation {j} ({prim.name}) fails its shape rule: {str(e)[:200]}")
        if isinstance(got, (tuple, list)) and not isinstance(got, AVal):
            if out is None or out >= len(got):
                _bad(f"operation {j} ({prim.name}) picks a missing output")
            got = got[out]
        if tuple(got.shape) != want.shape or np.dtype(got.dtype) != want.dtype:
            _bad(f"operation {j} ({prim.name}) gives {tuple(got.shape)} {np.dtype(got.dtype)} "
                 f"by its shape rule but the file says {want.shape} {want.dtype}")
        dyn = {}
        for path, ab in o.get("dyn", []):
            if not (path and isinstance(path[0], str) and path[0] in params and
                    all(isinstance(i, int) for i in path[1:]) and len(ab) == 2 and
                    all(isinstance(i, int) for i in ab)):
                _bad(f"operation {j} has a malformed dynamic size")
            dyn[tuple(path)] = tuple(ab)
        ops.append(Op(prim, params, ins, out, want.shape, want.dtype, dyn))
        avals.append(want)
    n_ops = len(ops)
    outputs = [_ref(r, n_ops, len(in_avals), param_avals, consts) for r in doc.get("outputs", [])]
    tree = doc.get("tree")
    if _count(tree) != len(outputs):
        _bad("the output structure does not match the outputs")
    batch = doc.get("batch")
    if batch is not None and not (isinstance(batch, int) and batch >= 0):
        _bad("malformed batch size")
    dyn_consts = {}
    for k, spec in (doc.get("dyn_consts") or {}).items():
        if k not in consts or not (isinstance(spec, list) and len(spec) == 2 and
                                   isinstance(spec[0], (int, float, bool)) and
                                   len(spec[1]) == consts[k].ndim):
            _bad(f"malformed dynamic constant {str(k)[:40]!r}")
        dyn_consts[k] = (spec[0], [tuple(int(i) for i in d) for d in spec[1]])
    names = doc.get("names")
    names = [str(s)[:64] for s in names] if isinstance(names, list) else []
    frozen = {}
    for i in doc.get("frozen_inputs") or []:
        if not (isinstance(i, int) and 0 <= i < len(in_avals)) or f"frozen:{i}" not in arrays:
            _bad(f"malformed frozen input {str(i)[:20]!r}")
        frozen[i] = arrays[f"frozen:{i}"]
    return cls(ops, in_avals, consts, outputs, tree, list(param_avals), dyn_consts, batch,
               names, bool(doc.get("free0", False)), frozen)


def _count(tree, depth: int = 0) -> int:
    if depth > 32:
        _bad("the output structure is nested too deeply")
    if tree == "T":
        return 1
    if not (isinstance(tree, list) and len(tree) == 2 and tree[0] in ("tuple", "list") and
            isinstance(tree[1], list)):
        _bad("malformed output structure")
    return sum(_count(t, depth + 1) for t in tree[1])


def _state(m) -> dict:
    """A module's parameters and buffers by qualified name."""
    out = dict(m.named_parameters())
    out.update(m.named_buffers())
    return out


def constant_params(prog, params: dict):
    """A copy of ``prog`` whose parameter references are constants holding their values."""
    from dataclasses import replace
    consts = dict(prog.consts)
    names = {}
    for name in prog.param_names:
        key = f"p{len(consts)}"
        while key in consts:
            key += "_"
        consts[key] = np.array(params[name].detach().cpu()._buf)
        names[name] = key

    def ref(r):
        return ("const", names[r[1]]) if r[0] == "param" else r

    ops = [replace(op, inputs=[ref(r) for r in op.inputs]) for op in prog.ops]
    return replace(prog, ops=ops, consts=consts, outputs=[ref(r) for r in prog.outputs],
                   param_names=[])
