"""The eager LSTMCell step (``lstm_step``, whose output keeps z for its gradient) and
``torch.stack`` (the ``stack`` primitive) on a CUDA device against the CPU: values and
gradients (under Numba's CUDA simulator in CI; tiny shapes)."""

from __future__ import annotations

import numpy as np

import dlcore_eager as dt


def test_lstm_cell_step_on_cuda_equals_cpu():
    dt.manual_seed(0)
    cell = dt.nn.LSTMCell(3, 2).double()
    rng = np.random.default_rng(0)
    x0, h0, c0 = (rng.standard_normal(s) for s in ((2, 3), (2, 2), (2, 2)))
    res = []
    for dev in ("cpu", "cuda"):
        m = cell.to(dev)
        x = dt.tensor(x0).to(dev).requires_grad_()
        h, c = dt.tensor(h0).to(dev), dt.tensor(c0).to(dev)
        h2, c2 = m(x, (h, c))
        assert h2.device.type == dev and tuple(h2.shape) == (2, 2)
        (h2 * 1.5 + c2 * c2).sum().backward()
        res.append([h2.detach().cpu().numpy(), c2.detach().cpu().numpy(), x.grad.cpu().numpy()]
                   + [p.grad.cpu().numpy() for p in m.parameters()])
        for p in m.parameters():
            p.grad = None
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_stack_on_cuda_equals_cpu():
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal((2, 3)) for _ in range(3)]
    w = rng.standard_normal((2, 3, 3))
    res = []
    for dev in ("cpu", "cuda"):
        ts = [dt.tensor(x).to(dev).requires_grad_() for x in xs]
        y = dt.stack(ts, -1)
        (y * dt.tensor(w).to(dev)).sum().backward()
        res.append([y.detach().cpu().numpy()] + [t.grad.cpu().numpy() for t in ts])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-12)
