"""Differences from PyTorch 2.13 found by running the public example programs in
tests/programs/eager (fast_neural_style, super_resolution, ...), each checked against torch."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape, reps", [((1, 3, 2, 2), (2, 1, 1, 1)), ((2, 1), (1, 3)),
                                         ((2, 2), (1, 1)), ((3,), (2, 2))])
def test_repeat_and_tile_are_new_writable_tensors(shape, reps):
    # fast_neural_style: style.repeat(batch, 1, 1, 1) then normalize_batch's div_(255) in place
    # (dlcore gave a read-only 0-stride view: 'assignment destination is read-only')
    for f in (lambda t: t.repeat(*reps), lambda t: t.tile(reps)):
        results = []
        for lib in (dl, torch):
            x = lib.arange(float(np.prod(shape))).reshape(shape)
            y = f(x)
            y.div_(2.0)
            results.append((x.numpy().copy(), y.numpy().copy()))
        np.testing.assert_array_equal(results[0][0], results[1][0])    # x untouched
        np.testing.assert_array_equal(results[0][1], results[1][1])
