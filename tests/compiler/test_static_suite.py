"""The static front end's own test suite, run again with the passes applied to every plan.

By default a ``tf.Session()`` optimises a plan on its second run, so most of tests/static (which
runs each plan once or twice) exercises the interpreter.  Here the suite runs in a subprocess
with ``DLCORE_OPTIMIZE_AFTER=1`` (optimise every plan before its first run) under two
configurations: every pass (the whole static suite, in ``CHUNKS`` parts), and every pass but
``compile`` (the fused interpreter; the files listed in ``FUSED_ONLY``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


#: The second configuration's files: those whose plans the fused interpreter runs differently
#: from the compiled loops (gradients, control flow, training, Keras, recurrences, batch norm).
#: The API-breadth files (linear algebra, special functions, scatters, strings, the estimator)
#: run under every pass only; each of their primitives also has op-table rows under
#: ``static+passes`` (tests/core/test_op_table.py).  18 files here took 23.5 s of CPU.
FUSED_ONLY = ["test_gradients.py", "test_control_flow.py", "test_train.py", "test_keras.py",
              "test_tf_rnn.py", "test_tf_tensor_array.py", "test_batchnorm_moving_stats.py",
              "test_custom_gradient.py"]
#: The whole static suite under every pass runs as CHUNKS subprocesses (files dealt round-robin)
#: so that pytest-xdist can spread them over its workers: as one subprocess it took 67 s of one
#: core, often the last test left running.
CHUNKS = 3
_STATIC_FILES = sorted(p.name for p in (ROOT / "tests" / "static").glob("test_*.py"))


@pytest.mark.parametrize("passes,files", [
    *[("all", [f"tests/static/{f}" for f in _STATIC_FILES[i::CHUNKS]]) for i in range(CHUNKS)],
    ("prune,constant_folding,simplify,cse,fusion", [f"tests/static/{f}" for f in FUSED_ONLY])],
    ids=[*[f"all-{i + 1}of{CHUNKS}" for i in range(CHUNKS)], "fused-interpreter"])
def test_static_suite_with_passes(passes, files):
    env = dict(os.environ, DLCORE_PASSES=passes, DLCORE_OPTIMIZE_AFTER="1",
               PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        *files], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=1800, check=False)
    tail = "\n".join(r.stdout.splitlines()[-15:])
    assert r.returncode == 0, tail
