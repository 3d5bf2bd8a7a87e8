"""Keras model files of functional models (keras/saving_functional.py): model.save /
keras.models.load_model in .h5 (Keras 2 layout) and .keras (Keras 3 layout) for models built
with Input and layer calls: several inputs and outputs, a shared layer, merge layers.  Real
Keras 3 (NumPy backend, where installed) reads what dlcore writes and dlcore reads what Keras
writes."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras.saving import KerasFileError

h5py = pytest.importorskip("h5py")
L = keras.layers

_RNG = np.random.default_rng(0)
X = [_RNG.standard_normal((5, 3)).astype(np.float32),
     _RNG.standard_normal((5, 2)).astype(np.float32)]
Y = [_RNG.standard_normal((5, 4)).astype(np.float32),
     _RNG.standard_normal((5, 1)).astype(np.float32)]


def _fresh(seed: int = 0) -> None:
    tf.reset_default_graph()
    keras.backend.clear_session()
    tf.set_random_seed(seed)


def _model(seed: int = 0):
    """Two inputs, two outputs, a Dense layer shared by two branches, Concatenate and Add."""
    _fresh(seed)
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    shared = L.Dense(4, activation="tanh", name="shared")
    c = L.Concatenate(name="cat")([a, L.Dense(3, name="from_b")(b)])
    s = L.Add(name="sum")([shared(L.Dense(3, name="mix")(c)), shared(a)])
    out2 = L.Dense(1, activation="sigmoid", name="side")(c)
    m = keras.models.Model([a, b], [s, out2], name="two_heads")
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss=["mse", "mae"],
              metrics=["mae"], loss_weights=[1.0, 0.5])
    return m


def _config(path: str) -> dict:
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("config.json"))
    with h5py.File(path, "r") as f:
        return json.loads(f.attrs["model_config"])


@pytest.mark.parametrize("name", ["m.h5", "m.keras"])
def test_functional_round_trip_predicts_and_trains_the_same(tmp_path, name):
    m = _model(1)
    m.fit(X, Y, epochs=1, verbose=0)
    want = m.predict(X)
    path = str(tmp_path / name)
    m.save(path)
    m.train_on_batch(X, Y)                        # the step the reloaded model must repeat
    want_after = m.get_weights()

    cfg = _config(path)
    keras3 = name.endswith(".keras")
    assert cfg["class_name"] == ("Functional" if keras3 else "Model")
    c = cfg["config"]
    recs = {r["name"]: r for r in c["layers"]}
    assert set(recs) == {"a", "b", "from_b", "cat", "mix", "shared", "sum", "side"}
    assert c["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert c["output_layers"] == [["sum", 0, 0], ["side", 0, 0]]
    assert recs["a"]["class_name"] == "InputLayer" and recs["a"]["inbound_nodes"] == []
    assert recs["a"]["config"]["batch_shape" if keras3 else "batch_input_shape"] == [None, 3]
    assert recs["shared"]["config"]["units"] == 4
    assert recs["cat"]["config"]["axis"] == -1
    shared_nodes = recs["shared"]["inbound_nodes"]               # two calls of one layer
    sum_node = recs["sum"]["inbound_nodes"][0]
    if keras3:
        assert [n["args"][0]["config"]["keras_history"] for n in shared_nodes] == \
            [["mix", 0, 0], ["a", 0, 0]]
        assert [t["config"]["keras_history"] for t in sum_node["args"][0]] == \
            [["shared", 0, 0], ["shared", 1, 0]]
        assert sum_node["args"][0][0]["config"]["shape"] == [None, 4]
    else:
        assert shared_nodes == [[["mix", 0, 0, {}]], [["a", 0, 0, {}]]]
        assert sum_node == [["shared", 0, 0, {}], ["shared", 1, 0, {}]]

    _fresh(2)
    back = keras.models.load_model(path)
    assert [ly.name for ly in back.layers] == [ly.name for ly in m.layers]
    for g, w in zip(back.predict(X), want):
        np.testing.assert_array_equal(g, w)
    assert type(back.optimizer).__name__ == "SGD"
    assert back.metrics_names == m.metrics_names
    back.train_on_batch(X, Y)
    for g, w in zip(back.get_weights(), want_after):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)


def test_shared_layer_node_indices_count_this_models_calls_only(tmp_path):
    """A layer called first for another model: Keras re-indexes its nodes per model."""
    _fresh(3)
    enc = L.Dense(2, name="enc")
    p = keras.Input((3,), name="p")
    keras.models.Model(p, enc(p))                                 # enc's node 0
    q, r = keras.Input((3,), name="q"), keras.Input((3,), name="r")
    m = keras.models.Model([q, r], L.Subtract(name="diff")([enc(q), enc(r)]))   # nodes 1, 2
    m.compile(optimizer="sgd", loss="mse")
    xs = [X[0], X[0][::-1].copy()]
    want = m.predict(xs)
    m.save(str(tmp_path / "m.h5"))
    recs = {rec["name"]: rec for rec in _config(str(tmp_path / "m.h5"))["config"]["layers"]}
    assert recs["enc"]["inbound_nodes"] == [[["q", 0, 0, {}]], [["r", 0, 0, {}]]]
    assert recs["diff"]["inbound_nodes"] == [[["enc", 0, 0, {}], ["enc", 1, 0, {}]]]
    assert "p" not in recs
    _fresh()
    back = keras.models.load_model(str(tmp_path / "m.h5"))
    np.testing.assert_array_equal(back.predict(xs), want)


def _write_h5(path, cfg: dict, weights: dict | None = None) -> None:
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(cfg).encode()
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([n.encode() for n in (weights or {})], dtype="S")
        for n, vals in (weights or {}).items():
            lg = g.create_group(n)
            lg.attrs["weight_names"] = np.array([f"{n}/w{i}".encode() for i in range(len(vals))],
                                                dtype="S")
            for i, v in enumerate(vals):
                lg.create_dataset(f"{n}/w{i}", data=v)


def _functional(layers, inputs, outputs) -> dict:
    return {"class_name": "Model", "config": {"name": "m", "layers": layers,
                                              "input_layers": inputs, "output_layers": outputs}}


_IN = {"name": "x", "class_name": "InputLayer", "inbound_nodes": [],
       "config": {"batch_input_shape": [None, 3], "dtype": "float32", "name": "x"}}


def _dense(name, src, units=2):
    return {"name": name, "class_name": "Dense", "config": {"name": name, "units": units},
            "inbound_nodes": [[[src, 0, 0, {}]]]}


def _siamese(seed: int = 0):
    """A functional model used as a layer three times (a shared encoder)."""
    _fresh(seed)
    x = keras.Input((3,), name="x")
    enc = keras.models.Model(x, L.Dense(2, name="d_in")(L.Dense(4, activation="tanh",
                                                               name="d0")(x)), name="enc")
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    diff = L.Subtract(name="diff")([enc(a), enc(b)])
    m = keras.models.Model([a, b], [L.Dense(1, name="head")(diff), enc(a)], name="siamese")
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    return m


@pytest.mark.parametrize("name", ["m.h5", "m.keras"])
def test_nested_functional_model_round_trip(tmp_path, name):
    m = _siamese(6)
    xs = [X[0], X[0][::-1].copy()]
    want = m.predict(xs)
    path = str(tmp_path / name)
    m.save(path)
    c = _config(path)["config"]
    recs = {r["name"]: r for r in c["layers"]}
    assert recs["enc"]["class_name"] == ("Functional" if name.endswith(".keras") else "Model")
    assert [r["name"] for r in recs["enc"]["config"]["layers"]] == ["x", "d0", "d_in"]
    if name.endswith(".keras"):         # Keras 3 numbers the calls of a nested model from 0 ...
        assert [t["config"]["keras_history"] for t in
                recs["diff"]["inbound_nodes"][0]["args"][0]] == [["enc", 0, 0], ["enc", 1, 0]]
    else:                               # ... Keras 2 from 1 (node 0 is the model's own)
        assert recs["diff"]["inbound_nodes"] == [[["enc", 1, 0, {}], ["enc", 2, 0, {}]]]
    assert c["output_layers"] == [["head", 0, 0], ["enc", 3, 0]]       # from 1 in both
    _fresh()
    back = keras.models.load_model(path)
    for g, w in zip(back.predict(xs), want):
        np.testing.assert_array_equal(g, w)
    back.fit(xs, [np.zeros((5, 1), np.float32), np.zeros((5, 2), np.float32)], epochs=1,
             verbose=0)


def test_saving_refuses_lambda(tmp_path):
    _fresh()
    x = keras.Input((3,))
    m = keras.models.Model(x, L.Lambda(lambda t: t * 2.0, name="twice")(L.Dense(2)(x)))
    with pytest.raises(NotImplementedError, match="layer 'twice' is a Lambda layer.*"
                                                  "save_weights"):
        m.save(str(tmp_path / "lam.h5"))
    assert not (tmp_path / "lam.h5").exists()


@pytest.mark.parametrize("layers, inputs, outputs, match", [
    ([_IN, {"name": "f", "class_name": "Lambda", "config": {"function": "os.system"},
            "inbound_nodes": [[["x", 0, 0, {}]]]}],
     [["x", 0, 0]], [["f", 0, 0]], ("layer 'f' is a Lambda layer; rebuilding it would run "
                                    "Python code from the file")),
    ([_IN, _dense("d", "nowhere")], [["x", 0, 0]], [["d", 0, 0]],
     "layer 'd' reads layer 'nowhere', which the model does not have"),
    ([_IN, _dense("d", "e"), _dense("e", "d")], [["x", 0, 0]], [["e", 0, 0]],
     "loops or disconnected nodes; unresolved: d, e"),
    ([_IN, _dense("d", "x")], [["x", 0, 0]], [["d", 3, 0]],
     "output_layers reads a layer call that does not exist"),
    ([_IN, _dense("d", "x"), _dense("d", "x")], [["x", 0, 0]], [["d", 0, 0]],
     "layer name 'd' is missing or repeated"),
    ([{**_IN, "config": {**_IN["config"], "dtype": "object"}}], [["x", 0, 0]], [["x", 0, 0]],
     "input 'x' has unsupported dtype 'object'"),
    ([{**_IN, "config": {**_IN["config"], "batch_input_shape": [None, -3]}}], [["x", 0, 0]],
     [["x", 0, 0]], "input 'x'.* malformed shape"),
])
def test_malformed_functional_files_are_refused(tmp_path, layers, inputs, outputs, match):
    _fresh()
    _write_h5(tmp_path / "bad.h5", _functional(layers, inputs, outputs))
    with pytest.raises(KerasFileError, match=match):
        keras.models.load_model(str(tmp_path / "bad.h5"))


def test_missing_or_misshapen_weights_are_refused(tmp_path):
    _fresh()
    cfg = _functional([_IN, _dense("d", "x"), _dense("e", "d", 1)], [["x", 0, 0]],
                      [["e", 0, 0]])
    _write_h5(tmp_path / "w.h5", cfg, {"d": [np.ones((3, 2), np.float32),
                                             np.zeros(2, np.float32)]})
    with pytest.raises(KerasFileError, match="the file has no weights for layer 'e'"):
        keras.models.load_model(str(tmp_path / "w.h5"))
    _fresh()
    _write_h5(tmp_path / "s.h5", cfg, {"d": [np.ones((3, 5), np.float32),
                                             np.zeros(2, np.float32)],
                                       "e": [np.ones((2, 1), np.float32),
                                             np.zeros(1, np.float32)]})
    with pytest.raises(KerasFileError, match="has shape \\(3, 2\\), the file has \\(3, 5\\)"):
        keras.models.load_model(str(tmp_path / "s.h5"))


_REAL_KERAS = r"""
import sys
import numpy as np
import keras
d = sys.argv[1]
X = [np.load(d + "/x0.npy"), np.load(d + "/x1.npy")]
W = [np.load(d + "/w0.npy"), np.load(d + "/w1.npy")]
def close(m):
    return all(np.allclose(o, w, rtol=1e-5, atol=1e-6)
               for o, w in zip(m.predict(X, verbose=0), W))
m = keras.models.load_model(d + "/m.keras")
print("keras", close(m), type(m.optimizer).__name__, m.loss == ["mse", "mae"],
      sorted(ly.name for ly in m.layers) == ["a", "b", "cat", "from_b", "mix", "shared",
                                             "side", "sum"])
print("h5", close(keras.models.load_model(d + "/m.h5", compile=False)))
# a functional model made by Keras, for dlcore to read
a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
sh = keras.layers.Dense(4, activation="tanh", name="sh")
c = keras.layers.Concatenate()([a, keras.layers.Dense(3)(b)])
out = keras.layers.Multiply()([sh(keras.layers.Dense(3)(c)), sh(a)])
k = keras.Model([a, b], [out, keras.layers.Dense(1)(c)])
k.compile(optimizer=keras.optimizers.SGD(0.1), loss=["mse", "mse"])
k.save(d + "/k.keras")
k.save(d + "/k.h5")
for i, o in enumerate(k.predict(X, verbose=0)):
    np.save(d + f"/k{i}.npy", o)
# nested: dlcore's siamese model in Keras, and Keras's nested model for dlcore
S = [np.load(d + "/s0.npy"), np.load(d + "/s1.npy")]
s = keras.models.load_model(d + "/s.keras", compile=False)
print("nested", all(np.allclose(o, np.load(d + f"/sw{i}.npy"), rtol=1e-5, atol=1e-6)
                    for i, o in enumerate(s.predict(S, verbose=0))))
x = keras.Input((3,), name="x")
enc = keras.Model(x, keras.layers.Dense(2)(keras.layers.Dense(4)(x)), name="enc")
p, q = keras.Input((3,), name="p"), keras.Input((3,), name="q")
n = keras.Model([p, q], keras.layers.Dense(1)(keras.layers.Subtract()([enc(p), enc(q)])))
n.save(d + "/n.keras")
n.save(d + "/n.h5")
np.save(d + "/n0.npy", n.predict(S, verbose=0))
"""


def test_real_keras3_reads_and_writes_functional_files(tmp_path):
    from real_keras import keras3, run_script  # tests/io/real_keras.py
    keras3()
    m = _model(5)
    for i, (x, w) in enumerate(zip(X, m.predict(X))):
        np.save(tmp_path / f"x{i}.npy", x)
        np.save(tmp_path / f"w{i}.npy", w)
    m.save(str(tmp_path / "m.keras"))
    m.save(str(tmp_path / "m.h5"))
    s = _siamese(7)
    xs = [X[0], X[0][::-1].copy()]
    for i, (x, w) in enumerate(zip(xs, s.predict(xs))):
        np.save(tmp_path / f"s{i}.npy", x)
        np.save(tmp_path / f"sw{i}.npy", w)
    s.save(str(tmp_path / "s.keras"))
    printed = run_script(_REAL_KERAS, tmp_path)      # Keras 3's NumPy backend: no TF needed
    assert printed.split() == ["keras", "True", "SGD", "True", "True", "h5", "True",
                               "nested", "True"]
    want = [np.load(tmp_path / "k0.npy"), np.load(tmp_path / "k1.npy")]
    for name in ("k.keras", "k.h5"):                   # Keras's files, read by dlcore
        _fresh()
        back = keras.models.load_model(str(tmp_path / name), compile=name == "k.keras")
        for g, w in zip(back.predict(X), want):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    for name in ("n.keras", "n.h5"):                   # Keras's nested model
        _fresh()
        back = keras.models.load_model(str(tmp_path / name), compile=False)
        np.testing.assert_allclose(back.predict(xs), np.load(tmp_path / "n0.npy"), rtol=1e-5,
                                   atol=1e-6)
    back = keras.models.load_model(str(tmp_path / "k.keras"))
    assert type(back.optimizer).__name__ == "SGD"
    back.train_on_batch(X, [np.zeros((5, 4), np.float32), np.zeros((5, 1), np.float32)])
