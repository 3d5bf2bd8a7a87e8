"""F.linear of a stack of rows (a transformer's (B, T, C) input) through the eager lane
(issue 19: ``nn.functional._fast_linear_stack``; nanoGPT's linears took the general path, 78
against PyTorch's 20 us at (4, 16, 32) -> 96): the general path's values, gradients and nodes,
PyTorch's too."""

import numpy as np
import pytest

import dlcore_eager as T
import dlcore_eager.nn.functional as FM
from _grad_graph import graph_names as _graph



def _run(lib, x, w, b):
    xt = lib.tensor(x, requires_grad=True)
    wt = lib.tensor(w, requires_grad=True)
    bt = None if b is None else lib.tensor(b, requires_grad=True)
    y = lib.nn.functional.linear(xt, wt, bt)
    y.backward(lib.tensor(np.linspace(-1, 1, y.numel(), dtype=x.dtype).reshape(y.shape)))
    return y, xt, wt, bt


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(2, 5, 8), (3, 1, 2, 8)])
def test_the_general_paths_values_gradients_and_nodes(monkeypatch, dtype, bias, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((3, 8)).astype(dtype)
    b = rng.standard_normal(3).astype(dtype) if bias else None
    calls: list = []
    real = FM._fast_linear_stack
    monkeypatch.setattr(FM, "_fast_linear_stack", lambda *a: calls.append(1) or real(*a))
    got = _run(T, x, w, b)
    assert calls and got[0].shape == (*shape[:-1], 3)
    monkeypatch.setattr(FM, "_fast_linear_stack", lambda *a: None)
    want = _run(T, x, w, b)
    np.testing.assert_array_equal(got[0].detach().numpy(), want[0].detach().numpy())
    for g, r in zip(got[1:], want[1:]):                 # (the leaves' gradients)
        if g is not None:
            np.testing.assert_array_equal(g.grad.numpy(), r.grad.numpy())
    assert _graph(got[0]) == _graph(want[0])
    torch = pytest.importorskip("torch")
    ref = _run(torch, x, w, b)
    tol = 1e-5 if dtype == "float32" else 1e-12
    for g, r in zip(got[1:], ref[1:]):
        if g is not None:
            np.testing.assert_allclose(g.grad.numpy(), r.grad.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(got[0].detach().numpy(), ref[0].detach().numpy(), rtol=tol,
                               atol=tol)
    assert [n for n, _ in _graph(got[0])] == [n for n, _ in _graph(ref[0])]


def test_what_it_declines_goes_the_general_way():
    w = T.ones(3, 8)
    strided = T.ones(2, 8, 5).transpose(1, 2)          # not C-contiguous
    assert FM._fast_linear_stack(strided, w, None, strided._buf) is None
    assert FM.linear(strided, w).shape == (2, 5, 3)
    bad = T.ones(2, 5, 7)
    assert FM._fast_linear_stack(bad, w, None, bad._buf) is None
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(10x7 and 8x3\)"):
        FM.linear(bad, w)
