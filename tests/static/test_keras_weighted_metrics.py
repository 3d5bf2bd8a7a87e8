"""``compile(weighted_metrics=...)`` with ``fit``/``evaluate(sample_weight=...)`` and
``class_weight``: names, order and values against real Keras 3 (NumPy backend), the same
weights copied into both models.  Keras 3 and tf.keras 2 name a weighted metric as its own
name, ``weighted_<name>`` when an unweighted metric of the output has that name, the output's
name in front for several outputs."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from dlcore_static import keras as dk
from tests.io.real_keras import keras3

RNG = np.random.RandomState(0)
X = RNG.randn(40, 3).astype("float32")
Y = (X.sum(1, keepdims=True) > 0).astype("float32")
Y2 = np.c_[Y, -Y].astype("float32")
SW = np.linspace(0.5, 2, 40).astype("float32")


def _single(lib):
    i = lib.Input((3,))
    return lib.Model(i, lib.layers.Dense(1, activation="sigmoid", name="a")(i))


def _double(lib):
    i = lib.Input((3,))
    h = lib.layers.Dense(4, activation="tanh", name="h")(i)
    return lib.Model(i, [lib.layers.Dense(1, activation="sigmoid", name="a")(h),
                         lib.layers.Dense(2, name="b")(h)])


def _pair(build):
    k3 = keras3()
    km = build(k3)
    dm = build(dk)
    rng = np.random.RandomState(7)                  # the same weights on every run
    ws = [rng.uniform(-1, 1, np.shape(w)).astype("float32") for w in km.get_weights()]
    km.set_weights(ws)
    dm.set_weights(ws)
    return k3, km, dm


def _close(got: dict, want: dict, tol=2e-5):
    assert sorted(got) == sorted(want)
    for k, value in want.items():
        np.testing.assert_allclose(got[k], value, rtol=tol, atol=tol, err_msg=k)


def test_single_output_names_order_and_values_as_keras3():
    k3, km, dm = _pair(_single)
    metrics, weighted = ["mae", "accuracy"], ["mae", "accuracy", "mse"]
    km.compile("sgd", "binary_crossentropy", metrics=metrics,
               weighted_metrics=weighted + [k3.metrics.Precision(name="precision")])
    dm.compile("sgd", "binary_crossentropy", metrics=metrics,
               weighted_metrics=weighted + [dk.metrics.Precision(name="precision")])
    assert dm.metrics_names == ["loss", "mae", "accuracy", "weighted_mae",
                                "weighted_accuracy", "mse", "precision"]
    want = km.evaluate(X, Y, sample_weight=SW, batch_size=8, verbose=0, return_dict=True)
    got = dm.evaluate(X, Y, sample_weight=SW, batch_size=8, verbose=0)
    _close(dict(zip(dm.metrics_names, got)), want)
    # by hand: the weighted mean over all samples, not a mean of the batches' means
    p = dm.predict(X, verbose=0)
    np.testing.assert_allclose(got[3], (np.abs(p - Y).ravel() * SW).sum() / SW.sum(), 1e-5)
    assert abs(got[1] - got[3]) > 1e-3                   # the weights changed something


_FIT_KWS = [{"sample_weight": True}, {"class_weight": {0: 0.3, 1: 2.0}}]

_JAX_FIT = """
import json, sys
import numpy as np
import keras
w = np.load(sys.argv[1], allow_pickle=False)
out = []
for kw in json.loads(sys.argv[2]):
    kw = {k: (w["sw"] if k == "sample_weight" else {int(c): v for c, v in v.items()})
          for k, v in kw.items()}
    i = keras.Input((3,))
    m = keras.Model(i, keras.layers.Dense(1, activation="sigmoid")(i))
    m.set_weights([w["k"], w["b"]])
    m.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"],
              weighted_metrics=["accuracy", "mae"])
    h = m.fit(w["x"], w["y"], batch_size=8, epochs=2, verbose=0, shuffle=False, **kw)
    out.append({k: [float(v) for v in vs] for k, vs in h.history.items()})
print(json.dumps(out))
"""


_KERAS3_FITS: list = []        # (the static suite runs each test twice: one subprocess a worker)
#: Keras 3's histories for these fits, recorded as the tutorial programs record PyTorch's output
#: (tests/eager/torch_outputs.json): used only for the exact script, fits, arrays and installed
#: Keras, JAX and NumPy it was made from (anything else runs the JAX subprocess live, 4.5-7 s
#: of CPU: a second interpreter importing Keras 3 and JAX).  ``DLCORE_LIVE_KERAS=1`` always runs
#: live; refresh: ``python tests/static/test_keras_weighted_metrics.py --record``.
RECORD = Path(__file__).with_name("keras3_fit_histories.json")
_PEERS = ("keras", "jax", "jaxlib", "numpy")


def _fit_key(k, b) -> dict:
    """What a recorded history stands for: the script, the fits and every array they read (by
    SHA-256), and the installed versions of the peers that computed it."""
    digest = hashlib.sha256(_JAX_FIT.encode())
    digest.update(json.dumps(_FIT_KWS, sort_keys=True).encode())
    for a in (k, b, X, Y, SW):
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    versions = {}
    for dist in _PEERS:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = ""
    return {"sha256": digest.hexdigest(), "versions": versions}


def recorded_histories(k, b) -> list | None:
    """The recorded Keras 3 histories for exactly these inputs and versions, else None."""
    if os.environ.get("DLCORE_LIVE_KERAS") == "1" or not RECORD.exists():
        return None
    record = json.loads(RECORD.read_text())
    return record["histories"] if record.get("key") == _fit_key(k, b) else None


def _live_histories(k, b) -> list:
    """Keras 3 (JAX backend) fits ``_FIT_KWS`` from weights ``k``, ``b``: one subprocess."""
    pytest.importorskip("jax")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "w.npz")
        np.savez(path, k=k, b=b, x=X, y=Y, sw=SW)
        env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
        run = subprocess.run([sys.executable, "-c", _JAX_FIT, path, json.dumps(_FIT_KWS)],
                             check=False, env=env, capture_output=True, text=True,
                             timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _keras3_fit_histories(k, b) -> list:
    if not _KERAS3_FITS:
        histories = recorded_histories(k, b)
        _KERAS3_FITS.append(_live_histories(k, b) if histories is None else histories)
    return _KERAS3_FITS[0]


def _fit_weights():
    rng = np.random.RandomState(7)                  # the same weights on every run
    return rng.uniform(-1, 1, (3, 1)).astype("float32"), rng.uniform(-1, 1, 1).astype("float32")


def test_fit_history_with_sample_weight_and_class_weight_as_keras3():
    """Keras 3's NumPy backend cannot fit: its JAX backend runs the same fits in a
    subprocess, from the same initial weights."""
    k, b = _fit_weights()
    wants = _keras3_fit_histories(k, b)
    for kw, want in zip(_FIT_KWS, wants):
        dm = _single(dk)
        dm.set_weights([k, b])
        dm.compile(dk.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"],
                   weighted_metrics=["accuracy", "mae"])
        kw = {n: (SW if n == "sample_weight" else v) for n, v in kw.items()}
        got = dm.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False, **kw).history
        assert sorted(got) == ["accuracy", "loss", "mae", "weighted_accuracy"]
        _close(got, want, 1e-4)
    # both (Keras 3 refuses them together; tf.keras 2 multiplies them): as their product
    hist = []
    for kw in ({"sample_weight": SW, "class_weight": {0: 0.3, 1: 2.0}},
               {"sample_weight": SW * np.where(Y[:, 0] > 0, 2.0, 0.3).astype("float32")}):
        dm = _single(dk)
        dm.set_weights([k, b])
        dm.compile(dk.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"],
                   weighted_metrics=["accuracy", "mae"])
        hist.append(dm.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False,
                           **kw).history)
    _close(hist[0], hist[1], 1e-6)
    assert abs(hist[0]["mae"][0] - wants[0]["mae"][0]) > 1e-4


def test_multi_output_dicts_as_keras3_in_tf_keras2_order():
    _, km, dm = _pair(_double)
    loss = {"a": "binary_crossentropy", "b": "mse"}
    metrics = {"a": ["accuracy"], "b": ["mae"]}
    weighted = {"a": ["accuracy"], "b": ["mae", "mse"]}
    km.compile("sgd", loss, metrics=metrics, weighted_metrics=weighted)
    dm.compile("sgd", loss, metrics=metrics, weighted_metrics=weighted)
    # tf.keras 2's order: per output, its metrics then its weighted metrics (Keras 3 lists
    # every output's metrics first; its evaluate(return_dict=True) values are compared)
    assert dm.metrics_names == ["loss", "a_loss", "b_loss", "a_accuracy", "a_weighted_accuracy",
                                "b_mae", "b_weighted_mae", "b_mse"]
    want = km.evaluate(X, [Y, Y2], sample_weight=SW, batch_size=16, verbose=0,
                       return_dict=True)
    got = dm.evaluate(X, [Y, Y2], sample_weight=SW, batch_size=16, verbose=0)
    _close(dict(zip(dm.metrics_names, got)), want)


def test_weighted_metrics_only_on_one_output_of_a_list_model():
    _, km, dm = _pair(_double)
    loss = {"a": "binary_crossentropy", "b": "mse"}
    km.compile("sgd", loss, weighted_metrics={"b": ["mae"]})
    dm.compile("sgd", loss, weighted_metrics={"b": ["mae"]})
    want = km.evaluate(X, [Y, Y2], sample_weight=SW, verbose=0, return_dict=True)
    got = dm.evaluate(X, [Y, Y2], sample_weight=SW, verbose=0)
    assert dm.metrics_names == ["loss", "a_loss", "b_loss", "b_mae"]
    _close(dict(zip(dm.metrics_names, got)), want)


def test_without_sample_weights_weighted_equal_unweighted():
    _, _, dm = _pair(_single)
    dm.compile("sgd", "binary_crossentropy", metrics=["mae", "accuracy"],
               weighted_metrics=["mae", "accuracy"])
    res = dm.evaluate(X, Y, batch_size=7, verbose=0)
    np.testing.assert_allclose(res[3:], res[1:3], rtol=1e-6)
    out = dm.train_on_batch(X[:10], Y[:10], return_dict=True)
    assert out["weighted_mae"] == pytest.approx(out["mae"], rel=1e-6)


def test_user_metric_gets_the_sample_weights():
    k3, km, dm = _pair(_single)

    def mean_pred(lib):
        class MeanPred(lib.metrics.Metric):
            def __init__(self, name="mp", **kw):
                super().__init__(name=name, **kw)
                self.t = self.add_weight(name="t", shape=(), initializer="zeros")
                self.c = self.add_weight(name="c", shape=(), initializer="zeros")

            def update_state(self, y_true, y_pred, sample_weight=None):
                if sample_weight is None:
                    self.t.assign_add(lib.ops.sum(y_pred))
                    self.c.assign_add(lib.ops.cast(lib.ops.shape(y_pred)[0], "float32"))
                else:
                    sw = lib.ops.reshape(lib.ops.cast(sample_weight, "float32"), (-1, 1))
                    self.t.assign_add(lib.ops.sum(y_pred * sw))
                    self.c.assign_add(lib.ops.sum(sw))

            def result(self):
                return self.t / self.c
        return MeanPred
    K3MP, DMP = mean_pred(k3), mean_pred(dk)
    km.compile("sgd", "binary_crossentropy", metrics=[K3MP()], weighted_metrics=[K3MP("wmp")])
    dm.compile("sgd", "binary_crossentropy", metrics=[DMP()], weighted_metrics=[DMP("wmp")])
    want = km.evaluate(X, Y, sample_weight=SW, batch_size=8, verbose=0, return_dict=True)
    got = dm.evaluate(X, Y, sample_weight=SW, batch_size=8, verbose=0)
    assert dm.metrics_names == ["loss", "mp", "wmp"]
    _close(dict(zip(dm.metrics_names, got)), want)


def test_bad_weighted_metrics_raise_clearly():
    _, _, dm = _pair(_single)
    with pytest.raises(ValueError, match="Expected `weighted_metrics` argument to be a list, "
                       "tuple, or dict"):
        dm.compile("sgd", "binary_crossentropy", weighted_metrics="mae")
    _, _, dm = _pair(_double)
    with pytest.raises(ValueError, match="weighted_metrics for output 'a' need a target, but "
                       "the output has no loss"):
        dm.compile("sgd", {"b": "mse"}, weighted_metrics={"a": ["mae"]})


@pytest.mark.parametrize("ext", [".h5", ".keras"])
def test_saved_model_files_keep_weighted_metrics(tmp_path, ext):
    """The training configuration holds ``weighted_metrics`` (Keras 2's .h5 and Keras 3's
    compile_config): dlcore's load_model compiles them back, Keras 3 reads the .keras one."""
    k3, _, dm = _pair(_single)
    dm.compile("sgd", "binary_crossentropy", metrics=["mae"], weighted_metrics=["mae", "mse"])
    want = dm.evaluate(X, Y, sample_weight=SW, verbose=0)
    path = str(tmp_path / ("m" + ext))
    dm.save(path)
    back = dk.models.load_model(path)
    assert back.metrics_names == ["loss", "mae", "weighted_mae", "mse"]
    np.testing.assert_allclose(back.evaluate(X, Y, sample_weight=SW, verbose=0), want,
                               rtol=1e-6)
    if ext == ".keras":
        km = k3.models.load_model(path)
        got = km.evaluate(X, Y, sample_weight=SW, verbose=0, return_dict=True)
        _close(got, dict(zip(back.metrics_names, want)))


def test_masked_sequence_output_as_keras3():
    """A masked (mask_zero) sequence output: the weighted mean counts the unmasked steps only
    (Keras 3 multiplies the mask into the weights); without sample weights it equals the
    unweighted metric, both as Keras 3."""
    k3 = keras3()

    def build(lib):
        i = lib.Input((5,), dtype="int32")
        h = lib.layers.Embedding(10, 4, mask_zero=True)(i)
        h = lib.layers.LSTM(3, return_sequences=True)(h)
        return lib.Model(i, lib.layers.Dense(2)(h))
    km, dm = build(k3), build(dk)
    dm.set_weights(km.get_weights())
    rng = np.random.RandomState(0)
    x = rng.randint(1, 10, (12, 5))
    x[:, 3:] = 0
    x[:4, 2:] = 0
    y = rng.randn(12, 5, 2).astype("float32")
    for m in (km, dm):
        m.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mae"])
    want = km.evaluate(x, y, verbose=0, return_dict=True)
    got = dict(zip(dm.metrics_names, dm.evaluate(x, y, verbose=0)))
    _close(got, want)
    p = dm.predict(x, verbose=0)
    keep = x != 0                                        # the unmasked steps
    np.testing.assert_allclose(got["weighted_mae"], np.abs(p - y).mean(-1)[keep].mean(),
                               rtol=1e-5)


def test_on_batch_metrics_start_from_zero_after_evaluate_and_fit():
    """``test_on_batch`` after ``evaluate``/``fit``/another ``test_on_batch``: a stateful
    metric (Precision, a weighted mean) holds this batch's counts only (an evaluate before
    left its counts in them)."""
    _, _, dm = _pair(_single)
    dm.compile("sgd", "binary_crossentropy", weighted_metrics=["mae", dk.metrics.Precision()])

    def by_hand(sl):
        p = dm.predict(X[sl], verbose=0)
        tp = ((p > 0.5) & (Y[sl] > 0)).ravel() * SW[sl]
        mae = (np.abs(p - Y[sl]).ravel() * SW[sl]).sum() / SW[sl].sum()
        return mae, tp.sum() / ((p > 0.5).ravel() * SW[sl]).sum()
    for before in ("evaluate", "fit", "test_on_batch", "test_on_batch"):
        if before == "evaluate":
            dm.evaluate(X, Y, sample_weight=SW, verbose=0)
        elif before == "fit":
            dm.fit(X, Y, sample_weight=SW, epochs=1, verbose=0)
        else:
            dm.test_on_batch(X[20:], Y[20:], sample_weight=SW[20:])
        got = dm.test_on_batch(X[:12], Y[:12], sample_weight=SW[:12], return_dict=True)
        np.testing.assert_allclose([got["mae"], got["precision"]], by_hand(slice(0, 12)),
                                   rtol=1e-5, err_msg=before)


def test_on_batch_with_reset_metrics_false_runs_weighted_means_over_the_calls():
    """tf.keras 2: a weighted metric's running value over the calls is sum(w*m)/sum(w) (the
    plain metric's: a mean by batch size)."""
    _, _, dm = _pair(_single)
    dm.compile("sgd", "binary_crossentropy", metrics=["mae"], weighted_metrics=["mae"])
    dm.test_on_batch(X[:8], Y[:8], sample_weight=SW[:8], reset_metrics=False)
    got = dm.test_on_batch(X[8:], Y[8:], sample_weight=SW[8:], reset_metrics=False,
                           return_dict=True)
    e = np.abs(dm.predict(X, verbose=0) - Y).ravel()
    np.testing.assert_allclose([got["weighted_mae"], got["mae"]],
                               [(e * SW).sum() / SW.sum(), e.mean()], rtol=1e-5)


def test_the_keras3_record_is_used_only_for_the_inputs_and_versions_it_was_made_from(monkeypatch):
    k, b = _fit_weights()
    if recorded_histories(k, b) is None:
        pytest.skip("no current record, or DLCORE_LIVE_KERAS=1 (re-record: see RECORD)")
    assert recorded_histories(k + 1e-3, b) is None                 # other weights
    monkeypatch.setattr(sys.modules[__name__], "SW", SW[::-1].copy())
    assert recorded_histories(k, b) is None                        # another array the fits read
    monkeypatch.undo()
    monkeypatch.setattr(sys.modules[__name__], "_FIT_KWS", _FIT_KWS[:1])
    assert recorded_histories(k, b) is None                        # other fits
    monkeypatch.undo()
    monkeypatch.setenv("DLCORE_LIVE_KERAS", "1")
    assert recorded_histories(k, b) is None
    monkeypatch.delenv("DLCORE_LIVE_KERAS")
    monkeypatch.setattr(sys.modules[__name__], "_PEERS", ("keras", "jax", "jaxlib", "scipy"))
    assert recorded_histories(k, b) is None                        # other versions
    monkeypatch.undo()
    assert recorded_histories(k, b) is not None


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit(f"usage: python {sys.argv[0]} --record")
    k, b = _fit_weights()
    RECORD.write_text(json.dumps({"key": _fit_key(k, b), "histories": _live_histories(k, b)},
                                 indent=1, sort_keys=True) + "\n")
    print("wrote", RECORD)
