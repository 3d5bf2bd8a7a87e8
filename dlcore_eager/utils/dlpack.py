"""DLPack interop, both ways, like ``torch.utils.dlpack``.

``from_dlpack(obj)`` takes any DLPack producer (NumPy, PyTorch, JAX, CuPy: an object with
``__dlpack__``) or a legacy capsule (what ``torch.utils.dlpack.to_dlpack`` returns), on the CPU
or CUDA, and shares its memory.  ``to_dlpack(tensor)`` gives a capsule for a CPU tensor (NumPy
makes it) or a CUDA tensor (``dlcore.io.dlpack.export_cuda``), also sharing memory.
"""

from __future__ import annotations

from typing import Any

from ..creation import from_dlpack  # noqa: F401
from ..tensor import Tensor


def to_dlpack(t: Tensor) -> Any:
    """A DLPack capsule sharing ``t``'s memory (consumed once by ``from_dlpack`` anywhere)."""
    return t.__dlpack__()
