"""What a cold first compiled step makes Numba compile (issue 19): the fused loops' partial sums
use no ``np.zeros``, ``astype`` or ``reshape`` of their results (the first of each in a process
compiled an overload, 0.2-0.4 s of CPU; a reshape only as a folded loop's view of an array,
``compiler/loop_fold.py``, whose first costs ~0.1 s once and whose folded loops less), a sum over the innermost axis alone is written to its result row
by row, and ``fsum64`` is called with a length that is not a literal (Numba compiled it again
for each literal row length).  Values as NumPy's float64 sums rounded to float32."""

from __future__ import annotations

import re
import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu._fsum import fsum64


@pytest.mark.parametrize("shape,axes,keep", [((6, 40), 1, False), ((6, 40), 1, True),
                                             ((3, 5, 33), 2, True), ((3, 5, 33), (0, 2), True),
                                             ((40, 33), 0, True)])
def test_partial_sums_compile_no_allocation_overloads(shape, axes, keep):
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)
    x = tf.placeholder(tf.float32, shape)
    y = tf.placeholder(tf.float32, shape)
    d = x - y
    s = tf.reduce_sum(d * d, axis=axes, keepdims=keep)
    with tf.Session(passes="all") as sess:
        got = sess.run(s, {x: a, y: b})
        src = sess.plan([s], {x: a, y: b}).compiler.codegen["source"]
    d32 = a - b
    want = np.sum(d32.astype(np.float64) ** 2, axis=axes, keepdims=keep)
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=3e-7, atol=0)
    assert got.shape == want.shape and got.dtype == np.float32
    assert "np.zeros(" not in src and ".astype(" not in src
    # (a reshape only as a folded loop's view of an array, compiler/loop_fold.py: no copy,
    # through _numba_views.c_view, not Numba's reshape: cheaper to compile)
    assert ".reshape(" not in src, src
    assert all(re.fullmatch(r"\s*\w+ = c_view\(\w+, \([\d, ]+\)\)", ln)
               for ln in src.splitlines() if "c_view(" in ln and "import" not in ln), src
    if axes in (1, 2):                     # the innermost axis alone: straight to the result
        assert "= np.float32(fsum64(" in src
    assert "Literal" not in str(fsum64.signatures)
