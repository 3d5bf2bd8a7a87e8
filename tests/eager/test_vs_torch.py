"""Where PyTorch is installed, it is the oracle: values, gradients, initialisation bounds,
losses, optimiser steps and error messages are compared with it (skipped otherwise)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def pair(shape, seed, rg=True, dtype=np.float64):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (dt.tensor(a, requires_grad=rg), torch.tensor(a, requires_grad=rg))


PROGRAMS = {
    "arith": lambda m, x, w: ((x * w - w / (x.abs() + 1)) ** 2).sum(),
    "mm-relu-clamp": lambda m, x, w: x.mm(w.t()).relu().clamp(max=1.0).sum(),
    "softmax-logsoftmax": lambda m, x, w: (m.softmax(x, 1) * m.log_softmax(w, 0)).sum(),
    "reductions": lambda m, x, w: x.max(1).values.sum() + w.mean(0).sum() + x.amin(0).sum(),
    "shapes": lambda m, x, w: (m.cat([x, w], 1).reshape(4, 3).t() ** 2).sum()
    + x.unsqueeze(0).permute(2, 1, 0).squeeze().sum(),
    "index": lambda m, x, w: (x[1:, :2] * w[[0, 1]][:, 1:]).sum() + x[x > 0].sum(),
    "where-sigmoid-tanh": lambda m, x, w: m.where(x > w, x.sigmoid(), w.tanh()).sum(),
    "broadcast": lambda m, x, w: ((x.unsqueeze(1) - w.unsqueeze(0)) ** 2).sum(),
    "matmul-vector": lambda m, x, w: (x @ w[0]).sum() + (w[1] @ x.t()).pow(2).sum(),
    "var-std-norm": lambda m, x, w: x.var(0).sum() + w.std(1).sum() + x.norm(),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_values_and_gradients(name):
    f = PROGRAMS[name]
    (dx, tx), (dw, tw) = pair((2, 3), 1), pair((2, 3), 2)
    out_d, out_t = f(dt, dx, dw), f(torch, tx, tw)
    np.testing.assert_allclose(out_d.item(), out_t.item(), rtol=1e-10)
    out_d.backward()
    out_t.backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dw.grad.numpy(), tw.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_second_derivative():
    (dx, tx) = pair((4,), 3)
    gd, = dt.autograd.grad((dx.tanh() * dx).sum(), dx, create_graph=True)
    gt, = torch.autograd.grad((tx.tanh() * tx).sum(), tx, create_graph=True)
    g2d, = dt.autograd.grad(gd.sum(), dx)
    g2t, = torch.autograd.grad(gt.sum(), tx)
    np.testing.assert_allclose(g2d.numpy(), g2t.numpy(), rtol=1e-10)


@pytest.mark.parametrize("loss", ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss",
                                  "BCEWithLogitsLoss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses(loss, reduction):
    (dx, tx) = pair((5, 3), 4)
    if loss in ("CrossEntropyLoss", "NLLLoss"):
        k = np.array([0, 2, 1, 1, 0])
        dy, ty = dt.tensor(k), torch.tensor(k)
    else:
        y = (np.random.default_rng(5).standard_normal((5, 3)) > 0).astype(np.float64)
        dy, ty = dt.tensor(y), torch.tensor(y)
    ld = getattr(dt.nn, loss)(reduction=reduction)(dx, dy)
    lt = getattr(torch.nn, loss)(reduction=reduction)(tx, ty)
    np.testing.assert_allclose(ld.detach().numpy(), lt.detach().numpy(), rtol=1e-10)
    ld.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_cross_entropy_class_weights_and_label_smoothing():
    (dx, tx) = pair((4, 3), 6)
    k = np.array([0, 2, 1, 2])
    w = np.array([0.2, 1.0, 3.0])
    ld = dt.nn.functional.cross_entropy(dx, dt.tensor(k), weight=dt.tensor(w))
    lt = torch.nn.functional.cross_entropy(tx, torch.tensor(k), weight=torch.tensor(w))
    np.testing.assert_allclose(ld.item(), lt.item(), rtol=1e-10)
    ld = dt.nn.functional.cross_entropy(dx, dt.tensor(k), label_smoothing=0.1)
    lt = torch.nn.functional.cross_entropy(tx, torch.tensor(k), label_smoothing=0.1)
    np.testing.assert_allclose(ld.item(), lt.item(), rtol=1e-10)


OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.5, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS)
def test_optimizer_steps(name, kwargs):
    (dp, tp) = pair((3, 2), 7)
    od = getattr(dt.optim, name)([dp], **kwargs)
    ot = getattr(torch.optim, name)([tp], **kwargs)
    for step in range(5):
        g = np.random.default_rng(10 + step).standard_normal((3, 2))
        dp.grad = dt.tensor(g)
        tp.grad = torch.tensor(g)
        od.step()
        ot.step()
    np.testing.assert_allclose(dp.detach().numpy(), tp.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_linear_init_distribution_matches():
    dt.manual_seed(0)
    torch.manual_seed(0)
    wd = dt.nn.Linear(64, 32).weight.detach().numpy()
    wt = torch.nn.Linear(64, 32).weight.detach().numpy()
    assert abs(np.abs(wd).max() - np.abs(wt).max()) < 0.01
    assert abs(wd.std() - wt.std()) < 0.01


def test_training_trajectory_matches():
    """The seed's nn + SGD loop from the same initial weights gives the same losses."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 20)), rng.standard_normal((16, 3))
    md = dt.nn.Sequential(dt.nn.Linear(20, 8), dt.nn.ReLU(), dt.nn.Linear(8, 3)).double()
    mt = torch.nn.Sequential(torch.nn.Linear(20, 8), torch.nn.ReLU(),
                             torch.nn.Linear(8, 3)).double()
    mt.load_state_dict({k: torch.tensor(v.numpy()) for k, v in md.state_dict().items()})
    od = dt.optim.SGD(md.parameters(), lr=0.01, momentum=0.9)
    ot = torch.optim.SGD(mt.parameters(), lr=0.01, momentum=0.9)
    for _ in range(20):
        ld = dt.nn.MSELoss(reduction="sum")(md(dt.tensor(x)), dt.tensor(y))
        lt = torch.nn.MSELoss(reduction="sum")(mt(torch.tensor(x)), torch.tensor(y))
        np.testing.assert_allclose(ld.item(), lt.item(), rtol=1e-9)
        for o, loss in ((od, ld), (ot, lt)):
            o.zero_grad()
            loss.backward()
            o.step()


def _message(fn):
    try:
        fn()
    except Exception as e:        # noqa: BLE001 - comparing messages
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("case", ["backward_twice", "leaf_inplace", "no_grad_fn", "nonscalar",
                                  "bool", "legacy_size_average", "nesterov", "load_state_dict",
                                  "mm_shapes", "broadcast", "dataloader"])
def test_error_messages_match_pytorch(case):
    def program(m):
        if case == "backward_twice":
            x = m.ones(2, requires_grad=True)
            y = (x * x).sum()
            y.backward()
            return lambda: y.backward()
        if case == "leaf_inplace":
            return lambda: m.ones(2, requires_grad=True).add_(1)
        if case == "no_grad_fn":
            return lambda: m.ones(2).sum().backward()
        if case == "nonscalar":
            return lambda: (m.ones(2, requires_grad=True) * 2).backward()
        if case == "bool":
            return lambda: bool(m.ones(2))
        if case == "legacy_size_average":
            import warnings

            def f():
                with warnings.catch_warnings(record=True) as w:
                    warnings.simplefilter("always")
                    m.nn.MSELoss(size_average=False)
                raise UserWarning(str(w[0].message))
            return f
        if case == "nesterov":
            return lambda: m.optim.SGD([m.ones(1, requires_grad=True)], lr=0.1, nesterov=True)
        if case == "load_state_dict":
            return lambda: m.nn.Linear(2, 2).load_state_dict({"weight": m.ones(2, 2),
                                                              "x": m.ones(1)})
        if case == "mm_shapes":
            return lambda: m.ones(2, 3).mm(m.ones(2, 3))
        if case == "broadcast":
            return lambda: m.ones(2, 3) + m.ones(2, 4)
        if case == "dataloader":
            return lambda: m.utils.data.DataLoader([1, 2], sampler=[0], shuffle=True)
        raise AssertionError(case)

    import torch.utils.data
    assert _message(program(dt)) == _message(program(torch))


def test_version_counter_message_prefix_matches_pytorch():
    """PyTorch 2.x names the node 'Exp' where the reference text has 'ExpBackward0'; everything
    else in the message agrees."""
    def run(m):
        x = m.ones(3, requires_grad=True)
        y = x.exp()
        y.add_(1)
        try:
            y.sum().backward()
        except RuntimeError as e:
            return str(e)
    a, b = run(dt), run(torch)
    assert a.split(", which is")[0] == b.split(", which is")[0]
    assert a.split(", is at version")[1][:40] == b.split(", is at version")[1][:40]
