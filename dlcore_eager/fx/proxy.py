"""``torch.fx.proxy``: ``Proxy`` (a value during tracing: each use records a node through its
tracer) and ``TraceError``."""

from __future__ import annotations

import builtins
import operator
from typing import Any

from .graph import Node

__all__ = ["Proxy", "TraceError"]


class TraceError(ValueError):
    pass


class Proxy:
    """A value during tracing: each use records a node in the tracer's graph."""

    def __init__(self, node: Node, tracer: Any) -> None:
        self.node, self.tracer = node, tracer

    def __repr__(self) -> str:
        return f"Proxy({self.node.name})"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Attribute(self, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.tracer.create_proxy("call_method", "__call__", (self, *args), kwargs)

    def __getitem__(self, key: Any) -> Proxy:
        return self.tracer.create_proxy("call_function", operator.getitem, (self, key), {})

    def __iter__(self) -> Any:
        raise TraceError("Proxy object cannot be iterated. This can be attempted when the "
                         "Proxy is used in a loop or as a *args or **kwargs function argument. "
                         "See the torch.fx docs on pytorch.org for a more detailed explanation "
                         "of what types of control flow can be traced, and check out the Proxy "
                         "docstring for help troubleshooting Proxy iteration errors")

    def __bool__(self) -> bool:
        raise TraceError("symbolically traced variables cannot be used as inputs to control "
                         "flow")

    def __len__(self) -> int:
        raise RuntimeError("'len' is not supported in symbolic tracing by default. If you "
                           "want this call to be recorded, please call torch.fx.wrap('len') "
                           "at module scope")


class _Attribute(Proxy):
    def __init__(self, root: Proxy, attr: str) -> None:
        self.root, self.attr, self.tracer = root, attr, root.tracer
        self._node: Node | None = None

    @property
    def node(self) -> Node:                          # type: ignore[override]
        if self._node is None:
            self._node = self.tracer.create_proxy("call_function", builtins.getattr,
                                                  (self.root, self.attr), {}).node
        return self._node

    def __call__(self, *args: Any, **kwargs: Any) -> Proxy:
        return self.tracer.create_proxy("call_method", self.attr, (self.root, *args), kwargs)


def _binary(fn: Any, reflected: bool = False) -> Any:
    def method(self: Proxy, other: Any) -> Proxy:
        args = (other, self) if reflected else (self, other)
        return self.tracer.create_proxy("call_function", fn, args, {})
    return method


for _fn, _ in [(f, 0) for f in (operator.add, operator.sub, operator.mul, operator.truediv,
                                 operator.floordiv, operator.mod, operator.pow,
                                 operator.matmul, operator.and_, operator.or_, operator.xor,
                                 operator.lshift, operator.rshift)]:
    _n = _fn.__name__.rstrip("_")
    setattr(Proxy, f"__{_n}__", _binary(_fn))
    setattr(Proxy, f"__r{_n}__", _binary(_fn, True))
for _fn in (operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge):
    setattr(Proxy, f"__{_fn.__name__}__", _binary(_fn))
for _un in (operator.neg, operator.pos, operator.invert, abs):
    setattr(Proxy, f"__{_un.__name__}__",
            (lambda f: lambda self: self.tracer.create_proxy("call_function", f, (self,), {}))(
                _un))
setattr(Proxy, "__hash__", object.__hash__)
