"""nn.utils against real PyTorch: weight_norm / spectral_norm (hook and parametrization forms),
parametrize, prune and batch-norm fusion.  Torch's weights (and random u/v estimates) are loaded
into the dlcore module through load_state_dict (the keys must be equal), then outputs, gradients
and updated buffers are compared in float64."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")
pytest.importorskip("torch.nn.utils.prune")   # not imported by torch.nn.utils itself

RNG = np.random.default_rng(3)


def _sd(sd):
    return {k: dt.tensor(v.detach().numpy().copy()) for k, v in sd.items()}


def _pair(make, apply=None):
    """The same module in torch and dlcore (float64), with torch's weights loaded into ours."""
    mods = []
    for m in (torch, dt):
        mod = make(m).double()
        if apply is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                apply(m, mod)
        mods.append(mod)
    tm, dm = mods
    assert list(dm.state_dict()) == list(tm.state_dict())
    dm.load_state_dict(_sd(tm.state_dict()))
    return tm, dm


def _check(tm, dm, shape, *, grads=True, rtol=1e-10):
    x = RNG.standard_normal(shape)
    yt = tm(torch.tensor(x))
    yd = dm(dt.tensor(x))
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=1e-12)
    if grads:
        c = RNG.standard_normal(tuple(yt.shape))
        (yt * torch.tensor(c)).sum().backward()
        (yd * dt.tensor(c)).sum().backward()
        tp, dp = dict(tm.named_parameters()), dict(dm.named_parameters())
        assert list(tp) == list(dp)
        for k, p in tp.items():
            np.testing.assert_allclose(dp[k].grad.numpy(), p.grad.numpy(), rtol=rtol,
                                       atol=1e-12, err_msg=k)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(dm.state_dict()[k].numpy(), v.numpy(), rtol=rtol,
                                   atol=1e-12, err_msg=k)


LIN = (lambda m: m.nn.Linear(4, 3), (5, 4))
CONV = (lambda m: m.nn.Conv2d(2, 3, 3), (2, 2, 5, 5))
CONVT = (lambda m: m.nn.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4))


# ---------------------------------------------------------------------- weight norm
@pytest.mark.parametrize("layer,dim", [(LIN, 0), (LIN, 1), (LIN, None), (CONV, 0), (CONV, 2),
                                       (CONV, -1)])
@pytest.mark.parametrize("form", ["hook", "parametrization"])
def test_weight_norm(layer, dim, form):
    make, shape = layer
    if form == "hook":
        def apply(m, mod):
            m.nn.utils.weight_norm(mod, dim=dim)
    else:
        def apply(m, mod):
            m.nn.utils.parametrizations.weight_norm(mod, dim=dim)
    tm, dm = _pair(make, apply)
    _check(tm, dm, shape)
    if form == "hook":
        assert dm.weight_g.shape == tm.weight_g.shape
        for m, mod in ((torch, tm), (dt, dm)):
            m.nn.utils.remove_weight_norm(mod)
        assert list(dm.state_dict()) == list(tm.state_dict()) == ["bias", "weight"]
        np.testing.assert_allclose(dm.weight.detach().numpy(), tm.weight.detach().numpy(),
                                   rtol=1e-12)
    else:
        assert type(dm).__name__ == type(tm).__name__
        for m, mod in ((torch, tm), (dt, dm)):
            m.nn.utils.parametrize.remove_parametrizations(mod, "weight")
        assert type(dm).__name__ == type(tm).__name__ == make(torch).__class__.__name__
        assert list(dm.state_dict()) == list(tm.state_dict())
        np.testing.assert_allclose(dm.weight.detach().numpy(), tm.weight.detach().numpy(),
                                   rtol=1e-12)


def test_weight_norm_old_state_dict_loads_into_the_parametrization():
    old = torch.nn.Linear(4, 3).double()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(old)
    new = dt.nn.utils.parametrizations.weight_norm(dt.nn.Linear(4, 3).double())
    new.load_state_dict(_sd(old.state_dict()))
    x = RNG.standard_normal((2, 4))
    np.testing.assert_allclose(new(dt.tensor(x)).detach().numpy(),
                               old(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_weight_norm_errors_as_torch():
    msgs = []
    for m in (torch, dt):
        lin = m.nn.Linear(4, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            m.nn.utils.weight_norm(lin)
            with pytest.raises(RuntimeError) as e1:
                m.nn.utils.weight_norm(lin)
        with pytest.raises(ValueError) as e2:
            m.nn.utils.remove_weight_norm(m.nn.Linear(4, 3))
        msgs.append((str(e1.value), str(e2.value)))
    assert msgs[0] == msgs[1]
    with pytest.warns(FutureWarning, match="deprecated"):
        dt.nn.utils.weight_norm(dt.nn.Linear(2, 2))


# ---------------------------------------------------------------------- spectral norm
@pytest.mark.parametrize("layer", [LIN, CONV, CONVT], ids=["linear", "conv", "convT"])
@pytest.mark.parametrize("form", ["hook", "parametrization"])
def test_spectral_norm_train_then_eval(layer, form):
    make, shape = layer
    if form == "hook":
        def apply(m, mod):
            m.nn.utils.spectral_norm(mod, n_power_iterations=2)
    else:
        def apply(m, mod):
            m.nn.utils.parametrizations.spectral_norm(mod, n_power_iterations=2)
    tm, dm = _pair(make, apply)
    for _ in range(3):                       # training: u and v move each forward
        _check(tm, dm, shape, rtol=1e-9)
        tm.zero_grad()
        dm.zero_grad()
    tm.eval()
    dm.eval()
    _check(tm, dm, shape, rtol=1e-9)          # evaluation: u and v stay
    if form == "hook":
        for m, mod in ((torch, tm), (dt, dm)):
            m.nn.utils.remove_spectral_norm(mod)
    else:
        for m, mod in ((torch, tm), (dt, dm)):
            m.nn.utils.parametrize.remove_parametrizations(mod, "weight")
    assert sorted(dm.state_dict()) == sorted(tm.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(dm.weight.detach().numpy(), tm.weight.detach().numpy(),
                               rtol=1e-9)


def test_spectral_norm_errors_as_torch():
    def run(m):
        lin = m.nn.Linear(4, 3)
        m.nn.utils.spectral_norm(lin)
        sn = m.nn.utils.parametrizations.spectral_norm
        errs = []
        for call, kind in [(lambda: m.nn.utils.spectral_norm(lin), RuntimeError),
                           (lambda: m.nn.utils.spectral_norm(m.nn.Linear(2, 2),
                                                             n_power_iterations=0), ValueError),
                           (lambda: m.nn.utils.remove_spectral_norm(m.nn.Linear(2, 2)),
                            ValueError),
                           (lambda: sn(m.nn.Linear(2, 2), dim=2), IndexError),
                           (lambda: sn(m.nn.Linear(2, 2), name="nope"), ValueError)]:
            with pytest.raises(kind) as e:
                call()
            errs.append(str(e.value))
        return errs
    assert run(dt) == run(torch)


# ---------------------------------------------------------------------- orthogonal
@pytest.mark.parametrize("shape,omap,triv", [
    ((3, 3), None, True), ((3, 3), "cayley", True), ((5, 3), None, True),
    ((3, 5), None, True), ((3, 5), "matrix_exp", True), ((3, 5), "householder", False),
    ((4, 4), "householder", False)])
def test_orthogonal(shape, omap, triv):
    def apply(m, mod):
        m.nn.utils.parametrizations.orthogonal(mod, orthogonal_map=omap,
                                               use_trivialization=triv)
    tm, dm = _pair(lambda m: m.nn.Linear(shape[1], shape[0]), apply)
    off = RNG.standard_normal(shape) * 0.3
    np.fill_diagonal(off, 0.0)                   # keep int(diag X) as it is (householder)
    with torch.no_grad():
        tm.parametrizations.weight.original.add_(torch.tensor(off))
    dm.load_state_dict(_sd(tm.state_dict()))
    w = dm.weight.detach().numpy()
    small = min(shape)
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)
    _check(tm, dm, (4, shape[1]), rtol=1e-9)
    assert np.abs(dm.parametrizations.weight.original.grad.numpy()).max() > 0
    if shape[0] == shape[1]:                     # assignment: sign-fixed QR into base / X
        target = RNG.standard_normal(shape)
        tm.weight = torch.tensor(target)
        dm.weight = dt.tensor(target)
        np.testing.assert_allclose(dm.weight.detach().numpy(), tm.weight.detach().numpy(),
                                   atol=1e-12)


def test_orthogonal_errors_as_torch():
    def run(m):
        out = []
        for call, kind in [
            (lambda: m.nn.utils.parametrizations.orthogonal(m.nn.Linear(2, 2), "bias"),
             ValueError),
            (lambda: m.nn.utils.parametrizations.orthogonal(m.nn.Linear(2, 2),
                                                            orthogonal_map="qr"), ValueError),
        ]:
            with pytest.raises(kind) as e:
                call()
            out.append(str(e.value))
        lin = m.nn.Linear(2, 2)
        m.nn.utils.parametrizations.orthogonal(lin, use_trivialization=False)
        with pytest.raises(NotImplementedError) as e:
            lin.weight = m.eye(2)
        out.append(str(e.value))
        return out
    assert run(dt) == run(torch)
