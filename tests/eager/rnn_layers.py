"""Shared by the fused GRU and Elman layer tests (``test_gru_seq_layer``,
``test_rnn_seq_layer``): one ``nn.GRU``/``nn.RNN`` forward and backward in either library with
the same parameters and data, a gradient penalty through it (double backward), and a counter
of a primitive's CPU kernel calls."""

from __future__ import annotations

import numpy as np


def run_layer(lib, name, dtype, T, B, D, H, layers, bidir, hx, batch_first, **kwargs):
    """Outputs, final state, the input's gradient, every parameter's and (``hx``) h0's."""
    m = getattr(lib.nn, name)(D, H, layers, bidirectional=bidir, batch_first=batch_first,
                              **kwargs)
    rng = np.random.default_rng(1)
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.from_numpy(rng.uniform(-0.6, 0.6, tuple(p.shape)).astype(np.float32)))
    m = m.double() if dtype == np.float64 else m
    x = lib.from_numpy(rng.standard_normal((B, T, D) if batch_first else (T, B, D))
                       .astype(dtype)).requires_grad_()
    nd = 2 if bidir else 1
    h0 = lib.from_numpy(rng.standard_normal((layers * nd, B, H)).astype(dtype)).requires_grad_()
    out, hn = m(x, h0) if hx else m(x)
    w = lib.from_numpy(rng.standard_normal(tuple(out.shape)).astype(dtype))
    ((out * w).sum() + (hn ** 2).sum()).backward()
    res = [out.detach().numpy(), hn.detach().numpy(), x.grad.numpy()]
    return res + [p.grad.numpy() for p in m.parameters()] + ([h0.grad.numpy()] if hx else [])


def penalty(lib, name, rng, layers=1, bidir=False, **kwargs):
    """A gradient penalty ``|d loss / d x|^2 + (d loss / d h0)^3`` summed, and its gradients
    w.r.t. x, h0 and the parameters (float64)."""
    m = getattr(lib.nn, name)(3, 4, num_layers=layers, bidirectional=bidir, **kwargs).double()
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.from_numpy(rng.standard_normal(tuple(p.shape)) * 0.5))
    nd = 2 if bidir else 1
    x = lib.tensor(rng.standard_normal((5, 2, 3)), requires_grad=True)
    h0 = lib.tensor(rng.standard_normal((layers * nd, 2, 4)), requires_grad=True)
    y, hn = m(x, h0)
    gx, gh = lib.autograd.grad((y * y).sum() + hn.sum() ** 2, (x, h0), create_graph=True)
    pen = (gx ** 2).sum() + (gh ** 3).sum()
    return [t.detach().numpy() for t in lib.autograd.grad(pen, [x, h0, *m.parameters()])]


def count_calls(monkeypatch, prims: dict) -> dict:
    """{name: number of calls} of each primitive's CPU kernel from now on."""
    calls = dict.fromkeys(prims, 0)
    for name, prim in prims.items():
        def counted(*a, _k=prim.kernels["cpu"], _n=name, **kw):
            calls[_n] += 1
            return _k(*a, **kw)
        monkeypatch.setitem(prim.kernels, "cpu", counted)
    return calls
