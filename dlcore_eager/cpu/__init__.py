"""``torch.cpu``: the CPU as a device module (``is_available``, ``device_count``,
``synchronize``, ...) and ``torch.cpu.amp``, the older spelling of ``torch.amp`` for the CPU."""

from __future__ import annotations

from . import amp


def is_available() -> bool:
    """The CPU is always there."""
    return True


def device_count() -> int:
    """One CPU device, as PyTorch counts it."""
    return 1


def current_device() -> str:
    return "cpu"


def is_initialized() -> bool:
    return True


def synchronize(device=None) -> None:
    """CPU work is synchronous: nothing to wait for."""


def set_device(device) -> None:
    """Accepted for symmetry with ``torch.cuda.set_device`` (there is one CPU device)."""


__all__ = ["amp", "current_device", "device_count", "is_available", "is_initialized",
           "set_device", "synchronize"]
