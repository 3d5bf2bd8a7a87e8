"""torch.distributions (Normal, Categorical, Bernoulli, Uniform, kl_divergence) against the real
PyTorch: densities, entropies, divergences and their gradients with respect to the parameters;
samples by their distribution (dlcore's generator is not PyTorch's)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager import distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

LOC, SCALE = [0.5, -1.0, 2.0], [1.5, 0.3, 0.8]
PROBS = [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]
LOGITS = [0.3, -2.0, 1.1]

CASES = {
    "normal log_prob": (lambda m, p: m.distributions.Normal(p[0], p[1]).log_prob(
        m.tensor([0.2, 0.1, 3.0])), (LOC, SCALE)),
    "normal entropy": (lambda m, p: m.distributions.Normal(p[0], p[1]).entropy(), (LOC, SCALE)),
    "normal cdf": (lambda m, p: m.distributions.Normal(p[0], p[1]).cdf(m.tensor([0.2, 0.1, 3.])),
                   (LOC, SCALE)),
    "normal kl": (lambda m, p: m.distributions.kl_divergence(
        m.distributions.Normal(p[0], p[1]), m.distributions.Normal(p[1], p[0] * 0 + 2.0)),
        (LOC, SCALE)),
    "categorical log_prob": (lambda m, p: m.distributions.Categorical(probs=p[0]).log_prob(
        m.tensor([2, 0])), (PROBS,)),
    "categorical logits": (lambda m, p: m.distributions.Categorical(logits=p[0]).log_prob(
        m.tensor([[1], [2]])), (PROBS,)),
    "categorical entropy": (lambda m, p: m.distributions.Categorical(probs=p[0]).entropy(),
                            (PROBS,)),
    "categorical kl": (lambda m, p: m.distributions.kl_divergence(
        m.distributions.Categorical(probs=p[0]), m.distributions.Categorical(logits=p[0] * 2)),
        (PROBS,)),
    "bernoulli log_prob": (lambda m, p: m.distributions.Bernoulli(logits=p[0]).log_prob(
        m.tensor([1.0, 0.0, 1.0])), (LOGITS,)),
    "bernoulli entropy": (lambda m, p: m.distributions.Bernoulli(logits=p[0]).entropy(),
                          (LOGITS,)),
    "bernoulli kl": (lambda m, p: m.distributions.kl_divergence(
        m.distributions.Bernoulli(logits=p[0]), m.distributions.Bernoulli(logits=-p[0])),
        (LOGITS,)),
    "uniform": (lambda m, p: m.distributions.Uniform(p[0], p[0] + 2.0).log_prob(
        m.tensor([0.6, -0.5, 3.0])) + m.distributions.Uniform(p[0], p[0] + 2.0).entropy(),
        (LOC,)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_parameter_gradients_match_torch(name):
    f, params = CASES[name]
    got = []
    for m in (dt, torch):
        ps = [m.tensor(np.asarray(p, np.float32), requires_grad=True) for p in params]
        out = f(m, ps)
        out.sum().backward()
        got.append((out.detach().numpy(), [np.zeros(p.shape) if p.grad is None else
                                           p.grad.numpy() for p in ps]))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-5, atol=1e-6)
    for a, b in zip(got[0][1], got[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_samples_follow_the_distribution_and_shapes():
    dt.manual_seed(0)
    n = D.Normal(dt.tensor([1.0, -2.0]), dt.tensor([0.5, 2.0]))
    s = n.sample((4000,))
    assert tuple(s.shape) == (4000, 2) and not s.requires_grad
    np.testing.assert_allclose(s.numpy().mean(0), [1, -2], atol=0.1)
    np.testing.assert_allclose(s.numpy().std(0), [0.5, 2], rtol=0.05)
    c = D.Categorical(probs=dt.tensor(PROBS))
    k = c.sample((5000,))
    assert tuple(k.shape) == (5000, 2) and k.dtype == dt.int64
    np.testing.assert_allclose(np.bincount(k.numpy()[:, 1], minlength=3) / 5000, PROBS[1],
                               atol=0.02)
    b = D.Bernoulli(probs=dt.tensor([0.1, 0.9]))
    np.testing.assert_allclose(b.sample((5000,)).numpy().mean(0), [0.1, 0.9], atol=0.02)
    u = D.Uniform(dt.tensor(-1.0), dt.tensor(3.0)).sample((3000,)).numpy()
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1) < 0.1
    assert c.batch_shape == dt.Size([2]) and n.event_shape == dt.Size([])
    assert repr(n) == "Normal(loc: torch.Size([2]), scale: torch.Size([2]))"


def test_rsample_is_reparameterised():
    loc = dt.tensor([0.5, 1.0], requires_grad=True)
    scale = dt.tensor([2.0, 3.0], requires_grad=True)
    dt.manual_seed(1)
    z = D.Normal(loc, scale).rsample((10,))
    z.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [10, 10])
    eps = (z.detach() - loc.detach()) / scale.detach()
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-5, atol=1e-6)


def test_reinforce_policy_gradient_as_the_tutorial_writes_it():
    dt.manual_seed(0)
    policy = dt.nn.Sequential(dt.nn.Linear(4, 16), dt.nn.ReLU(), dt.nn.Linear(16, 2),
                              dt.nn.Softmax(dim=-1))
    opt = dt.optim.Adam(policy.parameters(), lr=0.05)
    rng = np.random.default_rng(0)
    rewards_seen = []
    for _ in range(40):
        log_probs, rewards = [], []
        for _ in range(8):
            state = dt.from_numpy(rng.standard_normal(4).astype(np.float32))
            m = D.Categorical(policy(state))
            action = m.sample()
            log_probs.append(m.log_prob(action))
            rewards.append(1.0 if action.item() == 1 else 0.0)    # action 1 is always right
        returns = dt.tensor(rewards)
        returns = (returns - returns.mean()) / (returns.std() + 1e-6)
        loss = dt.cat([(-lp * r).unsqueeze(0) for lp, r in zip(log_probs, returns)]).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        rewards_seen.append(np.mean(rewards))
    assert np.mean(rewards_seen[-10:]) > 0.9 > np.mean(rewards_seen[:5])


def test_errors_as_torch():  # torch validation on: tests/eager/conftest.py
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
        D.Categorical()
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(0.5))   # (Normal || Uniform: inf)
    for m in (dt, torch):
        with pytest.raises(ValueError, match="to satisfy the constraint GreaterThan"):
            m.distributions.Normal(m.tensor(0.0), m.tensor(-1.0))
        with pytest.raises(ValueError, match=r"to be within the support \(Boolean\(\)\)"):
            m.distributions.Bernoulli(probs=m.tensor(0.3)).log_prob(m.tensor(0.5))
        with pytest.raises(ValueError, match="IntegerInterval\\(lower_bound=0, upper_bound=2"):
            m.distributions.Categorical(probs=m.tensor([0.2, 0.3, 0.5])).log_prob(m.tensor(3))
    assert D.Normal(dt.tensor(0.0), dt.tensor(-1.0), validate_args=False).scale.item() == -1
