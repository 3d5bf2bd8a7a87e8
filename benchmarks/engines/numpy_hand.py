"""NumPy by hand: forward and backward written out, as in the seed's first PyTorch program.

No framework at all: every gradient is a line of NumPy.  It is the floor that a framework's
bookkeeping is measured against, and the baseline when PyTorch is absent.  NumPy calls its BLAS
(OpenBLAS in the NumPy wheels) for the matrix products.

LeNet-5's convolutions are im2col (``sliding_window_view`` copied into a (pixels, C*k*k)
matrix) + one matrix product, channels last inside; their input gradient is that product's
transpose scattered back by 25 shifted slice additions (col2im).  Max pooling routes each
gradient to the first maximum of its window, as PyTorch's CPU kernel.  The small ResNet's
strided convolutions take every s-th window of the same unfolding; its batch norm is written
out (training mode: batch moments, the running statistics updated as PyTorch's modules do).
"""

from __future__ import annotations

import numpy as np

from ..workloads import Classifier, ControlFlow, MLPStep, TinyOp
from ..workloads.cnn import LeNet5Step, ResNetStep
from ..workloads.digits_cnn import DigitsCNN
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
    if isinstance(workload, DigitsCNN):          # (before Classifier: it derives from it)
        return _digits_cnn(workload)
    if isinstance(workload, Classifier):
        return _classifier(workload)
    if isinstance(workload, LeNet5Step):
        return _lenet(workload)
    if isinstance(workload, ResNetStep):
        return _resnet(workload)
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


def _im2col(x: np.ndarray, k: int, s: int = 1) -> np.ndarray:
    """(N, H, W, C) (already padded) -> (N * Ho * Wo, C * k * k) patches at stride s, in the
    (c, i, j) order of OIHW kernels."""
    v = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))  # N,Ho,Wo,C,k,k
    return (v[:, ::s, ::s] if s > 1 else v).reshape(-1, x.shape[3] * k * k)


def _col2im(dcols: np.ndarray, shape: tuple[int, ...], k: int, s: int = 1) -> np.ndarray:
    """The adjoint of ``_im2col``: patch gradients summed back into an (N, H, W, C) array."""
    n, h, w, c = shape
    ho, wo = (h - k) // s + 1, (w - k) // s + 1
    d = dcols.reshape(n, ho, wo, c, k, k)
    out = np.zeros(shape, dcols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, i:i + s * (ho - 1) + 1:s, j:j + s * (wo - 1) + 1:s, :] += d[..., i, j]
    return out


def _pool2(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling of (N, H, W, C): the output and each window's first argmax."""
    n, h, w, c = x.shape
    win = x.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4)
    win = win.reshape(n, h // 2, w // 2, c, 4)
    idx = win.argmax(axis=-1)
    return np.take_along_axis(win, idx[..., None], -1)[..., 0], idx


def _pool2_grad(g: np.ndarray, idx: np.ndarray) -> np.ndarray:
    n, ho, wo, c = g.shape
    win = np.zeros((n, ho, wo, c, 4), g.dtype)
    np.put_along_axis(win, idx[..., None], g[..., None], -1)
    win = win.reshape(n, ho, wo, c, 2, 2).transpose(0, 1, 4, 2, 5, 3)
    return win.reshape(n, ho * 2, wo * 2, c)


def _lenet(wl: LeNet5Step) -> Prepared:
    a = wl.arrays
    w = {k: v.copy() for k, v in a.items() if k not in ("x", "y")}
    x = np.ascontiguousarray(np.pad(a["x"].transpose(0, 2, 3, 1), ((0, 0), (2, 2), (2, 2),
                                                                   (0, 0))))
    labels, n, lr = a["y"], a["x"].shape[0], np.float32(wl.lr)
    cols1 = _im2col(x, 5)                      # the input is fixed: its patches once

    def conv(cols, name, hw):
        wk = w[name + ".weight"]
        return (cols @ wk.reshape(wk.shape[0], -1).T + w[name + ".bias"]).reshape(
            n, hw, hw, wk.shape[0])

    def step() -> float:
        z1 = conv(cols1, "c1", 28)
        p1, i1 = _pool2(np.maximum(z1, 0))
        cols2 = _im2col(p1, 5)
        z2 = conv(cols2, "c2", 10)
        p2, i2 = _pool2(np.maximum(z2, 0))
        flat = p2.transpose(0, 3, 1, 2).reshape(n, 400)  # torch.flatten's (C, H, W) order
        a1 = flat @ w["f1.weight"].T + w["f1.bias"]
        h1 = np.maximum(a1, 0)
        a2 = h1 @ w["f2.weight"].T + w["f2.bias"]
        h2 = np.maximum(a2, 0)
        logits = h2 @ w["f3.weight"].T + w["f3.bias"]
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) - z[np.arange(n), labels]))
        g = e / s
        g[np.arange(n), labels] -= 1.0
        g /= np.float32(n)
        grads = {"f3.weight": g.T @ h2, "f3.bias": g.sum(0)}
        g = (g @ w["f3.weight"]) * (a2 > 0)
        grads["f2.weight"], grads["f2.bias"] = g.T @ h1, g.sum(0)
        g = (g @ w["f2.weight"]) * (a1 > 0)
        grads["f1.weight"], grads["f1.bias"] = g.T @ flat, g.sum(0)
        g = (g @ w["f1.weight"]).reshape(n, 16, 5, 5).transpose(0, 2, 3, 1)
        g = (_pool2_grad(g, i2) * (z2 > 0)).reshape(-1, 16)
        grads["c2.weight"] = (g.T @ cols2).reshape(w["c2.weight"].shape)
        grads["c2.bias"] = g.sum(0)
        g = _col2im(g @ w["c2.weight"].reshape(16, -1), p1.shape, 5)
        g = (_pool2_grad(g, i1) * (z1 > 0)).reshape(-1, 6)
        grads["c1.weight"] = (g.T @ cols1).reshape(w["c1.weight"].shape)
        grads["c1.bias"] = g.sum(0)
        for name, grad in grads.items():
            w[name] -= lr * grad
        return loss

    return Prepared(step)


def _resnet(wl: ResNetStep) -> Prepared:
    a = wl.arrays
    convs = {name: k for name, _, _, k in wl._convs()}
    w = {k: a[k].copy() for k in list(convs) + ["fc.weight", "fc.bias"]}
    stats = {}
    for name, _, cout, _ in wl._convs():
        if not name.endswith(".sc"):
            w[name + ".g"], w[name + ".b"] = np.ones(cout, np.float32), np.zeros(cout, np.float32)
            stats[name] = [np.zeros(cout, np.float32), np.ones(cout, np.float32)]
    x0 = np.ascontiguousarray(a["x"].transpose(0, 2, 3, 1))
    labels, n, lr = a["y"], a["x"].shape[0], np.float32(wl.lr)
    stride = {f"b{i}": (2 if i and c != wl.widths[i - 1] else 1)
              for i, c in enumerate(wl.widths)}

    def conv(name, h, s, cache):
        k, wk = convs[name], w[name]
        hp = np.pad(h, ((0, 0), (k // 2,) * 2, (k // 2,) * 2, (0, 0))) if k > 1 else h
        cols = _im2col(hp, k, s)
        cache[name] = (cols, hp.shape, s)
        y = cols @ wk.reshape(wk.shape[0], -1).T
        return y.reshape(n, (hp.shape[1] - k) // s + 1, -1, wk.shape[0])

    def conv_grad(name, g, cache, grads, need_dx=True):
        cols, shape, s = cache[name]
        k, wk = convs[name], w[name]
        g2 = g.reshape(-1, wk.shape[0])
        grads[name] = (g2.T @ cols).reshape(wk.shape)
        if not need_dx:
            return None
        dx = _col2im(g2 @ wk.reshape(wk.shape[0], -1), shape, k, s)
        return dx[:, k // 2:shape[1] - k // 2, k // 2:shape[2] - k // 2] if k > 1 else dx

    def bn(name, h, cache):
        m = h.reshape(-1, h.shape[3])
        mean, var = m.mean(0), m.var(0)
        inv = np.float32(1.0) / np.sqrt(var + np.float32(1e-5))
        xhat = (h - mean) * inv
        cache[name + ".bn"] = (xhat, inv)
        rm, rv = stats[name]
        cnt = m.shape[0]
        stats[name] = [np.float32(0.9) * rm + np.float32(0.1) * mean,
                       np.float32(0.9) * rv + np.float32(0.1 * cnt / (cnt - 1)) * var]
        return xhat * w[name + ".g"] + w[name + ".b"]

    def bn_grad(name, g, cache, grads):
        xhat, inv = cache[name + ".bn"]
        g2, x2 = g.reshape(-1, g.shape[3]), xhat.reshape(-1, g.shape[3])
        db, dg = g2.sum(0), (g2 * x2).sum(0)
        grads[name + ".g"], grads[name + ".b"] = dg, db
        m = np.float32(g2.shape[0])
        return (w[name + ".g"] * inv / m) * (m * g - db - xhat * dg)

    def step() -> float:
        cache, grads, acts = {}, {}, []
        pre = bn("stem", conv("stem", x0, 1, cache), cache)
        h = np.maximum(pre, 0)
        masks = [pre > 0]
        for i in range(len(wl.widths)):
            b, s = f"b{i}", stride[f"b{i}"]
            z1 = bn(b + ".c1", conv(b + ".c1", h, s, cache), cache)
            out = bn(b + ".c2", conv(b + ".c2", np.maximum(z1, 0), 1, cache), cache)
            sc = conv(b + ".sc", h, s, cache) if b + ".sc" in convs else h
            z = out + sc
            acts.append((z1 > 0, z > 0))
            h = np.maximum(z, 0)
        feat = h.mean(axis=(1, 2))
        logits = feat @ w["fc.weight"].T + w["fc.bias"]
        zl = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(zl)
        se = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(se[:, 0]) - zl[np.arange(n), labels]))
        g = e / se
        g[np.arange(n), labels] -= 1.0
        g /= np.float32(n)
        grads["fc.weight"], grads["fc.bias"] = g.T @ feat, g.sum(0)
        g = g @ w["fc.weight"]
        hw = h.shape[1] * h.shape[2]
        g = np.broadcast_to((g / np.float32(hw))[:, None, None, :], h.shape)
        for i in reversed(range(len(wl.widths))):
            b, s = f"b{i}", stride[f"b{i}"]
            m1, mz = acts[i]
            g = g * mz                                   # through relu(out + sc)
            gh = conv_grad(b + ".sc", g, cache, grads) if b + ".sc" in convs else g
            gc = conv_grad(b + ".c2", bn_grad(b + ".c2", g, cache, grads), cache, grads)
            gc = conv_grad(b + ".c1", bn_grad(b + ".c1", gc * m1, cache, grads), cache, grads)
            g = gh + gc
        g = bn_grad("stem", g * masks[0], cache, grads)
        conv_grad("stem", g, cache, grads, need_dx=False)
        for name, grad in grads.items():
            w[name] -= lr * grad
        return loss

    return Prepared(step)


def _digits_cnn(wl: DigitsCNN) -> Prepared:
    """The digits CNN: 3x3 'same' convolutions as im2col of the zero-padded NHWC input."""
    w = {k: v.copy() for k, v in wl.weights.items()}
    lr = np.float32(wl.lr)
    state = {"epoch": 0}
    q = wl.side // 4

    def conv(name, h):
        hp = np.pad(h, ((0, 0), (1, 1), (1, 1), (0, 0)))
        cols = _im2col(hp, 3)
        wk = w[name + ".weight"]
        z = cols @ wk.reshape(wk.shape[0], -1).T + w[name + ".bias"]
        return z.reshape(*h.shape[:3], wk.shape[0]), cols, hp.shape

    def forward(x):
        z1, cols1, _ = conv("c1", x.transpose(0, 2, 3, 1))
        p1, i1 = _pool2(np.maximum(z1, 0))
        z2, cols2, shape2 = conv("c2", p1)
        p2, i2 = _pool2(np.maximum(z2, 0))
        flat = p2.transpose(0, 3, 1, 2).reshape(len(x), -1)  # torch.flatten's (C, H, W) order
        logits = flat @ w["fc.weight"].T + w["fc.bias"]
        return logits, (z1, cols1, i1, z2, cols2, shape2, i2, flat)

    def step() -> None:
        for x, labels in wl.epoch_batches(state["epoch"]):
            n = len(labels)
            logits, (z1, cols1, i1, z2, cols2, shape2, i2, flat) = forward(x)
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            g = e / e.sum(axis=1, keepdims=True)
            g[np.arange(n), labels] -= 1.0
            g /= np.float32(n)
            grads = {"fc.weight": g.T @ flat, "fc.bias": g.sum(0)}
            g = (g @ w["fc.weight"]).reshape(n, wl.c2, q, q).transpose(0, 2, 3, 1)
            g = (_pool2_grad(g, i2) * (z2 > 0)).reshape(-1, wl.c2)
            grads["c2.weight"] = (g.T @ cols2).reshape(w["c2.weight"].shape)
            grads["c2.bias"] = g.sum(0)
            g = _col2im(g @ w["c2.weight"].reshape(wl.c2, -1), shape2, 3)[:, 1:-1, 1:-1]
            g = (_pool2_grad(g, i1) * (z1 > 0)).reshape(-1, wl.c1)
            grads["c1.weight"] = (g.T @ cols1).reshape(w["c1.weight"].shape)
            grads["c1.bias"] = g.sum(0)
            for name, grad in grads.items():
                w[name] -= lr * grad
        state["epoch"] += 1

    def reset() -> None:
        for k, v in wl.weights.items():
            w[k][...] = v
        state["epoch"] = 0

    return Prepared(step, evaluate=lambda: wl.accuracy(forward(wl.data["x_test"])[0]),
                    reset=reset)
