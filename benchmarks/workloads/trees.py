"""``TreeRNN``: a recursive network over random binary trees (issue 12), the textbook case for
dynamic graphs.  Every tree has its own shape, so the computation's structure is data.

The model: a leaf is its word's embedding row ``E[w]`` (1, H); an inner node is
``tanh([h_left, h_right] @ W + b)``; a tree's root gives ``root @ w_out``; the loss is the mean
squared error over a batch of trees; one SGD step.  The step cycles through ``cycle`` batches of
different tree shapes.

* PyTorch-style engines (PyTorch, dlcore_eager): a recursive Python function; each tree's graph
  is recorded on the tape as it is evaluated.
* TF1-style engines (dlcore_static, +passes): a graph can only hold a fixed shape, so each step
  builds a new graph for its batch of trees (the weights fed in, the gradients fetched, the SGD
  update on the host) and a new Session, which prunes, plans and (with passes) compiles it: the
  graph-build and compile time are part of every step, which is what the static engine must pay
  for a structure that changes with the data.
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

    def __post_init__(self) -> None:
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

    def torch_program(self, torch, device: str):
        from ..engines.base import Prepared
        p = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in self.arrays.items()}
        opt = torch.optim.SGD(list(p.values()), lr=self.lr)
        E, W, b, w_out = p["E"], p["W"], p["b"], p["w_out"]
        state = {"i": 0}

        def encode(node):
            if isinstance(node, int):
                return E[node:node + 1]
            return torch.tanh(torch.cat([encode(node[0]), encode(node[1])], 1).mm(W) + b)

        def step() -> float:
            batch = self.data[state["i"] % self.batches]
            state["i"] += 1
            opt.zero_grad()
            roots = torch.cat([encode(tree) for tree, _ in batch], 0)
            y = torch.from_numpy(np.array([[t] for _, t in batch], np.float32))
            loss = (roots.mm(w_out) - y).pow(2).mean()
            loss.backward()
            opt.step()
            return loss.item()

        return Prepared(step)

    def tf1_program(self, tf, wl):
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


def workloads(size: str) -> list[Workload]:
    if size == "tiny":      # the harness's tiny run needs every engine (NumPy by hand too) to
        return []           # speak it; see tests/benchmarks/test_sequence_workloads.py
    if size == "quick":     # 2 tree batches: each new tree shape is a new graph to compile
        return [TreeRNN("tree_rnn", "sequence",
                        "recursive net, 2 batches of 4 random trees of 4..8 leaves (H 32)",
                        trees=4, min_leaves=4, max_leaves=8, H=32, batches=2)]
    return [TreeRNN("tree_rnn", "sequence",
                    "recursive net, 8 random trees of 8..32 leaves (H 64), new shapes each step")]
