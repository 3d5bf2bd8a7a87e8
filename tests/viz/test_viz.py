"""Tests for dlcore.viz: the layered layout's properties, the DOT text, and both renderers."""

from __future__ import annotations

import random
import subprocess
import xml.etree.ElementTree as ET
from itertools import combinations, pairwise

import pytest

from dlcore import viz
from dlcore.viz import (
    Diagram,
    Edge,
    Node,
    collapse_scopes,
    count_crossings,
    layered_layout,
    longest_path_layers,
    side_by_side,
)
from dlcore.viz.layout import balance_layers


def seed_graph() -> Diagram:
    """The seed notes' two-layer network, by hand."""
    d = Diagram(title="seed")
    for name, kind in [("x", "placeholder"), ("w1", "variable"), ("w2", "variable"),
                       ("y", "placeholder")]:
        d.add_node(name, name, kind=kind)
    for name, ins in [("mm1", ["x", "w1"]), ("relu", ["mm1"]), ("mm2", ["relu", "w2"]),
                      ("sub", ["mm2", "y"]), ("loss", ["sub"])]:
        d.add_node(name, name.upper())
        for i in ins:
            d.add_edge(i, name)
    d.nodes["x"].highlight = "fed"
    d.nodes["loss"].highlight = "fetched"
    return d


def random_dag(n: int, p: float, seed: int) -> tuple[list[int], list[tuple[int, int]]]:
    rng = random.Random(seed)
    nodes = list(range(n))
    edges = [(a, b) for a in nodes for b in nodes if a < b and rng.random() < p]
    return nodes, edges


# ----------------------------------------------------------------------------- layout
@pytest.mark.parametrize("seed", range(5))
def test_every_edge_points_down_and_layers_are_contiguous(seed):
    nodes, edges = random_dag(25, 0.12, seed)
    lay = layered_layout(nodes, edges)
    for a, b in edges:
        assert lay.layer[b] > lay.layer[a]
    used = sorted(set(lay.layer.values()))
    assert used == list(range(len(used)))
    # every node is in exactly one layer row, dummies fill the skipped layers
    real = [v for row in lay.order for v in row if not isinstance(v, tuple)]
    assert sorted(real) == nodes
    for (a, b), path in zip(edges, lay.paths):
        assert path[0] == a and path[-1] == b
        assert len(path) == lay.layer[b] - lay.layer[a] + 1


def test_longest_path_puts_non_sources_one_below_their_deepest_parent():
    nodes, edges = random_dag(20, 0.2, 7)
    layer = longest_path_layers(nodes, edges)
    preds = {v: [a for a, b in edges if b == v] for v in nodes}
    for v in nodes:
        if preds[v]:
            assert layer[v] == 1 + max(layer[p] for p in preds[v])


@pytest.mark.parametrize("seed", range(4))
def test_balancing_shortens_edges_and_keeps_them_pointing_down(seed):
    nodes, edges = random_dag(30, 0.1, seed)
    first = longest_path_layers(nodes, edges)
    length = sum(first[b] - first[a] for a, b in edges)
    balanced = balance_layers(nodes, edges, dict(first))
    assert all(balanced[b] > balanced[a] for a, b in edges)
    assert sum(balanced[b] - balanced[a] for a, b in edges) <= length


def test_a_node_between_a_weight_and_a_late_consumer_moves_down():
    # w -> t -> late, with a chain a -> b -> c -> late: t goes beside late, not beside w
    edges = [("w", "t"), ("t", "late"), ("a", "b"), ("b", "c"), ("c", "late")]
    lay = layered_layout(["w", "t", "a", "b", "c", "late"], edges)
    assert lay.layer["t"] == lay.layer["late"] - 1 == lay.layer["c"]


@pytest.mark.parametrize("seed", range(6))
def test_crossing_count_matches_brute_force(seed):
    rng = random.Random(seed)
    top, bottom = [f"t{i}" for i in range(7)], [f"b{i}" for i in range(6)]
    links = {(rng.choice(top), rng.choice(bottom)) for _ in range(14)}
    pos = {v: i for row in (top, bottom) for i, v in enumerate(row)}
    brute = sum((pos[a1] - pos[a2]) * (pos[b1] - pos[b2]) < 0
                for (a1, b1), (a2, b2) in combinations(sorted(links), 2))
    assert count_crossings([top, bottom], links) == brute


def test_ordering_removes_most_crossings_of_a_shuffled_layered_graph():
    rng = random.Random(1)
    nodes = [(layer, i) for layer in range(6) for i in range(8)]
    edges = [((layer, i), (layer + 1, i)) for layer in range(5) for i in range(8)]
    shuffled = nodes[:]
    rng.shuffle(shuffled)
    lay = layered_layout(shuffled, edges)
    assert lay.crossings == 0                       # eight parallel chains untangle fully


def test_nodes_in_a_layer_do_not_overlap():
    nodes, edges = random_dag(30, 0.1, 3)
    widths = {v: 0.5 + (v % 4) * 0.4 for v in nodes}
    lay = layered_layout(nodes, edges, widths=widths, gap=0.3)
    for row in lay.order:
        real = [v for v in row if not isinstance(v, tuple)]
        for a, b in pairwise(real):
            assert lay.x[b] - lay.x[a] >= (widths[a] + widths[b]) / 2 + 0.3 - 1e-9


def test_barycentre_untangles_a_crossing():
    # Insertion order a, b over c, d with a->d and b->c crosses; the sweep must fix it.
    lay = layered_layout(["a", "b", "c", "d"], [("a", "d"), ("b", "c")])
    assert lay.crossings == 0
    links = [("a", "d"), ("b", "c")]
    assert count_crossings([["a", "b"], ["c", "d"]], links) == 1
    assert count_crossings(lay.order, links) == 0


def test_a_tree_is_drawn_without_crossings():
    nodes = list(range(15))
    edges = [((i - 1) // 2, i) for i in range(1, 15)]
    random.Random(0).shuffle(nodes)
    assert layered_layout(nodes, edges).crossings == 0


def test_cycles_and_self_loops_do_not_hang():
    lay = layered_layout(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a"), ("b", "b")])
    assert set(lay.layer) == {"a", "b", "c"}


def test_empty_graph():
    lay = layered_layout([], [])
    assert lay.order == [] and lay.crossings == 0


# ----------------------------------------------------------------------------- DOT
def test_dot_text_names_every_node_and_edge():
    d = seed_graph()
    src = d.to_dot()
    assert src.startswith("digraph G {") and src.rstrip().endswith("}")
    for n in d.nodes.values():
        assert f'"{n.id}" [label="{n.label}"' in src
    for e in d.edges:
        assert f'"{e.src}" -> "{e.dst}"' in src
    assert "fed" in src and "penwidth" in src          # highlight and legend


def test_dot_quotes_awkward_labels():
    d = Diagram()
    d.add_node('a"b', 'say "hi"\nline two')
    src = d.to_dot()
    assert r'"a\"b"' in src and r'say \"hi\"\nline two' in src


def test_edge_to_unknown_node_is_an_error():
    d = Diagram([Node("a", "a")])
    with pytest.raises(KeyError, match="unknown node 'b'"):
        d.add_edge("a", "b")


def test_side_by_side_prefixes_ids_and_makes_clusters():
    both = side_by_side(seed_graph(), seed_graph(), titles=["before", "after"])
    assert len(both.nodes) == 2 * len(seed_graph().nodes)
    src = both.to_dot()
    assert "subgraph cluster_0" in src and "subgraph cluster_1" in src
    assert '"0:x"' in src and '"1:x"' in src


@pytest.mark.skipif(not viz.have_dot(), reason="Graphviz dot is not installed")
def test_dot_renders_svg():
    svg = seed_graph().render("svg", engine="dot")
    ET.fromstring(svg)


# ----------------------------------------------------------------------------- fallback
def test_fallback_writes_a_valid_png(tmp_path):
    path = tmp_path / "g.png"
    seed_graph().save(path, engine="matplotlib")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pytest.importorskip("matplotlib")
    import matplotlib.image as mpimg
    img = mpimg.imread(path)
    assert img.shape[0] > 100 and img.shape[1] > 100
    assert img[..., :3].min() < 0.5                      # something was drawn


def test_fallback_svg_is_xml_and_shows_labels():
    d = seed_graph()
    svg = d.render("svg", engine="matplotlib").decode()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")


def test_fallback_handles_left_to_right_groups_and_edge_kinds():
    d = side_by_side(seed_graph(), seed_graph(), titles=["before", "after"])
    d.rankdir = "LR"
    d.add_node("g", "grad", kind="gradient", highlight="not run")
    d.add_edge(Edge("1:loss", "g", label="dL", kind="gradient"))
    assert d.render("png", engine="matplotlib")[:4] == b"\x89PNG"


def test_jupyter_reprs_follow_the_chosen_format():
    d = seed_graph()
    d.format = "png"
    assert d._repr_svg_() is None and d._repr_png_()[:4] == b"\x89PNG"
    d.format = "svg"
    assert d._repr_png_() is None and "<svg" in d._repr_svg_()


def test_unknown_engine_and_format_are_errors():
    with pytest.raises(ValueError, match="engine"):
        seed_graph().render("svg", engine="cairo")
    with pytest.raises(ValueError, match="format"):
        seed_graph().render("pdf")


def test_environment_variable_forces_the_fallback(monkeypatch):
    monkeypatch.setenv("DLCORE_VIZ_ENGINE", "matplotlib")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("dot was called"))
    assert seed_graph().render("png")[:4] == b"\x89PNG"


def test_groups_stay_side_by_side():
    nodes = ["a", "b", "c", "d", "e", "f"]
    edges = [("a", "d"), ("b", "e"), ("c", "f")]
    groups = {"a": "g", "c": "g", "d": "g", "f": "g"}
    lay = layered_layout(nodes, edges, groups=groups)
    for row in lay.order:
        members = [i for i, v in enumerate(row) if v in groups]
        assert members == list(range(members[0], members[0] + len(members)))


# ----------------------------------------------------------------------------- name scopes
def scoped_graph() -> Diagram:
    d = Diagram(title="scoped")
    d.add_node("x", "x", kind="placeholder")
    for name in ["dense/MatMul", "dense/Add", "gradients/dense/MatMul_grad",
                 "gradients/dense/Add_grad", "gradients/Sum_grad"]:
        d.add_node(name, name, kind="gradient" if name.startswith("grad") else "op",
                   scope=name.rsplit("/", 1)[0])
    d.add_node("loss", "loss", highlight="fetched")
    for a, b in [("x", "dense/MatMul"), ("dense/MatMul", "dense/Add"), ("dense/Add", "loss"),
                 ("loss", "gradients/Sum_grad"), ("gradients/Sum_grad", "gradients/dense/Add_grad"),
                 ("gradients/dense/Add_grad", "gradients/dense/MatMul_grad"),
                 ("dense/MatMul", "dense/Add")]:
        d.add_edge(a, b)
    d.nodes["gradients/dense/MatMul_grad"].highlight = "gradient"
    return d


def test_collapse_folds_each_top_scope_into_one_node():
    d = collapse_scopes(scoped_graph())
    assert set(d.nodes) == {"x", "loss", "scope:dense", "scope:gradients"}
    assert d.nodes["scope:dense"].label == "dense\n[2 ops]"
    assert d.nodes["scope:gradients"].kind == "gradient"          # the kind all members share
    assert d.nodes["scope:gradients"].highlight == "gradient"      # the strongest highlight
    pairs = [(e.src, e.dst) for e in d.edges]
    assert sorted(pairs) == sorted([("x", "scope:dense"), ("scope:dense", "loss"),
                                    ("loss", "scope:gradients")])  # merged, no self-loops
    assert isinstance(d, Diagram) and d.render("png", engine="matplotlib")[:4] == b"\x89PNG"


def test_expanding_a_scope_shows_its_sub_scopes_and_true_expands_all():
    d = scoped_graph().collapse_scopes(expand=["gradients"])
    assert "scope:gradients/dense" in d.nodes and "gradients/Sum_grad" in d.nodes  # a block of 1
    assert "scope:dense" in d.nodes
    full = scoped_graph().collapse_scopes(expand=True)
    assert set(full.nodes) == set(scoped_graph().nodes)
    assert len(full.edges) == len(scoped_graph().edges)


def test_expand_false_expands_nothing():
    # the annotation allows a bool; False used to reach frozenset(False) -> TypeError
    folded = scoped_graph().collapse_scopes(expand=False)
    assert set(folded.nodes) == set(collapse_scopes(scoped_graph()).nodes)
    assert "scope:gradients" in folded.nodes
