"""NumPy by hand: forward and backward written out, as in the seed's first PyTorch program.

No framework at all: every gradient is a line of NumPy.  It is the floor that a framework's
bookkeeping is measured against, and the baseline when PyTorch is absent.  NumPy calls its BLAS
(OpenBLAS in the NumPy wheels) for the matrix products.
"""

from __future__ import annotations

import numpy as np

from ..workloads import Classifier, ControlFlow, MLPStep, TinyOp
from .base import Prepared, Unsupported, require_cpu

NAME = "numpy"
LABEL = "NumPy by hand"


def available() -> tuple[bool, str]:
    return True, np.__version__


def setup(workload, device: str) -> Prepared:
    require_cpu(device, LABEL)
    if isinstance(workload, MLPStep):
        return _mlp(workload)
    if isinstance(workload, ControlFlow):
        return _control_flow(workload)
    if isinstance(workload, Classifier):
        return _classifier(workload)
    if isinstance(workload, TinyOp):
        a, b = workload.arrays["a"].copy(), workload.arrays["b"].copy()
        if workload.op == "add":
            return Prepared(lambda: a + b)
        return Prepared(lambda: a + np.float32(1.0), note="no graph: the op itself")
    raise Unsupported(type(workload).__name__)


def _mlp(wl: MLPStep) -> Prepared:
    arr = wl.arrays
    x, y = arr["x"], arr["y"]
    w1, w2 = arr["w1"].copy(), arr["w2"].copy()
    scale, lr = np.float32(wl.loss_scale), np.float32(wl.lr)

    def step() -> float:
        h = x @ w1
        h_relu = np.maximum(h, 0)
        y_pred = h_relu @ w2
        diff = y_pred - y
        loss = float(np.sum(diff * diff)) * float(scale)
        grad_y_pred = (2.0 * scale) * diff
        grad_w2 = h_relu.T @ grad_y_pred
        grad_h = grad_y_pred @ w2.T
        grad_h[h < 0] = 0
        grad_w1 = x.T @ grad_h
        w1[...] -= lr * grad_w1  # in place: the closure keeps the same arrays
        w2[...] -= lr * grad_w2
        return loss

    return Prepared(step)


def _control_flow(wl: ControlFlow) -> Prepared:
    w = {k: v.copy() for k, v in wl.weights.items()}
    batches, lr = wl.batches, np.float32(wl.lr)
    state = {"i": 0}

    def step() -> float:
        x, y, depth = batches[state["i"] % len(batches)]
        state["i"] += 1
        pre = x @ w["w_in"]
        h0 = np.maximum(pre, 0)
        w_branch = "w_a" if x.mean() > 0 else "w_b"
        hs = [h0 @ w[w_branch]]
        for _ in range(depth):
            hs.append(np.tanh(hs[-1] @ w["w_r"]))
        diff = hs[-1] @ w["w_out"] - y
        loss = float(np.sum(diff * diff))
        g = 2.0 * diff
        grads = {"w_out": hs[-1].T @ g, "w_r": np.zeros_like(w["w_r"])}
        g = g @ w["w_out"].T
        for k in range(depth, 0, -1):  # back through the loop: h_k = tanh(h_{k-1} @ w_r)
            g = g * (1.0 - hs[k] * hs[k])
            grads["w_r"] += hs[k - 1].T @ g
            g = g @ w["w_r"].T
        grads[w_branch] = h0.T @ g
        g = g @ w[w_branch].T
        g[pre < 0] = 0
        grads["w_in"] = x.T @ g
        for name, grad in grads.items():
            w[name] -= lr * grad
        return loss

    return Prepared(step)


def _classifier(wl: Classifier) -> Prepared:
    w = {k: v.copy() for k, v in wl.weights.items()}
    lr = np.float32(wl.lr)
    state = {"epoch": 0}

    def forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pre = x @ w["w1"] + w["b1"]
        h = np.maximum(pre, 0)
        return pre, h, h @ w["w2"] + w["b2"]

    def step() -> None:
        for x, labels in wl.epoch_batches(state["epoch"]):
            pre, h, logits = forward(x)
            z = logits - logits.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(labels)), labels] -= 1.0  # d(mean CE)/d logits = (softmax - onehot)/n
            g = p / np.float32(len(labels))
            gw2, gb2 = h.T @ g, g.sum(axis=0)
            g = g @ w["w2"].T
            g[pre < 0] = 0
            gw1, gb1 = x.T @ g, g.sum(axis=0)
            for name, grad in (("w1", gw1), ("b1", gb1), ("w2", gw2), ("b2", gb2)):
                w[name] -= lr * grad
        state["epoch"] += 1

    def reset() -> None:
        for k, v in wl.weights.items():
            w[k][...] = v
        state["epoch"] = 0

    return Prepared(step, evaluate=lambda: wl.accuracy(forward(wl.data["x_test"])[2]),
                    reset=reset)
