"""Reliability probe 7, Keras (static front end; helper-R7).

Found by this probe:

* A layer built with a negative size (``Dense(-1)``, ``ConvLSTM2D(-2, 3)``,
  ``MultiHeadAttention(-1, 4)``) made a ``RandomUniform`` node of a negative shape (the static
  random ops checked nothing while building); its variable stayed in the graph, and since a
  Keras session initialises every uninitialised variable of the graph, every model built after
  it in the process failed with that node's error.  Random ops now refuse a negative shape when
  built, so nothing is left behind.
* ``MultiHeadAttention(2, key_dim=0)`` leaked a ``ZeroDivisionError`` and ``num_heads=0`` built
  an empty layer; both now raise Keras 3's ``ValueError``.
* ``save_weights``/``model.save`` opened the target file for writing first: an error or a
  Ctrl-C half-way left a truncated file where a good one was ('a weight file containing 0
  layers').  Files are now written next to the target and moved over it when complete.

* ``load_model`` of a ``.keras`` file whose config was edited (a Dense layer's ``units`` of
  10**9) read every variable's value before checking the file's weight shapes, initialising
  the config's 2 x 10**9 kernel: the process was killed for memory.  The shapes are now checked
  first, and a file refused half-way leaves the graph's collections as they were (the refused
  model's variables, left in them, made every later model of the graph initialise them).

* A damaged Keras file leaked h5py's, zipfile's and zlib's own errors (``KeyError: 'Unable to
  synchronously open object (bad heap free list)'``, ``BadZipFile: Bad CRC-32``,
  ``zlib.error``; 22 of 240 fuzzed files); each is now the loader's ``KerasFileError`` naming
  the file.

Kept as regression tests (passed when probed): ``fit`` interrupted at sampled lines keeps the
weights and optimizer slots of a whole number of batches and the next ``fit`` trains.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from tests.reliability._interrupts import interrupted_at

pytest.importorskip("h5py")

@pytest.fixture(autouse=True)
def fresh():
    keras.backend.clear_session()
    yield
    keras.backend.clear_session()


def _small():
    m = keras.Sequential([keras.layers.Dense(3, activation="tanh", input_shape=(4,),
                                             kernel_initializer="ones"),
                          keras.layers.Dense(2, kernel_initializer="ones")])
    m.compile(keras.optimizers.Adam(0.01), "mse")
    return m


@pytest.mark.parametrize("bad", [
    lambda: keras.layers.Dense(-1)(keras.layers.Input((3,))),
    lambda: keras.layers.ConvLSTM2D(-2, 3)(keras.layers.Input((2, 4, 4, 1))),
    lambda: keras.layers.Conv2D(-1, 3)(keras.layers.Input((4, 4, 1))),
], ids=["Dense", "ConvLSTM2D", "Conv2D"])
def test_a_layer_of_negative_size_fails_when_built_and_later_models_still_work(bad):
    # (Dense and Conv2D now refuse it when made, with Keras 3's words: probe 8)
    with pytest.raises(ValueError, match=r"RandomUniform: Shape \[.*-\d.*\] has negative "
                                         r"dimensions|expected a positive integer|Expected a "
                                         r"strictly positive value"):
        bad()
    m = _small()                          # the same graph and Keras session as the failure
    m.fit(np.ones((4, 4), np.float32), np.zeros((4, 2), np.float32), epochs=1, verbose=0)
    assert m.predict(np.ones((1, 4), np.float32), verbose=0).shape == (1, 2)


def test_random_ops_refuse_a_negative_shape_when_built():
    g = tf.Graph()
    with g.as_default():
        for make in (lambda: tf.random_uniform([3, -1]), lambda: tf.random_normal([-2]),
                     lambda: tf.truncated_normal([2, -2]),
                     lambda: tf.get_variable("v", [3, -1])):
            with pytest.raises(ValueError, match="has negative dimensions"):
                make()
        assert not tf.global_variables() and not g.get_operations()


@pytest.mark.parametrize("args, message", [
    ((0, 4), "`num_heads`, expected a positive integer. Received: num_heads=0"),
    ((-1, 4), "`num_heads`, expected a positive integer. Received: num_heads=-1"),
    ((2, 0), "`key_dim`, expected a positive integer. Received: key_dim=0"),
    ((2, 4, -3), "`value_dim`, expected a positive integer or `None`. Received: value_dim=-3"),
])
def test_multi_head_attention_sizes_are_checked_as_keras3(args, message):
    with pytest.raises(ValueError, match="Received an invalid value for argument " +
                       message.replace("(", r"\(")):
        keras.layers.MultiHeadAttention(*args)


X = np.random.default_rng(0).standard_normal((12, 4)).astype(np.float32)
Y = np.random.default_rng(1).standard_normal((12, 2)).astype(np.float32)


def _fit(m, n=12):
    return m.fit(X[:n], Y[:n], batch_size=4, epochs=1, shuffle=False, verbose=0)


def _model_state(m):
    return [np.copy(w) for w in m.get_weights()] + \
        [np.copy(w) for w in keras.backend.batch_get_value(m.optimizer.weights)]


def test_fit_interrupted_keeps_whole_batches_and_the_next_fit_trains():
    refs = []
    for j in range(4):                    # weights and slots after a first fit and j batches
        keras.backend.clear_session()
        r = _small()
        _fit(r)
        if j:
            _fit(r, 4 * j)
        refs.append(_model_state(r))
    keras.backend.clear_session()
    m = _small()
    _fit(m)
    total = interrupted_at(10 ** 9, lambda: _fit(m))
    for k in np.linspace(5, total - 5, 6).astype(int):
        keras.backend.clear_session()
        m = _small()
        _fit(m)
        interrupted_at(int(k), lambda m=m: _fit(m))
        now = _model_state(m)
        assert any(all(np.allclose(a, b, rtol=1e-6, atol=1e-7) for a, b in zip(now, r))
                   for r in refs), k
        assert len(_fit(m).history["loss"]) == 1
        assert np.isfinite(m.predict(X[:2], verbose=0)).all()


@pytest.mark.parametrize("name", ["w.h5", "w.weights.h5", "m.h5", "m.keras"])
def test_save_interrupted_or_failing_leaves_the_previous_file_whole(tmp_path, name, monkeypatch):
    m = _small()
    path = str(tmp_path / name)
    save = m.save if name.startswith("m.") else m.save_weights
    old = m.get_weights()
    save(path)
    m.set_weights([w + 1 for w in old])
    other = str(tmp_path / ("other_" + name))
    # a save's length once warm: the Session behind it compiles its read plan on a second run
    # (the Keras 3 optimizer state made the first saves run it twice), after that it is steady
    counts = [interrupted_at(10 ** 9, lambda: save(other)) for _ in range(3)]
    assert counts[1] == counts[2], counts
    total = counts[-1]
    for k in np.linspace(2, total - 2, 5).astype(int):
        interrupted_at(int(k), lambda: save(path))
        back = _small()
        if name.startswith("m."):
            back = keras.models.load_model(path)
        else:
            back.load_weights(path)
        assert all(np.array_equal(a, b) for a, b in zip(back.get_weights(), old)), k
    assert sorted(os.listdir(tmp_path)) == sorted([name, "other_" + name])
    save(path)                            # and a save that completes replaces it
    back = keras.models.load_model(path) if name.startswith("m.") else _small()
    if not name.startswith("m."):
        back.load_weights(path)
    assert all(np.array_equal(a, b + 1) for a, b in zip(back.get_weights(), old))


def test_a_hostile_config_is_refused_before_any_variable_is_initialised(tmp_path, monkeypatch):
    import zipfile

    from dlcore_static.keras import _backend_impl
    from dlcore_static.keras.saving import KerasFileError
    m = keras.Sequential([keras.layers.Dense(2, input_shape=(4,)), keras.layers.Dense(3)])
    m.compile("adam", "mse")
    good = str(tmp_path / "m.keras")
    m.save(good)
    want = m.predict(np.ones((1, 4), np.float32), verbose=0)
    with zipfile.ZipFile(good) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    cfg = parts["config.json"].decode()
    assert cfg.count('"units": 3') == 1
    parts["config.json"] = cfg.replace('"units": 3', '"units": 1000000').encode()
    bad = str(tmp_path / "bad.keras")
    with zipfile.ZipFile(bad, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    graph = tf.get_default_graph()
    before = {k: len(graph.get_collection(k)) for k in graph.get_all_collection_keys()}
    initialised = []
    real = _backend_impl._initialize_new
    monkeypatch.setattr(_backend_impl, "_initialize_new",
                        lambda sess, g: initialised.append(1) or real(sess, g))
    with pytest.raises(KerasFileError, match=r"has shape \(2, 1000000\), the file has \(2, 3\)"):
        keras.models.load_model(bad)
    assert not initialised
    assert {k: len(graph.get_collection(k)) for k in graph.get_all_collection_keys()} == before
    np.testing.assert_array_equal(m.predict(np.ones((1, 4), np.float32), verbose=0), want)


@pytest.mark.parametrize("name", ["w.h5", "w.weights.h5", "m.h5", "m.keras"])
def test_a_damaged_file_loads_or_raises_the_loaders_error_and_changes_nothing(tmp_path, name):
    from dlcore_static.keras.saving import KerasFileError
    m = _small()
    path = str(tmp_path / name)
    (m.save if name.startswith("m.") else m.save_weights)(path)
    with open(path, "rb") as f:
        raw = f.read()
    target = _small()
    before = target.get_weights()
    refused = 0
    for how in ("half", 0.25, 0.5, 0.75):
        data = bytearray(raw)
        if how == "half":
            data = data[:len(data) // 2]
        else:
            at = int(len(data) * how)
            data[at:at + 64] = bytes(64)
        bad = tmp_path / ("damaged_" + name)
        bad.write_bytes(bytes(data))
        try:
            if name.startswith("m."):
                keras.models.load_model(str(bad))
            else:
                target.load_weights(str(bad))
                target.set_weights(before)
        except KerasFileError as e:
            refused += 1
            assert "damaged_" in str(e) or "load_weights" in str(e)
            assert all(np.array_equal(a, b) for a, b in zip(target.get_weights(), before))
    assert refused >= 1
