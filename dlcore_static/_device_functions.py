"""``tf.device``'s scopes: a device name, None, or a *device function* called with each op made
in the scope (TF1's multi-GPU towers put variables on the CPU with one:
``lambda op: '/cpu:0' if op.node_def.op in PS_OPS else '/gpu:1'``), and the ``NodeDef`` such
functions read.  ``Graph.device`` (``tf.device``) pushes ``device_entry(spec)`` on the graph's device stack;
``setup_op`` resolves a function on top with ``apply_device_functions`` once the op is made."""

from __future__ import annotations


class DeviceFunction:
    """A device function on a graph's device stack (``tf.device(fn)``)."""
    __slots__ = ("fn",)

    def __init__(self, fn) -> None:
        self.fn = fn


def device_from_spec(spec):
    """The dlcore device of a ``tf.device`` name (None: no placement).  TensorFlow's full names
    keep their device part ('/job:worker/task:1/device:GPU:0' is cuda:0); a name of a job or
    task only ('/job:ps/task:0': a parameter server, in one process here) places nothing."""
    from dlcore.device import as_device
    if spec is None:
        return None
    if isinstance(spec, str) and ("job:" in spec or "replica:" in spec or "task:" in spec):
        parts = [p for p in spec.split("/")
                 if p and not p.startswith(("job:", "replica:", "task:"))]
        if not parts:
            return None
        spec = "/" + "/".join(parts)
    return as_device(spec)


def device_entry(spec):
    """What ``tf.device(spec)`` pushes: a DeviceFunction for a callable, else the device."""
    if callable(spec) and not isinstance(spec, str) and not hasattr(spec, "type"):
        return DeviceFunction(spec)
    return device_from_spec(spec)


def apply_device_functions(op, stack: list):
    """The device of ``op`` made under device functions: the innermost scope that names a
    device places it (a function returning None or '' leaves it to the scopes outside, as
    TensorFlow merges them)."""
    for entry in reversed(stack):
        if type(entry) is DeviceFunction:
            got = entry.fn(op)
            if got is None or got == "":
                continue
            return device_from_spec(got if isinstance(got, str) else str(got))
        return entry
    return None


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
