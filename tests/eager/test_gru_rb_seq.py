"""The reset-before GRU layer over time (``gru_rb_seq``/``gru_rb_seq_grad`` in
dlcore/ops/sequence_gru_rb.py: TensorFlow 1's GRUCell and Keras' ``GRU(reset_after=False)``,
run by ``tf.nn.dynamic_rnn`` and the Keras layer): the primitives' vjps against central
differences (the first-order kernel, and the second-order composite of ``gru_rb_seq_grad``),
float32 against float64, and the shape and dtype errors.  (Values against NumPy: the op-table
rows, tests/core/op_rows_seq.py; the front ends: tests/static/test_dynamic_rnn_fused.py and
test_keras_rnn_fused.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.ops import sequence as seq
from dlcore.ops import sequence_gru_rb
from vjp_fd import fd_check

T, B, H = 3, 2, 2


def test_gru_rb_seq_vjp_finite_differences():
    """The whole output [h, r, u, c]: a random cotangent on every column."""
    rng = np.random.default_rng(5)
    shapes = [(T, B, 3 * H), (H, 2 * H), (H, H), (B, H)]
    fd_check(sequence_gru_rb.gru_rb_seq_p, [rng.standard_normal(s) for s in shapes], rng)


def test_gru_rb_seq_grad_vjp_finite_differences():
    rng = np.random.default_rng(4)
    shapes = [(T, B, 4 * H), (T, B, 4 * H), (H, 2 * H), (H, H), (B, H)]     # g, y, ug, uc, h0
    fd_check(sequence_gru_rb.gru_rb_seq_grad_p, [rng.standard_normal(s) for s in shapes], rng)


def test_float32_follows_float64():
    rng = np.random.default_rng(6)
    args = [rng.standard_normal(s) * 0.7 for s in ((5, 3, 12), (4, 8), (4, 4), (3, 4))]
    want = np.asarray(seq.gru_rb_seq(*args))
    got = np.asarray(seq.gru_rb_seq(*[a.astype(np.float32) for a in args]))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_gru_rb_seq_refuses_bad_input():
    from dlcore.errors import DTypeNotImplemented, ShapeError
    xw, ug, uc, h0 = np.zeros((3, 2, 6)), np.zeros((2, 4)), np.zeros((2, 2)), np.zeros((2, 2))
    with pytest.raises(ShapeError, match=r"expects xw .* for 'gru_rb_seq' with input shapes: "
                                         r"\[3,2,6\], \[2,4\], \[2,2\], \[2,3\]"):
        seq.gru_rb_seq(xw, ug, uc, np.zeros((2, 3)))
    with pytest.raises(ShapeError, match=r"\[3,2,6\], \[2,6\], \[2,2\], \[2,2\]"):
        seq.gru_rb_seq(xw, np.zeros((2, 6)), uc, h0)
    with pytest.raises(ShapeError, match="at least one time step"):
        seq.gru_rb_seq(np.zeros((0, 2, 6)), ug, uc, h0)
    with pytest.raises(DTypeNotImplemented, match="same floating dtype"):
        seq.gru_rb_seq(xw.astype(np.float32), ug, uc, h0)
