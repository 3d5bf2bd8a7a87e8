"""Tracing an eager computation into a graph of dlcore primitives (for ONNX and TensorBoard).

Every eager operation is one call of ``EagerFrontend.apply(prim, args, params)``.  ``trace``
runs the module once on example inputs with that entry point (and the module-level aliases of
it in ``dlcore_eager``) wrapped by a recorder, under the module's current mode (call
``model.eval()`` first for inference), then restores it: nothing is added to the hot path when
no trace runs.  Unlike the autograd tape, the recording sees every primitive, including those
no gradient flows through (``stop_gradient`` inside ``softmax``, comparisons, ``argmax``).  The
result is the same kind of graph the static front end builds: one record per primitive
application, in execution order, each input being

* ``("input", i)``: the i-th example input,
* ``("param", name)``: a parameter or buffer of the module (its qualified name, ``0.weight``),
* ``("const", ndarray)``: any other tensor or Python number (a value the code created),
* ``("node", j)``: the output of record ``j``.

Modules as one operation: ``trace(..., as_ops=[(cls, describe)])`` records every call of a
``cls`` module (an ``nn.LSTM``) as one record per output, of a pseudo-primitive, instead of the
primitives its forward runs (its Python loop over time would freeze the sequence length).
``describe(module, args, kwargs, ref_of, params, param_name)`` returns ``None`` to trace the
call as usual (a packed sequence), or ``(prim, params, inputs, pick)``: the pseudo-primitive (an
object with a ``name``), its parameters, its input references (``ref_of(tensor)``; new
initializers go into ``params``, name -> array; ``param_name(tensor)`` is a parameter's
qualified name or None), and ``pick(output)``, the output tensors in order; their records
carry ``__output__`` = their position.  The forward then runs unrecorded.

Notes: while a trace runs, :func:`notes` is a dict (``None`` otherwise) where code that the
recording cannot see through leaves facts for the exporter, keyed by ``id`` of a tensor it
keeps alive there: ``pack_padded_sequence`` notes the padded batch and lengths a
``PackedSequence`` came from, so a recurrent module called on it is recorded as one operation
with ``sequence_lens`` (``_onnx_rnn``).  Such code can also :func:`record` a pseudo-primitive
of its own (``pad_packed_sequence`` of a recurrent module's output with a ``padding_value`` or
``total_length``: one ``__pad_packed__`` record), computed unrecorded.

Limits: Python control flow is frozen at the branch the example took (as in
``torch.jit.trace``); in-place methods that write through a kernel directly (``add_``) are not
primitive applications and are refused when they touch a traced value; tracing is not
thread-safe (one trace at a time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlcore import dtypes as _dt

from .tensor import Tensor


@dataclass
class Record:
    """One primitive application: ``prim`` (a dlcore Primitive), its ``params``, ``inputs``
    (see the module docstring), and its output ``shape`` and ``dtype``."""

    prim: Any
    params: dict
    inputs: list
    shape: tuple
    dtype: np.dtype


@dataclass
class Trace:
    records: list[Record] = field(default_factory=list)
    inputs: list[np.ndarray] = field(default_factory=list)       # example input values
    params: dict[str, np.ndarray] = field(default_factory=dict)  # name -> value
    outputs: list[tuple] = field(default_factory=list)           # ("node", j) / ("input", i) / ...


_NOTES: list[dict] = []              # one dict per running trace (see ``notes``)
_RECORDERS: list = []                # the running trace's ``record`` (see ``record``)
#: the running trace's ``mark(out, params)``: params set on ``out``'s node after its primitive
#: ran (``_operand_rules.split_ties``' ties="split") into ``out``'s record
_MARKERS: list = []


def notes() -> dict | None:
    """The running trace's notes (see the module docstring), or None outside a trace."""
    return _NOTES[-1] if _NOTES else None


def record(prim: Any, params: dict, inputs: list, out: Tensor) -> None:
    """Record ``out`` (computed unrecorded from ``inputs``: tensors, arrays) as one application
    of the pseudo-primitive ``prim`` (an object with a ``name``) in the running trace."""
    _RECORDERS[-1](prim, params, inputs, out)


#: module name -> (the module, the names of its globals bound to ``EagerFrontend.apply``)
_REFERENCES: dict[str, tuple[Any, list[str]]] = {}
_REFERENCES_AT = [-1]                # len(sys.modules) at the last walk


def patch_apply(new: Any) -> list[tuple[Any, str, Any]]:
    """Put ``new`` in place of ``EagerFrontend.apply`` and of every ``dlcore_eager`` module's
    own reference to it (a module that imported the function itself), so that every eager
    primitive goes through ``new``; return what :func:`restore_apply` puts back.  A trace
    and a forward-AD level (``autograd/forward_ad.py``) both wrap the apply this way."""
    import sys

    from . import _dispatch
    cls = _dispatch.EagerFrontend
    entry = cls.__dict__["apply"]
    current = entry.__func__ if isinstance(entry, staticmethod) else entry
    saved: list[tuple[Any, str, Any]] = [(cls, "apply", entry)]
    modules = sys.modules
    if len(modules) != _REFERENCES_AT[0] or \
            any(modules.get(name) is not known[0] for name, known in _REFERENCES.items()):
        # modules imported (or imported again) since the last walk: the names each new one
        # bound to the apply at its import (walking every module's globals at each level
        # took 2.6 ms of a 3 ms jvp, issue 19)
        for name, mod in list(modules.items()):
            if name.startswith("dlcore_eager") and mod is not _dispatch:
                known = _REFERENCES.get(name)
                if known is None or known[0] is not mod:
                    _REFERENCES[name] = (mod, [k for k, v in list(vars(mod).items())
                                               if v is current])
        for name in [n for n, known in _REFERENCES.items() if modules.get(n) is not known[0]]:
            del _REFERENCES[name]                   # (removed from sys.modules)
        _REFERENCES_AT[0] = len(modules)
    for mod, keys in list(_REFERENCES.values()):
        names = vars(mod)
        for k in keys:
            if names.get(k) is current:
                saved.append((mod, k, current))
    for obj, k, _ in saved:
        setattr(obj, k, staticmethod(new) if obj is cls else new)
    return saved


def restore_apply(saved: list[tuple[Any, str, Any]]) -> None:
    """Put back what :func:`patch_apply` replaced (``saved``: its answer)."""
    for obj, k, v in reversed(saved):
        setattr(obj, k, v)


def _ver(t: Any) -> int:
    """A tensor's version counter (in-place changes bump it)."""
    return t._vc[0]


def _memory_key(t: Any) -> tuple | None:
    """(address, shape, strides, dtype) of a non-empty CPU tensor's buffer, else None."""
    b = getattr(t, "_buf", None)
    if type(b) is not np.ndarray or not b.size:
        return None
    return (b.__array_interface__["data"][0], b.shape, b.strides, b.dtype.str)


def trace(model: Any, example_inputs: Any, as_ops: Any = ()) -> Trace:
    """Run ``model(*example_inputs)`` once and return its graph of primitives (``as_ops``:
    module classes recorded as one operation, see the module docstring)."""
    from . import _dispatch
    if isinstance(example_inputs, Tensor) or not isinstance(example_inputs, (list, tuple)):
        example_inputs = (example_inputs,)
    xs = [x.detach() if isinstance(x, Tensor) else Tensor._wrap(np.asarray(x))
          for x in example_inputs]
    names: dict[int, str] = {}
    named: list = []
    if hasattr(model, "named_parameters"):
        named += list(model.named_parameters())
    if hasattr(model, "named_buffers"):
        named += list(model.named_buffers())
    names.update({id(p): n for n, p in named})
    tr = Trace(inputs=[np.array(x.detach().cpu()._buf) for x in xs])
    refs: dict[int, tuple] = {id(x): ("input", i) for i, x in enumerate(xs)}
    keep: list = list(xs)                     # ids stay unique while the trace runs
    versions: dict[int, int] = {id(x): _ver(x) for x in xs}
    # Tensors made by no primitive application that show a traced tensor's memory as it is
    # (``alias``: a same-shape ``view``/``reshape``/``expand``/``squeeze`` that changes
    # nothing, ``detach``): the traced tensor they alias, found by (address, shape, strides,
    # dtype), so they are not frozen as constants (a function whose first op was such a view
    # returned its example input's values for every new input)
    same_memory: dict[tuple, Any] = {}

    def remember(t):
        k = _memory_key(t)
        if k is not None:
            same_memory.setdefault(k, t)

    for t in xs:
        remember(t)
    for _, t in named:
        remember(t)

    def ref_of(a, like):
        if isinstance(a, Tensor):
            r = refs.get(id(a))
            if r is None:
                key = _memory_key(a)
                orig = same_memory.get(key) if key is not None else None
                if orig is not None and orig is not a:
                    a = orig
                    r = refs.get(id(a))
            if r is not None:
                if r[0] == "node" and _ver(a) != versions.get(id(a)):
                    raise RuntimeError("trace: a traced tensor was modified in place outside "
                                       "a primitive (e.g. add_); use the out-of-place op")
                return r
            name = names.get(id(a))
            if name is not None:
                tr.params.setdefault(name, np.array(a.detach().cpu()._buf))
                return ("param", name)
            return ("const", np.array(a.detach().cpu()._buf))
        if isinstance(a, (np.ndarray, np.generic)):     # its own dtype (a bool mask stays bool)
            return ("const", np.array(a))
        # a Python number: the dtype dispatch gave it (weak: the tensor's, as _convert_plain)
        dt = like._buf.dtype if isinstance(like, Tensor) else None
        return ("const", np.asarray(a, dtype=_dt.scalar_dtype(a, dt)))

    original = _dispatch.EagerFrontend.apply
    quiet = [0]                               # > 0 inside a module recorded as one operation

    def recording_apply(prim, args, params):
        if quiet[0]:
            return original(prim, args, params)
        quiet[0] += 1                         # primitives applied inside this one (the
        try:                                  # float32 compute of a bfloat16/float16 op in
            out = original(prim, args, params)    # _dispatch._apply_half) are not recorded
        finally:
            quiet[0] -= 1
        like = next((a for a in args if isinstance(a, Tensor)), None)
        ins = [ref_of(a, like) for a in args]
        outs = out if isinstance(out, (tuple, list)) else (out,)
        for k, o in enumerate(outs):
            if isinstance(o, Tensor):
                tr.records.append(Record(prim, dict(params), ins, tuple(o.shape),
                                         np.dtype(o._buf.dtype)))
                if len(outs) > 1:
                    tr.records[-1].params["__output__"] = k
                refs[id(o)] = ("node", len(tr.records) - 1)
                versions[id(o)] = _ver(o)
                keep.append(o)
                remember(o)
        return out

    def as_op(forward, describe):
        def run(module, *args, **kwargs):
            plan = None if quiet[0] else describe(module, args, kwargs,
                                                  lambda a: ref_of(a, a), tr.params,
                                                  lambda a: names.get(id(a)))
            if plan is None:
                return forward(module, *args, **kwargs)
            prim, params, ins = plan[:3]
            quiet[0] += 1
            try:
                out = forward(module, *args, **kwargs)
                picked = plan[3](out)             # unrecorded too
            finally:
                quiet[0] -= 1
            for k, o in enumerate(picked):
                tr.records.append(Record(prim, {**params, "__output__": k}, list(ins),
                                         tuple(o.shape), np.dtype(o._buf.dtype)))
                refs[id(o)] = ("node", len(tr.records) - 1)
                versions[id(o)] = _ver(o)
                keep.append(o)
                remember(o)
            return out
        return run

    def record_op(prim, params, inputs, out):
        ins = [ref_of(a, a) for a in inputs]
        tr.records.append(Record(prim, dict(params), ins, tuple(out.shape),
                                 np.dtype(out._buf.dtype)))
        refs[id(out)] = ("node", len(tr.records) - 1)
        versions[id(out)] = _ver(out)
        keep.append(out)
        remember(out)

    forwards = [(cls, "forward", cls.__dict__["forward"], as_op(cls.forward, describe))
                for cls, describe in as_ops]
    patched = patch_apply(recording_apply)

    def mark(out, extra: dict) -> None:
        ref = refs.get(id(out))
        if ref is not None and ref[0] == "node" and versions.get(id(out)) == _ver(out):
            rec = tr.records[ref[1]]
            if rec.prim.name in ("maximum", "minimum") and not rec.params:
                rec.params.update(extra)

    _NOTES.append({})
    _RECORDERS.append(record_op)
    _MARKERS.append(mark)
    try:
        for cls, k, _, wrapped in forwards:
            setattr(cls, k, wrapped)
        out = model(*xs)
    finally:
        _NOTES.pop()
        _RECORDERS.pop()
        _MARKERS.pop()
        restore_apply(patched)
        for cls, k, v, _ in forwards:
            setattr(cls, k, v)
    outs: list = []
    stack = [out]
    while stack:                              # nested tuples flattened in order, as PyTorch
        o = stack.pop(0)
        if isinstance(o, (list, tuple)):
            stack[:0] = list(o)
        else:
            outs.append(o)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"trace: the model returned a {type(o).__name__}, not tensors")
        tr.outputs.append(ref_of(o, o))
    return tr
