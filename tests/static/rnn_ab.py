"""The fused-layer A/B of the static RNN tests: a graph whose ``dynamic_rnn`` runs the fused
layers (``dlcore_static/rnn_fused.py``) or, with them turned off, the step loop."""

from __future__ import annotations

import contextlib

import dlcore_static as tf
from dlcore_static import rnn as rnn_module


@contextlib.contextmanager
def fused_or_loop(fused: bool, monkeypatch, seed: int):
    """A new default graph with the op seed ``seed``; without ``fused``, ``dynamic_rnn``
    builds its loop (``fused_layers`` patched to None for the test)."""
    if not fused:
        monkeypatch.setattr(rnn_module, "fused_layers", lambda *a: None)
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(seed)
        yield g
