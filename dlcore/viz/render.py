"""Rendering a diagram: Graphviz DOT text, and a matplotlib drawing when Graphviz is absent.

* **Graphviz**: :meth:`Diagram.to_dot` writes DOT source.  When the ``dot`` program is installed
  (``shutil.which('dot')``) it is used to make SVG or PNG.
* **A fallback with no system binary**: the layered layout of ``layout.py`` drawn with
  matplotlib (Agg, no display needed).  Each weakly connected component is laid out on its own,
  left to right, so side-by-side panels never interleave.  Text is drawn at a fixed 9 pt: the
  figure grows with the graph instead of the text shrinking, up to a cap past which a huge graph
  is scaled down (fold name scopes with :meth:`Diagram.collapse_scopes` to keep it readable).

In Jupyter a Diagram displays itself (``_repr_svg_`` / ``_repr_png_``).  Set the environment
variable ``DLCORE_VIZ_ENGINE`` to ``dot`` or ``matplotlib`` to force a renderer, and
``DLCORE_VIZ_FORMAT`` to ``png`` to show PNG instead of SVG.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

from .layout import Layout, is_dummy, layered_layout
from .model import (
    DEFAULT_HIGHLIGHT,
    EDGE_STYLES,
    HIGHLIGHTS,
    KIND_STYLES,
    DiagramModel,
    Edge,
    Node,
    collapse_scopes,
)


def have_dot() -> bool:
    """Whether Graphviz's ``dot`` is on the PATH."""
    return shutil.which("dot") is not None


def _dot_quote(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class Diagram(DiagramModel):
    """Nodes and edges (see :class:`~dlcore.viz.model.DiagramModel`), drawable as DOT, SVG or
    PNG, and displayable in Jupyter (``format``: 'svg' or 'png', default from
    ``DLCORE_VIZ_FORMAT``)."""

    def __init__(self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (), *,
                 title: str = "", rankdir: str = "TB", legend: bool = True,
                 format: str | None = None):
        super().__init__(nodes, edges, title=title, rankdir=rankdir, legend=legend,
                         format=format or os.environ.get("DLCORE_VIZ_FORMAT", "svg"))

    def collapse_scopes(self, expand: Iterable[str] | bool = (), **kw) -> Diagram:
        """This diagram with each name scope folded into one node (see
        :func:`dlcore.viz.model.collapse_scopes`); ``expand`` lists scopes to open."""
        return collapse_scopes(self, expand, **kw)

    # DOT
    def to_dot(self) -> str:
        """Graphviz DOT source for this diagram."""
        lines = ["digraph G {", f"  rankdir={self.rankdir};",
                 '  node [fontname="Helvetica", fontsize=10];',
                 '  edge [fontname="Helvetica", fontsize=8];']
        label = self.title
        if self.legend and self.legend_items():
            label += ("\n" if label else "") + "   ".join(t for _, t in self.legend_items())
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
            colour, width, dashed, text, _ = HIGHLIGHTS.get(n.highlight, DEFAULT_HIGHLIGHT)
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
            if not is_dummy(v) and abs(xs[v] - x) < widths.get(v, 1.0) / 2 + 0.1:
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
        groups = {g for v in comp if (g := d.nodes[v].group) is not None}
        frames += [(g, comp, k) for k, g in enumerate(sorted(groups))]
        x0 += (hi - lo) + 0.8

    bends = {("bend", i, j): p for i, pts in enumerate(edge_pts) for j, p in enumerate(pts or [])}
    xmin, xmax, ymin, ymax = _extent({**pos, **bends}, {**sizes, **dict.fromkeys(bends, (0, 0))},
                                     0.6)
    legend = d.legend_items() if d.legend else []
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
            ec, lw, dashed, tc, _ = HIGHLIGHTS.get(n.highlight, DEFAULT_HIGHLIGHT)
        kw: dict[str, Any] = {"fc": fill, "ec": ec, "lw": lw * scale,
                              "ls": "--" if dashed else "-", "zorder": 2,
                              "alpha": 0.55 if n.highlight in ("not run", "removed", "freed")
                              else 1.0}
        ax.add_patch(Ellipse((cx, cy), w * 1.1, h * 1.15, **kw) if shape == "ellipse" else
                     FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle=_BOXES[shape], **kw))
        ax.text(cx, cy, n.label, ha="center", va="center", fontsize=fs, color=tc, zorder=3,
                family="DejaVu Sans")

    ty = ymin + max(height, 1.0 / scale) - 0.15
    if d.title:
        ax.text((xmin + xmax) / 2, ty, d.title, ha="center", va="top", fontsize=fs * 1.15,
                weight="bold")
        ty -= 0.35
    for name, label in legend:
        colour = HIGHLIGHTS.get(name, DEFAULT_HIGHLIGHT)[0]
        ax.text(xmin + 0.2, ty, label, color=colour, fontsize=fs * 0.9, va="top")
        ty -= 0.22
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=100)
    return buf.getvalue()
