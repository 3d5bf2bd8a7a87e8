"""nn: Module registration and traversal, state_dict/load_state_dict messages, train/eval,
apply, repr, Linear's default initialisation, losses with reduction and legacy arguments."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import dlcore_eager as torch
import dlcore_eager.nn.functional as F
from dlcore_eager import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2, bias=False)
        self.register_buffer("steps", torch.zeros(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def test_registration_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight"]
    assert len(list(net.parameters())) == 3
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert len(list(net.modules())) == 4
    assert list(net.state_dict()) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert all(p.requires_grad and p.is_leaf for p in net.parameters())
    assert net(torch.randn(5, 4)).shape == (5, 2)


def test_assign_before_init():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)
    with pytest.raises(AttributeError, match="cannot assign module before Module.__init__\\(\\) "
                                             "call"):
        Bad()

    class BadP(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(torch.ones(1))
    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__"):
        BadP()


def test_state_dict_round_trip_and_messages():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    for (n1, p1), (n2, p2) in zip(a.named_parameters(), b.named_parameters()):
        assert torch.equal(p1, p2)
    sd = a.state_dict()
    del sd["fc1.bias"]
    sd["extra"] = torch.ones(1)
    with pytest.raises(RuntimeError) as e:
        b.load_state_dict(sd)
    assert str(e.value) == ('Error(s) in loading state_dict for Net:\n\tMissing key(s) in '
                            'state_dict: "fc1.bias". \n\tUnexpected key(s) in state_dict: '
                            '"extra". ')
    res = b.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias"] and res.unexpected_keys == ["extra"]
    assert repr(res) == "_IncompatibleKeys(missing_keys=['fc1.bias'], unexpected_keys=['extra'])"
    sd = a.state_dict()
    sd["fc1.weight"] = torch.ones(2, 2)
    with pytest.raises(RuntimeError, match="size mismatch for fc1.weight"):
        b.load_state_dict(sd)


def test_train_eval_apply_zero_grad_and_repr():
    net = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5), nn.Sequential(nn.Tanh()))
    assert net.training and net[1].training
    net.eval()
    assert not net[1].training and not net[2][0].training
    x = torch.ones(4, 2)
    assert torch.equal(net(x), net(x))
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Dropout", "Tanh", "Sequential", "Sequential"]
    net(x).sum().backward()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert repr(net) == ("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n"
                         "  (1): Dropout(p=0.5, inplace=False)\n  (2): Sequential(\n"
                         "    (0): Tanh()\n  )\n)")


def test_dropout_in_training():
    torch.manual_seed(0)
    d = nn.Dropout(0.5)
    out = d(torch.ones(1000))
    vals = set(np.unique(out.numpy()).tolist())
    assert vals <= {0.0, 2.0} and 300 < (out > 0).sum().item() < 700


def test_linear_default_init_bounds():
    torch.manual_seed(0)
    lin = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound             # uniform over the whole range
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound


def test_init_functions():
    w = torch.empty(30, 20)
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 50)
    nn.init.zeros_(w)
    assert w.sum().item() == 0
    nn.init.constant_(w, 3.0)
    assert w.mean().item() == 3.0
    p = nn.Parameter(torch.empty(3, 3))
    nn.init.kaiming_normal_(p)                     # in place on a leaf that requires grad
    assert p.is_leaf and p.requires_grad


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_against_numpy(reduction):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    y = rng.standard_normal((5, 3)).astype(np.float32)
    k = np.array([0, 2, 1, 1, 0])
    red = {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction]
    tx, ty, tk = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(k)
    np.testing.assert_allclose(nn.MSELoss(reduction=reduction)(tx, ty).numpy(),
                               red((x - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(nn.L1Loss(reduction=reduction)(tx, ty).numpy(),
                               red(np.abs(x - y)), rtol=1e-5)
    logp = x - np.log(np.exp(x).sum(1, keepdims=True))
    nll = -logp[np.arange(5), k]
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction=reduction)(tx, tk).numpy(),
                               red(nll), rtol=1e-5)
    np.testing.assert_allclose(nn.NLLLoss(reduction=reduction)(
        torch.from_numpy(logp), tk).numpy(), red(nll), rtol=1e-5)
    z = (y > 0).astype(np.float32)
    bce = np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))
    np.testing.assert_allclose(nn.BCEWithLogitsLoss(reduction=reduction)(
        tx, torch.from_numpy(z)).numpy(), red(bce), rtol=1e-5)


def test_legacy_size_average_warns_and_maps():
    with pytest.warns(UserWarning, match="^size_average and reduce args will be deprecated, "
                                         "please use reduction='sum' instead.$"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning, match="reduction='mean'"):
        assert nn.MSELoss(size_average=True, reduce=True).reduction == "mean"
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert nn.L1Loss(reduce=False).reduction == "none"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nn.MSELoss().reduction == "mean"


def test_functional_and_gradients_of_losses():
    x = torch.randn(4, 3, requires_grad=True)
    t = torch.tensor([0, 1, 2, 1])
    F.cross_entropy(x, t).backward()
    p = F.softmax(x.detach(), 1).numpy()
    p[np.arange(4), t.numpy()] -= 1
    np.testing.assert_allclose(x.grad.numpy(), p / 4, rtol=1e-5, atol=1e-7)
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        F.cross_entropy(x, torch.tensor([0, 1, 5, 1]))


def test_module_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h = lin.register_forward_hook(lambda m, inp, out: calls.append(out.shape))
    lin(torch.ones(3, 2))
    h.remove()
    lin(torch.ones(3, 2))
    assert calls == [(3, 2)]


def test_module_to_dtype():
    lin = nn.Linear(2, 2).double()
    assert lin.weight.dtype is torch.float64
    w = lin.weight
    lin.to(torch.float32)
    assert lin.weight is w and w.dtype is torch.float32


def test_full_backward_hook():
    lin = nn.Linear(3, 2)
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append(([None if g is None else tuple(g.shape) for g in grad_input],
                     [tuple(g.shape) for g in grad_output]))
        return tuple(None if g is None else g * 0 for g in grad_input)

    h = lin.register_full_backward_hook(hook)
    x = torch.randn(4, 3, requires_grad=True)
    lin(x).sum().backward()
    assert seen == [([(4, 3)], [(4, 2)])]
    assert float(x.grad.abs().sum()) == 0.0           # the hook replaced grad_input
    lin(torch.randn(4, 3)).sum().backward()           # no input needs a gradient
    assert seen[-1] == ([None], [(4, 2)])
    h.remove()
    x.grad = None
    lin(x).sum().backward()
    assert len(seen) == 2 and float(x.grad.abs().sum()) > 0
