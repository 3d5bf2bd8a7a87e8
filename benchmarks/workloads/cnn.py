"""Convolutional workloads (issue 11): a LeNet-5 training step and a small ResNet training step.
Each carries its own programs (``torch_program`` for PyTorch and dlcore_eager, which run the
same text, and for torch.compile, which wraps its step function; ``tf1_program`` for the
TF1-style engines, dlcore_static with and without passes).  The JAX jit programs (both) and the
NumPy-by-hand ones are in their engine adapters, written from the same arrays.

* ``LeNet5Step``: 28x28x1 images, batch 64: conv 5x5 (6, padding 2) - relu - max pool 2 -
  conv 5x5 (16) - relu - max pool 2 - dense 120 - relu - dense 84 - relu - dense 10, mean
  cross-entropy, one SGD step.
* ``ResNetStep``: 32x32x3 images, batch 32: conv 3x3 (16) + batch norm + relu, then basic blocks
  (two 3x3 convolutions with batch norm, identity shortcut, or a strided 1x1 convolution where the
  shape changes) of 16, 32 (stride 2) and 64 (stride 2) channels, global average pooling, dense
  10; batch norm in training mode (TF: ``tf.layers.batch_normalization`` with its UPDATE_OPS).

One set of arrays in PyTorch's layout (NCHW data, OIHW kernels, (out, in) dense weights); the TF
programs transpose them (NHWC, HWIO, (in, out), LeNet's first dense rows reordered for TF's
(H, W, C) flatten order), so every engine's first loss is the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .base import FloatArrays, Workload

ORDER = 33


def _u(rng, shape, fan_in):
    b = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-b, b, shape).astype(np.float32)


def _set(torch, param, array) -> None:
    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(array)))


def _hwio(w: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(w.transpose(2, 3, 1, 0))


def sgd_step(torch, params, forward, x, y, lr: float, wrap=None):
    """One SGD step of mean cross-entropy on ``(x, y)``, as the engines' ``Prepared``;
    ``wrap`` (``torch.compile``) is applied to the step function."""
    from ..engines.base import Prepared
    F = torch.nn.functional
    opt = torch.optim.SGD(params, lr=lr)

    def train_step():
        opt.zero_grad()
        loss = F.cross_entropy(forward(x), y)
        loss.backward()
        opt.step()
        return loss

    fn = train_step if wrap is None else wrap(train_step)
    return Prepared(lambda: fn().item())


def tf1_train(tf, a: dict, h, x, y, lr: float, update_ops: bool = False):
    """The TF1 programs' tail: a dense layer from ``a["fc.weight"]``/``a["fc.bias"]`` on the
    pooled features ``h`` (or ``h`` as the logits when ``a`` holds no such layer), mean sparse
    cross-entropy, one SGD step (after the batch norms' UPDATE_OPS with ``update_ops``), the
    feed of the NHWC images: ``(run_step, {})``."""
    logits = h
    if "fc.weight" in a:
        fc_w = tf.Variable(np.ascontiguousarray(a["fc.weight"].T), name="fc_w")
        logits = tf.matmul(h, fc_w) + tf.Variable(a["fc.bias"], name="fc_b")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))
    if update_ops:
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            train = tf.train.GradientDescentOptimizer(lr).minimize(loss)
    else:
        train = tf.train.GradientDescentOptimizer(lr).minimize(loss)
    feed = {x: np.ascontiguousarray(a["x"].transpose(0, 2, 3, 1)), y: a["y"]}

    def run_step(sess) -> float:
        return float(sess.run([loss, train], feed)[0])

    return run_step, {}


@dataclass(frozen=True)
class LeNet5Step(Workload):
    """One SGD step of LeNet-5 on a batch of 28x28 grey images."""

    N: int = 64
    lr: float = 0.05

    @cached_property
    def arrays(self) -> FloatArrays:
        rng = np.random.default_rng(self.seed)
        return {"x": rng.standard_normal((self.N, 1, 28, 28)).astype(np.float32),
                "y": rng.integers(0, 10, self.N).astype(np.int64),
                "c1.weight": _u(rng, (6, 1, 5, 5), 25), "c1.bias": _u(rng, (6,), 25),
                "c2.weight": _u(rng, (16, 6, 5, 5), 150), "c2.bias": _u(rng, (16,), 150),
                "f1.weight": _u(rng, (120, 400), 400), "f1.bias": _u(rng, (120,), 400),
                "f2.weight": _u(rng, (84, 120), 120), "f2.bias": _u(rng, (84,), 120),
                "f3.weight": _u(rng, (10, 84), 84), "f3.bias": _u(rng, (10,), 84)}

    def conv_flops(self) -> tuple[float, float]:
        """Forward multiply-adds x 2 of the two convolutions, and their backward (2x forward)."""
        fwd = 2 * self.N * (6 * 28 * 28 * 25 + 16 * 10 * 10 * 150)
        return float(fwd), float(2 * fwd)

    def torch_model(self, torch):
        """LeNet-5 as an ``nn.Module`` holding this workload's weights (PyTorch's API: the same
        code builds it in torch and in dlcore_eager)."""
        a = self.arrays
        nn, F = torch.nn, torch.nn.functional

        class LeNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.c1 = nn.Conv2d(1, 6, 5, padding=2)
                self.c2 = nn.Conv2d(6, 16, 5)
                self.f1, self.f2 = nn.Linear(400, 120), nn.Linear(120, 84)
                self.f3 = nn.Linear(84, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.c1(x)), 2)
                x = F.max_pool2d(F.relu(self.c2(x)), 2)
                x = torch.flatten(x, 1)
                return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))

        m = LeNet()
        for name, p in m.named_parameters():
            _set(torch, p, a[name])
        return m

    def torch_program(self, torch, device: str, wrap=None):
        """One SGD step; ``wrap`` (``torch.compile``) is applied to the step function."""
        a = self.arrays
        m = self.torch_model(torch)
        return sgd_step(torch, m.parameters(), m, torch.from_numpy(a["x"]),
                        torch.from_numpy(a["y"]), self.lr, wrap)

    def tf1_program(self, tf, wl):
        a = self.arrays
        x = tf.placeholder(tf.float32, (None, 28, 28, 1))
        y = tf.placeholder(tf.int64, (None,))
        v = {k: tf.Variable(_hwio(a[k + ".weight"]), name=k) for k in ("c1", "c2")}
        f1 = a["f1.weight"].T.reshape(16, 5, 5, 120).transpose(1, 2, 0, 3).reshape(400, 120)
        v["f1"] = tf.Variable(np.ascontiguousarray(f1), name="f1")
        v["f2"] = tf.Variable(np.ascontiguousarray(a["f2.weight"].T), name="f2")
        v["f3"] = tf.Variable(np.ascontiguousarray(a["f3.weight"].T), name="f3")
        b = {k: tf.Variable(a[k + ".bias"], name=k + "_b") for k in ("c1", "c2", "f1", "f2",
                                                                       "f3")}
        h = tf.nn.relu(tf.nn.conv2d(x, v["c1"], [1, 1, 1, 1], "SAME") + b["c1"])
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        h = tf.nn.relu(tf.nn.conv2d(h, v["c2"], [1, 1, 1, 1], "VALID") + b["c2"])
        h = tf.reshape(tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), (-1, 400))
        h = tf.nn.relu(tf.matmul(h, v["f1"]) + b["f1"])
        h = tf.nn.relu(tf.matmul(h, v["f2"]) + b["f2"])
        return tf1_train(tf, {"x": a["x"], "y": a["y"]}, tf.matmul(h, v["f3"]) + b["f3"], x, y,
                         self.lr)


@dataclass(frozen=True)
class ResNetStep(Workload):
    """One SGD step of a small ResNet (basic blocks with batch norm) on 32x32 colour images."""

    N: int = 32
    widths: tuple = (16, 32, 64)
    lr: float = 0.05

    def _convs(self) -> list[tuple[str, int, int, int]]:
        """(name, in, out, kernel) of every convolution, in order."""
        out = [("stem", 3, self.widths[0], 3)]
        cin = self.widths[0]
        for i, w in enumerate(self.widths):
            out += [(f"b{i}.c1", cin, w, 3), (f"b{i}.c2", w, w, 3)]
            if w != cin:
                out.append((f"b{i}.sc", cin, w, 1))
            cin = w
        return out

    @cached_property
    def arrays(self) -> FloatArrays:
        rng = np.random.default_rng(self.seed)
        a = {"x": rng.standard_normal((self.N, 3, 32, 32)).astype(np.float32),
             "y": rng.integers(0, 10, self.N).astype(np.int64)}
        for name, cin, cout, k in self._convs():
            a[name] = _u(rng, (cout, cin, k, k), cin * k * k)
        a["fc.weight"] = _u(rng, (10, self.widths[-1]), self.widths[-1])
        a["fc.bias"] = _u(rng, (10,), self.widths[-1])
        return a

    def torch_program(self, torch, device: str, wrap=None):
        """One SGD step; ``wrap`` (``torch.compile``) is applied to the step function."""
        a, nn, F = self.arrays, torch.nn, torch.nn.functional
        convs, bns = {}, {}
        for name, cin, cout, k in self._convs():
            convs[name] = nn.Conv2d(cin, cout, k, stride=1, padding=k // 2, bias=False)
            _set(torch, convs[name].weight, a[name])
            if not name.endswith(".sc"):
                bns[name] = nn.BatchNorm2d(cout)
        fc = nn.Linear(self.widths[-1], 10)
        _set(torch, fc.weight, a["fc.weight"])
        _set(torch, fc.bias, a["fc.bias"])
        params = [p for m in list(convs.values()) + list(bns.values()) + [fc]
                  for p in m.parameters()]
        x, y = torch.from_numpy(a["x"]), torch.from_numpy(a["y"])
        stride = {f"b{i}": (2 if i and w != self.widths[i - 1] else 1)
                  for i, w in enumerate(self.widths)}

        def conv(name, h, s=1):
            c = convs[name]
            return F.conv2d(h, c.weight, None, s, c.padding)

        def forward(h):
            h = F.relu(bns["stem"](conv("stem", h)))
            for i in range(len(self.widths)):
                b, s = f"b{i}", stride[f"b{i}"]
                out = F.relu(bns[b + ".c1"](conv(b + ".c1", h, s)))
                out = bns[b + ".c2"](conv(b + ".c2", out))
                sc = conv(b + ".sc", h, s) if b + ".sc" in convs else h
                h = F.relu(out + sc)
            return fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))

        return sgd_step(torch, params, forward, x, y, self.lr, wrap)

    def tf1_program(self, tf, wl):
        a = self.arrays
        x = tf.placeholder(tf.float32, (None, 32, 32, 3))
        y = tf.placeholder(tf.int64, (None,))
        k = {name: tf.Variable(_hwio(a[name]), name=name.replace(".", "_"))
             for name, *_ in self._convs()}

        def conv(name, h, s=1):
            ks = a[name].shape[-1]
            if s == 1:
                return tf.nn.conv2d(h, k[name], [1, 1, 1, 1], "SAME" if ks > 1 else "VALID")
            h = tf.pad(h, [[0, 0], [ks // 2] * 2, [ks // 2] * 2, [0, 0]]) if ks > 1 else h
            return tf.nn.conv2d(h, k[name], [1, s, s, 1], "VALID")

        def bn(h):
            return tf.layers.batch_normalization(h, momentum=0.9, epsilon=1e-5, training=True)

        h = tf.nn.relu(bn(conv("stem", x)))
        for i, w in enumerate(self.widths):
            b = f"b{i}"
            s = 2 if i and w != self.widths[i - 1] else 1
            out = tf.nn.relu(bn(conv(b + ".c1", h, s)))
            out = bn(conv(b + ".c2", out))
            sc = conv(b + ".sc", h, s) if b + ".sc" in k else h
            h = tf.nn.relu(out + sc)
        return tf1_train(tf, a, tf.reduce_mean(h, axis=[1, 2]), x, y, self.lr, update_ops=True)


def workloads(size: str) -> list[Workload]:
    if size == "tiny":      # toy shapes for the harness's own tests
        return [LeNet5Step("lenet5", "cnn", "LeNet-5 training step (28x28, batch 4)", N=4),
                ResNetStep("resnet_small", "cnn", "small ResNet step (32x32, batch 3, 2-4)", N=3,
                           widths=(2, 4))]
    if size == "quick":
        return [LeNet5Step("lenet5", "cnn", "LeNet-5 training step (28x28, batch 64)"),
                ResNetStep("resnet_small", "cnn", "small ResNet step (32x32, batch 8, 8-16-32)",
                           N=8, widths=(8, 16, 32))]
    return [LeNet5Step("lenet5", "cnn", "LeNet-5 training step (28x28, batch 64)"),
            ResNetStep("resnet_small", "cnn",
                       "small ResNet step (32x32, batch 32, blocks of 16-32-64, batch norm)")]
