"""torch.func against real PyTorch: grad/grad_and_value (argnums, has_aux, pytrees, nesting),
vjp, jvp (double vjp), jacrev, jacfwd, hessian, vmap (in_dims/out_dims, nesting, randomness,
composition with grad) and functional_call; errors by type and message."""

# ruff: noqa: B023  (each lambda is called inside its own loop iteration)
import numpy as np
import pytest
from error_of import error_of as _err

import dlcore_eager as dt
from dlcore_eager import func as dfunc

torch = pytest.importorskip("torch")
tfunc = torch.func

A = np.array([0.3, -1.2, 2.0])
B = np.array([[0.5, 1.0, -0.7], [1.5, -0.2, 0.1]])


def _t(lib, a):
    return lib.tensor(a, dtype=lib.float64)


def _close(got, want, tol=1e-10):
    if isinstance(want, torch.Tensor):
        assert isinstance(got, dt.Tensor) and tuple(got.shape) == tuple(want.shape)
        assert got.requires_grad == want.requires_grad
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=tol,
                                   atol=tol)
    elif isinstance(want, dict):
        assert set(got) == set(want)
        for k in want:
            _close(got[k], want[k], tol)
    elif isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w, tol)
    else:
        assert got == want


def f1(lib):
    return lambda x: (x.sin() * x ** 2).sum()


def f2(lib):
    return lambda x, y: ((x * y.sum(0)).exp() + x).sum()


def vec(lib):
    return lambda x: x.sin() * x.sum()


@pytest.mark.parametrize("case", [
    lambda L, F: F.grad(f1(L))(_t(L, A)),
    lambda L, F: F.grad(f2(L), argnums=(0, 1))(_t(L, A), _t(L, B)),
    lambda L, F: F.grad(f2(L), argnums=1)(_t(L, A), _t(L, B)),
    lambda L, F: F.grad_and_value(f1(L))(_t(L, A)),
    lambda L, F: F.grad(lambda x: (f1(L)(x), x.cos()), has_aux=True)(_t(L, A)),
    lambda L, F: F.grad_and_value(lambda x: (f1(L)(x), {"c": x.cos()}), has_aux=True)(_t(L, A)),
    lambda L, F: F.grad(lambda d: (d["a"] * d["b"][0]).sum())({"a": _t(L, A), "b": [_t(L, A)]}),
    lambda L, F: F.grad(F.grad(lambda x: (x ** 3).sum() * x.sum()))(_t(L, 1.5)),
    lambda L, F: F.grad(lambda x: F.grad(lambda y: (x * y ** 2).sum())(x).sum())(_t(L, A)),
    lambda L, F: F.grad(lambda x: L.ones((), dtype=L.float64))(_t(L, A)),
    lambda L, F: F.vjp(vec(L), _t(L, A))[1](_t(L, [1.0, -2.0, 0.5])),
    lambda L, F: F.vjp(vec(L), _t(L, A))[0],
    lambda L, F: F.vjp(lambda x, y: (x * y, y.exp()), _t(L, A), _t(L, A))[1](
        (_t(L, [1.0, 2.0, 3.0]), _t(L, [0.5, 0.5, 0.5]))),
    lambda L, F: F.jvp(vec(L), (_t(L, A),), (_t(L, [1.0, 0.0, 2.0]),)),
    lambda L, F: F.jvp(lambda x, y: x * y.sum(0), (_t(L, A), _t(L, B)),
                       (_t(L, [1.0, 0.0, 2.0]), _t(L, B * 0 + 1))),
    lambda L, F: F.jacrev(vec(L))(_t(L, A)),
    lambda L, F: F.jacrev(f2(L), argnums=(0, 1))(_t(L, A), _t(L, B)),
    lambda L, F: F.jacrev(lambda x: (x.sin(), x.sum()))(_t(L, A)),
    lambda L, F: F.jacfwd(vec(L))(_t(L, A)),
    lambda L, F: F.jacfwd(lambda x, y: x * y, argnums=1)(_t(L, A), _t(L, B)),
    lambda L, F: F.hessian(f1(L))(_t(L, A)),
    lambda L, F: F.hessian(lambda x: (x.prod() * x.exp()).sum())(_t(L, B)),
])
def test_transforms_match_torch(case):
    _close(case(dt, dfunc), case(torch, tfunc))


@pytest.mark.parametrize("case", [
    lambda L, F: F.vmap(lambda a: a.sum())(_t(L, B)),
    lambda L, F: F.vmap(lambda a, b: a * b, in_dims=(1, None))(_t(L, B), _t(L, [2.0, 3.0])),
    lambda L, F: F.vmap(lambda a: a * 2, out_dims=1)(_t(L, B)),
    lambda L, F: F.vmap(lambda a: (a, a.sum()), out_dims=(1, 0))(_t(L, B)),
    lambda L, F: F.vmap(lambda d: d["x"] + d["y"], in_dims=({"x": 0, "y": None},))(
        {"x": _t(L, B), "y": _t(L, A)}),
    lambda L, F: F.vmap(F.vmap(lambda a: a.exp().sum()))(_t(L, B)),
    lambda L, F: F.vmap(lambda a: a)(L.ones(0, 2, dtype=L.float64)),
    lambda L, F: F.vmap(F.grad(lambda w, x: ((w * x).sum() ** 2)), in_dims=(None, 0))(
        _t(L, A), _t(L, B)),
    lambda L, F: F.grad(lambda w: F.vmap(lambda x: (w * x).sum().sin())(_t(L, B)).sum())(
        _t(L, A)),
    lambda L, F: F.vmap(F.jacrev(lambda x: x.sin() * x[0]))(_t(L, B)),
    lambda L, F: F.vmap(lambda a: L.ones(3, dtype=L.float64), randomness="same")(_t(L, B)),
])
def test_vmap_matches_torch(case):
    _close(case(dt, dfunc), case(torch, tfunc))


def test_vmap_randomness():
    x = dt.ones(4, 3)
    with pytest.raises(RuntimeError, match="vmap: called random operation while in randomness "
                                           "error mode"):
        dfunc.vmap(lambda a: a + dt.rand(3))(x)
    same = dfunc.vmap(lambda a: a + dt.rand(3), randomness="same")(x)
    assert np.allclose(same.numpy(), same.numpy()[0])
    diff = dfunc.vmap(lambda a: a + dt.rand(3), randomness="different")(x)
    assert not np.allclose(diff.numpy(), diff.numpy()[0])


@pytest.mark.parametrize("draw", [
    lambda: dt.rand(1),
    lambda: dt.randn(1),                # (the second of a pair: only the cached normal goes)
    lambda: dt.randint(0, 5, (624,)),   # (a whole key's worth: the position comes back)
    lambda: dt.randperm(3),
])
def test_vmap_error_mode_sees_every_draw_and_puts_the_state_back(draw):
    """randomness="error" compares a cheap fingerprint of the generator before and after each
    sample (TorchCPUEngine.token): a draw in any sample, of any kind, raises, and the generator
    is left as it was before the vmap."""
    x = dt.ones(4, 3)
    dt.manual_seed(1)
    dt.randn(1)                          # (a cached normal, for the randn case)
    before = dt.get_rng_state()
    calls = []

    def f(a):
        calls.append(1)
        if len(calls) == 3:
            draw()
        return a * 2
    with pytest.raises(RuntimeError, match="vmap: called random operation"):
        dfunc.vmap(f)(x)
    assert len(calls) == 3 and dt.equal(dt.get_rng_state(), before)


def test_vmap_error_mode_accepts_a_sample_that_seeds_the_same_state_back():
    dt.manual_seed(5)
    out = dfunc.vmap(lambda a: dt.manual_seed(5) and a + 1)(dt.zeros(3, 2))
    assert out.tolist() == [[1.0, 1.0]] * 3


@pytest.mark.parametrize("case", [
    lambda L, F: F.grad(lambda x: x * 2)(L.ones(3)),
    lambda L, F: F.grad(lambda x: x.sum(), argnums=1)(L.ones(3)),
    lambda L, F: F.grad(lambda x: (x.sum(), 1), has_aux=True)(L.ones(3)),
    lambda L, F: F.grad(lambda x: x.sum(), has_aux=True)(L.ones(3)),
    lambda L, F: F.grad(lambda x: x.sum())(1.0),
    lambda L, F: F.vmap(lambda a, b: a + b)(L.ones(2, 3), L.ones(3, 3)),
    lambda L, F: F.vmap(lambda a: a, in_dims=1)(L.ones(2)),
    lambda L, F: F.vmap(lambda a: a, in_dims=None)(L.ones(2)),
    lambda L, F: F.vmap(lambda a: a, randomness="x")(L.ones(2)),
    lambda L, F: F.vmap(lambda a: 1.0)(L.ones(2)),
    lambda L, F: F.vmap(lambda a: a.sum(), out_dims=1)(L.ones(2, 3)),
    lambda L, F: F.vmap(lambda a: a)(L.tensor(1.0)),
    lambda L, F: F.vjp(lambda x: x.sin(), L.ones(3))[1](L.ones(2)),
    lambda L, F: F.jvp(lambda x: x.sin(), (L.ones(3),), (L.ones(2),)),
    lambda L, F: F.jvp(lambda x: x.sin(), L.ones(3), L.ones(3)),
])
def test_errors_match_torch(case):
    assert _err(lambda: case(dt, dfunc)) == _err(lambda: case(torch, tfunc))


def _linear(lib, rng):
    m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
    with lib.no_grad():
        m[0].weight.copy_(lib.tensor(rng.standard_normal((2, 3)), dtype=lib.float32))
        m[0].bias.copy_(lib.tensor([0.1, -0.2]))
    return m


def test_functional_call():
    m, tm = _linear(dt, np.random.default_rng(0)), _linear(torch, np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    w = {"0.weight": np.ones((2, 3), np.float32), "1.running_mean": np.array([1.0, 2.0], np.float32)}
    for lib, mod in ((dt, m), (torch, tm)):
        mod.eval()
    got = dfunc.functional_call(m, {k: dt.tensor(v) for k, v in w.items()}, (dt.tensor(x),))
    want = tfunc.functional_call(tm, {k: torch.tensor(v) for k, v in w.items()},
                                 (torch.tensor(x),))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5)
    assert m[0].weight.tolist() == tm[0].weight.tolist()        # restored
    assert m[1].running_mean.tolist() == [0.0, 0.0]
    # a dict tuple, kwargs, strict errors and duplicate keys as PyTorch's
    lin, tlin = dt.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    one = {"weight": np.ones((1, 2), np.float32)}
    assert _err(lambda: dfunc.functional_call(lin, {k: dt.tensor(v) for k, v in one.items()},
                                              (dt.ones(1, 2),), strict=True)) == \
        _err(lambda: tfunc.functional_call(tlin, {k: torch.tensor(v) for k, v in one.items()},
                                           (torch.ones(1, 2),), strict=True))
    assert _err(lambda: dfunc.functional_call(lin, ({"weight": dt.ones(1, 2)},
                                                     {"weight": dt.ones(1, 2)}), dt.ones(1, 2))) \
        == _err(lambda: tfunc.functional_call(tlin, ({"weight": torch.ones(1, 2)},
                                                     {"weight": torch.ones(1, 2)}),
                                              torch.ones(1, 2)))
    class Scale(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = dt.nn.Parameter(dt.ones(2))

        def forward(self, x, *, shift=0.0):
            return x * self.w + shift
    out = dfunc.functional_call(Scale(), {"w": dt.tensor([2.0, 3.0])}, args=dt.ones(2),
                                kwargs={"shift": 1.0})
    assert out.tolist() == [3.0, 4.0]
    # tied weights: one name given serves both
    tied = dt.nn.Sequential(dt.nn.Linear(2, 2, bias=False), dt.nn.Linear(2, 2, bias=False))
    tied[1].weight = tied[0].weight
    r = dfunc.functional_call(tied, {"0.weight": dt.eye(2) * 2}, (dt.ones(1, 2),))
    assert r.tolist() == [[4.0, 4.0]]


def test_stack_module_state_and_ensembling():
    def models(lib):
        ms = [lib.nn.Linear(3, 2) for _ in range(4)]
        rng = np.random.default_rng(3)
        with lib.no_grad():
            for m in ms:
                for p in m.parameters():
                    p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)), dtype=lib.float32))
        return ms
    x = np.random.default_rng(4).standard_normal((5, 3)).astype(np.float32)
    outs = []
    for lib, F in ((dt, dfunc), (torch, tfunc)):
        ms = models(lib)
        params, buffers = F.stack_module_state(ms)
        assert params["weight"].shape == (4, 2, 3) and params["weight"].is_leaf
        assert params["weight"].requires_grad

        def fmodel(params, buffers, xb, base=ms[0], F=F):
            return F.functional_call(base, (params, buffers), (xb,))
        outs.append(F.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, lib.tensor(x)))
    np.testing.assert_allclose(outs[0].detach().numpy(), outs[1].detach().numpy(), rtol=1e-5)
    bn = [dt.nn.BatchNorm1d(2) for _ in range(3)]
    b = dfunc.stack_module_state(bn)[1]
    assert b["running_mean"].shape == (3, 2) and not b["running_mean"].requires_grad
    a, c = dt.nn.Linear(2, 2), dt.nn.Linear(2, 2)
    c.bias.requires_grad_(False)
    ta, tc = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    tc.bias.requires_grad_(False)
    for args, targs in [([], []), ([a, c], [ta, tc]), ([a, dt.nn.ReLU()], [ta, torch.nn.ReLU()])]:
        assert _err(lambda: dfunc.stack_module_state(args)) == \
            _err(lambda: tfunc.stack_module_state(targs))


def test_jacobians_of_a_cuda_input_stay_on_cuda_and_equal_the_cpus():
    x = dt.tensor([[0.5, -1.0], [2.0, 0.25]])

    def f(v):
        return (v.sin() * v.sum()).reshape(-1)[:3]
    for jac in (dfunc.jacrev, dfunc.jacfwd):
        on_cpu, on_cuda = jac(f)(x), jac(f)(x.cuda())
        assert on_cuda.is_cuda and tuple(on_cuda.shape) == (3, 2, 2)
        np.testing.assert_allclose(on_cuda.cpu().numpy(), on_cpu.numpy(), rtol=1e-6)
