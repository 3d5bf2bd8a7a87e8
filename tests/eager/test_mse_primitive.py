"""``F.mse_loss``/``nn.MSELoss`` of operands of one shape: the mse primitive, one node
(PyTorch's MseLossBackward0) whose forward equals the four-primitive composite bit for bit and
whose gradient is PyTorch's ``(a - b) 2 / n g`` (bit for bit against torch here); a target of
another shape, ``reduction='none'`` and 16-bit floats keep the composite."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.ops import composites, elementwise
from dlcore.ops.mse_prim import mse_p

torch = pytest.importorskip("torch")


def _pair(L, a, b, rg_b=True):
    return L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=rg_b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", [(32, 10), (7,), (2, 3, 4)])
def test_values_and_gradients_match_torch(shape, reduction, dtype):
    rng = np.random.default_rng(len(shape))
    a, b = (rng.standard_normal(shape).astype(dtype) for _ in range(2))
    got = {}
    for L in (torch, dl):
        x, y = _pair(L, a, b)
        loss = L.nn.functional.mse_loss(x, y, reduction=reduction)
        (loss * 3.0).backward()
        got[L] = (loss.item(), x.grad.numpy(), y.grad.numpy(), loss.grad_fn.name())
    np.testing.assert_allclose(got[dl][0], got[torch][0], rtol=1e-6)
    assert np.array_equal(got[dl][1], got[torch][1]) and np.array_equal(got[dl][2], got[torch][2])
    assert got[dl][3] == got[torch][3] == "MseLossBackward0"
    # the forward value is the composite's, bit for bit
    d = elementwise.sub(a, b)
    assert np.array_equal(composites.mse(a, b, reduction),
                          composites._reduce(elementwise.mul(d, d), reduction))


def test_one_node_with_torchs_edges():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    for L in (torch, dl):
        x, y = _pair(L, a, a * 0.5, rg_b=False)
        fn = L.nn.MSELoss()(x, y).grad_fn
        assert [type(n).__name__ if n is not None else None for n, _ in fn.next_functions] \
            == ["AccumulateGrad", None]
    x, y = _pair(dl, a, a * 0.5)
    assert dl.nn.functional.mse_loss(x, y).grad_fn.prim is mse_p


def test_second_order_matches_torch():
    rng = np.random.default_rng(5)
    a, b = (rng.standard_normal((4, 3)) for _ in range(2))
    got = {}
    for L in (torch, dl):
        x, y = _pair(L, a, b)
        loss = L.nn.functional.mse_loss(x, y)
        gx, = L.autograd.grad(loss, x, create_graph=True)
        (gx * L.tensor(a)).sum().backward()
        got[L] = (gx.detach().numpy(), x.grad.numpy(), y.grad.numpy())
    for u, v in zip(got[dl], got[torch]):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-15)


def test_other_cases_keep_the_composite_and_shape_errors_read_as_torchs():
    x = dl.randn(4, 3, requires_grad=True)
    with pytest.warns(UserWarning, match="Using a target size"):
        out = dl.nn.functional.mse_loss(x, dl.randn(3))
    assert out.grad_fn.prim is not mse_p
    assert dl.nn.functional.mse_loss(x, dl.randn(4, 3), reduction="none").shape == (4, 3)
    h = dl.randn(4, 3).half().requires_grad_()
    out = dl.nn.functional.mse_loss(h, dl.randn(4, 3).half())
    assert out.dtype == dl.float16
    for L in (torch, dl):
        with pytest.raises(RuntimeError, match="must match the size"), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")     # (PyTorch warns of the target's size first)
            L.nn.functional.mse_loss(L.randn(4, 3), L.randn(5, 3))
