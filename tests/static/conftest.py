"""Each static test builds in a fresh default graph, and most run twice: as written, and with
every graph pass applied to every plan before its first run.

By default a ``tf.Session()`` optimises a plan on its second run (``compiler.Pipeline``), so a
test that runs each plan once or twice mostly exercises the interpreter.  So each test of this
folder is collected with a ``static_passes`` parameter: ``default`` (as written), ``passes``
(``DLCORE_PASSES=all``, ``DLCORE_OPTIMIZE_AFTER=1``: the whole plan compiled into one Numba
function), and for the files in ``FUSED_ONLY`` also ``fused`` (every pass but ``compile``: the
fused interpreter).  The same assertions hold under each: real programs give the same results
with the passes on.  The API-breadth files (``BREADTH``, ``LONG_TAIL``) run once, as written:
each of their primitives has op-table rows under ``static+passes`` (tests/core/test_op_table.py).

These reruns used to be a subprocess per configuration (tests/compiler/test_static_suite.py,
53 s of CPU and 58 s of wall time for the 'all' one in the last fresh-clone run): a second
interpreter that imported both front ends, PyTorch, Keras 3 and JAX again, collected 63 files
again, and ran as one long test on one xdist worker.  In-process, the reruns share the worker's
imports and loaded kernels and are spread over the workers like any other test.
"""

from __future__ import annotations

from fnmatch import fnmatch

import pytest

import dlcore_static as tf

#: The files that also run under the fused interpreter (every pass but ``compile``): those whose
#: plans the fused interpreter runs differently from the compiled loops (gradients, control
#: flow, training, Keras, recurrences).
FUSED_ONLY = {"test_gradients.py", "test_control_flow.py", "test_train.py", "test_keras.py",
              "test_tf_rnn.py"}
#: The API-breadth files (linear algebra, special functions, scatters, images, strings and
#: records, CTC, 3-d convolutions, the estimator, the file formats) run once, as written: each
#: of their primitives has op-table rows under ``static+passes`` (tests/core/test_op_table.py),
#: and re-running them under every pass was a third of the rerun's 88 s of CPU.
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
           # primitives with op-table rows); 16 s of CPU under every pass, 1.5 s as written
           "test_keras_auc_multi_label.py",
           # session 8's: Keras preprocessing (adapt on a dataset, Resizing's padding,
           # TextVectorization's n-grams), a stateful LSTM's file round trips, build-time
           # errors of 0-d reductions; and test_updates_in_one_run.py, which runs each check
           # both interpreted and under every pass itself (its Sessions name their passes, so
           # DLCORE_PASSES changes nothing there)
           "test_keras_adapt_dataset.py", "test_keras_resizing_pad.py",
           "test_keras_text_vectorization_ngrams.py", "test_keras_stateful_files.py",
           "test_silent8_static.py", "test_updates_in_one_run.py",
           # and session 8's Keras model plumbing, each compared with Keras 3: layers'
           # get_config/from_config, custom objects in files, Sequential's deferred build and
           # sublayer tracking (Dense/Input composites whose primitives have op-table rows
           # under every pass)
           "test_keras_get_config.py", "test_keras_custom_objects.py",
           "test_keras_deferred_build.py", "test_keras_sublayer_tracking.py",
           # session 9's Keras 3 comparisons (configs, auto get_config, dict tracking,
           # unbuilt Sequential, logs/shapes/activity regularizer): the same kind of plumbing
           "test_keras3_layer_configs.py", "test_keras3_auto_config.py",
           "test_keras3_dict_tracking.py", "test_keras3_unbuilt_sequential.py",
           "test_keras3_logs_shapes.py"}
#: The long-tail API files (Keras layers, losses, optimizers, image generator, tf.image colours,
#: metrics, names, ...) are API breadth too: composites of primitives that each have op-table
#: rows under every pass (tests/core/test_completeness.py requires one per primitive), most
#: compared with real Keras 3.  They run once, as written.
LONG_TAIL = "test_longtail_*.py"

#: ``static_passes`` -> the environment a test runs under (None: as written).
CONFIGS: dict[str, dict[str, str] | None] = {
    "default": None,
    "passes": {"DLCORE_PASSES": "all", "DLCORE_OPTIMIZE_AFTER": "1"},
    "fused": {"DLCORE_PASSES": "prune,constant_folding,simplify,cse,fusion",
              "DLCORE_OPTIMIZE_AFTER": "1"},
}


def variants(filename: str) -> list[str]:
    """The ``static_passes`` values a test file of this folder runs under."""
    if filename in BREADTH or fnmatch(filename, LONG_TAIL):
        return ["default"]
    return ["default", "passes", *(["fused"] if filename in FUSED_ONLY else [])]


def pytest_generate_tests(metafunc):
    if "static_passes" in metafunc.fixturenames:
        names = variants(metafunc.definition.path.name)
        if len(names) > 1:
            metafunc.parametrize("static_passes", names, indirect=True)


@pytest.fixture(autouse=True)
def static_passes(request, monkeypatch):
    """The pass configuration this run of the test is under (see the module docstring)."""
    name = getattr(request, "param", "default")
    for var, value in (CONFIGS[name] or {}).items():
        monkeypatch.setenv(var, value)
    return name


@pytest.fixture(autouse=True)
def fresh_graph(static_passes):
    g = tf.Graph()
    with g.as_default():
        yield g
