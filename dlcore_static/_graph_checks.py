"""Checks of a loaded graph file's records (used by ``saving.import_meta_graph``), and
``_Arrays``, the file's arrays read lazily and bounded (see ``dlcore.safe_io``).

Nothing in a graph file is trusted.  Each op's outputs are *derived*, as the code that builds
such an op derives them, and a record whose stored outputs differ is refused: a primitive's
from its shape rule (in ``saving``), a placeholder's from its ``shape`` attribute, a variable
read's and an assign's from the variable, a random op's from its shape, a cond's from its
branches, a while loop's from its loop variables.  Later code (plans, the compiler) can then
rely on every declared shape.  All failures raise ``GraphFileError``.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np

from dlcore import dtypes as _core_dtypes
from dlcore import safe_io
from dlcore.registry import AVal

from .graph import Operation, Tensor

_MAX_PARAM_ARRAY = 64 << 20          # bytes of one array inside an op's parameters


class GraphFileError(ValueError):
    """A graph file that is truncated, corrupt, hostile or of another format."""


def _bad(msg: str) -> NoReturn:
    raise GraphFileError(msg)


def _shape_of(rec, what: str, allow_none: bool = True) -> tuple:
    return safe_io.check_shape(rec, what, GraphFileError, allow_none=allow_none)


def _check_control(typ: str, name: str, attrs: dict, avals: list) -> None:
    """Shape of a Cond/While/WhileGrad record's attributes (everything else is typed already)."""
    from .control_flow import ControlFlowContext

    def tensors(x, n=None):
        ok = isinstance(x, tuple) and all(isinstance(t, Tensor) for t in x)
        if not ok or (n is not None and len(x) != n):
            _bad(f"op {name!r} has malformed control-flow attributes")
    if typ == "Cond":
        br, outs = attrs.get("branches"), attrs.get("branch_outputs")
        if not (isinstance(br, tuple) and len(br) == 2 and
                all(isinstance(c, ControlFlowContext) for c in br) and
                isinstance(outs, tuple) and len(outs) == 2):
            _bad(f"op {name!r} has malformed cond attributes")
        for o in outs:
            tensors(o, len(avals))
    elif typ == "While":
        n = attrs.get("nvars")
        if not (isinstance(attrs.get("context"), ControlFlowContext) and isinstance(n, int)
                and n == len(avals) and isinstance(attrs.get("pred"), Tensor)
                and (attrs.get("max_iter") is None or isinstance(attrs.get("max_iter"), int))):
            _bad(f"op {name!r} has malformed while_loop attributes")
        tensors(attrs.get("loop_vars"), n)
        tensors(attrs.get("body_outputs"), n)
    else:
        fwd = attrs.get("forward")
        if not (isinstance(fwd, Operation) and fwd.type == "While"):
            _bad(f"op {name!r} must refer to a While node")
        for k in ("grad_in", "grad_outputs", "float_caps", "extra"):
            tensors(attrs.get(k))
        fv = attrs.get("float_vars")
        if not (isinstance(fv, tuple) and all(isinstance(j, int) for j in fv)):
            _bad(f"op {name!r} has malformed attributes")


def _avals_txt(avals) -> str:
    from dlcore.errors import format_shape
    return ", ".join(f"{format_shape(a.shape)} {a.dtype.name}" for a in avals) or "(none)"


def _expect(name: str, avals: list, want: list) -> None:
    """The stored outputs must be exactly what the op's own rule derives."""
    if len(avals) != len(want) or any(a.dtype != w.dtype or tuple(a.shape) != tuple(w.shape)
                                      for a, w in zip(avals, want)):
        _bad(f"op {name!r}: stored outputs {_avals_txt(avals)} do not match {_avals_txt(want)}, "
             "what its inputs and attributes derive")


def _compatible(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


def _check_run_time_check(typ: str, name: str, inputs: list, avals: list, attrs: dict) -> None:
    """The run-time checks of dlcore_static/_index_checks.py: the first input passes through
    (same shape and dtype, integers); ``CheckIndices`` reads ``params`` (its second input) only
    when ``n`` is unknown."""
    def ok_int(v, low=0):
        return isinstance(v, int) and not isinstance(v, bool) and v >= low
    n_in = 1
    if typ == "CheckIndices":
        n, axis = attrs.get("n"), attrs.get("axis")
        if not ((n is None or ok_int(n)) and isinstance(axis, int)):
            _bad(f"op {name!r} has malformed attributes")
        n_in = 2 if n is None else 1
    elif typ == "CheckScatterIndices":
        dims = attrs.get("dims")
        shape = attrs.get("shape", ())
        if not (isinstance(dims, tuple) and all(ok_int(d) for d in dims)
                and isinstance(shape, tuple) and all(ok_int(d) for d in shape)):
            _bad(f"op {name!r} has malformed attributes")
    elif typ == "CheckSegmentIds":
        n = attrs.get("n")
        if not (n is None or ok_int(n)):
            _bad(f"op {name!r} has malformed attributes")
        n_in = 2 if n is None else 1
    elif typ == "CheckNdIndices":
        source, shape = attrs.get("source"), attrs.get("shape", ())
        if not (ok_int(attrs.get("start")) and attrs.get("what") in ("shape", "param shape")
                and source in ("none", "shape", "values") and isinstance(shape, tuple)
                and all(ok_int(d) for d in shape) and (source != "none" or "shape" in attrs)):
            _bad(f"op {name!r} has malformed attributes")
        n_in = 1 if source == "none" else 2
    if len(inputs) != n_in:
        _bad(f"op {name!r} ({typ}) has {len(inputs)} inputs")
    if inputs[0].aval.dtype.kind not in "iu":
        _bad(f"op {name!r} ({typ}) checks integers, got {inputs[0].aval.dtype.name}")
    if typ == "CheckIndices" and n_in == 2:
        nd = inputs[1].aval.ndim
        if not -nd <= attrs["axis"] < nd:
            _bad(f"op {name!r} has malformed attributes")
    _expect(name, avals, [inputs[0].aval])


def _check_simple(typ: str, name: str, inputs: list, avals: list, attrs: dict) -> None:
    """Derive a graph-level op's outputs from its inputs and attributes, as the builders do
    (placeholder, Variable, assign, random ops), and refuse a record that disagrees."""
    if typ in ("CheckIndices", "CheckScatterIndices", "CheckDivisor", "CheckNdIndices",
               "CheckSegmentIds", "CheckExponent"):
        _check_run_time_check(typ, name, inputs, avals, attrs)
        return
    n_in = {"PlaceholderWithDefault": 1, "Assign": 1, "InitializedValue": 1}.get(typ, 0)
    if typ in ("RandomStandardNormal", "TruncatedNormal", "RandomUniform"):
        n_in = len(inputs) if len(inputs) <= 1 else -1
    if len(inputs) != n_in:
        _bad(f"op {name!r} ({typ}) has {len(inputs)} inputs")
    if typ == "Placeholder":
        shp = attrs.get("shape")
        dims = () if shp is None else _shape_of(shp, f"placeholder {name!r}")
        if len(avals) != 1:
            _bad(f"op {name!r}: a placeholder has one output")
        _expect(name, avals, [AVal(dims, avals[0].dtype)])
    elif typ == "PlaceholderWithDefault":
        dims = _shape_of(attrs.get("shape"), f"op {name!r}")
        _expect(name, avals, [AVal(dims, inputs[0].aval.dtype)])
        if not _compatible(dims, inputs[0].aval.shape):
            _bad(f"op {name!r}: default of shape {list(inputs[0].aval.shape)} does not fit "
                 f"{list(dims)}")
    elif typ == "VariableV2":
        _shape_of(attrs.get("shape"), f"variable {name!r}")
        if not isinstance(attrs.get("dtype"), np.dtype):
            _bad(f"variable {name!r} has no dtype")
        _expect(name, avals, [])
    elif typ in ("VariableRead", "Assign"):
        var = attrs.get("variable")
        if not (isinstance(var, Operation) and var.type == "VariableV2"):
            _bad(f"op {name!r} must refer to a variable")
        want = AVal(var.attrs["shape"], var.attrs["dtype"])
        _expect(name, avals, [want])
        # (a value of unknown rank: the Assign checks its shape when it runs, as TF1's)
        if typ == "Assign" and (inputs[0].aval.dtype != want.dtype or not (
                not inputs[0].aval.shape and inputs[0].op.attrs.get("unknown_rank")) and
                not _compatible(inputs[0].aval.shape, want.shape)):
            _bad(f"op {name!r}: cannot assign {_avals_txt([inputs[0].aval])} to variable "
                 f"{var.name!r} of {_avals_txt([want])}")
    elif typ in ("IsVariableInitialized", "ReportUninitializedVariables", "InitializedValue"):
        vs = attrs.get("variables")
        if not (isinstance(vs, tuple) and all(isinstance(v, Operation) and v.type == "VariableV2"
                                              for v in vs)) or \
                (typ != "ReportUninitializedVariables" and len(vs) != 1):
            _bad(f"op {name!r} must refer to variables")
        if typ == "IsVariableInitialized":
            _expect(name, avals, [AVal((), np.dtype(np.bool_))])
        elif typ == "ReportUninitializedVariables":
            _expect(name, avals, [AVal((None,), np.dtype(object))])
        else:
            want = AVal(vs[0].attrs["shape"], vs[0].attrs["dtype"])
            _expect(name, avals, [want])
            if inputs[0].aval.dtype != want.dtype:
                _bad(f"op {name!r}: an initial value of {_avals_txt([inputs[0].aval])} for "
                     f"variable {vs[0].name!r} of {_avals_txt([want])}")
    elif typ == "NoOp":
        _expect(name, avals, [])
    elif typ == "LoopVar":
        if len(avals) != 1:
            _bad(f"op {name!r}: a loop variable has one output")
    elif typ != "Const":                                   # random ops
        dt = attrs.get("dtype")
        p = attrs.get("params")
        if not isinstance(dt, np.dtype) or not isinstance(p, dict) or not all(
                isinstance(v, (int, float)) for v in p.values()):
            _bad(f"op {name!r} has malformed attributes")
        if not (attrs.get("seed") is None or isinstance(attrs.get("seed"), int)):
            _bad(f"op {name!r} has a malformed seed")
        dims = inputs[0].aval.shape if inputs else _shape_of(attrs.get("shape"), f"op {name!r}",
                                                             allow_none=False)
        _expect(name, avals, [AVal(dims, dt)])


def _check_control_avals(typ: str, name: str, attrs: dict, avals: list) -> None:
    """A Cond's outputs merge its branches' outputs; a While's are its loop variables'; a
    WhileGrad's are those of the loop's float variables and float captures."""
    if typ == "Cond":
        from .control_flow import _merge_aval
        a, b = attrs["branch_outputs"]
        if any(x.aval.dtype != y.aval.dtype or len(x.aval.shape) != len(y.aval.shape)
               for x, y in zip(a, b)):
            _bad(f"op {name!r}: the branches' outputs disagree")
        _expect(name, avals, [_merge_aval(x.aval, y.aval) for x, y in zip(a, b)])
    elif typ == "While":
        lv, outs = attrs["loop_vars"], attrs["body_outputs"]
        _expect(name, avals, [t.aval for t in lv])
        if any(o.aval.dtype != t.aval.dtype or not _compatible(o.aval.shape, t.aval.shape)
               for o, t in zip(outs, lv)):
            _bad(f"op {name!r}: the loop body changes a loop variable's dtype or shape")
    else:
        fwd = attrs["forward"]
        lv = fwd.attrs["loop_vars"]
        if not all(0 <= j < len(lv) for j in attrs["float_vars"]):
            _bad(f"op {name!r} has malformed attributes")
        _expect(name, avals, [lv[j].aval for j in attrs["float_vars"]] +
                [c.aval for c in attrs["float_caps"]])


def _contexts(doc: dict) -> list:
    """Rebuild the control-flow contexts (cond branches, loop bodies); parents come first."""
    from .control_flow import ControlFlowContext
    out: list = []
    recs = doc.get("contexts", [])
    if not isinstance(recs, list):
        _bad("malformed context list")
    for i, r in enumerate(recs):
        if not isinstance(r, dict):
            _bad("malformed context record")
        parent = r.get("parent")
        if parent is not None and (not isinstance(parent, int) or not 0 <= parent < i):
            _bad("a control-flow context refers to a later parent")
        out.append(ControlFlowContext(None if parent is None else out[parent],
                                      str(r.get("kind", "")), str(r.get("name", ""))))
    return out


class _Arrays:
    """The file's arrays, decompressed only when a record references them, once each, with
    their size checked against what the graph declares before any byte is read."""

    def __init__(self, members: safe_io.NpzMembers) -> None:
        self.members = members
        self.cache: dict = {}

    def __contains__(self, key) -> bool:
        return key in self.members

    def get(self, key: str, shape=None, dtype=None) -> np.ndarray:
        if key not in self.cache:
            limit = _MAX_PARAM_ARRAY
            if shape is not None and dtype is not None:
                limit = int(np.prod([d or 0 for d in shape], dtype=np.int64)) * dtype.itemsize
            self.cache[key] = self.members.read(key, limit, shape, dtype,
                                                allowed_dtypes=_core_dtypes.SUPPORTED)
        arr = self.cache[key]
        if (shape is not None and arr.shape != tuple(shape)) or \
                (dtype is not None and arr.dtype != dtype):
            _bad(f"array {key!r} does not match its declared shape and dtype")
        return arr


def _plain(v) -> bool:
    """True for parameter values a primitive may take: numbers, strings, dtypes, arrays and
    tuples/lists/dicts of them (never a tensor, an op or a control-flow context)."""
    if v is None or isinstance(v, (bool, int, float, str, np.dtype, np.ndarray)):
        return True
    if isinstance(v, (tuple, list)):
        return all(_plain(x) for x in v)
    if isinstance(v, dict):
        return all(_plain(x) for x in v.values())
    return False
