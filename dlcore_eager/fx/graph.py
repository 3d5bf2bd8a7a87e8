"""``torch.fx``'s graph: ``Node`` (one placeholder, get_attr, call_function, call_method,
call_module or output) and ``Graph`` (the nodes in order, PyTorch's printout, Python code
generation with PyTorch's layout: the values a node last uses are dropped after it)."""

from __future__ import annotations

import builtins
import contextlib
import inspect
import keyword
import operator
import re
from collections.abc import Iterator
from typing import Any

_BINARY = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
           operator.floordiv: "//", operator.mod: "%", operator.pow: "**",
           operator.matmul: "@", operator.and_: "&", operator.or_: "|", operator.xor: "^",
           operator.lshift: "<<", operator.rshift: ">>", operator.eq: "==", operator.ne: "!=",
           operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">="}
_UNARY = {operator.neg: "-", operator.pos: "+", operator.invert: "~"}
#: function -> the dotted name code and printouts use (the patched torch functions add theirs)
QUALNAMES: dict[Any, str] = {}
#: function registered by ``fx.wrap`` -> the plain name generated code calls it by
CODE_NAMES: dict[Any, str] = {}


def qualified_name(fn: Any) -> str:
    name = QUALNAMES.get(fn)
    if name is not None:
        return name
    short = getattr(fn, "__name__", "")
    if getattr(operator, short, None) is fn:
        return f"operator.{short}"
    if getattr(builtins, short, None) is fn:
        return f"builtins.{short}"
    return f"{getattr(fn, '__module__', None) or '_'}.{getattr(fn, '__qualname__', fn)}"


def _map_nodes(a: Any, fn: Any) -> Any:
    if isinstance(a, Node):
        return fn(a)
    if isinstance(a, tuple) and hasattr(a, "_fields"):
        return type(a)(*[_map_nodes(x, fn) for x in a])
    if isinstance(a, (tuple, list)):
        return type(a)(_map_nodes(x, fn) for x in a)
    if isinstance(a, dict):
        return {k: _map_nodes(v, fn) for k, v in a.items()}
    if isinstance(a, slice):
        return slice(_map_nodes(a.start, fn), _map_nodes(a.stop, fn), _map_nodes(a.step, fn))
    return a


def _inputs(a: Any) -> list[Node]:
    found: list[Node] = []

    def keep(n: Node) -> Node:
        found.append(n)
        return n
    _map_nodes(a, keep)
    return found


class Node:
    def __init__(self, graph: Graph, name: str, op: str, target: Any, args: tuple,
                 kwargs: dict) -> None:
        self.graph, self.name, self.op, self.target = graph, name, op, target
        self.users: dict[Node, None] = {}
        self._args: tuple = ()
        self._kwargs: dict = {}
        self.meta: dict = {}
        self._update(args, kwargs)

    def _update(self, args: tuple, kwargs: dict) -> None:
        for n in _inputs((self._args, self._kwargs)):
            n.users.pop(self, None)
        self._args, self._kwargs = tuple(args), dict(kwargs)
        for n in _inputs((self._args, self._kwargs)):
            n.users[self] = None

    @property
    def args(self) -> tuple:
        return self._args

    @args.setter
    def args(self, a: tuple) -> None:
        self._update(a, self._kwargs)

    @property
    def kwargs(self) -> dict:
        return self._kwargs

    @kwargs.setter
    def kwargs(self, k: dict) -> None:
        self._update(self._args, k)

    @property
    def all_input_nodes(self) -> list[Node]:
        return list(dict.fromkeys(_inputs((self._args, self._kwargs))))

    @property
    def next(self) -> Node | None:
        i = self.graph._nodes.index(self)
        return self.graph._nodes[i + 1] if i + 1 < len(self.graph._nodes) else None

    @property
    def prev(self) -> Node | None:
        i = self.graph._nodes.index(self)
        return self.graph._nodes[i - 1] if i else None

    def replace_all_uses_with(self, replace_with: Node) -> list[Node]:
        users = list(self.users)
        for u in users:
            u._update(_map_nodes(u.args, lambda n: replace_with if n is self else n),
                      _map_nodes(u.kwargs, lambda n: replace_with if n is self else n))
        return users

    def replace_input_with(self, old: Node, new: Node) -> None:
        self._update(_map_nodes(self.args, lambda n: new if n is old else n),
                     _map_nodes(self.kwargs, lambda n: new if n is old else n))

    def format_node(self) -> str:
        if self.op == "output":
            return f"return {_fmt_code(self.args[0])}"
        target = qualified_name(self.target) if self.op == "call_function" else self.target
        head = f"%{self.name} : [num_users={len(self.users)}] = {self.op}[target={target}]"
        if self.op == "placeholder" and self.args:
            return f"{head}(default={self.args[0]})"
        if self.op in ("placeholder", "get_attr"):
            return head
        kw = ", ".join(f"{k}: {_fmt_graph(v)}" for k, v in self.kwargs.items())
        return f"{head}(args = {_fmt_graph(tuple(self.args))}, kwargs = {{{kw}}})"

    def __repr__(self) -> str:
        return self.name


def _fmt_graph(a: Any) -> str:
    if isinstance(a, Node):
        return f"%{a.name}"
    if isinstance(a, tuple):
        inner = ", ".join(_fmt_graph(x) for x in a)
        return f"({inner},)" if len(a) == 1 else f"({inner})"
    if isinstance(a, list):
        return "[" + ", ".join(_fmt_graph(x) for x in a) + "]"
    if isinstance(a, dict):
        return "{" + ", ".join(f"{k}: {_fmt_graph(v)}" for k, v in a.items()) + "}"
    return str(a)


def _fmt_code(a: Any) -> str:
    if isinstance(a, Node):
        return a.name
    if isinstance(a, tuple):
        inner = ", ".join(_fmt_code(x) for x in a)
        return f"({inner},)" if len(a) == 1 else f"({inner})"
    if isinstance(a, list):
        return "[" + ", ".join(_fmt_code(x) for x in a) + "]"
    if isinstance(a, dict):
        return "{" + ", ".join(f"{k!r}: {_fmt_code(v)}" for k, v in a.items()) + "}"
    if isinstance(a, slice):
        return f"slice({_fmt_code(a.start)}, {_fmt_code(a.stop)}, {_fmt_code(a.step)})"
    if isinstance(a, str):
        return repr(a)
    if hasattr(a, "_buf"):                     # (a tensor constant: never made by the tracer)
        raise NotImplementedError("fx: tensor constants in a graph")
    return repr(a)


def _attr_path(path: str) -> str:
    out = "self"
    for part in path.split("."):
        out = f'getattr({out}, "{part}")' if not part.isidentifier() else f"{out}.{part}"
    return out


class Graph:
    def __init__(self) -> None:
        self._nodes: list[Node] = []
        # (PyTorch's: a builtin's or keyword's name gets a suffix, so code can still use it)
        self._names: dict[str, int] = {n: 0 for n in [*dir(builtins), *keyword.kwlist]}
        self._insert: tuple[str, Node] | None = None

    @property
    def nodes(self) -> list[Node]:
        return list(self._nodes)

    def _name(self, candidate: str) -> str:
        base = re.sub(r"[^0-9a-zA-Z_]+", "_", candidate) or "node"     # (PyTorch's rule)
        if base[0].isdigit():
            base = "_" + base
        n = self._names.get(base)
        if n is None:
            self._names[base] = 0
            return base
        while True:
            n += 1
            name = f"{base}_{n}"
            if name not in self._names:
                self._names[base] = n
                self._names[name] = 0
                return name

    def create_node(self, op: str, target: Any, args: tuple = (), kwargs: dict | None = None,
                    name: str | None = None) -> Node:
        if name is None:
            if op == "call_function":
                name = getattr(target, "__name__", "fn")
            elif op in ("call_module", "get_attr"):
                name = str(target).replace(".", "_")
            else:
                name = str(target)
        node = Node(self, self._name(name), op, target, args, kwargs or {})
        if self._insert is None:
            self._nodes.append(node)
        else:
            where, ref = self._insert
            i = self._nodes.index(ref) + (1 if where == "after" else 0)
            self._nodes.insert(i, node)
            if where == "after":
                self._insert = ("after", node)
        return node

    def placeholder(self, name: str, type_expr: Any = None,
                    default_value: Any = inspect.Signature.empty) -> Node:
        args = () if default_value is inspect.Signature.empty else (default_value,)
        return self.create_node("placeholder", name, args, name=name)

    def get_attr(self, qualified_name: str) -> Node:
        return self.create_node("get_attr", qualified_name)

    def call_function(self, the_function: Any, args: tuple = (),
                      kwargs: dict | None = None) -> Node:
        return self.create_node("call_function", the_function, args, kwargs)

    def call_method(self, method_name: str, args: tuple = (),
                    kwargs: dict | None = None) -> Node:
        return self.create_node("call_method", method_name, args, kwargs)

    def call_module(self, module_name: str, args: tuple = (),
                    kwargs: dict | None = None) -> Node:
        return self.create_node("call_module", module_name, args, kwargs)

    def output(self, result: Any) -> Node:
        return self.create_node("output", "output", (result,), name="output")

    @contextlib.contextmanager
    def inserting_after(self, node: Node) -> Iterator[None]:
        saved, self._insert = self._insert, ("after", node)
        try:
            yield
        finally:
            self._insert = saved

    @contextlib.contextmanager
    def inserting_before(self, node: Node) -> Iterator[None]:
        saved, self._insert = self._insert, ("before", node)
        try:
            yield
        finally:
            self._insert = saved

    def erase_node(self, to_erase: Node) -> None:
        if to_erase.users:
            raise RuntimeError(f"Tried to erase Node {to_erase} but it still had "
                               f"{len(to_erase.users)} users in the graph: {to_erase.users}!")
        to_erase._update((), {})
        self._nodes.remove(to_erase)

    def eliminate_dead_code(self) -> bool:
        changed = False
        for node in reversed(self._nodes):
            if node.op not in ("placeholder", "output") and not node.users:
                self.erase_node(node)
                changed = True
        return changed

    def lint(self) -> None:
        seen: set = set()
        for node in self._nodes:
            for n in node.all_input_nodes:
                if n not in seen:
                    raise RuntimeError(f"Argument '{n}' of Node '{node}' was used before it "
                                       "has been defined!")
            seen.add(node)

    def __str__(self) -> str:
        return "\n".join(["graph():"] + ["    " + n.format_node() for n in self._nodes])

    def python_code(self, root_module: str = "self") -> str:
        """The ``forward`` source, PyTorch's layout (see the module docstring)."""
        last_use: dict[Node, Node] = {}
        for node in self._nodes:
            for n in node.all_input_nodes:
                last_use[n] = node
        frees: dict[Node, list[Node]] = {}
        for n, user in last_use.items():
            frees.setdefault(user, []).append(n)
        params, body = [], []
        for n in self._nodes:
            if n.op != "placeholder":
                continue
            # PyTorch's: the signature names the target (``*args``, ``flag = True``); a node
            # named otherwise is bound to it first
            params.append(n.target + (f" = {_fmt_code(n.args[0])}" if n.args else ""))
            if n.target.lstrip("*") != n.name:
                body.append(f"{n.name} = {n.target.lstrip('*')}")
        for node in self._nodes:
            line = _emit(node)
            if line is None:
                continue
            dead = [n.name for n in self._nodes if n in frees.get(node, ())]
            if node.op != "output" and dead:
                line += ";  " + " = ".join(dead) + " = None"
            body.append(line)
        return "\n\n\ndef forward(" + ", ".join([root_module] + params) + "):\n" + \
            "".join(f"    {b}\n" for b in body) + "    "


def _emit(node: Node) -> str | None:
    a, k = node.args, node.kwargs
    if node.op == "placeholder":
        return None
    if node.op == "output":
        return f"return {_fmt_code(a[0])}"
    if node.op == "get_attr":
        return f"{node.name} = {_attr_path(node.target)}"
    kw = ", ".join(f"{key} = {_fmt_code(v)}" for key, v in k.items())
    args = ", ".join([_fmt_code(x) for x in a] + ([kw] if kw else []))
    if node.op == "call_module":
        return f"{node.name} = {_attr_path(node.target)}({args})"
    if node.op == "call_method":
        rest = ", ".join([_fmt_code(x) for x in a[1:]] + ([kw] if kw else []))
        return f"{node.name} = {_fmt_code(a[0])}.{node.target}({rest})"
    fn = node.target
    if fn in _BINARY and len(a) == 2 and not k:
        return f"{node.name} = {_fmt_code(a[0])} {_BINARY[fn]} {_fmt_code(a[1])}"
    if fn in _UNARY and len(a) == 1 and not k:
        return f"{node.name} = {_UNARY[fn]}{_fmt_code(a[0])}"
    if fn is operator.getitem and len(a) == 2:
        return f"{node.name} = {_fmt_code(a[0])}[{_fmt_code(a[1])}]"
    if fn is builtins.getattr and len(a) == 2 and isinstance(a[1], str) and a[1].isidentifier():
        return f"{node.name} = {_fmt_code(a[0])}.{a[1]}"
    return f"{node.name} = {CODE_NAMES.get(fn) or qualified_name(fn)}({args})"
