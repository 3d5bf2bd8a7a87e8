"""The shared op table (tests/core/op_table.py: one row per primitive and composite) on the
CUDA device: every row, every sample shape, float32, compared with the same row on the CPU.

Composites exercise chains of CUDA kernels (softmax: max, sub, exp, sum, div), so this catches
kernels that are right alone but hand on a layout or dtype the next kernel mishandles.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import dlcore
from dlcore.device import is_cuda_array

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from op_table import ROWS, make_inputs

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]


def _on_device(x):
    return dlcore.to_device(np.asarray(x), "cuda")


@pytest.mark.parametrize("row", ROWS, ids=[r.label for r in ROWS])
def test_row_on_cuda_matches_cpu(row):
    rng = np.random.default_rng(0)
    for shapes in row.shapes:
        xs = make_inputs(row, shapes, "float32", rng)
        with np.errstate(all="ignore"):
            want = np.asarray(row.fn(*xs))
        out = row.fn(*[_on_device(x) for x in xs])
        assert is_cuda_array(out), f"{row.label}: the result left the device"
        got = dlcore.to_host(out)
        assert got.shape == want.shape, (row.label, shapes)
        assert got.dtype == want.dtype, (row.label, shapes, got.dtype, want.dtype)
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=row.rtol, atol=row.atol,
                                       err_msg=f"{row.label} {shapes}")
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"{row.label} {shapes}")
