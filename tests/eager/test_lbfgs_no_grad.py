"""LBFGS.step runs under no_grad with the closure under enable_grad, as PyTorch's: its
float(closure()) does not warn "Converting a tensor with requires_grad=True to a scalar"
(float() of such a tensor warns only where grad mode is on, as torch 2.13), and the iterates
match torch's in float64 (Rosenbrock, with and without the strong-Wolfe line search)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import dlcore_eager as T
from dlcore_eager import _conversions


def _run(L, line_search):
    x = L.tensor([-1.5, 2.0, 0.5, -0.3], dtype=L.float64, requires_grad=True)
    opt = L.optim.LBFGS([x], lr=1, max_iter=20, history_size=5, line_search_fn=line_search)
    modes = []

    def closure():
        modes.append(L.is_grad_enabled())
        opt.zero_grad()
        loss = ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum()
        loss.backward()
        return loss

    out = []
    for _ in range(3):
        loss = opt.step(closure)
        st = opt.state[opt._params[0]]
        out.append((loss.item(), st["func_evals"], st["n_iter"], x.tolist()))
    return out, set(modes)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_iterates_as_torch_without_the_float_warning(monkeypatch, line_search):
    monkeypatch.setattr(_conversions, "_FLOAT_WARNED", [False])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got, modes = _run(T, line_search)
    assert not [w for w in caught if "Converting a tensor" in str(w.message)]
    want, want_modes = _run(torch, line_search)
    assert modes == want_modes == {True}
    for (gl, ge, gn, gx), (wl, we, wn, wx) in zip(got, want):
        assert (ge, gn) == (we, wn)
        # float64 iterates of two BLAS builds: dot products summed in another order drift by
        # ~5e-12 over these iterations (this AMD machine); the evaluation counts stay exact
        np.testing.assert_allclose(gl, wl, rtol=1e-9)
        np.testing.assert_allclose(gx, wx, rtol=1e-9)


def test_float_of_a_grad_tensor_warns_only_in_grad_mode(monkeypatch):
    monkeypatch.setattr(_conversions, "_FLOAT_WARNED", [False])
    y = T.tensor(1.0, requires_grad=True) * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with T.no_grad():
            assert float(y) == 2.0
        assert not caught
        assert float(y) == 2.0
    assert len(caught) == 1 and "Converting a tensor with requires_grad=True" in \
        str(caught[0].message)
