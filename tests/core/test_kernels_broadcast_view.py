"""The CPU ``broadcast_to`` kernel's view (dlcore/kernels/cpu/shape.py ``_broadcast``): NumPy's
values and shape, read-only, zero-copy, and NumPy's error where the shapes do not broadcast;
its strides are looked up per layout, so a repeated call and a call of another layout agree."""
from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu import shape as S

CASES = [((1, 1), (1, 5)), ((3, 1), (2, 3, 4)), ((1,), (4, 1)), ((), (2, 3)), ((2, 3), (2, 3)),
         ((3, 1, 2), (3, 1, 2)), ((1, 1), (1, 1)), ((2,), (3, 2)), ((4, 1), (4, 6))]


@pytest.mark.parametrize("xs,ts", CASES)
def test_the_view_is_numpys_broadcast(xs, ts):
    x = np.random.default_rng(0).standard_normal(xs).astype(np.float32)
    for _ in range(2):                      # (the second call: the strides from the table)
        y = S.broadcast_to(x, shape=ts)
        np.testing.assert_array_equal(y, np.broadcast_to(x, ts))
        assert y.shape == ts and not y.flags.writeable and np.shares_memory(y, x)
    assert (xs, tuple(np.asarray(x).strides), ts) in S._STRIDES or not x.flags.c_contiguous


@pytest.mark.parametrize("xs,ts", [((1, 4), (4, 1)), ((3,), (2, 4)), ((2, 3), (3,))])
def test_shapes_that_do_not_broadcast_raise_numpys_error(xs, ts):
    x = np.ones(xs, np.float32)
    with pytest.raises(ValueError) as want:
        np.broadcast_to(x, ts)
    for _ in range(2):
        with pytest.raises(ValueError) as got:
            S.broadcast_to(x, shape=ts)
        assert str(got.value) == str(want.value)


def test_a_non_contiguous_input_takes_numpy():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)[:, :1]
    np.testing.assert_array_equal(S.broadcast_to(x, shape=(3, 5)), np.broadcast_to(x, (3, 5)))
