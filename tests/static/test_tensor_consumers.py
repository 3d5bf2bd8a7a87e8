"""``Tensor.consumers()``: the ops that read the tensor, in creation order, each once, found by
identity (as TF 1.15's graph walk does), without calling ``Tensor.__eq__`` on the other inputs
(its TF2-comparison warning check looks up a frame: 631,662 such calls in tests/programs)."""

from __future__ import annotations

import warnings

import numpy as np

import dlcore_static as tf
from dlcore_static.graph import Tensor


def test_consumers_in_creation_order_each_once_without_eq_calls(monkeypatch):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2, 2], name="x")
        w = tf.constant(np.eye(2, dtype=np.float32), name="w")
        twice = tf.add(x, x, name="twice")              # reads x twice: listed once
        other = tf.matmul(w, w, name="other")            # does not read x
        mm = tf.matmul(x, w, name="mm")
        last = tf.reduce_sum(twice + mm, name="last")
    calls: list = []
    real = Tensor.__eq__

    def counting(self, other):
        calls.append(other)
        return real(self, other)

    monkeypatch.setattr(Tensor, "__eq__", counting)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [op.name for op in x.consumers()] == ["twice", "mm"]
        assert [op.name for op in w.consumers()] == ["other", "mm"]
        assert last.consumers() == [] and other.consumers() == []
        assert twice.consumers()[0].name == "add"          # (the "+" above)
    assert calls == []
