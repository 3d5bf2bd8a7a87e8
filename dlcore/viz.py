"""Pictures of computational graphs, for any front end.

A *diagram* is just nodes and edges.  Each node has an id, a label, a *kind* (what it is: a
placeholder, a variable, an op, a gradient op, a tensor on the eager tape, ...) and an optional
*highlight* (what happened to it: ``"ran"``, ``"not run"``, ``"fed"``, ``"fetched"``,
``"gradient"``, ``"removed"``, ``"added"``, ``"freed"``).  The kind picks the shape and fill
colour, the highlight the border, so one picture can say both "this is a Variable" and "this run
did not touch it".

The front ends only translate their own structures into a :class:`Diagram`
(``dlcore_static.viz`` for a tf-style Graph, ``dlcore_eager.viz`` for an autograd tape); the
drawing lives here and knows nothing about Sessions or Tensors.

Two renderers:

* **Graphviz**: :meth:`Diagram.to_dot` writes DOT source.  When the ``dot`` program is installed
  (``shutil.which('dot')``) it is used to make SVG or PNG.
* **A fallback with no system binary**: a classic layered ("Sugiyama") drawing made with
  matplotlib.  :func:`layered_layout` puts every node in a layer by the *longest path* from a
  source (so every edge points down), adds invisible dummy nodes where an edge skips layers, then
  orders each layer by the *barycentre* (mean position) of its neighbours in the layer above and
  below, sweeping down and up a few times and keeping the order with the fewest edge crossings.

In Jupyter a Diagram displays itself (``_repr_svg_`` / ``_repr_png_``).  Set the environment
variable ``DLCORE_VIZ_ENGINE`` to ``dot`` or ``matplotlib`` to force a renderer, and
``DLCORE_VIZ_FORMAT`` to ``png`` to show PNG instead of SVG.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

# ----------------------------------------------------------------------------- styles
#: kind -> (shape, fill colour).  Shapes: "box", "round" (rounded box), "ellipse", "octagon".
KIND_STYLES: dict[str, tuple[str, str]] = {
    "op": ("box", "#ffffff"), "constant": ("box", "#e5e7eb"), "fused": ("box", "#cffafe"),
    "placeholder": ("ellipse", "#dbeafe"), "input": ("ellipse", "#dbeafe"),
    "tensor": ("ellipse", "#dbeafe"), "output": ("ellipse", "#dcfce7"),
    "variable": ("round", "#fde68a"), "parameter": ("round", "#fde68a"),
    "accumulate": ("round", "#fef3c7"),
    "gradient": ("box", "#ede9fe"), "grad_fn": ("box", "#ede9fe"),
    "control": ("octagon", "#f3f4f6"), "control_flow": ("octagon", "#fce7f3"),
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
_DEFAULT_HIGHLIGHT = ("#ea580c", 2.5, False, "#000000", "")


@dataclass
class Node:
    """One box in the picture."""
    id: str
    label: str
    kind: str = "op"
    highlight: str | None = None
    group: str | None = None      # nodes with the same group are drawn inside one frame
    tooltip: str = ""


@dataclass
class Edge:
    """An arrow from ``src`` to ``dst`` (data flows along it)."""
    src: str
    dst: str
    label: str = ""
    kind: str = "data"


def have_dot() -> bool:
    return shutil.which("dot") is not None            # Graphviz's dot is on the PATH


# ----------------------------------------------------------------------------- layout
@dataclass
class Layout:
    """:func:`layered_layout`'s result: ``layer[v]`` (0 = top); ``order[i]``, layer ``i`` left
    to right with dummies ``('dummy', edge_index, step)``; ``x[v]`` for nodes and dummies;
    ``paths[i]``, the nodes and dummies edge ``i`` passes through, source first."""
    layer: dict
    order: list
    x: dict
    paths: list
    crossings: int


def longest_path_layers(nodes: Sequence[Hashable], edges: Sequence[tuple]) -> dict:
    """Layer of each node: one more than its deepest predecessor.  A source (an input, a
    variable) sits just above its first consumer rather than at the very top, which keeps the
    edges from inputs such as ``w2`` short.  A cycle is broken at its node with the fewest
    unplaced predecessors (its edges then point upwards)."""
    preds: dict = {v: [] for v in nodes}
    succ: dict = {v: [] for v in nodes}
    for a, b in edges:
        if a != b:
            preds[b].append(a)
            succ[a].append(b)
    indeg = {v: len(preds[v]) for v in nodes}
    layer: dict = {}
    ready = [v for v in nodes if indeg[v] == 0]
    while len(layer) < len(nodes):
        if not ready:                                  # only cycles left: break one
            ready = [min((v for v in nodes if v not in layer), key=lambda v: indeg[v])]
        v = ready.pop()
        if v in layer:
            continue
        layer[v] = max((layer[p] + 1 for p in preds[v] if p in layer), default=0)
        for w in succ[v]:
            indeg[w] -= 1
            if indeg[w] == 0 and w not in layer:
                ready.append(w)
    for v in nodes:
        if not preds[v] and succ[v]:
            layer[v] = min(layer[w] for w in succ[v]) - 1
    return layer


def count_crossings(order: Sequence[Sequence], links: Iterable[tuple]) -> int:
    """Number of pairs of edges between adjacent layers that cross."""
    pos = {v: i for lay in order for i, v in enumerate(lay)}
    level = {v: li for li, lay in enumerate(order) for v in lay}
    by_level: dict = {}
    for a, b in links:
        if level[a] > level[b]:
            a, b = b, a
        by_level.setdefault(level[a], []).append((pos[a], pos[b]))
    return sum((a1 - a2) * (b1 - b2) < 0 for segs in by_level.values()
               for (a1, b1), (a2, b2) in combinations(segs, 2))


def layered_layout(nodes: Sequence[Hashable], edges: Sequence[tuple], *,
                   widths: dict | None = None, gap: float = 0.3, sweeps: int = 8,
                   groups: dict | None = None) -> Layout:
    """Longest-path layering, dummy nodes, barycentre ordering and x coordinates.
    ``widths[v]`` is each node's width (default 1); ``gap`` the space between neighbours;
    ``groups[v]`` a group name: members of a group are kept side by side in each layer.
    """
    nodes, groups = list(dict.fromkeys(nodes)), groups or {}
    layer = longest_path_layers(nodes, edges)
    nlayers = max(layer.values(), default=-1) + 1
    order: list[list] = [[] for _ in range(nlayers)]
    for v in nodes:                               # insertion order is the first guess
        order[layer[v]].append(v)
    paths: list[list] = []
    links: list[tuple] = []                        # edges between adjacent layers only
    for i, (a, b) in enumerate(edges):
        if a == b:
            paths.append([a, b])
            continue
        up = layer[a] > layer[b]
        s, t = (b, a) if up else (a, b)
        path = [s]
        for step, li in enumerate(range(layer[s] + 1, layer[t])):
            d = ("dummy", i, step)
            order[li].append(d)
            path.append(d)
        path.append(t)
        links.extend(pairwise(path))
        paths.append(path[::-1] if up else path)

    up_n: dict = {}
    down_n: dict = {}                              # neighbours in the layer above / below
    for a, b in links:
        down_n.setdefault(a, []).append(b)
        up_n.setdefault(b, []).append(a)

    def cluster(row: list, key: dict) -> list:
        """Sort a layer by ``key``, keeping the members of a group next to each other."""
        keys: dict = {}
        for v in row:
            keys.setdefault(groups.get(v), []).append(key[v])
        mean = {g: sum(k) / len(k) for g, k in keys.items()}
        return sorted(row, key=lambda v: (key[v] if groups.get(v) is None else mean[groups[v]],
                                          str(groups.get(v)), key[v]))

    order = [cluster(row, {v: i for i, v in enumerate(row)}) for row in order]

    def sweep(cur: list[list], downward: bool) -> list[list]:
        new = [list(lay) for lay in cur]
        rng = range(1, nlayers) if downward else range(nlayers - 2, -1, -1)
        for li in rng:
            ref = new[li - 1] if downward else new[li + 1]
            pos = {v: i for i, v in enumerate(ref)}
            nbrs = up_n if downward else down_n
            key = {}
            for i, v in enumerate(new[li]):
                ps = [pos[u] for u in nbrs.get(v, ()) if u in pos]
                key[v] = sum(ps) / len(ps) if ps else float(i)
            new[li] = cluster(new[li], key)
        return new

    best, best_c = order, count_crossings(order, links)
    cur = order
    for k in range(sweeps):
        if best_c == 0:
            break
        cur = sweep(cur, downward=(k % 2 == 0))
        c = count_crossings(cur, links)
        if c < best_c:
            best, best_c = cur, c
    x = _place_x(best, up_n, down_n, widths or {}, gap)
    if groups:
        _separate_groups(best, x, groups, widths or {}, gap)
    return Layout(layer=layer, order=best, x=x, paths=paths, crossings=best_c)


def _place_x(order: list[list], up_n: dict, down_n: dict, widths: dict, gap: float) -> dict:
    """Horizontal coordinates: packed left to right, then pulled towards neighbours' centres
    while keeping each layer's order and the minimum spacing."""
    def w(v):
        return 0.05 if isinstance(v, tuple) and v[:1] == ("dummy",) else widths.get(v, 1.0)

    x: dict = {}
    for lay in order:
        cx = 0.0
        for i, v in enumerate(lay):
            cx += (w(lay[i - 1]) + w(v)) / 2 + gap if i else 0.0
            x[v] = cx
        for v in lay:
            x[v] -= cx / 2
    both = {v: up_n.get(v, []) + down_n.get(v, []) for v in x}
    for it in range(16):                  # up, down, ..., then both ways to straighten chains
        nbrs = both if it >= 12 else up_n if it % 2 == 0 else down_n
        for lay in order:
            want = [sum(x[u] for u in nbrs[v]) / len(nbrs[v]) if nbrs.get(v) else x[v]
                    for v in lay]
            # left-to-right then right-to-left passes enforce spacing around the wanted spots
            pos = list(want)
            for i in range(1, len(lay)):
                pos[i] = max(pos[i], pos[i - 1] + (w(lay[i - 1]) + w(lay[i])) / 2 + gap)
            shift = (sum(pos) - sum(want)) / max(len(pos), 1)
            pos = [p - shift for p in pos]
            for i in range(len(lay) - 2, -1, -1):
                pos[i] = min(pos[i], pos[i + 1] - (w(lay[i]) + w(lay[i + 1])) / 2 - gap)
            x.update(zip(lay, pos))
    return x


def _separate_groups(order: list, x: dict, groups: dict, widths: dict, gap: float) -> None:
    """Move groups apart (in place) so their frames do not overlap: left to right, each group
    starts right of the previous one; in its layers, nodes from its first member on shift."""
    members: dict = {}
    for v, g in groups.items():
        members.setdefault(g, []).append(v)
    edge = None
    for g in sorted(members, key=lambda g: sum(x[v] for v in members[g]) / len(members[g])):
        shift = 0.0 if edge is None else edge + 2 * gap - min(
            x[v] - widths.get(v, 1.0) / 2 for v in members[g])
        for row in order if shift > 0 else []:
            first = next((i for i, v in enumerate(row) if groups.get(v) == g), None)
            for v in row[first:] if first is not None else []:
                x[v] += shift
        edge = max(x[v] + widths.get(v, 1.0) / 2 for v in members[g])


# ----------------------------------------------------------------------------- the diagram
def _dot_quote(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class Diagram:
    """Nodes and edges, drawable as DOT, SVG or PNG, and displayable in Jupyter."""

    def __init__(self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (), *,
                 title: str = "", rankdir: str = "TB", legend: bool = True,
                 format: str | None = None):
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.title, self.rankdir, self.legend = title, rankdir, legend
        self.format = format or os.environ.get("DLCORE_VIZ_FORMAT", "svg")  # Jupyter's: svg/png
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
        return (f"<Diagram {self.title!r}: {len(self.nodes)} nodes, {len(self.edges)} edges>")

    def _legend_items(self) -> list[tuple[str, str]]:
        used = sorted({n.highlight for n in self.nodes.values() if n.highlight})
        return [(h, HIGHLIGHTS.get(h, _DEFAULT_HIGHLIGHT)[4] or h) for h in used]

    # DOT
    def to_dot(self) -> str:
        """Graphviz DOT source for this diagram."""
        lines = ["digraph G {", f"  rankdir={self.rankdir};",
                 '  node [fontname="Helvetica", fontsize=10];',
                 '  edge [fontname="Helvetica", fontsize=8];']
        label = self.title
        if self.legend and self._legend_items():
            label += ("\n" if label else "") + "   ".join(t for _, t in self._legend_items())
        if label:
            lines.append(f"  label={_dot_quote(label)}; labelloc=t;")
        groups: dict = {}
        for n in self.nodes.values():
            groups.setdefault(n.group, []).append(n)
        for gi, (g, members) in enumerate(groups.items()):
            indent = "  "
            if g is not None:
                lines.append(f"  subgraph cluster_{gi} {{")
                lines.append(f"    label={_dot_quote(g)}; style=rounded; color=\"#9ca3af\";")
                indent = "    "
            for n in members:
                lines.append(indent + f"{_dot_quote(n.id)} [{self._dot_node_attrs(n)}];")
            if g is not None:
                lines.append("  }")
        for e in self.edges:
            colour, dashed = EDGE_STYLES.get(e.kind, EDGE_STYLES["data"])
            attrs = [f'color="{colour}"'] + (["style=dashed"] if dashed else [])
            if e.label:
                attrs.append(f"label={_dot_quote(e.label)}")
            lines.append(f"  {_dot_quote(e.src)} -> {_dot_quote(e.dst)} [{', '.join(attrs)}];")
        return "\n".join(lines + ["}"]) + "\n"

    @staticmethod
    def _dot_node_attrs(n: Node) -> str:
        shape, fill = KIND_STYLES.get(n.kind, KIND_STYLES["op"])
        dshape = "box" if shape == "round" else shape
        style = ["filled"] + (["rounded"] if shape == "round" else [])
        attrs = [f"label={_dot_quote(n.label)}", f"shape={dshape}", f'fillcolor="{fill}"']
        if n.highlight:
            colour, width, dashed, text, _ = HIGHLIGHTS.get(n.highlight, _DEFAULT_HIGHLIGHT)
            attrs += [f'color="{colour}"', f"penwidth={width}", f'fontcolor="{text}"']
            if dashed:
                style.append("dashed")
        attrs.append(f'style="{",".join(style)}"')
        if n.tooltip:
            attrs.append(f"tooltip={_dot_quote(n.tooltip)}")
        return ", ".join(attrs)

    # rendering
    def render(self, fmt: str = "svg", engine: str | None = None) -> bytes:
        """The picture as bytes in ``fmt`` ('svg' or 'png'), by ``dot`` or by matplotlib."""
        if fmt not in ("svg", "png"):
            raise ValueError(f"dlcore.viz: format must be 'svg' or 'png', not {fmt!r}")
        eng = engine or os.environ.get("DLCORE_VIZ_ENGINE", "auto")
        if eng not in ("auto", "dot", "matplotlib"):
            raise ValueError(f"dlcore.viz: unknown engine {eng!r}; use dot, matplotlib or auto")
        if eng == "dot" or (eng == "auto" and have_dot()):
            proc = subprocess.run(["dot", f"-T{fmt}"], input=self.to_dot().encode(),
                                  capture_output=True, timeout=60, check=False)
            if proc.returncode == 0:
                return proc.stdout
            if engine == "dot":
                raise RuntimeError("dlcore.viz: dot failed: " + proc.stderr.decode()[-500:])
        return _draw_matplotlib(self, fmt)

    def save(self, path: str | os.PathLike, engine: str | None = None) -> None:
        """Write the picture; the format comes from the suffix (.svg, .png or .dot)."""
        ext = os.fspath(path).rsplit(".", 1)[-1].lower()
        data = self.to_dot().encode() if ext in ("dot", "gv") else self.render(ext, engine)
        with open(path, "wb") as f:
            f.write(data)

    def _repr_svg_(self) -> str | None:
        return self.render("svg").decode() if self.format == "svg" else None

    def _repr_png_(self) -> bytes | None:
        return self.render("png") if self.format == "png" else None


def side_by_side(*diagrams: Diagram, titles: Sequence[str] | None = None,
                 title: str = "") -> Diagram:
    """One diagram holding several, each in its own frame (e.g. a graph before and after a pass).
    Node ids are prefixed with the panel number so they cannot clash."""
    out = Diagram(title=title, rankdir=diagrams[0].rankdir if diagrams else "TB")
    for i, d in enumerate(diagrams):
        name = titles[i] if titles else f"{d.title or 'panel'} ({i + 1})"   # one frame each
        for n in d.nodes.values():
            out.add_node(Node(f"{i}:{n.id}", n.label, n.kind, n.highlight, name, n.tooltip))
        for e in d.edges:
            out.add_edge(Edge(f"{i}:{e.src}", f"{i}:{e.dst}", e.label, e.kind))
    return out


# ----------------------------------------------------------------------------- matplotlib
_BOXES = {"box": "square,pad=0", "round": "round,pad=0,rounding_size=0.12",
          "octagon": "round,pad=0,rounding_size=0.2"}
_CHAR_W = 0.075      # inches per character at 9 pt
_LINE_H = 0.17       # inches per text line
_LAYER_GAP = 0.55    # vertical space between layers


def _node_size(label: str) -> tuple[float, float]:
    lines = label.split("\n") or [""]
    return (max(0.7, _CHAR_W * max(len(s) for s in lines) + 0.3), _LINE_H * len(lines) + 0.2)


def _components(d: Diagram) -> list[list[str]]:
    """Weakly connected components (groups kept together), in order of first appearance."""
    parent = {v: v for v in d.nodes}

    def find(v):
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v
    for e in d.edges:
        parent[find(e.src)] = find(e.dst)
    first: dict = {}
    for v, n in d.nodes.items():
        if n.group is not None:
            parent[find(v)] = find(first.setdefault(n.group, v))
    comps: dict = {}
    for v in d.nodes:
        comps.setdefault(find(v), []).append(v)
    return list(comps.values())


def _extent(pos: dict, sizes: dict, pad: float) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) of the boxes centred at ``pos``, plus ``pad``."""
    if not pos:
        return -1.0, 1.0, -1.0, 1.0
    return (min(p[0] - sizes[v][0] / 2 for v, p in pos.items()) - pad,
            max(p[0] + sizes[v][0] / 2 for v, p in pos.items()) + pad,
            min(p[1] - sizes[v][1] / 2 for v, p in pos.items()) - pad,
            max(p[1] + sizes[v][1] / 2 for v, p in pos.items()) + pad)


def _straighten(pts: list, path: list, lay: Layout, xs: dict, widths: dict) -> list:
    """A long edge goes straight from end to end when no node is in the way, else it follows
    its dummy nodes."""
    if len(pts) <= 2:
        return pts
    x_a, x_b = xs[path[0]], xs[path[-1]]
    level = {v: li for li, row in enumerate(lay.order) for v in row}
    for j, dummy in enumerate(path[1:-1], start=1):
        x = x_a + j / (len(path) - 1) * (x_b - x_a)
        for v in lay.order[level[dummy]]:
            if not (isinstance(v, tuple) and v[:1] == ("dummy",)) and \
                    abs(xs[v] - x) < widths.get(v, 1.0) / 2 + 0.1:
                return pts
    return [pts[0], pts[-1]]


def _chaikin(pts: list, rounds: int = 3) -> list:
    """Chaikin's corner cutting: each corner becomes two points 1/4 and 3/4 along its sides."""
    for _ in range(rounds):
        new = [pts[0]]
        for (x0, y0), (x1, y1) in pairwise(pts):
            new += [(0.75 * x0 + 0.25 * x1, 0.75 * y0 + 0.25 * y1),
                    (0.25 * x0 + 0.75 * x1, 0.25 * y0 + 0.75 * y1)]
        pts = new[:1] + new[2:-1] + [pts[-1]]
    return pts


def _draw_matplotlib(d: Diagram, fmt: str) -> bytes:
    """Draw with the layered layout; each connected component is laid out on its own, left to
    right, so side-by-side panels never interleave."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Ellipse, FancyBboxPatch, Rectangle

    sizes = {v: _node_size(n.label) for v, n in d.nodes.items()}
    lr = d.rankdir.upper() == "LR"
    pos: dict = {}
    edge_pts: list = [None] * len(d.edges)
    frames: list = []
    x0 = 0.0
    index = {id(e): i for i, e in enumerate(d.edges)}
    for comp in _components(d):
        cset = set(comp)
        cedges = [e for e in d.edges if e.src in cset]
        # In LR mode layers run left to right, so a node's "width" along a layer is its height.
        widths = {v: (sizes[v][1] if lr else sizes[v][0]) for v in comp}
        lay = layered_layout(comp, [(e.src, e.dst) for e in cedges], widths=widths,
                             gap=0.25 if lr else 0.3, groups={v: d.nodes[v].group for v in comp
                                                              if d.nodes[v].group})
        step = (max((sizes[v][0] for v in comp), default=1.0) + 0.5) if lr else \
            (max((sizes[v][1] for v in comp), default=0.4) + _LAYER_GAP)
        xs = lay.x
        lo = min((xs[v] - widths.get(v, 0.05) / 2 for v in xs), default=0.0)
        hi = max((xs[v] + widths.get(v, 0.05) / 2 for v in xs), default=0.0)
        level = {v: li for li, row in enumerate(lay.order) for v in row}

        def place(v, lo=lo, step=step, x0=x0, level=level, xs=xs):
            across, along = xs[v] - lo + x0, -level[v] * step
            return (-along, -across) if lr else (across, along)
        for v in comp:
            pos[v] = place(v)
        for e, path in zip(cedges, lay.paths):
            edge_pts[index[id(e)]] = _straighten([place(p) for p in path], path, lay, xs, widths)
        frames += [(g, comp, k) for k, g in enumerate(sorted({d.nodes[v].group for v in comp}
                                                            - {None}))]
        x0 += (hi - lo) + 0.8

    bends = {("bend", i, j): p for i, pts in enumerate(edge_pts) for j, p in enumerate(pts or [])}
    xmin, xmax, ymin, ymax = _extent({**pos, **bends}, {**sizes, **dict.fromkeys(bends, (0, 0))},
                                     0.6)
    legend = d._legend_items() if d.legend else []
    ymax += (0.35 if d.title else 0) + 0.22 * (len(legend) + max((f[2] + 1 for f in frames),
                                                                 default=0))
    text_w = max([_CHAR_W * 1.2 * len(d.title)] + [_CHAR_W * len(t) for _, t in legend])
    extra = text_w + 0.4 - (xmax - xmin)                  # room for the title and legend
    xmin, xmax = (xmin - extra / 2, xmax + extra / 2) if extra > 0 else (xmin, xmax)
    width, height = xmax - xmin, ymax - ymin
    scale = min(1.0, 40.0 / max(width, height))          # keep huge graphs to a sane size
    fig = Figure(figsize=(max(width * scale, 2.0), max(height * scale, 1.0)))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(xmin, xmin + max(width, 2.0 / scale)), ylim=(ymin, ymin + max(height, 1 / scale)))
    ax.axis("off")
    fs = 9 * scale

    for g, comp, k in frames:                             # frames behind everything
        members = {v: pos[v] for v in comp if d.nodes[v].group == g}
        fx0, fx1, fy0, fy1 = _extent(members, sizes, 0.2)
        ax.add_patch(Rectangle((fx0, fy0), fx1 - fx0, fy1 - fy0, fill=False, ec="#9ca3af",
                               lw=1, ls="--", zorder=0))
        ax.text((fx0 + fx1) / 2, fy1 + 0.05 + 0.22 * k, g, ha="center", va="bottom", fontsize=fs,
                color="#4b5563", zorder=1)

    for e, pts in zip(d.edges, edge_pts):
        if not pts:
            continue
        colour, dashed = EDGE_STYLES.get(e.kind, EDGE_STYLES["data"])
        ls = "--" if dashed else "-"
        (sx, sy), (tx, ty) = pts[0], pts[-1]
        pts = list(pts)
        if lr:
            pts[0] = (sx + sizes[e.src][0] / 2, sy)
            pts[-1] = (tx - sizes[e.dst][0] / 2, ty)
        else:
            sgn = 1 if ty <= sy else -1
            pts[0] = (sx, sy - sgn * sizes[e.src][1] / 2)
            pts[-1] = (tx, ty + sgn * sizes[e.dst][1] / 2)
        if len(pts) > 2:                    # a long edge: a smooth curve through its bends
            pts = _chaikin(pts)
            ax.plot([p[0] for p in pts[:-1]], [p[1] for p in pts[:-1]], color=colour, lw=1,
                    ls=ls, zorder=1)
        ax.annotate("", xy=pts[-1], xytext=pts[-2], zorder=1,
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1, "ls": ls,
                                "shrinkA": 0, "shrinkB": 0, "mutation_scale": 10 * scale})
        if e.label:
            ax.text((pts[0][0] + pts[1][0]) / 2, (pts[0][1] + pts[1][1]) / 2, e.label,
                    fontsize=fs * 0.8, color=colour, ha="left", va="center", zorder=3)

    for v, (cx, cy) in pos.items():
        n = d.nodes[v]
        w, h = sizes[v]
        shape, fill = KIND_STYLES.get(n.kind, KIND_STYLES["op"])
        ec, lw, dashed, tc = "#374151", 1.0, False, "#000000"
        if n.highlight:
            ec, lw, dashed, tc, _ = HIGHLIGHTS.get(n.highlight, _DEFAULT_HIGHLIGHT)
        kw = {"fc": fill, "ec": ec, "lw": lw * scale, "ls": "--" if dashed else "-", "zorder": 2,
              "alpha": 0.55 if n.highlight in ("not run", "removed", "freed") else 1.0}
        ax.add_patch(Ellipse((cx, cy), w * 1.1, h * 1.15, **kw) if shape == "ellipse" else
                     FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle=_BOXES[shape], **kw))
        ax.text(cx, cy, n.label, ha="center", va="center", fontsize=fs, color=tc, zorder=3,
                family="DejaVu Sans")

    ty = ymin + max(height, 1.0 / scale) - 0.15
    if d.title:
        ax.text((xmin + xmax) / 2, ty, d.title, ha="center", va="top", fontsize=fs * 1.15,
                weight="bold")
        ty -= 0.35
    for h, label in legend:
        colour = HIGHLIGHTS.get(h, _DEFAULT_HIGHLIGHT)[0]
        ax.text(xmin + 0.2, ty, label, color=colour, fontsize=fs * 0.9, va="top")
        ty -= 0.22
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=100)
    return buf.getvalue()
