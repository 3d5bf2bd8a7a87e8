"""tf.distributions / tf.contrib.distributions (TF 1.15) against scipy.stats and NumPy formulas;
gradients against central differences in float64; misuse by error type and message."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

import dlcore_static as tf
from tests.static.static_gradcheck import numeric_grad

tfd = tf.distributions
RNG = np.random.default_rng(8)


@pytest.fixture(autouse=True)
def _fresh_rng():
    """Each test draws the same data however the tests are split between workers."""
    global RNG
    RNG = np.random.default_rng(8)


def run(fetches, feed=None):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(fetches, feed)


def grad_check(build, params: dict, rtol=1e-6):
    """``build(**placeholders)`` (a tensor) differentiated w.r.t. each parameter (float64)
    against central differences of the same graph, for a random cotangent."""
    ph = {k: tf.placeholder(tf.float64, v.shape) for k, v in params.items()}
    y = build(**ph)
    w = RNG.standard_normal(run(y, {ph[k]: v for k, v in params.items()}).shape)
    obj = tf.reduce_sum(y * w)
    grads = [tf.zeros_like(p) if g is None else g          # (entropy does not read loc)
             for p, g in zip(ph.values(), tf.gradients(obj, list(ph.values())))]
    with tf.Session() as s:
        feed = {ph[k]: v for k, v in params.items()}
        got = s.run(grads, feed)
        for (k, v), g in zip(params.items(), got):
            def f(x, k=k):
                return s.run(obj, {**feed, ph[k]: x})
            np.testing.assert_allclose(g, numeric_grad(f, v.copy()), rtol=rtol, atol=1e-7)


# ---------------------------------------------------------------------- Normal
def test_normal_densities_and_statistics_match_scipy():
    loc = np.array([[0.5, -1.0, 2.0]])
    scale = np.array([[1.5], [0.3]])
    x = np.array([0.1, -2.0, 3.5])
    d = tfd.Normal(loc=loc, scale=scale)
    assert d.batch_shape.as_list() == [2, 3] and d.event_shape.as_list() == []
    assert d.dtype == tf.float64 and d.reparameterization_type == tfd.FULLY_REPARAMETERIZED
    ref = stats.norm(loc, scale)
    got = run([d.log_prob(x), d.prob(x), d.cdf(x), d.log_cdf(x), d.survival_function(x),
               d.log_survival_function(x), d.entropy(), d.mean(), d.stddev(), d.variance(),
               d.quantile(0.3), d.mode(), d.batch_shape_tensor()])
    want = [ref.logpdf(x), ref.pdf(x), ref.cdf(x), ref.logcdf(x), ref.sf(x), ref.logsf(x),
            ref.entropy(), ref.mean(), ref.std(), ref.var(), ref.ppf(0.3), ref.mean(),
            [2, 3]]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_normal_log_cdf_deep_tails():
    z = np.array([-40.0, -15.0, -3.0, 0.0, 4.0, 9.0, 30.0])
    got = run(tfd.Normal(np.float64(0.0), np.float64(1.0)).log_cdf(z))
    np.testing.assert_allclose(got, special.log_ndtr(z), rtol=1e-7)


def test_normal_sample_shapes_seed_and_moments():
    d = tfd.Normal(loc=[0.0, 10.0], scale=[1.0, 0.5])
    s = d.sample([4000, 2], seed=5)
    one = d.sample(seed=5)
    assert s.shape.as_list() == [4000, 2, 2] and one.shape.as_list() == [2]
    a, b = run(s), run(s)
    np.testing.assert_array_equal(a, b)                 # a new Session repeats the sequence
    flat = a.reshape(-1, 2)
    np.testing.assert_allclose(flat.mean(0), [0.0, 10.0], atol=0.05)
    np.testing.assert_allclose(flat.std(0), [1.0, 0.5], rtol=0.05)
    assert s.name.startswith("Normal/sample")


def test_normal_reparameterized_sample_gradient():
    loc = tf.placeholder(tf.float64, [3])
    scale = tf.placeholder(tf.float64, [3])
    s = tfd.Normal(loc, scale).sample(5, seed=1)
    w = RNG.standard_normal((5, 3))
    gl, gs = tf.gradients(tf.reduce_sum(s * w), [loc, scale])
    lv, sv = np.array([1.0, -2.0, 0.5]), np.array([0.5, 2.0, 1.5])
    sv_, gl_, gs_ = run([s, gl, gs], {loc: lv, scale: sv})
    eps = (sv_ - lv) / sv
    np.testing.assert_allclose(gl_, w.sum(0), rtol=1e-12)
    np.testing.assert_allclose(gs_, (w * eps).sum(0), rtol=1e-10)


def test_normal_log_prob_entropy_and_kl_gradients():
    lv, sv = np.array([0.3, -1.2]), np.array([0.7, 1.9])
    x = np.array([1.0, 0.5])
    grad_check(lambda loc, scale: tfd.Normal(loc, scale).log_prob(x), {"loc": lv, "scale": sv})
    grad_check(lambda loc, scale: tfd.Normal(loc, scale).entropy(), {"loc": lv, "scale": sv})
    grad_check(lambda loc, scale: tfd.kl_divergence(tfd.Normal(loc, scale),
                                                    tfd.Normal(np.float64(0.2), np.float64(1.3))),
               {"loc": lv, "scale": sv})


def test_normal_kl_matches_integral():
    a, b = tfd.Normal(0.4, 0.8), tfd.Normal(-1.0, 1.7)
    got = run([tfd.kl_divergence(a, b), a.kl_divergence(b), a.cross_entropy(b)])
    pa, pb = stats.norm(0.4, 0.8), stats.norm(-1.0, 1.7)
    want = integrate.quad(lambda t: pa.pdf(t) * (pa.logpdf(t) - pb.logpdf(t)), -20, 20)[0]
    np.testing.assert_allclose(got[:2], [want, want], rtol=1e-5)
    np.testing.assert_allclose(got[2], pa.entropy() + want, rtol=1e-5)


def test_normal_placeholder_batch_and_dynamic_sample_shape():
    loc = tf.placeholder(tf.float32, (None, 2))
    d = tfd.Normal(loc, 1.0)
    n = tf.placeholder(tf.int32, [])
    s = d.sample(n, seed=3)
    got = run([s, d.batch_shape_tensor()], {loc: np.zeros((3, 2)), n: 4})
    assert got[0].shape == (4, 3, 2) and got[1].tolist() == [3, 2]


# ---------------------------------------------------------------------- Categorical
def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_categorical_log_prob_entropy_mode_kl():
    logits = np.array([[1.0, 2.0, -1.0], [0.5, 0.5, 3.0]])
    other = np.array([[0.0, 1.0, 0.0], [2.0, -1.0, 0.0]])
    d, e = tfd.Categorical(logits=logits), tfd.Categorical(probs=np.exp(_log_softmax(other)))
    k = np.array([[2, 0], [1, 2]])                      # sample-shaped (2) x batch (2)
    assert d.batch_shape.as_list() == [2] and d.event_shape.as_list() == []
    got = run([d.log_prob(k), d.prob([1, 1]), d.entropy(), d.mode(), tfd.kl_divergence(d, e),
               d.probs, e.logits, d.event_size, d.cdf([1, 0])])
    lp = _log_softmax(logits)
    np.testing.assert_allclose(got[0], lp[np.arange(2), k], rtol=1e-12)
    np.testing.assert_allclose(got[1], np.exp(lp[:, 1]), rtol=1e-12)
    np.testing.assert_allclose(got[2], stats.entropy(np.exp(lp), axis=-1), rtol=1e-12)
    assert got[3].tolist() == [1, 2] and got[3].dtype == np.int32
    np.testing.assert_allclose(got[4], (np.exp(lp) * (lp - _log_softmax(other))).sum(-1),
                               rtol=1e-10)
    np.testing.assert_allclose(got[5], np.exp(lp), rtol=1e-12)
    np.testing.assert_allclose(got[6], _log_softmax(other), rtol=1e-10, atol=1e-12)
    assert got[7] == 3
    np.testing.assert_allclose(got[8], [np.exp(lp[0, :2]).sum(), np.exp(lp[1, 0])])


def test_categorical_sample_frequencies_and_dtype():
    p = np.array([0.1, 0.6, 0.3])
    d = tfd.Categorical(probs=p.astype(np.float32), dtype=tf.int64)
    s = d.sample(20000, seed=2)
    assert s.dtype == tf.int64 and s.shape.as_list() == [20000]
    v = run(s)
    np.testing.assert_allclose(np.bincount(v, minlength=3) / v.size, p, atol=0.015)
    batch = tfd.Categorical(logits=np.zeros((2, 4, 5), np.float32)).sample([3], seed=1)
    assert run(batch).shape == (3, 2, 4)


def test_categorical_log_prob_gradient_wrt_logits():
    k = np.array([2, 0, 1])
    grad_check(lambda logits: tfd.Categorical(logits=logits).log_prob(k),
               {"logits": RNG.standard_normal((3, 4))})
    grad_check(lambda logits: tfd.Categorical(logits=logits).entropy(),
               {"logits": RNG.standard_normal((2, 3))})


# ---------------------------------------------------------------------- Bernoulli
def test_bernoulli_against_scipy():
    p = np.array([0.2, 0.7, 0.95])
    d = tfd.Bernoulli(probs=p)
    e = tfd.Bernoulli(logits=np.array([0.3, -0.4, 1.0]))
    x = np.array([[1, 0, 1], [0, 0, 1]])
    got = run([d.log_prob(x), d.prob(x), d.entropy(), d.mean(), d.variance(), d.mode(),
               tfd.kl_divergence(d, e), d.logits])
    ref = stats.bernoulli(p)
    np.testing.assert_allclose(got[0], ref.logpmf(x), rtol=1e-10)
    np.testing.assert_allclose(got[1], ref.pmf(x), rtol=1e-10)
    np.testing.assert_allclose(got[2], ref.entropy(), rtol=1e-10)
    np.testing.assert_allclose(got[3:5], [p, p * (1 - p)], rtol=1e-12)
    assert got[5].tolist() == [0, 1, 1]
    q = special.expit([0.3, -0.4, 1.0])
    kl = p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))
    np.testing.assert_allclose(got[6], kl, rtol=1e-10)
    np.testing.assert_allclose(got[7], special.logit(p), rtol=1e-10)
    s = run(d.sample(20000, seed=4))
    assert s.dtype == np.int32 and set(np.unique(s)) <= {0, 1}
    np.testing.assert_allclose(s.mean(0), p, atol=0.015)


def test_bernoulli_gradients():
    x = np.array([1.0, 0.0, 1.0])
    grad_check(lambda logits: tfd.Bernoulli(logits=logits).log_prob(x),
               {"logits": RNG.standard_normal(3)})
    grad_check(lambda logits: tfd.Bernoulli(logits=logits).entropy(),
               {"logits": RNG.standard_normal(3)})


# ---------------------------------------------------------------------- Uniform
def test_uniform_against_scipy_and_support():
    d = tfd.Uniform(low=[0.0, -1.0], high=[2.0, 3.0])
    x = np.array([[0.5, -2.0], [2.0, 2.9]])
    got = run([d.prob(x), d.log_prob(x[:1]), d.cdf(x), d.entropy(), d.mean(), d.variance(),
               d.stddev(), d.sample(1000, seed=1), d.prob([np.nan, 0.0])])
    ref = stats.uniform([0.0, -1.0], [2.0, 4.0])
    np.testing.assert_allclose(got[0], [[0.5, 0.0], [0.0, 0.25]])   # high excluded, as TF
    np.testing.assert_allclose(got[1], ref.logpdf(x[:1]), rtol=1e-6)
    np.testing.assert_allclose(got[2], ref.cdf(x), rtol=1e-6)
    np.testing.assert_allclose(got[3:7], [ref.entropy(), ref.mean(), ref.var(), ref.std()],
                               rtol=1e-6)
    assert (got[7] >= [0.0, -1.0]).all() and (got[7] < [2.0, 3.0]).all()
    assert np.isnan(got[8][0]) and got[8][1] == 0.25


# ---------------------------------------------------------------------- Beta
def test_beta_against_scipy():
    c1, c0 = np.array([2.0, 0.7, 5.0]), np.array([3.0, 1.5, 1.2])
    d = tfd.Beta(c1, c0)
    x = np.array([0.3, 0.05, 0.9])
    got = run([d.log_prob(x), d.prob(x), d.entropy(), d.mean(), d.variance(), d.mode(),
               d.cdf(x)])
    ref = stats.beta(c1, c0)
    for g, w in zip(got, [ref.logpdf(x), ref.pdf(x), ref.entropy(), ref.mean(), ref.var()]):
        np.testing.assert_allclose(g, w, rtol=1e-9)
    np.testing.assert_allclose(got[5], [(c1[0] - 1) / 3.0, np.nan, 4.0 / 4.2], rtol=1e-12)
    np.testing.assert_allclose(got[6], ref.cdf(x), rtol=1e-6)
    other = tfd.Beta(np.float64(1.5), np.float64(2.5))
    kl = run(tfd.kl_divergence(d, other))
    pb = stats.beta(1.5, 2.5)
    want = [integrate.quad(lambda t, i=i: ref.pdf(t)[i] * (ref.logpdf(t)[i] - pb.logpdf(t)),
                           0, 1)[0] for i in range(3)]
    np.testing.assert_allclose(kl, want, rtol=1e-5)
    s = run(d.sample(20000, seed=3))
    assert s.shape == (20000, 3) and ((s > 0) & (s < 1)).all()
    np.testing.assert_allclose(s.mean(0), ref.mean(), atol=0.01)
    grad_check(lambda a, b: tfd.Beta(a, b).log_prob(x), {"a": c1, "b": c0})


def test_random_gamma_shape_moments_and_implicit_gradients():
    alpha = tf.constant([1.0, 4.0])
    g = tf.random_gamma([3000], alpha, beta=[2.0, 0.5], seed=7)
    assert g.shape.as_list() == [3000, 2] and tf.random.gamma is tf.random_gamma
    v = run(g)
    np.testing.assert_allclose(v.mean(0), [0.5, 8.0], rtol=0.06)
    # TF's implicit reparameterisation: d mean / d alpha = 1 / beta, d mean / d beta =
    # -alpha / beta^2, exactly per sample path up to the sampling noise of the mean
    a = tf.placeholder(tf.float64, [2])
    b = tf.placeholder(tf.float64, [2])
    m = tf.reduce_mean(tf.random_gamma([20000], a, b, dtype=tf.float64, seed=3), 0)
    ga, gb = run(tf.gradients(m, [a, b]), {a: [0.5, 3.0], b: [2.0, 0.5]})
    np.testing.assert_allclose(ga, [0.5, 2.0], rtol=0.03)
    np.testing.assert_allclose(gb, [-0.125, -12.0], rtol=0.03)
    # per sample: dg/dalpha = -dP(alpha, g)/dalpha / p(g), against scipy at the drawn g
    s = tf.random_gamma([5], a, dtype=tf.float64, seed=1)
    w = RNG.standard_normal((5, 2))
    (gs,) = tf.gradients(tf.reduce_sum(s * w), [a])
    sv, gv = run([s, gs], {a: [0.5, 3.0]})
    h = 1e-6
    dp = (special.gammainc(np.array([0.5, 3.0]) + h, sv) -
          special.gammainc(np.array([0.5, 3.0]) - h, sv)) / (2 * h)
    np.testing.assert_allclose(gv, (w * -dp / stats.gamma([0.5, 3.0]).pdf(sv)).sum(0),
                               rtol=1e-4)


def test_beta_sample_is_reparameterized():
    a = tf.placeholder(tf.float64, [2])
    b = tf.placeholder(tf.float64, [2])
    d = tfd.Beta(a, b)
    assert d.reparameterization_type == tfd.FULLY_REPARAMETERIZED
    m = tf.reduce_mean(d.sample(20000, seed=2), 0)
    ga, gb = run(tf.gradients(m, [a, b]), {a: [2.0, 0.7], b: [3.0, 1.5]})
    av, bv = np.array([2.0, 0.7]), np.array([3.0, 1.5])
    np.testing.assert_allclose(ga, bv / (av + bv) ** 2, rtol=0.05)    # d mean/d c1
    np.testing.assert_allclose(gb, -av / (av + bv) ** 2, rtol=0.05)


# ---------------------------------------------------------------------- MVN diag, Independent
def test_mvn_diag_against_scipy_and_kl():
    tfcd = tf.contrib.distributions
    mu = np.array([[0.5, -1.0, 0.0], [1.0, 2.0, -0.5]])
    sd = np.array([[0.5, 1.2, 2.0], [1.0, 0.3, 0.8]])
    q = tfcd.MultivariateNormalDiag(loc=mu, scale_diag=sd)
    p = tfcd.MultivariateNormalDiag(loc=np.zeros(3), scale_diag=np.ones(3))
    assert q.batch_shape.as_list() == [2] and q.event_shape.as_list() == [3]
    x = np.array([0.2, 0.1, -0.3])
    got = run([q.log_prob(x), q.entropy(), tfcd.kl_divergence(q, p), q.mean(), q.stddev(),
               q.covariance(), q.sample(2, seed=1)])
    for i in range(2):
        ref = stats.multivariate_normal(mu[i], np.diag(sd[i] ** 2))
        np.testing.assert_allclose(got[0][i], ref.logpdf(x), rtol=1e-10)
        np.testing.assert_allclose(got[1][i], ref.entropy(), rtol=1e-10)
        kl = 0.5 * (np.sum(sd[i] ** 2) + np.sum(mu[i] ** 2) - 3 - np.sum(np.log(sd[i] ** 2)))
        np.testing.assert_allclose(got[2][i], kl, rtol=1e-10)
    np.testing.assert_allclose(got[3], mu)
    np.testing.assert_allclose(got[4], sd)
    np.testing.assert_allclose(got[5][1], np.diag(sd[1] ** 2))
    assert got[6].shape == (2, 2, 3)
    grad_check(lambda m, s: tfcd.MultivariateNormalDiag(m, s).log_prob(x), {"m": mu, "s": sd})
    m_, s_ = tf.constant(mu), tf.constant(sd)
    draw = tfcd.MultivariateNormalDiag(m_, s_).sample(3, seed=2)
    w = RNG.standard_normal((3, 2, 3))
    v, gm, gs = run([draw] + tf.gradients(tf.reduce_sum(draw * w), [m_, s_]))
    np.testing.assert_allclose(gm, w.sum(0), rtol=1e-12)                 # reparameterized
    np.testing.assert_allclose(gs, (w * (v - mu) / sd).sum(0), rtol=1e-9)
    grad_check(lambda m, s: tfcd.kl_divergence(tfcd.MultivariateNormalDiag(m, s), p),
               {"m": mu, "s": sd})


def test_independent_bernoulli_sums_event_dims():
    logits = RNG.standard_normal((2, 3, 4))
    d = tf.contrib.distributions.Independent(tfd.Bernoulli(logits=logits),
                                             reinterpreted_batch_ndims=2)
    assert d.batch_shape.as_list() == [2] and d.event_shape.as_list() == [3, 4]
    x = (RNG.random((2, 3, 4)) > 0.5).astype(np.float64)
    got = run([d.log_prob(x), d.entropy()])
    ref = stats.bernoulli(special.expit(logits))
    np.testing.assert_allclose(got[0], ref.logpmf(x).sum((1, 2)), rtol=1e-10)
    np.testing.assert_allclose(got[1], ref.entropy().sum((1, 2)), rtol=1e-10)


# ---------------------------------------------------------------------- misuse
def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="Must pass probs or logits, but not both."):
        tfd.Categorical(logits=[1.0], probs=[1.0])
    with pytest.raises(ValueError, match="Must pass probs or logits, but not both."):
        tfd.Bernoulli()
    with pytest.raises(TypeError, match=r"Normal: parameters must have the same dtype, got "
                                        r"loc: float32, scale: float64"):
        tfd.Normal(tf.constant(0.0), tf.constant(1.0, tf.float64))
    with pytest.raises(ValueError, match=r"Normal: Incompatible shapes for broadcasting: "
                                         r"\(2,\) and \(3,\)"):
        tfd.Normal(np.zeros(2), np.ones(3))
    with pytest.raises(NotImplementedError, match="No KL.*type Normal and distribution_b "
                                                  "type Bernoulli"):
        tfd.kl_divergence(tfd.Normal(0.0, 1.0), tfd.Bernoulli(probs=0.5))
    with pytest.raises(TypeError, match=r"`value` should have integer `dtype`"):
        tfd.Categorical(logits=[0.0, 1.0]).log_prob(tf.constant(1.0))
    with pytest.raises(NotImplementedError, match="mean is not implemented: Categorical"):
        tfd.Categorical(logits=[0.0, 1.0]).mean()
    with pytest.raises(ValueError, match="already been registered"):
        tfd.RegisterKL(tfd.Normal, tfd.Normal)(lambda a, b, name=None: None)


def test_validate_args_checks_at_run_time():
    scale = tf.placeholder(tf.float32, [2])
    d = tfd.Normal(0.0, scale, validate_args=True)
    lp = d.log_prob(0.0)
    assert run(lp, {scale: [1.0, 2.0]}).shape == (2,)
    with pytest.raises(tf.errors.InvalidArgumentError, match="scale must be positive"):
        run(lp, {scale: [1.0, -2.0]})


def test_multinomial_against_scipy():
    p = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    d = tfd.Multinomial(total_count=[5.0, 3.0], probs=p)
    assert d.batch_shape.as_list() == [2] and d.event_shape.as_list() == [3]
    assert tf.contrib.distributions.Multinomial is tfd.Multinomial
    x = np.array([[1.0, 3.0, 1.0], [2.0, 0.0, 1.0]])
    got = run([d.log_prob(x), d.prob(x), d.mean(), d.variance(), d.covariance(),
               d.sample(4000, seed=1)])
    refs = [stats.multinomial(n, q) for n, q in zip((5, 3), p)]
    np.testing.assert_allclose(got[0], [r.logpmf(v) for r, v in zip(refs, x)], rtol=1e-10)
    np.testing.assert_allclose(got[1], [r.pmf(v) for r, v in zip(refs, x)], rtol=1e-10)
    np.testing.assert_allclose(got[2], [5 * p[0], 3 * p[1]], rtol=1e-12)
    np.testing.assert_allclose(got[4], [r.cov() for r in refs], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got[3], np.diagonal(got[4], axis1=1, axis2=2), rtol=1e-12)
    s = got[5]
    assert s.shape == (4000, 2, 3) and (s.sum(-1) == [5, 3]).all() and (s >= 0).all()
    np.testing.assert_allclose(s.mean(0), got[2], atol=0.06)
    grad_check(lambda logits: tfd.Multinomial(4.0, logits=logits).log_prob(x[:1]),
               {"logits": RNG.standard_normal((1, 3))})
    with pytest.raises(NotImplementedError, match="Multinomial.sample: needs a constant "
                                                  "total_count"):
        tfd.Multinomial(tf.placeholder(tf.float32, []), probs=[0.5, 0.5]).sample()


def test_multinomial_validate_args_checks_counts():
    m = tfd.Multinomial(total_count=5.0, probs=[0.2, 0.3, 0.5], validate_args=True)
    c = tf.placeholder(tf.float32, [3])
    lp = m.log_prob(c)
    np.testing.assert_allclose(run(lp, {c: [1.0, 1.0, 3.0]}),
                               stats.multinomial(5, [0.2, 0.3, 0.5]).logpmf([1, 1, 3]),
                               rtol=1e-5)
    for counts, msg in (([1.0, 1.0, 1.0], "counts must sum to `self.total_count`"),
                        ([1.5, 1.5, 2.0], "counts cannot contain fractional components."),
                        ([-1.0, 3.0, 3.0], "counts must be non-negative.")):
        with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
            run(lp, {c: counts})


def test_names_and_printing_as_tf():
    d = tfd.Normal(0.0, 1.0)
    assert d.name == "Normal/"
    assert str(d) == ('tf.distributions.Normal("Normal/", batch_shape=(), event_shape=(), '
                      'dtype=float32)')
    assert repr(d) == ("<tf.distributions.Normal 'Normal/' batch_shape=() event_shape=() "
                       "dtype=float32>")
    assert d.sample(3).name == "Normal/sample/Reshape:0"
    assert d.sample(3).shape.as_list() == [3]
