"""tf.train optimizers (RMSProp, Adagrad, Adadelta, Momentum/Nesterov, Ftrl) and learning-rate
schedules against NumPy transcriptions of the TF1 update rules (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

W0 = np.array([1.0, -2.0, 0.5])
TARGET = np.array([0.3, 0.1, -0.4])


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def grad(w):                     # d/dw of sum((w - t)^2)
    return 2 * (w - TARGET)


def run_tf(opt, steps=5):
    w = tf.Variable(W0)
    loss = tf.reduce_sum(tf.square(w - TARGET))
    step = tf.train.get_or_create_global_step()
    train = opt.minimize(loss, global_step=step)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(steps):
            s.run(train)
        return s.run(w), s.run(step)


def np_rmsprop(lr, rho=0.9, mom=0.0, eps=1e-10, steps=5):
    w, ms, m = W0.copy(), np.ones(3), np.zeros(3)
    for _ in range(steps):
        g = grad(w)
        ms = rho * ms + (1 - rho) * g * g
        m = mom * m + lr * g / np.sqrt(ms + eps)
        w = w - m
    return w


def np_adagrad(lr, init=0.1, steps=5):
    w, acc = W0.copy(), np.full(3, init)
    for _ in range(steps):
        g = grad(w)
        acc += g * g
        w = w - lr * g / np.sqrt(acc)
    return w


def np_adadelta(lr, rho=0.95, eps=1e-8, steps=5):
    w, a, au = W0.copy(), np.zeros(3), np.zeros(3)
    for _ in range(steps):
        g = grad(w)
        a = rho * a + (1 - rho) * g * g
        u = np.sqrt(au + eps) / np.sqrt(a + eps) * g
        au = rho * au + (1 - rho) * u * u
        w = w - lr * u
    return w


def np_momentum(lr, m, nesterov, steps=5):
    w, acc = W0.copy(), np.zeros(3)
    for _ in range(steps):
        g = grad(w)
        acc = m * acc + g
        w = w - lr * (g + m * acc if nesterov else acc)
    return w


def np_ftrl(lr, init=0.1, l1=0.0, l2=0.0, steps=5, power=-0.5, shrink=0.0):
    w, n, z = W0.copy(), np.full(3, init), np.zeros(3)
    for _ in range(steps):
        g = grad(w)
        n2 = n + g * g
        z = z + g + 2 * shrink * w - (n2 ** -power - n ** -power) / lr * w
        n = n2
        w = np.where(np.abs(z) > l1, (np.sign(z) * l1 - z) / (n ** -power / lr + 2 * l2), 0)
    return w


@pytest.mark.parametrize("make,ref", [
    (lambda: tf.train.RMSPropOptimizer(0.01), lambda: np_rmsprop(0.01)),
    (lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.9), lambda: np_rmsprop(0.01, mom=0.9)),
    (lambda: tf.train.AdagradOptimizer(0.1), lambda: np_adagrad(0.1)),
    (lambda: tf.train.AdadeltaOptimizer(1.0), lambda: np_adadelta(1.0)),
    (lambda: tf.train.MomentumOptimizer(0.05, 0.9), lambda: np_momentum(0.05, 0.9, False)),
    (lambda: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
     lambda: np_momentum(0.05, 0.9, True)),
    (lambda: tf.train.FtrlOptimizer(0.1), lambda: np_ftrl(0.1)),
    (lambda: tf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.5,
                                    l2_regularization_strength=0.1),
     lambda: np_ftrl(0.1, l1=0.5, l2=0.1)),
    (lambda: tf.train.FtrlOptimizer(0.1, learning_rate_power=-0.8, l1_regularization_strength=0.01),
     lambda: np_ftrl(0.1, l1=0.01, power=-0.8)),
    (lambda: tf.train.FtrlOptimizer(0.1, learning_rate_power=0.0), lambda: np_ftrl(0.1, power=0.0)),
    (lambda: tf.train.FtrlOptimizer(0.1, l2_shrinkage_regularization_strength=0.3,
                                    l2_regularization_strength=0.1),
     lambda: np_ftrl(0.1, l2=0.1, shrink=0.3)),
])
def test_optimizer_matches_numpy(make, ref):
    w, step = run_tf(make())
    np.testing.assert_allclose(w, ref(), rtol=1e-9, atol=1e-12)
    assert step == 5


def test_schedules_and_clipped_apply_gradients():
    step = tf.placeholder(tf.int64, ())
    ed = tf.train.exponential_decay(0.1, step, 10, 0.5)
    eds = tf.train.exponential_decay(0.1, step, 10, 0.5, staircase=True)
    pc = tf.train.piecewise_constant(step, [5, 10], [1.0, 0.5, 0.1])
    pd = tf.train.polynomial_decay(0.1, step, 20, 0.01, power=2.0)
    with tf.Session() as s:
        for k in (0, 5, 7, 10, 15, 25):
            got = s.run([ed, eds, pc, pd], {step: k})
            want = [0.1 * 0.5 ** (k / 10), 0.1 * 0.5 ** (k // 10),
                    1.0 if k <= 5 else (0.5 if k <= 10 else 0.1),
                    (0.1 - 0.01) * (1 - min(k, 20) / 20) ** 2 + 0.01]
            np.testing.assert_allclose(got, want, rtol=1e-6)

    w = tf.Variable(W0)
    loss = tf.reduce_sum(tf.square(w - TARGET))
    opt = tf.train.GradientDescentOptimizer(0.1)
    gv = opt.compute_gradients(loss, var_list=[w])
    clipped = [(tf.clip_by_norm(g, 1.0), v) for g, v in gv]
    train = opt.apply_gradients(clipped)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)
        g = grad(W0)
        np.testing.assert_allclose(s.run(w), W0 - 0.1 * g / max(np.linalg.norm(g), 1.0))


@pytest.mark.parametrize("kwargs,msg", [
    ({"learning_rate_power": 0.5}, "learning_rate_power 0.500000 needs to be negative or zero"),
    ({"initial_accumulator_value": -1.0},
     "initial_accumulator_value -1.000000 needs to be positive or zero"),
    ({"l1_regularization_strength": -0.1},
     "l1_regularization_strength -0.100000 needs to be positive or zero"),
    ({"l2_shrinkage_regularization_strength": -2.0},
     "l2_shrinkage_regularization_strength -2.000000 needs to be positive or zero"),
])
def test_ftrl_refuses_bad_hyperparameters_as_tf(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        tf.train.FtrlOptimizer(0.1, **kwargs)
