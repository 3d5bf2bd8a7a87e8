"""Helper C8's program: saving and loading Keras models with custom objects
(keras_custom_objects_save_load.py: custom_objects=, register_keras_serializable,
custom_object_scope), each output checked against what the program states."""

from __future__ import annotations

import os
import re
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K

pytest.importorskip("h5py")
HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    """Runs a program as ``python name argv...``; returns (stdout, the script's globals)."""
    tf.reset_default_graph()
    K.clear_session()
    old = sys.argv
    sys.argv = [name] + [str(a) for a in argv]
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out, env


def numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)]


def line(out: str, start: str) -> str:
    return next(ln for ln in out.splitlines() if ln.startswith(start))


def test_keras_custom_objects_save_load(capsys, tmp_path):
    out, env = run_program("keras_custom_objects_save_load.py", capsys, [tmp_path])
    assert "keras format: same predictions True" in out
    assert "h5 format: same predictions True" in out
    assert numbers(line(out, "config scale")) == [0.5]
    l0, l1 = numbers(line(out, "reloaded keeps training"))
    assert l1 < l0
    assert "registered name MyLayers>MyDense" in out
    assert "without ScaledDense: Could not locate class 'ScaledDense'" in out
    assert "scope: same predictions True" in out
    assert "layer classes ['MyDense', 'ScaledDense']" in out
    rec = env["reconstructed"]
    assert type(rec.layers[1]) is env["ScaledDense"] and rec.loss is env["custom_loss"]
    y = np.asarray(env["y_data"])
    assert rec.evaluate(env["x_data"], y, verbose=0) == pytest.approx(l1, abs=1e-4)
