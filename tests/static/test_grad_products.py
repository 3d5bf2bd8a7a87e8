"""``tf.gradients``' products kept as factors (``dlcore_static._grad_products``, issue 19): a
weight in several products gets one MatMul of the stacked factors, and the cotangent of a
column concatenation that meets a matmul is split as the rows of the weight it meets.  Values
against PyTorch's autograd (and its double backward), the graphs they make, and the cases that
keep the ordinary nodes: a plain MLP's gradient graph is the one it was, node for node."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

torch = pytest.importorskip("torch")

H = 4


def _params(rng, n_words=10):
    return {"E": rng.standard_normal((n_words, H)).astype(np.float32),
            "W": (rng.standard_normal((2 * H, H)) * 0.5).astype(np.float32),
            "b": rng.standard_normal((1, H)).astype(np.float32),
            "w_out": rng.standard_normal((H, 1)).astype(np.float32)}


TREES = [((1, 2), 3), (4, (5, (6, 1))), (7, 8)]
TARGETS = [[0.5], [-1.0], [0.25]]


def _tf_tree(ph, concat=None):
    concat = concat or tf.concat

    def encode(node):
        if isinstance(node, int):
            return ph["E"][node:node + 1]
        h = concat([encode(node[0]), encode(node[1])], 1)
        return tf.tanh(tf.matmul(h, ph["W"]) + ph["b"])
    roots = tf.concat([encode(t) for t in TREES], 0)
    return tf.reduce_mean(tf.square(tf.matmul(roots, ph["w_out"]) - TARGETS))


def _torch_tree(p):
    def encode(node):
        if isinstance(node, int):
            return p["E"][node:node + 1]
        h = torch.cat([encode(node[0]), encode(node[1])], 1)
        return torch.tanh(h @ p["W"] + p["b"])
    roots = torch.cat([encode(t) for t in TREES], 0)
    return ((roots @ p["w_out"] - torch.tensor(TARGETS)) ** 2).mean()


def _torch_grads(vals, names, second=False):
    p = {k: torch.tensor(v, requires_grad=True) for k, v in vals.items()}
    loss = _torch_tree(p)
    gs = torch.autograd.grad(loss, [p[k] for k in names], create_graph=second)
    if not second:
        return [g.numpy() for g in gs]
    gg = torch.autograd.grad((gs[1] ** 2).sum(), [p[k] for k in names])
    return [g.numpy() for g in gg]


NAMES = ("E", "W", "b", "w_out")


def test_a_tree_nets_gradients_are_pytorchs_with_fewer_nodes():
    vals = _params(np.random.default_rng(0))
    g = tf.Graph()
    with g.as_default():
        ph = {k: tf.placeholder(tf.float32, v.shape, name=k) for k, v in vals.items()}
        loss = _tf_tree(ph)
        first = len(g.get_operations())
        grads = tf.gradients(loss, [ph[k] for k in NAMES])
        new = g.get_operations()[first:]
        with tf.Session() as s:
            got = s.run(grads, {ph[k]: v for k, v in vals.items()})
    for a, b in zip(got, _torch_grads(vals, NAMES)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    gw = grads[1].op
    # W's six terms: one MatMul of the stacked factors (no AddN over W)
    assert gw.type == "MatMul" and gw.params == {"transpose_a": True, "transpose_b": False}
    assert [t.op.type for t in gw.inputs] == ["ConcatV2", "ConcatV2"]
    assert [len(t.op.inputs) for t in gw.inputs] == [6, 6]
    # each inner node's piece is g @ W[i:j]^T: W's two row blocks sliced once for the call
    w_rows = [op for op in new if op.type == "StridedSlice" and op.inputs[0] is ph["W"]]
    assert [op.params["idx"] for op in w_rows] == [(("slice", 0, H, None),),
                                                   (("slice", H, 2 * H, None),)]
    assert not [op for op in new if op.type == "StridedSlice" and     # no slice of a whole
                op.inputs[0].op.type == "MatMul" and ph["W"] in op.inputs[0].op.inputs]  # g @ W^T
    pieces = [op for op in new if op.type == "MatMul" and op.inputs[1].op in w_rows]
    # six inner nodes' twelve pieces: the three inner children's products, and the nine
    # leaves' as one product per row block of W (E's rows: a ScatterAdd of their two blocks)
    assert len(pieces) == 5
    leaf_blocks = [op for op in pieces if op.inputs[0].op.type == "ConcatV2"]
    assert len(leaf_blocks) == 2 and sum(len(op.inputs[0].op.inputs) for op in leaf_blocks) == 9
    ge = grads[0].op
    assert ge.type == "ScatterAdd" and ge.inputs[0].op.type == "ConcatV2"
    assert [t.op for t in ge.inputs[0].op.inputs] == leaf_blocks


def test_second_order_through_the_new_nodes_is_pytorchs():
    vals = _params(np.random.default_rng(1))
    with tf.Graph().as_default():
        ph = {k: tf.placeholder(tf.float32, v.shape, name=k) for k, v in vals.items()}
        gs = tf.gradients(_tf_tree(ph), [ph[k] for k in NAMES])
        gg = tf.gradients(tf.reduce_sum(tf.square(gs[1])), [ph[k] for k in NAMES])
        with tf.Session() as s:
            got = s.run(gg, {ph[k]: v for k, v in vals.items()})
    for a, b in zip(got, _torch_grads(vals, NAMES, second=True)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def _run_both(build_tf, build_torch, shapes, seed=2):
    rng = np.random.default_rng(seed)
    vals = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    with tf.Graph().as_default():
        ins = [tf.placeholder(tf.float32, s) for s in shapes]
        loss, xs = build_tf(*ins)
        grads = tf.gradients(loss, xs)
        with tf.Session() as s:
            got = s.run(grads, dict(zip(ins, vals)))
    tins = [torch.tensor(v, requires_grad=True) for v in vals]
    tloss, txs = build_torch(*tins)
    want = torch.autograd.grad(tloss, txs)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-6)
    return grads


def test_a_concat_used_twice_and_wanted_sums_its_products():
    # the concat's cotangent has two products and a direct term; it is also a wanted x
    def tf_build(x, h, w, v):
        c = tf.concat([x, h], 1)
        y = tf.tanh(tf.matmul(c, w)) + tf.matmul(c, v) * 0.5
        return tf.reduce_sum(y * y) + tf.reduce_sum(c * c), [x, h, w, v, c]

    def torch_build(x, h, w, v):
        c = torch.cat([x, h], 1)
        y = torch.tanh(c @ w) + (c @ v) * 0.5
        return (y * y).sum() + (c * c).sum(), [x, h, w, v, c]
    _run_both(tf_build, torch_build, [(3, 2), (3, 5), (7, 4), (7, 4)])


def test_a_weight_in_products_and_elsewhere_sums_all_its_terms():
    # W is a right factor twice, a left factor once and read elementwise
    def tf_build(a, b, w):
        y = tf.matmul(tf.tanh(tf.matmul(a, w)), w) + tf.matmul(w, b)
        return tf.reduce_sum(y * y) + tf.reduce_sum(tf.sin(w)), [a, w, b]

    def torch_build(a, b, w):
        y = torch.tanh(a @ w) @ w + w @ b
        return (y * y).sum() + torch.sin(w).sum(), [a, w, b]
    _run_both(tf_build, torch_build, [(4, 4), (4, 4), (4, 4)])


def test_rows_concat_intermediate_weight_and_device_scope_keep_their_values():
    def tf_build(x, h, u):
        w = tf.transpose(u) * 2.0                   # a computed weight: its cotangent flows on
        c0 = tf.concat([x, h], 0)                   # rows: no split
        with tf.device("/cpu:0"):
            c1 = tf.concat([x, h], 1)               # columns, under a device scope
            y = tf.matmul(c1, tf.transpose(w))
        return tf.reduce_sum(tf.matmul(c0, w) ** 2) + tf.reduce_sum(tf.tanh(y)), [x, h, u]

    def torch_build(x, h, u):
        w = u.T * 2.0
        y = torch.cat([x, h], 1) @ w.T
        return ((torch.cat([x, h], 0) @ w) ** 2).sum() + torch.tanh(y).sum(), [x, h, u]
    _run_both(tf_build, torch_build, [(3, 4), (3, 4), (8, 4)])


def test_an_overridden_concat_gradient_gets_the_whole_product():
    seen: list = []
    name = f"GradProductsConcatSpy{id(seen)}"      # (a registration is for the process)

    @tf.RegisterGradient(name)
    def _spy(op, grad):
        seen.append(grad)
        n = op.inputs[0].shape[1]
        return grad[:, :n] * 3.0, grad[:, n:]

    vals = _params(np.random.default_rng(3))
    g = tf.Graph()
    with g.as_default():
        ph = {k: tf.placeholder(tf.float32, v.shape, name=k) for k, v in vals.items()}
        with g.gradient_override_map({"ConcatV2": name}):
            x, h = ph["E"][0:2], ph["E"][2:4]
            c = tf.concat([x, h], 1)
        loss = tf.reduce_sum(tf.tanh(tf.matmul(c, ph["W"])))
        ge = tf.gradients(loss, ph["E"])[0]
        with tf.Session() as s:
            got = s.run(ge, {ph[k]: v for k, v in vals.items()})
    assert len(seen) == 1 and isinstance(seen[0], tf.Tensor) and seen[0].shape == (2, 2 * H)
    E, W = vals["E"].astype(np.float64), vals["W"].astype(np.float64)
    c = np.concatenate([E[0:2], E[2:4]], 1)
    gc = (1 - np.tanh(c @ W) ** 2) @ W.T
    want = np.zeros_like(E)
    want[0:2] = gc[:, :H] * 3.0
    want[2:4] = gc[:, H:]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# a plain MLP's gradient graph, node for node, as before these products (commit 4eb10f5)
MLP_GRADIENT_GRAPH = [
    ("gradients/Fill", "Fill", ["Mean:0"]),
    ("gradients/RealDiv", "RealDiv", ["gradients/Fill:0", "Mean/Const:0"]),
    ("gradients/ExpandDims", "ExpandDims", ["gradients/RealDiv:0"]),
    ("gradients/BroadcastLike", "BroadcastLike", ["gradients/ExpandDims:0", "Square:0"]),
    ("gradients/Mul", "Mul", ["gradients/BroadcastLike:0", "sub:0"]),
    ("gradients/Mul_1", "Mul", ["gradients/BroadcastLike:0", "sub:0"]),
    ("gradients/Add", "Add", ["gradients/Mul:0", "gradients/Mul_1:0"]),
    ("gradients/SumTo", "SumTo", ["gradients/Add:0", "b2/read:0"]),
    ("gradients/MatMul", "MatMul", ["gradients/Add:0", "w2/read:0"]),
    ("gradients/MatMul_1", "MatMul", ["Relu:0", "gradients/Add:0"]),
    ("gradients/ReluGrad", "ReluGrad", ["gradients/MatMul:0", "Relu:0"]),
    ("gradients/SumTo_1", "SumTo", ["gradients/ReluGrad:0", "b1/read:0"]),
    ("gradients/MatMul_2", "MatMul", ["x:0", "gradients/ReluGrad:0"]),
]


def test_a_plain_mlps_gradient_graph_is_unchanged():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4, 3), name="x")
        y = tf.placeholder(tf.float32, (4, 2), name="y")
        w1 = tf.Variable(np.ones((3, 5), np.float32), name="w1")
        b1 = tf.Variable(np.zeros(5, np.float32), name="b1")
        w2 = tf.Variable(np.ones((5, 2), np.float32), name="w2")
        b2 = tf.Variable(np.zeros(2, np.float32), name="b2")
        out = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
        loss = tf.reduce_mean(tf.square(out - y))
        n = len(g.get_operations())
        tf.gradients(loss, [w1, b1, w2, b2])
        got = [(op.name, op.type, [t.name for t in op.inputs]) for op in g.get_operations()[n:]]
    assert got == MLP_GRADIENT_GRAPH
    mm = {op.name: op.params for op in g.get_operations() if op.name.startswith("gradients/MatMul")}
    assert mm["gradients/MatMul"] == {"transpose_a": False, "transpose_b": True}
    assert mm["gradients/MatMul_1"] == mm["gradients/MatMul_2"] == \
        {"transpose_a": True, "transpose_b": False}


def test_a_piece_of_run_time_width_keeps_the_concats_own_gradient():
    rng = np.random.default_rng(4)
    xv, hv, wv = (rng.standard_normal(s).astype(np.float32) for s in ((3, 2), (3, 5), (7, 4)))
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3, None))
        h = tf.placeholder(tf.float32, (3, 5))
        w = tf.placeholder(tf.float32, (None, 4))
        loss = tf.reduce_sum(tf.tanh(tf.matmul(tf.concat([x, h], 1), w)))
        first = len(g.get_operations())
        gx, gh = tf.gradients(loss, [x, h])
        types = [op.type for op in g.get_operations()[first:]]
        with tf.Session() as s:
            got = s.run([gx, gh], {x: xv, h: hv, w: wv})
    assert "Slice" in types or "StridedSlice" in types      # the product, sliced
    tx, th, tw = (torch.tensor(v, requires_grad=True) for v in (xv, hv, wv))
    want = torch.autograd.grad(torch.tanh(torch.cat([tx, th], 1) @ tw).sum(), [tx, th])
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-6)


def test_rows_of_products_and_plain_rows_sum_as_pytorch():
    # E's rows: pieces' products of two row blocks of W, a plain slice's rows, a repeated row;
    # F's one row: a single piece's product (its SliceScatter)
    def tf_build(e, f, w, h):
        c1 = tf.concat([e[0:1], e[2:3]], 1)
        c2 = tf.concat([e[2:3], f[1:2]], 1)
        c3 = tf.concat([h, e[1:2]], 1)
        y = tf.tanh(tf.matmul(c1, w)) * tf.matmul(c2, w) + tf.matmul(c3, w)
        return tf.reduce_sum(y * y) + tf.reduce_sum(e[1:3] * 3.0), [e, f, w, h]

    def torch_build(e, f, w, h):
        c1 = torch.cat([e[0:1], e[2:3]], 1)
        c2 = torch.cat([e[2:3], f[1:2]], 1)
        c3 = torch.cat([h, e[1:2]], 1)
        y = torch.tanh(c1 @ w) * (c2 @ w) + c3 @ w
        return (y * y).sum() + (e[1:3] * 3.0).sum(), [e, f, w, h]
    grads = _run_both(tf_build, torch_build, [(4, 3), (2, 3), (6, 5), (1, 3)])
    assert grads[1].op.type != "ScatterAdd"          # one row: the slice's own scatter
    assert grads[0].op.type == "ScatterAdd"


def test_a_row_concat_inside_the_column_concat_takes_the_dense_product():
    # rv-gradbuild's case: concat([concat([x1, x2], 0), h], 1) @ w; the inner concat stacks
    # rows, so its pieces' gradients are row blocks of the dense g @ w[:3]^T, not column
    # products (this gave shapes (4, 3) and (4, 0) before the axis check)
    def tf_build(x1, x2, h, w):
        y = tf.matmul(tf.concat([tf.concat([x1, x2], 0), h], 1), w)
        return tf.reduce_sum(tf.tanh(y)), [x1, x2, h, w]

    def torch_build(x1, x2, h, w):
        y = torch.cat([torch.cat([x1, x2], 0), h], 1) @ w
        return torch.tanh(y).sum(), [x1, x2, h, w]
    grads = _run_both(tf_build, torch_build, [(2, 3), (2, 3), (4, 3), (6, 5)])
    assert [tuple(g.shape.as_list()) for g in grads] == [(2, 3), (2, 3), (4, 3), (6, 5)]


def test_a_tree_batched_by_level_has_pytorchs_gradients():
    # leaves E[i:i+1] stacked along rows per level, then concat([l, r], 1) @ W (built and
    # matched torch before the products change; failed inside tf.gradients after it)
    def tf_build(e, w):
        left = tf.concat([e[0:1], e[2:3]], 0)
        right = tf.concat([e[1:2], e[3:4]], 0)
        h = tf.tanh(tf.matmul(tf.concat([left, right], 1), w))
        top = tf.tanh(tf.matmul(tf.concat([h[0:1], h[1:2]], 1), w))
        return tf.reduce_sum(top * top), [e, w]

    def torch_build(e, w):
        left = torch.cat([e[0:1], e[2:3]], 0)
        right = torch.cat([e[1:2], e[3:4]], 0)
        h = torch.tanh(torch.cat([left, right], 1) @ w)
        top = torch.tanh(torch.cat([h[0:1], h[1:2]], 1) @ w)
        return (top * top).sum(), [e, w]
    _run_both(tf_build, torch_build, [(4, 3), (6, 3)])


def test_a_none_entry_of_grad_ys_is_ones_as_tf1():
    # TF1's _DefaultGradYs: grad_ys=[None, g2] seeds the first y with ones_like(y) (dlcore
    # gave that y no gradient: grad_ys=[None, None] returned [None])
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (2, 3))
        y1, y2 = x * 2.0, tf.square(x)
        g2 = tf.constant(np.full((2, 3), 0.5, np.float32))
        both, mixed = tf.gradients([y1, y2], x, grad_ys=[None, None]), \
            tf.gradients([y1, y2], x, grad_ys=[None, g2])
        xv = np.arange(6, dtype=np.float32).reshape(2, 3)
        with tf.Session() as s:
            b, m = s.run([both[0], mixed[0]], {x: xv})
    np.testing.assert_allclose(b, 2.0 + 2 * xv)
    np.testing.assert_allclose(m, 2.0 + 0.5 * 2 * xv)
