"""Training utilities from the long tail against real PyTorch 2.13: ``optim.swa_utils``
(AveragedModel with SWA and EMA averages, SWALR, update_bn), ``utils.checkpoint``
(checkpoint, checkpoint_sequential: values, gradients, warnings, the reentrant no-grad rule),
``utils.data.StackDataset`` and ``default_convert``."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest
from error_of import error_of

import dlcore_eager as dl

torch = pytest.importorskip("torch")

W1 = np.random.default_rng(0).standard_normal((3, 2))
X = np.random.default_rng(1).standard_normal((8, 2))


def _net(lib):
    net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3), lib.nn.Tanh(),
                            lib.nn.Linear(3, 1))
    with lib.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(lib.tensor(np.random.default_rng(10 + i).standard_normal(tuple(p.shape)),
                               dtype=lib.float32))
    return net


@pytest.mark.parametrize("kind", ["swa", "ema", "ema_single"])
def test_averaged_model_and_update_bn(kind):
    res = []
    for lib in (torch, dl):
        su = lib.optim.swa_utils
        net = _net(lib)
        kw = {"swa": {}, "ema": {"multi_avg_fn": su.get_ema_multi_avg_fn(0.9)},
              "ema_single": {"avg_fn": su.get_ema_avg_fn(0.8)}}[kind]
        avg = su.AveragedModel(net, **kw)
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        sched = su.SWALR(opt, swa_lr=0.05, anneal_epochs=3, anneal_strategy="cos")
        lrs = []
        for step in range(4):
            opt.zero_grad()
            net(lib.tensor(X, dtype=lib.float32)).pow(2).mean().backward()
            opt.step()
            avg.update_parameters(net)
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        loader = [(lib.tensor(X[:4], dtype=lib.float32), 0),
                  (lib.tensor(X[4:], dtype=lib.float32), 1)]
        su.update_bn(loader, avg)
        bn = avg.module[1]
        res.append(([p.detach().numpy().copy() for p in avg.parameters()], lrs,
                    bn.running_mean.numpy(), bn.running_var.numpy(), avg.n_averaged.item(),
                    list(avg.state_dict()), str(avg.n_averaged.dtype)))
    for a, b in zip(res[0][0], res[1][0]):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-12)
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res[1][3], res[0][3], rtol=1e-5, atol=1e-6)
    assert res[1][4:] == res[0][4:]


def test_swa_errors_are_torchs():
    for fn in (lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(1.5),
               lambda lib: lib.optim.swa_utils.SWALR(
                   lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1), 0.1,
                   anneal_strategy="exp")):
        assert error_of(lambda f=fn: f(dl)) == error_of(lambda f=fn: f(torch))


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_values_and_gradients(reentrant):
    res = []
    for lib in (torch, dl):
        from importlib import import_module
        cp = import_module(f"{lib.__name__}.utils.checkpoint")
        lin = lib.nn.Linear(2, 3)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(W1, dtype=lib.float32))
            lin.bias.zero_()
        x = lib.tensor(X[:3], dtype=lib.float32, requires_grad=True)
        y = cp.checkpoint(lambda v, lin=lin: lin(v).tanh(), x, use_reentrant=reentrant)
        y.sum().backward()
        lin2 = lib.nn.Linear(3, 2)
        with lib.no_grad():
            lin2.weight.copy_(lib.tensor(W1.T, dtype=lib.float32))
            lin2.bias.zero_()
        seq = lib.nn.Sequential(lin, lib.nn.ReLU(), lin2, lib.nn.Tanh())
        z = cp.checkpoint_sequential(seq, 2, x, use_reentrant=reentrant)
        res.append((y.detach().numpy(), x.grad.numpy(), lin.weight.grad.numpy(),
                    z.detach().numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_checkpoint_reentrant_rules():
    for lib in (torch, dl):
        from importlib import import_module
        cp = import_module(f"{lib.__name__}.utils.checkpoint")
        lin = lib.nn.Linear(2, 2)
        x = lib.ones(1, 2)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = cp.checkpoint(lin, x)                           # use_reentrant not given
        msgs = [str(m.message) for m in w]
        assert any("use_reentrant parameter should be passed explicitly" in m for m in msgs)
        assert "None of the inputs have requires_grad=True. Gradients will be None" in msgs
        assert not y.requires_grad
        assert cp.checkpoint(lin, x, use_reentrant=False).requires_grad
    errs = [error_of(lambda lib=lib: __import__(f"{lib.__name__}.utils.checkpoint",
                                                fromlist=["x"]).checkpoint(
        lambda a, b=1: a, lib.ones(1), use_reentrant=True, b=2)) for lib in (torch, dl)]
    assert errs[0] == errs[1]


def test_stack_dataset_and_default_convert():
    for lib in (torch, dl):
        data = lib.utils.data
        a, b = data.TensorDataset(lib.arange(4)), [10, 11, 12, 13]
        st = data.StackDataset(a, b)
        assert len(st) == 4 and st[2][1] == 12 and st[2][0][0].item() == 2
        sd = data.StackDataset(x=a, y=b)
        assert sorted(sd[1]) == ["x", "y"] and sd[1]["y"] == 11
        batch = next(iter(data.DataLoader(sd, batch_size=2)))
        assert batch["y"].tolist() == [10, 11]
    for args, kw in [((dl.ones(2), [1]), {}), ((), {}), ((dl.ones(2),), {"b": [1, 2]})]:
        targs = tuple(torch.ones(2) if isinstance(t, dl.Tensor) else t for t in args)
        assert error_of(lambda a=args, k=kw: dl.utils.data.StackDataset(*a, **k)) == \
            error_of(lambda a=targs, k=kw: torch.utils.data.StackDataset(*a, **k))
    Point = collections.namedtuple("Point", "x y")
    sample = {"a": np.arange(3.0), "b": (np.int64(4), "s"), "p": Point(np.ones(2), 1),
              "s": np.array(["x"])}
    got = [lib.utils.data.default_convert(sample) for lib in (torch, dl)]
    assert type(got[1]["b"]) is list and type(got[1]["p"]) is Point
    np.testing.assert_array_equal(got[1]["a"].numpy(), got[0]["a"].numpy())
    assert str(got[1]["a"].dtype) == str(got[0]["a"].dtype)
    assert got[1]["b"][0].item() == 4 and got[1]["b"][1] == "s"
    assert isinstance(got[1]["s"], np.ndarray) and isinstance(got[0]["s"], np.ndarray)


def test_gradgradcheck():
    for lib in (torch, dl):
        x = lib.tensor([0.3, 0.7], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradgradcheck(lambda a, b: (b @ a).tanh() * a, (x, w))

        class Cube(lib.autograd.Function):           # backward detaches: no double backward
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a ** 3

            @staticmethod
            def backward(ctx, g):
                a, = ctx.saved_tensors
                return g * 3 * a.detach() ** 2
        assert lib.autograd.gradcheck(Cube.apply, (x,))
        assert lib.autograd.gradgradcheck(Cube.apply, (x,), raise_exception=False) is False
        with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0"):
            lib.autograd.gradgradcheck(Cube.apply, (x,))
