"""torch.distributions MixtureSameFamily, RelaxedBernoulli, RelaxedOneHotCategorical and
LowRankMultivariateNormal (dlcore_eager/distributions/relaxed.py) against real PyTorch 2.13 in
float64: log_prob, mean, variance, cdf, entropy, covariance and the gradients of all of them;
sample shapes and moments (mixture mean within 5 standard errors, Gumbel-softmax draws on the
simplex with class frequencies of their argmax near probs); errors in PyTorch's wording."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


LG = np.array([[0.2, -0.5, 1.0], [0.3, 0.1, -0.2]])


def _outputs(lib):
    D = lib.distributions
    f64 = lib.float64
    lg = lib.tensor(LG, requires_grad=True)
    out = {}
    mix = D.MixtureSameFamily(D.Categorical(logits=lg), D.Normal(lg * 2, lg.exp()))
    x = lib.tensor([0.3, -1.0], dtype=f64)
    out.update(mix_lp=mix.log_prob(x), mix_mean=mix.mean, mix_var=mix.variance,
               mix_cdf=mix.cdf(x))
    mv = D.MixtureSameFamily(D.Categorical(logits=lg[0]),
                             D.Independent(D.Normal(lg.t() * 2, lg.t().exp()), 1))
    out.update(mv_lp=mv.log_prob(lib.tensor([0.1, 0.2], dtype=f64)), mv_mean=mv.mean,
               mv_var=mv.variance)
    t = lib.tensor([0.5], dtype=f64)
    rb = D.RelaxedBernoulli(t, logits=lg[0])
    out["rb"] = rb.log_prob(lib.tensor([0.2, 0.7, 0.9], dtype=f64))
    rbp = D.RelaxedBernoulli(t * 3, probs=lg[1].sigmoid())
    out["rbp"] = rbp.log_prob(lib.tensor([0.2, 0.7, 0.9], dtype=f64))
    rc = D.RelaxedOneHotCategorical(t, logits=lg)
    out["rc"] = rc.log_prob(lib.tensor([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], dtype=f64))
    lr = D.LowRankMultivariateNormal(lg[0], lg.t(), lg[1].exp())
    y = lib.tensor([0.3, 0.1, -0.4], dtype=f64)
    out.update(lr_lp=lr.log_prob(y), lr_H=lr.entropy(), lr_var=lr.variance,
               lr_cov=lr.covariance_matrix, lr_prec=lr.precision_matrix)
    shapes = (mix.sample((4,)).shape, mv.sample((5,)).shape, rb.rsample((2,)).shape,
              rc.rsample((3,)).shape, lr.rsample((2,)).shape, tuple(mix.batch_shape),
              tuple(mv.event_shape))
    return lg, out, [tuple(s) for s in shapes]


def test_against_torch():
    got = []
    for lib in (torch, dl):
        lg, out, shapes = _outputs(lib)
        total = sum((o * lib.tensor(np.random.default_rng(i).standard_normal(tuple(o.shape))))
                    .sum() for i, o in enumerate(out.values()))
        total.backward()
        got.append(({k: v.detach().numpy() for k, v in out.items()}, lg.grad.numpy(), shapes))
    (ta, tg, ts), (da, dg, ds) = got
    assert ts == ds
    for k in ta:
        assert ta[k].shape == da[k].shape, k
        np.testing.assert_allclose(da[k], ta[k], rtol=1e-10, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(dg, tg, rtol=1e-9, atol=1e-12)


def test_sample_moments():
    dl.manual_seed(0)
    D = dl.distributions
    n = 4000
    mix = D.MixtureSameFamily(D.Categorical(probs=dl.tensor([0.3, 0.7])),
                              D.Normal(dl.tensor([-2.0, 1.0]), dl.tensor([0.5, 1.0])))
    s = mix.sample((n,)).numpy()
    assert abs(s.mean() - mix.mean.item()) < 5 * np.sqrt(mix.variance.item() / n)
    rc = D.RelaxedOneHotCategorical(dl.tensor(0.1), probs=dl.tensor([0.2, 0.3, 0.5]))
    y = rc.rsample((n,)).numpy()
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-5)
    freq = np.bincount(y.argmax(-1), minlength=3) / n   # argmax of Gumbel-max: exact
    assert np.all(np.abs(freq - [0.2, 0.3, 0.5]) < 5 * np.sqrt(0.25 / n))
    lr = D.LowRankMultivariateNormal(dl.zeros(2), dl.tensor([[1.0], [0.5]]), dl.ones(2))
    z = lr.rsample((n,)).numpy()
    cov = np.cov(z.T)
    np.testing.assert_allclose(cov, lr.covariance_matrix.numpy(), atol=0.15)


def test_relaxed_rsample_gradient_flows():
    logits = dl.tensor([0.1, 0.4], requires_grad=True)
    y = dl.distributions.RelaxedBernoulli(dl.tensor(0.5), logits=logits).rsample((3,))
    y.sum().backward()
    assert logits.grad is not None and np.all(logits.grad.numpy() > 0)


def test_errors_match_torch():
    for lib in (torch, dl):
        D = lib.distributions
        with pytest.raises(ValueError, match="needs to be an  instance of"):
            D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(lib.zeros(2), lib.ones(2)))
        with pytest.raises(ValueError) as e:
            D.MixtureSameFamily(D.Categorical(logits=lib.zeros(3)),
                                D.Normal(lib.zeros(2), lib.ones(2)))
        assert "`mixture_distribution component` (3) does not equal " \
               "`component_distribution.batch_shape[-1]` (2)" in str(e.value)
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
            D.RelaxedBernoulli(lib.tensor(0.5))


def test_support_and_arg_constraints_match_torch():
    def build(lib):
        D = lib.distributions
        z3, o3 = lib.zeros(3), lib.ones(3)
        return [D.Normal(0.0, 1.0), D.Categorical(logits=z3), D.Bernoulli(0.3),
                D.Uniform(0.0, 2.0), D.Exponential(1.0), D.Laplace(0.0, 1.0),
                D.OneHotCategorical(logits=z3), D.Independent(D.Normal(z3, o3), 1),
                D.MultivariateNormal(z3, lib.eye(3)), D.Gamma(1.0, 1.0), D.Beta(1.0, 2.0),
                D.Dirichlet(o3), D.Poisson(o3), D.Binomial(4, probs=o3 / 2),
                D.Geometric(o3 / 2), D.StudentT(o3), D.Cauchy(0.0, 1.0), D.Gumbel(0.0, 1.0),
                D.HalfNormal(o3), D.HalfCauchy(o3), D.LogNormal(0.0, 1.0), D.Chi2(o3),
                D.RelaxedBernoulli(lib.tensor(0.5), probs=o3 / 2),
                D.RelaxedOneHotCategorical(lib.tensor(0.5), probs=o3 / 3),
                D.LowRankMultivariateNormal(z3, lib.ones(3, 1), o3), D.Weibull(o3, o3),
                D.Pareto(o3, o3), D.Kumaraswamy(o3, o3), D.InverseGamma(o3, o3),
                D.FisherSnedecor(o3, o3), D.ContinuousBernoulli(o3 / 3),
                D.Multinomial(3, probs=o3 / 3), D.NegativeBinomial(o3, probs=o3 / 3),
                D.LogisticNormal(z3, o3), D.Normal(lib.tensor([0.0]), lib.tensor([1.0])),
                D.MixtureSameFamily(D.Categorical(logits=z3), D.Normal(z3, o3))]
    got = [[(repr(d), repr(d.support), {k: repr(v) for k, v in d.arg_constraints.items()})
            for d in build(lib)] for lib in (torch, dl)]
    assert got[1] == got[0]
    C = dl.distributions.constraints
    assert C.one_hot.check(dl.tensor([[0.0, 1.0], [1.0, 1.0]])).tolist() == [True, False]
    assert C.positive_definite.check(dl.eye(2)).item()
    assert C.lower_cholesky.check(dl.tensor([[1.0, 0.0], [2.0, 1.0]])).item()


def _continuous_bernoulli(lib):
    D = lib.distributions
    lg = lib.tensor([-2.0, 0.001, 0.003, 1.5, 0.0], dtype=lib.float64, requires_grad=True)
    x = lib.tensor([0.2, 0.5, 0.9, 0.0, 1.0], dtype=lib.float64)
    out = {}
    for tag, d in (("logits", D.ContinuousBernoulli(logits=lg)),
                   ("probs", D.ContinuousBernoulli(probs=lg.sigmoid()))):
        out.update({f"{tag} {k}": v for k, v in (
            ("log_prob", d.log_prob(x)), ("mean", d.mean), ("variance", d.variance),
            ("cdf", d.cdf(x)), ("icdf", d.icdf(x)), ("entropy", d.entropy()))})
    out["kl"] = D.kl_divergence(D.ContinuousBernoulli(logits=lg),
                                D.ContinuousBernoulli(logits=lg * 0.5 + 0.2))
    # Bernoulli's log_prob at logit 0 (BCE-with-logits' gradient there: sigmoid(0) - z)
    out["bernoulli"] = D.Bernoulli(logits=lg).log_prob(x.round())
    sum((v * (i + 1)).sum() for i, v in enumerate(out.values())).backward()
    shape = tuple(D.ContinuousBernoulli(logits=lg).rsample((3,)).shape)
    return {k: v.detach().numpy() for k, v in out.items()}, lg.grad.numpy(), shape


def test_continuous_bernoulli_against_torch():
    (ta, tg, ts), (da, dg, ds) = _continuous_bernoulli(torch), _continuous_bernoulli(dl)
    assert ts == ds == (3, 5)
    for k in ta:
        np.testing.assert_allclose(da[k], ta[k], rtol=1e-10, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(dg, tg, rtol=1e-9, atol=1e-12)
    x = dl.tensor([0.0, 0.0], requires_grad=True)
    dl.nn.functional.binary_cross_entropy_with_logits(x, dl.tensor([1.0, 0.0]),
                                                      reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), [-0.5, 0.5])
    x.grad = None                                # (pos_weight's form: pw (z - 1) ... at 0)
    dl.nn.functional.binary_cross_entropy_with_logits(
        x, dl.tensor([1.0, 0.0]), reduction="sum", pos_weight=dl.tensor([2.0, 2.0])).backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 0.5])


def _expanded(lib):
    D = lib.distributions
    f = lib.float64
    z, o = lib.zeros(3, dtype=f), lib.ones(3, dtype=f)
    x3 = lib.tensor([0.1, 0.5, -0.3], dtype=f)
    ds = {"mvn": D.MultivariateNormal(z, covariance_matrix=lib.eye(3, dtype=f) * 2),
          "onehot": D.OneHotCategorical(logits=x3),
          "mixture": D.MixtureSameFamily(D.Categorical(logits=x3), D.Normal(x3, o)),
          "lowrank": D.LowRankMultivariateNormal(z, lib.ones(3, 1, dtype=f), o),
          "normal": D.Normal(x3, o), "gamma": D.Gamma(o, o * 2), "beta": D.Beta(o, o * 2),
          "binomial": D.Binomial(4, probs=o / 3), "categorical": D.Categorical(logits=x3),
          "independent": D.Independent(D.Normal(x3, o), 1), "lognormal": D.LogNormal(x3, o),
          "dirichlet": D.Dirichlet(o), "studentt": D.StudentT(o * 3),
          "multinomial": D.Multinomial(3, logits=x3)}
    out = {}
    for k, d in ds.items():
        e = d.expand((2, *tuple(d.batch_shape)))
        s = e.sample((4,))
        out[k] = (tuple(e.batch_shape), tuple(e.event_shape), tuple(s.shape),
                  tuple(e.log_prob(s[0]).shape))
        if k in ("mvn", "mixture", "lowrank"):
            out[k + " log_prob"] = e.log_prob(e.mean).numpy().round(12).tolist()
    return out


def test_expand_matches_torch():
    assert _expanded(dl) == _expanded(torch)


@pytest.mark.skipif(not dl.cuda.is_available(), reason="no CUDA device (or NUMBA_ENABLE_CUDASIM)")
def test_on_cuda_tensors():
    """Numbers given with CUDA parameters follow them to the device; draws, densities, KL and
    gradients stay there (17 families checked so under NUMBA_ENABLE_CUDASIM=1; 3 kept here)."""
    D = dl.distributions
    a = dl.tensor([0.5, 2.0], dtype=dl.float64).cuda().requires_grad_()
    r = dl.tensor([1.0, 3.0], dtype=dl.float64).cuda()
    outs = [D.Gamma(a, r).rsample().sum(), D.Binomial(4, logits=a).log_prob(r).sum(),
            D.Normal(0.0, r).log_prob(a).sum()]
    total = sum(outs)
    assert total.is_cuda
    total.backward()
    assert a.grad.is_cuda and np.isfinite(a.grad.cpu().numpy()).all()
