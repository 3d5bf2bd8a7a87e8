"""torch.distributions names that behaved differently from PyTorch 2.13 (helper-D8's probe):
validation before factorisation, empty simplex, KL across families, Wishart KL."""

import math

import pytest

import dlcore_eager as D

torch = pytest.importorskip("torch")



def _err(f):
    out = []
    for lib in (torch, D):
        with pytest.raises(ValueError) as e:
            f(lib)
        out.append(str(e.value))
    return out


@pytest.mark.parametrize("cov", [[[1.0, 2.0], [2.0, 1.0]],      # symmetric, not PD
                                 [[1.0, 0.5], [0.0, 1.0]]])     # PD lower part, not symmetric
def test_mvn_invalid_covariance_is_torchs_value_error(cov):
    t, d = _err(lambda L: L.distributions.MultivariateNormal(L.zeros(2), L.tensor(cov)))
    assert d == t
    assert "to satisfy the constraint PositiveDefinite()" in d
    # not validated: the factorisation's own error, a RuntimeError in both
    for L in (torch, D):
        with pytest.raises(RuntimeError, match="not positive-definite"):
            L.distributions.MultivariateNormal(L.zeros(2), L.tensor([[1.0, 2.0], [2.0, 1.0]]),
                                               validate_args=False)


@pytest.mark.parametrize("shape", [(0,), (2, 0)])
def test_categorical_empty_probs_is_not_a_simplex(shape):
    t, d = _err(lambda L: L.distributions.Categorical(probs=L.ones(*shape)))
    assert d == t


@pytest.mark.parametrize("pq", [("Normal", "Gamma"), ("Normal", "Uniform"),
                                ("Exponential", "Beta"), ("Gamma", "Pareto"),
                                ("Laplace", "Exponential"), ("Poisson", "Binomial"),
                                ("Pareto", "Uniform")])
def test_kl_across_supports_is_infinite(pq):
    def make(L, name):
        d = L.distributions
        return {"Normal": lambda: d.Normal(L.tensor([0.0, 1.0]), 1.0),
                "Gamma": lambda: d.Gamma(2.0, 1.0), "Uniform": lambda: d.Uniform(0.0, 1.0),
                "Exponential": lambda: d.Exponential(L.tensor([1.0, 2.0])),
                "Beta": lambda: d.Beta(2.0, 3.0), "Pareto": lambda: d.Pareto(1.0, 2.0),
                "Laplace": lambda: d.Laplace(L.tensor([0.0, 1.0]), 1.0),
                "Poisson": lambda: d.Poisson(L.tensor([1.0, 2.0])),
                "Binomial": lambda: d.Binomial(3, 0.3)}[name]()
    r = [L.distributions.kl_divergence(make(L, pq[0]), make(L, pq[1])) for L in (torch, D)]
    assert r[1].tolist() == r[0].tolist()
    assert math.isinf(r[1].reshape(-1)[0].item())


@pytest.mark.parametrize("df", [3.0, 5.0])
def test_kl_wishart_wishart_is_torchs(df):
    # (unbatched: torch 2.13's exponential-family route mixes the batch elements: [3, 5]
    # against one q gives [2.18, -0.04], a negative KL, where each alone is 0.92 and 0.38)
    r = []
    for L in (torch, D):
        W = L.distributions.Wishart
        p = W(L.tensor(df, dtype=L.float64), L.eye(2, dtype=L.float64))
        q = W(L.tensor(4.0, dtype=L.float64), L.tensor([[2.0, 0.3], [0.3, 1.0]],
                                                        dtype=L.float64))
        r.append(L.distributions.kl_divergence(p, q).item())
    assert r[1] == pytest.approx(r[0], rel=1e-9)
    b = D.distributions.kl_divergence(
        D.distributions.Wishart(D.tensor([3.0, 5.0]), D.eye(2)),
        D.distributions.Wishart(D.tensor(4.0), D.tensor([[2.0, 0.3], [0.3, 1.0]])))
    assert b.tolist() == pytest.approx([0.92059, 0.37841], abs=1e-4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binomial_kernel_draws_torchs_numbers(dtype, monkeypatch):
    """The Numba kernel (was a Python loop, ~27x torch's time) draws torch 2.13's numbers for
    the same seed, both branches (inversion below count p = 10, BTRS above, p > 1/2 mirrored,
    p = 0 / 1 and count = 0), and leaves the stream where torch leaves it."""
    from dlcore_eager.distributions import _torch_samplers
    cnt = [10.0, 100.0, 0.0, 5.0, 1000.0, 7.0, 50.0, 50.0]
    pr = [0.3, 0.5, 0.5, 1.0, 0.9, 0.0, 0.97, 0.04]
    runs = []
    for L in (torch, D, D):
        L.manual_seed(3)
        b = L.distributions.Binomial(L.tensor(cnt, dtype=getattr(L, dtype)),
                                     probs=L.tensor(pr, dtype=getattr(L, dtype)))
        runs.append((b.sample((50,)).tolist(), L.rand(3).tolist()))
        monkeypatch.setattr(_torch_samplers, "_BINOMIAL_IN_PYTHON", L is D)
    assert runs[1] == runs[0]       # the kernel
    assert runs[2] == runs[0]       # the reference loop
