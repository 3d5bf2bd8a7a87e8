"""``Module.to_empty`` and ``Module.compile`` (kept apart from ``module.py``, at its size limit;
installed on ``Module`` by ``dlcore_eager.nn``)."""

from __future__ import annotations

import sys
from typing import Any


def to_empty(self: Any, *, device: Any = None, recurse: bool = True) -> Any:
    """Every parameter and buffer replaced by an uninitialised tensor of its shape and dtype
    on ``device`` (PyTorch's way out of a meta-device model; values are then loaded)."""
    torch = sys.modules["dlcore_eager"]
    return self._apply(lambda t: torch.empty_like(t, device=device))


def compile(self: Any, *args: Any, **kwargs: Any) -> None:
    """Compile this module's forward in place (``torch.compile(self.forward, ...)``); calls
    of the module then run the compiled forward, and its state dict is unchanged."""
    torch = sys.modules["dlcore_eager"]
    compiled = torch.compile(self.forward, *args, **kwargs)
    object.__setattr__(self, "forward", compiled)


def install(module_cls: Any) -> None:
    module_cls.to_empty = to_empty
    module_cls.compile = compile
