"""TF1 programs of the U8 batch (in this folder, as written; tiny sizes, synthetic data), run
as scripts on dlcore_static: S8's tf.layers CNN on a [None, None, None, 1] placeholder with
SAME convolutions, SAME max pooling at stride 2 (the sizes worked out at run time) and a global
average pool by tf.reduce_mean, trained with MomentumOptimizer on an exponentially decayed
learning rate while 8x8 and 12x12 batches alternate (tf_layers_cnn_any_size.py)."""

from __future__ import annotations

import math

import numpy as np
from test_programs_keras import line, numbers, run_program


def test_tf_layers_cnn_any_size_pools_at_run_time(capsys):
    out, env = run_program("tf_layers_cnn_any_size.py", capsys)
    assert "conv1 [None, None, None, 8] pool1 [None, None, None, 8] gap [None, 8]" in out
    assert "pool1 shape for 12x12: [2 6 6 8]" in out
    assert "global step 40" in out
    lrs = np.array(env["lrs"], np.float64)
    np.testing.assert_allclose(lrs, 0.1 * 0.5 ** (np.arange(40) / 10), rtol=1e-5)
    losses = [numbers(ln)[0] for ln in out.splitlines() if ln.startswith("step")]
    assert len(losses) == 4 and all(math.isfinite(v) and 0 < v < 2 for v in losses)
    acc8, acc12 = numbers(line(out, "test accuracy"))
    assert 0 <= acc8 <= 1 and 0 <= acc12 <= 1
