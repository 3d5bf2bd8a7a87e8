"""A layered ("Sugiyama") layout for drawing a DAG without Graphviz.

:func:`layered_layout` does the four classic steps:

1. **Layers** by the *longest path* from a source, so every edge points down; a source sits just
   above its first consumer (an input such as ``w2`` is not dragged to the top), then each node
   moves to the median of its neighbours' layers where that shortens its edges.  Cycles are
   broken at the node with the fewest unplaced predecessors.
2. **Dummy nodes** where an edge skips layers, so long edges take part in the ordering.
3. **Ordering** to cut edge crossings: sweeps down and up that sort each layer by the
   *barycentre* (mean position) of its neighbours in the layer above or below, each followed by a
   *transpose* pass that swaps neighbours while that removes crossings; the order with the
   fewest crossings seen is kept.  Crossings are counted by inversions (``O(E log E)`` per pair
   of layers), so a graph of a thousand nodes is laid out in about a second.
4. **x coordinates**: packed left to right, then pulled towards the neighbours' centres while
   keeping the order and a minimum gap (a straight chain stays straight).

Nodes may belong to *groups* (a ``cond`` branch, one panel of a before/after picture): members of
a group stay next to each other in every layer and groups are moved apart so their frames do not
overlap.
"""

from __future__ import annotations

import time
from bisect import bisect_right, insort
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise


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


def is_dummy(v) -> bool:
    return isinstance(v, tuple) and v[:1] == ("dummy",)


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


def balance_layers(nodes: Sequence[Hashable], edges: Sequence[tuple], layer: dict,
                   rounds: int = 4) -> dict:
    """Shorten long edges: move each node with both parents and children to the median of
    ``parent layer + 1`` and ``child layer - 1`` (the layer that minimises its edges' total
    length), within the range that keeps every edge pointing down; a tie goes to the children
    (a transpose is drawn beside the matmul that uses it, not beside the weight).  Layers are
    renumbered 0, 1, ... afterwards.  Edges that point up (cycles) are left alone."""
    preds: dict = {v: [] for v in nodes}
    succ: dict = {v: [] for v in nodes}
    for a, b in edges:
        if a != b and layer[a] < layer[b]:
            preds[b].append(a)
            succ[a].append(b)
    movable = [v for v in sorted(nodes, key=layer.__getitem__) if preds[v] and succ[v]]
    for _ in range(rounds):
        moved = False
        for v in movable:
            lo = max(layer[p] for p in preds[v]) + 1
            hi = min(layer[s] for s in succ[v]) - 1
            wants = sorted([layer[p] + 1 for p in preds[v]] + [layer[s] - 1 for s in succ[v]])
            best = min(max(wants[len(wants) // 2], lo), hi)
            if best != layer[v]:
                layer[v], moved = best, True
        for v in nodes:                            # sources follow their first consumer
            if not preds[v] and succ[v]:
                layer[v] = min(layer[w] for w in succ[v]) - 1
        if not moved:
            break
    renumber = {old: new for new, old in enumerate(sorted(set(layer.values())))}
    return {v: renumber[k] for v, k in layer.items()}


def _inversions(seq: list[int]) -> int:
    """Pairs i < j with seq[i] > seq[j] (insertion into a sorted list; fine for layer sizes)."""
    seen: list[int] = []
    count = 0
    for k, v in enumerate(seq):
        count += k - bisect_right(seen, v)
        insort(seen, v)
    return count


def _pair_crossings(segs: list[tuple[int, int]]) -> int:
    """Crossings among segments (top position, bottom position) between two layers: sort by
    the top end (ties by the bottom end) and count inversions of the bottom ends."""
    segs.sort()
    return _inversions([b for _, b in segs])


def count_crossings(order: Sequence[Sequence], links: Iterable[tuple]) -> int:
    """Number of pairs of edges between adjacent layers that cross."""
    pos = {v: i for lay in order for i, v in enumerate(lay)}
    level = {v: li for li, lay in enumerate(order) for v in lay}
    by_level: dict = {}
    for a, b in links:
        if level[a] > level[b]:
            a, b = b, a
        by_level.setdefault(level[a], []).append((pos[a], pos[b]))
    return sum(_pair_crossings(segs) for segs in by_level.values())


def layered_layout(nodes: Sequence[Hashable], edges: Sequence[tuple], *,
                   widths: dict | None = None, gap: float = 0.3, sweeps: int = 12,
                   groups: dict | None = None, time_budget_s: float = 2.0) -> Layout:
    """Longest-path layering, dummy nodes, barycentre ordering and x coordinates.
    ``widths[v]`` is each node's width (default 1); ``gap`` the space between neighbours;
    ``groups[v]`` a group name: members of a group are kept side by side in each layer.
    The ordering stops early after ``time_budget_s`` seconds (very large graphs).
    """
    nodes, groups = list(dict.fromkeys(nodes)), groups or {}
    layer = balance_layers(nodes, edges, longest_path_layers(nodes, edges))
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
        if not groups:
            return sorted(row, key=key.__getitem__)
        keys: dict = {}
        for v in row:
            keys.setdefault(groups.get(v), []).append(key[v])
        mean = {g: sum(k) / len(k) for g, k in keys.items()}
        return sorted(row, key=lambda v: (key[v] if groups.get(v) is None else mean[groups[v]],
                                          str(groups.get(v)), key[v]))

    order = [cluster(row, {v: i for i, v in enumerate(row)}) for row in order]

    def transpose(cur: list[list], li: int) -> None:
        """Swap neighbours in layer ``li`` while a swap removes crossings with both adjacent
        layers (members of different groups are never swapped)."""
        row = cur[li]
        above = {v: i for i, v in enumerate(cur[li - 1])} if li > 0 else {}
        below = {v: i for i, v in enumerate(cur[li + 1])} if li + 1 < nlayers else {}

        def cross(u, v) -> int:        # crossings of u's edges with v's edges, u left of v
            c = 0
            for pos, nb in ((above, up_n), (below, down_n)):
                pu = [pos[w] for w in nb.get(u, ()) if w in pos]
                pv = [pos[w] for w in nb.get(v, ()) if w in pos]
                c += sum(a > b for a in pu for b in pv)
            return c
        for _ in range(4):
            improved = False
            for i in range(len(row) - 1):
                u, v = row[i], row[i + 1]
                if groups.get(u) != groups.get(v):
                    continue
                if cross(u, v) > cross(v, u):
                    row[i], row[i + 1] = v, u
                    improved = True
            if not improved:
                break

    def sweep(cur: list[list], downward: bool) -> list[list]:
        new = [list(lay) for lay in cur]
        rng = range(1, nlayers) if downward else range(nlayers - 2, -1, -1)
        nbrs = up_n if downward else down_n
        for li in rng:
            ref = new[li - 1] if downward else new[li + 1]
            pos = {v: i for i, v in enumerate(ref)}
            key = {}
            for i, v in enumerate(new[li]):
                ps = [pos[u] for u in nbrs.get(v, ()) if u in pos]
                key[v] = sum(ps) / len(ps) if ps else float(i)
            new[li] = cluster(new[li], key)
            transpose(new, li)
        return new

    best, best_c = order, count_crossings(order, links)
    cur = order
    t_end = time.perf_counter() + time_budget_s
    for k in range(sweeps):
        if best_c == 0 or time.perf_counter() > t_end:
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
        return 0.05 if is_dummy(v) else widths.get(v, 1.0)

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
