"""TF1 and Keras programs of the G8 batch (in this folder, as written; tiny sizes, synthetic
data), run as scripts on dlcore_static: tf.nn.raw_rnn as its documentation writes it
(tf_raw_rnn.py), a tf.layers CNN on a [None, None, None, 1] placeholder with SAME convolutions
and a global max (tf_cnn_any_image_size.py), checked by its printed properties and against NumPy where the values can be
recomputed."""

from __future__ import annotations

import numpy as np
from test_programs_keras import line, numbers, run_program


def test_raw_rnn_docs_example_trains(capsys):
    out, env = run_program("tf_raw_rnn.py", capsys)
    assert "outputs shape (6, 4, 8)" in out
    assert "zeros after each length [0.0, 0.0, 0.0, 0.0]" in out
    assert "final h is the last valid output True" in out
    first = numbers(line(out, "step 0 loss"))[0]
    final = numbers(line(out, "final loss"))[0]
    assert final < 0.1 * first
    assert env["outputs"].shape.as_list() == [None, 4, 8]
    np.testing.assert_array_equal(env["lengths"], [6, 4, 3, 5])


def test_cnn_on_images_of_any_size(capsys):
    out, _ = run_program("tf_cnn_any_image_size.py", capsys)
    assert "static shapes: (?, ?, ?, 8) (?, ?, ?, 2) (?, 2)" in out
    losses = [numbers(ln)[-1] for ln in out.splitlines() if ln.startswith("step")]
    assert len(losses) == 4 and losses[-1] < losses[0]
    for size, fmap in (("12x12", "[12, 12]"), ("16x20", "[16, 20]"), ("9x7", "[9, 7]")):
        ln = line(out, f"size {size} feature map")
        assert fmap in ln and numbers(ln)[-1] > 0.8
