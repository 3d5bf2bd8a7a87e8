"""torch.distributions from the long tail (dlcore_eager/distributions/more.py) against real
PyTorch 2.13: MultivariateNormal (covariance, precision, scale_tril), Independent, Exponential,
Laplace, OneHotCategorical: log_prob, entropy, moments, cdf/icdf, KL divergences and their
gradients in float64, sample shapes and sample moments, and errors for bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from error_of import error_of

import dlcore_eager as dl

torch = pytest.importorskip("torch")

COV = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]])
LOC = np.array([[0.5, -1.0, 0.2], [0.0, 0.3, 1.0]])


def _compare(build):
    got = []
    for lib in (torch, dl):
        params, outs = build(lib)
        total = sum((o * lib.tensor(np.random.default_rng(i).standard_normal(tuple(o.shape)))
                     ).sum() for i, o in enumerate(outs))
        total.backward()
        got.append(([o.detach().numpy() for o in outs], [p.grad.numpy() for p in params],
                    [str(o.dtype) for o in outs]))
    for a, b in zip(got[0][0] + got[0][1], got[1][0] + got[1][1]):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
    assert got[1][2] == got[0][2]


@pytest.mark.parametrize("form", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_multivariate_normal(form):
    def build(lib):
        d = lib.distributions
        loc = lib.tensor(LOC, requires_grad=True)
        A = lib.tensor(COV, requires_grad=True)
        arg = lib.linalg.cholesky(A) if form == "scale_tril" else A
        m = d.MultivariateNormal(loc, **{form: arg})
        q = d.MultivariateNormal(loc[0] * 0.5, covariance_matrix=A * 2)
        x = lib.tensor([[0.1, 0.2, 0.3]], dtype=lib.float64)
        assert tuple(m.batch_shape) == (2,) and tuple(m.event_shape) == (3,)
        assert tuple(m.rsample((4,)).shape) == (4, 2, 3)
        return (loc, A), [m.log_prob(x), m.entropy(), d.kl_divergence(m, q), m.variance,
                          m.covariance_matrix, m.precision_matrix, m.scale_tril, m.mean]
    _compare(build)


def test_independent_normal():
    def build(lib):
        d = lib.distributions
        loc = lib.tensor(LOC, requires_grad=True)
        scale = lib.tensor(np.abs(LOC) + 0.5, requires_grad=True)
        ind = d.Independent(d.Normal(loc, scale), 1)
        other = d.Independent(d.Normal(loc * 0 + 1.0, scale * 2), 1)
        assert tuple(ind.batch_shape) == (2,) and tuple(ind.event_shape) == (3,)
        assert ind.has_rsample and tuple(ind.rsample((5,)).shape) == (5, 2, 3)
        x = lib.tensor([0.1, 0.2, 0.3], dtype=lib.float64)
        return (loc, scale), [ind.log_prob(x), ind.entropy(), d.kl_divergence(ind, other),
                              ind.mean, ind.stddev]
    _compare(build)


def test_exponential_and_laplace():
    def build(lib):
        d = lib.distributions
        rate = lib.tensor([0.5, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        loc = lib.tensor([0.0, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        e, e2 = d.Exponential(rate), d.Exponential(rate * 3)
        la, la2 = d.Laplace(loc, rate), d.Laplace(loc + 1, rate * 2)
        x = lib.tensor([0.3, 1.0, 2.5], dtype=lib.float64)
        p = lib.tensor([0.1, 0.5, 0.9], dtype=lib.float64)
        return (rate, loc), [e.log_prob(x), e.entropy(), e.cdf(x), e.icdf(p), e.mean,
                             e.variance, d.kl_divergence(e, e2), la.log_prob(x), la.entropy(),
                             la.cdf(x), la.icdf(p), la.variance, d.kl_divergence(la, la2)]
    _compare(build)


def test_one_hot_categorical():
    def build(lib):
        d = lib.distributions
        logits = lib.tensor([[0.1, 1.0, -0.5], [2.0, 0.0, 0.3]], dtype=lib.float64,
                            requires_grad=True)
        oh, oh2 = d.OneHotCategorical(logits=logits), d.OneHotCategorical(logits=logits * 2)
        v = lib.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype=lib.float64)
        s = oh.sample((4,))
        assert tuple(s.shape) == (4, 2, 3) and bool((s.sum(-1) == 1).all())
        assert tuple(oh.enumerate_support().shape) == (3, 2, 3)
        return (logits,), [oh.log_prob(v), oh.entropy(), oh.mean, oh.variance, oh.mode,
                           d.kl_divergence(oh, oh2)]
    _compare(build)


def test_sample_moments():
    dl.manual_seed(0)
    m = dl.distributions.MultivariateNormal(dl.tensor([1.0, -2.0], dtype=dl.float64),
                                            dl.tensor(COV[:2, :2]))
    s = m.sample((20000,)).numpy()
    np.testing.assert_allclose(s.mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(np.cov(s.T), COV[:2, :2], atol=0.08)
    e = dl.distributions.Exponential(dl.tensor([2.0])).sample((20000,)).numpy()
    assert abs(e.mean() - 0.5) < 0.02 and e.min() >= 0
    la = dl.distributions.Laplace(dl.tensor([1.0]), dl.tensor([0.5])).sample((20000,)).numpy()
    assert abs(np.median(la) - 1.0) < 0.03 and abs(la.var() - 0.5) < 0.05


@pytest.mark.parametrize("fn", [
    lambda lib: lib.distributions.MultivariateNormal(lib.ones(2)),
    lambda lib: lib.distributions.MultivariateNormal(lib.tensor(1.0), lib.eye(1)),
    lambda lib: lib.distributions.MultivariateNormal(lib.ones(2), lib.ones(2)),
    lambda lib: lib.distributions.Independent(lib.distributions.Normal(lib.zeros(2), 1.0), 2),
    lambda lib: lib.distributions.OneHotCategorical()])
def test_errors_are_torchs(fn):
    assert error_of(lambda: fn(dl)) == error_of(lambda: fn(torch))
