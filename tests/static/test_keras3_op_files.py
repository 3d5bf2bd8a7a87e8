"""Keras 3 ``.keras`` files whose functional graph calls ``keras.ops`` (``ops.erf``,
``ops.cumsum(axis=1)``, ``ops.einsum``, ``ops.take`` with a constant index...): real Keras 3
(NumPy backend) saves the model, dlcore loads it and predicts the same, and the file dlcore
writes back loads in Keras 3 with the same predictions."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import _keras3_ops
from tests.io.real_keras import keras3 as _real_keras3

X = np.random.default_rng(0).uniform(0.1, 0.9, (3, 4, 5)).astype("float32")

# (every Keras 3 operation of one input and no settings: the unary elementwise ones)
UNARY = ["Absolute", "Arccos", "Arccosh", "Arcsin", "Arcsinh", "Arctan", "Arctanh", "Cbrt",
         "Ceil", "Copy", "Cos", "Cosh", "Deg2rad", "Erf", "Erfc", "Exp", "Exp2", "Expm1", "Fabs",
         "Floor", "HardSigmoid", "HardSilu", "HardTanh", "Isfinite", "Isinf", "Isnan",
         "Isneginf", "Isposinf", "Log", "Log10", "Log1p", "Log2", "LogSigmoid", "Negative",
         "Rad2deg", "Reciprocal", "Relu", "Relu6", "Rsqrt", "Selu", "Sigmoid", "Sign",
         "Signbit", "Silu", "Sin", "Sinc", "Sinh", "Softplus", "Softsign", "SparsePlus",
         "SparseSigmoid", "Sqrt", "Square", "Tan", "Tanh", "TanhShrink", "Trunc", "Ravel",
         "Fliplr", "Flipud"]


@pytest.fixture(scope="module")
def k3():
    return _real_keras3()


def _roundtrip(k3, tmp_path, build, x=X):
    k3.backend.clear_session()
    inp = k3.Input(x.shape[1:])
    ref = k3.Model(inp, build(k3.ops, inp))
    ref.save(str(tmp_path / "k3.keras"))
    want = ref.predict(x, verbose=0)
    mine = keras.models.load_model(str(tmp_path / "k3.keras"))
    got = mine.predict(x, verbose=0)
    want = want if isinstance(want, list) else [want]
    got = got if isinstance(got, list) else [got]
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert (i, g.shape, g.dtype) == (i, w.shape, w.dtype)
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6, err_msg=f"output {i}")
    mine.save(str(tmp_path / "back.keras"))           # (Keras 3's records, as read)
    again = k3.models.load_model(str(tmp_path / "back.keras"))
    back = again.predict(x, verbose=0)
    for g, w in zip(back if isinstance(back, list) else [back], want):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)
    return mine


def test_the_table_covers_the_operations_keras3_names(k3):
    import keras.src.ops as kops
    for cls in UNARY:
        assert cls in _keras3_ops._TABLE
        mod = _keras3_ops._MODULES[cls]
        assert getattr(kops, mod.split(".")[-1]).__dict__.get(cls) is not None, cls
    assert len(_keras3_ops._TABLE) > 270


def test_unary_operations_load(k3, tmp_path):
    fns = [_keras3_ops._CLASSES[cls][1] for cls in UNARY]
    _roundtrip(k3, tmp_path, lambda ops, x: [getattr(ops, f)(x) for f in fns])


def test_operations_with_settings_load(k3, tmp_path):
    idx = np.array([0, 2], "int32")
    w = np.linspace(0.5, 1.5, 5).astype("float32")

    def build(ops, x):
        return [ops.cumsum(x, axis=1), ops.cumprod(x, axis=-1), ops.take(x, idx, axis=1),
                ops.einsum("bij,bij->bi", x, x), ops.var(x, axis=1, keepdims=True),
                ops.std(x, axis=-1), ops.prod(x, axis=2), ops.logsumexp(x, axis=-1),
                ops.flip(x, axis=1), ops.roll(x, 2, axis=2), ops.sort(x, axis=-1),
                ops.argsort(x, axis=1), ops.swapaxes(x, 1, 2), ops.moveaxis(x, 1, 2),
                ops.average(x, axis=2, weights=w), ops.pad(x, [[0, 0], [1, 0], [0, 2]]),
                ops.repeat(x, 2, axis=1), ops.tile(x, [1, 2, 1]),
                ops.diff(x, axis=1), ops.triu(x, k=1), ops.tril(x), ops.any(x > 0.5, axis=1),
                ops.all(x > 0.2, axis=-1), ops.count_nonzero(x > 0.5, axis=1),
                ops.logical_xor(x > 0.5, x < 0.7), ops.power(x, 3), ops.mod(x, 0.3),
                ops.floor_divide(x, 0.3), ops.arctan2(x, x + 1), ops.hypot(x, x),
                ops.heaviside(x - 0.5, x), ops.nan_to_num(ops.log(x - 0.5)),
                ops.softmax(x, axis=1), ops.log_softmax(x, axis=-1), ops.squeeze(x[:, :1], 1),
                ops.leaky_relu(x - 0.5, negative_slope=0.1), ops.celu(x - 0.5, alpha=2.0),
                ops.glu(ops.concatenate([x, x], axis=-1)), ops.normalize(x, axis=-1),
                ops.quantile(x, 0.3, axis=1), ops.median(x, axis=-1), ops.amax(x, axis=1),
                ops.vdot(x[0, 0], x[0, 1]) + x[:, 0, 0], ops.outer(x[:, 0, 0], w),
                ops.kron(x[:, 0, :2], w[:2]), ops.erf(x) * ops.sign(x - 0.5),
                ops.where(x > 0.5, x, -x), ops.maximum(x, 0.4), ops.clip(x, 0.2, 0.6)]
    _roundtrip(k3, tmp_path, build)


def test_adapted_operations_load(k3, tmp_path):
    def build(ops, x):
        return [ops.layer_normalization(x, axis=-1, epsilon=1e-3),
                ops.batch_normalization(x, np.full(5, 0.4, "float32"),
                                        np.full(5, 2.0, "float32"), axis=-1),
                ops.pad(x, [[0, 0], [0, 0], [1, 1]], constant_values=0.5),
                ops.einsum("bij,bkj->bik", x, x), ops.average(x, axis=1),
                ops.ones_like(x, dtype="int32"), ops.zeros_like(x)]
    _roundtrip(k3, tmp_path, build)


def test_an_unknown_operation_names_itself(k3, tmp_path):
    import json
    import zipfile
    k3.backend.clear_session()
    inp = k3.Input((4, 5))
    k3.Model(inp, k3.ops.erf(inp)).save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(str(tmp_path / "m.keras")) as z:
        items = {n: z.read(n) for n in z.namelist()}
    cfg = json.loads(items["config.json"])
    cfg["config"]["layers"][1]["class_name"] = "SobelEdges"
    items["config.json"] = json.dumps(cfg).encode()
    with zipfile.ZipFile(str(tmp_path / "bad.keras"), "w") as z:
        for n, data in items.items():
            z.writestr(n, data)
    with pytest.raises(ValueError, match="Keras 3 operation 'SobelEdges' is not one dlcore "
                                         "rebuilds"):
        keras.models.load_model(str(tmp_path / "bad.keras"))


def test_operations_added_in_session_17_load(k3, tmp_path):
    def build(ops, x):
        return [ops.erfinv(x * 0.9), ops.nanmedian(x, axis=1), ops.angle(x - 0.5),
                ops.nanquantile(x, 0.3, axis=-1),
                ops.argpartition(x, 2, axis=-1) * 0 + ops.argsort(x, axis=-1)]
    _roundtrip(k3, tmp_path, build)
