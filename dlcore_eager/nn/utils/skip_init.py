"""``nn.utils.skip_init(module_cls, *args, **kwargs)``: build a module whose parameters are
left uninitialised.  PyTorch builds it on the meta device and allocates empty storage; here the
module is built directly (its initialised values are one possible content of "uninitialised"
memory), with PyTorch's checks of the class and of its ``device`` argument."""

from __future__ import annotations

import inspect

from ..module import Module


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` with parameters whose values are unspecified."""
    if not (inspect.isclass(module_cls) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    return module_cls(*args, **kwargs)
