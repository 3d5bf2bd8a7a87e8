"""Rprop, ASGD, Adafactor and SparseAdam against real PyTorch, step for step: the same weights,
data and hyper-parameters, parameters compared after each step (float64); a state_dict saved
mid-run and loaded into a fresh optimizer continues exactly as the uninterrupted torch run."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1)
W0 = RNG.standard_normal((3, 4))
B0 = RNG.standard_normal(3)
X = RNG.standard_normal((8, 4))
Y = RNG.standard_normal((8, 3))


def _loss(m, w, b):
    out = m.tensor(X) @ w.T + b
    return ((out - m.tensor(Y)) ** 2).mean() + (w.abs().sum() * 0.01)


def _run(m, make_opt, steps=6, groups=False, reload_at=None):
    w = m.tensor(W0.copy(), requires_grad=True)
    b = m.tensor(B0.copy(), requires_grad=True)

    def params():
        return [{"params": [w]}, {"params": [b], "lr": 0.05}] if groups else [w, b]
    opt = make_opt(m.optim, params())
    trace = []
    for i in range(steps):
        if i == reload_at:
            sd = opt.state_dict()
            opt = make_opt(m.optim, params())
            opt.load_state_dict(sd)
        opt.zero_grad()
        _loss(m, w, b).backward()
        opt.step()
        trace.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
    return np.array(trace)


OPTIMIZERS = {
    "Rprop": lambda o, p: o.Rprop(p, lr=0.05),
    "Rprop etas step_sizes maximize": lambda o, p: o.Rprop(p, lr=0.1, etas=(0.3, 1.5),
                                                           step_sizes=(0.02, 0.2),
                                                           maximize=True),
    "ASGD": lambda o, p: o.ASGD(p, lr=0.1, lambd=0.01, alpha=0.6, t0=2, weight_decay=0.05),
    "ASGD maximize": lambda o, p: o.ASGD(p, lr=0.05, maximize=True),
    "Adafactor": lambda o, p: o.Adafactor(p),
    "Adafactor wd d eps maximize": lambda o, p: o.Adafactor(p, lr=0.1, beta2_decay=-0.5,
                                                            eps=(1e-20, 1e-2), d=1.5,
                                                            weight_decay=0.1, maximize=True),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("groups", [False, True], ids=["one group", "two groups"])
def test_matches_torch_step_for_step(name, groups):
    want = _run(torch, OPTIMIZERS[name], 7, groups)
    np.testing.assert_allclose(_run(dt, OPTIMIZERS[name], 7, groups), want,
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_run(dt, OPTIMIZERS[name], 7, groups, reload_at=3), want,
                               rtol=1e-9, atol=1e-12)


def test_adafactor_batched_matrix_and_float32():
    """A 3-D parameter factors its last two dims; eps1=None is float32's machine epsilon."""
    p0 = RNG.standard_normal((2, 3, 5)).astype(np.float32)
    g0 = RNG.standard_normal((2, 3, 5)).astype(np.float32)

    def run(m):
        p = m.tensor(p0.copy(), requires_grad=True)
        opt = m.optim.Adafactor([p], lr=0.1)
        for k in range(5):
            p.grad = m.tensor(g0 * (k + 1) - p.detach().numpy())
            opt.step()
        st = opt.state[p]
        return p.detach().numpy(), st["row_var"].numpy(), st["col_var"].numpy()
    for a, b in zip(run(dt), run(torch)):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


def test_asgd_ax_state_is_the_average():
    def run(m):
        w = m.tensor(W0.copy(), requires_grad=True)
        opt = m.optim.ASGD([w], lr=0.1, t0=2)
        for _ in range(6):
            opt.zero_grad()
            (w ** 2).sum().backward()
            opt.step()
        s = opt.state[w]
        return s["ax"].numpy(), float(s["eta"]), float(s["mu"]), int(s["step"])
    got, want = run(dt), run(torch)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-9)
    assert got[1:] == want[1:]


def test_state_dict_keys_match_torch():
    for name, make in OPTIMIZERS.items():
        sds = []
        for m in (dt, torch):
            w = m.tensor(W0.copy(), requires_grad=True)
            opt = make(m.optim, [w])
            (w ** 2).sum().backward()
            opt.step()
            sds.append(opt.state_dict())
        assert sorted(sds[0]["state"][0]) == sorted(sds[1]["state"][0]), name
        assert sorted(sds[0]["param_groups"][0]) == sorted(sds[1]["param_groups"][0]), name


@pytest.mark.parametrize("make", [
    lambda o, p: o.Rprop(p, lr=-1.0),
    lambda o, p: o.Rprop(p, etas=(1.2, 0.5)),
    lambda o, p: o.ASGD(p, lr=-0.1),
    lambda o, p: o.ASGD(p, weight_decay=-1.0),
    lambda o, p: o.Adafactor(p, lr=-1.0),
    lambda o, p: o.Adafactor(p, beta2_decay=0.5),
    lambda o, p: o.Adafactor(p, eps=(-1.0, 1e-3)),
    lambda o, p: o.Adafactor(p, eps=(None, -1.0)),
    lambda o, p: o.Adafactor(p, d=0.5),
    lambda o, p: o.Adafactor(p, weight_decay=-0.1),
    lambda o, p: o.SparseAdam(p, lr=0.0),
    lambda o, p: o.SparseAdam(p, eps=0.0),
    lambda o, p: o.SparseAdam(p, betas=(1.0, 0.9)),
    lambda o, p: o.SparseAdam(p, betas=(0.9, -0.1)),
])
def test_bad_hyper_parameters_raise_as_torch(make):
    msgs = []
    for m in (dt, torch):
        with pytest.raises(ValueError) as e:
            make(m.optim, [m.zeros(2, requires_grad=True)])
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_sparse_adam_refuses_dense_gradients_as_torch_and_changes_nothing():
    msgs = []
    for m in (dt, torch):
        w = m.tensor(W0.copy(), requires_grad=True)
        opt = m.optim.SparseAdam([w])
        (w ** 2).sum().backward()
        with pytest.raises(RuntimeError) as e:
            opt.step()
        msgs.append(str(e.value))
        np.testing.assert_array_equal(w.detach().numpy(), W0)
        assert not any(opt.state.values())
    assert msgs[0] == msgs[1]
