"""The front ends' picture adapters: dlcore_static.viz (graphs, gradient graphs, what a run
executes, before/after) and dlcore_eager.viz (the autograd tape).  Pictures are checked through
their Diagram (nodes, kinds, highlights, edges), plus one fallback render each."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("dlcore_static")
torch = pytest.importorskip("dlcore_eager")
sviz = pytest.importorskip("dlcore_static.viz")
eviz = pytest.importorskip("dlcore_eager.viz")


@pytest.fixture
def seed_graph():
    """The seed notes' Variable program, with names so nodes are easy to find."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, shape=(4, 6), name="x")
        y = tf.placeholder(tf.float32, shape=(4, 6), name="y")
        w1 = tf.Variable(tf.random_normal((6, 3)), name="w1")
        w2 = tf.Variable(tf.random_normal((3, 6)), name="w2")
        h = tf.maximum(tf.matmul(x, w1), 0)
        diff = tf.matmul(h, w2) - y
        loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
        g1, g2 = tf.gradients(loss, [w1, w2])
        new_w1 = w1.assign(w1 - 1e-3 * g1)
        new_w2 = w2.assign(w2 - 1e-3 * g2)
        updates = tf.group(new_w1, new_w2)
        init = tf.global_variables_initializer()
    feed = {x: np.ones((4, 6), np.float32), y: np.zeros((4, 6), np.float32)}
    return {"g": g, "x": x, "y": y, "w1": w1, "w2": w2, "h": h, "loss": loss,
            "grads": [g1, g2], "new_w1": new_w1, "updates": updates, "init": init, "feed": feed}


def test_draw_graph_shows_what_the_fetch_needs(seed_graph):
    d = sviz.draw_graph(fetches=seed_graph["loss"])
    kinds = {n.id: n.kind for n in d.nodes.values()}
    assert kinds["x"] == "placeholder" and kinds["w1"] == "variable"
    assert not any(k == "gradient" for k in kinds.values())        # gradients not needed
    assert not any(n.startswith("Assign") for n in kinds)             # updates not needed
    assert ("x", "MatMul") in {(e.src, e.dst) for e in d.edges}
    assert ("w1", "MatMul") in {(e.src, e.dst) for e in d.edges}     # read drawn as variable


def test_variable_initialisers_are_hidden_unless_asked(seed_graph):
    g = seed_graph["g"]
    plain = sviz.graph_diagram(graph=g)
    full = sviz.graph_diagram(graph=g, initializers=True)
    assert len(full.nodes) > len(plain.nodes)
    assert "init" not in plain.nodes and "init" in full.nodes


def test_draw_gradients_adds_purple_nodes(seed_graph):
    fwd = sviz.draw_graph(fetches=seed_graph["loss"])
    d = sviz.draw_gradients(seed_graph["loss"], grads=seed_graph["grads"])
    grad_nodes = [n for n in d.nodes.values() if n.kind == "gradient"]
    assert len(d.nodes) > len(fwd.nodes) and grad_nodes
    marked = [n for n in d.nodes.values() if n.highlight == "gradient"]
    assert {n.id for n in marked} == {t.op.name for t in seed_graph["grads"]}


def test_unfetched_assign_does_not_run(seed_graph):
    d = sviz.draw_run([seed_graph["loss"]], feed_dict=seed_graph["feed"])
    assigns = [n for n in d.nodes.values() if n.id.startswith("Assign")]
    assert assigns and all(n.highlight == "not run" for n in assigns)
    assert d.nodes["x"].highlight == "fed" and d.nodes["MatMul"].highlight == "ran"
    names = {op.name for op in sviz.executed_ops([seed_graph["loss"]], seed_graph["feed"])}
    assert not any(n.startswith("Assign") for n in names)


def test_grouped_updates_run(seed_graph):
    d = sviz.draw_run([seed_graph["loss"], seed_graph["updates"]],
                      feed_dict=seed_graph["feed"])
    assigns = [n for n in d.nodes.values() if n.id.startswith("Assign")]
    assert assigns and all(n.highlight == "ran" for n in assigns)
    assert d.nodes[seed_graph["updates"].name].highlight == "fetched"
    assert any(e.kind == "control" for e in d.edges)


def test_feeding_an_intermediate_skips_its_producers(seed_graph):
    h = seed_graph["h"]
    ops = {op.name for op in sviz.executed_ops(h * 2.0, {h: np.ones((4, 3), np.float32)})}
    assert "MatMul" not in ops and "x" not in ops


def test_draw_run_with_run_metadata_marks_the_cond_branch_taken():
    g = tf.Graph()
    with g.as_default():
        z = tf.placeholder(tf.float32, shape=(), name="z")
        a = tf.placeholder(tf.float32, shape=(2,), name="a")
        out = tf.cond(tf.less(z, 0), lambda: a * 2.0, lambda: a + 1.0)
        with tf.Session() as sess:
            md = tf.RunMetadata()
            feed = {z: 5.0, a: np.ones(2, np.float32)}
            np.testing.assert_allclose(sess.run(out, feed_dict=feed, run_metadata=md), [2, 2])
    d = sviz.draw_run(out, feed_dict=feed, run_metadata=md)
    branch = {n.group: n.highlight for n in d.nodes.values() if n.group}
    groups = sorted(branch)
    assert len(groups) == 2
    true_nodes = [n for n in d.nodes.values() if n.group and n.group.endswith("true")]
    false_nodes = [n for n in d.nodes.values() if n.group and n.group.endswith("false")]
    assert all(n.highlight == "not run" for n in true_nodes)
    assert all(n.highlight == "ran" for n in false_nodes)
    # step_stats times on the nodes that computed; the branch output's Identity is an alias
    # (not copied at run time), shown as ran but without a time
    computed = [n for n in false_nodes if "Identity" not in n.label]
    assert computed and len(computed) < len(false_nodes)
    assert all(n.label.endswith(" ms") for n in computed)
    assert not any(n.label.endswith(" ms") for n in true_nodes)
    assert "subgraph cluster_" in d.to_dot()


def test_draw_passes_and_render(seed_graph, tmp_path):
    before = sviz.graph_diagram(graph=seed_graph["g"])
    after = sviz.graph_diagram(graph=seed_graph["g"], ops=sviz.ancestors(seed_graph["loss"]))
    both = sviz.draw_passes(before, after)
    assert len(both.nodes) == len(before.nodes) + len(after.nodes)
    both.save(tmp_path / "p.png", engine="matplotlib")
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_tape_of_the_seed_program():
    x = torch.randn(4, 5)
    w1 = torch.randn(5, 3, requires_grad=True)
    w2 = torch.randn(3, 2, requires_grad=True)
    loss = (x.mm(w1).clamp(min=0).mm(w2) - torch.randn(4, 2)).pow(2).sum()
    d = eviz.tape_diagram(loss, params={"w1": w1, "w2": w2})
    leaves = [n for n in d.nodes.values() if n.kind == "parameter"]
    assert sorted(n.label.split("\n")[0] for n in leaves) == ["w1", "w2"]
    assert any(n.label.startswith("Sum") for n in d.nodes.values())
    assert eviz.tape_size(loss) == len(d.nodes) - 1               # minus the root tensor
    # every edge points from inputs towards the loss
    root = next(n.id for n in d.nodes.values() if n.kind == "output")
    assert any(e.dst == root for e in d.edges) and not any(e.src == root for e in d.edges)


def test_tape_shows_saved_tensors_freed_after_backward():
    w = torch.randn(3, 3, requires_grad=True)
    loss = (w * w).sum()
    before = eviz.tape_diagram(loss, saved=True)
    assert any("saved: (3, 3)" in n.label for n in before.nodes.values())
    loss.backward()
    after = eviz.tape_diagram(loss, saved=True)
    freed = [n for n in after.nodes.values() if "freed" in n.label]
    assert freed and all(n.highlight == "freed" for n in freed)


def test_tensor_without_tape_and_custom_function():
    d = eviz.tape_diagram(torch.randn(2))
    assert len(d.nodes) == 1 and "nothing recorded" in next(iter(d.nodes.values())).label

    class Double(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    a = torch.randn(3, requires_grad=True)
    d = eviz.draw_tape(Double.apply(a).sum())
    assert any("Double" in n.label for n in d.nodes.values())
    assert d.render("png", engine="matplotlib")[:4] == b"\x89PNG"


def test_compiler_passes_before_and_after():
    compiler = pytest.importorskip("dlcore_static.compiler")
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, shape=(4, 3), name="x")
        w = tf.Variable(np.ones((3, 2), np.float32), name="w")
        loss = tf.reduce_sum((tf.matmul(x, w) - 1.0) ** 2)
        init = tf.global_variables_initializer()
    feed = {x: np.ones((4, 3), np.float32)}
    sess = tf.Session(graph=g, passes="all")
    sess.run(init)
    assert sess.run(loss, feed_dict=feed) == pytest.approx(32.0)
    d = sviz.draw_compiler_passes(sess, loss, feed)
    stages = list(compiler.explain(sess, loss, feed).programs)
    groups = {n.group for n in d.nodes.values()}
    assert {gr.split(" (")[0] for gr in groups} == {stages[0], stages[-1]}
    assert any(n.kind == "fused" and n.highlight == "added" for n in d.nodes.values())
    plain = tf.Session(graph=g, passes=())
    plain.run(init)
    with pytest.raises(ValueError, match="passes"):
        sviz.draw_compiler_passes(plain, loss, feed)


def test_tape_flags_saved_tensors_modified_in_place():
    a = torch.randn(3, requires_grad=True)
    b = a.exp()                      # ExpBackward saves its output b
    c = b * 3                        # MulBackward saves b too
    b.mul_(2)                        # b is now at version 1
    d = eviz.tape_diagram(c.sum(), saved=True)
    stale = {n.label.split("\n")[0] for n in d.nodes.values() if n.highlight == eviz.STALE}
    assert stale == {"ExpBackward0", "MulBackward0"}
    assert any("v0->v1" in n.label for n in d.nodes.values())
    with pytest.raises(RuntimeError, match="inplace"):
        c.sum().backward()


def test_large_gradient_graph_folds_name_scopes(seed_graph):
    loss, grads = seed_graph["loss"], seed_graph["grads"]
    full = sviz.draw_gradients(loss, grads=grads, collapse=False)
    folded = sviz.draw_gradients(loss, grads=grads, collapse=True, expand=())
    scoped = {v for v, n in full.nodes.items() if n.scope == "gradients"}
    assert len(scoped) > 10
    block = folded.nodes["scope:gradients"]
    assert block.label == f"gradients\n[{len(scoped)} ops]"
    assert block.kind == "gradient" and block.highlight == "gradient"   # holds the results
    assert not scoped & set(folded.nodes)
    assert ("sub", "scope:gradients") in {(e.src, e.dst) for e in folded.edges}
    auto = sviz.graph_diagram(graph=seed_graph["g"])          # over AUTO_COLLAPSE: folded
    assert len(sviz.graph_diagram(graph=seed_graph["g"], collapse=False).nodes) > \
        sviz.AUTO_COLLAPSE >= len(auto.nodes)
    assert "scope:gradients" in auto.nodes


def _private_reads(path) -> list[str]:
    """``obj._name`` attribute reads on anything but ``self`` in a module."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.name}:{n.lineno} .{n.attr}" for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr.startswith("_")
            and not n.attr.startswith("__")
            and not (isinstance(n.value, ast.Name) and n.value.id in ("self", "cls"))]


def test_picture_adapters_read_only_public_accessors():
    from pathlib import Path

    root = Path(sviz.__file__).resolve().parents[1]
    bad = _private_reads(root / "dlcore_static" / "viz.py")
    bad += _private_reads(root / "dlcore_eager" / "viz.py")
    assert not bad, bad


def test_no_kernel_core_module_imports_the_pictures():
    import ast
    from pathlib import Path

    core = Path(sviz.__file__).resolve().parents[1] / "dlcore"
    bad = []
    for path in core.rglob("*.py"):
        if "viz" in path.relative_to(core).parts:
            continue
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in n.names] if isinstance(n, ast.Import) else \
                [f"{n.module}.{a.name}" for a in n.names] if isinstance(n, ast.ImportFrom) and \
                n.module else []
            if isinstance(n, ast.ImportFrom) and n.level and (n.module or "").startswith("viz"):
                names.append("dlcore.viz")
            bad += [f"{path.name}: {m}" for m in names if m.startswith("dlcore.viz")]
    assert not bad, bad
