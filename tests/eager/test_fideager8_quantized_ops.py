"""torch.relu/F.relu/nn.ReLU and torch.cat/stack of quantized tensors, as torch 2.13 runs them
(dlcore raised TypeError: a QTensor is no Tensor).  relu keeps the input's scale and zero
point and clamps the integers below at the zero point; cat gives the first tensor's
parameters, the others requantized with them (a UserWarning when they differ).  Integers and
messages recorded from torch 2.13; the last test compares with the installed torch."""

from __future__ import annotations

import warnings

import pytest

import dlcore_eager as torch
import dlcore_eager.nn.functional as F

X = [[-1.0, 0.5], [2.0, -0.25]]


def _q(dtype=None, scale=0.1, zp=10, k=1.0):
    x = torch.tensor(X) * k
    return torch.quantize_per_tensor(x, scale, zp, dtype or torch.quint8)


def _state(r):
    return r.dtype, r.q_scale(), r.q_zero_point(), r.int_repr().tolist()


@pytest.mark.parametrize("call", [torch.relu, F.relu, lambda q: torch.nn.ReLU()(q),
                                  lambda q: q.relu()])
def test_relu_keeps_the_parameters(call):
    q = _q()
    assert _state(call(q)) == (torch.quint8, 0.1, 10, [[10, 15], [30, 10]])
    assert q.int_repr().tolist() == [[0, 15], [30, 8]]             # (not in place)
    qi = _q(torch.qint8, zp=3)
    assert _state(call(qi)) == (torch.qint8, 0.1, 3, [[3, 8], [23, 3]])


@pytest.mark.parametrize("call", [torch.relu_, lambda q: F.relu(q, inplace=True),
                                  lambda q: torch.nn.ReLU(inplace=True)(q),
                                  lambda q: q.relu_()])
def test_relu_in_place(call):
    q = _q()
    assert call(q) is q
    assert _state(q) == (torch.quint8, 0.1, 10, [[10, 15], [30, 10]])


def test_relu_per_channel_refused_as_torch():
    qc = torch.quantize_per_channel(torch.tensor(X), torch.tensor([0.1, 0.2]),
                                    torch.tensor([1, 2]), 0, torch.quint8)
    with pytest.raises(RuntimeError, match=r"Expected quantizer->qscheme\(\) == "
                                           r"kPerTensorAffine to be true, but got false"):
        torch.relu(qc)


def test_cat_takes_the_first_tensor_s_parameters():
    q, q2 = _q(), _q(scale=0.05, zp=12, k=2.0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = torch.cat([q, q2])
    assert _state(r) == (torch.quint8, 0.1, 10, [[0, 15], [30, 8], [4, 20], [50, 5]])
    assert any("must share the same quantization parameters" in str(m.message) for m in w)
    qi, qi2 = _q(torch.qint8, zp=3), _q(torch.qint8, scale=0.07, zp=-2, k=3.0)
    assert _state(torch.cat([qi, qi2], 1)) == (
        torch.qint8, 0.1, 3, [[-7, 8, -27, 18], [23, 0, 63, -5]])
    assert _state(torch.stack([qi, qi2], -1)) == (
        torch.qint8, 0.1, 3, [[[-7, -27], [8, 18]], [[23, 63], [0, -5]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # (same parameters: no warning)
        assert _state(torch.concat((q, q), dim=1)) == (
            torch.quint8, 0.1, 10, [[0, 15, 0, 15], [30, 8, 30, 8]])
        assert _state(torch.stack([q, q], 1))[3] == [[[0, 15], [0, 15]], [[30, 8], [30, 8]]]


@pytest.mark.parametrize("call, exc, message", [
    (lambda q: torch.cat([q, _q(torch.qint8)]), RuntimeError, "All dtypes must be the same."),
    (lambda q: torch.stack([q, _q(torch.qint8)]), RuntimeError,
     "All dtypes must be the same."),
    (lambda q: torch.cat([q, q], 2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda q: torch.cat([q, q[:1]], 1), RuntimeError,
     ("Sizes of tensors must match except in dimension 1. Expected size 2 but got size 1 for "
      "tensor number 1 in the list.")),
    (lambda q: torch.cat([torch.tensor(X), q]), NotImplementedError,
     "Could not run 'aten::qscheme' with arguments from the 'CPU' backend."),
    (lambda q: torch.cat([torch.quantize_per_channel(torch.tensor(X), torch.tensor([0.1, 0.2]),
                                                      torch.tensor([1, 2]), 0, torch.quint8)]),
     RuntimeError, "Only per-tensor quantization is supported in 'cat'!"),
])
def test_cat_refusals_as_torch(call, exc, message):
    with pytest.raises(exc) as info:
        call(_q())
    assert str(info.value).startswith(message)


def test_plain_tensors_unchanged():
    a = torch.tensor([[-1.0, 2.0]], requires_grad=True)
    y = torch.cat([torch.relu(a), F.relu(a)], 1)
    assert y.tolist() == [[0.0, 2.0, 0.0, 2.0]] and y.grad_fn.name() == "CatBackward0"
    with pytest.raises(TypeError, match=r"relu\(\): argument 'input' \(position 1\) must be "
                                        r"Tensor, not list"):
        torch.relu([1.0])


def test_against_installed_torch():
    real = pytest.importorskip("torch")
    out = []
    for m in (torch, real):
        x = m.tensor(X)
        q = m.quantize_per_tensor(x, 0.1, 10, m.quint8)
        q2 = m.quantize_per_tensor(x * 2, 0.05, 12, m.quint8)
        qi = m.quantize_per_tensor(x, 0.1, 3, m.qint8)
        qi2 = m.quantize_per_tensor(x * 3, 0.07, -2, m.qint8)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rs = [m.relu(q), m.nn.functional.relu(qi), m.cat([q, q2]), m.cat([qi2, qi], -1),
                  m.stack([q2, q], 1), m.relu_(q2.clone())]
        out.append([(str(r.dtype), r.q_scale(), r.q_zero_point(), r.int_repr().tolist())
                    for r in rs])
    assert out[0] == out[1]


def test_is_tensor_of_a_quantized_tensor():
    # torch.is_tensor(q) is True in torch; isinstance(q, torch.Tensor) stays False here (a
    # QTensor as a Tensor subclass would reach every generic entry, which reads _buf)
    q = _q()
    assert torch.is_tensor(q) and torch.is_tensor(torch.tensor([1.0]))
    assert not torch.is_tensor(1.0) and not torch.is_tensor([1.0])


X2 = [[-1.0, 0.5, 2.0], [0.3, -0.3, 3.3]]


def _q2():
    return torch.quantize_per_tensor(torch.tensor(X2), 0.1, 10, torch.quint8)


@pytest.mark.parametrize("call, ints, shape", [
    (lambda q: torch.clamp(q, min=0.2), [[12, 15, 30], [13, 12, 43]], (2, 3)),
    (lambda q: torch.clip(q, 0, 1), [[10, 15, 20], [13, 10, 20]], (2, 3)),
    (lambda q: torch.clamp(q, 100.0, 200.0), [[255] * 3] * 2, (2, 3)),
    (F.hardtanh, [[0, 15, 20], [13, 7, 20]], (2, 3)),
    (lambda q: torch.nn.Hardtanh(-0.2, 0.2)(q), [[8, 12, 12], [12, 8, 12]], (2, 3)),
    (lambda q: F.leaky_relu(q, 0.2), [[8, 15, 30], [13, 9, 43]], (2, 3)),
    (lambda q: torch.nn.LeakyReLU(0.3)(q), [[7, 15, 30], [13, 9, 43]], (2, 3)),
    (F.relu6, [[10, 15, 30], [13, 10, 43]], (2, 3)),
    (lambda q: torch.nn.ReLU6()(q), [[10, 15, 30], [13, 10, 43]], (2, 3)),
    (lambda q: torch.flatten(q), [0, 15, 30, 13, 7, 43], (6,)),
    (lambda q: torch.flatten(q.reshape(1, 2, 3), 0, 1), [[0, 15, 30], [13, 7, 43]], (2, 3)),
])
def test_quantized_clamp_family_and_flatten_as_torch(call, ints, shape):
    # torch 2.13's integers (scale 0.1, zero point 10 kept); were TypeError here
    r = call(_q2())
    assert (r.q_scale(), r.q_zero_point(), r.int_repr().tolist(), tuple(r.shape)) == (
        0.1, 10, ints, shape)


def test_quantized_in_place_clamps_and_refusals():
    q = _q2()
    assert F.hardtanh(q, -0.5, 0.5, inplace=True) is q
    assert q.int_repr().tolist() == [[5, 15, 15], [13, 7, 15]]
    q = _q2()
    assert F.leaky_relu(q, 0.2, True) is q and q.int_repr().tolist() == [[8, 15, 30],
                                                                          [13, 9, 43]]
    qc = torch.quantize_per_channel(torch.tensor(X2), torch.tensor([0.1, 0.2]),
                                    torch.tensor([1, 2]), 0, torch.quint8)
    for call in (lambda: torch.clamp(qc, 0, 1), lambda: F.leaky_relu(qc)):
        with pytest.raises(RuntimeError, match="kPerTensorAffine to be true"):
            call()
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 2"):
        torch.flatten(_q2(), 2)


@pytest.mark.parametrize("dtype, zp, out_zp, ints", [
    (torch.quint8, 10, 0, [85, 85, 85, 85, 128, 186, 226, 244, 251]),
    (torch.qint8, 3, -128, [-123, -116, -98, -58, 0, 58, 98, 116, 123]),
])
def test_quantized_sigmoid_has_torch_s_fixed_parameters(dtype, zp, out_zp, ints):
    import numpy as np
    q = torch.quantize_per_tensor(torch.tensor(np.linspace(-4, 4, 9).astype(np.float32)),
                                  0.07, zp, dtype)
    for call in (torch.sigmoid, torch.nn.Sigmoid()):
        r = call(q)
        assert (r.dtype, r.q_scale(), r.q_zero_point(), r.int_repr().tolist()) == (
            dtype, 1 / 256, out_zp, ints)
