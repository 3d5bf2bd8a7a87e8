"""The static front end's own test suite, run again with the passes applied to every plan.

By default a ``tf.Session()`` optimises a plan on its second run, so most of tests/static (which
runs each plan once or twice) exercises the interpreter.  Here the suite runs in a subprocess
with ``DLCORE_OPTIMIZE_AFTER=1`` (optimise every plan before its first run) under two
configurations: every pass (the whole static suite), and every pass but ``compile`` (the fused
interpreter; the files listed in ``STRUCTURAL``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


#: What the second configuration (passes without the compiler) runs: the files whose graphs
#: exercise graph structure (gradients, control flow, variables and training loops, Keras models,
#: recurrences, batch norm, the runtime), where folding, CSE and fusion have something to change.
#: The API-breadth files (linear algebra, special functions, scatters, strings and records, the
#: estimator, ...) run once under every pass; each of their primitives also has op-table rows
#: under ``static+passes`` (tests/core/test_op_table.py).  The whole static suite under both
#: configurations had grown to about 150 s of CPU time, a quarter of the README command's.
STRUCTURAL = ["test_gradients.py", "test_control_flow.py", "test_session.py", "test_runtime.py",
              "test_graph.py", "test_train.py", "test_keras.py", "test_keras_functional.py",
              "test_tf_rnn.py", "test_tf_tensor_array.py", "test_batchnorm_moving_stats.py",
              "test_conv_static.py", "test_tf_data.py", "test_custom_gradient.py",
              "test_index_operands.py", "test_tf_oracle.py", "test_keras_recurrent.py",
              "test_tf_graph_api.py"]


@pytest.mark.parametrize("passes,files", [
    ("all", ["tests/static"]),
    ("prune,constant_folding,simplify,cse,fusion", [f"tests/static/{f}" for f in STRUCTURAL])])
def test_static_suite_with_passes(passes, files):
    env = dict(os.environ, DLCORE_PASSES=passes, DLCORE_OPTIMIZE_AFTER="1",
               PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        *files], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=1800, check=False)
    tail = "\n".join(r.stdout.splitlines()[-15:])
    assert r.returncode == 0, tail
