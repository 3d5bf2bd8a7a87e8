"""The diagram model: nodes, edges and what they look like, independent of any renderer.

A *diagram* is just nodes and edges.  Each node has an id, a label, a *kind* (what it is: a
placeholder, a variable, an op, a gradient op, a tensor on the eager tape, ...) and an optional
*highlight* (what happened to it: ``"ran"``, ``"not run"``, ``"fed"``, ``"fetched"``,
``"gradient"``, ``"removed"``, ``"added"``, ``"freed"``).  The kind picks the shape and fill
colour, the highlight the border, so one picture can say both "this is a Variable" and "this run
did not touch it".  A node may also carry a ``scope`` (a name scope such as
``gradients/MatMul_grad``): :func:`collapse_scopes` folds each scope into one node, as
TensorBoard does, so a large graph reads as a few blocks.

This module holds only data and pure transformations; the DOT writer and the drawing live in
``render.py`` and the layered layout in ``layout.py``.  Transformations build their result with
``type(diagram)``, so the renderable :class:`dlcore.viz.Diagram` stays renderable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Self, TypeVar, overload

#: kind -> (shape, fill colour).  Shapes: "box", "round" (rounded box), "ellipse", "octagon".
KIND_STYLES: dict[str, tuple[str, str]] = {
    "op": ("box", "#ffffff"), "constant": ("box", "#e5e7eb"), "fused": ("box", "#cffafe"),
    "placeholder": ("ellipse", "#dbeafe"), "input": ("ellipse", "#dbeafe"),
    "tensor": ("ellipse", "#dbeafe"), "output": ("ellipse", "#dcfce7"),
    "variable": ("round", "#fde68a"), "parameter": ("round", "#fde68a"),
    "accumulate": ("round", "#fef3c7"),
    "gradient": ("box", "#ede9fe"), "grad_fn": ("box", "#ede9fe"),
    "control": ("octagon", "#f3f4f6"), "control_flow": ("octagon", "#fce7f3"),
    "scope": ("round", "#f1f5f9"),
}
#: highlight -> (border colour, border width, dashed, text colour, legend text).
HIGHLIGHTS: dict[str, tuple[str, float, bool, str, str]] = {
    "ran": ("#16a34a", 2.5, False, "#000000", "green border: ran"),
    "not run": ("#9ca3af", 1.0, True, "#9ca3af", "grey dashed: not run"),
    "fed": ("#2563eb", 2.5, False, "#000000", "blue border: fed (value from feed_dict)"),
    "fetched": ("#000000", 3.0, False, "#000000", "thick black border: fetched"),
    "gradient": ("#7c3aed", 2.5, False, "#000000", "purple border: gradient"),
    "removed": ("#dc2626", 1.5, True, "#dc2626", "red dashed: removed by a pass"),
    "added": ("#0891b2", 2.5, False, "#000000", "cyan border: added by a pass"),
    "taken": ("#16a34a", 2.5, False, "#000000", "green border: branch taken"),
    "freed": ("#9ca3af", 1.0, True, "#9ca3af", "grey dashed: saved tensors freed"),
}
#: edge kind -> (colour, dashed).
EDGE_STYLES: dict[str, tuple[str, bool]] = {
    "data": ("#374151", False), "control": ("#6b7280", True),
    "gradient": ("#7c3aed", False), "ref": ("#b45309", True),
}
DEFAULT_HIGHLIGHT = ("#ea580c", 2.5, False, "#000000", "")
#: which highlight wins when several nodes fold into one (higher wins).
HIGHLIGHT_RANK = {None: 0, "not run": 1, "freed": 1, "removed": 1, "ran": 2, "taken": 2,
                  "added": 2, "gradient": 3, "fed": 4, "fetched": 5}


@dataclass
class Node:
    """One box in the picture."""
    id: str
    label: str
    kind: str = "op"
    highlight: str | None = None
    group: str | None = None      # nodes with the same group are drawn inside one frame
    tooltip: str = ""
    scope: str | None = None      # name scope ("a/b"); collapse_scopes folds it into one node


@dataclass
class Edge:
    """An arrow from ``src`` to ``dst`` (data flows along it)."""
    src: str
    dst: str
    label: str = ""
    kind: str = "data"


class DiagramModel:
    """Nodes and edges with a title; :class:`dlcore.viz.Diagram` adds the renderers."""

    def __init__(self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (), *,
                 title: str = "", rankdir: str = "TB", legend: bool = True,
                 format: str | None = None):
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.title, self.rankdir, self.legend = title, rankdir, legend
        self.format = format
        for n in nodes:
            self.add_node(n)
        for e in edges:
            self.add_edge(e)

    def add_node(self, node: Node | str, label: str | None = None, **kw) -> Node:
        if not isinstance(node, Node):
            node = Node(str(node), label if label is not None else str(node), **kw)
        self.nodes[node.id] = node
        return node

    def add_edge(self, edge: Edge | str, dst: str | None = None, **kw) -> Edge:
        if not isinstance(edge, Edge):
            edge = Edge(str(edge), str(dst), **kw)
        for end in (edge.src, edge.dst):
            if end not in self.nodes:
                raise KeyError(f"dlcore.viz: edge {edge.src!r} -> {edge.dst!r} names an unknown "
                               f"node {end!r}")
        self.edges.append(edge)
        return edge

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.title!r}: {len(self.nodes)} nodes, " \
               f"{len(self.edges)} edges>"

    def legend_items(self) -> list[tuple[str, str]]:
        """(highlight, legend text) for every highlight used, sorted."""
        used = sorted({n.highlight for n in self.nodes.values() if n.highlight})
        return [(h, HIGHLIGHTS.get(h, DEFAULT_HIGHLIGHT)[4] or h) for h in used]

    def _empty_like(self, title: str | None = None) -> Self:
        return type(self)(title=self.title if title is None else title, rankdir=self.rankdir,
                          legend=self.legend, format=self.format)


_D = TypeVar("_D", bound="DiagramModel")


@overload
def side_by_side(*, titles: Sequence[str] | None = None, title: str = "") -> DiagramModel: ...


@overload
def side_by_side(first: _D, /, *diagrams: DiagramModel, titles: Sequence[str] | None = None,
                 title: str = "") -> _D: ...     # a copy of the first panel's class (a Diagram)


def side_by_side(*diagrams: DiagramModel, titles: Sequence[str] | None = None,
                 title: str = "") -> DiagramModel:
    """One diagram holding several, each in its own frame (e.g. a graph before and after a pass).
    Node ids are prefixed with the panel number so they cannot clash."""
    if not diagrams:
        return DiagramModel(title=title)
    out = diagrams[0]._empty_like(title)
    for i, d in enumerate(diagrams):
        name = titles[i] if titles else f"{d.title or 'panel'} ({i + 1})"   # one frame each
        for n in d.nodes.values():
            out.add_node(Node(f"{i}:{n.id}", n.label, n.kind, n.highlight, name, n.tooltip,
                              n.scope))
        for e in d.edges:
            out.add_edge(Edge(f"{i}:{e.src}", f"{i}:{e.dst}", e.label, e.kind))
    return out


def _collapsed_scope(scope: str | None, expand: frozenset | Literal[True]) -> str | None:
    """The scope a node folds into: its first scope prefix that is not expanded, else None."""
    if not scope or expand is True:
        return None
    parts = scope.split("/")
    for k in range(1, len(parts) + 1):
        prefix = "/".join(parts[:k])
        if prefix not in expand:
            return prefix
    return None


def collapse_scopes(d: _D, expand: Iterable[str] | bool = (), *, min_members: int = 2) -> _D:
    """Fold every name scope into one node, as TensorBoard does.

    A node with ``scope="gradients/MatMul_grad"`` goes into the node ``gradients`` unless
    ``"gradients"`` is in ``expand``; then into ``gradients/MatMul_grad`` unless that is expanded
    too.  ``expand=True`` expands everything (returns an equal copy).  A scope with fewer than
    ``min_members`` nodes is left as it is (a block of one says less than the node).  The folded
    node is labelled with the scope's last part and how many ops it holds, takes the strongest
    highlight of its members (fetched > fed > gradient > ran > not run) and the kind most of them
    have ("scope" when no kind is a majority); edges between folded nodes are merged and
    self-loops dropped.
    """
    # expand=False expands nothing, as ()
    exp: frozenset | Literal[True] = True if expand is True else frozenset(expand or ())
    target = {v: _collapsed_scope(n.scope, exp) for v, n in d.nodes.items()}
    members: dict[str, list[Node]] = {}
    for v, s in target.items():
        if s is not None:
            members.setdefault(s, []).append(d.nodes[v])
    for s, ms in list(members.items()):
        if len(ms) < min_members:
            for n in ms:
                target[n.id] = None
            del members[s]
    out = d._empty_like()
    ids: dict[str, str] = {}
    for v, n in d.nodes.items():
        s = target[v]
        if s is None:
            ids[v] = v
            out.add_node(Node(n.id, n.label, n.kind, n.highlight, n.group, n.tooltip, n.scope))
            continue
        ids[v] = f"scope:{s}"
        if ids[v] in out.nodes:
            continue
        ms = members[s]
        kinds = Counter(m.kind for m in ms).most_common()
        best = max((m.highlight for m in ms), key=lambda h: HIGHLIGHT_RANK.get(h, 2))
        groups = {m.group for m in ms}
        label = f"{s.rsplit('/', 1)[-1]}\n[{len(ms)} ops]"
        tip = f"name scope {s}: " + ", ".join(m.id for m in ms[:12]) + \
            (" ..." if len(ms) > 12 else "")
        parent = s.rsplit("/", 1)[0] if "/" in s else None
        kind = kinds[0][0] if kinds[0][1] * 2 > len(ms) else "scope"
        out.add_node(Node(ids[v], label, kind, best,
                          groups.pop() if len(groups) == 1 else None, tip, parent))
    seen: set = set()
    for e in d.edges:
        a, b = ids[e.src], ids[e.dst]
        merged = a != e.src or b != e.dst
        if merged and (a == b or (a, b, e.kind) in seen):
            continue
        seen.add((a, b, e.kind))
        out.add_edge(Edge(a, b, "" if merged else e.label, e.kind))
    return out
