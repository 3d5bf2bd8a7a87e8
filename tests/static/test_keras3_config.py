"""keras.config (Keras 3.15's global settings), keras.__version__ and the interactive-logging
switch, against installed Keras 3 on its NumPy backend where it is there."""

import importlib
import importlib.util
import io
import logging
import os
import sys
import warnings

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import backend as K
from dlcore_static.keras import config


def _keras3():
    if importlib.util.find_spec("keras") is None:
        pytest.skip("Keras is not installed")
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    import keras as k3
    if int(k3.__version__.split(".")[0]) < 3 or k3.backend.backend() != "numpy":
        pytest.skip("needs Keras 3 on its NumPy backend")
    return k3


@pytest.fixture(autouse=True)
def _restore():
    yield
    K.set_floatx("float32")
    K.set_epsilon(1e-7)
    K.set_image_data_format("channels_last")
    config.set_max_epochs(None)
    config.enable_interactive_logging()
    config.enable_traceback_filtering()
    config.enable_flash_attention()


def _model():
    K.clear_session()
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="ones")])
    m.compile(keras.optimizers.SGD(0.01), "mse")
    return m


X = np.arange(24, dtype="float32").reshape(8, 3) / 24.0
Y = X.sum(axis=1, keepdims=True)


def test_every_keras3_name_is_there():
    k3 = _keras3()
    names = sorted(n for n in dir(k3.config) if not n.startswith("_"))
    assert sorted(config.__all__) == names
    for n in names:
        assert callable(getattr(config, n)), n
    assert keras.config is config


def test_one_state_with_keras_backend():
    assert config.floatx is K.floatx and config.set_epsilon is K.set_epsilon
    config.set_floatx("float64")
    assert K.floatx() == "float64" and config.dtype_policy().name == "float64"
    K.set_floatx("float32")
    assert config.floatx() == "float32"
    config.set_epsilon(1e-5)
    assert K.epsilon() == 1e-5
    config.set_image_data_format("Channels_First")          # lower-cased, as Keras 3
    assert K.image_data_format() == "channels_first"
    assert config.backend() == K.backend() == "tensorflow"


def test_defaults_and_errors_equal_keras3():
    k3 = _keras3()
    for name in ("floatx", "epsilon", "image_data_format", "is_interactive_logging_enabled",
                 "is_traceback_filtering_enabled", "is_flash_attention_enabled", "max_epochs",
                 "max_steps_per_epoch", "is_nnx_enabled"):
        assert getattr(config, name)() == getattr(k3.config, name)(), name
    assert config.dtype_policy().name == k3.config.dtype_policy().name == "float32"
    for fn, arg in (("set_floatx", "int8"), ("set_image_data_format", "nchw"),
                    ("set_dtype_policy", 3)):
        with pytest.raises(ValueError) as want:
            getattr(k3.config, fn)(arg)
        with pytest.raises(ValueError) as got:
            getattr(config, fn)(arg)
        if fn == "set_floatx":                    # (a set in the message: its order varies)
            assert str(got.value).split(". ")[0] == str(want.value).split(". ")[0]
        else:
            assert str(got.value) == str(want.value)


def test_switches_follow_keras3():
    k3 = _keras3()
    try:
        for fn in ("disable_flash_attention", "enable_flash_attention",
                   "disable_traceback_filtering", "enable_traceback_filtering",
                   "disable_interactive_logging", "enable_interactive_logging"):
            getattr(config, fn)()
            getattr(k3.config, fn)()
            for q in ("is_flash_attention_enabled", "is_traceback_filtering_enabled",
                      "is_interactive_logging_enabled"):
                assert getattr(config, q)() == getattr(k3.config, q)(), (fn, q)
    finally:
        k3.config.enable_flash_attention()
        k3.config.enable_traceback_filtering()
        k3.config.enable_interactive_logging()
    config.enable_unsafe_deserialization()                # accepted, nothing to unlock


def test_refused_what_dlcore_cannot_do():
    with pytest.raises(NotImplementedError, match="bfloat16"):
        config.set_floatx("bfloat16")
    assert K.floatx() == "float32"
    with pytest.raises(NotImplementedError, match="set_max_steps_per_epoch"):
        config.set_max_steps_per_epoch(3)
    config.set_max_steps_per_epoch(None)
    assert config.max_steps_per_epoch() is None
    with pytest.raises(NotImplementedError, match="TensorFlow backend only"):
        config.set_backend("jax")
    with pytest.raises(ValueError, match="Available backends"):
        config.set_backend("theano")
    config.set_backend("tensorflow")
    with pytest.raises(NotImplementedError, match="mixed precision"):
        config.set_dtype_policy("mixed_float16")
    with pytest.raises(NotImplementedError, match="floatx"):
        config.set_dtype_policy("float64")
    config.set_dtype_policy("float32")
    config.set_dtype_policy(config.dtype_policy())


def test_max_epochs_caps_fit_with_keras3s_warning():
    m = _model()
    config.set_max_epochs(2)
    assert config.max_epochs() == 2
    with pytest.warns(UserWarning, match="^Limiting epochs to 2$"):
        h = m.fit(X, Y, epochs=5, batch_size=4, verbose=0)
    assert h.epoch == [0, 1] and len(h.history["loss"]) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(m.fit(X, Y, epochs=1, verbose=0).history["loss"]) == 1   # under the cap
    config.set_max_epochs(None)
    assert len(m.fit(X, Y, epochs=3, verbose=0).history["loss"]) == 3


def test_max_epochs_from_the_environment(monkeypatch):
    monkeypatch.setenv("KERAS_MAX_EPOCHS", "1")
    try:
        importlib.reload(config)
        assert config.max_epochs() == 1
        monkeypatch.setenv("KERAS_MAX_STEPS_PER_EPOCH", "4")
        with pytest.raises(NotImplementedError, match="set_max_steps_per_epoch"):
            importlib.reload(config)
    finally:
        monkeypatch.delenv("KERAS_MAX_EPOCHS")
        monkeypatch.delenv("KERAS_MAX_STEPS_PER_EPOCH", raising=False)
        importlib.reload(config)
    assert config.max_epochs() is None


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages: list = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_interactive_logging_off_sends_bars_messages_and_summary_to_logging(capsys):
    log = logging.getLogger("absl")
    rec, level = _Records(), log.level
    log.addHandler(rec)
    log.setLevel(logging.INFO)
    try:
        m = _model()
        config.disable_interactive_logging()
        assert not keras.utils.is_interactive_logging_enabled()
        stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=100,
                                             verbose=1)
        m.fit(X, Y, epochs=3, batch_size=4, verbose=1, callbacks=[stop])
        m.evaluate(X, Y, verbose=2)
        m.summary()
        assert capsys.readouterr().out == ""
        text = "".join(rec.messages)
        assert "Epoch 1/3" in text and "loss:" in text and "Epoch 2: early stopping" in text
        assert 'Model: "sequential"' in text and "Trainable params: 4" in text
        rec.messages.clear()
        config.enable_interactive_logging()
        m.fit(X, Y, epochs=1, batch_size=4, verbose=2)
        m.summary()
        out = capsys.readouterr().out
        assert "loss:" in out and 'Model: "sequential"' in out and rec.messages == []
    finally:
        log.removeHandler(rec)
        log.setLevel(level)


def test_version_reads_as_keras3_and_marks_dlcore():
    from packaging import version
    v = version.parse(keras.__version__)
    assert v >= version.parse("3") and v.major == 3 and v.local == "dlcore"
    assert v.public == "3.15.1"
    assert int(keras.__version__.split(".")[0]) >= 3
    assert sys.modules["dlcore_static.keras"].__version__ == "3.15.1+dlcore"


def test_stdout_that_cannot_encode_still_works_when_interactive(monkeypatch):
    buf = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", buf)
    from dlcore_static.keras import _progbar
    _progbar.print_msg("a ━ b")
    buf.flush()
    assert buf.buffer.getvalue() == b"a = b\n"
