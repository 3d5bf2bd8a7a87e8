"""Every row of the op table, on the CPU, against its NumPy reference: values and dtypes, in
float32 and float64, for every sample shape (broadcasting, 0-d and size-0 included)."""

from __future__ import annotations

import numpy as np
import pytest

from .op_table import ROWS, make_inputs

CASES = [(row, dt) for row in ROWS for dt in
         (row.dtypes if any(d in ("real", "pos", "away0", "unit", "prob") for d in row.domains)
          else ("float32",))]


@pytest.mark.parametrize("row,dtype", CASES, ids=[f"{r.label}-{d}" for r, d in CASES])
def test_matches_numpy(row, dtype):
    rng = np.random.default_rng(0)
    for shapes in row.shapes:
        xs = make_inputs(row, shapes, dtype, rng)
        got = np.asarray(row.fn(*xs))
        with np.errstate(all="ignore"):
            want = np.asarray(row.ref(*xs))
        assert got.shape == want.shape, (row.label, shapes)
        assert got.dtype == want.dtype, (row.label, shapes, got.dtype, want.dtype)
        if dtype == "float64":
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=row.label)
        else:
            np.testing.assert_allclose(got, want, rtol=row.rtol, atol=row.atol,
                                       err_msg=row.label)


@pytest.mark.parametrize("row", [r for r in ROWS if all(
    d in ("real", "pos", "away0", "unit") for d in r.domains)], ids=lambda r: r.label)
def test_non_contiguous_inputs(row):
    """The same rows with every input given as a non-contiguous view (transposed and strided),
    which the kernels read in place."""
    rng = np.random.default_rng(1)
    for shapes in row.shapes:
        xs = make_inputs(row, shapes, "float64", rng)
        views = []
        for x in xs:
            if x.ndim >= 2:
                big = np.ascontiguousarray(np.swapaxes(
                    np.repeat(np.swapaxes(x, 0, -1), 2, axis=0), 0, -1))
                views.append(big[..., ::2])          # strided view, same values as x
            elif x.ndim == 1:
                views.append(np.repeat(x, 2)[::2])
            else:
                views.append(x)
        for v, x in zip(views, xs):
            np.testing.assert_array_equal(v, x)
        got = np.asarray(row.fn(*views))
        want = np.asarray(row.ref(*xs))
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=row.label)
