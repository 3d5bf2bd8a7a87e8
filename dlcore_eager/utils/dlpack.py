"""DLPack interop, both ways: ``from_dlpack(any_cpu_array)`` and ``to_dlpack(tensor)``."""

from __future__ import annotations

from ..creation import from_dlpack  # noqa: F401


def to_dlpack(t):
    """A DLPack capsule for a CPU tensor (shares memory)."""
    return t.__dlpack__()
