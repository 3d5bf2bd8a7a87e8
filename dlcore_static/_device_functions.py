"""``tf.device``'s scopes: a device name, None, or a *device function* called with each op made
in the scope (TF1's multi-GPU towers put variables on the CPU with one:
``lambda op: '/cpu:0' if op.node_def.op in PS_OPS else '/gpu:1'``), and the ``NodeDef`` such
functions read.

``Graph.device`` (``tf.device``) is ``device_scope``: it pushes the scope's spec on the graph's
``_device_specs`` and, on ``_device_stack``, what ``setup_op`` reads: the device an op made
there gets (a dlcore device or None) when only names are in force, else a ``DeviceFunction``
marker, and ``setup_op`` resolves the op with ``apply_device_functions`` once it is made.
Both follow TF 1.15's ``Graph._apply_device_functions``: the scopes are walked from the
innermost out, a name merges into the op's device (the op's own fields win: ``'/gpu:0'``
around ``'/job:worker/task:1'`` is ``/job:worker/task:1/device:GPU:0``), a function's result
replaces it (the function sees ``op.device``: what the scopes inside it gave, None if
nothing), an empty name ('', or a job/replica/task name, which places nothing here: one
process) is skipped, and ``tf.device(None)`` stops the walk (the scopes outside are ignored).
A function returning None is taken as '' (TF before 1.13; TF 1.15 raises a TypeError).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from dlcore.device import cuda_available

from . import _placement
from ._placement import regrown

#: ``tf.device(None)`` on the spec stack: the scopes outside it are ignored
_BREAK = None
#: a name that places nothing ('', '/job:ps/task:0'): skipped
_NULL = (None, None)


class DeviceFunction:
    """What ``setup_op`` finds on top of ``_device_stack`` when a device function is in force:
    ``specs`` is the graph's spec stack at that scope (outermost first)."""
    __slots__ = ("specs",)

    def __init__(self, specs: tuple) -> None:
        self.specs = specs


class _UserFunction:
    """A device function on the spec stack (``tf.device(fn)``)."""
    __slots__ = ("fn",)

    def __init__(self, fn) -> None:
        self.fn = fn


def parse_device(spec) -> tuple:
    """A ``tf.device`` name as (type, index): ``('GPU', 1)`` for '/gpu:1', '/device:GPU:1' or
    '/job:worker/replica:0/task:1/device:GPU:1'; None for a part the name leaves open ('/gpu',
    '/gpu:*', a job's name alone: ``(None, None)``).  The device part is checked as dlcore
    checks device names (an unknown type raises InvalidDevice)."""
    from dlcore.device import as_device
    if spec is None:
        return _NULL
    if not isinstance(spec, str):
        if hasattr(spec, "to_string"):          # (a DeviceSpec)
            spec = spec.to_string()
        elif hasattr(spec, "type") and hasattr(spec, "index"):   # a dlcore device
            return ("GPU" if spec.type == "cuda" else "CPU",
                    spec.index if spec.type == "cuda" else 0)
        else:
            spec = str(spec)
    parts = [p for p in spec.split("/") if p and not p.startswith(("job:", "replica:", "task:"))]
    if not parts:
        return _NULL
    if len(parts) > 1:
        raise ValueError(f"Cannot specify multiple device types: {spec}")
    part = parts[0]
    if part.lower().startswith("device:"):
        part = part[len("device:"):]
    kind, sep, index = part.partition(":")
    if sep and not index:                       # '/cuda:', '/gpu:': TF's int('') refuses it
        as_device(part)                         # (raises InvalidDevice naming the string)
    if index == "*":
        index = ""
    dev = as_device(f"{kind}:{index}" if index else kind)
    return ("GPU" if dev.type == "cuda" else "CPU", int(index) if index else None)


def to_device(spec: tuple):
    """The dlcore device of a (type, index) spec; None when it names no type."""
    from dlcore.device import CPU, Device
    kind, index = spec
    if kind is None:
        return None
    return CPU if kind == "CPU" else Device("cuda", index or 0)


def _merge(inner: tuple, outer: tuple) -> tuple:
    """TF's ``DeviceSpec`` merge of a scope's name ``outer`` into an op's device ``inner``:
    the op's own fields win, the name fills the ones it leaves open."""
    return (inner[0] if inner[0] is not None else outer[0],
            inner[1] if inner[1] is not None else outer[1])


def _user_spec(spec):
    """What ``tf.device(spec)`` puts on the spec stack."""
    if spec is None:
        return _BREAK
    if callable(spec) and not isinstance(spec, str) and not hasattr(spec, "type"):
        return _UserFunction(spec)
    return parse_device(spec)


def _stack_entry(specs: list):
    """What ``setup_op`` reads for an op made under ``specs``: the merged names' device when no
    device function is in force, else a ``DeviceFunction`` marker."""
    got = _NULL
    for entry in reversed(specs):
        if entry is _BREAK:
            break
        if type(entry) is _UserFunction:
            return DeviceFunction(tuple(specs))
        got = _merge(got, entry)
    return to_device(got)


@contextlib.contextmanager
def device_scope(graph, spec) -> Iterator[None]:
    """``Graph.device(spec)``: see the module's docstring."""
    specs = graph._device_specs
    specs.append(_user_spec(spec))
    if "_pinned_scan" not in graph.__dict__:     # the Session's placer looks: as
        graph.__dict__["_pinned_scan"] = [0, None, None]   # _placement.mark_pinned (no cycle)
    entry = _stack_entry(specs)
    if graph.__dict__.get("_placed_sessions") and getattr(entry, "type", None) == "cuda" \
            and not cuda_available():
        # a GPU scope in a graph Sessions have run: each op made here is placed through the
        # marker, so that apply_device_functions tells the Sessions at once (_placement.
        # regrown: a run inside the scope re-places the grown graph, as TF 1.15)
        entry = DeviceFunction(tuple(specs))
    graph._device_stack.append(entry)
    graph._plain = False
    try:
        yield
    finally:
        specs.pop()
        graph._device_stack.pop()
        graph._replain()
        if graph.__dict__.get("_placed_sessions"):     # (a Session ran the graph before)
            regrown(graph)


def _watch_open_scopes(graph) -> None:
    """A Session starts to plan ``graph`` while tf.device scopes are open: those that place
    on a GPU this process cannot use put the device-function marker in their place, as
    ``device_scope`` does for a scope opened after a Session ran the graph."""
    if cuda_available():
        return
    stack, specs = graph._device_stack, graph._device_specs
    for i, entry in enumerate(stack):
        if getattr(entry, "type", None) == "cuda" and len(specs) == len(stack):
            stack[i] = DeviceFunction(tuple(specs[:i + 1]))


_placement.WATCH_OPEN_SCOPES = _watch_open_scopes


def apply_device_functions(op, marker: DeviceFunction):
    """The device of ``op`` made under device functions (``marker.specs``), as TF 1.15's
    ``Graph._apply_device_functions`` (see the module's docstring)."""
    got = _NULL
    for entry in reversed(marker.specs):
        if entry is _BREAK:
            break
        if type(entry) is _UserFunction:
            op.device = to_device(got)          # what the function sees as op.device
            result = entry.fn(op)
            got = _NULL if result is None or result == "" else parse_device(result)
        else:
            got = _merge(got, entry)
    dev = to_device(got)
    if dev is not None and dev.type == "cuda" and op.graph.__dict__.get("_placed_sessions"):
        op.device = dev                         # (what regrown's scan reads)
        regrown(op.graph)
    return dev


class NodeDef:
    """``tf.NodeDef`` as device functions and tools read an op's: ``name``, ``op`` (the type),
    ``device`` ('' when unplaced), ``input`` (input tensors' names, control inputs as
    '^name'), ``attr``.  A read-only view of the Operation, not a protobuf."""

    __slots__ = ("_op",)

    def __init__(self, op) -> None:
        self._op = op

    @property
    def name(self) -> str:
        return self._op.name

    @property
    def op(self) -> str:
        return self._op.type

    @property
    def device(self) -> str:
        d = self._op.device
        if d is None or type(d) is DeviceFunction:
            return ""
        return f"/device:{'GPU' if d.type == 'cuda' else 'CPU'}:{d.index or 0}"

    @property
    def input(self) -> list:
        names = [t.name.removesuffix(":0") for t in self._op.inputs]
        return names + ["^" + c.name for c in self._op.control_inputs]

    @property
    def attr(self) -> dict:
        return dict(self._op.attrs)

    def __eq__(self, other) -> bool:
        return isinstance(other, NodeDef) and other._op is self._op

    def __hash__(self) -> int:
        return hash(self._op)

    def __repr__(self) -> str:
        return f'name: "{self.name}"\nop: "{self.op}"'
