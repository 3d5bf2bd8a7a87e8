"""torch.distributions samplers on PyTorch's CPU stream: after ``manual_seed(0)`` every family
built from torch's reproduced draws (normal_, rand/uniform_, exponential_, cauchy_, bernoulli,
multinomial, poisson) or by ATen's gamma and Dirichlet samplers (ported in
distributions/_torch_samplers.py) samples the numbers torch 2.13 samples: bit for bit where both run the
same float operations, else within a few float32 ulps (elementwise log/exp/log1p of SLEEF vs
NumPy). Tiny shapes; float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _family(lib, name):
    D = lib.distributions
    t = lib.tensor
    return {
        "Normal": lambda: D.Normal(t([0., 1., 2.]), t([1., .5, 2.])),
        "Normal64": lambda: D.Normal(lib.zeros(20, dtype=lib.float64),
                                     lib.ones(20, dtype=lib.float64)),
        "Uniform": lambda: D.Uniform(t([0., -1.]), t([1., 3.])),
        "Bernoulli": lambda: D.Bernoulli(t([.2, .7, .5])),
        "BernoulliLogits": lambda: D.Bernoulli(logits=t([.2, -.7])),
        "Categorical": lambda: D.Categorical(t([.2, .3, .5])),
        "CategoricalBatch": lambda: D.Categorical(logits=t([[.1, .2, .3], [1., 0., -1.]])),
        "OneHotCategorical": lambda: D.OneHotCategorical(t([.2, .3, .5])),
        "OneHotCategoricalStraightThrough":
            lambda: D.OneHotCategoricalStraightThrough(t([.2, .3, .5])),
        "Exponential": lambda: D.Exponential(t([1., 2.])),
        "Laplace": lambda: D.Laplace(t([0., 1.]), t([1., 2.])),
        "Cauchy": lambda: D.Cauchy(t([0., 1.]), t([1., 2.])),
        "Gumbel": lambda: D.Gumbel(t([0., 1.]), t([1., 2.])),
        "LogNormal": lambda: D.LogNormal(t([0., 1.]), t([1., .5])),
        "HalfNormal": lambda: D.HalfNormal(t([1., 2.])),
        "HalfCauchy": lambda: D.HalfCauchy(t([1., 2.])),
        "MultivariateNormal": lambda: D.MultivariateNormal(t([0., 1.]),
                                                           t([[2., .5], [.5, 1.]])),
        "LowRankMultivariateNormal": lambda: D.LowRankMultivariateNormal(
            t([0., 1.]), t([[1.], [.5]]), t([1., 2.])),
        "Geometric": lambda: D.Geometric(t([.3, .6])),
        "RelaxedBernoulli": lambda: D.RelaxedBernoulli(t(.5), t([.3, .6])),
        "RelaxedOneHotCategorical": lambda: D.RelaxedOneHotCategorical(t(.7), t([.2, .3, .5])),
        "Independent": lambda: D.Independent(D.Normal(lib.zeros(3, 2), lib.ones(3, 2)), 1),
        "TransformedDistribution": lambda: D.TransformedDistribution(
            D.Normal(t([0., 1.]), t([1., 1.])),
            [D.transforms.ExpTransform(), D.transforms.AffineTransform(1., 2.)]),
        "ContinuousBernoulli": lambda: D.ContinuousBernoulli(t([.3, .8])),
        "Poisson": lambda: D.Poisson(t([1., 4., 20.])),
        "Multinomial": lambda: D.Multinomial(5, t([.2, .3, .5])),
        "MixtureSameFamily": lambda: D.MixtureSameFamily(D.Categorical(t([.3, .7])),
                                                         D.Normal(t([0., 5.]), t([1., 1.]))),
        "Weibull": lambda: D.Weibull(t([1., 2.]), t([1.5, .5])),
        "Pareto": lambda: D.Pareto(t([1., 2.]), t([1.5, .5])),
        "Kumaraswamy": lambda: D.Kumaraswamy(t([1., 2.]), t([1.5, .5])),
        "LogisticNormal": lambda: D.LogisticNormal(t([0., 1.]), t([1., .5])),
        "Gamma": lambda: D.Gamma(t([.5, 3.]), t([1., 2.])),
        "Gamma64": lambda: D.Gamma(t([.5, 3., 20.], dtype=lib.float64), t(2., dtype=lib.float64)),
        "Chi2": lambda: D.Chi2(t([.5, 3.])),
        "StudentT": lambda: D.StudentT(t([3., 5.]), t([0., 1.]), t([1., 2.])),
        "Beta": lambda: D.Beta(t([.5, 3.]), t([1., 2.])),
        "Dirichlet": lambda: D.Dirichlet(t([[.5, 3., 1.], [2., 2., .1]])),
        "Dirichlet64": lambda: D.Dirichlet(t([.5, 3., 1.], dtype=lib.float64)),
        "NegativeBinomial": lambda: D.NegativeBinomial(10, t([.3, .6])),
        "FisherSnedecor": lambda: D.FisherSnedecor(t([3., 5.]), t([4., 6.])),
        "InverseGamma": lambda: D.InverseGamma(t([3., 5.]), t([4., 6.])),
        "Binomial": lambda: D.Binomial(t([10., 100., 1000., 5.]), t([.3, .2, .7, .97])),
        "Binomial64": lambda: D.Binomial(50, t([.1, .5, .95], dtype=lib.float64)),
    }[name]()


# families whose float32 draws go through log/exp/log1p/logsumexp (a few ulps apart)
ULPS = {"Laplace": 2, "Gumbel": 2, "LogNormal": 2, "RelaxedBernoulli": 8,
        "RelaxedOneHotCategorical": 8, "TransformedDistribution": 2, "ContinuousBernoulli": 8,
        "Pareto": 4, "LogisticNormal": 4, "Weibull": 4, "Kumaraswamy": 4, "StudentT": 4,
        "Dirichlet64": 2, "FisherSnedecor": 4, "InverseGamma": 4}
if torch.backends.cpu.get_cpu_capability() == "AVX512":
    # PyTorch's AVX-512 float64 normal_ takes log/cos from SLEEF: last-bit differences from
    # libm now and then (tests/eager/test_random_streams_vs_torch.py)
    ULPS["Normal64"] = 2
# loc + scale_tril @ eps: a matrix-vector product whose rounding is the BLAS's (on the 2-core
# Intel Xeon of the twenty-fourth session torch's kernel rounded 2 of 8 float32 draws 1 ulp apart;
# on the AMD EPYC before, bit for bit)
ULPS["MultivariateNormal"] = 2
NAMES = ["Normal", "Normal64", "Uniform", "Bernoulli", "BernoulliLogits", "Categorical",
         "CategoricalBatch", "OneHotCategorical", "OneHotCategoricalStraightThrough",
         "Exponential", "Laplace", "Cauchy", "Gumbel", "LogNormal", "HalfNormal", "HalfCauchy",
         "MultivariateNormal", "LowRankMultivariateNormal", "Geometric", "RelaxedBernoulli",
         "RelaxedOneHotCategorical", "Independent", "TransformedDistribution",
         "ContinuousBernoulli", "Poisson", "Multinomial", "MixtureSameFamily", "Weibull",
         "Pareto", "Kumaraswamy", "LogisticNormal", "Gamma", "Gamma64", "Chi2", "StudentT",
         "Beta", "Dirichlet", "Dirichlet64", "NegativeBinomial", "FisherSnedecor",
         "InverseGamma", "Binomial", "Binomial64"]


def _draws(lib, name):
    d = _family(lib, name)
    lib.manual_seed(0)
    out = [d.sample((4,)), d.sample((20,))]            # (the second: a >= 16 normal_ fill)
    if d.has_rsample:
        out.append(d.rsample((3,)))
    out.append(d.sample())
    return [o.detach().numpy() for o in out]


@pytest.mark.parametrize("name", NAMES)
def test_samples_are_torchs_numbers(name):
    want, got = _draws(torch, name), _draws(dl, name)
    assert len(want) == len(got)
    for w, g in zip(want, got):
        assert g.shape == w.shape and g.dtype == w.dtype
        if name in ULPS:
            tol = ULPS[name] * np.finfo(w.dtype).eps
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol)
        else:
            np.testing.assert_array_equal(g, w)


def test_the_stream_continues_as_torchs_after_sampling():
    for lib in (torch, dl):
        lib.manual_seed(3)
        lib.distributions.Normal(lib.zeros(3), lib.ones(3)).sample((5,))
        lib.distributions.Categorical(lib.tensor([.5, .5])).sample((7,))
    np.testing.assert_array_equal(dl.rand(4).numpy(), torch.rand(4).numpy())


@pytest.mark.parametrize("kw", [{}, {"tau": .5, "hard": True}, {"dim": 0}])
def test_gumbel_softmax_draws_torchs_noise(kw):
    def run(lib):
        lib.manual_seed(0)
        x = lib.tensor(np.linspace(-1, 1, 40, dtype=np.float32).reshape(4, 10))
        return [lib.nn.functional.gumbel_softmax(x, **kw).numpy() for _ in range(2)]
    for w, g in zip(run(torch), run(dl)):
        np.testing.assert_allclose(g, w, rtol=0, atol=2 * np.finfo(np.float32).eps)


@pytest.mark.parametrize("ahead", [8, 0])       # 0: the kernel runs out of words and resumes
def test_gamma_and_dirichlet_samplers_are_atens(monkeypatch, ahead):
    from dlcore_eager.distributions import _torch_samplers as S
    monkeypatch.setattr(S, "WORDS_PER_DRAW", ahead)
    a32 = np.array([.5, 3., 1., .1, 20., 1e-3, 0., 2.5] * 5, np.float32)
    for a in (a32, a32.astype(np.float64)):
        torch.manual_seed(0)
        torch.randn(1, dtype=torch.float64)      # a cached double normal the sampler uses
        want = [torch._standard_gamma(torch.tensor(a)).numpy(),
                torch._sample_dirichlet(torch.tensor(a.reshape(5, 8)) + 0.01).numpy(),
                torch.randn(3, dtype=torch.float64).numpy()]
        dl.manual_seed(0)
        dl.randn(1, dtype=dl.float64)
        got = [S.standard_gamma(a), S.sample_dirichlet(a.reshape(5, 8) + a.dtype.type(0.01)),
               dl.randn(3, dtype=dl.float64).numpy()]
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_allclose(got[1], want[1], rtol=2 * np.finfo(a.dtype).eps)
        np.testing.assert_array_equal(got[2], want[2])


def test_torch_level_samplers_match_torch():
    res = {}
    for lib in (torch, dl):
        lib.manual_seed(0)
        res[lib.__name__] = [
            lib.binomial(lib.tensor([3., 40., 100.]), lib.tensor(.4)).numpy(),
            lib._standard_gamma(lib.tensor([.5, 2.])).numpy(),
            lib._sample_dirichlet(lib.tensor([[.5, 2.], [1., 3.]])).numpy(),
            lib.rand(2).numpy()]
        with pytest.raises(ValueError, match="binomial only supports floating-point dtypes "
                                             "for count, got: Long"):
            lib.binomial(lib.tensor([3]), lib.tensor([.5]))
    for w, g in zip(res["torch"], res["dlcore_eager"]):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)
