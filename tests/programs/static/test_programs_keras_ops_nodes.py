"""keras3_residual_ops_blocks.py: keras.io's residual blocks with operators and ``keras.ops``
between layers (``x + res``, ``x * mask``, ``x[:, 0, :]``, ``keras.ops.mean``), run as a script,
and the same models built with real Keras 3 (NumPy backend): summary text to the character,
outputs given the same weights, and one SGD step (the gradients through the operation nodes)."""

from __future__ import annotations

import os
import runpy

import numpy as np
import pytest

import dlcore_static as tf
import dlcore_static.keras as dk
from dlcore_static.keras import backend as K
from tests.io.real_keras import keras3 as _real_keras3

HERE = os.path.dirname(__file__)
PROGRAM = os.path.join(HERE, "keras3_residual_ops_blocks.py")


@pytest.fixture(scope="module")
def keras3():
    return _real_keras3()       # (Keras 3 on the NumPy backend, or the test is skipped)


@pytest.fixture
def columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def _fresh():
    tf.reset_default_graph()
    K.clear_session()


def _text(model) -> str:
    got: list = []
    model.summary(print_fn=got.append)
    return "\n".join(got)


def _build(name, keras, builders):
    return builders[name](keras, keras.layers)


def test_program_runs_and_trains(capsys):
    _fresh()
    runpy.run_path(PROGRAM, run_name="__main__")
    out = capsys.readouterr().out
    for what in ("transformer", "resnet", "masked"):
        losses = [float(v) for v in
                  next(ln for ln in out.splitlines() if ln.startswith(what)).split()[2:]]
        assert all(np.isfinite(losses)) and losses[-1] < losses[0], (what, losses)
    assert "│ add (Add)" in out and "│ get_item (GetItem)" in out and "│ mean (Mean)" in out
    assert "multiply (Multiply)" in out and "true_divide" in out and "(TrueDivide)" in out


@pytest.mark.parametrize("name", ["build_transformer", "build_resnet", "build_masked"])
def test_models_match_keras3(name, keras3, columns, tmp_path):
    builders = runpy.run_path(PROGRAM)
    _fresh()
    dk.utils.set_random_seed(3)
    mine = _build(name, dk, builders)
    keras3.backend.clear_session()
    ref = _build(name, keras3, builders)
    assert _text(mine) == _text(ref)
    assert [ly.name for ly in mine.layers] == [ly.name for ly in ref.layers]
    ref.set_weights(mine.get_weights())
    rng = np.random.RandomState(0)
    if name == "build_transformer":
        xs = [rng.randn(5, 6, 4).astype("float32")]
    elif name == "build_resnet":
        xs = [rng.rand(5, 10, 10, 3).astype("float32")]
    else:
        xs = [rng.randn(5, 5, 3).astype("float32"), (rng.rand(5, 5) > 0.3).astype("float32")]
        xs[1][:, 0] = 1.0
    x = xs[0] if len(xs) == 1 else xs
    got, want = mine.predict(x, verbose=0), ref.predict(x, verbose=0)
    for g, w in zip(got if isinstance(got, list) else [got],
                    want if isinstance(want, list) else [want]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    # a .keras file Keras 3 wrote (its operation nodes: keras.src.ops records) loads here
    path = os.path.join(str(tmp_path), "k3.keras")
    ref.save(path)
    K.clear_session()
    loaded = dk.models.load_model(path)
    assert _text(loaded) == _text(ref)
    back = loaded.predict(x, verbose=0)
    for g, w in zip(back if isinstance(back, list) else [back],
                    want if isinstance(want, list) else [want]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    # and Keras 3 reads dlcore's file (the operation nodes written as Keras 3 records)
    mine.save(os.path.join(str(tmp_path), "dl.keras"))
    keras3.backend.clear_session()
    theirs = keras3.models.load_model(os.path.join(str(tmp_path), "dl.keras"))
    back = theirs.predict(x, verbose=0)
    for g, w in zip(back if isinstance(back, list) else [back],
                    want if isinstance(want, list) else [want]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    if name != "build_masked":
        # (the transformer's dropout makes a training step random; the ResNet's ReLUs and
        # max-pooling put kinks within any finite difference of many weights: its gradients
        # are compared with layers.add's in tests/static/test_keras_op_nodes.py)
        return
    # one SGD step of dlcore (gradients through the operation nodes) against central
    # differences of the same loss computed by Keras 3's forward pass, on sampled weights
    outs = got if isinstance(got, list) else [got]
    ys = [rng.randn(*o.shape).astype("float32") for o in outs]
    before = [w.astype("float64") for w in mine.get_weights()]

    def ref_loss(ws) -> float:
        ref.set_weights([w.astype("float32") for w in ws])
        p = ref.predict(x, verbose=0)
        p = p if isinstance(p, list) else [p]
        return float(sum(np.mean((a.astype("float64") - t) ** 2) for a, t in zip(p, ys)))
    lr = 0.1
    mine.compile(optimizer=dk.optimizers.SGD(lr), loss=["mse"] * len(ys))
    mine.train_on_batch(x, ys[0] if len(ys) == 1 else ys)
    after = mine.get_weights()
    picks = [(i, j) for i, w in enumerate(before)
             for j in rng.choice(w.size, min(3, w.size), replace=False)]
    for i, j in picks:
        step = (before[i].flat[j] - after[i].flat[j]) / lr
        est = []
        for eps in (1e-3, 3e-4, 1e-4):
            up = [w.copy() for w in before]
            up[i].flat[j] += eps
            down = [w.copy() for w in before]
            down[i].flat[j] -= eps
            est.append((ref_loss(up) - ref_loss(down)) / (2 * eps))
        assert max(abs(step - e) for e in est) <= 1e-2 * abs(step) + 5e-5, (i, j, step, est)
