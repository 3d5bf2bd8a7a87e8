"""A depthwise-separable CNN (MobileNet's blocks) training step: the depthwise (``groups == C``)
and pointwise (1x1) convolutions the other CNN rows do not have.  It carries its own programs,
as ``cnn.py``'s workloads do (``torch_program`` for PyTorch, dlcore_eager and torch.compile;
``tf1_program``, with ``tf.nn.depthwise_conv2d``, for the TF1-style engines); there are no JAX
or NumPy-by-hand programs for it.

* ``DepthwiseSeparable``: 32x32x3 images: conv 3x3 (16) + batch norm + relu, then blocks of a
  3x3 depthwise convolution (stride 1 or 2) + batch norm + relu and a 1x1 convolution + batch
  norm + relu (16 -> 32, 32 -> 64 stride 2, 64 -> 64, 64 -> 128 stride 2, 128 -> 128), global
  average pooling, dense 10, mean cross-entropy, one SGD step; batch norm in training mode.

One set of arrays in PyTorch's layout (NCHW data, OIHW kernels: a depthwise kernel (C, 1, 3,
3)); the TF program transposes them (NHWC, HWIO, a depthwise kernel (3, 3, C, 1)).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .base import FloatArrays, Workload
from .cnn import _hwio, _set, _u, sgd_step, tf1_train

ORDER = 34


@dataclass(frozen=True)
class DepthwiseSeparable(Workload):
    """One SGD step of a small MobileNet-style network on 32x32 colour images."""

    N: int = 32
    #: (input channels, output channels, depthwise stride) of each separable block
    blocks: tuple = ((16, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2), (128, 128, 1))
    lr: float = 0.05

    @cached_property
    def arrays(self) -> FloatArrays:
        rng = np.random.default_rng(self.seed)
        a = {"x": rng.standard_normal((self.N, 3, 32, 32)).astype(np.float32),
             "y": rng.integers(0, 10, self.N).astype(np.int64),
             "stem": _u(rng, (self.blocks[0][0], 3, 3, 3), 27)}
        for i, (cin, cout, _) in enumerate(self.blocks):
            a[f"dw{i}"] = _u(rng, (cin, 1, 3, 3), 9)
            a[f"pw{i}"] = _u(rng, (cout, cin, 1, 1), cin)
        c = self.blocks[-1][1]
        a["fc.weight"] = _u(rng, (10, c), c)
        a["fc.bias"] = _u(rng, (10,), c)
        return a

    def torch_program(self, torch, device: str, wrap=None):
        """One SGD step; ``wrap`` (``torch.compile``) is applied to the step function."""
        a, nn = self.arrays, torch.nn
        stem = nn.Conv2d(3, self.blocks[0][0], 3, padding=1, bias=False)
        _set(torch, stem.weight, a["stem"])
        layers = [stem, nn.BatchNorm2d(self.blocks[0][0]), nn.ReLU()]
        for i, (cin, cout, s) in enumerate(self.blocks):
            dw = nn.Conv2d(cin, cin, 3, stride=s, padding=1, groups=cin, bias=False)
            pw = nn.Conv2d(cin, cout, 1, bias=False)
            _set(torch, dw.weight, a[f"dw{i}"])
            _set(torch, pw.weight, a[f"pw{i}"])
            layers += [dw, nn.BatchNorm2d(cin), nn.ReLU(), pw, nn.BatchNorm2d(cout), nn.ReLU()]
        fc = nn.Linear(self.blocks[-1][1], 10)
        _set(torch, fc.weight, a["fc.weight"])
        _set(torch, fc.bias, a["fc.bias"])
        model = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), fc)
        return sgd_step(torch, model.parameters(), model, torch.from_numpy(a["x"]),
                        torch.from_numpy(a["y"]), self.lr, wrap)

    def tf1_program(self, tf, wl):
        a = self.arrays
        x = tf.placeholder(tf.float32, (None, 32, 32, 3))
        y = tf.placeholder(tf.int64, (None,))

        def bn_relu(h):
            return tf.nn.relu(tf.layers.batch_normalization(h, momentum=0.9, epsilon=1e-5,
                                                            training=True))

        def padded(h, s):               # PyTorch's symmetric padding 1 (SAME pads 0/1 at s 2)
            return (h, "SAME") if s == 1 else (tf.pad(h, [[0, 0], [1, 1], [1, 1], [0, 0]]),
                                               "VALID")

        h = bn_relu(tf.nn.conv2d(x, tf.Variable(_hwio(a["stem"]), name="stem"), [1, 1, 1, 1],
                                 "SAME"))
        for i, (cin, cout, s) in enumerate(self.blocks):
            k = tf.Variable(np.ascontiguousarray(a[f"dw{i}"].transpose(2, 3, 0, 1)),
                            name=f"dw{i}")                      # (3, 3, C, 1)
            hp, pad = padded(h, s)
            h = bn_relu(tf.nn.depthwise_conv2d(hp, k, [1, s, s, 1], pad))
            h = bn_relu(tf.nn.conv2d(h, tf.Variable(_hwio(a[f"pw{i}"]), name=f"pw{i}"),
                                     [1, 1, 1, 1], "VALID"))
        return tf1_train(tf, a, tf.reduce_mean(h, axis=[1, 2]), x, y, self.lr, update_ops=True)


def workloads(size: str) -> list[Workload]:
    if size == "tiny":      # the harness's tiny run needs every engine to speak it
        return []
    title = "depthwise-separable CNN step (32x32, batch {}, 16-32-64-128, batch norm)"
    if size == "quick":
        return [DepthwiseSeparable("mobilenet_small", "cnn", title.format(16), N=16)]
    return [DepthwiseSeparable("mobilenet_small", "cnn", title.format(32))]
