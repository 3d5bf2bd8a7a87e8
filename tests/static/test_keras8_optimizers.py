"""Session 21 (keras8): the Keras 3 optimizer arguments' long tail against real Keras 3 (NumPy
backend, ``optimizer.apply``): ``gradient_accumulation_steps`` (alone and with clipping,
weight decay, the moving average), ``weight_decay``/``clipnorm``/``clipvalue`` on SGD,
RMSprop and Adagrad; and gradient accumulation through ``fit``."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from tests.io.real_keras import keras3

R = np.random.default_rng(821)


def _keras3_steps(k3, opt, w0, grads):
    vs = [k3.Variable(w, name=f"w{i}") for i, w in enumerate(w0)]
    for g in grads:
        opt.apply([np.asarray(x) for x in g], vs)
    return [np.asarray(v.numpy()) for v in vs], [np.asarray(v.numpy()) for v in opt.variables]


def _our_steps(opt, w0, grads):
    with tf.Graph().as_default():
        vs = [tf.Variable(w, name=f"w{i}") for i, w in enumerate(w0)]
        ph = [tf.placeholder(tf.float32, w.shape) for w in w0]
        step = opt.apply_gradients(zip(ph, vs))
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for g in grads:
                s.run(step, dict(zip(ph, g)))
            return s.run(vs), s.run(opt.variables)


# RMSprop and Adagrad put epsilon inside the root in Keras 3, dlcore outside as Keras 2
# (sqrt(v) + eps): at lr 0.1 the two differ by ~2e-4 after 6 steps where a gradient is small,
# so these cases take epsilon=0, where the two rules agree and what is compared is the decay,
# clipping, momentum and accumulation around the rule.
CASES = [("Adam", {"gradient_accumulation_steps": 2}),
         ("Adam", {"gradient_accumulation_steps": 3, "clipnorm": 0.5, "weight_decay": 0.1}),
         ("SGD", {"momentum": 0.9, "gradient_accumulation_steps": 2, "use_ema": True,
                  "ema_momentum": 0.7, "ema_overwrite_frequency": 2}),
         ("Adamax", {"gradient_accumulation_steps": 2, "loss_scale_factor": 4.0,
                     "global_clipnorm": 0.4}),
         ("SGD", {"weight_decay": 0.2, "clipvalue": 0.3}),
         ("RMSprop", {"weight_decay": 0.1, "clipnorm": 0.7, "momentum": 0.5, "epsilon": 0.0}),
         ("RMSprop", {"centered": True, "gradient_accumulation_steps": 2,
                      "global_clipnorm": 1.0, "epsilon": 0.0}),
         ("Adagrad", {"initial_accumulator_value": 0.1, "weight_decay": 0.05,
                      "clipvalue": 0.5, "epsilon": 0.0})]


@pytest.mark.parametrize("cls,kw", CASES, ids=[f"{c}-{'-'.join(sorted(k)[:3])}" for c, k in CASES])
def test_optimizer_long_tail_steps_equal_keras3(cls, kw):
    """Six steps: the variables and every optimizer variable (iteration, learning rate,
    averages, gradient accumulators, slots, in Keras 3's order) equal Keras 3's."""
    k3 = keras3()
    w0 = [R.standard_normal((3, 2)).astype("float32"), R.standard_normal(2).astype("float32")]
    grads = [[R.standard_normal(w.shape).astype("float32") for w in w0] for _ in range(6)]
    want, want_opt = _keras3_steps(k3, getattr(k3.optimizers, cls)(0.1, **kw), w0, grads)
    got, got_opt = _our_steps(getattr(keras.optimizers, cls)(0.1, **kw), w0, grads)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert [np.shape(a) for a in got_opt] == [np.shape(b) for b in want_opt]
    for a, b in zip(got_opt, want_opt):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_gradient_accumulation_in_fit_equals_one_batch_of_both():
    """SGD over batches of 2 accumulated 2 steps = SGD over batches of 4 (the mean of the
    two halves' mean-squared-error gradients is the whole batch's): the same weights after
    two updates, 4 optimizer steps counted, the accumulators zero after an update step."""
    x = R.random((8, 3)).astype("float32")
    y = R.random((8, 2)).astype("float32")
    out = []
    for batch, kw in ((4, {}), (2, {"gradient_accumulation_steps": 2})):
        with tf.Graph().as_default():
            tf.set_random_seed(1)
            m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_initializer="ones")])
            opt = keras.optimizers.SGD(0.5, **kw)
            m.compile(optimizer=opt, loss="mse")
            m.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
            out.append((m.get_weights(), K.batch_get_value(opt.variables)))
    (w_ref, v_ref), (w_acc, v_acc) = out
    for a, b in zip(w_acc, w_ref):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(v_ref[0]) == 2 and int(v_acc[0]) == 4
    assert len(v_acc) == len(v_ref) + 2                        # (kernel's and bias's accumulator)
    for acc in v_acc[2:4]:
        np.testing.assert_array_equal(acc, 0.0)


@pytest.mark.parametrize("steps", [1, 0.5, 2.5, True])
def test_gradient_accumulation_steps_refused_as_keras3(steps):
    with pytest.raises(ValueError, match="`gradient_accumulation_steps` must be an integer "
                                         f">= 2. Received: gradient_accumulation_steps={steps}"):
        keras.optimizers.Adam(gradient_accumulation_steps=steps)
