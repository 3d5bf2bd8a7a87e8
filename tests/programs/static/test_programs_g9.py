"""TF1 and Keras programs of the G9 batch (in this folder, as written; tiny sizes, synthetic
data), run as scripts on dlcore_static: Hands-On ML's time-series RNN with
tf.contrib.rnn.OutputProjectionWrapper and its stacked-dense variant
(tf_rnn_time_series_projection.py); checked by their printed properties and against NumPy
where the values can be recomputed."""

from __future__ import annotations

import numpy as np
from test_programs_keras import line, numbers, run_program


def test_time_series_rnn_with_output_projection(capsys):
    out, env = run_program("tf_rnn_time_series_projection.py", capsys)
    assert "outputs (?, 12, 1) states (?, 32) cell sizes 1 32" in out
    assert "'rnn/output_projection_wrapper/kernel:0', [32, 1]" in out
    mse = [numbers(ln)[0] for ln in out.splitlines() if "\tMSE:" in ln]
    assert len(mse) == 2 and mse[-1] < 0.1 * mse[0]
    first, final = numbers(line(out, "held-out MSE"))
    assert final < 0.05 * first
    assert "projection by hand matches: True" in out
    assert "generated 32 finite True" in out
    assert "stacked (?, 32) (?, 12, 1)" in out
    assert "stacked variant held-out MSE below the start: True" in out
    assert np.asarray(env["sequence"]).shape == (32,)
