"""Lazy modules, AdaptiveLogSoftmaxWithLoss, SyncBatchNorm (single process) and CrossMapLRN2d
against real PyTorch: torch's weights loaded into dlcore (equal state-dict keys), outputs and
gradients compared in float64, errors by type and message."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _sd(sd):
    return {k: dt.tensor(v.detach().numpy().copy()) for k, v in sd.items()}


def _grads(mod):
    return {k: p.grad.numpy() for k, p in mod.named_parameters()}


# ---------------------------------------------------------------------- lazy modules
LAZY = {
    "LazyLinear": (lambda m: m.nn.LazyLinear(3), (4, 5), "Linear"),
    "LazyLinear no bias 3-D": (lambda m: m.nn.LazyLinear(2, bias=False), (2, 3, 4), "Linear"),
    "LazyConv1d": (lambda m: m.nn.LazyConv1d(4, 3, padding=1), (2, 3, 6), "Conv1d"),
    "LazyConv2d groups": (lambda m: m.nn.LazyConv2d(4, 2, stride=2, groups=2), (2, 4, 6, 6),
                          "Conv2d"),
    "LazyConv2d unbatched": (lambda m: m.nn.LazyConv2d(2, 3), (3, 5, 5), "Conv2d"),
    "LazyBatchNorm1d": (lambda m: m.nn.LazyBatchNorm1d(momentum=0.3), (6, 4), "BatchNorm1d"),
    "LazyBatchNorm2d": (lambda m: m.nn.LazyBatchNorm2d(), (3, 2, 4, 4), "BatchNorm2d"),
    "LazyBatchNorm3d": (lambda m: m.nn.LazyBatchNorm3d(), (2, 2, 2, 3, 2), "BatchNorm3d"),
    "LazyConv3d": (lambda m: m.nn.LazyConv3d(2, 2), (1, 2, 3, 3, 3), "Conv3d"),
    "LazyConvTranspose1d": (lambda m: m.nn.LazyConvTranspose1d(3, 3, 2, 1, 1), (2, 4, 5),
                            "ConvTranspose1d"),
    "LazyConvTranspose2d groups": (lambda m: m.nn.LazyConvTranspose2d(4, 2, stride=2, groups=2),
                                   (2, 4, 3, 3), "ConvTranspose2d"),
    "LazyConvTranspose3d": (lambda m: m.nn.LazyConvTranspose3d(2, 2), (1, 2, 2, 2, 2),
                            "ConvTranspose3d"),
}


@pytest.mark.parametrize("name", list(LAZY))
def test_lazy_module_materialises_and_loads_torch_weights(name):
    make, shape, becomes = LAZY[name]
    tm, dm = make(torch).double(), make(dt).double()
    assert repr(dm) == repr(tm)
    assert list(dm.state_dict()) == list(tm.state_dict())
    assert dm.has_uninitialized_params() and tm.has_uninitialized_params()
    x = RNG.standard_normal(shape)
    yt = tm(torch.tensor(x))
    assert type(tm).__name__ == becomes
    ref = make(dt).double()                                  # dlcore's own initialisation
    assert ref(dt.tensor(x)).shape == tuple(yt.shape) and type(ref).__name__ == becomes
    assert [tuple(p.shape) for p in ref.parameters()] == [tuple(p.shape)
                                                         for p in tm.parameters()]
    dm.load_state_dict(_sd(tm.state_dict()))                # materialises from the shapes
    assert type(dm).__name__ == type(make(dt)).__name__      # still lazy until it is called
    yd = dm(dt.tensor(x))
    assert type(dm).__name__ == becomes
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    c = RNG.standard_normal(tuple(yt.shape))
    (yt * torch.tensor(c)).sum().backward()
    (yd * dt.tensor(c)).sum().backward()
    gt, gd = _grads(tm), _grads(dm)
    assert list(gd) == list(gt)
    for k in gt:
        np.testing.assert_allclose(gd[k], gt[k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_lazy_errors_as_torch():
    msgs = []
    for m in (torch, dt):
        with pytest.raises(RuntimeError) as e1:
            m.nn.LazyConv2d(2, 3)(m.ones(2, 5))
        with pytest.raises(ValueError) as e2:
            m.nn.LazyConv2d(2, 3, groups=2)(m.ones(1, 3, 5, 5))
        msgs.append((str(e1.value), str(e2.value)))
    assert msgs[0] == msgs[1]


# ---------------------------------------------------------------------- adaptive softmax
def _asm(m, head_bias):
    return m.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 7, 10], div_value=2.0,
                                           head_bias=head_bias).double()


@pytest.mark.parametrize("head_bias", [False, True])
def test_adaptive_log_softmax_matches_torch(head_bias):
    tm, dm = _asm(torch, head_bias), _asm(dt, head_bias)
    assert list(dm.state_dict()) == list(tm.state_dict())
    dm.load_state_dict(_sd(tm.state_dict()))
    x = RNG.standard_normal((9, 8))
    t = np.array([0, 5, 11, 2, 8, 7, 1, 4, 10])
    xt, xd = torch.tensor(x, requires_grad=True), dt.tensor(x, requires_grad=True)
    ot, od = tm(xt, torch.tensor(t)), dm(xd, dt.tensor(t))
    assert type(od).__name__ == "_ASMoutput" and od._fields == ("output", "loss")
    np.testing.assert_allclose(od.output.detach().numpy(), ot.output.detach().numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(od.loss.item(), ot.loss.item(), rtol=1e-12)
    ot.loss.backward()
    od.loss.backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    for k, g in _grads(tm).items():
        np.testing.assert_allclose(_grads(dm)[k], g, rtol=1e-10, atol=1e-14, err_msg=k)
    np.testing.assert_allclose(dm.log_prob(dt.tensor(x)).detach().numpy(),
                               tm.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    np.testing.assert_array_equal(dm.predict(dt.tensor(x)).numpy(),
                                  tm.predict(torch.tensor(x)).numpy())
    one_t, one_d = tm(torch.tensor(x[0]), torch.tensor(5)), dm(dt.tensor(x[0]), dt.tensor(5))
    assert tuple(one_d.output.shape) == tuple(one_t.output.shape) == ()
    np.testing.assert_allclose(one_d.output.item(), one_t.output.item(), rtol=1e-12)


def test_adaptive_log_softmax_errors_as_torch():
    def run(m):
        out = []
        for call, kind in [
            (lambda: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, []), ValueError),
            (lambda: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5, 3]), ValueError),
            (lambda: m.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 10]), ValueError),
            (lambda: _asm(m, False)(m.ones(3, 8).double(), m.tensor([0, 1])), RuntimeError),
            (lambda: _asm(m, False)(m.ones(2, 8).double(), m.tensor([0, 12])), RuntimeError),
            (lambda: _asm(m, False)(m.ones(2, 8).double(), m.tensor([[0]])), RuntimeError),
            (lambda: _asm(m, False)(m.ones(2, 2, 8).double(), m.tensor([0, 1])),
             RuntimeError),
        ]:
            with pytest.raises(kind) as e:
                call()
            out.append(str(e.value))
        return out
    assert run(dt) == run(torch)


# ---------------------------------------------------------------------- SyncBatchNorm
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 2, 2, 2)])
def test_sync_batch_norm_single_process_is_batch_norm(shape):
    tm = torch.nn.SyncBatchNorm(3, momentum=0.2).double()
    dm = dt.nn.SyncBatchNorm(3, momentum=0.2).double()
    assert list(dm.state_dict()) == list(tm.state_dict())
    tm.weight.data.uniform_(0.5, 1.5)
    dm.load_state_dict(_sd(tm.state_dict()))
    for train in (True, True, False):
        tm.train(train)
        dm.train(train)
        x = RNG.standard_normal(shape)
        np.testing.assert_allclose(dm(dt.tensor(x)).detach().numpy(),
                                   tm(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(dm.state_dict()[k].numpy(), v.numpy(), rtol=1e-12)
    msgs = []
    for m in (torch, dt):
        with pytest.raises(ValueError) as e:
            m.nn.SyncBatchNorm(3)(m.ones(3))
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_convert_sync_batchnorm_shares_parameters():
    model = dt.nn.Sequential(dt.nn.Conv2d(2, 3, 1), dt.nn.BatchNorm2d(3),
                             dt.nn.Sequential(dt.nn.Linear(3, 4), dt.nn.BatchNorm1d(4)))
    model[1].eval()
    keys = list(model.state_dict())
    out = dt.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert [type(m).__name__ for m in out.modules()].count("SyncBatchNorm") == 2
    assert out[1].weight is model[1].weight and out[1].running_mean is model[1].running_mean
    assert out[1].training is False and out[2][1].training is True
    assert list(out.state_dict()) == keys


# ---------------------------------------------------------------------- CrossMapLRN2d
@pytest.mark.parametrize("size", [2, 3, 5, 9])
def test_cross_map_lrn2d_matches_torch(size):
    x = RNG.standard_normal((2, 7, 3, 3))
    g = RNG.standard_normal(x.shape)
    xt, xd = torch.tensor(x, requires_grad=True), dt.tensor(x, requires_grad=True)
    tm, dm = torch.nn.CrossMapLRN2d(size, 0.3, 0.7, 1.5), dt.nn.CrossMapLRN2d(size, 0.3, 0.7,
                                                                              1.5)
    assert repr(dm) == repr(tm)
    yt, yd = tm(xt), dm(xd)
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    yt.backward(torch.tensor(g))
    yd.backward(dt.tensor(g))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_map_lrn2d_needs_4d_input():
    msgs = []
    for m in (torch, dt):
        with pytest.raises(ValueError) as e:
            m.nn.CrossMapLRN2d(3)(m.ones(2, 3, 4))
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
