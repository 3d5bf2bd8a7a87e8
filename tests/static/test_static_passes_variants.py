"""The ``static_passes`` parameter of this folder's tests (tests/static/conftest.py) takes effect:
under ``passes`` a plan is compiled before its first run, under ``fused`` it is optimised without
the ``compile`` pass, and as written (``default``) a plan's first run is interpreted.  The
folder's file lists name files that exist."""

from pathlib import Path

import numpy as np

import dlcore_static as tf

HERE = Path(__file__).resolve().parent


def test_a_plan_runs_under_this_tests_pass_configuration(static_passes):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.reduce_sum(tf.nn.relu(x * 2.0 + 1.0), axis=1)
    with tf.Session() as sess:
        out = sess.run(y, {x: np.array([[1.0, -2.0, 0.5]], np.float32)})
        plan = sess.plan(y, {x: np.zeros((1, 3), np.float32)})
        tiered = plan._optimized is None if type(plan).__name__ == "TieredPlan" else None
        report = plan.compiler                          # (a TieredPlan optimises to show it)
    np.testing.assert_allclose(out, [3.0 + 0.0 + 2.0])
    assert tiered == (True if static_passes == "default" else None)  # 1st run interpreted?
    assert report.compiled == (static_passes != "fused")


def test_the_file_lists_name_files_of_this_folder(request):
    # this folder's conftest, as pytest loaded it (sys.modules["conftest"] is whichever
    # folder's conftest was imported last)
    static_conftest, = (p for p in request.config.pluginmanager.get_plugins()
                        if getattr(p, "__file__", None) == str(HERE / "conftest.py"))
    names = {p.name for p in HERE.glob("test_*.py")}
    assert static_conftest.BREADTH <= names, static_conftest.BREADTH - names
    assert static_conftest.FUSED_ONLY <= names, static_conftest.FUSED_ONLY - names
    assert not static_conftest.FUSED_ONLY & static_conftest.BREADTH
    assert static_conftest.variants("test_gradients.py") == ["default", "passes", "fused"]
    assert static_conftest.variants("test_tf_image.py") == ["default"]
    assert static_conftest.variants("test_longtail_keras_layers.py") == ["default"]
    assert static_conftest.variants(Path(__file__).name) == ["default", "passes"]
