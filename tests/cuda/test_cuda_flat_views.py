"""The flat (1-D) views a CUDA launch passes (dlcore/kernels/cuda/elementwise.py ``flat``,
``flat_view``; ``_support.view_as``): a shaped output hands back the flat array it was shaped
from, a contiguous array's reshape is made once and kept on it, a strided array is copied
(its copy's view kept on the copy, never on the strided original), and the views alias the
arrays' memory.  Each numba.cuda reshape is a new device array object (on an H200, ~20 Python
calls): the seed's eager step made 60 a step under the simulator, now 27."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
from dlcore.kernels.cuda import _support as S
from dlcore.kernels.cuda.elementwise import flat

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]


def test_flat_views_are_kept_and_alias_the_memory():
    host = np.arange(12, dtype=np.float32).reshape(3, 4)
    flat_out = dlcore.to_device(host.ravel(), "cuda")
    shaped = S.view_as(flat_out, (3, 4))
    assert flat(shaped) is flat_out                       # the array it was shaped from
    x = dlcore.to_device(host, "cuda")
    f = flat(x)
    assert f.shape == (12,) and flat(x) is f              # made once, then kept
    np.testing.assert_array_equal(f.copy_to_host(), host.ravel())
    x[1, 2] = 100.0                                       # the same memory
    assert f.copy_to_host()[6] == 100.0
    strided = x[:, ::2]
    g = flat(strided)
    np.testing.assert_array_equal(g.copy_to_host(), [0, 2, 4, 100, 8, 10])
    assert getattr(strided, S.FLAT, None) is None         # a copy's view: not the original's
    assert flat(flat_out) is flat_out                     # 1-D: itself
