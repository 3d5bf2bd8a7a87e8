"""Operators and ops between layers in functional models (``x + y``, ``x * mask``, ``x[:, 0]``,
``-x``, ``x @ w``, ``keras.ops.mean``, ``tf.reduce_mean``): operation nodes as Keras 3 records
them (``add (Add)`` in the summary, left out of ``model.layers``), trained through, saved as data
(primitive names, parameters and constants) and rebuilt from it, called on new tensors."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from dlcore_static.keras import layers
from tests.io.real_keras import keras3 as _real_keras3


@pytest.fixture(autouse=True)
def fresh():
    K.clear_session()
    yield
    K.clear_session()


@pytest.fixture(scope="module")
def keras3():
    return _real_keras3()       # (Keras 3 on the NumPy backend, or the test is skipped)


def _ops_model(k):
    x = k.Input((5, 4))
    y = k.layers.Dense(2)(x + x)
    outs = [y[:, 0, :], k.ops.mean(y, axis=1), -y, y * 2, y @ k.ops.ones((2, 3)), 1 - y, y / 2]
    return k.Model(x, outs)


def _text(model) -> str:
    got: list = []
    model.summary(print_fn=got.append)
    return "\n".join(got)


X = np.random.RandomState(0).randn(3, 5, 4).astype("float32")


def _numpy_outputs(model, x):
    w, b = model.get_weights()
    y = (x + x) @ w + b
    return [y[:, 0, :], y.mean(axis=1), -y, y * 2, y @ np.ones((2, 3), "float32"), 1 - y, y / 2]


def test_operators_build_nodes_with_keras3_names():
    m = _ops_model(keras)
    assert [ly.name for ly in m.layers] == ["input_layer", "dense"]     # (Keras 3: ops left out)
    rows = [(ly.name, ly.op_class) for ly in m._summary_layers() if hasattr(ly, "op_class")]
    assert rows == [("add", "Add"), ("get_item", "GetItem"), ("mean", "Mean"),
                    ("negative", "Negative"), ("multiply", "Multiply"), ("matmul", "Matmul"),
                    ("subtract", "Subtract"), ("true_divide", "TrueDivide")]
    for got, want in zip(m.predict(X, verbose=0), _numpy_outputs(m, X)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_summary_text_is_keras3s(keras3, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    mine = _ops_model(keras)
    keras3.backend.clear_session()
    ref = _ops_model(keras3)
    assert _text(mine) == _text(ref)
    ref.set_weights(mine.get_weights())
    for got, want in zip(mine.predict(X, verbose=0), ref.predict(X, verbose=0)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def _keras_ops_model(k):
    ops = k.ops
    x = k.Input((5, 4))
    return k.Model(x, [ops.abs(x), ops.clip(x, -1, 1), ops.one_hot(ops.argmax(x, axis=-1), 4),
                       ops.log_softmax(x), ops.square(x), ops.where(x > 0, x, 0.0),
                       ops.divide(x, 2.0), ops.expand_dims(x, 1), ops.add(x, x), ops.relu(x),
                       ops.concatenate([x, x], axis=1), ops.stack([x, x], axis=1),
                       ops.max(x, axis=1), ops.sum(x, axis=-1, keepdims=True)])


def test_keras_ops_calls_are_keras3s_operations(keras3):
    mine = _keras_ops_model(keras)
    keras3.backend.clear_session()
    ref = _keras_ops_model(keras3)
    assert [(ly.name, getattr(ly, "op_class", type(ly).__name__))
            for ly in mine._summary_layers()] == \
        [(op.name, type(op).__name__) for op in ref._operations]
    for g, w in zip(mine.predict(X, verbose=0), ref.predict(X, verbose=0)):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_tf_functions_on_keras_tensors_are_one_node_each():
    x = keras.Input((5, 4))
    h = layers.Dense(3)(x)
    out = layers.Dense(1)(tf.reduce_mean(h, 1) + tf.reduce_sum(h, axis=1))
    m = keras.Model(x, out)
    classes = [getattr(ly, "op_class", type(ly).__name__) for ly in m._summary_layers()]
    assert classes == ["InputLayer", "Dense", "Mean", "Sum", "Add", "Dense"]
    w1, b1, w2, b2 = m.get_weights()
    hh = X @ w1 + b1
    np.testing.assert_allclose(m.predict(X, verbose=0),
                               (hh.mean(1) + hh.sum(1)) @ w2 + b2, rtol=1e-5, atol=1e-5)


def test_several_inputs_and_outputs_with_a_mask_multiply():
    seq, mask = keras.Input((4, 3), name="seq"), keras.Input((4,), name="mask")
    h = layers.Dense(2, name="proj")(seq) * mask[:, :, None]
    pooled = keras.ops.sum(h, axis=1)
    m = keras.Model([seq, mask], [pooled, layers.Dense(1, name="head")(pooled + 1.0)])
    assert [ly.name for ly in m.layers] == ["seq", "mask", "proj", "head"]
    rng = np.random.RandomState(1)
    xs, xm = rng.randn(6, 4, 3).astype("float32"), (rng.rand(6, 4) > 0.5).astype("float32")
    w, b, w2, b2 = m.get_weights()
    want = ((xs @ w + b) * xm[:, :, None]).sum(1)
    got = m.predict([xs, xm], verbose=0)
    np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got[1], (want + 1) @ w2 + b2, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_save_and_load_round_trip(tmp_path, suffix):
    m = _ops_model(keras)
    want = m.predict(X, verbose=0)
    path = str(tmp_path / ("m" + suffix))
    m.save(path)
    before = _text(m)
    K.clear_session()
    back = keras.models.load_model(path)
    assert _text(back) == before
    for g, w in zip(back.predict(X, verbose=0), want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
    if suffix == ".keras":                      # Keras 3's records of its operations
        with zipfile.ZipFile(path) as z:
            cfg = json.loads(z.read("config.json"))
        rec = next(r for r in cfg["config"]["layers"] if r["name"] == "get_item")
        assert (rec["module"], rec["class_name"]) == ("keras.src.ops.numpy", "GetItem")
        slc = {"class_name": "__slice__", "config": {"start": None, "stop": None, "step": None}}
        assert rec["inbound_nodes"][0]["args"][1] == [slc, 0, slc]
        rec = next(r for r in cfg["config"]["layers"] if r["name"] == "mean")
        assert rec["config"] == {"name": "mean", "axis": 1, "keepdims": False}


def test_ops_keras3_has_no_record_for_are_saved_as_data(tmp_path):
    x = keras.Input((5, 4))
    m = keras.Model(x, tf.nn.l2_normalize(layers.Dense(2)(x), -1))
    want = m.predict(X, verbose=0)
    m.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(str(tmp_path / "m.keras")) as z:
        cfg = json.loads(z.read("config.json"))
    rec = cfg["config"]["layers"][-1]
    assert rec["class_name"] == "OpLayer" and rec["module"] == "dlcore_static.keras"
    assert [st[0] for st in rec["config"]["program"]["steps"]][-1] == "mul"
    K.clear_session()
    np.testing.assert_allclose(keras.models.load_model(str(tmp_path / "m.keras"))
                               .predict(X, verbose=0), want, rtol=1e-6, atol=1e-6)


def _tampered(tmp_path, change):
    x = keras.Input((5, 4))
    m = keras.Model(x, tf.reduce_mean(layers.Dense(2)(x), 1))
    path = str(tmp_path / "m.keras")
    m.save(path)
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    cfg = json.loads(items["config.json"])
    rec = next(r for r in cfg["config"]["layers"] if r["name"] == "mean")
    change(rec["config"]["program"])
    items["config.json"] = json.dumps(cfg).encode()
    bad = str(tmp_path / "bad.keras")
    with zipfile.ZipFile(bad, "w") as z:
        for n, data in items.items():
            z.writestr(n, data)
    return bad


@pytest.mark.parametrize("change", [
    lambda p: p["steps"][0].__setitem__(0, "os.system"),         # not a primitive
    lambda p: p["steps"][1][2].__setitem__(0, ["step", 1, 0]),    # reads itself
    lambda p: p["steps"][0][2].__setitem__(0, ["in", 7]),         # no such input
    lambda p: p.__setitem__("steps", "add"),
])
def test_a_malformed_program_is_refused(tmp_path, change):
    bad = _tampered(tmp_path, change)
    K.clear_session()
    with pytest.raises(ValueError, match="operation node 'mean' has a malformed program"):
        keras.models.load_model(bad)


def test_model_called_on_new_tensors_and_cloned():
    m = _ops_model(keras)
    want = m.predict(X, verbose=0)
    x2 = keras.Input((5, 4))
    outer = keras.Model(x2, m(x2))
    for g, w in zip(outer.predict(X, verbose=0), want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
    clone = keras.models.clone_model(m)
    clone.set_weights(m.get_weights())
    for g, w in zip(clone.predict(X, verbose=0), want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)


def _residual(use_operator: bool):
    x = keras.Input((6,))
    h = layers.Dense(6, activation="tanh", name="d1")(x)
    h = layers.Dense(6, activation="tanh", name="d2")(h)
    r = h + x if use_operator else layers.add([h, x])
    return keras.Model(x, layers.Dense(1, name="out")(r * r))


def test_gradients_through_operator_nodes_match_layers_and_differences():
    rng = np.random.RandomState(2)
    xb, yb = rng.randn(8, 6).astype("float32"), rng.randn(8, 1).astype("float32")
    a = _residual(True)
    b = _residual(False)
    b.set_weights(a.get_weights())
    w0 = [w.astype("float64") for w in a.get_weights()]
    for m in (a, b):
        m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        m.train_on_batch(xb, yb)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-7)

    def loss(ws):                           # in float64, by NumPy
        h = np.tanh(xb @ ws[0] + ws[1])
        h = np.tanh(h @ ws[2] + ws[3]) + xb
        return np.mean(((h * h) @ ws[4] + ws[5] - yb) ** 2)
    step = [(u - v) / 0.1 for u, v in zip(w0, a.get_weights())]
    for i in range(len(w0)):
        for j in range(min(4, w0[i].size)):
            up = [w.copy() for w in w0]
            up[i].flat[j] += 1e-5
            down = [w.copy() for w in w0]
            down[i].flat[j] -= 1e-5
            numeric = (loss(up) - loss(down)) / 2e-5
            assert step[i].flat[j] == pytest.approx(numeric, rel=1e-3, abs=1e-5)


def test_values_computed_from_constants_join_the_node_that_reads_them(tmp_path):
    x = keras.Input((5, 4))
    h = layers.Dense(4)(x)
    m = keras.Model(x, [h + tf.cast(tf.range(4), tf.float32) * 0.5,
                        keras.ops.add(h, tf.ones_like(tf.range(4.0)))])
    assert [ly.name for ly in m._summary_layers()] == ["input_layer", "dense", "add", "add_1"]
    w, b = m.get_weights()
    hh = X @ w + b
    want = [hh + np.arange(4) * 0.5, hh + 1]
    for g, v in zip(m.predict(X, verbose=0), want):
        np.testing.assert_allclose(g, v, rtol=1e-5, atol=1e-6)
    m.save(str(tmp_path / "c.keras"))
    K.clear_session()
    back = keras.models.load_model(str(tmp_path / "c.keras"))
    for g, v in zip(back.predict(X, verbose=0), want):
        np.testing.assert_allclose(g, v, rtol=1e-5, atol=1e-6)


def test_names_must_be_unique_as_in_keras3():
    x = keras.Input((3,))
    y = layers.Dense(2, name="add")(x)
    with pytest.raises(ValueError, match='The name "add" is used 2 times in the model. All '
                                         "operation names should be unique."):
        keras.Model(x, y + y)


def test_an_op_on_a_tensor_from_outside_the_model_is_still_refused():
    x = keras.Input((3,))
    p = tf.placeholder(tf.float32, (None, 3))
    with pytest.raises(ValueError, match="Output tensors to a Model must be the output of a "
                                         "Keras `Layer`"):
        keras.Model(x, layers.Dense(1)(x + p))


def test_subclassed_model_with_tf_ops_keeps_running_call():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, inputs):
            return tf.nn.relu(self.d(inputs)) + 1.0

    net = Net()
    net.build((None, 3))
    assert getattr(net, "_raw_call", False)
    assert [ly.name for ly in net.layers] == [net.d.name]


def _k3_ops_file_model(k):
    x = k.Input((5, 4))
    y = k.layers.Dense(2)(x + x)
    return k.Model(x, [y[:, 0, :], k.ops.mean(y, axis=1), -y, y * 2, 1 - y, y / 2,
                       y[..., None], k.ops.sum(y, axis=-1, keepdims=True),
                       y @ np.ones((2, 3), "float32")])


def test_keras3_files_with_operation_nodes_load_and_save_back(keras3, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    keras3.backend.clear_session()
    ref = _k3_ops_file_model(keras3)
    ref.save(str(tmp_path / "k3.keras"))
    want = ref.predict(X, verbose=0)
    mine = keras.models.load_model(str(tmp_path / "k3.keras"))
    assert _text(mine) == _text(ref)
    for g, w in zip(mine.predict(X, verbose=0), want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    mine.save(str(tmp_path / "back.keras"))                # Keras 3's records, as read
    again = keras3.models.load_model(str(tmp_path / "back.keras"))
    for g, w in zip(again.predict(X, verbose=0), want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
    with pytest.raises(NotImplementedError, match="came from a Keras 3 file; save the model "
                                                  "as .keras"):
        mine.save(str(tmp_path / "back.h5"))


def test_keras3_loads_dlcore_files_with_operation_nodes(keras3, tmp_path):
    m = _keras_ops_model(keras)
    want = m.predict(X, verbose=0)
    m.save(str(tmp_path / "dl.keras"))
    keras3.backend.clear_session()
    ref = keras3.models.load_model(str(tmp_path / "dl.keras"))
    for g, w in zip(ref.predict(X, verbose=0), want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
    m2 = _ops_model(keras)              # (y @ a constant array: a __tensor__ argument)
    want = m2.predict(X, verbose=0)
    m2.save(str(tmp_path / "dl2.keras"))
    ref = keras3.models.load_model(str(tmp_path / "dl2.keras"))
    for g, w in zip(ref.predict(X, verbose=0), want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("change, message", [
    (lambda r: r.update(class_name="ElasticTransform"), "Keras 3 operation "
                                                        "'ElasticTransform' is not one dlcore "
                                                        "rebuilds"),
    (lambda r: r["config"].update(axis=1, weights="x"), "Keras 3 operation Add has settings "
                                                         "dlcore does not rebuild: axis, "
                                                         "weights"),
])
def test_unknown_keras3_operations_are_refused(tmp_path, change, message):
    x = keras.Input((3,))
    m = keras.Model(x, layers.Dense(2)(x) + 1.0)
    m.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(str(tmp_path / "m.keras")) as z:
        items = {n: z.read(n) for n in z.namelist()}
    cfg = json.loads(items["config.json"])
    rec = next(r for r in cfg["config"]["layers"] if r["name"] == "add")
    dense = cfg["config"]["layers"][1]["inbound_nodes"][0]["args"][0]
    tensor = {"class_name": "__keras_tensor__", "config": {
        "shape": [None, 2], "dtype": "float32", "keras_history": ["dense", 0, 0]}}
    assert dense["config"]["keras_history"][0] == "input_layer"
    rec.update(module="keras.src.ops.numpy", class_name="Add", config={"name": "add"},
               registered_name="Add", inbound_nodes=[{"args": [tensor, 1.0], "kwargs": {}}])
    change(rec)
    items["config.json"] = json.dumps(cfg).encode()
    with zipfile.ZipFile(str(tmp_path / "bad.keras"), "w") as z:
        for n, data in items.items():
            z.writestr(n, data)
    with pytest.raises(ValueError, match=message):
        keras.models.load_model(str(tmp_path / "bad.keras"))
