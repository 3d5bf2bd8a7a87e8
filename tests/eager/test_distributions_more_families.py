"""torch.distributions Poisson, Binomial, Geometric, StudentT, Cauchy, Gumbel, HalfNormal,
HalfCauchy (dlcore_eager/distributions/families.py) against real PyTorch 2.13 in float64:
log_prob, entropy, moments, cdf/icdf, KL pairs and the gradients of all of them with respect
to the parameters; sample shapes and sample means within 5 standard errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


L = np.array([0.55, 1.8, 0.05])
X = np.array([0.0, 2.0, 3.0])
P = np.array([0.3, 0.6, 0.9])

BUILD = {
    "Poisson": (lambda D, l, lib: D.Poisson(l.exp()), X),
    "Binomial": (lambda D, l, lib: D.Binomial(lib.tensor([3.0, 5.0, 4.0], dtype=lib.float64),
                                              probs=l.sigmoid()), X),
    "BinomialLogits": (lambda D, l, lib: D.Binomial(5, logits=l), X),
    "Geometric": (lambda D, l, lib: D.Geometric(l.sigmoid()), X),
    "StudentT": (lambda D, l, lib: D.StudentT(l.exp() + 0.5, l, l.exp()), X - 1),
    "Cauchy": (lambda D, l, lib: D.Cauchy(l, l.exp()), X - 1),
    "Gumbel": (lambda D, l, lib: D.Gumbel(l, l.exp()), X - 1),
    "HalfNormal": (lambda D, l, lib: D.HalfNormal(l.exp()), X + 0.1),
    "HalfCauchy": (lambda D, l, lib: D.HalfCauchy(l.exp()), X + 0.1),
}
KL = {"Poisson", "Binomial", "Geometric", "Gumbel", "Cauchy", "HalfNormal"}


def _outputs(lib, name):
    mk, vals = BUILD[name]
    D = lib.distributions
    lp = lib.tensor(L, requires_grad=True)
    d = mk(D, lp, lib)
    outs = {"log_prob": d.log_prob(lib.tensor(vals))}
    for m in ("mean", "variance", "mode", "stddev"):
        outs[m] = getattr(d, m)
    for m, arg in (("cdf", vals), ("icdf", P), ("entropy", None)):
        if name == "Binomial" and m == "entropy":    # (inhomogeneous total_count)
            continue
        try:
            outs[m] = getattr(d, m)(*([] if arg is None else [lib.tensor(arg)]))
        except NotImplementedError:
            outs[m] = "NotImplementedError"
    if name in KL:
        q = mk(D, lp.detach() * 0.5 + 0.1, lib)
        if name == "Binomial":
            q = D.Binomial(lib.tensor([3.0, 5.0, 4.0], dtype=lib.float64),
                           probs=(lp.detach() * 0.5).sigmoid())
        outs["kl"] = D.kl_divergence(d, q)
    return lp, outs


@pytest.mark.parametrize("name", sorted(BUILD))
def test_against_torch(name):
    got = []
    for lib in (torch, dl):
        lp, outs = _outputs(lib, name)
        total = 0
        for i, (k, o) in enumerate(sorted(outs.items())):
            if isinstance(o, str) or not o.requires_grad:
                continue
            v = o.detach().numpy()
            w = np.where(np.isfinite(v), np.random.default_rng(i).standard_normal(v.shape), 0)
            total = total + (o * lib.tensor(w)).sum()
        total.backward()
        got.append((outs, lp.grad.numpy()))
    (t_outs, t_grad), (d_outs, d_grad) = got
    assert sorted(t_outs) == sorted(d_outs)
    for k in t_outs:
        a, b = t_outs[k], d_outs[k]
        if isinstance(a, str):
            assert a == b, k
            continue
        assert tuple(a.shape) == tuple(b.shape), k
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=k)
    np.testing.assert_allclose(d_grad, t_grad, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("name", ["Poisson", "Binomial", "Geometric", "StudentT", "Gumbel",
                                  "HalfNormal"])
def test_sample_moments(name):
    dl.manual_seed(0)
    n = 4000
    d, _ = BUILD[name][0](dl.distributions, dl.tensor(L), dl), None
    s = d.sample((n,)) if not d.has_rsample else d.rsample((n,))
    assert tuple(s.shape) == (n, 3)
    mean, var = d.mean.numpy(), d.variance.numpy()
    if name == "StudentT":                       # heavy tails: compare the median to loc
        np.testing.assert_allclose(np.median(s.numpy(), 0), mean, atol=0.15)
        return
    assert np.all(np.abs(s.numpy().mean(0) - mean) < 5 * np.sqrt(var / n))
    assert tuple(d.expand((2, 3)).sample((5,)).shape) == (5, 2, 3)


def test_rsample_gradients_student_t_and_gumbel():
    """Reparameterised draws: d mean(draws) / d loc is 1, d / d scale is mean(eps)."""
    dl.manual_seed(1)
    for cls, args in ((dl.distributions.Gumbel, ()), (dl.distributions.StudentT, (5.0,))):
        loc = dl.tensor([0.5], dtype=dl.float64, requires_grad=True)
        scale = dl.tensor([2.0], dtype=dl.float64, requires_grad=True)
        d = cls(*args, loc, scale)
        s = d.rsample((200,))
        s.mean().backward()
        np.testing.assert_allclose(loc.grad.numpy(), [1.0])
        eps = ((s.detach() - 0.5) / 2.0).mean().item()
        np.testing.assert_allclose(scale.grad.numpy(), [eps], rtol=1e-10)


def test_errors_match_torch():
    for lib in (torch, dl):
        D = lib.distributions
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
            D.Binomial(3)
        with pytest.raises(ValueError) as e:
            D.Poisson(lib.tensor([1.0])).log_prob(lib.tensor([0.5]))
        assert "within the support (IntegerGreaterThan(lower_bound=0))" in str(e.value)
        with pytest.raises(ValueError) as e:
            D.StudentT(lib.tensor([-1.0]))
        assert "Expected parameter df" in str(e.value)
        with pytest.raises(NotImplementedError):
            D.Poisson(lib.tensor([1.0])).cdf(lib.tensor([1.0]))


def test_multinomial_negative_binomial_against_torch():
    got = []
    for lib in (torch, dl):
        D = lib.distributions
        f64 = lib.float64
        lg = lib.tensor([[0.2, -0.5, 1.0], [0.3, 0.1, -0.2]], dtype=f64, requires_grad=True)
        m = D.Multinomial(4, logits=lg)
        x = lib.tensor([[1.0, 2.0, 1.0], [0.0, 0.0, 4.0]], dtype=f64)
        out = {"m_lp": m.log_prob(x), "m_mean": m.mean, "m_var": m.variance,
               "mp_lp": D.Multinomial(3, probs=lg.softmax(-1)).log_prob(
                   lib.tensor([1.0, 1.0, 1.0], dtype=f64))}
        nb = D.NegativeBinomial(lg[0].exp() * 3, logits=lg[1])
        k = lib.tensor([0.0, 2.0, 5.0], dtype=f64)
        out.update(nb_lp=nb.log_prob(k), nb_mean=nb.mean, nb_var=nb.variance, nb_mode=nb.mode,
                   nbp=D.NegativeBinomial(lib.tensor([2.0, 3.0, 0.5], dtype=f64),
                                          probs=lg[0].sigmoid()).log_prob(k))
        sum((o * (i + 1)).sum() for i, o in enumerate(out.values())).backward()
        # PyTorch takes lgamma(n + 1) of an integer tensor (float32) in the entropy: 3e-8
        got.append(({k: v.detach().numpy() for k, v in out.items()}, lg.grad.numpy(),
                    m.entropy().detach().numpy(), repr(m.support),
                    tuple(m.sample((5,)).shape), tuple(nb.sample((3,)).shape)))
    (ta, tg, th, *tr), (da, dg, dh, *dr) = got
    for key in ta:
        assert ta[key].shape == da[key].shape
        np.testing.assert_allclose(da[key], ta[key], rtol=1e-10, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(dg, tg, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dh, th, rtol=1e-7)
    assert tr == dr


def test_multinomial_negative_binomial_samples():
    dl.manual_seed(0)
    n = 4000
    nb = dl.distributions.NegativeBinomial(dl.tensor([2.0, 5.0]), probs=dl.tensor([0.3, 0.6]))
    s = nb.sample((n,)).numpy()
    assert np.all(np.abs(s.mean(0) - nb.mean.numpy()) < 5 * np.sqrt(nb.variance.numpy() / n))
    m = dl.distributions.Multinomial(10, probs=dl.tensor([0.2, 0.3, 0.5]))
    s = m.sample((n,)).numpy()
    assert (s.sum(-1) == 10).all()
    assert np.all(np.abs(s.mean(0) - m.mean.numpy()) < 5 * np.sqrt(m.variance.numpy() / n))
    u = dl.distributions.utils
    np.testing.assert_allclose(u.probs_to_logits(dl.tensor([0.2, 0.8]), True).numpy(),
                               [-1.3862944, 1.3862944], rtol=1e-6)
    _, b = u.broadcast_all(dl.tensor([1.0, 2.0]), 3.0)
    assert tuple(b.shape) == (2,) and b.dtype == dl.float32


@pytest.mark.skipif(not dl.cuda.is_available(), reason="no CUDA device (or NUMBA_ENABLE_CUDASIM)")
def test_constant_moments_stay_on_the_parameters_device():
    """Cauchy's mean/variance are constant fills (NaN, inf): on the parameters' device, as
    torch (they were made on the CPU)."""
    d = dl.distributions.Cauchy(dl.tensor([0.0, 1.0]).cuda(), dl.tensor([1.0, 2.0]).cuda())
    for m in (d.mean, d.variance):
        assert m.device == d.loc.device and m.dtype == dl.float32
    assert np.isnan(d.mean.cpu().numpy()).all() and np.isinf(d.variance.cpu().numpy()).all()
