"""torch.distributions Gamma, Chi2, Beta, Dirichlet, LogNormal, TransformedDistribution and
the transforms (dlcore_eager/distributions/gamma.py, transforms.py) against real PyTorch 2.13
in float64: log_prob, entropy, moments, cdf/icdf, KL pairs and their parameter gradients;
the implicit reparameterisation gradient of a gamma draw against finite differences of the
CDF (and PyTorch's approximation); sample shapes and sample moments within 5 standard errors;
constraint reprs and validation errors in PyTorch's wording."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


C1 = np.array([0.5, 2.0, 3.0])
C0 = np.array([1.5, 1.0, 0.7])
X = np.array([0.2, 0.3, 0.45])


def _compare(build, rtol=1e-10):
    got = []
    for lib in (torch, dl):
        params, outs = build(lib)
        total = sum((o * lib.tensor(np.random.default_rng(i).standard_normal(tuple(o.shape)))
                     ).sum() for i, o in enumerate(outs))
        total.backward()
        got.append(([o.detach().numpy() for o in outs], [p.grad.numpy() for p in params]))
    for a, b in zip(got[0][0], got[1][0]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=rtol, atol=1e-12)
    # gradients: PyTorch's trigamma (digamma's derivative) is 1.5e-9 off pi^2/2 at 0.5
    # where dlcore's is exact to 1e-15, so the parameter gradients agree to ~1e-9
    for a, b in zip(got[0][1], got[1][1]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-12)


def _params(lib, *arrays):
    return [lib.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("name", ["Gamma", "Beta", "Dirichlet", "Chi2", "LogNormal"])
def test_values_and_gradients(name):
    def build(lib):
        d = lib.distributions
        a, b = _params(lib, C1, C0)
        x = lib.tensor(X)
        if name == "Gamma":
            p, q = d.Gamma(a, b), d.Gamma(b, a + 1)
            cdf = d.Gamma(a.detach(), b).cdf(x)    # (PyTorch has no d cdf / d a)
            return (a, b), [p.log_prob(x), p.entropy(), cdf, p.mean, p.variance, p.mode,
                            d.kl_divergence(p, q)]
        if name == "Beta":
            p, q = d.Beta(a, b), d.Beta(b, a)
            return (a, b), [p.log_prob(x), p.entropy(), p.mean, p.variance,
                            d.kl_divergence(p, q), p.mode]
        if name == "Dirichlet":
            ca = lib.stack([a, b, b * 0.5], 0)    # (the last row: every c < 1)
            p, q = d.Dirichlet(ca), d.Dirichlet(ca.flip(0))
            xs = lib.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3], [0.1, 0.1, 0.8]],
                            dtype=lib.float64)
            return (a, b), [p.log_prob(xs), p.entropy(), p.mean, p.variance,
                            d.kl_divergence(p, q), p.mode]
        if name == "Chi2":
            p = d.Chi2(a)
            return (a,), [p.log_prob(x), p.entropy(), d.Chi2(a.detach()).cdf(x), p.mean,
                          p.variance]
        p = d.LogNormal(a, b)
        return (a, b), [p.log_prob(x), p.entropy(), p.cdf(x), p.icdf(x), p.mean, p.variance,
                        p.mode, d.kl_divergence(p, d.LogNormal(b, a))]
    _compare(build)


@pytest.mark.parametrize("which", ["exp_affine", "sigmoid", "tanh", "power_compose"])
def test_transformed_distribution(which):
    def build(lib):
        d = lib.distributions
        T = d.transforms
        loc, scale = _params(lib, C1 - 1, C0)
        base = d.Normal(loc, scale)
        if which == "exp_affine":
            ts = [T.ExpTransform(), T.AffineTransform(1.0, 2.0)]
            x = lib.tensor(X + 1.2)
        elif which == "sigmoid":
            ts = [T.SigmoidTransform()]
            x = lib.tensor(X)
        elif which == "tanh":
            ts = [T.TanhTransform(), T.AffineTransform(lib.tensor([0.0, 1.0, -1.0]),
                                                      lib.tensor([2.0, -1.0, 0.5]))]
            x = lib.tensor([0.5, 1.2, -1.1])
        else:
            ts = [T.ComposeTransform([T.ExpTransform(), T.PowerTransform(lib.tensor(1.5))])]
            x = lib.tensor(X + 0.5)
        td = d.TransformedDistribution(base, ts)
        outs = [td.log_prob(x)]
        if which != "power_compose":
            outs += [td.cdf(x), td.icdf(lib.tensor(X))]
        t = ts[0]
        z = lib.tensor(C0 - 1)
        outs += [t.log_abs_det_jacobian(z, t(z)), t.inv(t(z))]
        assert tuple(td.rsample((4,)).shape) == (4, 3) and td.has_rsample
        return (loc, scale), outs
    # (tanh's log|J| takes a float32 softplus of the float32 x, whose last bit may differ from
    # Sleef's: float32's precision there)
    _compare(build, 1e-7 if which == "tanh" else 1e-10)


def test_tanh_cache_squashed_gaussian():
    """SAC: log_prob of the policy's own rsample with TanhTransform(cache_size=1) uses the
    cached pre-tanh value (finite at |y| = 1), and gradients flow to loc and scale."""
    d = dl.distributions
    loc = dl.tensor([0.0, 30.0], requires_grad=True)
    scale = dl.tensor([1.0, 0.1], requires_grad=True)
    pi = d.TransformedDistribution(d.Normal(loc, scale), [d.transforms.TanhTransform(
        cache_size=1)])
    y = pi.rsample()
    assert float(y[1]) == 1.0
    lp = pi.log_prob(y)
    assert np.isfinite(lp.detach().numpy()).all()
    lp.sum().backward()
    assert np.isfinite(loc.grad.numpy()).all() and np.isfinite(scale.grad.numpy()).all()
    tpi = torch.distributions.TransformedDistribution(
        torch.distributions.Normal(torch.tensor([0.0, 30.0]), torch.tensor([1.0, 0.1])),
        [torch.distributions.transforms.TanhTransform(cache_size=1)])
    # the same pre-tanh draw through PyTorch's cache gives the same log-density
    pre = pi.transforms[0].inv(y)
    ty = tpi.transforms[0](torch.tensor(pre.detach().numpy()))
    np.testing.assert_allclose(lp.detach().numpy(), tpi.log_prob(ty).numpy(), rtol=1e-5)


def test_standard_gamma_grad_matches_finite_differences():
    from dlcore_eager.distributions.gamma import standard_gamma_grad
    a = np.array([0.05, 0.3, 1.0, 2.5, 8.0, 40.0])
    x = np.array([1e-6, 0.2, 0.5, 4.0, 11.0, 33.0])
    g = standard_gamma_grad(x, a)
    h = 1e-6
    P = lambda aa, xx: dl.special.gammainc(dl.tensor(aa), dl.tensor(xx)).numpy()
    dPda = (P(a + h, x) - P(a - h, x)) / (2 * h)
    logpdf = (a - 1) * np.log(x) - x - dl.lgamma(dl.tensor(a)).numpy()
    np.testing.assert_allclose(g, -dPda / np.exp(logpdf), rtol=1e-6)
    ref = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(g, ref, rtol=1e-3)


def test_dirichlet_grad_matches_torch_and_closed_form():
    """PyTorch's _Dirichlet.backward quantity -(dI/da) / (pdf (1 - x)): equal to torch's
    approximation where it is accurate, and to Beta(a, 1)'s closed form -x log(x) / a."""
    from dlcore_eager.distributions.gamma import dirichlet_grad
    a = np.array([0.3, 2.0, 5.0, 0.8, 0.05])
    b = np.array([1.2, 3.0, 0.5, 7.0, 0.1])
    x = np.array([0.2, 0.5, 0.99, 0.01, 1e-9])
    ref = torch._dirichlet_grad(torch.tensor(x), torch.tensor(a), torch.tensor(a + b)).numpy()
    np.testing.assert_allclose(dirichlet_grad(x, a, a + b), ref, rtol=1e-9)
    a1 = np.array([0.3, 2.0, 7.0])
    x1 = np.array([0.2, 0.7, 0.95])
    np.testing.assert_allclose(dirichlet_grad(x1, a1, a1 + 1) * (1 - x1),
                               -x1 * np.log(x1) / a1, rtol=1e-10)


def test_rsample_gradient_and_moments():
    """d E[x]/d a through rsample: E[x] = a / rate, so the mean gradient of a batch of
    reparameterised draws is 1 / rate (Gamma) and (b / (a+b)^2) (Beta), within 5 s.e."""
    dl.manual_seed(0)
    n = 4000
    a = dl.tensor([0.4, 3.0], dtype=dl.float64, requires_grad=True)
    rate = dl.tensor([2.0, 0.5], dtype=dl.float64, requires_grad=True)
    s = dl.distributions.Gamma(a, rate).rsample((n,))
    assert tuple(s.shape) == (n, 2)
    av, rv = a.detach().numpy(), rate.detach().numpy()
    se = np.sqrt(av) / rv / np.sqrt(n)
    assert np.all(np.abs(s.detach().numpy().mean(0) - av / rv) < 5 * se)
    s.mean(0).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 1 / rv, rtol=0.1)
    np.testing.assert_allclose(rate.grad.numpy(), -av / rv ** 2, rtol=0.1)
    c1 = dl.tensor([0.5, 2.0], dtype=dl.float64, requires_grad=True)
    c0 = dl.tensor([1.5, 1.0], dtype=dl.float64)
    b = dl.distributions.Beta(c1, c0).rsample((n,))
    m = (c1 / (c1 + c0)).detach().numpy()
    sd = np.sqrt(m * (1 - m) / (c1 + c0 + 1).detach().numpy())
    assert np.all(np.abs(b.detach().numpy().mean(0) - m) < 5 * sd / np.sqrt(n))
    b.mean(0).sum().backward()
    want = c0.numpy() / (c1.detach().numpy() + c0.numpy()) ** 2
    np.testing.assert_allclose(c1.grad.numpy(), want, rtol=0.15)
    c = dl.tensor([[0.5, 2.0, 3.0]], dtype=dl.float64, requires_grad=True)
    y = dl.distributions.Dirichlet(c).rsample((n,))
    w = np.array([1.0, -2.0, 0.5])
    (y * dl.tensor(w)).sum(-1).mean().backward()   # d E[w.x] / dc, E[x] = c / sum c
    cv = c.detach().numpy()[0]
    want = w @ (np.eye(3) / cv.sum() - cv[:, None] / cv.sum() ** 2)
    np.testing.assert_allclose(c.grad.numpy()[0], want, atol=0.03)
    dsamp = dl.distributions.Dirichlet(dl.tensor([[1.0, 2.0, 3.0]])).sample((5,))
    assert tuple(dsamp.shape) == (5, 1, 3)
    np.testing.assert_allclose(dsamp.sum(-1).numpy(), 1.0, rtol=1e-6)


def test_shapes_expand_support_and_errors():
    d = dl.distributions
    g = d.Gamma(dl.tensor([1.0, 2.0]), 1.0)
    assert tuple(g.expand((3, 2)).sample((4,)).shape) == (4, 3, 2)
    assert tuple(d.LogNormal(0.0, dl.tensor([1.0, 2.0])).expand((5, 2)).batch_shape) == (5, 2)
    assert repr(d.Gamma.support) == repr(torch.distributions.Gamma.support)
    assert repr(d.Dirichlet.support) == "Simplex()"
    assert repr(d.constraints.positive) == "GreaterThan(lower_bound=0.0)"
    assert repr(d.constraints.real_vector) == repr(torch.distributions.constraints.real_vector)
    assert d.constraints.simplex.check(dl.tensor([0.3, 0.7])).item()
    for lib in (torch, dl):
        with pytest.raises(ValueError) as e:
            lib.distributions.Gamma(lib.tensor([1.0, -1.0]), lib.tensor([1.0, 1.0]))
        assert "to satisfy the constraint GreaterThan(lower_bound=0.0)" in str(e.value)
        with pytest.raises(ValueError) as e:
            lib.distributions.Beta(lib.tensor([1.0]), lib.tensor([2.0])).log_prob(
                lib.tensor([1.5]))
        assert "to be within the support (Interval(lower_bound=0.0, upper_bound=1.0))" in \
            str(e.value)
        with pytest.raises(ValueError, match="must be at least one-dimensional"):
            lib.distributions.Dirichlet(lib.tensor(1.0))
