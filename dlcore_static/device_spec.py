"""``tf.DeviceSpec`` (TF 1.15's ``DeviceSpecV1``): a device name's parts (job, replica, task,
device type and index), as the device functions of TF1 programs build and merge them
(``DeviceSpec.from_string(op.device or '')`` then ``merge_from``, cifar10_estimator's
``local_device_setter``).  ``tf.device`` and a device function's result take one as a name.
``from_string`` also takes an op's ``device`` here (a dlcore device, or None)."""

from __future__ import annotations

__all__ = ["DeviceSpec"]

_TYPES = ("CPU", "GPU", "TPU")


class DeviceSpec:
    """TF 1.15's mutable ``DeviceSpec``: None is a part left open."""

    def __init__(self, job=None, replica=None, task=None, device_type=None, device_index=None):
        self.job = job
        self.replica = None if replica is None else int(replica)
        self.task = None if task is None else int(task)
        self.device_type = device_type.upper() if device_type in ("cpu", "gpu") else device_type
        self.device_index = None if device_index is None else int(device_index)

    def parse_from_string(self, spec) -> DeviceSpec:
        """Set the parts ``spec`` names (TF's words for a part it does not know)."""
        if spec is not None and not isinstance(spec, str) and hasattr(spec, "type"):
            spec = f"/device:{'GPU' if spec.type == 'cuda' else 'CPU'}:" \
                   f"{spec.index if spec.type == 'cuda' else 0}"     # (an op's dlcore device)
        for part in (spec or "").split("/"):
            y = part.split(":")
            if not part:
                continue
            if len(y) == 2 and y[0] in ("job", "replica", "task"):
                setattr(self, y[0], y[1] if y[0] == "job" else int(y[1]))
            elif (len(y) in (1, 2) and y[0].upper() in _TYPES) or \
                    (len(y) == 3 and y[0] == "device"):
                if self.device_type is not None:
                    raise ValueError(f"Cannot specify multiple device types: {spec}")
                self.device_type = y[0].upper() if len(y) < 3 else y[1]
                index = y[-1] if len(y) > 1 else "*"
                if index != "*":
                    self.device_index = int(index)
            else:
                raise ValueError(f"Unknown attribute: '{y[0]}' in '{spec}'")
        return self

    @classmethod
    def from_string(cls, spec) -> DeviceSpec:
        return cls().parse_from_string(spec)

    def merge_from(self, dev: DeviceSpec) -> None:
        """Take each part ``dev`` names (``dev`` wins)."""
        for part in ("job", "replica", "task", "device_type", "device_index"):
            value = getattr(dev, part)
            if value is not None:
                setattr(self, part, value)

    def make_merged_spec(self, dev: DeviceSpec) -> DeviceSpec:
        out = self.replace()
        out.merge_from(dev)
        return out

    def replace(self, **kwargs) -> DeviceSpec:
        parts = {p: getattr(self, p) for p in ("job", "replica", "task", "device_type",
                                               "device_index")}
        parts.update(kwargs)
        return DeviceSpec(**parts)

    def to_string(self) -> str:
        out = ""
        if self.job is not None:
            out += f"/job:{self.job}"
        if self.replica is not None:
            out += f"/replica:{self.replica}"
        if self.task is not None:
            out += f"/task:{self.task}"
        if self.device_type is not None:
            index = "*" if self.device_index is None else self.device_index
            out += f"/device:{self.device_type}:{index}"
        return out

    def __eq__(self, other) -> bool:
        return isinstance(other, DeviceSpec) and self.to_string() == other.to_string()

    def __hash__(self) -> int:
        return hash(self.to_string())

    def __repr__(self) -> str:
        return f"<DeviceSpec {self.to_string()!r}>"
