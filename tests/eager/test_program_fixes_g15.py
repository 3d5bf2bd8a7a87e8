"""Library fixes found by the G15 tutorial programs (tests/programs/eager/), checked against real
PyTorch: optimizers step a 0-d parameter (Adam's host path refused NumPy's 0-d scalars:
'return arrays must be of ArrayType'; the Gaussian-process program's softplus'd scalar
hyperparameters), and a complex parameter is stepped through its real view as PyTorch's
optimizers do (the FNO program's cfloat spectral weights: Adam's second moment holds re(g)^2 and
im(g)^2, not g*g), its state staying complex."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager

torch = pytest.importorskip("torch")

OPTIMIZERS = [("Adam", {}), ("Adam", {"amsgrad": True, "weight_decay": 0.1}), ("AdamW", {}),
              ("SGD", {"momentum": 0.9, "nesterov": True}),
              ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {}), ("Adamax", {}),
              ("NAdam", {}), ("RAdam", {}), ("Rprop", {}), ("ASGD", {}), ("Adadelta", {})]


def _steps(lib, name, kw, value, loss_fn, n=4):
    p = lib.nn.Parameter(lib.tensor(value))
    opt = getattr(lib.optim, name)([p], lr=0.1, **kw)
    for _ in range(n):
        opt.zero_grad()
        loss_fn(p).backward()
        opt.step()
    state = {k: (tuple(v.shape), str(v.dtype).split(".")[-1], v.numpy().tolist())
             for k, v in opt.state_dict()["state"][0].items() if hasattr(v, "shape")}
    return p.detach().numpy(), state


def _same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k][:2] == b[k][:2], k
        np.testing.assert_allclose(np.asarray(a[k][2]), np.asarray(b[k][2]), rtol=1e-5,
                                   atol=1e-6, err_msg=k)


@pytest.mark.parametrize("name,kw", OPTIMIZERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_0d_parameter_steps_as_torch(name, kw, dtype):
    def loss(p):
        return p * p + p.sin()
    got, gs = _steps(dlcore_eager, name, kw, np.array(0.5, dtype=dtype), loss)
    want, ws = _steps(torch, name, kw, np.array(0.5, dtype=dtype), loss)
    assert got.shape == () and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)
    _same_state(gs, ws)


@pytest.mark.parametrize("name,kw", OPTIMIZERS)
def test_a_complex_parameter_steps_through_its_real_view(name, kw):
    w0 = np.array([[1 + 2j, -0.5 + 0.3j], [0.2 - 1j, 0.7 + 0.1j]], dtype=np.complex64)

    def loss(w):
        return (w * w.conj()).real.sum() + (w.real * 2).sum() + w.imag.pow(3).sum()
    got, gs = _steps(dlcore_eager, name, kw, w0, loss)
    want, ws = _steps(torch, name, kw, w0, loss)
    assert got.dtype == np.complex64
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    _same_state(gs, ws)                # moments complex64 of the parameter's shape, as torch's
