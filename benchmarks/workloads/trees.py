"""``TreeRNN``: a recursive network over random binary trees (issue 12), the textbook case for
dynamic graphs.  Every tree has its own shape, so the computation's structure is data.

The model: a leaf is its word's embedding row ``E[w]`` (1, H); an inner node is
``tanh([h_left, h_right] @ W + b)``; a tree's root gives ``root @ w_out``; the loss is the mean
squared error over a batch of trees; one SGD step.  The step cycles through ``cycle`` batches of
different tree shapes.

* PyTorch-style engines (PyTorch, dlcore_eager): a recursive Python function; each tree's graph
  is recorded on the tape as it is evaluated.
* TF1-style engines (dlcore_static, +passes), ``static_program="one_graph"`` (the default): how
  TF1 users wrote recursive nets (the "recursive neural networks in TensorFlow" posts, the
  problem TensorFlow Fold set out to solve): ONE graph, the trees fed as arrays.  A batch of
  trees is one forest whose nodes are numbered bottom-up, leaves first: ``leaf_word`` and
  ``leaf_slot`` (each leaf's word id and node number), ``left``/``right`` (each inner node's
  children), ``n_leaves``/``n_nodes`` (counts) and ``roots``.  The leaves' embeddings are
  scattered into a ``tf.TensorArray``; a ``tf.while_loop`` walks the inner nodes, reading the
  children from the array and writing each node's state; the roots are gathered;
  ``GradientDescentOptimizer(lr).minimize`` differentiates through the loop.  Every element is
  written once, as TF1 requires.  The arrays are padded to the largest forest the workload
  can draw (padding leaves go to node slots past ``n_nodes``, never read), so every batch has
  the same feed shapes: one Session plan, compiled once (a TF1 habit, since shapes key the
  compiled code there too).
* ``static_program="graph_per_batch"``: the naive TF1 program, kept as its own row: a graph can
  only hold a fixed structure, so each step builds a new graph for its batch of trees (the
  weights fed in, the gradients fetched, the SGD update on the host) and a new Session, which
  prunes, plans and (with passes) compiles it: graph build and compile are part of every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .base import FloatArrays, Workload, normal

ORDER = 36


def _random_tree(rng: np.random.Generator, words: list[int]):
    if len(words) == 1:
        return words[0]
    k = int(rng.integers(1, len(words)))
    return (_random_tree(rng, words[:k]), _random_tree(rng, words[k:]))


@dataclass(frozen=True)
class TreeRNN(Workload):
    """One SGD step on a batch of ``trees`` random binary trees of ``min_leaves..max_leaves``."""

    trees: int = 8
    min_leaves: int = 8
    max_leaves: int = 32
    V: int = 1000
    H: int = 64
    batches: int = 4
    lr: float = 0.05
    static_program: str = "one_graph"         # or "graph_per_batch"

    def __post_init__(self) -> None:
        if self.static_program not in ("one_graph", "graph_per_batch"):
            raise ValueError(f"TreeRNN: unknown static_program {self.static_program!r} (use "
                             "'one_graph' or 'graph_per_batch')")
        object.__setattr__(self, "cycle", self.batches)

    @cached_property
    def arrays(self) -> FloatArrays:
        rng = np.random.default_rng(self.seed)
        H = self.H
        return {"E": normal(rng, (self.V, H), 0.1), "W": normal(rng, (2 * H, H), (2 * H) ** -0.5),
                "b": np.zeros((1, H), np.float32), "w_out": normal(rng, (H, 1), H ** -0.5)}

    @cached_property
    def data(self) -> list:
        """``batches`` lists of (tree, target)."""
        rng = np.random.default_rng(self.seed + 1)
        out = []
        for _ in range(self.batches):
            batch = []
            for _ in range(self.trees):
                n = int(rng.integers(self.min_leaves, self.max_leaves + 1))
                words = [int(w) for w in rng.integers(0, self.V, n)]
                batch.append((_random_tree(rng, words), np.float32(rng.standard_normal())))
            out.append(batch)
        return out

    def torch_loss(self, torch, p: dict, batch: list):
        """The batch's loss from the parameter tensors ``p``, by recursion over each tree."""
        E, W, b = p["E"], p["W"], p["b"]

        def encode(node):
            if isinstance(node, int):
                return E[node:node + 1]
            return torch.tanh(torch.cat([encode(node[0]), encode(node[1])], 1).mm(W) + b)

        roots = torch.cat([encode(tree) for tree, _ in batch], 0)
        y = torch.from_numpy(np.array([[t] for _, t in batch], np.float32))
        return (roots.mm(p["w_out"]) - y).pow(2).mean()

    def torch_program(self, torch, device: str):
        from ..engines.base import Prepared
        p = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in self.arrays.items()}
        opt = torch.optim.SGD(list(p.values()), lr=self.lr)
        state = {"i": 0}

        def step() -> float:
            batch = self.data[state["i"] % self.batches]
            state["i"] += 1
            opt.zero_grad()
            loss = self.torch_loss(torch, p, batch)
            loss.backward()
            opt.step()
            return loss.item()

        return Prepared(step)

    @property
    def max_nodes(self) -> int:
        """The most nodes a batch's forest can have (``trees`` trees of ``max_leaves``)."""
        return self.trees * (2 * self.max_leaves - 1)

    @cached_property
    def forests(self) -> list[dict]:
        """Each batch as arrays (see the module docstring), padded to ``max_nodes`` node slots
        and ``trees * max_leaves`` leaves."""
        return [forest(batch, self.max_nodes, self.trees * self.max_leaves)
                for batch in self.data]

    def tf1_graph(self, tf) -> dict:
        """The one-graph TF1 program, built in the default graph: its placeholders, ``loss``,
        ``grads`` (d loss / d E, W, b, w_out) and ``train``; ``feed(i)`` is batch i's feed."""
        a, H, M, P = self.arrays, self.H, self.max_nodes, self.trees * self.max_leaves
        leaf_word = tf.placeholder(tf.int32, [P], name="leaf_word")
        leaf_slot = tf.placeholder(tf.int32, [P], name="leaf_slot")
        left = tf.placeholder(tf.int32, [M], name="left")
        right = tf.placeholder(tf.int32, [M], name="right")
        n_leaves = tf.placeholder(tf.int32, [], name="n_leaves")
        n_nodes = tf.placeholder(tf.int32, [], name="n_nodes")
        roots = tf.placeholder(tf.int32, [self.trees], name="roots")
        y = tf.placeholder(tf.float32, [self.trees, 1], name="y")
        E, W = tf.Variable(a["E"], name="E"), tf.Variable(a["W"], name="W")
        b, w_out = tf.Variable(a["b"], name="b"), tf.Variable(a["w_out"], name="w_out")

        states = tf.TensorArray(tf.float32, size=M, clear_after_read=False)
        states = states.scatter(leaf_slot, tf.gather(E, leaf_word))     # the leaves

        def body(i, states):
            children = tf.concat([states.read(left[i]), states.read(right[i])], 0)
            h = tf.tanh(tf.matmul(tf.expand_dims(children, 0), W) + b)
            return i + 1, states.write(i, h[0])

        _, states = tf.while_loop(lambda i, states: i < n_nodes, body, [n_leaves, states],
                                  parallel_iterations=1)
        loss = tf.reduce_mean(tf.square(tf.matmul(states.gather(roots), w_out) - y))
        grads = tf.gradients(loss, [E, W, b, w_out])
        train = tf.train.GradientDescentOptimizer(self.lr).minimize(loss)
        keys = (leaf_word, leaf_slot, left, right, n_leaves, n_nodes, roots, y)

        def feed(i: int) -> dict:
            f = self.forests[i % self.batches]
            return dict(zip(keys, (f["leaf_word"], f["leaf_slot"], f["left"], f["right"],
                                   f["n_leaves"], f["n_nodes"], f["roots"], f["y"])))

        return {"loss": loss, "grads": grads, "train": train, "feed": feed}

    def tf1_program(self, tf, wl):
        if self.static_program == "graph_per_batch":
            return self._tf1_graph_per_batch(tf)
        prog = self.tf1_graph(tf)
        state = {"i": 0}

        def run_step(sess) -> float:
            feed = prog["feed"](state["i"])
            state["i"] += 1
            return float(sess.run([prog["loss"], prog["train"]], feed)[0])

        return run_step, {}

    def _tf1_graph_per_batch(self, tf):
        w = {k: v.copy() for k, v in self.arrays.items()}
        state = {"i": 0}
        names = ("E", "W", "b", "w_out")

        def run_step(sess) -> float:
            batch = self.data[state["i"] % self.batches]
            state["i"] += 1
            g = tf.Graph()
            with g.as_default():                  # a new graph for this batch's tree shapes
                ph = {k: tf.placeholder(tf.float32, w[k].shape, name=k) for k in names}

                def encode(node):
                    if isinstance(node, int):
                        return ph["E"][node:node + 1]
                    h = tf.concat([encode(node[0]), encode(node[1])], 1)
                    return tf.tanh(tf.matmul(h, ph["W"]) + ph["b"])

                roots = tf.concat([encode(tree) for tree, _ in batch], 0)
                y = tf.constant(np.array([[t] for _, t in batch], np.float32))
                loss = tf.reduce_mean(tf.square(tf.matmul(roots, ph["w_out"]) - y))
                grads = tf.gradients(loss, [ph[k] for k in names])
            options = {"passes": sess.passes} if hasattr(sess, "passes") else {}
            with tf.Session(graph=g, **options) as s:
                out = s.run([loss] + grads, {ph[k]: w[k] for k in names})
            for k, gk in zip(names, out[1:]):
                w[k] -= np.float32(self.lr) * gk
            return float(out[0])

        return run_step, {"variables": False}


def forest(batch: list, size: int, leaves: int) -> dict:
    """A batch of (tree, target) as one forest of ``size`` node slots, numbered bottom-up with
    the leaves first: leaf j (of ``leaves`` entries) has word ``leaf_word[j]`` and node number
    ``leaf_slot[j]`` (j for a real leaf; distinct slots from ``n_nodes`` on for the padding);
    ``left[k]``/``right[k]`` for an inner node k (``n_leaves <= k < n_nodes``, its children
    numbered below it); ``roots`` and ``y``."""
    words: list[int] = []
    left: list[int] = []
    right: list[int] = []

    def collect(node) -> None:
        if isinstance(node, int):
            words.append(node)
        else:
            collect(node[0])
            collect(node[1])

    for tree, _ in batch:
        collect(tree)
    n_leaves, seen = len(words), [0]

    def number(node) -> int:
        if isinstance(node, int):
            seen[0] += 1
            return seen[0] - 1
        kids = number(node[0]), number(node[1])
        left.append(kids[0])
        right.append(kids[1])
        return n_leaves + len(left) - 1

    roots = [number(tree) for tree, _ in batch]
    n_nodes = n_leaves + len(left)
    if n_nodes > size or n_leaves > leaves or leaves - n_leaves > size - n_nodes:
        raise ValueError(f"forest: {n_nodes} nodes ({n_leaves} leaves) do not fit in {size} "
                         f"slots with {leaves} leaf entries")
    out = {k: np.zeros(size, np.int32) for k in ("left", "right")}
    out["leaf_word"] = np.zeros(leaves, np.int32)
    out["leaf_word"][:n_leaves] = words
    out["leaf_slot"] = np.concatenate([np.arange(n_leaves), np.arange(
        n_nodes, n_nodes + leaves - n_leaves)]).astype(np.int32)
    out["left"][n_leaves:n_nodes] = left
    out["right"][n_leaves:n_nodes] = right
    out.update(n_leaves=np.int32(n_leaves), n_nodes=np.int32(n_nodes),
               roots=np.array(roots, np.int32), y=np.array([[t] for _, t in batch], np.float32))
    return out


def _pair(name: str, title: str, **kw) -> list[Workload]:
    """The one-graph row and the graph-per-batch row of the same trees."""
    return [TreeRNN(name, "sequence", title + ", static: one graph, trees fed as arrays", **kw),
            TreeRNN(name + "_graph_per_batch", "sequence",
                    title + ", static: a new graph per batch", static_program="graph_per_batch",
                    **kw)]


def workloads(size: str) -> list[Workload]:
    if size == "tiny":      # the harness's tiny run needs every engine (NumPy by hand too) to
        return []           # speak it; see tests/benchmarks/test_sequence_workloads.py
    if size == "quick":     # 2 tree batches of different shapes
        return _pair("tree_rnn", "recursive net, 2 batches of 4 random trees of 4..8 leaves "
                     "(H 32)", trees=4, min_leaves=4, max_leaves=8, H=32, batches=2)
    return _pair("tree_rnn", "recursive net, 8 random trees of 8..32 leaves (H 64), new shapes "
                 "each step")
