"""``torch.fx``: symbolic tracing of a module into a ``Graph`` of operations, and
``GraphModule``, which runs Python code generated from the graph (after edits too:
``recompile``).

``symbolic_trace(module)`` calls ``forward`` with ``Proxy`` objects for its arguments.  While
it runs, the public functions of ``dlcore_eager`` (``torch.relu``, ``torch.add``, ...) and of
``dlcore_eager.nn.functional`` record a ``call_function`` node when a proxy is among their
arguments (PyTorch reaches them through ``__torch_function__``; here they are wrapped for the
trace and put back after), operators record ``operator.*`` calls, ``proxy.method(...)`` a
``call_method``, a parameter or buffer read a ``get_attr``, and a call of a built-in
``nn`` layer (a leaf module) a ``call_module``; other modules are traced through.  As in
PyTorch, control flow on a proxy raises ``TraceError``.  ``fx.wrap("len")`` or
``fx.wrap(fn)`` at a module's top level records calls of that global of that module (PyTorch's
rule).  Placeholders keep their defaults and ``*args``/``**kwargs`` as PyTorch's.

The patching is process-wide while a trace runs, as PyTorch's: the namespaces' functions,
``Module.__call__``/``__getattr__`` and wrapped globals are replaced and put back after.  Only
the tracing thread records (another thread's module calls run as usual) and traces in several
threads run one at a time (a lock).  Not covered: a function imported by name before tracing
(``from torch import relu``) is not seen unless wrapped; the default keyword arguments
PyTorch's Python functionals record are not recorded."""

from __future__ import annotations

import builtins
import inspect
import operator
import sys
import threading
import types
from typing import Any

from .graph import CODE_NAMES, QUALNAMES, Graph, Node, qualified_name
from .proxy import Proxy, TraceError

__all__ = ["Graph", "GraphModule", "Node", "Proxy", "TraceError", "Tracer", "symbolic_trace",
           "wrap"]


def _has_proxy(a: Any) -> bool:
    if isinstance(a, Proxy):
        return True
    if isinstance(a, (tuple, list)):
        return any(_has_proxy(x) for x in a)
    if isinstance(a, dict):
        return any(_has_proxy(x) for x in a.values())
    return False


def _namespaces() -> list[tuple[types.ModuleType, str]]:
    names = ["dlcore_eager", "dlcore_eager.nn.functional", "dlcore_eager.linalg",
             "dlcore_eager.special", "dlcore_eager.fft"]
    return [(sys.modules[n], n) for n in names if n in sys.modules]


#: traces run one at a time (the patching below is process-wide); re-entrant for a trace
#: started inside a traced function
_TRACE_LOCK = threading.RLock()
#: (module globals, name) registered by ``wrap``
_WRAPPED: list[tuple[dict, str]] = []
#: the trace running now, ``(tracer, thread ident)``, or None: the wrappers below ask it (a
#: trace started inside a traced function takes it over until it ends)
_STATE: list[Any] = [None]
#: function -> its recording wrapper; namespace name -> (its names, its functions' entries)
_WRAPPERS: dict[Any, Any] = {}
_SCANNED: dict[str, tuple[tuple, list]] = {}


class Tracer:
    """Records a module's ``forward`` (or a function) as a ``Graph``."""

    def __init__(self, autowrap_modules: tuple = (), autowrap_functions: tuple = (),
                 param_shapes_constant: bool = False) -> None:
        self.graph = Graph()
        self.root: Any = None

    def is_leaf_module(self, m: Any, module_qualified_name: str) -> bool:
        from ..nn import Sequential
        return type(m).__module__.startswith("dlcore_eager.nn") and \
            not isinstance(m, Sequential)

    def path_of_module(self, mod: Any) -> str:
        for name, m in self.root.named_modules():
            if m is mod:
                return name
        raise NameError("module is not installed as a submodule")

    def create_arg(self, a: Any) -> Any:
        if isinstance(a, Proxy):
            return a.node
        if isinstance(a, tuple) and hasattr(a, "_fields"):
            return type(a)(*[self.create_arg(x) for x in a])
        if isinstance(a, (tuple, list)):
            return type(a)(self.create_arg(x) for x in a)
        if isinstance(a, dict):
            return {k: self.create_arg(v) for k, v in a.items()}
        if isinstance(a, slice):
            return slice(self.create_arg(a.start), self.create_arg(a.stop),
                         self.create_arg(a.step))
        if hasattr(a, "_buf"):
            return self._tensor_node(a)
        return a

    def _tensor_node(self, a: Any) -> Node:
        """A ``get_attr`` node of tensor ``a`` used in a traced call (PyTorch's rule): a module's
        tensor attribute by its name, else a constant stored on the root as
        ``_tensor_constant<i>`` (one per tensor; each use its own node)."""
        path = self._tensor_attrs.get(id(a))
        if path is None:
            path = self._constants.get(id(a))
        if path is None:
            path = self._constants[id(a)] = f"_tensor_constant{len(self._constants)}"
            self._keep.append(a)
            setattr(self.root, path, a)
        return self.graph.create_node("get_attr", path, (), {})

    def create_proxy(self, kind: str, target: Any, args: tuple, kwargs: dict,
                     name: str | None = None) -> Proxy:
        node = self.graph.create_node(kind, target, self.create_arg(tuple(args)),
                                      self.create_arg(dict(kwargs)), name)
        return Proxy(node, self)

    def call_module(self, m: Any, forward: Any, args: tuple, kwargs: dict) -> Any:
        path = self.path_of_module(m)
        if not self.is_leaf_module(m, path):
            return forward(*args, **kwargs)
        return self.create_proxy("call_module", path, args, kwargs)

    def trace(self, root: Any, concrete_args: dict | None = None) -> Graph:
        from ..nn import Module
        fn = root.forward if isinstance(root, Module) else root
        self.root = root if isinstance(root, Module) else Module()
        self.graph = Graph()
        fn, proxies = self._root_args(fn, concrete_args)
        attrs: dict[int, str] = {}
        for name, p in self.root.named_parameters():
            attrs.setdefault(id(p), name)
        for name, b in self.root.named_buffers():
            attrs.setdefault(id(b), name)
        self._constants: dict[int, str] = {}
        self._keep: list = []
        self._tensor_attrs: dict[int, str] = {}
        for prefix, mod in self.root.named_modules():
            for name, v in vars(mod).items():
                if hasattr(v, "_buf") and id(v) not in attrs:
                    self._tensor_attrs.setdefault(id(v), f"{prefix}.{name}" if prefix else name)
        with _TRACE_LOCK:
            out = self._run_patched(fn, proxies, attrs)
        self.create_proxy("output", "output", (out,), {}, name="output")
        return self.graph

    def _root_args(self, fn: Any, concrete_args: dict | None) -> tuple[Any, list]:
        """The placeholders of ``fn``'s parameters (defaults kept; ``*args``/``**kwargs`` one
        placeholder each, PyTorch's ``*name`` target) and a function taking them in order."""
        sig = inspect.signature(fn)
        kinds = inspect.Parameter
        params = list(sig.parameters.values())
        # PyTorch's order: the code object's (positional, keyword-only, *args, **kwargs)
        order: dict[Any, int] = {kinds.VAR_POSITIONAL: 1, kinds.VAR_KEYWORD: 2}
        stars: dict[Any, str] = {kinds.VAR_POSITIONAL: "*", kinds.VAR_KEYWORD: "**"}
        params.sort(key=lambda p: order.get(p.kind, 0))
        proxies: list = []
        for p in params:
            if concrete_args and p.name in concrete_args:
                proxies.append(concrete_args[p.name])
                continue
            star = stars.get(p.kind, "")
            default = () if p.default is inspect.Parameter.empty else (p.default,)
            proxies.append(self.create_proxy("placeholder", star + p.name, default, {}))
        if not any(p.kind in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD, kinds.KEYWORD_ONLY)
                   for p in params):
            return fn, proxies
        # (PyTorch's _patch_function: the same code taking every parameter positionally, so
        # ``args`` inside the function is the ``*args`` proxy itself)
        func = inspect.unwrap(fn)
        bound = getattr(func, "__self__", None)
        func = getattr(func, "__func__", func)
        co = func.__code__
        flat = co.replace(co_flags=co.co_flags & ~(inspect.CO_VARARGS | inspect.CO_VARKEYWORDS),
                          co_argcount=co.co_argcount + co.co_kwonlyargcount
                          + bool(co.co_flags & inspect.CO_VARARGS)
                          + bool(co.co_flags & inspect.CO_VARKEYWORDS),
                          co_posonlyargcount=0, co_kwonlyargcount=0)
        patched = types.FunctionType(flat, func.__globals__, func.__name__, None,
                                     func.__closure__)
        if bound is not None:
            return types.MethodType(patched, bound), proxies
        return patched, proxies

    def _run_patched(self, fn: Any, proxies: list, attrs: dict[int, str]) -> Any:
        from ..nn import Module
        cache: dict[str, Proxy] = {}
        tracer, me = self, threading.get_ident()
        orig_call, orig_getattr = Module.__call__, Module.__getattr__

        def module_call(mod: Any, *args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() != me:
                return orig_call(mod, *args, **kwargs)
            return tracer.call_module(mod, lambda *a, **k: orig_call(mod, *a, **k), args,
                                      kwargs)

        def module_getattr(mod: Any, attr: str) -> Any:
            val = orig_getattr(mod, attr)
            if threading.get_ident() != me:
                return val
            path = attrs.get(id(val))
            if path is None or not hasattr(val, "_buf"):
                return val
            if path not in cache:
                cache[path] = tracer.create_proxy("get_attr", path, (), {})
            return cache[path]
        outer = _STATE[0]               # a trace started inside a traced function: the
        patched: list = []              # outer's wrappers are in place and ask _STATE
        wrapped: list[tuple[dict, str, Any]] = []
        tensor_ops: list = []
        try:
            _STATE[0] = (self, me)
            if outer is None:
                for ns, qual in _namespaces():
                    d = vars(ns)
                    entries = _entries(d, qual)
                    patched.append((d, entries))
                    for name, _, w in entries:
                        d[name] = w
                for glob, name in _WRAPPED:
                    missing = name not in glob
                    f = getattr(builtins, name, None) if missing else glob[name]
                    if f is None:
                        continue
                    wrapped.append((glob, name, _MISSING if missing else f))
                    glob[name] = _recording(f)
            setattr(Module, "__call__", module_call)
            setattr(Module, "__getattr__", module_getattr)
            tensor_ops = _patch_tensor_methods(self)
            return fn(*proxies)
        finally:
            setattr(Module, "__call__", orig_call)         # (harmless if never replaced)
            setattr(Module, "__getattr__", orig_getattr)
            for name, f in tensor_ops:
                setattr(_tensor_class(), name, f)
            for d, entries in patched:
                for name, f, _ in entries:
                    d[name] = f
            for glob, name, f in reversed(wrapped):
                if f is _MISSING:
                    glob.pop(name, None)
                else:
                    glob[name] = f
            _STATE[0] = outer


_MISSING = object()

#: Tensor operators and methods that record a ``call_method`` on the tensor (a constant's
#: ``get_attr``) when a proxy is among their arguments (PyTorch's ``__torch_function__``:
#: ``torch.ones(3) + x`` is ``_tensor_constant0.add(x)``)
_TENSOR_METHODS = {"__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div",
                   "__matmul__": "matmul", "__pow__": "pow", "__gt__": "gt", "__lt__": "lt",
                   "__ge__": "ge", "__le__": "le", "__eq__": "eq", "__ne__": "ne"}
_TENSOR_METHODS.update((n, n) for n in ("add", "sub", "mul", "div", "matmul", "pow", "mm",
                                        "gt", "lt", "ge", "le", "eq", "ne", "maximum",
                                        "minimum", "where", "expand_as", "view_as",
                                        "reshape_as", "type_as", "masked_fill"))


def _tensor_class() -> Any:
    return sys.modules["dlcore_eager"].Tensor


def _patch_tensor_methods(tracer: Tracer) -> list:
    """Tensor's ``_TENSOR_METHODS`` recording calls with a proxy argument (made by the tracing
    thread); returns ``(name, original)`` pairs to put back."""
    cls, me, saved = _tensor_class(), threading.get_ident(), []
    for name, method in _TENSOR_METHODS.items():
        orig = cls.__dict__.get(name)
        if orig is None:
            continue

        def op(self: Any, *args: Any, _orig: Any = orig, _method: str = method,
               **kwargs: Any) -> Any:
            if threading.get_ident() == me and (_has_proxy(args) or _has_proxy(kwargs)):
                return tracer.create_proxy("call_method", _method, (self, *args), kwargs)
            return _orig(self, *args, **kwargs)
        saved.append((name, orig))
        setattr(cls, name, op)
    return saved


def _entries(d: dict, qual: str) -> list[tuple[str, Any, Any]]:
    """``(name, function, its recording wrapper)`` for the public functions of a namespace's
    dict ``d``, scanned once and again only when the namespace changed (its names, or the
    object under one of them: a user's ``torch.relu = ...``)."""
    hit = _SCANNED.get(qual)
    keys = tuple(d)
    if hit is not None and hit[0] == keys and all(d.get(n) is f for n, f, _ in hit[1]):
        return hit[1]
    entries = []
    for name, f in list(d.items()):
        if name.startswith("_") or isinstance(f, type) or not callable(f) or \
                isinstance(f, types.ModuleType):
            continue
        QUALNAMES.setdefault(f, f"{qual}.{name}")
        entries.append((name, f, _recording(f)))
    _SCANNED[qual] = (keys, entries)
    return entries


def _recording(f: Any) -> Any:
    """``f``'s wrapper for tracing (made once per function): a call from the tracing thread
    with a proxy among its arguments records a ``call_function`` node in the running trace."""
    w = _WRAPPERS.get(f)
    if w is not None:
        return w

    def traced(*args: Any, **kwargs: Any) -> Any:
        state = _STATE[0]
        if state is not None and threading.get_ident() == state[1] and \
                (_has_proxy(args) or _has_proxy(kwargs)):
            return state[0].create_proxy("call_function", f, args, kwargs)
        return f(*args, **kwargs)
    traced.__wrapped__ = f                                 # type: ignore[attr-defined]
    _WRAPPERS[f] = traced
    return traced


def wrap(fn_or_name: Any) -> Any:
    """PyTorch's ``torch.fx.wrap``: called at a module's top level with a global function (or
    its name, ``"len"`` too), symbolic tracing records calls of that global made from that
    module's code as ``call_function`` nodes instead of tracing through them."""
    frame = inspect.currentframe()
    caller = frame.f_back if frame is not None else None
    if caller is None or caller.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    if callable(fn_or_name):
        name = fn_or_name.__name__
        if fn_or_name.__code__.co_name == "<lambda>":
            raise NotImplementedError("wrap must be called on the name of the function")
    elif isinstance(fn_or_name, str):
        name = fn_or_name
    else:
        raise NotImplementedError("wrap must be called with a function or the name of one")
    glob = caller.f_globals
    f = glob.get(name, getattr(builtins, name, None))
    if f is not None and getattr(builtins, name, None) is not f:
        CODE_NAMES.setdefault(f, f"{glob.get('__name__', '_')}_{name}".replace(".", "_"))
    if not any(g is glob and n == name for g, n in _WRAPPED):
        _WRAPPED.append((glob, name))
    return fn_or_name


def _copy_attr(src: Any, dst: Any, path: str) -> None:
    from ..nn import Module
    *prefix, field = path.split(".")
    for item in prefix:
        s = getattr(src, item)
        d = dst._modules.get(item) if hasattr(dst, "_modules") else None
        if d is None:
            d = Module()
            setattr(dst, item, d)
        src, dst = s, d
    setattr(dst, field, getattr(src, field))


def _make_graph_module_class() -> type:
    from ..nn import Module

    class GraphModule(Module):
        """A module whose ``forward`` is the Python code of ``graph``."""

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            # PyTorch's: each instance gets its own subclass, renamed by ``__init__`` (the
            # shared class keeps its name)
            for t in cls.__mro__:
                if t.__qualname__.split(".")[-1] != "GraphModuleImpl":
                    cls = t
                    break

            class GraphModuleImpl(cls):                   # type: ignore[valid-type,misc]
                pass
            return super().__new__(GraphModuleImpl)

        def __init__(self, root: Any, graph: Graph, class_name: str = "GraphModule") -> None:
            super().__init__()
            self.__class__.__name__ = class_name
            if isinstance(root, Module):
                for node in graph.nodes:
                    if node.op in ("get_attr", "call_module"):
                        _copy_attr(root, self, node.target)
            self._graph = graph
            self.recompile()

        @property
        def graph(self) -> Graph:
            return self._graph

        @property
        def code(self) -> str:
            return self._code

        def recompile(self) -> Any:
            self._code = self._graph.python_code("self")
            space: dict = {"dlcore_eager": sys.modules["dlcore_eager"], "operator": operator,
                           "builtins": builtins}
            for node in self._graph.nodes:
                if node.op == "call_function":
                    code_name = CODE_NAMES.get(node.target)
                    if code_name is not None:
                        space[code_name] = node.target
                        continue
                    head = qualified_name(node.target).split(".")[0]
                    if head not in space:
                        space[head] = sys.modules.get(head) or node.target
            exec(compile(self._code, "<eval_with_key>", "exec"), space)  # noqa: S102
            object.__setattr__(self, "forward", types.MethodType(space["forward"], self))
            return self._code

        def print_readable(self, print_output: bool = True) -> str:
            text = f"class {type(self).__name__}(torch.nn.Module):" + \
                self._code.replace("\n", "\n    ").rstrip() + "\n"
            if print_output:
                print(text)
            return text

    return GraphModule


class _LazyGraphModule:
    cls: type | None = None


def __getattr__(name: str) -> Any:
    if name == "GraphModule":
        if _LazyGraphModule.cls is None:
            _LazyGraphModule.cls = _make_graph_module_class()
        return _LazyGraphModule.cls
    raise AttributeError(name)


def symbolic_trace(root: Any, concrete_args: dict | None = None) -> Any:
    """``root`` (a module or a function) traced into a ``GraphModule``."""
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    name = type(root).__name__ if not isinstance(root, types.FunctionType) else root.__name__
    return __getattr__("GraphModule")(tracer.root, graph, name)

