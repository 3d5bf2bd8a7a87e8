"""Custom autograd Functions (today's ctx style and the seed's legacy style), and devices:
``.cuda()``/``.to('cuda')``/``.cpu()`` on dlcore's numba.cuda kernels (Numba's CUDA simulator in
the test suite), counted copies, gradients across devices and the mixed-device error."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
import dlcore_eager as torch


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_y):
        (y,) = ctx.saved_tensors
        return grad_y * y


class ScaleBy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k: float, w):
        ctx.k = k
        ctx.flags = ctx.needs_input_grad
        ctx.save_for_backward(w)
        return x * k * w

    @staticmethod
    def backward(ctx, g):
        (w,) = ctx.saved_tensors
        return g * ctx.k * w, None, None


def test_new_style_function():
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.0, 1.0]), rtol=1e-6)


def test_needs_input_grad_and_none_gradients():
    x = torch.ones(2, requires_grad=True)
    w = torch.full((2,), 3.0)
    y = ScaleBy.apply(x, 2.0, w)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6.0)
    assert y.grad_fn.ctx.flags == (True, False, False)


def test_function_saved_tensor_version_check():
    x = torch.ones(2, requires_grad=True)
    y = Exp.apply(x)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_function_second_backward_fails():
    x = torch.ones(2, requires_grad=True)
    y = Exp.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_legacy_function_runs_with_a_teaching_warning():
    class Double(torch.autograd.Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x * 2

        def backward(self, g):
            (_x,) = self.saved_tensors
            return g * 2

    x = torch.ones(3, requires_grad=True)
    with pytest.warns(FutureWarning, match="Legacy autograd function with non-static "
                                                "forward method is deprecated") as rec:
        y = Double()(x)
    assert "Double.apply(x)" in str(rec[0].message)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2.0)
    with pytest.raises(RuntimeError, match="^Legacy autograd function with non-static forward "
                                           "method is deprecated"):
        Double.apply(x)


def test_once_differentiable():
    class Sq(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @torch.autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = torch.ones(2, requires_grad=True)
    (g,) = torch.autograd.grad(Sq.apply(x).sum(), x)
    np.testing.assert_allclose(g.numpy(), 2.0)
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was "
                                           "marked with @once_differentiable"):
        # (the cotangent must depend on x: the gradient of a sum does not, and PyTorch then
        # returns a gradient that does not require grad; PyTorch raises at the second backward)
        (g,) = torch.autograd.grad((Sq.apply(x) ** 2).sum(), x, create_graph=True)
        g.sum().backward()


# ----------------------------------------------------------------------------- devices
def _cuda_ready() -> bool:
    if not dlcore.cuda_available():
        return False
    try:
        torch.ones(2).cuda().mul(2.0).cpu()
    except NotImplementedError:
        return False
    return True


cuda = pytest.mark.skipif(not _cuda_ready(), reason="CUDA kernels unavailable: no GPU or "
                                                   "simulator, or a kernel is not written yet")


@pytest.mark.cuda
@cuda
def test_cuda_round_trip_and_counted_copies():
    dlcore.reset_transfer_stats()
    x = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    g = x.cuda()
    assert g.is_cuda and g.device == torch.device("cuda:0") and "device='cuda:0'" in repr(g)
    y = (g * 2 + 1).relu().sum(1)
    assert y.is_cuda
    np.testing.assert_allclose(y.cpu().numpy(), [3.0, 16.0])
    stats = dlcore.transfer_stats()
    assert stats["host_to_device"] >= 1 and stats["device_to_host"] >= 1
    assert x.to("cuda").type() == "torch.cuda.FloatTensor"
    assert x.type(torch.cuda.FloatTensor).is_cuda


@pytest.mark.cuda
@cuda
def test_cuda_leaf_trap_and_gradients():
    x = torch.ones(3, requires_grad=True)
    g = x.cuda()
    assert not g.is_leaf and g.grad_fn.name() == "ToCopyBackward0"
    (g * g).sum().backward()
    assert not x.grad.is_cuda
    np.testing.assert_allclose(x.grad.numpy(), 2.0)
    w = torch.ones(2, 2).cuda().requires_grad_()
    (w.mm(w) * 1.5).sum().backward()
    assert w.grad.is_cuda
    np.testing.assert_allclose(w.grad.cpu().numpy(), 6.0)


@pytest.mark.cuda
@cuda
def test_mixed_devices_error():
    with pytest.raises(RuntimeError, match="^Expected all tensors to be on the same device, but "
                                           "found at least two devices, cuda:0 and cpu!$"):
        torch.ones(2).cuda() + torch.ones(2)
    with pytest.raises(RuntimeError, match="cuda:0 and cpu!"):
        torch.ones(2, 2).mm(torch.ones(2, 2).cuda())
    out = torch.ones(2).cuda() * torch.tensor(3.0)        # a 0-d CPU tensor is allowed
    np.testing.assert_allclose(out.cpu().numpy(), 3.0)


@pytest.mark.cuda
@cuda
def test_module_cuda_and_training_step():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    w = model.weight
    model.cuda()
    assert model.weight is w and w.is_cuda
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(4, 3).cuda(), torch.randn(4, 2).cuda()
    losses = []
    for _ in range(3):
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


@pytest.mark.cuda
@cuda
def test_dataloader_over_cuda_tensors():
    from dlcore_eager.utils.data import DataLoader, TensorDataset
    x, y = torch.arange(6.0).reshape(3, 2).cuda(), torch.arange(3).cuda()
    batches = list(DataLoader(TensorDataset(x, y), batch_size=2))
    assert all(b[0].is_cuda for b in batches)
    assert batches[0][0].cpu().tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert batches[1][1].cpu().tolist() == [2]


@pytest.mark.cuda
@cuda
def test_classifier_with_adam_on_cuda():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3)).cuda()
    opt = torch.optim.Adam(m.parameters(), lr=0.1)
    x, t = torch.randn(5, 3).cuda(), torch.tensor([0, 1, 2, 1, 0]).cuda()
    losses = []
    for _ in range(3):
        loss = torch.nn.CrossEntropyLoss()(m(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    p = m(x).softmax(1).sum(1).cpu().detach().numpy()
    np.testing.assert_allclose(p, 1.0, rtol=1e-5)
