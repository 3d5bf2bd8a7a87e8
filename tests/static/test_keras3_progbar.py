"""fit, evaluate and predict print Keras 3's progress bar, to the character.

The installed Keras 3 (NumPy backend) runs evaluate and predict on a model given dlcore's
weights; it cannot ``fit``, so its ``ProgbarLogger`` is driven by hand with the logs dlcore's
fit produced (first batch's and epochs'), as Keras 3's fit calls it.  The clock is pinned
(``time.time`` constant) where the text is compared whole: the redraws then happen exactly
where Keras 3's interval rule puts them (the first step and the final line) and the times read
``0s``; with the real clock, the times are masked and the text compared as a terminal shows it.
A few exact strings pin the format where Keras 3 is not installed.
"""

from __future__ import annotations

import contextlib
import io
import re
import time

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import _progbar
from tests.io.real_keras import keras3

BAR20 = "━" * 20


def _data():
    rng = np.random.RandomState(0)
    x = rng.randn(70, 4).astype("float32")
    return x, (x[:, :1] + 0.3 * x[:, 1:2] > 0).astype("float32")


def _model(k, seed=1):
    m = k.Sequential([k.Input((4,)), k.layers.Dense(8, activation="relu"),
                      k.layers.Dense(1, activation="sigmoid")])
    if k is keras:
        rng = np.random.RandomState(seed)
        m.set_weights([rng.randn(*w.shape).astype("float32") * 0.5 for w in m.get_weights()])
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return m


def _in_order(k3) -> list:
    """Callbacks that make Keras 3 call its progress bar in step order.

    Keras 3 hands each batch's ``on_*_batch_end`` to a thread pool when every callback is
    ``async_safe`` (its ProgbarLogger is), so step 2's redraw can run before step 1's and, with
    the clock pinned, print ``2/3`` first (seen once in CI).  A callback that overrides the
    batch hooks makes Keras dispatch them in order, on the calling thread, as dlcore does.
    """
    class InOrder(k3.callbacks.Callback):
        def on_test_batch_end(self, batch, logs=None):
            pass

        def on_predict_batch_end(self, batch, logs=None):
            pass

    return [InOrder()]


def _printed(fn, *args, **kw) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn(*args, **kw)
    return out.getvalue()


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1000.0)


def _screen(text: str) -> str:
    """What a terminal shows after ``text`` (``\\r`` to the line start, ``\\b`` one back)."""
    lines, line, col = [], [], 0
    for ch in text:
        if ch == "\n":
            lines.append("".join(line))
            line, col = [], 0
        elif ch == "\r":
            col = 0
        elif ch == "\b":
            col = max(col - 1, 0)
        else:
            if col < len(line):
                line[col] = ch
            else:
                line.append(ch)
            col += 1
    return "\n".join(lines + ["".join(line)])


def _mask(text: str) -> str:
    text = re.sub(r"\d+(us|ms|s)/step", "T/step", text)
    text = re.sub(r"\x1b\[1m(\d+:)*\d+s\x1b\[0m", "\x1b[1mT\x1b[0m", text)
    text = re.sub(r" - \d+s - ", " - T - ", text)
    return re.sub(r" +(\n|$)", r"\1", text)            # (padding over a longer time)


@pytest.mark.parametrize("verbose", [1, 2, "auto"])
@pytest.mark.parametrize("batch_size", [32, 7, 70])
def test_evaluate_and_predict_print_keras3s_text(verbose, batch_size, frozen_clock):
    k3 = keras3()
    x, y = _data()
    ours, ref = _model(keras), _model(k3)
    ref.set_weights(ours.get_weights())
    for call in ("evaluate", "predict"):
        args = (x, y) if call == "evaluate" else (x,)
        want = _printed(getattr(ref, call), *args, batch_size=batch_size, verbose=verbose,
                        callbacks=_in_order(k3))
        got = _printed(getattr(ours, call), *args, batch_size=batch_size, verbose=verbose)
        assert got == want, call
    assert _printed(ours.evaluate, x, y, verbose=0) == "" == _printed(ours.predict, x, verbose=0)


def test_evaluate_and_predict_default_to_verbose_auto(frozen_clock):
    x, y = _data()
    m = _model(keras)
    steps = "\x1b[1m3/3\x1b[0m \x1b[32m" + BAR20 + "\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m 0s/step"
    first = "\r\x1b[1m1/3\x1b[0m \x1b[32m" + "━" * 6 + "\x1b[0m\x1b[37m" + "━" * 14 + \
        "\x1b[0m \x1b[1m0s\x1b[0m 0s/step"
    assert _printed(m.predict, x) == first + "\b" * 35 + "\r" + steps + "\n"
    text = _printed(m.evaluate, x, y)
    assert text.startswith(first + " - accuracy: ") and text.endswith("\n")
    acc, loss = m.evaluate(x, y, verbose=0)[::-1]
    assert text.split("\r")[-1] == f"{steps} - accuracy: {acc:.4f} - loss: {loss:.4f}\n"
    assert _printed(m.evaluate, x, y, verbose=2) == \
        f"3/3 - 0s - 0s/step - accuracy: {acc:.4f} - loss: {loss:.4f}\n"


def test_real_clock_text_matches_keras3_with_times_masked():
    k3 = keras3()
    x, y = _data()
    ours, ref = _model(keras), _model(k3)
    ref.set_weights(ours.get_weights())
    for verbose in (1, 2):
        for call, args in (("evaluate", (x, y)), ("predict", (x,))):
            want = _printed(getattr(ref, call), *args, batch_size=8, verbose=verbose,
                            callbacks=_in_order(k3))
            got = _printed(getattr(ours, call), *args, batch_size=8, verbose=verbose)
            assert _mask(_screen(got)) == _mask(_screen(want)), (call, verbose)
            assert _mask(got.split("\r")[-1]) == _mask(want.split("\r")[-1])


class _Record(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.first, self.epochs = [], []

    def on_batch_end(self, batch, logs=None):
        if batch == 0:
            self.first.append({k: v for k, v in logs.items() if k not in ("batch", "size")})

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(dict(logs))


def _keras3_fit_text(k3, verbose, epochs, steps, rec) -> str:
    """Keras 3's ProgbarLogger driven as Keras 3's fit drives it, with dlcore's logs."""
    cb = k3.callbacks.ProgbarLogger()
    cb.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cb.on_train_begin()
        for e in range(epochs):
            cb.on_epoch_begin(e)
            for b in range(steps):
                cb.on_train_batch_end(b, dict(sorted(rec.first[e].items())))
            cb.on_epoch_end(e, dict(sorted(rec.epochs[e].items())))
    return out.getvalue()


@pytest.mark.parametrize("verbose", [1, 2, "auto"])
@pytest.mark.parametrize("epochs,val", [(1, False), (3, True), (2, False)])
def test_fit_prints_keras3s_text(verbose, epochs, val, frozen_clock):
    k3 = keras3()
    x, y = _data()
    m, rec = _model(keras), _Record()
    text = _printed(m.fit, x, y, batch_size=16, epochs=epochs, verbose=verbose, shuffle=False,
                    callbacks=[rec], validation_split=0.2 if val else 0.0)
    steps = -(-56 // 16) if val else -(-70 // 16)
    assert text == _keras3_fit_text(k3, verbose, epochs, steps, rec)
    assert ("Epoch 1/" in text) == (epochs > 1)
    if val:
        assert text.rstrip("\n").endswith(f"val_loss: {rec.epochs[-1]['val_loss']:.4f}")


def test_fit_verbose2_exact_line(frozen_clock):
    x, y = _data()
    m, rec = _model(keras), _Record()
    text = _printed(m.fit, x, y, batch_size=35, epochs=2, verbose=2, callbacks=[rec])
    lines = [f"2/2 - 0s - 0s/step - accuracy: {e['accuracy']:.4f} - loss: {e['loss']:.4f}"
             for e in rec.epochs]
    assert text == f"Epoch 1/2\n{lines[0]}\nEpoch 2/2\n{lines[1]}\n"
    assert _printed(m.fit, x, y, epochs=2, verbose=0) == ""


def test_fit_progbar_runs_after_the_users_callbacks(frozen_clock):
    """Keras 3 appends its ProgbarLogger last: what a callback prints at epoch end comes
    before the epoch's final bar, and what it adds to the logs is shown."""
    x, y = _data()
    m = _model(keras)

    class Add(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            print("<cb>")
            logs["extra"] = 0.5

    text = _printed(m.fit, x, y, batch_size=70, epochs=1, verbose=2, callbacks=[Add()])
    assert text.startswith("<cb>\n1/1 - 0s - 0s/step - accuracy: ")
    assert text.endswith(" - extra: 0.5000\n")


def test_running_values_are_the_averages_so_far(monkeypatch):
    """Redrawn every step (a clock a second apart): each bar shows the batch-size weighted
    mean of the batches so far, as Keras 3's running metrics give."""
    t = iter(range(10000))
    monkeypatch.setattr(time, "time", lambda: float(next(t)))
    x, y = _data()
    m = _model(keras)
    text = _printed(m.evaluate, x, y, batch_size=32)
    losses = [m.evaluate(x[s:s + 32], y[s:s + 32], verbose=0)[0] for s in (0, 32, 64)]
    shown = [float(v) for v in re.findall(r"loss: ([0-9.]+)", text)]
    sizes = np.array([32, 32, 6])
    want = np.cumsum(np.array(losses) * sizes) / np.cumsum(sizes)
    np.testing.assert_allclose(shown[:3], want, atol=6e-5)
    assert "\x1b[1m2/3\x1b[0m" in text and "\x1b[1m3/3\x1b[0m" in text


@pytest.mark.parametrize("values", [
    [0.5, 0.00099, -0.3, 1234.5678, 0.0, -1e-5],
])
def test_progbar_number_format_matches_keras3(values, frozen_clock):
    k3 = keras3()
    for verbose in (1, 2):
        for stateful in (None, ["a"]):
            texts = []
            for cls in (k3.utils.Progbar, keras.utils.Progbar):
                bar = cls(4, verbose=verbose, stateful_metrics=stateful)
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    for i, v in enumerate(values):
                        bar.update(min(i + 1, 4), [("a", v), ("b", -v)])
                texts.append(out.getvalue())
            assert texts[0] == texts[1]
    assert _progbar._fmt_time(0.0021, "step") == " 2ms/step"
    assert _progbar._fmt_time(2e-4, "step") == " 200us/step"


def test_unknown_target_and_ascii_stdout(frozen_clock):
    k3 = keras3()
    texts = []
    for cls in (k3.utils.Progbar, keras.utils.Progbar):
        out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
        with contextlib.redirect_stdout(out):
            bar = cls(None)
            bar.update(1, [("loss", 0.25)])
            bar.target = 3
            bar.update(3, [("loss", 0.5)], finalize=True)
        out.flush()
        texts.append(out.buffer.getvalue().decode("ascii"))
    assert texts[0] == texts[1]
    assert "      1/Unknown" in texts[1] and "=" * 20 in texts[1]


def test_progbar_argument_error_is_keras3s():
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or "
                                         "`stateless_metrics` can be provided"):
        keras.utils.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


@pytest.mark.parametrize("verbose", [1, 2])
def test_custom_step_evaluate_and_predict_print_keras3s_text(verbose, frozen_clock):
    """keras.io's 'Providing your own evaluation step' model (a custom test_step): evaluate
    and predict print what Keras 3 prints for it (they printed nothing)."""
    from tests.static.test_keras3_custom_steps import _guide_eval_model
    k3 = keras3()
    rng = np.random.RandomState(3)
    x, y = rng.randn(100, 32).astype("float32"), rng.randn(100, 1).astype("float32")
    ours, ref = _guide_eval_model(keras), _guide_eval_model(k3)
    ref.set_weights(ours.get_weights())
    for call, args in (("evaluate", (x, y)), ("predict", (x,))):
        want = _printed(getattr(ref, call), *args, batch_size=16, verbose=verbose,
                        callbacks=_in_order(k3))
        got = _printed(getattr(ours, call), *args, batch_size=16, verbose=verbose)
        _same_text_and_values(got, want, call)
        assert got.endswith("\n") and "7/7" in got


_VALUE = re.compile(r"\d+\.\d{4}")


def _same_text_and_values(got: str, want: str, what: str) -> None:
    """The same text, the metrics' printed 4-decimal values within one unit of their last
    digit: dlcore's float32 sums and Keras 3's differ in their last bits, and a value on a
    rounding boundary (mae 1.29305) prints 1.2930 in one and 1.2931 in the other, depending
    on the weights the process's random state gave the model."""
    assert _VALUE.sub("#", got) == _VALUE.sub("#", want), what
    a = [float(v) for v in _VALUE.findall(got)]
    b = [float(v) for v in _VALUE.findall(want)]
    np.testing.assert_allclose(a, b, rtol=0, atol=1.5e-4, err_msg=what)


def test_a_progbar_logger_the_user_gives_is_the_only_one(frozen_clock):
    """Keras 3 adds its ProgbarLogger only where the callbacks hold none; keras.callbacks.
    ProgbarLogger() takes Keras 3's (no) arguments and reads verbose from fit."""
    x, y = _data()
    m = _model(keras)
    text = _printed(m.fit, x, y, batch_size=35, epochs=2, verbose=2,
                    callbacks=[keras.callbacks.ProgbarLogger()])
    assert text.count("Epoch 1/2") == 1 and text.count("2/2 - 0s - 0s/step") == 2
