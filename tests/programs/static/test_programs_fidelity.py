"""Programs of the fidelity batch (in this folder, as written; tiny sizes, synthetic data), run
as scripts on dlcore_static: the TF1 CIFAR-10 tutorial's weight-decay losses collection,
ExponentialMovingAverage of the losses (a tensor's shadow starts at zero, so it needs no feed
at initialisation: dlcore initialised it from the tensor, which asked for the placeholder) and
of the variables, staircase exponential_decay, and the evaluation restoring the averages
(tf_cifar10_ema_weight_decay.py)."""

from __future__ import annotations

import numpy as np
import pytest
from test_programs_keras import line, numbers, run_program


def test_tf_cifar10_tutorial_ema_and_weight_decay(capsys):
    out, env = run_program("tf_cifar10_ema_weight_decay.py", capsys)
    assert "losses collection: ['local3/weight_loss', 'local4/weight_loss', 'cross_entropy']" \
        in out
    assert "trainable: 10 averages: conv1/weights/ExponentialMovingAverage" in out
    assert "local3 input dim: [32, 32]" in out
    assert "global step 24 checkpoint model.ckpt-24" in out
    assert "restore names: ['conv1/biases/ExponentialMovingAverage', " \
           "'conv1/weights/ExponentialMovingAverage']" in out
    hist = np.array(env["history"], np.float64)
    steps = np.arange(24)
    np.testing.assert_allclose(hist[:, 1], 0.4 * 0.5 ** (steps // 8), rtol=1e-6)
    avg, shown = 0.0, {}
    for s, loss in enumerate(hist[:, 0]):       # the loss average: zeros, then decay 0.9
        avg = 0.9 * avg + 0.1 * loss
        shown[s] = avg
    for ln in out.splitlines():
        if ln.startswith("step "):
            loss, a, _lr = numbers(ln)
            step = int(ln.split(",")[0].split()[1])
            assert a == pytest.approx(shown[step], abs=2e-4)
            assert loss == pytest.approx(hist[step, 0], abs=1e-4)
    assert hist[-6:, 0].mean() < hist[:6, 0].mean() - 0.2          # it learns
    np.testing.assert_array_equal(env["w_restored"], env["w_avg"])  # the averages restored
    assert not np.array_equal(env["w_avg"], env["w"])
    precision, raw = numbers(line(out, "restored step 24"))
    assert 0 <= precision <= 1 and raw > 0.8


def test_ema_of_a_fed_tensor_starts_at_zero_without_a_feed():
    import dlcore_static as tf
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [2])
    loss = tf.reduce_sum(x * x)
    ema = tf.train.ExponentialMovingAverage(0.9, name="avg")
    op = ema.apply([loss])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())     # no feed needed
        assert sess.run(ema.average(loss)) == 0.0
        sess.run(op, {x: [1.0, 2.0]})
        assert sess.run(ema.average(loss)) == pytest.approx(0.5)
        sess.run(op, {x: [0.0, 1.0]})
        assert sess.run(ema.average(loss)) == pytest.approx(0.9 * 0.5 + 0.1)
    assert ema.average(loss).op.name == "Sum/avg"
