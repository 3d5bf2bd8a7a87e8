"""``device_lib.list_local_devices()`` and the records behind ``Session.list_devices()``, as
TensorFlow 1.15's default wheel shows them.

On a machine without a GPU TF 1.15 lists its CPU and XLA's CPU device (XLA devices were
registered by default until TF 2.4); with CUDA it adds XLA's GPU device and the GPU, in that
order::

    >>> device_lib.list_local_devices()
    [name: "/device:CPU:0"
    device_type: "CPU"
    memory_limit: 268435456
    locality {
    }
    incarnation: 10967207537424498447
    , name: "/device:XLA_CPU:0"
    device_type: "XLA_CPU"
    memory_limit: 17179869184
    locality {
    }
    incarnation: 5318011839353766165
    physical_device_desc: "device: XLA_CPU device"
    ]

Each record is a ``DeviceAttributes`` message: ``name``, ``device_type``, ``memory_limit``,
``locality`` (``bus_id``, ``numa_node``, ``links``), ``incarnation`` (a random 64-bit number
drawn when the device is made: each call makes its devices anew) and
``physical_device_desc``; ``str``/``repr`` are the protobuf text format (fields at their
default left out).  ``Session.list_devices()`` gives ``_DeviceAttributes`` with the full name
(``/job:localhost/replica:0/task:0/device:CPU:0``), ``device_type``, ``memory_limit_bytes``
and ``incarnation``.  dlcore runs everything on the CPU (or the GPU); the XLA devices are
listed for fidelity only (placing an op on '/device:XLA_CPU:0' is not supported).
"""

from __future__ import annotations

import random

from dlcore.device import cuda_available

_JOB = "/job:localhost/replica:0/task:0"
#: TF 1.15's memory limits: the CPU allocator's default, XLA's devices' 16 GiB
_CPU_BYTES = 268435456
_XLA_BYTES = 17179869184


class LocalLinks:
    """``DeviceLocality.links``: the device's interconnects (none listed here)."""

    def __init__(self) -> None:
        self.link: list = []

    def __str__(self) -> str:
        return ""


class DeviceLocality:
    """``DeviceAttributes.locality``: the bus and NUMA node (0: unknown), the links."""

    def __init__(self, bus_id: int = 0, numa_node: int = 0, links: LocalLinks | None = None):
        self.bus_id = bus_id
        self.numa_node = numa_node
        self.links = links

    def HasField(self, name: str) -> bool:
        if name != "links":
            raise ValueError(f'Protocol message has no non-repeated submessage field "{name}"')
        return self.links is not None

    def _text(self, indent: str) -> str:
        out = ""
        if self.bus_id:
            out += f"{indent}bus_id: {self.bus_id}\n"
        if self.numa_node:
            out += f"{indent}numa_node: {self.numa_node}\n"
        if self.links is not None:
            out += f"{indent}links {{\n{indent}}}\n"
        return out

    def __str__(self) -> str:
        return self._text("")


class DeviceAttributes:
    """One ``list_local_devices()`` record (TF's ``DeviceAttributes`` message)."""

    def __init__(self, name: str, device_type: str, memory_limit: int,
                 locality: DeviceLocality | None = None, incarnation: int | None = None,
                 physical_device_desc: str = ""):
        self.name = name
        self.device_type = device_type
        self.memory_limit = memory_limit
        self.locality = locality if locality is not None else DeviceLocality()
        self.incarnation = random.getrandbits(64) if incarnation is None else incarnation
        self.physical_device_desc = physical_device_desc

    def __str__(self) -> str:
        out = f'name: "{self.name}"\ndevice_type: "{self.device_type}"\n'
        if self.memory_limit:
            out += f"memory_limit: {self.memory_limit}\n"
        out += "locality {\n" + self.locality._text("  ") + "}\n"
        if self.incarnation:
            out += f"incarnation: {self.incarnation}\n"
        if self.physical_device_desc:
            out += f'physical_device_desc: "{self.physical_device_desc}"\n'
        return out

    __repr__ = __str__

    def __eq__(self, other) -> bool:
        return isinstance(other, DeviceAttributes) and str(self) == str(other)

    # a message is mutable, unhashable, as protobuf's
    __hash__ = None  # type: ignore[assignment]


def _gpu_record() -> DeviceAttributes:
    """The GPU's record: its free memory, bus 1 (TF's NUMA-less default) and description."""
    from numba import cuda
    dev = cuda.get_current_device()
    name = getattr(dev, "name", b"CUDA simulator")      # (the simulator's device has none)
    name = name.decode() if isinstance(name, bytes) else str(name)
    cc = ".".join(str(c) for c in getattr(dev, "compute_capability", (0, 0)))
    free = cuda.current_context().get_memory_info()[0]
    free = int(free) if free != float("inf") else 0      # (the simulator's is infinite)
    return DeviceAttributes("/device:GPU:0", "GPU", free,
                            DeviceLocality(bus_id=1, links=LocalLinks()), None,
                            f"device: 0, name: {name}, pci bus id: 0000:00:00.0, "
                            f"compute capability: {cc}")


def list_local_devices(session_config=None) -> list[DeviceAttributes]:
    """The devices this process can use, as TF 1.15 lists them (see the module's docstring);
    ``session_config`` is accepted and, as here nothing it sets changes the list, ignored."""
    out = [DeviceAttributes("/device:CPU:0", "CPU", _CPU_BYTES),
           DeviceAttributes("/device:XLA_CPU:0", "XLA_CPU", _XLA_BYTES, None, None,
                            "device: XLA_CPU device")]
    if cuda_available():
        out.append(DeviceAttributes("/device:XLA_GPU:0", "XLA_GPU", _XLA_BYTES, None, None,
                                    "device: XLA_GPU device"))
        out.append(_gpu_record())
    return out


class _DeviceAttributes:
    """``Session.list_devices()``'s records: the full name, type, memory limit, incarnation."""

    def __init__(self, name: str, device_type: str, memory_limit_bytes: int,
                 incarnation: int) -> None:
        self._name = name
        self._device_type = device_type
        self._memory_limit_bytes = memory_limit_bytes
        self._incarnation = incarnation

    @property
    def name(self) -> str:
        return self._name

    @property
    def device_type(self) -> str:
        return self._device_type

    @property
    def memory_limit_bytes(self) -> int:
        return self._memory_limit_bytes

    @property
    def incarnation(self) -> int:
        return self._incarnation

    def __repr__(self) -> str:
        return (f"_DeviceAttributes({self.name}, {self.device_type}, "
                f"{self.memory_limit_bytes}, {self.incarnation})")


def session_devices(session) -> list[_DeviceAttributes]:
    """``session.list_devices()``: the local devices under their full names, made once per
    Session (their incarnations stay the same for its life)."""
    devs = session.__dict__.get("_listed_devices")
    if devs is None:
        devs = [_DeviceAttributes(f"{_JOB}{d.name}", d.device_type, d.memory_limit,
                                  d.incarnation)
                for d in list_local_devices()]
        session.__dict__["_listed_devices"] = devs
    return list(devs)
