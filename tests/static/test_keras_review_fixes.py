"""Fixes from the rv-keras review, each checked against Keras 3 (numpy backend) or TF1's
semantics: transposed convolutions' dilation_rate and unknown lengths, Model.__call__'s
extra positional arguments, LambdaCallback's hook names, tf.as_dtype's enum table, ..."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")
k3 = pytest.importorskip("keras")

from dlcore_static import keras as dk  # noqa: E402


def _both(make, x):
    """The output of the same one-layer model in dlcore and Keras 3, weights copied."""
    outs = []
    for lib in (dk, k3):
        inp = lib.Input(x.shape[1:])
        layer = make(lib)
        m = lib.Model(inp, layer(inp))
        ws = [np.arange(np.prod(w.shape), dtype=np.float32).reshape(w.shape) / 50 - 0.3
              for w in layer.get_weights()]
        layer.set_weights(ws)
        outs.append(m.predict(x, verbose=0))
    return outs


@pytest.mark.parametrize("kw", [dict(kernel_size=3, strides=1, padding="valid", dilation_rate=2),
                                dict(kernel_size=3, strides=1, padding="same", dilation_rate=2),
                                dict(kernel_size=2, strides=1, padding="same", dilation_rate=3)])
def test_conv1d_transpose_dilation_as_keras3(kw):
    x = np.random.default_rng(0).standard_normal((2, 7, 3)).astype(np.float32)
    got, want = _both(lambda lib: lib.layers.Conv1DTranspose(4, **kw), x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv2d_transpose_dilation_as_keras3(padding):
    x = np.random.default_rng(1).standard_normal((2, 5, 6, 2)).astype(np.float32)
    got, want = _both(lambda lib: lib.layers.Conv2DTranspose(
        3, (3, 2), padding=padding, dilation_rate=(2, 3)), x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls", ["Conv1DTranspose", "Conv1D", "Conv2DTranspose"])
def test_strides_with_dilation_refused_as_keras3(cls):
    for lib in (k3, dk):
        with pytest.raises(ValueError, match="not supported in conjunction with"):
            getattr(lib.layers, cls)(2, 3, strides=2, dilation_rate=2)


def _nested(lib):
    inp = lib.Input((3,))
    inner = lib.Model(inp, lib.layers.Dense(2)(inp))
    return inner


def test_model_call_refuses_a_stray_positional_array():
    x = np.ones((2, 3), np.float32)
    inner = _nested(k3)
    with pytest.raises(Exception):                    # Keras 3 does not drop it either
        inner(k3.Input((3,)), x, x, x)
    inner = _nested(dk)
    with pytest.raises(TypeError, match="training"):
        inner(dk.Input((3,)), "x")
    with pytest.warns(UserWarning, match="not used"):     # (tf.keras 2's guide does this)
        inner(dk.Input((3,)), x)
    with pytest.raises(TypeError, match="unexpected keyword"):
        inner(dk.Input((3,)), foo=1)
    with pytest.raises(TypeError, match="multiple values"):
        inner(dk.Input((3,)), False, training=True)
    out = inner(dk.Input((3,)), False)                # Keras 3's positional training
    assert tuple(out.shape.as_list()) == (None, 2)
    assert inner(dk.Input((3,)), None, None) is not None


def _fit_with(lib, cb):
    m = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
    m.compile("sgd", "mse")
    x, y = np.ones((8, 3), np.float32), np.ones((8, 1), np.float32)
    m.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x, y), callbacks=[cb])


def test_lambda_callback_keras3_hook_names():
    for lib in (dk,):                  # (Keras 3's numpy backend has no fit: its order)
        seen = []
        cb = lib.callbacks.LambdaCallback(
            on_train_batch_end=lambda b, logs: seen.append(("train", b, sorted(logs))),
            on_test_batch_end=lambda b, logs: seen.append(("test", b)),
            on_epoch_end=lambda e, logs: seen.append(("epoch", e)))
        _fit_with(lib, cb)
        assert [s[:2] for s in seen] == [("train", 0), ("train", 1), ("test", 0), ("test", 1),
                                         ("epoch", 0)], lib
        assert seen[0][2] == ["loss"]
    seen = []
    _fit_with(dk, dk.callbacks.LambdaCallback(on_batch_end=lambda b, logs: seen.append(b)))
    assert seen == [0, 1]                                  # (tf.keras 2's name)
    with pytest.raises(TypeError, match="on_epoch_ends"):
        dk.callbacks.LambdaCallback(on_epoch_ends=print)


def test_as_dtype_enum_numbers_as_tf1():
    import dlcore_static as tf
    # TF1's tf.as_dtype reads types.proto's DataType numbers, NumPy integers too
    assert tf.as_dtype(1) is tf.float32 and tf.as_dtype(np.int64(1)) is tf.float32
    assert tf.as_dtype(np.int32(9)) is tf.int64 and tf.as_dtype(17) is tf.uint16
    assert tf.as_dtype(22) is tf.uint32 and tf.as_dtype(23) is tf.uint64   # (fidtf10)
    assert tf.as_dtype(8) is tf.complex64 and tf.as_dtype(18) is tf.complex128   # (fidtf12)
    assert tf.as_dtype(np.int64) is tf.int64


def test_op_naming_depth_is_per_thread():
    # a layer call running in one thread must not stop another thread's op naming
    import threading

    from dlcore_static.keras import _op_layers as OL
    inside, release, seen = threading.Event(), threading.Event(), []

    class Slow:
        @OL._outside
        def __call__(self):
            seen.append(OL._DEPTH.n)
            inside.set()
            release.wait(5)

    th = threading.Thread(target=Slow())
    th.start()
    inside.wait(5)
    assert getattr(OL._DEPTH, "n", 0) == 0            # this thread: outside any call
    release.set()
    th.join()
    assert seen == [1]


def test_keras_ops_take_tril_triu_tile_split_as_keras3():
    from dlcore_static.keras import ops as dops
    kops = k3.ops
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    cases = [lambda o: o.take(x, np.array([-1, 0]), axis=1),
             lambda o: o.take(x, np.array([-1, 5])),
             lambda o: o.tril(x, -1), lambda o: o.triu(x, 1),
             lambda o: o.triu(np.arange(3, dtype=np.float32)),
             lambda o: o.tile(x, [2]), lambda o: o.tile(x[0], [2, 2]), lambda o: o.tile(x, 2)]
    for case in cases:
        np.testing.assert_array_equal(dops.convert_to_numpy(case(dops)),
                                      np.asarray(case(kops)))
    for arg in (np.int64(2), [-1], [1, 3]):
        got = [dops.convert_to_numpy(t) for t in dops.split(x, arg, axis=1)]
        want = [np.asarray(t) for t in kops.split(x, arg, axis=1)]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


def test_keras_ops_tril_with_unknown_sizes():
    import dlcore_static as tf
    from dlcore_static.keras import ops as dops
    ph = tf.placeholder(tf.float32, [None, None, 4])
    out = dops.tril(ph, 1)
    assert out.shape.as_list() == [None, None, 4]
    v = np.arange(2 * 5 * 4, dtype=np.float32).reshape(2, 5, 4)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(out, {ph: v}), np.tril(v, 1))


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=3, strides=2, padding="same"),
                                dict(kernel_size=4, strides=3), dict(kernel_size=2, strides=3),
                                dict(kernel_size=3, padding="same", dilation_rate=2),
                                dict(kernel_size=2, strides=2, data_format="channels_first")])
def test_conv1d_transpose_unknown_length_as_keras3(kw):
    x = np.random.default_rng(2).standard_normal((2, 7, 3)).astype(np.float32)
    first = kw.get("data_format") == "channels_first"
    x = x.transpose(0, 2, 1).copy() if first else x
    outs = []
    for lib in (dk, k3):
        inp = lib.Input((3, None) if first else (None, 3))
        layer = lib.layers.Conv1DTranspose(4, **kw)
        m = lib.Model(inp, layer(inp))
        layer.set_weights([np.arange(np.prod(w.shape), dtype=np.float32).reshape(w.shape) / 50
                           - 0.3 for w in layer.get_weights()])
        outs.append(m.predict(x, verbose=0))
    assert outs[0].shape == outs[1].shape
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-5)


def test_conv2d_transpose_unknown_size_as_keras3():
    x = np.random.default_rng(3).standard_normal((2, 5, 4, 2)).astype(np.float32)
    outs = []
    for lib in (dk, k3):
        inp = lib.Input((None, None, 2))
        layer = lib.layers.Conv2DTranspose(3, (3, 2), strides=(2, 1), padding="same")
        m = lib.Model(inp, layer(inp))
        layer.set_weights([np.arange(np.prod(w.shape), dtype=np.float32).reshape(w.shape) / 50
                           - 0.3 for w in layer.get_weights()])
        outs.append(m.predict(x, verbose=0))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-5)


def test_reshape_run_time_entries_are_unknown_dims_as_tf1():
    import dlcore_static as tf
    a = tf.placeholder(tf.float32, [None, None, 5])
    b = tf.placeholder(tf.float32, [None, None])
    r = tf.reshape(a, [-1, tf.shape(b)[1]])            # TF1: shape (?, ?), not two -1s
    assert r.shape.as_list() == [None, None]
    with pytest.raises(ValueError, match="can be -1"):  # two literal -1s: TF1's error
        tf.reshape(a, [-1, -1, tf.shape(b)[1]])
    v = np.arange(30, dtype=np.float32).reshape(2, 3, 5)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(r, {a: v, b: np.ones((2, 3))}), v.reshape(-1, 3))
        # seq2seq.sequence_loss with [None, None, V] logits, not fully reduced
        lg = tf.placeholder(tf.float32, [None, None, 5])
        loss = tf.contrib.seq2seq.sequence_loss(lg, np.zeros((2, 3), np.int64),
                                                np.ones((2, 3), np.float32), False, False)
        got = s.run(loss, {lg: v})
    z = v - v.max(-1, keepdims=True)
    want = -(z - np.log(np.exp(z).sum(-1, keepdims=True)))[..., 0]
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_sequential_add_applies_only_the_new_layer():
    import dlcore_static as tf
    x = np.random.default_rng(4).standard_normal((2, 4)).astype(np.float32)
    counts, outs = [], []
    for one_by_one in (False, True):
        dk.backend.clear_session()
        start = len(tf.get_default_graph()._ops)
        layers = [dk.layers.Dense(4, activation="relu") for _ in range(12)]
        if one_by_one:
            m = dk.Sequential([dk.Input((4,))])
            for layer in layers:
                m.add(layer)
        else:
            m = dk.Sequential([dk.Input((4,))] + layers)
        m.set_weights([np.full(w.shape, 0.1 * (i + 1), np.float32)
                       for i, w in enumerate(m.get_weights())])
        counts.append(len(m.graph._ops) - start)
        outs.append(m.predict(x, verbose=0))
        assert [ly.name for ly in m.layers] == ["dense"] + [f"dense_{i}" for i in range(1, 12)]
    assert counts[1] == counts[0]                      # (was about 12 x 13 / 2 layers' ops)
    np.testing.assert_array_equal(outs[0], outs[1])


def test_keras_ops_tile_with_a_tensor_of_repeats():
    import dlcore_static as tf
    from dlcore_static.keras import ops as dops
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = dops.tile(x, tf.constant([2, 1]) * tf.constant([1, 2]))
    np.testing.assert_array_equal(dops.convert_to_numpy(out), np.tile(x, [2, 2]))
