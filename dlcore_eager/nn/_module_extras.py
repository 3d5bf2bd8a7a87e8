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
    of the module then run the compiled forward, and its state dict is unchanged.  As
    PyTorch's ``_compiled_call_impl``, the compiled function is not part of the module's
    pickled or copied state (``__getstate__`` drops it): a copy runs uncompiled."""
    torch = sys.modules["dlcore_eager"]
    forward = self.__dict__.get("_compiled_call_impl", (None, self.forward))[1]
    compiled = torch.compile(forward, *args, **kwargs)
    object.__setattr__(self, "_compiled_call_impl", (compiled, forward))
    object.__setattr__(self, "forward", compiled)


def __getstate__(self: Any) -> dict:
    """The instance state less the compiled forward (PyTorch drops ``_compiled_call_impl``)."""
    state = self.__dict__.copy()
    entry = state.pop("_compiled_call_impl", None)
    if entry is not None and state.get("forward") is entry[0]:
        del state["forward"]
    return state


def install(module_cls: Any) -> None:
    module_cls.to_empty = to_empty
    module_cls.compile = compile
    if "__getstate__" not in vars(module_cls):
        module_cls.__getstate__ = __getstate__
