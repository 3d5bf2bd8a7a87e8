"""Programs written as their public sources are (imports renamed, sizes scaled down), run as
scripts on dlcore_static and checked against NumPy recomputations or the installed Keras 3:

* tf_pde_raindrops.py: TF1's "Partial Differential Equations" tutorial (InteractiveSession,
  depthwise_conv2d Laplacian, tf.group of assigns, Operation.run(feed), Variable.eval,
  ``tf.constant(a, dtype=1)``: TF's DataType number)."""

from __future__ import annotations

import os
import re
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    K.clear_session()
    old = sys.argv
    sys.argv = [name] + list(argv)
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out, env


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", line)]


def test_pde_raindrops_matches_numpy(capsys):
    out, env = run_program("tf_pde_raindrops.py", capsys)
    env["sess"].close()
    rs = np.random.RandomState(0)
    n = 40
    u = np.zeros((n, n), np.float32)
    ut = np.zeros((n, n), np.float32)
    for _ in range(8):
        a, b = rs.randint(0, n, 2)
        u[a, b] = rs.uniform()
    k = np.array([[0.5, 1.0, 0.5], [1.0, -6., 1.0], [0.5, 1.0, 0.5]], np.float32)

    def laplace(x):
        p = np.pad(x, 1)
        return sum(k[i, j] * p[i:i + n, j:j + n] for i in range(3) for j in range(3))
    sums = []
    for i in range(100):
        u, ut = u + 0.03 * ut, ut + 0.03 * (laplace(u) - 0.04 * ut)
        if i % 25 == 0:
            sums.append((u ** 2).sum())
    got = [numbers(ln)[2] for ln in out.splitlines() if ln.startswith("step")]
    np.testing.assert_allclose(got, sums, rtol=1e-4)
    np.testing.assert_allclose(env["final_u"], u, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(env["final_ut"], ut, rtol=1e-4, atol=1e-5)
