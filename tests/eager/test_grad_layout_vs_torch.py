"""A leaf's ``.grad`` has the parameter's strides, as PyTorch's AccumulateGrad gives it
(``clone_obey_contract``): a C-ordered weight whose gradient is a transposed matmul result (a
Linear, an LSTM, ``x @ w.t()``) gets a C-ordered ``.grad`` (``is_contiguous()``), a transposed
leaf keeps its transposed strides; accumulating a second backward keeps them and the values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import dlcore_eager

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype(np.float32)
W = RNG.standard_normal((5, 4)).astype(np.float32)


def _linear(m):
    lin = m.nn.Linear(4, 5)
    with m.no_grad():
        lin.weight.copy_(m.from_numpy(W.copy()))
        lin.bias.zero_()
    lin(m.from_numpy(X.copy())).pow(2).sum().backward()
    return lin.weight


def _lstm(m):
    m.manual_seed(0)
    lstm = m.nn.LSTM(4, 3, 2)
    lstm(m.from_numpy(X.reshape(3, 1, 4).copy()))[0].sum().backward()
    return lstm.weight_hh_l1


def _mm_t(m):
    w = m.from_numpy(W.copy()).requires_grad_()
    (m.from_numpy(X.copy()) @ w.t()).sum().backward()
    return w


def _transposed_leaf(m):
    w = m.from_numpy(W.copy()).t().requires_grad_()
    (w * m.from_numpy(X.T.copy() @ np.ones((3, 5), np.float32))).sum().backward()
    return w


def _twice(m):
    w = m.from_numpy(W.copy()).requires_grad_()
    x = m.from_numpy(X.copy())
    for _ in range(2):
        (x @ w.t()).pow(2).sum().backward()
    return w


@pytest.mark.parametrize("make", [_linear, _lstm, _mm_t, _transposed_leaf, _twice])
def test_grad_strides_as_torch(make):
    t, d = make(torch), make(dlcore_eager)
    assert d.grad.stride() == t.grad.stride()
    assert d.grad.is_contiguous() == t.grad.is_contiguous()
    if make is not _lstm:          # the LSTM's weights are random: strides only
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_accumulation_overflows_quietly_as_torch():
    """A transposed gradient added into a C-ordered .grad (NumPy's add into it) reaches inf
    without a NumPy warning, as torch's add."""
    import warnings
    w0 = np.array([[3e38, 1.0], [2.0, -3e38]], np.float32)
    grads = []
    for m in (torch, dlcore_eager):
        w = m.from_numpy(w0.copy()).requires_grad_()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(3):
                (m.ones(3, 2) @ w.t()).backward(m.ones(3, 2) * 1e38)
        grads.append((w.grad.numpy(), w.grad.stride()))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    assert grads[0][1] == grads[1][1]
