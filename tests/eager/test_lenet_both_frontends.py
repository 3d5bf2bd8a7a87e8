"""LeNet-5 trained a few SGD steps in both front ends from the same initial weights gives the
same losses: eager (NCHW, PyTorch layout) and static (NHWC, TF layout: HWIO kernels, and the
first dense layer's rows reordered because TF flattens (H, W, C) where PyTorch flattens (C, H, W)),
with and without the static graph passes; PyTorch itself as the oracle where installed."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.nn as dnn
import dlcore_eager.nn.functional as DF
import dlcore_static as tf

STEPS, LR = 4, 0.05


def _weights(rng):
    def u(*shape):
        return rng.uniform(-0.3, 0.3, shape)
    return {"c1.w": u(6, 1, 5, 5), "c1.b": u(6), "c2.w": u(16, 6, 5, 5), "c2.b": u(16),
            "f1.w": u(120, 400), "f1.b": u(120), "f2.w": u(84, 120), "f2.b": u(84),
            "f3.w": u(10, 84), "f3.b": u(10)}


def _data(rng):
    return rng.standard_normal((8, 1, 28, 28)), rng.integers(0, 10, 8)


def _eager_losses(w, x, y, nn=dnn, F=DF, torch=dt):
    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, 6, 5, padding=2)
            self.c2 = nn.Conv2d(6, 16, 5)
            self.f1, self.f2, self.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.c1(x)), 2)
            x = F.max_pool2d(F.relu(self.c2(x)), 2)
            x = torch.flatten(x, 1)
            return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))
    m = LeNet().double()
    m.load_state_dict({k.replace(".w", ".weight").replace(".b", ".bias"): torch.tensor(v)
                       for k, v in w.items()})
    opt = torch.optim.SGD(m.parameters(), lr=LR)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = F.cross_entropy(m(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    return losses


def _static_losses(w, x, y, passes):
    with tf.Graph().as_default():
        xp = tf.placeholder(tf.float64, [None, 28, 28, 1])
        yp = tf.placeholder(tf.int64, [None])
        hwio = {k: tf.Variable(w[k].transpose(2, 3, 1, 0)) for k in ("c1.w", "c2.w")}
        b = {k: tf.Variable(w[k]) for k in ("c1.b", "c2.b", "f1.b", "f2.b", "f3.b")}
        f1 = w["f1.w"].T.reshape(16, 5, 5, 120).transpose(1, 2, 0, 3).reshape(400, 120)
        dense = {"f1.w": tf.Variable(f1), "f2.w": tf.Variable(w["f2.w"].T),
                 "f3.w": tf.Variable(w["f3.w"].T)}
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(xp, hwio["c1.w"], [1, 1, 1, 1], "SAME"),
                                      b["c1.b"]))
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        h = tf.nn.relu(tf.nn.conv2d(h, hwio["c2.w"], [1, 1, 1, 1], "VALID") + b["c2.b"])
        h = tf.reshape(tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), [-1, 400])
        h = tf.nn.relu(tf.matmul(h, dense["f1.w"]) + b["f1.b"])
        h = tf.nn.relu(tf.matmul(h, dense["f2.w"]) + b["f2.b"])
        logits = tf.matmul(h, dense["f3.w"]) + b["f3.b"]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yp,
                                                                             logits=logits))
        train = tf.train.GradientDescentOptimizer(LR).minimize(loss)
        sess = tf.Session(passes=passes) if passes else tf.Session()
        with sess:
            sess.run(tf.global_variables_initializer())
            feed = {xp: x.transpose(0, 2, 3, 1), yp: y}
            return [float(sess.run([loss, train], feed)[0]) for _ in range(STEPS)]


@pytest.mark.parametrize("passes", [None, "all"])
def test_lenet5_same_losses_in_both_front_ends(passes):
    rng = np.random.default_rng(0)
    w = _weights(rng)
    x, y = _data(rng)
    eager = _eager_losses(w, x, y)
    static = _static_losses(w, x, y, passes)
    assert eager[-1] < eager[0]                      # it trains
    np.testing.assert_allclose(static, eager, rtol=1e-10)


def test_lenet5_losses_match_pytorch():
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    try:
        rng = np.random.default_rng(1)
        w = _weights(rng)
        x, y = _data(rng)
        want = _eager_losses(w, x, y, torch.nn, torch.nn.functional, torch)
    finally:
        torch.set_default_dtype(torch.float32)
    np.testing.assert_allclose(_eager_losses(w, x, y), want, rtol=1e-10)
