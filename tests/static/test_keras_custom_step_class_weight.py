"""``fit(class_weight=...)`` of a model with a Keras 3 ``train_step``: a class left out of
``class_weight`` weighs 1.0, as Keras 3's ``class_weight_to_sample_weights`` (it weighed 0)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from tests.static.test_keras3_custom_steps import _data, _guide_weighted_train_model


def test_a_class_left_out_of_class_weight_weighs_one():
    x, _ = _data(40)
    y = (np.arange(40) % 2).astype("float32")[:, None]
    runs, start = [], None
    for kw in ({"class_weight": {1: 2.0}},
               {"sample_weight": np.where(y[:, 0] > 0, 2.0, 1.0).astype("float32")},
               {"sample_weight": np.where(y[:, 0] > 0, 2.0, 0.0).astype("float32")}):
        model = _guide_weighted_train_model(keras, tf.GradientTape)
        start = model.get_weights() if start is None else start
        model.set_weights(start)
        h = model.fit(x, y, batch_size=20, epochs=2, shuffle=False, verbose=0, **kw)
        runs.append(h.history)
    assert runs[0] == pytest.approx(runs[1])
    assert runs[0]["loss"] != pytest.approx(runs[2]["loss"])      # (what it was: weight 0)
