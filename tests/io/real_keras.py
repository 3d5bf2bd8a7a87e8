"""Run a script against real Keras 3 (NumPy backend) in the test's own process.

The Keras-file tests hand dlcore's files to a short script written as a Keras user would write
it (``import keras``, the folder in ``sys.argv[1]``, verdicts printed).  It used to run in a
subprocess, which paid a Python start and Keras's import (with JAX under it: about 5 s of CPU)
for each of the two tests, in a worker that imports Keras for the other oracles anyway; here it
runs in this process, with the backend every oracle in the suite uses.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

import pytest


def keras3():
    """Keras 3 with the NumPy backend (no TensorFlow needed), or the test is skipped."""
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if int(k3.__version__.split(".")[0]) < 3:
        pytest.skip("Keras 3 is not installed")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 is loaded with another backend")
    return k3


def run_script(source: str, folder) -> str:
    """What ``python -c source folder`` would print, run in this process."""
    keras3()
    out = io.StringIO()
    argv = sys.argv
    sys.argv = ["-c", str(folder)]
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(source, "<real keras script>", "exec"), {"__name__": "__main__"})  # noqa: S102
    finally:
        sys.argv = argv
    return out.getvalue()
