"""A functional model with operations between layers saved to ``.h5`` by tf.keras 2 (its
``TFOpLambda`` and ``SlicingOpLambda`` layers: ``h * 2.0``, ``y + h``, ``tf.reduce_mean(z, 1,
keepdims=True)``, ``z[:, 1:]``, ``tf.concat([m, s], axis=1)``), read by ``load_model``: the
file's records are written here as tf.keras 2.x writes them (function's public name, first
argument as the node, the others as keyword arguments beside it, tensors as ``[layer, node,
index]``), the weights by layer name; the outputs are checked against NumPy, the model saved
again to ``.h5`` and read back; a function outside the allowed list is refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import backend as K

h5py = pytest.importorskip("h5py")


@pytest.fixture(autouse=True)
def fresh():
    K.clear_session()
    yield
    K.clear_session()


def _op(cls, name, fn, node):
    return {"class_name": cls, "config": {"name": name, "trainable": True, "dtype": "float32",
                                          "function": fn},
            "name": name, "inbound_nodes": [node]}


OPS = [
    _op("TFOpLambda", "tf.math.multiply", "math.multiply",
        ["dense", 0, 0, {"y": 2.0, "name": None}]),
    _op("TFOpLambda", "tf.__operators__.add", "__operators__.add",
        ["tf.math.multiply", 0, 0, {"y": ["dense", 0, 0], "name": None}]),
    _op("TFOpLambda", "tf.math.reduce_mean", "math.reduce_mean",
        ["tf.__operators__.add", 0, 0, {"axis": 1, "keepdims": True}]),
    _op("SlicingOpLambda", "tf.__operators__.getitem", "__operators__.getitem",
        ["tf.__operators__.add", 0, 0, {"slice_spec": [
            {"start": None, "stop": None, "step": None},
            {"start": 1, "stop": None, "step": None}]}]),
    _op("TFOpLambda", "tf.concat", "concat",
        [["tf.math.reduce_mean", 0, 0, {"axis": 1, "name": None}],
         ["tf.__operators__.getitem", 0, 0, {"axis": 1, "name": None}]]),
]


def _tf2_file(path, ops=OPS):
    """Two Dense layers saved by dlcore, their configuration then given tf.keras 2's operation
    layers between them (and the empty weight groups tf.keras 2 writes for them)."""
    inp = keras.Input((4,), name="input_1")
    h = keras.layers.Dense(3, name="dense")(inp)
    out = keras.layers.Dense(1, name="dense_1")(h)
    m = keras.Model(inp, out)
    m.save(path)
    with h5py.File(path, "r+") as f:
        cfg = json.loads(f.attrs["model_config"])
        layers = cfg["config"]["layers"]
        layers[2]["inbound_nodes"] = [[["tf.concat", 0, 0, {}]]]
        cfg["config"]["layers"] = layers[:2] + ops + layers[2:]
        f.attrs["model_config"] = json.dumps(cfg).encode()
        g = f["model_weights"]
        for rec in ops:
            g.create_group(rec["name"]).attrs["weight_names"] = np.array([], dtype="S")
        names = [n.decode() for n in g.attrs["layer_names"]]
        k = names.index("dense") + 1
        g.attrs["layer_names"] = np.array([n.encode() for n in (
            names[:k] + [r["name"] for r in ops] + names[k:])], dtype="S")
    return m.get_weights()


def _want(x, w):
    h = x @ w[0] + w[1]
    z = h * 2.0 + h
    c = np.concatenate([z.mean(axis=1, keepdims=True), z[:, 1:]], axis=1)
    return c @ w[2] + w[3]


X = np.random.RandomState(0).randn(5, 4).astype("float32")


def test_tf2_op_layers_are_read(tmp_path):
    w = _tf2_file(tmp_path / "tf2.h5")
    K.clear_session()
    m = keras.models.load_model(tmp_path / "tf2.h5")
    assert [ly.name for ly in m.layers] == ["input_1", "dense"] + [r["name"] for r in OPS] + \
        ["dense_1"]
    assert type(m.layers[3]).__name__ == "TFOpLambda"
    np.testing.assert_allclose(m.predict(X, verbose=0), _want(X, w), rtol=1e-5, atol=1e-5)
    got: list = []
    m.summary(print_fn=got.append)
    text = "\n".join(got)
    assert "tf.math.multiply    │" in text and "(TFOpLambda)" in text and \
        "(SlicingOpLambda)" in text
    # saved again as .h5: the same records, read back
    m.save(tmp_path / "again.h5")
    with h5py.File(tmp_path / "again.h5", "r") as f:
        recs = json.loads(f.attrs["model_config"])["config"]["layers"]
    assert [r["inbound_nodes"] for r in recs[2:7]] == [
        [[*r["inbound_nodes"][0][:3], {k: v for k, v in r["inbound_nodes"][0][3].items()
                                       if k != "name"}]] if isinstance(r["inbound_nodes"][0][0],
                                                                       str) else
        [[[*n[:3], {"axis": 1}] for n in r["inbound_nodes"][0]]] for r in OPS]
    K.clear_session()
    again = keras.models.load_model(tmp_path / "again.h5")
    np.testing.assert_allclose(again.predict(X, verbose=0), _want(X, w), rtol=1e-5, atol=1e-5)
    with pytest.raises(NotImplementedError, match="TFOpLambda"):
        again.save(tmp_path / "again.keras")


def test_function_outside_the_list_is_refused(tmp_path):
    bad = [_op("TFOpLambda", "tf.io.read_file", "io.read_file",
               ["dense", 0, 0, {"name": None}])]
    _tf2_file(tmp_path / "bad.h5", bad)
    K.clear_session()
    with pytest.raises(Exception, match="io.read_file.*not one dlcore rebuilds"):
        keras.models.load_model(tmp_path / "bad.h5")


def _ending_in_concat(op):
    """``op`` (on dense's output, 3 wide) then the one-input ``tf.concat`` dense_1 reads."""
    return [op, _op("TFOpLambda", "tf.concat", "concat", [[op["name"], 0, 0, {"axis": 1}]])]


def test_tf2_ellipsis_in_a_slice_spec_is_read(tmp_path):
    # tf.keras 2's json encoder writes ... as {"class_name": "__ellipsis__"}
    spec = [{"class_name": "__ellipsis__"}, {"start": 0, "stop": 3, "step": None}]
    ops = _ending_in_concat(_op("SlicingOpLambda", "tf.__operators__.getitem",
                                "__operators__.getitem", ["dense", 0, 0, {"slice_spec": spec}]))
    w = _tf2_file(tmp_path / "e.h5", ops)
    K.clear_session()
    m = keras.models.load_model(tmp_path / "e.h5")
    want = (X @ w[0] + w[1]) @ w[2] + w[3]
    np.testing.assert_allclose(m.predict(X, verbose=0), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("node", [[5], [["dense", 0, 0], 7], []])
def test_tf2_malformed_node_is_a_keras_file_error(tmp_path, node):
    from dlcore_static.keras._files import KerasFileError
    _tf2_file(tmp_path / "b.h5", _ending_in_concat(
        _op("TFOpLambda", "tf.math.multiply", "math.multiply", node)))
    K.clear_session()
    with pytest.raises(KerasFileError, match="(malformed|empty) inbound node"):
        keras.models.load_model(tmp_path / "b.h5")
