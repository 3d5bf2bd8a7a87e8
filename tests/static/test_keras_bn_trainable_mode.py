"""BatchNormalization's mode at run time (``keras/_run_phase.py``): the transfer-learning
guide's phases on dlcore, against Keras 3.15 (NumPy backend, in this process) where the two
agree, and tf.keras 2's contract pinned where Keras 3 differs.

Keras 3's NumPy backend has no ``fit``; its ``fit`` step's forward pass is ``model(x,
training=True)`` (``Trainer.train_step``; checked with the JAX backend), so each dlcore
``train_on_batch`` is compared with that call on Keras 3 given the same weights before the
step: the moving statistics after it (they come from the step's forward pass), then the
predictions and the evaluation loss after each phase.

- A base called with no ``training``: frozen (``base.trainable = False``), its
  BatchNormalization runs in inference mode; unfrozen and recompiled, it trains; its
  BatchNormalization layers frozen and recompiled, inference mode while the rest trains.  A
  change of ``trainable`` reaches ``fit`` at the next ``compile``.  As Keras 3.
- A base called with ``training=False`` (the guide's model): dlcore keeps the recorded mode in
  ``fit`` (tf.keras 2, the guide's stated contract), Keras 3's ``fit`` replaces it with
  ``training=True`` (keras-team/keras#20285, closed as intended): the unfrozen base's moving
  statistics stay in dlcore and move in Keras 3.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import backend as K
from tests.io.real_keras import keras3

RS = np.random.RandomState(0)
X = (RS.uniform(0, 255, (24, 8, 8, 3))).astype("float32")
Y = (X[:, :4].mean(axis=(1, 2, 3)) > X[:, 4:].mean(axis=(1, 2, 3))).astype("float32")[:, None]


def _program(k, training=None):
    """The guide's model on ``k`` (dlcore's keras or Keras 3): a small conv base with two
    BatchNormalization layers, called with ``training``, a Dropout and a Dense head."""
    L = k.layers
    base = k.Sequential([k.Input((8, 8, 3)), L.Rescaling(1 / 127.5, offset=-1),
                         L.Conv2D(4, 3, padding="same"), L.BatchNormalization(),
                         L.Activation("relu"), L.GlobalAveragePooling2D(),
                         L.Dense(5), L.BatchNormalization(momentum=0.8)], name="base_model")
    inp = k.Input((8, 8, 3))
    x = base(inp, training=training)
    return base, k.Model(inp, L.Dense(1)(L.Dropout(0.5)(x)))


def _bns(base):
    return [ly for ly in base.layers if type(ly).__name__ == "BatchNormalization"]


def _moving(bns, get):
    return [get(v) for b in bns for v in (b.moving_mean, b.moving_variance)]


def _compile(model, lr):
    model.compile(optimizer=keras.optimizers.Adam(lr),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))


def _steps(model, ref, bns, rbns, n: int = 2, same: bool = True) -> list:
    """``n`` dlcore train steps, each beside Keras 3's training-mode forward pass on the
    weights before it (``same``: their moving statistics agree); per step, the largest change
    of dlcore's and of Keras 3's moving statistics."""
    moved = []
    for s in range(n):
        xb, yb = X[8 * s:8 * s + 8], Y[8 * s:8 * s + 8]
        before = model.get_weights()
        m0 = _moving(bns, K.get_value)
        model.train_on_batch(xb, yb)
        ref.set_weights(before)
        ref(xb, training=True)
        got, want = _moving(bns, K.get_value), _moving(rbns, np.asarray)
        if same:
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
        moved.append((max(float(np.abs(a - b).max()) for a, b in zip(got, m0)),
                      max(float(np.abs(a - b).max()) for a, b in zip(want, m0))))
    return moved


def _same_outputs(model, ref):
    ref.set_weights(model.get_weights())
    want = np.asarray(ref.predict(X, verbose=0))
    np.testing.assert_allclose(model.predict(X, verbose=0), want, rtol=1e-4, atol=1e-5)
    logits = want[:, 0].astype(np.float64)
    bce = np.mean(np.maximum(logits, 0) - logits * Y[:, 0] + np.log1p(np.exp(-np.abs(logits))))
    assert model.evaluate(X, Y, verbose=0) == pytest.approx(bce, rel=1e-4, abs=1e-5)


def _pair(training=None):
    k3 = keras3()
    K.clear_session()
    base, model = _program(keras, training)
    rbase, ref = _program(k3, training)
    ref.set_weights(model.get_weights())
    return base, model, rbase, ref, _bns(base), _bns(rbase)


def test_trainable_changes_reach_fit_at_compile_as_keras3():
    base, model, rbase, ref, bns, rbns = _pair()
    # frozen base: its BatchNormalization in inference mode, nothing of it moves
    base.trainable = rbase.trainable = False
    _compile(model, 1e-2)
    w0 = base.get_weights()
    assert _steps(model, ref, bns, rbns) == [(0.0, 0.0)] * 2
    assert all(np.array_equal(a, b) for a, b in zip(w0, base.get_weights()))
    _same_outputs(model, ref)
    # unfrozen without recompiling: fit still runs the compiled (frozen) mode
    base.trainable = rbase.trainable = True
    m0 = _moving(bns, K.get_value)
    model.train_on_batch(X[:8], Y[:8])
    assert all(np.array_equal(a, b) for a, b in zip(m0, _moving(bns, K.get_value)))
    # recompiled: the base trains, its BatchNormalization in training mode
    _compile(model, 1e-3)
    assert min(d for d, _ in _steps(model, ref, bns, rbns)) > 1e-3
    _same_outputs(model, ref)
    # the BatchNormalization layers frozen (the guide's advice): inference mode, the rest trains
    for b, rb in zip(bns, rbns):
        b.trainable = rb.trainable = False
    _compile(model, 1e-3)
    g0 = [K.get_value(b.gamma) for b in bns]
    w0 = K.get_value(base.layers[1].kernel)
    assert _steps(model, ref, bns, rbns) == [(0.0, 0.0)] * 2
    assert all(np.array_equal(a, K.get_value(b.gamma)) for a, b in zip(g0, bns))
    assert not np.array_equal(w0, K.get_value(base.layers[1].kernel))
    _same_outputs(model, ref)


def test_recorded_training_false_is_kept_in_fit_unlike_keras3():
    """keras-team/keras#20285: Keras 3's fit replaces a recorded ``training=False``; dlcore
    keeps it (tf.keras 2).  Everything else agrees: the frozen phase, predict, evaluate."""
    base, model, rbase, ref, bns, rbns = _pair(training=False)
    base.trainable = rbase.trainable = False
    _compile(model, 1e-2)
    assert _steps(model, ref, bns, rbns) == [(0.0, 0.0)] * 2
    _same_outputs(model, ref)
    base.trainable = rbase.trainable = True
    _compile(model, 1e-3)
    g0 = [K.get_value(b.gamma) for b in bns]
    moved = _steps(model, ref, bns, rbns, same=False)
    assert [d for d, _ in moved] == [0.0, 0.0]          # dlcore: inference mode, as recorded
    assert min(d for _, d in moved) > 1e-3               # Keras 3: fit's training=True wins
    assert all(not np.array_equal(a, K.get_value(b.gamma)) for a, b in zip(g0, bns))
    _same_outputs(model, ref)
    m0 = _moving(bns, K.get_value)                       # model(x, training=True): as recorded
    K.eval(model(X[:8], training=True))
    assert all(np.array_equal(a, b) for a, b in zip(m0, _moving(bns, K.get_value)))


def test_calls_pick_the_mode_as_keras3():
    """``base(x)``, ``model(x)``: inference; ``base(x, training=True)``,
    ``model(x, training=True)``: training (the model's Dropout drops); outputs and moving
    statistics as Keras 3's calls give them."""
    base, model, rbase, ref, bns, rbns = _pair()
    xb = X[:8]
    calls = [(lambda k: (base if k else rbase)(xb), True, False),
             (lambda k: (model if k else ref)(xb), True, False),
             (lambda k: (base if k else rbase)(xb, training=True), True, True),
             (lambda k: (model if k else ref)(xb, training=True), False, True)]
    for call, same_output, trains in calls:
        out = call(True)                # (dlcore: a tensor of the graph, run below)
        ref.set_weights(model.get_weights())
        want = np.asarray(call(False))
        m0 = _moving(bns, K.get_value)
        got = K.eval(out)
        if same_output:
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        moved = _moving(bns, K.get_value)
        for g, w in zip(moved, _moving(rbns, np.asarray)):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
        assert any(not np.array_equal(a, b) for a, b in zip(m0, moved)) == trains


def test_recorded_training_is_saved_as_keras_writes_it(tmp_path):
    """A call's ``training=`` is in the node's ``kwargs`` of the model file, as Keras 3 and
    tf.keras write it; dlcore and Keras 3 read it back (the nested base in inference mode)."""
    import json
    import zipfile
    k3 = keras3()
    K.clear_session()
    L = keras.layers
    bi = keras.Input((4,))
    base = keras.Model(bi, L.BatchNormalization()(L.Dense(2)(bi)), name="base")
    inp = keras.Input((4,))
    model = keras.Model(inp, L.Dropout(0.5)(base(inp, training=False), training=True))
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m.h5")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        cfg = json.loads(z.read("config.json"))["config"]
    kw = {ly["name"]: [n["kwargs"] for n in ly["inbound_nodes"]] for ly in cfg["layers"]}
    assert kw["base"] == [{"training": False}] and kw["dropout"] == [{"training": True}]
    for name in ("m.keras", "m.h5"):
        back = keras.models.load_model(tmp_path / name)
        assert [n.extra.get("training") for ly in back.layers[1:] for n in ly._nodes[-1:]] \
            == [False, True]
    ref = k3.models.load_model(tmp_path / "m.keras")
    rcfg = ref.get_config()["layers"]
    assert [n["kwargs"].get("training") for ly in rcfg[1:] for n in ly["inbound_nodes"]] == \
        [False, True]
