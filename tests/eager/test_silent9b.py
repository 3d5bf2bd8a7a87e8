"""requires_grad flags, grad_fn names and backward of host-computed results vs PyTorch 2.13
(helper-D9b, from helper-D9's differential sweep): heaviside/histogram record PyTorch's
NotImplemented node (backward raises its RuntimeError), nextafter/frexp their gradients."""

import pytest
import torch

import dlcore_eager as dt

CASES = {
    "frexp": lambda L, x, y: L.frexp(x * 3),
    "heaviside": lambda L, x, y: L.heaviside(x, y),
    "nextafter": lambda L, x, y: L.nextafter(x, y),
    "histogram": lambda L, x, y: L.histogram(x, 3),
    "histogram_method": lambda L, x, y: x.histogram(3),
}


def _run(L, f):
    x = L.tensor([1.5, -2.0, 3.0], requires_grad=True)
    y = L.tensor([0.5, 1.0, 2.0], requires_grad=True)
    r = f(L, x, y)
    rs = r if isinstance(r, tuple) else (r,)
    flags = [(t.requires_grad, type(t.grad_fn).__name__) for t in rs]
    try:
        rs[0].sum().backward()
        err = None
    except RuntimeError as e:
        err = str(e)
    grads = [None if t.grad is None else t.grad.tolist() for t in (x, y)]
    # (values: to 1e-6; histogram's float32 edges may differ from PyTorch's linspace by an ulp)
    values = [[round(v, 6) for v in t.detach().reshape(-1).tolist()] for t in rs]
    return flags, err, grads, values


@pytest.mark.parametrize("name", sorted(CASES))
def test_flags_and_backward_as_torch(name):
    assert _run(dt, CASES[name]) == _run(torch, CASES[name])


@pytest.mark.parametrize("name", ["heaviside", "nextafter", "frexp"])
def test_no_grad_mode_records_nothing(name):
    x = dt.tensor([1.5, -2.0], requires_grad=True)
    with dt.no_grad():
        r = CASES[name](dt, x, dt.tensor([1.0, 2.0]))
    r = r[0] if isinstance(r, tuple) else r
    assert not r.requires_grad and r.grad_fn is None
