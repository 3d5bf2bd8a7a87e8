"""``ModuleDict``, ``ParameterList`` and ``ParameterDict``: containers that register what they
hold, so ``parameters()``, ``state_dict()`` and ``to()`` find it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ..tensor import Tensor
from .module import Module, Parameter


class ModuleDict(Module):
    """An ordered dict of modules, registered under their keys."""

    def __init__(self, modules: Mapping | Iterable | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules) -> None:
        items = modules.items() if isinstance(modules, Mapping) else modules
        for key, m in items:
            self.add_module(key, m)


def _as_parameter(value):
    if isinstance(value, Parameter) or value is None:
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    return value


class ParameterList(Module):
    """A list of parameters (tensors are wrapped as Parameters), registered as "0", "1", ..."""

    def __init__(self, values: Iterable | None = None) -> None:
        super().__init__()
        self._size = 0
        for v in values or []:
            self.append(v)

    def append(self, value) -> ParameterList:
        self.register_parameter(str(self._size), _as_parameter(value))
        self._size += 1
        return self

    def extend(self, values) -> ParameterList:
        for v in values:
            self.append(v)
        return self

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(self._size)[idx]])
        if idx < 0:
            idx += self._size
        return self._parameters[str(idx)]

    def __setitem__(self, idx: int, value) -> None:
        if idx < 0:
            idx += self._size
        self.register_parameter(str(idx), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self):
        return (self._parameters[str(i)] for i in range(self._size))

    def extra_repr(self) -> str:
        return _parameter_lines(enumerate(self), lambda p: str(p.dtype))


class ParameterDict(Module):
    """A dict of parameters, registered under their keys."""

    def __init__(self, parameters: Mapping | Iterable | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str):
        return self._parameters[key]

    def __setitem__(self, key: str, value) -> None:
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key) -> bool:
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def items(self):
        return self._parameters.items()

    def values(self):
        return self._parameters.values()

    def update(self, parameters) -> None:
        # (PyTorch: a plain mapping's items in sorted key order; an OrderedDict's or a
        # ParameterDict's in theirs)
        items = parameters.items() if isinstance(parameters, (OrderedDict, ParameterDict)) \
            else sorted(parameters.items()) if isinstance(parameters, Mapping) else parameters
        for key, v in items:
            self[key] = v

    def extra_repr(self) -> str:
        return _parameter_lines(self.items(), lambda p: p.type())     # (torch.typename)


def _parameter_lines(items, kind) -> str:
    """PyTorch's ParameterList/ParameterDict extra_repr: ``  (k): Parameter containing:
    [torch.float32 of size 3x2]`` a line (``kind``: the dtype, or the dict's typename)."""
    lines = []
    for k, p in items:
        if isinstance(p, Tensor):
            size = "x".join(str(d) for d in p.size())
            dev = f" ({p.device})" if p.device.type == "cuda" else ""
            what = "Parameter" if isinstance(p, Parameter) else "Tensor"
            lines.append(f"  ({k}): {what} containing: [{kind(p)} of size {size}{dev}]")
        else:
            lines.append(f"  ({k}): Object of type: {type(p).__name__}")
    return "\n".join(lines)
