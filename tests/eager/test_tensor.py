"""Tensor basics: creation, dtypes and promotion, metadata, conversions and interop, repr,
truth values, legacy tensor types, indexing and in-place updates."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as torch


def test_creation_and_dtypes():
    assert torch.tensor([1.0, 2.0]).dtype is torch.float32
    assert torch.tensor([1, 2]).dtype is torch.int64
    assert torch.tensor([True]).dtype is torch.bool
    assert torch.tensor(np.zeros(2)).dtype is torch.float64
    assert torch.zeros(2, 3).shape == (2, 3) and torch.ones((2, 3)).size() == torch.Size([2, 3])
    assert torch.full((2,), 7).dtype is torch.int64
    assert torch.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert torch.arange(0, 1, 0.5).dtype is torch.float32
    assert torch.eye(3).sum().item() == 3.0
    assert torch.linspace(0, 1, 5)[-1].item() == 1.0
    assert torch.empty(3).numel() == 3
    assert torch.zeros_like(torch.ones(2, dtype=torch.float64)).dtype is torch.float64
    t = torch.tensor(3.5)
    assert t.ndim == 0 and t.item() == 3.5 and t.dim() == 0


def test_manual_seed_reproduces():
    torch.manual_seed(42)
    a = torch.randn(3)
    torch.manual_seed(42)
    b = torch.randn(3)
    assert torch.equal(a, b)
    g = torch.Generator().manual_seed(1)
    r = torch.rand(4, generator=g)
    assert ((r >= 0) & (r < 1)).all().item()
    assert torch.randint(0, 5, (10,)).max().item() < 5
    assert sorted(torch.randperm(5).tolist()) == [0, 1, 2, 3, 4]


def test_promotion_follows_pytorch():
    f32, i64 = torch.ones(2), torch.arange(2)
    assert (i64 * 0.5).dtype is torch.float32
    assert (i64 + f32).dtype is torch.float32
    assert (f32 + torch.tensor(1.0, dtype=torch.float64)).dtype is torch.float32
    assert (f32 + torch.ones(2, dtype=torch.float64)).dtype is torch.float64
    assert (i64 + torch.tensor(1.5)).dtype is torch.float32
    assert (i64 / 2).dtype is torch.float32
    assert ((f32 > 0) + 1).dtype is torch.int64
    assert (f32 * 2).dtype is torch.float32


def test_from_numpy_is_zero_copy_and_numpy_interop():
    a = np.arange(4.0)
    t = torch.from_numpy(a)
    a[0] = 10
    assert t[0].item() == 10.0
    t.add_(1)
    assert a[1] == 2.0
    assert np.asarray(t) is a or np.shares_memory(np.asarray(t), a)
    # torch's: Tensor + ndarray is NumPy's sum, made a tensor again by __array_wrap__;
    # ndarray + Tensor is Python's TypeError (both sides return NotImplemented)
    mixed = t + np.ones(4)
    assert isinstance(mixed, torch.Tensor) and mixed.dtype is torch.float64
    with pytest.raises(TypeError):
        np.ones(4) + t


def test_dlpack_both_ways():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = torch.from_dlpack(a)
    assert np.shares_memory(t.numpy(), a)
    back = np.from_dlpack(t)
    assert np.shares_memory(back, a)
    cap = torch.utils.dlpack.to_dlpack(t)
    assert cap is not None


def test_conversions():
    t = torch.tensor([[1.5, 2.0]])
    assert t.tolist() == [[1.5, 2.0]]
    assert float(torch.tensor(2.5)) == 2.5 and int(torch.tensor(3)) == 3
    assert [1, 2, 3][torch.tensor(1)] == 2
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to "
                                           "Scalar"):
        t.item()
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires "
                                           "grad. Use tensor.detach\\(\\).numpy\\(\\) instead."):
        torch.ones(2, requires_grad=True).numpy()


def test_truth_value():
    assert not torch.tensor(0.0) and torch.tensor(1)
    with pytest.raises(RuntimeError, match="^Boolean value of Tensor with more than one value "
                                           "is ambiguous$"):
        bool(torch.ones(2))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with no values is "
                                           "ambiguous"):
        bool(torch.ones(0))
    grad = None
    assert not grad                     # the seed's `if w1.grad:` with no grad yet


def test_repr():
    assert repr(torch.tensor([[0.1, -1.2], [3.0, 4.0]], requires_grad=True)) == (
        "tensor([[ 0.1000, -1.2000],\n        [ 3.0000,  4.0000]], requires_grad=True)")
    assert repr(torch.ones(2, requires_grad=True) * 2) == "tensor([2., 2.], grad_fn=<MulBackward0>)"
    assert repr(torch.arange(3)) == "tensor([0, 1, 2])"
    assert repr(torch.ones(2, dtype=torch.float64)) == "tensor([1., 1.], dtype=torch.float64)"
    assert repr(torch.ones(2) > 0) == "tensor([True, True])"
    assert repr(torch.tensor(3.5)) == "tensor(3.5000)"
    assert repr(torch.float32) == "torch.float32"
    assert repr(torch.Size([2, 3])) == "torch.Size([2, 3])"


def test_legacy_tensor_types():
    dtype = torch.FloatTensor
    x = torch.randn(2, 3).type(dtype)
    assert x.dtype is torch.float32 and x.type() == "torch.FloatTensor"
    assert isinstance(x, torch.FloatTensor) and not isinstance(x, torch.DoubleTensor)
    d = x.type(torch.DoubleTensor)
    assert d.dtype is torch.float64 and d.type() == "torch.DoubleTensor"
    assert x.type("torch.LongTensor").dtype is torch.int64
    assert torch.FloatTensor(2, 3).shape == (2, 3)
    assert torch.FloatTensor([1, 2]).tolist() == [1.0, 2.0]
    assert x.type(torch.float64).dtype is torch.float64
    assert repr(torch.cuda.FloatTensor) == "<class 'torch.cuda.FloatTensor'>"
    v = torch.autograd.Variable(torch.ones(2), requires_grad=True)
    assert v.is_leaf and v.requires_grad and isinstance(v, torch.Tensor)


def test_methods_against_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    t = torch.from_numpy(a.copy())
    np.testing.assert_allclose(t.sum(1, keepdim=True).numpy(), a.sum(1, keepdims=True),
                               rtol=1e-5)
    np.testing.assert_allclose(t.mean(0).numpy(), a.mean(0), rtol=1e-5)
    v, i = t.max(dim=1)
    np.testing.assert_allclose(v.numpy(), a.max(1))
    assert i.tolist() == a.argmax(1).tolist()
    assert t.min(dim=0).indices.tolist() == a.argmin(0).tolist()
    assert t.argmax().item() == a.argmax()
    np.testing.assert_allclose(t.t().numpy(), a.T)
    np.testing.assert_allclose(t.permute(1, 0).reshape(2, 6).numpy(), a.T.reshape(2, 6))
    np.testing.assert_allclose(t.unsqueeze(0).squeeze().numpy(), a)
    np.testing.assert_allclose(torch.cat([t, t], 1).numpy(), np.concatenate([a, a], 1))
    np.testing.assert_allclose(torch.stack([t, t]).numpy(), np.stack([a, a]))
    np.testing.assert_allclose(t.clamp(min=0).numpy(), np.maximum(a, 0))
    np.testing.assert_allclose(t.abs().sqrt().log().exp().numpy(), np.sqrt(np.abs(a)),
                               rtol=1e-5)
    np.testing.assert_allclose((t @ t.t()).numpy(), a @ a.T, rtol=1e-5)
    np.testing.assert_allclose(torch.where(t > 0, t, 0.0).numpy(), np.where(a > 0, a, 0))
    np.testing.assert_allclose(t.softmax(1).sum(1).numpy(), np.ones(3), rtol=1e-6)
    np.testing.assert_allclose(t.expand(2, 3, 4).numpy(), np.broadcast_to(a, (2, 3, 4)))
    np.testing.assert_allclose(t.flatten().numpy(), a.ravel())
    np.testing.assert_allclose((2 - t).numpy(), 2 - a)
    np.testing.assert_allclose((1 / (t.abs() + 1)).numpy(), 1 / (np.abs(a) + 1), rtol=1e-6)
    np.testing.assert_allclose((t ** 2).numpy(), a ** 2, rtol=1e-6)
    np.testing.assert_allclose((2 ** t).numpy(), 2 ** a, rtol=1e-5)
    np.testing.assert_allclose(t.var(1).numpy(), a.var(1, ddof=1), rtol=1e-5)
    assert [c.shape for c in t.split(2, 1)] == [(3, 2), (3, 2)]


def test_indexing_reads_and_writes():
    a = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    t = torch.from_numpy(a.copy())
    np.testing.assert_allclose(t[1].numpy(), a[1])
    np.testing.assert_allclose(t[:, 1:3].numpy(), a[:, 1:3])
    np.testing.assert_allclose(t[..., None].numpy(), a[..., None])
    np.testing.assert_allclose(t[torch.tensor([2, 0])].numpy(), a[[2, 0]])
    np.testing.assert_allclose(t[[0, 1, 2], [3, 2, 1]].numpy(), a[[0, 1, 2], [3, 2, 1]])
    np.testing.assert_allclose(t[t > 5].numpy(), a[a > 5])
    np.testing.assert_allclose(t[:, [3, 0]].numpy(), a[:, [3, 0]])
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        t[torch.tensor([5])]
    t[t > 5] = 0
    b = a.copy()
    b[b > 5] = 0
    np.testing.assert_allclose(t.numpy(), b)
    t[0, :2] = torch.tensor([7.0, 8.0])
    b[0, :2] = [7, 8]
    np.testing.assert_allclose(t.numpy(), b)
    t[1] = 1
    b[1] = 1
    np.testing.assert_allclose(t.numpy(), b)


def test_seed_masked_assignment_and_inplace_sub():
    h = torch.tensor([[-1.0, 2.0], [3.0, -4.0]])
    g = torch.ones(2, 2)
    grad_h = g.clone()
    grad_h[h < 0] = 0
    assert grad_h.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    assert g.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    w = torch.ones(2, 2)
    alias = w
    w -= 0.5 * grad_h
    assert alias is w and w.tolist() == [[1.0, 0.5], [0.5, 1.0]]


def test_shape_errors():
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 1"):
        torch.ones(2, 3) + torch.ones(2, 4)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(2x3 and 2x3\)"):
        torch.ones(2, 3).mm(torch.ones(2, 3))
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        torch.ones(2, 3).t().view(-1)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(torch.tensor(1.0))


def test_device_objects():
    assert str(torch.device("cpu")) == "cpu" and str(torch.device("cuda", 0)) == "cuda:0"
    assert isinstance(torch.ones(1).device, torch.device)
    assert torch.ones(2).to("cpu").device == torch.device("cpu")
    assert torch.ones(2).to(torch.float64).dtype is torch.float64


def test_equality_with_unrelated_objects_and_hashing():
    x = torch.ones(2)
    assert (x == None) is False and (x != None) is True   # identity fallback
    assert (x == 1).tolist() == [True, True]
    assert {x: 1}[x] == 1                   # tensors hash by identity, as in PyTorch
