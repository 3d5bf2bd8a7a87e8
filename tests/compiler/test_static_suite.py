"""The static front end's own test suite, run again with the passes applied to every plan.

By default a ``tf.Session()`` optimises a plan on its second run, so most of tests/static (which
runs each plan once or twice) exercises the interpreter.  Here the suite runs in a subprocess
with ``DLCORE_OPTIMIZE_AFTER=1`` (optimise every plan before its first run) under two
configurations: every pass (the static suite but its API-breadth and long-tail files, in
``CHUNKS`` parts), and every pass but ``compile`` (the fused interpreter; the files listed in
``FUSED_ONLY``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


#: The second configuration's files: those whose plans the fused interpreter runs differently
#: from the compiled loops (gradients, control flow, training, Keras, recurrences).
FUSED_ONLY = ["test_gradients.py", "test_control_flow.py", "test_train.py", "test_keras.py",
              "test_tf_rnn.py"]
#: The API-breadth files (linear algebra, special functions, scatters, images, strings and
#: records, CTC, 3-d convolutions, the estimator, the file formats) run once, interpreted: each
#: of their primitives has op-table rows under ``static+passes`` (tests/core/test_op_table.py),
#: and re-running them under every pass was a third of this test's 88 s of CPU.
BREADTH = {"test_candidate_sampling.py", "test_conv3d_static.py", "test_ctc_beam.py",
           "test_estimator.py", "test_nn_long_tail_static.py", "test_saved_model.py",
           "test_saving.py", "test_string_hash.py", "test_text_datasets.py", "test_tf_ctc.py",
           "test_tf_gaps2.py", "test_tf_image.py", "test_tf_linalg2.py", "test_tf_long_tail.py",
           "test_tf_long_tail_ops.py", "test_tf_math_api.py", "test_tf_math_special.py",
           "test_tf_scatter.py", "test_tf_strings.py", "test_tfrecord.py",
           # Keras datasets and preprocessing layers (host-side lookups, resampling, files)
           "test_keras_datasets.py", "test_keras_flow_from_directory.py",
           "test_keras_image_augment.py", "test_keras_preprocessing_files.py",
           "test_keras_preprocessing_layers.py", "test_keras_text_preprocessing.py",
           # Keras metrics' multi-label AUC vs Keras 3 (threshold counts: composites of
           # primitives with op-table rows); 16 s of CPU under every pass, 1.5 s interpreted
           "test_keras_auc_multi_label.py",
           # session 8's: Keras preprocessing (adapt on a dataset, Resizing's padding,
           # TextVectorization's n-grams), a stateful LSTM's file round trips, build-time
           # errors of 0-d reductions; and test_updates_in_one_run.py, which runs each check
           # both interpreted and under every pass itself (its Sessions name their passes, so
           # DLCORE_PASSES changed nothing there).  11 s of CPU under every pass (Keras's
           # import included), 6.5 s interpreted
           "test_keras_adapt_dataset.py", "test_keras_resizing_pad.py",
           "test_keras_text_vectorization_ngrams.py", "test_keras_stateful_files.py",
           "test_silent8_static.py", "test_updates_in_one_run.py",
           # and session 8's Keras model plumbing, each compared with Keras 3 (whose import is
           # most of their cost): layers' get_config/from_config, custom objects in files,
           # Sequential's deferred build and sublayer tracking (Dense/Input composites whose
           # primitives have op-table rows under every pass)
           "test_keras_get_config.py", "test_keras_custom_objects.py",
           "test_keras_deferred_build.py", "test_keras_sublayer_tracking.py"}
#: The long-tail API files (``test_longtail_*.py``: Keras layers, losses, optimizers, image
#: generator, tf.image colours, metrics, names, ...) are API breadth too: composites of
#: primitives that each have their op-table rows under every pass (tests/core/
#: test_completeness.py requires one per primitive), most compared with real Keras 3, whose
#: import alone is ~6 s of CPU.  Under every pass the 13 of them cost 14.5 s of CPU with
#: Numba's disk cache warm, 101 s with it cold (their plans compiled; load 9); they run once,
#: interpreted.
LONG_TAIL = "test_longtail_*.py"
#: The rest of the static suite under every pass runs as CHUNKS subprocesses that pytest-xdist
#: spreads over its workers.  One: the slow tests are handed out first (tests/conftest.py), so
#: the one ~50 s subprocess starts at once instead of ending the run, and a second part cost
#: another start-up, collection and Keras import (~8 s of CPU).
CHUNKS = 1
_STATIC_FILES = sorted(p.name for p in (ROOT / "tests" / "static").glob("test_*.py")
                       if p.name not in BREADTH and not p.match(LONG_TAIL))
#: A file that imports a reference library: real Keras 3 (3.9 s of CPU to import, JAX with it)
#: or PyTorch (2.5 s).
_ORACLE = re.compile(r"""^\s*(?:import|from)\s+(?:keras|torch)\b"""
                     r"""|importorskip\(\s*["'](?:keras|torch)["']""", re.MULTILINE)


def _chunks(files: list[str], n: int) -> list[list[str]]:
    """``files`` in ``n`` parts: those that import Keras or PyTorch together in the first (each
    subprocess imports a library once; dealt round-robin, both parts imported Keras), the others
    each to the part with fewest files so far."""
    oracle = [f for f in files if _ORACLE.search((ROOT / "tests" / "static" / f).read_text())]
    parts: list[list[str]] = [oracle] + [[] for _ in range(n - 1)]
    for f in files:
        if f not in oracle:
            min(parts, key=len).append(f)
    return parts


@pytest.mark.slow
@pytest.mark.parametrize("passes,files", [
    *[("all", [f"tests/static/{f}" for f in part]) for part in _chunks(_STATIC_FILES, CHUNKS)],
    ("prune,constant_folding,simplify,cse,fusion", [f"tests/static/{f}" for f in FUSED_ONLY])],
    ids=[*[f"all-{i + 1}of{CHUNKS}" for i in range(CHUNKS)], "fused-interpreter"])
def test_static_suite_with_passes(passes, files):
    # Without the installed plugins (hypothesis, pytest-benchmark, xdist: no static test uses
    # them), whose loading cost each subprocess 0.7 s of CPU (4.7-5.0 s against 5.7-8.1 s for
    # the fused-interpreter run, interleaved).
    env = dict(os.environ, DLCORE_PASSES=passes, DLCORE_OPTIMIZE_AFTER="1",
               PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        *files], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=1800, check=False)
    tail = "\n".join(r.stdout.splitlines()[-15:])
    assert r.returncode == 0, tail
