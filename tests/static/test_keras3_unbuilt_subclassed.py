"""``summary()`` of a subclassed model that has not been called yet prints what Keras 3.15
prints (it used to raise Keras 2's 'This model has not yet been built'): the layers its
attributes hold, ``?`` for their output shapes, ``0 (unbuilt)`` for a layer whose class builds
weights, ``0`` for one Keras 3 builds as it is made (Dropout), and zero totals."""

from __future__ import annotations

import contextlib
import io

import pytest

from dlcore_static import keras
from tests.io.real_keras import keras3


def _models(K):
    class Two(K.Model):
        def __init__(self):
            super().__init__(name="two")
            self.d = K.layers.Dense(2, name="first")
            self.more = [K.layers.Dense(3, name="zz"), K.layers.Dropout(0.1, name="drop")]

        def call(self, x):
            return self.more[1](self.more[0](self.d(x)))

    class Empty(K.Model):
        def __init__(self):
            super().__init__(name="empty")

        def call(self, x):
            return x
    return Two(), Empty()


def _text(model, **kw) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.summary(**kw)
    return out.getvalue()


@pytest.mark.parametrize("kw", [{}, {"show_trainable": True}, {"line_length": 70}])
def test_unbuilt_subclassed_summary_is_keras3s(kw, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    k3 = keras3()
    for ours, theirs in zip(_models(keras), _models(k3)):
        assert _text(ours, **kw) == _text(theirs, **kw)


def test_unbuilt_subclassed_summary_rows():
    text = _text(_models(keras)[0])
    assert text.startswith('Model: "two"\n')
    assert "│ first (Dense)" in text and "0 (unbuilt)" in text
    assert [ln.split("│")[3].strip() for ln in text.splitlines() if "(Dropout)" in ln] == ["0"]
    assert " Total params: 0 (0.00 B)\n" in text
