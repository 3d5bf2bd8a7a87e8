"""nn.utils.prune, nn.utils.parametrize, batch-norm fusion and the Module state-dict and
backward-pre hooks against real PyTorch (float64, torch's weights loaded into dlcore)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")
pytest.importorskip("torch.nn.utils.prune")   # not imported by torch.nn.utils itself

RNG = np.random.default_rng(5)


def _sd(sd):
    return {k: dt.tensor(v.detach().numpy().copy()) for k, v in sd.items()}


def _both(make):
    tm = make(torch).double()
    dm = make(dt).double()
    dm.load_state_dict(_sd(tm.state_dict()))
    return tm, dm


def _fwd_bwd(tm, dm, shape, rtol=1e-10):
    x = RNG.standard_normal(shape)
    yt, yd = tm(torch.tensor(x)), dm(dt.tensor(x))
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=1e-12)
    c = RNG.standard_normal(tuple(yt.shape))
    (yt * torch.tensor(c)).sum().backward()
    (yd * dt.tensor(c)).sum().backward()
    tp, dp = dict(tm.named_parameters()), dict(dm.named_parameters())
    assert list(tp) == list(dp)
    for k, p in tp.items():
        np.testing.assert_allclose(dp[k].grad.numpy(), p.grad.numpy(), rtol=rtol,
                                   atol=1e-12, err_msg=k)


def _same_state(tm, dm):
    ts, ds = tm.state_dict(), dm.state_dict()
    assert list(ds) == list(ts)
    for k in ts:
        np.testing.assert_array_equal(ds[k].numpy(), ts[k].numpy(), err_msg=k)


# ---------------------------------------------------------------------- prune
PRUNINGS = {
    "l1 fraction": lambda m, mod: m.nn.utils.prune.l1_unstructured(mod, "weight", amount=0.3),
    "l1 count": lambda m, mod: m.nn.utils.prune.l1_unstructured(mod, "weight", amount=5),
    "l1 twice": lambda m, mod: (m.nn.utils.prune.l1_unstructured(mod, "weight", amount=0.25),
                                m.nn.utils.prune.l1_unstructured(mod, "weight", amount=0.5)),
    "ln dim0 n2": lambda m, mod: m.nn.utils.prune.ln_structured(mod, "weight", 0.34, 2, 0),
    "ln dim1 n1": lambda m, mod: m.nn.utils.prune.ln_structured(mod, "weight", 1, 1, dim=1),
    "ln dim-1 inf": lambda m, mod: m.nn.utils.prune.ln_structured(mod, "weight", 2,
                                                                  float("inf"), -1),
    "l1 then ln": lambda m, mod: (m.nn.utils.prune.l1_unstructured(mod, "weight", 0.2),
                                  m.nn.utils.prune.ln_structured(mod, "weight", 1, 2, 0)),
    "bias identity": lambda m, mod: m.nn.utils.prune.identity(mod, "bias"),
}


@pytest.mark.parametrize("name", list(PRUNINGS))
def test_prune_masks_values_and_gradients(name):
    def make(m):
        return m.nn.Conv2d(2, 3, 2)
    tm, dm = _both(make)
    for m, mod in ((torch, tm), (dt, dm)):
        PRUNINGS[name](m, mod)
    _same_state(tm, dm)
    assert dt.nn.utils.prune.is_pruned(dm) and torch.nn.utils.prune.is_pruned(tm)
    _fwd_bwd(tm, dm, (2, 2, 4, 4))
    pname = "bias" if name.startswith("bias") else "weight"
    for m, mod in ((torch, tm), (dt, dm)):
        m.nn.utils.prune.remove(mod, pname)
    _same_state(tm, dm)
    assert not dt.nn.utils.prune.is_pruned(dm)
    assert isinstance(getattr(dm, pname), dt.nn.Parameter)


def test_torch_pruned_state_dict_loads_and_global_unstructured():
    def make(m):
        return m.nn.Sequential(m.nn.Linear(4, 5), m.nn.Tanh(), m.nn.Linear(5, 2))
    tm, dm = _both(make)
    for m, mod in ((torch, tm), (dt, dm)):
        m.nn.utils.prune.l1_unstructured(mod[0], "weight", amount=3)
        m.nn.utils.prune.global_unstructured([(mod[0], "weight"), (mod[2], "weight")],
                                             pruning_method=m.nn.utils.prune.L1Unstructured,
                                             amount=0.4)
    _same_state(tm, dm)
    _fwd_bwd(tm, dm, (3, 4))
    # a pruned torch checkpoint loads into a dlcore model pruned the same way
    fresh = make(dt).double()
    dt.nn.utils.prune.identity(fresh[0], "weight")
    dt.nn.utils.prune.identity(fresh[2], "weight")
    fresh.load_state_dict(_sd(tm.state_dict()))
    x = RNG.standard_normal((2, 4))
    # (atol: an output near 0 is a cancellation, whose last bits differ with the BLAS's sum
    # order: 1.96e-5 off by 5.9e-17 failed rtol alone)
    np.testing.assert_allclose(fresh(dt.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-12, atol=1e-14)


def test_random_pruning_counts():
    lin = dt.nn.Linear(10, 6)
    dt.nn.utils.prune.random_unstructured(lin, "weight", amount=0.25)
    assert int((lin.weight_mask == 0).sum().item()) == 15
    conv = dt.nn.Conv2d(3, 8, 3)
    dt.nn.utils.prune.random_structured(conv, "weight", amount=3, dim=0)
    mask = conv.weight_mask.numpy()
    per_channel = mask.reshape(8, -1)
    assert (per_channel.min(1) == per_channel.max(1)).all() and per_channel[:, 0].sum() == 5


@pytest.mark.parametrize("call,kind", [
    (lambda m: m.nn.utils.prune.l1_unstructured(m.nn.Linear(2, 2), "weight", amount=1.5),
     ValueError),
    (lambda m: m.nn.utils.prune.l1_unstructured(m.nn.Linear(2, 2), "weight", amount=-1),
     ValueError),
    (lambda m: m.nn.utils.prune.l1_unstructured(m.nn.Linear(2, 2), "weight", amount="a"),
     TypeError),
    (lambda m: m.nn.utils.prune.l1_unstructured(m.nn.Linear(2, 2), "weight", amount=5),
     ValueError),
    (lambda m: m.nn.utils.prune.ln_structured(m.nn.Linear(2, 2), "bias", 1, 2, 0), ValueError),
    (lambda m: m.nn.utils.prune.ln_structured(m.nn.Linear(2, 2), "weight", 1, 2, 2),
     IndexError),
    (lambda m: m.nn.utils.prune.remove(m.nn.Linear(2, 2), "weight"), ValueError),
    (lambda m: m.nn.utils.prune.global_unstructured(
        [(m.nn.Linear(2, 2), "weight")], pruning_method=m.nn.utils.prune.LnStructured,
        amount=1, n=2, dim=0), TypeError),
])
def test_prune_errors_as_torch_and_module_unchanged(call, kind):
    msgs = []
    for m in (torch, dt):
        with pytest.raises(kind) as e:
            call(m)
        msgs.append(str(e.value).replace("torch.nn.utils.prune", "X").replace(
            "dlcore_eager.nn.utils.prune", "X"))
    assert msgs[0] == msgs[1]
    lin = dt.nn.Linear(2, 2)
    with pytest.raises(ValueError):
        dt.nn.utils.prune.l1_unstructured(lin, "weight", amount=5)
    assert list(lin.state_dict()) == ["weight", "bias"] and not lin._forward_pre_hooks


# ---------------------------------------------------------------------- parametrize
class _Symmetric:
    @staticmethod
    def make(m):
        class Symmetric(m.nn.Module):
            def forward(self, x):
                return x.triu() + x.triu(1).transpose(0, 1)

            def right_inverse(self, a):
                return a.triu()
        return Symmetric()


class _Scale:
    @staticmethod
    def make(m):
        class Scale(m.nn.Module):
            def forward(self, x):
                return x * 2.0
        return Scale()


def test_register_chain_assign_cache_and_remove():
    tm, dm = _both(lambda m: m.nn.Linear(3, 3))
    for m, mod in ((torch, tm), (dt, dm)):
        P = m.nn.utils.parametrize
        P.register_parametrization(mod, "weight", _Symmetric.make(m))
        P.register_parametrization(mod, "weight", _Scale.make(m), unsafe=True)
        assert P.is_parametrized(mod) and P.is_parametrized(mod, "weight")
        assert not P.is_parametrized(mod, "bias")
        assert P.type_before_parametrizations(mod).__name__ == "Linear"
    assert type(dm).__name__ == type(tm).__name__ == "ParametrizedLinear"
    assert type(dt.nn.Linear(2, 2)).__name__ == "Linear"          # other instances untouched
    _same_state(tm, dm)
    assert list(dm.state_dict()) == ["bias", "parametrizations.weight.original"]
    _fwd_bwd(tm, dm, (4, 3))
    w = RNG.standard_normal((3, 3))
    for m, mod in ((torch, tm), (dt, dm)):                         # Scale has no right_inverse
        with pytest.raises(RuntimeError, match="^parametrization Scale does not implement "
                                               "right_inverse.$"):
            mod.weight = m.tensor(w)
    with torch.nn.utils.parametrize.cached():
        assert tm.weight is tm.weight
    with dt.nn.utils.parametrize.cached():
        assert dm.weight is dm.weight
    assert dm.weight is not dm.weight
    orig = dm.parametrizations.weight.original
    for m, mod in ((torch, tm), (dt, dm)):
        m.nn.utils.parametrize.remove_parametrizations(mod, "weight", leave_parametrized=False)
    assert type(dm).__name__ == "Linear" and dm.weight is orig
    assert list(dm.state_dict()) == list(tm.state_dict())


def test_assignment_through_right_inverse_keeps_the_parameter():
    tm, dm = _both(lambda m: m.nn.Linear(3, 3))
    for m, mod in ((torch, tm), (dt, dm)):
        m.nn.utils.parametrize.register_parametrization(mod, "weight", _Symmetric.make(m))
    orig = dm.parametrizations.weight.original
    opt = dt.optim.SGD(dm.parameters(), lr=0.1)
    w = RNG.standard_normal((3, 3))
    tm.weight = torch.tensor(w)
    dm.weight = dt.tensor(w)
    assert dm.parametrizations.weight.original is orig
    _same_state(tm, dm)
    _fwd_bwd(tm, dm, (2, 3))
    opt.step()
    assert np.abs(orig.detach().numpy() - tm.parametrizations.weight.original.detach()
                  .numpy()).max() > 0


def test_parametrize_errors_as_torch():
    def run(m):
        out = []
        P = m.nn.utils.parametrize

        class Bad(m.nn.Module):
            def forward(self, x):
                return x[:1]
        for call in [lambda: P.register_parametrization(m.nn.Linear(2, 2), "nope",
                                                        _Scale.make(m)),
                     lambda: P.register_parametrization(m.nn.Linear(3, 2), "weight", Bad()),
                     lambda: P.remove_parametrizations(m.nn.Linear(2, 2), "weight")]:
            with pytest.raises(ValueError) as e:
                call()
            out.append(str(e.value))
        lin = m.nn.Linear(3, 2)
        m.nn.utils.parametrizations.weight_norm(lin)
        with pytest.raises(ValueError) as e:
            P.remove_parametrizations(lin, "weight", leave_parametrized=False)
        out.append(str(e.value))
        return out
    assert run(dt) == run(torch)


# ---------------------------------------------------------------------- fusion
@pytest.mark.parametrize("kind", ["conv", "convT", "linear", "conv no bias"])
def test_fuse_bn_eval(kind):
    def make(m):
        if kind == "conv":
            layer, bn = m.nn.Conv2d(2, 3, 3), m.nn.BatchNorm2d(3)
        elif kind == "conv no bias":
            layer, bn = m.nn.Conv2d(2, 3, 3, bias=False), m.nn.BatchNorm2d(3)
        elif kind == "convT":
            layer, bn = m.nn.ConvTranspose2d(2, 3, 3), m.nn.BatchNorm2d(3)
        else:
            layer, bn = m.nn.Linear(4, 3), m.nn.BatchNorm1d(3)
        return m.nn.Sequential(layer, bn)
    tm, dm = _both(make)
    stats = {"1.running_mean": RNG.standard_normal(3), "1.running_var": RNG.uniform(0.5, 2, 3),
             "1.weight": RNG.standard_normal(3), "1.bias": RNG.standard_normal(3)}
    for k, v in stats.items():
        tm.state_dict()[k].copy_(torch.tensor(v))
    dm.load_state_dict(_sd(tm.state_dict()))
    tm.eval()
    dm.eval()
    shape = (2, 4) if kind == "linear" else (2, 2, 5, 5)
    x = RNG.standard_normal(shape)
    fused = []
    for m, mod, xx in ((torch, tm, torch.tensor(x)), (dt, dm, dt.tensor(x))):
        if kind == "linear":
            f = m.nn.utils.fuse_linear_bn_eval(mod[0], mod[1])
        else:
            f = m.nn.utils.fuse_conv_bn_eval(mod[0], mod[1], transpose=kind == "convT")
        np.testing.assert_allclose(f(xx).detach().numpy(), mod(xx).detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
        fused.append(f)
    _same_state(*fused)
    dm.train()
    msgs = []
    for m, mod in ((torch, tm), (dt, dm)):
        mod.train()
        with pytest.raises(AssertionError) as e:
            (m.nn.utils.fuse_linear_bn_eval if kind == "linear" else
             m.nn.utils.fuse_conv_bn_eval)(mod[0], mod[1])
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1] == "Fusion only for eval!"


# ---------------------------------------------------------------------- module hooks
def test_backward_pre_hook_and_state_dict_hooks():
    def run(m):
        log: list = []
        lin = m.nn.Linear(3, 2).double()
        lin.load_state_dict({"weight": m.tensor(np.arange(6.0).reshape(2, 3) / 7),
                             "bias": m.tensor([0.5, -0.25])})

        def pre(mod, grad_output):
            log.append(("bwd_pre", tuple(grad_output[0].shape)))
            return (grad_output[0] * 3,)

        def full(mod, grad_input, grad_output):
            log.append(("bwd", tuple(grad_output[0].shape)))
        lin.register_full_backward_pre_hook(pre)
        lin.register_full_backward_hook(full)
        x = m.tensor(np.ones((4, 3)) / 3, requires_grad=True)
        lin(x).sum().backward()
        grads = (x.grad.numpy(), lin.weight.grad.numpy())

        lin.register_state_dict_pre_hook(lambda mod, prefix, keep: log.append(("sd_pre",
                                                                               prefix)))

        def post(mod, sd, prefix, meta):
            sd[prefix + "extra"] = m.tensor(1.0)
        lin.register_state_dict_post_hook(post)
        log.append(("keys", list(lin.state_dict())))

        def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors):
            if prefix + "w" in sd:
                sd[prefix + "weight"] = sd.pop(prefix + "w")

        def ignore(mod, keys):
            keys.unexpected_keys.clear()
        lin.register_load_state_dict_pre_hook(rename)
        h = lin.register_load_state_dict_post_hook(ignore)
        res = lin.load_state_dict({"w": m.zeros(2, 3), "bias": m.zeros(2), "extra": m.ones(1)})
        log.append(("loaded", list(res.missing_keys), list(res.unexpected_keys),
                    float(lin.weight.detach().sum())))
        h.remove()
        try:
            lin.load_state_dict({"weight": m.zeros(2, 3), "bias": m.zeros(2), "x": m.ones(1)})
        except RuntimeError as e:
            log.append(("error", str(e).replace("torch.", "")))
        return log, grads
    (log_t, grads_t), (log_d, grads_d) = run(torch), run(dt)
    assert log_d == log_t
    for a, b in zip(grads_t, grads_d):
        np.testing.assert_allclose(b, a, rtol=1e-12)


def test_dlcore_checkpoint_of_reparametrised_model_loads_into_torch():
    """The other direction: a dlcore model with weight norm, spectral norm (both forms),
    pruning and a lazy layer, trained one step, then its state dict loaded into the same torch
    model gives the same outputs."""
    def make(m):
        model = m.nn.Sequential(m.nn.Linear(4, 6), m.nn.Tanh(), m.nn.Linear(6, 5), m.nn.Tanh(),
                                m.nn.Linear(5, 3), m.nn.LazyLinear(2)).double()
        m.nn.utils.parametrizations.weight_norm(model[0])
        m.nn.utils.parametrizations.spectral_norm(model[2])
        m.nn.utils.spectral_norm(model[4])
        m.nn.utils.prune.l1_unstructured(model[4], "bias", amount=1)
        return model
    x = RNG.standard_normal((3, 4))
    dm = make(dt)
    dm(dt.tensor(x))                                 # materialises the lazy layer, moves u, v
    opt = dt.optim.SGD(dm.parameters(), lr=0.1)
    dm(dt.tensor(x)).sum().backward()
    opt.step()
    dm.eval()
    tm = make(torch)
    tm(torch.tensor(x))
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in dm.state_dict().items()})
    tm.eval()
    assert list(tm.state_dict()) == list(dm.state_dict())
    np.testing.assert_allclose(dm(dt.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_deepcopy_of_a_parametrized_module():
    m = dt.nn.utils.parametrizations.weight_norm(dt.nn.Linear(3, 2).double())
    c = copy.deepcopy(m)
    assert type(c) is type(m) and type(c).__name__ == "ParametrizedLinear"
    x = dt.tensor(RNG.standard_normal((2, 3)))
    np.testing.assert_array_equal(c(x).detach().numpy(), m(x).detach().numpy())
    assert c.parametrizations.weight.original1 is not m.parametrizations.weight.original1
    with pytest.raises(RuntimeError, match="^Serialization of parametrized modules"):
        m.__getstate__()
