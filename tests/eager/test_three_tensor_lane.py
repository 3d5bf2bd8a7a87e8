"""An op of three CPU tensors (layer_norm's x, weight and bias; where; index_add) through the
eager lane for several tensors (``_dispatch.apply``'s three-tensor branch, issue 19; it took the
general path, 33 -> 25 us a (4, 16, 32) LayerNorm): the general path's values, gradients and
node, PyTorch's values; 16-bit floats still take the half path, and a mix of float dtypes is
refused in PyTorch's words."""

import numpy as np
import pytest

import dlcore_eager as T
from dlcore_eager import _dispatch, _lane

_LN = T.nn.functional.layer_norm


def _lane_plans(prim_name):
    return [k for k in _lane._PLANS if getattr(k[0], "name", None) == prim_name]


def _run(x, w, b):
    xt, wt, bt = (T.tensor(v, requires_grad=True) for v in (x, w, b))
    y = _LN(xt, (x.shape[-1],), wt, bt, 1e-5)
    y.backward(T.tensor(np.linspace(-2, 2, y.numel(), dtype=x.dtype).reshape(y.shape)))
    return y, xt, wt, bt


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_norm_takes_the_lane_with_the_general_paths_results(monkeypatch, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 8)).astype(dtype)
    w, b = rng.standard_normal(8).astype(dtype), rng.standard_normal(8).astype(dtype)
    _lane._PLANS.clear()
    got = _run(x, w, b)
    assert _lane_plans("layer_norm")                   # (the lane made its plan)
    assert got[0].grad_fn.name() == "NativeLayerNormBackward0"
    monkeypatch.setattr(_dispatch, "_small_many", lambda *a: None)    # the general path
    want = _run(x, w, b)
    np.testing.assert_array_equal(got[0].detach().numpy(), want[0].detach().numpy())
    for g, r in zip(got[1:], want[1:]):
        np.testing.assert_array_equal(g.grad.numpy(), r.grad.numpy())
    assert got[0].grad_fn.name() == want[0].grad_fn.name()
    torch = pytest.importorskip("torch")
    ref = torch.nn.functional.layer_norm(torch.tensor(x), (8,), torch.tensor(w),
                                         torch.tensor(b), 1e-5)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got[0].detach().numpy(), ref.numpy(), rtol=tol, atol=tol)


def test_mixed_and_half_dtypes_keep_their_rules():
    """A bfloat16 x with float32 parameters is normalised in float32 (the composite's cast,
    then the lane) and returned in bfloat16; float32 with a float64 bias is refused in
    PyTorch's words before any kernel runs; three bfloat16 tensors take the half path (which
    computes in float32, through the lane too)."""
    x = T.randn(2, 4)
    w, b = T.ones(4) * 1.5, T.zeros(4) + 0.25
    y = _LN(x.to(T.bfloat16), (4,), w, b)
    xf = x.to(T.bfloat16).float().numpy()
    ref = (xf - xf.mean(1, keepdims=True)) / np.sqrt(xf.var(1, keepdims=True) + 1e-5)
    assert y.dtype == T.bfloat16
    np.testing.assert_allclose(y.float().numpy(), ref * 1.5 + 0.25, rtol=1e-2, atol=1e-2)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        _LN(x, (4,), w, T.zeros(4, dtype=T.float64))
    h = _LN(x.to(T.bfloat16), (4,), w.to(T.bfloat16), b.to(T.bfloat16))
    assert h.dtype == T.bfloat16
    np.testing.assert_allclose(h.float().numpy(), ref * 1.5 + 0.25, rtol=2e-2, atol=2e-2)


def _where_case(L, m, x, y):
    xt, yt = L.tensor(x, requires_grad=True), L.tensor(y, requires_grad=True)
    out = L.where(L.tensor(m), xt, yt)
    (out * L.tensor(np.arange(out.numel(), dtype=x.dtype).reshape(out.shape))).sum().backward()
    return out, xt, yt


def _index_add_case(L, m, x, y):
    xt, yt = L.tensor(x, requires_grad=True), L.tensor(y[:2], requires_grad=True)
    out = xt.index_add(0, L.tensor(np.array([2, 0])), yt)
    (out * L.tensor(np.arange(out.numel(), dtype=x.dtype).reshape(out.shape))).sum().backward()
    return out, xt, yt


@pytest.mark.parametrize("case", [_where_case, _index_add_case])
def test_mixed_dtype_ops_take_the_lane_with_the_general_paths_results(monkeypatch, case):
    """where's boolean mask and two values, index_add's values, int64 indices and source."""
    rng = np.random.default_rng(1)
    m = rng.random((3, 4)) > 0.5
    x, y = rng.standard_normal((3, 4)).astype("float32"), rng.standard_normal((3, 4)).astype(
        "float32")
    name = {_where_case: "where", _index_add_case: "index_add"}[case]
    _lane._PLANS.clear()
    got = case(T, m, x, y)
    assert _lane_plans(name)
    monkeypatch.setattr(_dispatch, "_small_many", lambda *a: None)
    want = case(T, m, x, y)
    np.testing.assert_array_equal(got[0].detach().numpy(), want[0].detach().numpy())
    assert got[0].grad_fn.name() == want[0].grad_fn.name()
    for g, r in zip(got[1:], want[1:]):
        np.testing.assert_array_equal(g.grad.numpy(), r.grad.numpy())
    torch = pytest.importorskip("torch")
    ref = case(torch, m, x, y)
    np.testing.assert_allclose(got[0].detach().numpy(), ref[0].detach().numpy(), rtol=1e-6)
    assert got[0].grad_fn.name() == ref[0].grad_fn.name()
    for g, r in zip(got[1:], ref[1:]):
        np.testing.assert_allclose(g.grad.numpy(), r.grad.numpy(), rtol=1e-6)
