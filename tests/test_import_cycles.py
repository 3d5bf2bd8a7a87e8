"""No import cycles between the modules of dlcore, dlcore_static and dlcore_eager.

Every module is parsed with ``ast`` (nothing is imported): every ``import``/``from ... import``
statement counts, including those inside functions, relative imports are resolved against the
module's package, and ``from pkg import name`` counts as importing the submodule ``pkg.name``
when that is a module (and as importing ``pkg`` itself otherwise), and a module reached by its
literal name at call time (``importlib.import_module("m")``, ``sys.modules["m"]``) counts too.  The parent packages that
Python initialises on the way (``import a.b.c`` runs ``a/__init__``) are not counted: a package's
``__init__`` that re-exports its submodules would otherwise close a cycle with each of them.  The test fails, printing each cycle, when a strongly connected
component of the import graph has more than one module.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

# The three tests share one parse of the ~600 modules (4-5 s of CPU each when every test parsed
# them): one worker, one parse.
pytestmark = pytest.mark.xdist_group("import-graph")

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dlcore", "dlcore_static", "dlcore_eager")


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for pkg in PACKAGES:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            rel = p.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join(parts)] = p
    return mods


def _target(name: str, mods: dict) -> list[str]:
    """``name`` if it is one of our modules (else nothing)."""
    return [name] if name in mods else []


#: A module reached by its name at call time, ``importlib.import_module("pkg.mod")`` or
#: ``sys.modules["pkg.mod"]``: an import all the same (the module must be loaded and it is used),
#: hidden from the import statements.  A package's own ``__init__`` looked up this way (a
#: submodule reaching its front end's namespace, ``sys.modules["dlcore_static"]``) is not
#: counted, for the reason the parent packages are not.  ``sys.modules.get(...)`` is not an
#: import: it uses a module only if something else loaded it.
_LOOKUP = re.compile(r"""(?:import_module\(|sys\.modules\[)\s*["']([\w.]+)["']\s*[)\]]""")


def import_graph() -> dict[str, set[str]]:
    """A fresh copy of the parsed graph (a caller may change its copy)."""
    return {m: set(deps) for m, deps in _parsed_graph().items()}


#: The fields of a statement that hold statements (bodies, branches, handlers, match cases).
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(body: list) -> list[ast.AST]:
    """Every statement in ``body`` and in the statements nested in it (function and class
    bodies, branches, loops, ``with``, ``try`` and its handlers, ``match`` cases).  An import is
    a statement, and no expression holds a statement, so this finds every import that
    ``ast.walk`` finds without visiting the expressions, most of a tree's nodes: walking the
    ~600 modules took 2.0 s of CPU with ``ast.walk``, 0.1 s this way (parsing them, 4 s)."""
    out: list[ast.AST] = []
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        out.append(node)
        for field in _BODIES:
            stack.extend(reversed(getattr(node, field, None) or ()))
    return out


@functools.cache
def _parsed_graph() -> dict[str, frozenset[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        package = mod if is_pkg else mod.rpartition(".")[0]
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
        for node in _statements(tree.body):
            if isinstance(node, ast.Import):
                for a in node.names:
                    graph[mod].update(_target(a.name, mods))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    if node.level > 1:
                        base = base[:len(base) - (node.level - 1)]
                    base_name = ".".join(base)
                    src = f"{base_name}.{node.module}" if node.module else base_name
                else:
                    src = node.module or ""
                for a in node.names:
                    sub = f"{src}.{a.name}"
                    if sub in mods:
                        graph[mod].add(sub)             # from pkg import submodule
                    else:
                        graph[mod].update(_target(src, mods))   # a name defined in src
        for name in _LOOKUP.findall(text):
            if name in mods and mods[name].name != "__init__.py":
                graph[mod].add(name)            # a module reached by name at call time
        graph[mod].discard(mod)
    return {m: frozenset(deps) for m, deps in graph.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(sorted(comp))
    return out


def _a_cycle(comp: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One concrete cycle through the first module of ``comp`` (breadth-first)."""
    members = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


def test_the_checker_finds_a_cycle_and_resolves_relative_imports():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    comps = [c for c in strongly_connected(g) if len(c) > 1]
    assert comps == [["a", "b", "c"]]
    assert _a_cycle(comps[0], g) == ["a", "b", "c", "a"]
    nested = ast.parse(
        "import a\nif x:\n    import b\nelse:\n    import c\n"
        "try:\n    import d\nexcept E:\n    import e\nelse:\n    import f\nfinally:\n"
        "    import g\nfor i in y:\n    import h\nwhile z:\n    import i\n"
        "with w:\n    import j\nclass K:\n    def m(self):\n        import k\n"
        "async def n():\n    async with v:\n        from . import l\n"
        "match q:\n    case 1:\n        import m\n")
    found = [a.name for node in _statements(nested.body)
             if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names]
    assert sorted(found) == list("abcdefghijklm")
    assert _LOOKUP.findall('m = sys.modules["a.b"]; importlib.import_module("c").f; '
                           'sys.modules.get("d")') == ["a.b", "c"]
    graph = import_graph()
    # relative, function-level and "from pkg import submodule" imports are all edges
    assert "dlcore_static.graph" in graph["dlcore_static.plan"]
    assert "dlcore_static.compiler.ir" in graph["dlcore_static.compiler"]


#: Cycles that exist today and are left as debt (each listed by its members): none.  The test
#: fails on any cycle.
KNOWN: list[set[str]] = []


def test_no_import_cycles():
    graph = import_graph()
    bad = [c for c in strongly_connected(graph) if len(c) > 1
           and not any(set(c) <= known for known in KNOWN)]
    msg = "\n".join(f"{len(c)} modules: {' -> '.join(_a_cycle(c, graph))}\n  all: {c}"
                    for c in bad)
    assert not bad, "import cycles:\n" + msg


def test_the_runtime_and_the_registry_are_outside_every_cycle():
    """The modules this round untangled stay untangled: session/compiler/runner/viz in the
    static front end, the registry and its naming table, the drawing package, the op families
    (broadcast below elementwise, indexing, shape, reduce), the CUDA kernel helpers, the eager
    Tensor and its dispatch, the static argument helpers, the Keras/train modules and the CPU
    kernels' runtime settings (the parallel threshold lives in runtime, below elementwise)."""
    graph = import_graph()
    cyclic = {m for c in strongly_connected(graph) if len(c) > 1 for m in c}
    for m in ("dlcore.registry", "dlcore.api", "dlcore_static.session",
              "dlcore_static.compiler", "dlcore_static.compiler.runner", "dlcore_static.graph",
              "dlcore_static.viz", "dlcore_eager.viz",
              "dlcore.ops.broadcast", "dlcore.ops.elementwise", "dlcore.ops.indexing",
              "dlcore.ops.shape", "dlcore.ops.reduce", "dlcore.kernels.cuda._support",
              "dlcore.kernels.cuda.elementwise", "dlcore_eager.tensor", "dlcore_eager._dispatch",
              "dlcore_eager", "dlcore_eager.onnx_import", "dlcore_static.math_ops",
              "dlcore_static.math_api", "dlcore_static.array_ops", "dlcore_static.array_api",
              "dlcore_static.train", "dlcore_static.keras.engine",
              "dlcore_static.keras.callbacks", "dlcore.jitcache", "dlcore.kernels.cpu.runtime",
              "dlcore.kernels.cpu.elementwise"):
        assert m not in cyclic, m
    assert not any(m.startswith("dlcore.viz") for m in cyclic)
