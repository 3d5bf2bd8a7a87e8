"""The fused GRU update (``gru_gates``, its output ``[h', r, z, n]``, and ``gru_gates_grad``)
on a CUDA device against the CPU: eager ``nn.GRUCell`` and ``nn.GRU`` values and gradients,
and the primitives' CUDA kernels against the CPU kernels (under Numba's CUDA simulator in CI;
tiny shapes)."""

from __future__ import annotations

import numpy as np

import dlcore
import dlcore_eager as dt
from dlcore.ops import sequence as seq


def _run(m, dev, shapes, rng_seed):
    rng = np.random.default_rng(rng_seed)
    x0, h0 = (rng.standard_normal(s) for s in shapes)
    m = m.to(dev)
    x = dt.tensor(x0).to(dev).requires_grad_()
    h = dt.tensor(h0).to(dev).requires_grad_()
    out = m(x, h)
    y = out[0] * out[0] + out[1].sum() if isinstance(out, tuple) else out * 1.5 + out * out
    assert y.device.type == dev
    y.sum().backward()
    res = [y.detach().cpu().numpy(), x.grad.cpu().numpy(), h.grad.cpu().numpy()] + \
        [p.grad.cpu().numpy() for p in m.parameters()]
    for p in m.parameters():
        p.grad = None
    return res


def test_gru_cell_and_layer_on_cuda_equal_cpu():
    dt.manual_seed(0)
    for m, shapes in ((dt.nn.GRUCell(3, 2).double(), ((2, 3), (2, 2))),
                      (dt.nn.GRU(3, 2, bidirectional=True).double(), ((3, 2, 3), (2, 2, 2)))):
        cpu = _run(m, "cpu", shapes, 1)
        cuda = _run(m, "cuda", shapes, 1)
        for a, b in zip(cpu, cuda):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_gru_gates_kernels_on_cuda_equal_cpu():
    rng = np.random.default_rng(2)
    for dtype in (np.float32, np.float64):
        xz, hz = (rng.standard_normal((3, 6)).astype(dtype) for _ in range(2))
        h = rng.standard_normal((3, 2)).astype(dtype)
        g = rng.standard_normal((3, 8)).astype(dtype)
        y = seq.bind(seq.gru_gates_p, xz, hz, h)
        d = seq.bind(seq.gru_gates_grad_p, g, y, hz, h)
        dev = [dlcore.to_device(a, "cuda") for a in (xz, hz, h, g)]
        yc = seq.bind(seq.gru_gates_p, *dev[:3])
        dc = seq.bind(seq.gru_gates_grad_p, dev[3], yc, dev[1], dev[2])
        tol = 1e-6 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(dlcore.to_host(yc), y, rtol=tol, atol=tol)
        np.testing.assert_allclose(dlcore.to_host(dc), d, rtol=tol, atol=tol)
