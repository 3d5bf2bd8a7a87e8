"""tf.nn.nce_loss, tf.nn.sampled_softmax_loss and the candidate samplers (the word2vec
tutorial's loss), against NumPy written from TensorFlow 1's nn_impl._compute_sampled_logits
and its RangeSampler."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

B, D, C, S = 4, 3, 12, 5


def _np_sampled_logits(w, b, labels, x, sampled, true_exp, sampled_exp, remove_hits):
    true_logits = np.einsum("bd,btd->bt", x, w[labels]) + b[labels]
    sampled_logits = x @ w[sampled].T + b[sampled]
    if remove_hits:
        hit = (labels[:, :, None] == sampled[None, None, :]).any(1)
        sampled_logits = np.where(hit, sampled_logits + -np.finfo(np.float32).max,
                                  sampled_logits)
    true_logits = true_logits - np.log(true_exp)
    sampled_logits = sampled_logits - np.log(sampled_exp)
    logits = np.concatenate([true_logits, sampled_logits], 1)
    targets = np.concatenate([np.full(true_logits.shape, 1 / labels.shape[1]),
                              np.zeros(sampled_logits.shape)], 1)
    return logits, targets


def _setup(num_true):
    rng = np.random.default_rng(num_true)
    w = rng.standard_normal((C, D))
    b = rng.standard_normal(C)
    x = rng.standard_normal((B, D))
    labels = rng.integers(0, C, (B, num_true))
    sampled = np.array([3, labels[0, 0], 7, 0, 11])          # one accidental hit at least
    true_exp = rng.uniform(0.2, 0.9, (B, num_true)).astype(np.float32)
    sampled_exp = rng.uniform(0.2, 0.9, S).astype(np.float32)
    return w, b, x, labels, sampled, true_exp, sampled_exp


@pytest.mark.parametrize("num_true", [1, 2])
@pytest.mark.parametrize("loss", ["nce", "sampled_softmax"])
def test_losses_match_numpy_with_given_samples(loss, num_true):
    w, b, x, labels, sampled, true_exp, sampled_exp = _setup(num_true)
    W, Bv, X = tf.constant(w), tf.constant(b), tf.constant(x)
    values = (tf.constant(sampled), tf.constant(true_exp), tf.constant(sampled_exp))
    fn = tf.nn.nce_loss if loss == "nce" else tf.nn.sampled_softmax_loss
    out = fn(W, Bv, tf.constant(labels), X, S, C, num_true=num_true, sampled_values=values)
    gx = tf.gradients(tf.reduce_sum(out), [X])[0]
    with tf.Session() as s:
        got, got_gx = s.run([out, gx])
    logits, targets = _np_sampled_logits(w, b, labels, x, sampled, true_exp, sampled_exp,
                                         remove_hits=(loss != "nce"))
    if loss == "nce":
        want = (np.maximum(logits, 0) - logits * targets +
                np.log1p(np.exp(-np.abs(logits)))).sum(1)
    else:
        m = logits.max(1, keepdims=True)
        logp = logits - m - np.log(np.exp(logits - m).sum(1, keepdims=True))
        want = -(targets * logp).sum(1)
    assert got.shape == (B,)
    np.testing.assert_allclose(got, want, rtol=1e-6)

    # the gradient with respect to the inputs, by central differences in float64
    def f(xv):
        lg, tg = _np_sampled_logits(w, b, labels, xv, sampled, true_exp, sampled_exp,
                                    remove_hits=(loss != "nce"))
        if loss == "nce":
            return (np.maximum(lg, 0) - lg * tg + np.log1p(np.exp(-np.abs(lg)))).sum()
        m = lg.max(1, keepdims=True)
        return -(tg * (lg - m - np.log(np.exp(lg - m).sum(1, keepdims=True)))).sum()
    num = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = 1e-6
        num[i] = (f(x + e) - f(x - e)) / 2e-6
    np.testing.assert_allclose(got_gx, num, rtol=1e-5, atol=1e-7)


def test_log_uniform_sampler_distribution_and_expected_counts():
    tf.set_random_seed(5)
    true = tf.constant(np.array([[0], [3], [49]], np.int64))
    many = tf.nn.log_uniform_candidate_sampler(true, 1, 20000, False, 50)
    uniq = tf.nn.log_uniform_candidate_sampler(true, 1, 10, True, 50)
    with tf.Session() as s:
        ids, t_exp, s_exp = s.run(many)
        u_ids, u_t, u_s = s.run(uniq)
    p = (np.log(np.arange(50) + 2.0) - np.log(np.arange(50) + 1.0)) / np.log(51.0)
    freq = np.bincount(ids, minlength=50) / ids.size
    np.testing.assert_allclose(freq[:5], p[:5], atol=0.01)        # 0.176, 0.103, ... observed
    np.testing.assert_allclose(t_exp[:, 0], p[[0, 3, 49]] * 20000, rtol=1e-6)
    np.testing.assert_allclose(s_exp, p[ids] * 20000, rtol=1e-5)
    assert len(set(u_ids.tolist())) == 10 and u_ids.min() >= 0 and u_ids.max() < 50
    # unique: every expected count is 1 - (1 - p) ** tries for the same number of draws
    tries = np.log1p(-u_s.astype(np.float64)) / np.log1p(-p[u_ids])
    assert tries.min() >= 10 - 1e-3 and np.ptp(tries) < 1e-2 * tries.mean()
    np.testing.assert_allclose(u_t[:, 0], -np.expm1(tries.mean() * np.log1p(-p[[0, 3, 49]])),
                               rtol=1e-3)


def test_uniform_and_fixed_unigram_samplers_and_seeds():
    true = tf.constant(np.array([[1], [2]], np.int64))
    uni = tf.nn.uniform_candidate_sampler(true, 1, 8, True, 8, seed=3)
    fixed = tf.nn.fixed_unigram_candidate_sampler(true, 1, 3000, False, 4,
                                                  unigrams=[1, 0, 3, 4], distortion=0.5,
                                                  seed=4)
    with tf.Session() as s:
        a = s.run(uni)
        f_ids, f_t, _ = s.run(fixed)
    with tf.Session() as s:
        again = s.run(uni)                          # an op seed: the same draws per Session
    assert sorted(a[0].tolist()) == list(range(8))
    np.testing.assert_array_equal(a[0], again[0])
    q = np.sqrt([1, 0, 3, 4]) / np.sqrt([1, 0, 3, 4]).sum()
    np.testing.assert_allclose(np.bincount(f_ids, minlength=4) / 3000, q, atol=0.03)
    assert (f_ids != 1).all()
    np.testing.assert_allclose(f_t[:, 0], q[[1, 2]] * 3000, rtol=1e-5)


def test_word2vec_style_training_lowers_the_nce_loss():
    tf.set_random_seed(0)
    ids = tf.placeholder(tf.int32, [16])
    labels = tf.placeholder(tf.int32, [16, 1])
    emb = tf.Variable(tf.random_uniform([30, 8], -1.0, 1.0))
    nce_w = tf.Variable(tf.truncated_normal([30, 8], stddev=0.3))
    nce_b = tf.Variable(tf.zeros([30]))
    loss = tf.reduce_mean(tf.nn.nce_loss(nce_w, nce_b, labels, tf.nn.embedding_lookup(emb, ids),
                                         4, 30))
    train = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    rng = np.random.default_rng(0)
    losses = []
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(60):
            x = rng.integers(0, 30, 16)
            _, v = s.run([train, loss], {ids: x, labels: ((x + 1) % 30).reshape(16, 1)})
            losses.append(v)
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])


def test_sampler_errors():
    true = tf.constant(np.array([[1], [2]], np.int64))
    with pytest.raises(ValueError, match="Sampler's range is too small"):
        tf.nn.log_uniform_candidate_sampler(true, 1, 9, True, 8)
    with pytest.raises(ValueError, match=r"must have shape \[batch_size, num_true=2\]"):
        tf.nn.uniform_candidate_sampler(true, 2, 3, True, 8)
    bad = tf.nn.uniform_candidate_sampler(tf.constant(np.array([[9]], np.int64)), 1, 2, True, 8)
    with tf.Session() as s, pytest.raises(Exception, match=r"true_classes must be in \[0, 8\)"):
        s.run(bad)
