"""Two Keras gaps found by keras.io programs: a user's ``keras.metrics.Metric`` subclass
(``add_weight`` in ``__init__``, ``update_state`` assigning to it, ``result``, ``reset_state``)
standalone and in ``compile`` (fit resets it per epoch and logs the running result; evaluate
resets it first), against NumPy counts and real Keras 3's metric on the same predictions; the
built-in stateful metrics used as objects standalone against Keras 3; ``Conv1D/2D/3D(groups=g)``:
values, weights and configurations as Keras 3's, gradients as torch's ``conv2d(groups=g)``,
Keras 3's errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from dlcore_static.keras import layers as L
from dlcore_static.keras import ops
from tests.io.real_keras import keras3

RNG = np.random.default_rng(11)


class CategoricalTruePositives(keras.metrics.Metric):
    """keras.io's "Training & evaluation with the built-in methods" guide (``==`` written as
    ``ops.equal``: dlcore_static's Tensor ``==`` is TF1's identity test)."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.equal(ops.cast(y_true, "int32"), ops.cast(y_pred, "int32"))
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


def _run(x):
    return K.get_session().run(x)


def test_user_metric_standalone_update_result_reset():
    K.clear_session()
    m = CategoricalTruePositives()
    assert [v.name for v in m.variables] == ["categorical_true_positives/ctp:0"]
    yt = np.array([[1], [2], [0], [3]])
    yp = np.eye(4, dtype="float32")[[1, 0, 0, 3]]
    _run(m.update_state(yt, yp))
    assert _run(m.result()) == 3.0
    assert _run(m(yt, yp)) == 6.0                       # __call__: updated, then the result
    _run(m.update_state(yt, yp, sample_weight=np.array([[0.5], [1], [2], [0]])))
    assert _run(m.result()) == 8.5
    m.reset_state()                                     # the user's assign(0.0), run
    assert _run(m.result()) == 0.0
    _run(m.update_state(yt, yp))
    m.reset_state()                                     # recorded once, run again
    assert _run(m.result()) == 0.0


def test_default_reset_and_keras2_names():
    """Without reset_state Keras 3 zeroes every weight; Keras 2's ``reset_states`` override
    is the metric's reset; ``update_state`` returning super()'s op (a Mean subclass)."""
    K.clear_session()

    class Total(keras.metrics.Metric):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.s = self.add_weight(name="s", shape=(2,), initializer="ones")

        def update_state(self, v):
            self.s.assign_add(ops.cast(v, "float32"))

        def result(self):
            return ops.sum(self.s)

    class Ten(Total):
        def reset_states(self):
            self.s.assign([5.0, 5.0])

    class Doubled(keras.metrics.Mean):
        def update_state(self, values, sample_weight=None):
            return super().update_state(ops.multiply(values, 2.0), sample_weight)

    t, ten, d = Total(), Ten(name="ten"), Doubled()
    assert t.name == "total" and ten.name == "ten"
    _run([t.update_state([1.0, 2.0]), ten.update_state([1.0, 2.0]),
          d.update_state(np.array([1.0, 2.0, 4.0], "float32"))])
    assert _run([t.result(), ten.result(), d.result()]) == pytest.approx([5.0, 5.0, 14 / 3])
    t.reset_state()
    ten.reset_state()
    assert _run([t.result(), ten.result()]) == [0.0, 10.0]


def test_user_metric_needs_its_arguments_checked():
    with pytest.raises(TypeError, match="CategoricalTruePositives: unexpected keyword "
                                        "argument 'foo'"):
        CategoricalTruePositives(foo=1)
    with pytest.raises(TypeError, match="Mean is not a metric of"):
        keras.Sequential([L.Dense(2, input_shape=(3,))]).compile(
            "sgd", "mse", metrics=[keras.metrics.Mean()])


def _model(x_dim=6, n=4):
    inputs = keras.Input(shape=(x_dim,), name="digits")
    h = L.Dense(8, activation="relu", name="dense_1")(inputs)
    outputs = L.Dense(n, activation="softmax", name="predictions")(h)
    return keras.Model(inputs=inputs, outputs=outputs)


def test_user_metric_in_compile_counts_over_the_epoch():
    """SGD with learning rate 0 keeps the predictions: each batch's logged value is the
    running count since the epoch began, each epoch's the whole count; evaluate's is the
    whole count, also when called twice (it resets first), and Keras 3's on the same weights
    (targets (n, 1): a (n,) target would broadcast against the (n, 1) argmax in Keras 3,
    tf.keras 2 expands it; see test_programs_k12)."""
    K.clear_session()
    x = RNG.normal(size=(40, 6)).astype("float32")
    y = RNG.integers(0, 4, 40)
    model = _model()
    model.compile(keras.optimizers.SGD(learning_rate=0.0), "sparse_categorical_crossentropy",
                  metrics=[CategoricalTruePositives()])
    hits = (model.predict(x, verbose=0).argmax(1) == y).astype(float)
    assert 0 < hits.sum() < 40
    seen = []

    class Log(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs["categorical_true_positives"])

    h = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=[Log()])
    want = [hits[:16].sum(), hits[:32].sum(), hits.sum()]
    assert seen == want + want
    assert h.history["categorical_true_positives"] == [hits.sum()] * 2
    assert model.metrics_names == ["loss", "categorical_true_positives"]
    for bs in (16, 40):
        assert model.evaluate(x, y, batch_size=bs, verbose=0, return_dict=True)[
            "categorical_true_positives"] == hits.sum()
    k3 = keras3()
    inputs = k3.Input(shape=(6,))
    hk = k3.layers.Dense(8, activation="relu")(inputs)
    theirs = k3.Model(inputs, k3.layers.Dense(4, activation="softmax")(hk))
    ns = {"keras": k3, "ops": k3.ops}
    exec(_CTP_SOURCE, ns)                                  # noqa: S102 - the same class
    theirs.compile("sgd", "sparse_categorical_crossentropy",
                   metrics=[ns["CategoricalTruePositives"]()])
    theirs.set_weights(model.get_weights())
    got = theirs.evaluate(x, y.reshape(-1, 1), batch_size=16, verbose=0, return_dict=True)
    assert got["categorical_true_positives"] == hits.sum()


_CTP_SOURCE = '''
class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)
'''


@pytest.mark.parametrize("name,kw", [("AUC", {}), ("AUC", {"curve": "PR"}), ("Precision", {}),
                                     ("Recall", {"thresholds": 0.3}), ("BinaryAccuracy", {}),
                                     ("Mean", {})])
def test_builtin_stateful_metrics_standalone_as_keras3(name, kw):
    k3 = keras3()
    K.clear_session()
    yt = (RNG.random((30, 1)) > 0.5).astype("float32")
    yp = RNG.random((30, 1)).astype("float32")
    ours, theirs = getattr(keras.metrics, name)(**kw), getattr(k3.metrics, name)(**kw)
    args = (yp,) if name == "Mean" else (yt, yp)
    for lo, hi in ((0, 12), (12, 30)):
        part = tuple(a[lo:hi] for a in args)
        _run(ours.update_state(*part))
        theirs.update_state(*part)
        assert _run(ours.result()) == pytest.approx(float(np.asarray(theirs.result())),
                                                    rel=1e-6)
    ours.reset_state()
    theirs.reset_state()
    assert _run(ours.result()) == float(np.asarray(theirs.result())) == 0.0


# -- Conv groups
@pytest.mark.parametrize("name,shape,fmt,groups,extra", [
    ("Conv2D", (7, 6, 8), "channels_last", 2, {"strides": 2}),
    ("Conv2D", (7, 6, 12), "channels_last", 12, {"padding": "same"}),   # ConvMixer's
    ("Conv2D", (8, 7, 6), "channels_first", 4, {"dilation_rate": 2}),
    ("Conv1D", (9, 6), "channels_last", 3, {"padding": "same"}),
    ("Conv1D", (6, 9), "channels_first", 2, {"strides": 2}),
    ("Conv3D", (5, 4, 5, 4), "channels_last", 4, {"padding": "same"}),
])
def test_grouped_conv_as_keras3(name, shape, fmt, groups, extra):
    k3 = keras3()
    K.clear_session()
    kw = dict(filters=12, kernel_size=3, groups=groups, data_format=fmt,
              activation="relu", **extra)
    x = RNG.normal(size=(2,) + shape).astype("float32")
    theirs = getattr(k3.layers, name)(**kw)
    want = np.asarray(theirs(x))
    ours = getattr(L, name)(**kw)
    y = ours(K.constant(x))
    ours.set_weights(theirs.get_weights())
    c = shape[-1] if fmt == "channels_last" else shape[0]
    assert ours.kernel.shape.as_list()[-2:] == [c // groups, 12]
    assert ours.count_params() == theirs.count_params()
    assert tuple(y.shape.as_list()[1:]) == want.shape[1:]
    np.testing.assert_allclose(_run(y), want, rtol=1e-5, atol=1e-5)
    cfg = ours.get_config()
    assert cfg["groups"] == groups and cfg["groups"] == theirs.get_config()["groups"]
    assert getattr(L, name).from_config(cfg).groups == groups


def test_grouped_conv2d_gradients_as_torch():
    torch = pytest.importorskip("torch")
    K.clear_session()
    x = RNG.normal(size=(2, 7, 6, 6)).astype("float32")
    r = RNG.normal(size=(2, 4, 3, 9)).astype("float32")
    layer = L.Conv2D(9, (3, 2), strides=(2, 2), padding="same", groups=3)
    xt = tf.constant(x)
    y = layer(xt)
    loss = tf.reduce_sum(y * r)
    gx, gk, gb = tf.gradients(loss, [xt, layer.kernel, layer.bias])
    k, b = K.batch_get_value([layer.kernel, layer.bias])
    tx = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
    tk = torch.tensor(k).permute(3, 2, 0, 1).contiguous().requires_grad_()   # (O, C/g, H, W)
    tb = torch.tensor(b).requires_grad_()
    # TF's 'same' for stride 2: (7 -> 4: pad 1 top, 1 bottom), (6 -> 3, kernel 2: pad 0, 1)
    xp = torch.nn.functional.pad(tx, (0, 1, 1, 1))
    ty = torch.nn.functional.conv2d(xp, tk, tb, stride=2, groups=3)
    np.testing.assert_allclose(_run(y), ty.permute(0, 2, 3, 1).detach().numpy(), atol=1e-5)
    (ty.permute(0, 2, 3, 1) * torch.tensor(r)).sum().backward()
    got = _run([gx, gk, gb])
    np.testing.assert_allclose(got[0], tx.grad.permute(0, 2, 3, 1).numpy(), atol=1e-5)
    np.testing.assert_allclose(got[1], tk.grad.permute(2, 3, 1, 0).numpy(), atol=1e-5)
    np.testing.assert_allclose(got[2], tb.grad.numpy(), atol=1e-5)


def test_grouped_conv_errors_as_keras3():
    with pytest.raises(ValueError, match=r"^The number of filters must be evenly divisible by "
                                         r"the number of groups\. Received: groups=4, "
                                         r"filters=6\.$"):
        L.Conv2D(6, 3, groups=4)
    with pytest.raises(ValueError, match=r"^The number of groups must be a positive integer\. "
                                         r"Received: groups=0\.$"):
        L.Conv1D(6, 3, groups=0)
    layer = L.Conv2D(6, 3, groups=3)
    with pytest.raises(ValueError, match=r"^The number of input channels must be evenly "
                                         r"divisible by the number of groups\. Received "
                                         r"groups=3, but the input has 4 channels \(full input "
                                         r"shape is \(None, 5, 5, 4\)\)\.$"):
        layer(keras.Input((5, 5, 4)))
    with pytest.raises(TypeError, match="Conv2DTranspose: unexpected keyword argument 'groups'"):
        L.Conv2DTranspose(6, 3, groups=2)
    assert "groups" not in L.Conv2DTranspose(6, 3).get_config()
    assert "groups" not in L.Conv3DTranspose(6, 3).get_config()
