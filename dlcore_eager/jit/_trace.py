"""``torch.jit.trace``: record one run of a module or function as a :class:`Program`.

The run is recorded by :func:`dlcore_eager.tracing.trace`.  Then, when every input has the
same dimension 0 ``N``, the model is traced a second time with ``N + 1`` rows (the first row
repeated; batch-norm buffers restored to what the first run started from, and left as the
first run left them).  If both traces apply the same primitives, the integer parameters that
differ are written as ``a * N + b`` (exact integers, else the program stays static), so the
traced program runs at other batch sizes as PyTorch's does (it records ``x.size(0)``).
``check_trace`` replays the program on the example inputs and warns, as PyTorch does, when
an output differs from the Python run's (a nondeterministic op such as dropout in training
mode); a tensor turned into a Python value during the run (``if x.sum() > 0``, ``.item()``)
gives PyTorch's "Converting a tensor to a Python boolean ..." ``TracerWarning``, and so does a
scripted submodule (dlcore traces through its Python: the branch this run took is frozen,
where PyTorch would keep its control flow).
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._program import Program

_TRACING = [0]
_SAW_SCRIPT = [False]          # a scripted module ran inside the current trace


def note_script() -> None:
    """Called by a scripted module run inside a trace (see ``build``)."""
    _SAW_SCRIPT[0] = True


class TracerWarning(Warning):
    """``torch.jit.TracerWarning``: the trace may not generalize to other inputs."""


def is_tracing() -> bool:
    """True while ``torch.jit.trace`` runs the model."""
    return _TRACING[0] > 0


class _Probe:
    """The model as ``tracing.trace`` sees it, keeping the Python output (its structure)."""

    def __init__(self, model) -> None:
        self.model = model
        self.out: Any = None

    def named_parameters(self):
        f = getattr(self.model, "named_parameters", None)
        return f() if f is not None else iter(())

    def named_buffers(self):
        f = getattr(self.model, "named_buffers", None)
        return f() if f is not None else iter(())

    def __call__(self, *xs):
        self.out = self.model(*xs)
        return self.out


_CONVERSIONS = {"__bool__": "a Python boolean", "item": "a Python number",
                "__int__": "a Python integer", "__float__": "a Python float",
                "tolist": "a Python list"}


_CONVERTING = [0]


def _warn_conversion(fn, what: str):
    def converting(self, *args, **kwargs):
        if not _CONVERTING[0]:               # one warning: bool() may call item() inside
            warnings.warn(f"Converting a tensor to {what} might cause the trace to be "
                          "incorrect. We can't record the data flow of Python values, so this "
                          "value will be treated as a constant in the future. This means that "
                          "the trace might not generalize to other inputs!", TracerWarning,
                          stacklevel=2)
        _CONVERTING[0] += 1
        try:
            return fn(self, *args, **kwargs)
        finally:
            _CONVERTING[0] -= 1
    return converting


def _record(model, xs):
    """One trace, warning (as PyTorch's tracer) where the model turns a tensor into a Python
    value: Python control flow on it is frozen at this run's branch."""
    from .._autocast import TLS as autocast_region
    from ..tracing import trace
    probe = _Probe(model)
    saved = [(k, Tensor.__dict__[k]) for k in _CONVERSIONS if k in Tensor.__dict__]
    _TRACING[0] += 1
    _SAW_SCRIPT[0] = False
    cache = autocast_region.cache_enabled     # (a cached weight cast would be traced as a
    autocast_region.cache_enabled = False     # constant: every cast is recorded instead)
    try:
        for k, fn in saved:
            setattr(Tensor, k, _warn_conversion(fn, _CONVERSIONS[k]))
        tr = trace(probe, xs)
    finally:
        for k, fn in saved:
            setattr(Tensor, k, fn)
        _TRACING[0] -= 1
        autocast_region.cache_enabled = cache
    return tr, probe.out


def build(model, inputs, check: bool = False, warn_frozen: bool = False,
          tolerance: float = 1e-5) -> Program:
    """Trace ``model(*inputs)`` into a Program (dynamic in dimension 0 where possible)."""
    if isinstance(inputs, Tensor) or not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    inputs = tuple(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"torch.jit.trace: example input {i} is a {type(x).__name__}; "
                            "dlcore traces tensor inputs only")
    before = _buffers(model)
    tr, out = _record(model, inputs)
    saw_script = _SAW_SCRIPT[0]
    prog = Program.from_trace(tr, out)
    # A scripted submodule keeps its control flow in PyTorch's traces: the traced module then
    # runs its Python (``live``), and only a saved copy is frozen at this trace's branches.
    prog.live = saw_script
    fn = model.forward if hasattr(model, "forward") else model
    try:
        prog.names = [p for p in inspect.signature(fn).parameters if p != "self"]
    except (TypeError, ValueError):
        prog.names = []
    _make_dynamic(prog, model, inputs, before)
    if prog.frozen_inputs:
        warnings.warn(f"input(s) {sorted(prog.frozen_inputs)} of the traced function are read "
                      "by no traced operation: the model read their values in Python, and the "
                      "trace froze them (the program refuses other values)", TracerWarning,
                      stacklevel=3)
    if warn_frozen:
        warnings.warn("dlcore records a scripted module's graph by tracing its last call: "
                      "Python control flow is frozen at the branches that call took",
                      TracerWarning, stacklevel=3)
    if check:                  # (buffers as the traced run left them: BN statistics)
        after = _buffers(model)
        try:
            _check(prog, model, inputs, out, tolerance)
        finally:
            _put_buffers(model, after)
    return prog


def _buffers(model) -> dict:
    f = getattr(model, "named_buffers", None)
    return {n: b.detach().clone() for n, b in f()} if f is not None else {}


def _put_buffers(model, values: dict) -> None:
    from ..autograd import no_grad
    if not values:
        return
    with no_grad():
        for n, b in model.named_buffers():
            if n in values:
                b.copy_(values[n])


def _make_dynamic(prog: Program, model, inputs, before: dict) -> None:
    dims = {int(x.shape[0]) if x.ndim else -1 for x in inputs}
    if len(dims) != 1 or min(dims) < 1:
        return
    n1 = dims.pop()
    n2 = n1 + 1
    from ..autograd import no_grad
    with no_grad():
        xs2 = tuple(_grow(x) for x in inputs)
    after = _buffers(model)
    _put_buffers(model, before)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tr2, out2 = _record(model, xs2)
        prog2 = Program.from_trace(tr2, out2)
    except Exception:  # noqa: BLE001 - the model does not run at another size: stay static
        return
    finally:
        _put_buffers(model, after)
    if len(prog2.ops) != len(prog.ops) or prog2.outputs != prog.outputs or \
            list(prog2.consts) != list(prog.consts):
        return
    dyn_ops = []
    for a, b in zip(prog.ops, prog2.ops):
        if a.prim is not b.prim or a.inputs != b.inputs or a.out != b.out:
            return
        diffs: dict = {}
        if not _diff(a.params, b.params, (), diffs, n1, n2):
            return
        dyn_ops.append(diffs)
    dyn_consts = {}
    for k, v1 in prog.consts.items():
        v2 = prog2.consts[k]
        if v1.shape == v2.shape:
            continue
        if v1.ndim != v2.ndim or v1.size == 0 or v2.size == 0:
            return
        fill = v1.flat[0]
        if not ((v1 == fill).all() and (v2 == fill).all()):
            return
        lin = []
        for d1, d2 in zip(v1.shape, v2.shape):
            ab = _linear(d1, d2, n1, n2)
            if ab is None:
                return
            lin.append(ab)
        dyn_consts[k] = (fill.item(), lin)
    prog.free0 = True
    if not any(dyn_ops) and not dyn_consts:
        return                     # nothing depends on N: the program runs at any batch size
    for op, d in zip(prog.ops, dyn_ops):
        op.dyn = d
    prog.dyn_consts = dyn_consts
    prog.batch = n1


def _grow(x: Tensor) -> Tensor:
    from .._shape_ops import cat
    return cat([x.detach(), x.detach()[:1]], 0)


def _linear(p1: int, p2: int, n1: int, n2: int):
    if (p2 - p1) % (n2 - n1):
        return None
    a = (p2 - p1) // (n2 - n1)
    return (a, p1 - a * n1)


def _diff(v1, v2, path: tuple, out: dict, n1: int, n2: int) -> bool:
    """Record in ``out`` the integer leaves that differ (path -> (a, b)); False when the two
    parameter values differ in any other way."""
    if type(v1) is not type(v2):
        return False
    if isinstance(v1, dict):
        if v1.keys() != v2.keys():
            return False
        return all(_diff(v1[k], v2[k], path + (k,), out, n1, n2) for k in v1)
    if isinstance(v1, (tuple, list)):
        if len(v1) != len(v2):
            return False
        return all(_diff(x, y, path + (i,), out, n1, n2) for i, (x, y) in
                   enumerate(zip(v1, v2)))
    if isinstance(v1, (int, np.integer)) and not isinstance(v1, bool):
        if v1 == v2:
            return True
        ab = _linear(int(v1), int(v2), n1, n2)
        if ab is None or not path:
            return False
        out[path] = ab
        return True
    if isinstance(v1, np.ndarray):
        return v1.shape == v2.shape and bool((v1 == v2).all())
    try:
        return bool(v1 == v2)
    except (TypeError, ValueError):
        return False


def _check(prog: Program, model, inputs, out, tolerance: float) -> None:
    from ..autograd import no_grad
    from ._program import _state
    params = _state(model) if hasattr(model, "named_parameters") else {}
    with no_grad():
        got = _flat(prog.run(inputs, params, {}))
    want = _flat(out)
    for k, (g, w) in enumerate(zip(got, want)):
        a, b = np.asarray(g.detach().cpu()._buf), np.asarray(w.detach().cpu()._buf)
        if a.shape != b.shape or not np.allclose(a.astype(np.float64), b.astype(np.float64),
                                                 rtol=tolerance, atol=tolerance,
                                                 equal_nan=True):
            warnings.warn(f"Output nr {k + 1}. of the traced function does not match the "
                          "corresponding output of the Python function.", TracerWarning,
                          stacklevel=4)


def _flat(out) -> list:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]
