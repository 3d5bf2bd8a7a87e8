"""Closed-form KL(p || q) between different families, the 29 pairs torch 2.13 registers
(dlcore raised NotImplementedError): values vs torch to 1e-6 in float64, batched, with
the infinite branches (p's mass outside q's support, Pareto's alpha <= 1 or 2)."""

import pytest
import torch as T

import dlcore_eager as D

P = {
    "Normal": ("Normal", ([0.3, -1.0, 0.2], [1.2, 0.5, 2.0])),
    "Laplace": ("Laplace", ([0.1, -0.5, 0.0], [0.8, 1.5, 0.3])),
    "Gumbel": ("Gumbel", ([0.2, -0.4, 1.0], [1.1, 0.7, 2.0])),
    "Exponential": ("Exponential", ([1.3, 0.6, 2.5],)),
    "Gamma": ("Gamma", ([2.0, 0.7, 5.0], [1.5, 0.8, 0.3])),
    "Beta": ("Beta", ([2.0, 0.7, 3.0], [1.5, 3.0, 0.6])),
    "Uniform": ("Uniform", ([0.2, 0.1, -0.3], [0.9, 0.6, 0.5])),
    "Pareto": ("Pareto", ([0.5, 1.0, 2.0], [2.5, 3.0, 0.9])),
    "ContinuousBernoulli": ("ContinuousBernoulli", ([0.3, 0.8, 0.55],)),
    "Bernoulli": ("Bernoulli", ([0.3, 0.8, 0.5],)),
    "Poisson": ("Poisson", ([1.3, 0.6, 4.0],)),
}
PAIRS = [("Bernoulli", "Poisson"), ("Beta", "ContinuousBernoulli"), ("Beta", "Exponential"),
         ("Beta", "Gamma"), ("Beta", "Normal"), ("Beta", "Uniform"),
         ("ContinuousBernoulli", "Exponential"), ("ContinuousBernoulli", "Normal"),
         ("ContinuousBernoulli", "Uniform"), ("Exponential", "Gamma"),
         ("Exponential", "Gumbel"), ("Exponential", "Normal"), ("Gamma", "Exponential"),
         ("Gamma", "Gumbel"), ("Gamma", "Normal"), ("Gumbel", "Normal"), ("Laplace", "Normal"),
         ("Normal", "Gumbel"), ("Normal", "Laplace"), ("Pareto", "Exponential"),
         ("Pareto", "Gamma"), ("Pareto", "Normal"), ("Uniform", "Beta"),
         ("Uniform", "ContinuousBernoulli"), ("Uniform", "Exponential"), ("Uniform", "Gamma"),
         ("Uniform", "Gumbel"), ("Uniform", "Normal"), ("Uniform", "Pareto")]
# q's parameters that give a finite KL for a Uniform p on [0.2, 0.9] etc. (second call)
WIDE = {"Uniform": ([-1.0, -0.5, -2.0], [2.0, 1.5, 3.0]), "Pareto": ([0.05, 0.01, 0.1],
                                                                    [2.5, 3.0, 0.9])}


def _make(L, name, params):
    return getattr(L.distributions, name)(*(L.tensor(v, dtype=L.float64) for v in params))


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0]}-{p[1]}")
def test_kl_cross_family_vs_torch(pair):
    pn, qn = pair
    for qparams in (P[qn][1], WIDE.get(qn)):
        if qparams is None:
            continue
        t = T.distributions.kl_divergence(_make(T, pn, P[pn][1]), _make(T, qn, qparams))
        d = D.distributions.kl_divergence(_make(D, pn, P[pn][1]), _make(D, qn, qparams))
        assert tuple(d.shape) == tuple(t.shape) == (3,)
        assert str(d.dtype) == str(t.dtype)
        assert d.numpy() == pytest.approx(t.numpy(), rel=1e-6, abs=1e-9, nan_ok=True)
