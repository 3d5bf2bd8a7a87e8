"""tf.distributions.Gamma, Exponential, Dirichlet, Laplace and StudentT (TF 1.15 has them;
dlcore did not): log_prob, prob, cdf, entropy, mean, variance, stddev, mode against
scipy.stats, samples' shapes and moments, the reparameterization gradients TF 1.15 gives
(exact identities for the location-scale families and Exponential, the gamma draws' implicit
gradients checked against the derivative of the expectation), the KL divergences TF registers,
and TF's NaN / assertion statistics."""
import numpy as np
import pytest

import dlcore_static as tf

st = pytest.importorskip("scipy.stats")
X = np.array([0.7, 1.3], np.float32)


def _run(*fetches, feed=None):
    with tf.Session() as s:
        return s.run(list(fetches), feed)


@pytest.mark.parametrize("family", ["Gamma", "Exponential", "Laplace", "StudentT"])
def test_scalar_families_against_scipy(family):
    with tf.Graph().as_default():
        dist, ref = {
            "Gamma": lambda: (tf.distributions.Gamma([2.0, 0.5], [3.0, 1.5]),
                              st.gamma([2.0, 0.5], scale=1 / np.array([3.0, 1.5]))),
            "Exponential": lambda: (tf.distributions.Exponential([2.0, 0.5]),
                                    st.expon(scale=1 / np.array([2.0, 0.5]))),
            "Laplace": lambda: (tf.distributions.Laplace([0.0, 1.0], [1.0, 2.0]),
                                st.laplace([0.0, 1.0], [1.0, 2.0])),
            "StudentT": lambda: (tf.distributions.StudentT([3.0, 5.0], [0.0, 1.0], [1.0, 2.0]),
                                 st.t([3.0, 5.0], [0.0, 1.0], [1.0, 2.0])),
        }[family]()
        assert dist.batch_shape.as_list() == [2] and dist.event_shape.as_list() == []
        assert dist.reparameterization_type is tf.distributions.FULLY_REPARAMETERIZED
        got = _run(dist.log_prob(X), dist.prob(X), dist.cdf(X), dist.log_cdf(X),
                   dist.survival_function(X), dist.entropy(), dist.mean(), dist.variance(),
                   dist.stddev())
        want = [ref.logpdf(X), ref.pdf(X), ref.cdf(X), ref.logcdf(X), ref.sf(X), ref.entropy(),
                ref.mean(), ref.var(), ref.std()]
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=1e-6)


def test_modes_and_tfs_nan_statistics():
    with tf.Graph().as_default():
        g = tf.distributions.Gamma([3.0, 0.5], 2.0)
        t = tf.distributions.StudentT([0.5, 1.5, 4.0], 1.0, 2.0)
        lap = tf.distributions.Laplace(1.5, [1.0, 2.0])
        e = tf.distributions.Exponential(2.0)
        gm, tmean, tvar, lm, em, tmode = _run(g.mode(), t.mean(), t.variance(), lap.mode(),
                                              e.mode(), t.mode())
        np.testing.assert_allclose(gm, [1.0, np.nan])               # (c - 1) / rate, c > 1
        np.testing.assert_allclose(tmean, [np.nan, 1.0, 1.0])
        np.testing.assert_allclose(tvar, [np.nan, np.inf, 4.0 * 4.0 / 2.0])
        np.testing.assert_allclose(lm, [1.5, 1.5])
        assert np.isnan(em)              # TF 1.15: Exponential keeps Gamma's mode, NaN at c = 1
        assert tmode == 1.0
        strict = tf.distributions.Gamma([3.0, 0.5], 2.0, allow_nan_stats=False)
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                              match="mode not defined when any concentration "
                                              "<= 1"):
            s.run(strict.mode())
        strict_t = tf.distributions.StudentT(0.5, 0.0, 1.0, allow_nan_stats=False)
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                              match="mean not defined for components of df "
                                              "<= 1"):
            s.run(strict_t.mean())


def test_dirichlet_against_scipy():
    c = np.array([[1.5, 2.0, 3.0], [0.5, 1.0, 2.0]], np.float32)
    xs = np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]], np.float32)
    with tf.Graph().as_default():
        d = tf.distributions.Dirichlet(c)
        assert d.batch_shape.as_list() == [2] and d.event_shape.as_list() == [3]
        lp, p, ent, mean, var, cov, mode = _run(d.log_prob(xs), d.prob(xs), d.entropy(),
                                                d.mean(), d.variance(), d.covariance(),
                                                d.mode())
    refs = [st.dirichlet(ci) for ci in c.astype(np.float64)]
    np.testing.assert_allclose(lp, [r.logpdf(x) for r, x in zip(refs, xs)], rtol=1e-5)
    np.testing.assert_allclose(p, [r.pdf(x) for r, x in zip(refs, xs)], rtol=1e-5)
    np.testing.assert_allclose(ent, [r.entropy() for r in refs], rtol=1e-5)
    np.testing.assert_allclose(mean, [r.mean() for r in refs], rtol=1e-6)
    np.testing.assert_allclose(var, [r.var() for r in refs], rtol=1e-5)
    for k, ci in enumerate(c.astype(np.float64)):
        m, c0 = ci / ci.sum(), ci.sum()
        want = (np.diag(m) - np.outer(m, m)) / (1 + c0)
        np.testing.assert_allclose(cov[k], want, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(mode[0], (c[0] - 1) / (c[0].sum() - 3), rtol=1e-6)
    assert np.isnan(mode[1]).all()                  # a concentration <= 1: no mode


def test_samples_shapes_and_moments():
    n = 20000
    with tf.Graph().as_default():
        dists = {
            "gamma": (tf.distributions.Gamma([2.0, 0.5], [3.0, 1.5]),
                      [2 / 3, 1 / 3], [2 / 9, 0.5 / 2.25]),
            "exp": (tf.distributions.Exponential([2.0, 0.5]), [0.5, 2.0], [0.25, 4.0]),
            "laplace": (tf.distributions.Laplace([0.0, 1.0], [1.0, 2.0]), [0.0, 1.0],
                        [2.0, 8.0]),
            "t": (tf.distributions.StudentT([5.0, 8.0], [0.0, 1.0], [1.0, 2.0]), [0.0, 1.0],
                  [5 / 3, 4.0 * 8 / 6]),
        }
        samples = _run(*[d.sample(n, seed=3) for d, _, _ in dists.values()])
        dirichlet = tf.distributions.Dirichlet([1.5, 2.0, 3.0])
        shaped = dirichlet.sample([4, 5], seed=2)
        assert shaped.shape.as_list() == [4, 5, 3]
        dsamp, dshaped = _run(dirichlet.sample(n, seed=1), shaped)
    for (name, (_, mean, var)), got in zip(dists.items(), samples):
        assert got.shape == (n, 2), name
        np.testing.assert_allclose(got.mean(0), mean, atol=0.06 * np.sqrt(var).max(), err_msg=name)
        np.testing.assert_allclose(got.var(0), var, rtol=0.15, err_msg=name)
    assert (samples[0] > 0).all() and (samples[1] > 0).all()
    np.testing.assert_allclose(dsamp.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(dsamp.mean(0), np.array([1.5, 2.0, 3.0]) / 6.5, atol=0.01)
    np.testing.assert_allclose(dshaped.sum(-1), 1.0, rtol=1e-5)


def test_location_scale_and_exponential_sample_gradients_are_exact():
    with tf.Graph().as_default():
        rate = tf.constant([2.0, 0.5])
        e = tf.distributions.Exponential(rate).sample(50, seed=4)
        loc, scale = tf.constant([0.5, -1.0]), tf.constant([1.5, 0.7])
        lap = tf.distributions.Laplace(loc, scale).sample(50, seed=5)
        df = tf.constant([4.0, 9.0])
        t = tf.distributions.StudentT(df, loc, scale).sample(50, seed=6)
        grads = (tf.gradients(tf.reduce_sum(e), rate) + tf.gradients(tf.reduce_sum(lap),
                                                                      [loc, scale])
                 + tf.gradients(tf.reduce_sum(t), [loc, scale]))
        ev, lv, tv, g_rate, gl_loc, gl_scale, gt_loc, gt_scale = _run(e, lap, t, *grads)
    np.testing.assert_allclose(g_rate, -ev.sum(0) / [2.0, 0.5], rtol=1e-5)   # s = -log(u)/rate
    np.testing.assert_allclose(gl_loc, [50.0, 50.0])
    np.testing.assert_allclose(gl_scale, ((lv - [0.5, -1.0]) / [1.5, 0.7]).sum(0), rtol=1e-4)
    np.testing.assert_allclose(gt_loc, [50.0, 50.0])
    np.testing.assert_allclose(gt_scale, ((tv - [0.5, -1.0]) / [1.5, 0.7]).sum(0), rtol=1e-4)


def test_gamma_draw_gradients_match_the_derivative_of_the_expectation():
    n = 20000
    with tf.Graph().as_default():
        c, rate = tf.constant([2.0, 0.8]), tf.constant([3.0, 1.5])
        g = tf.distributions.Gamma(c, rate).sample(n, seed=7)
        gc, grate = tf.gradients(tf.reduce_mean(g, 0)[0] + tf.reduce_mean(g, 0)[1], [c, rate])
        a = tf.constant([1.5, 2.0, 3.0])
        x = tf.distributions.Dirichlet(a).sample(n, seed=8)
        (ga,) = tf.gradients(tf.reduce_mean(x[:, 0]), a)
        df = tf.constant(7.0)
        y = tf.distributions.StudentT(df, 0.0, 1.0).sample(n, seed=9)
        (gdf,) = tf.gradients(tf.reduce_mean(tf.square(y)), df)
        gc, grate, ga, gdf = _run(gc, grate, ga, gdf)
    np.testing.assert_allclose(gc, [1 / 3.0, 1 / 1.5], rtol=0.05)            # E = c / rate
    np.testing.assert_allclose(grate, [-2.0 / 9.0, -0.8 / 2.25], rtol=0.05)
    s = 6.5                                                             # E[x0] = a0 / sum(a)
    np.testing.assert_allclose(ga, [(s - 1.5) / s ** 2, -1.5 / s ** 2, -1.5 / s ** 2],
                               rtol=0.1)
    np.testing.assert_allclose(gdf, -2.0 / 25.0, rtol=0.2)             # E[y^2] = df/(df-2)


def test_kl_divergences_tf_registers():
    integrate = pytest.importorskip("scipy.integrate")
    with tf.Graph().as_default():
        g0 = tf.distributions.Gamma(2.0, 3.0)
        g1 = tf.distributions.Gamma(1.5, 1.0)
        e0 = tf.distributions.Exponential(2.0)
        d0 = tf.distributions.Dirichlet([1.5, 2.0, 3.0])
        d1 = tf.distributions.Dirichlet([1.0, 1.0, 4.0])
        kl_g, kl_e, kl_d = _run(tf.distributions.kl_divergence(g0, g1),
                                tf.distributions.kl_divergence(e0, g1),     # Gamma's, by MRO
                                tf.distributions.kl_divergence(d0, d1))
        with pytest.raises(NotImplementedError, match="No KL\\(distribution_a \\|\\| "
                           "distribution_b\\) registered for distribution_a type Laplace"):
            tf.distributions.kl_divergence(tf.distributions.Laplace(0.0, 1.0),
                                           tf.distributions.Laplace(1.0, 1.0))

    def kl(p, q):
        return integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), 0, np.inf)[0]

    q = st.gamma(1.5, scale=1.0)
    np.testing.assert_allclose(kl_g, kl(st.gamma(2.0, scale=1 / 3.0), q), rtol=1e-4)
    np.testing.assert_allclose(kl_e, kl(st.expon(scale=0.5), q), rtol=1e-4)
    rng = np.random.default_rng(0)
    draws = rng.dirichlet([1.5, 2.0, 3.0], 200000)
    mc = np.mean(st.dirichlet([1.5, 2.0, 3.0]).logpdf(draws.T)
                 - st.dirichlet([1.0, 1.0, 4.0]).logpdf(draws.T))
    np.testing.assert_allclose(kl_d, mc, atol=0.01)


def test_parameter_errors_and_validate_args():
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="Gamma: parameters must have the same dtype"):
            tf.distributions.Gamma(tf.constant(1.0, tf.float64), tf.constant(1.0))
        with pytest.raises(ValueError, match="StudentT: Incompatible shapes for broadcasting"):
            tf.distributions.StudentT([1.0, 2.0], [0.0, 0.0, 0.0], 1.0)
        with pytest.raises(ValueError, match="Dirichlet: concentration must have rank at least "
                           "1"):
            tf.distributions.Dirichlet(2.0)
        bad = tf.distributions.Gamma([1.0, -1.0], 1.0, validate_args=True)
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                              match="concentration must be positive"):
            s.run(bad.mean())
        d = tf.distributions.Dirichlet([1.0, 2.0], validate_args=True)
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                              match="sample last-dimension must sum to `1`"):
            s.run(d.log_prob([0.5, 0.6]))
        assert tf.contrib.distributions.StudentT is tf.distributions.StudentT
        normal = tf.distributions.Normal(0.0, 1.0)     # (parameters held '__class__': copy
        assert sorted(normal.parameters) == ["allow_nan_stats", "loc", "name", "scale",
                                             "validate_args"]      # raised a TypeError)
        assert isinstance(normal.copy(loc=2.0), tf.distributions.Normal)
        copy = tf.distributions.Exponential(3.0).copy(rate=4.0)
        assert isinstance(copy, tf.distributions.Exponential)
        assert _run(copy.mean()) == [0.25]


def test_dirichlet_multinomial_against_scipy():
    dm = pytest.importorskip("scipy.stats").dirichlet_multinomial
    a = np.array([[1.5, 2.0, 3.0], [0.5, 1.0, 2.0]], np.float32)
    x = np.array([[1.0, 2.0, 2.0], [0.0, 1.0, 2.0]], np.float32)
    with tf.Graph().as_default():
        d = tf.distributions.DirichletMultinomial([5.0, 3.0], a)
        assert d.batch_shape.as_list() == [2] and d.event_shape.as_list() == [3]
        assert d.reparameterization_type is tf.distributions.NOT_REPARAMETERIZED
        lp, p, mean, var, cov, draws = _run(d.log_prob(x), d.prob(x), d.mean(), d.variance(),
                                            d.covariance(), d.sample(4000, seed=1))
        with pytest.raises(NotImplementedError, match="entropy is not implemented: "
                           "DirichletMultinomial"):
            d.entropy()
        strict = tf.distributions.DirichletMultinomial(3.0, [1.0, 1.0], validate_args=True)
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                              match="counts must sum to `self.total_count`"):
            s.run(strict.log_prob([1.0, 1.0]))
    refs = [dm(a[0].astype(np.float64), 5), dm(a[1].astype(np.float64), 3)]
    np.testing.assert_allclose(lp, [r.logpmf(xi) for r, xi in zip(refs, x)], rtol=1e-5)
    np.testing.assert_allclose(p, [r.pmf(xi) for r, xi in zip(refs, x)], rtol=1e-5)
    np.testing.assert_allclose(mean, [r.mean() for r in refs], rtol=1e-6)
    np.testing.assert_allclose(var, [r.var() for r in refs], rtol=1e-5)
    np.testing.assert_allclose(cov, [r.cov() for r in refs], rtol=1e-5, atol=1e-7)
    assert draws.shape == (4000, 2, 3)
    np.testing.assert_array_equal(draws.sum(-1), np.broadcast_to([5.0, 3.0], (4000, 2)))
    np.testing.assert_allclose(draws.mean(0), mean, atol=0.1)
