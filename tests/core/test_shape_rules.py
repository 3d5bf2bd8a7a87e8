"""Kernels agree with shape rules: every primitive call made by every row of the op table (the
composites' inner calls included) returns exactly the shape and dtype its rule promised.

A tiny front end (``Checked``) intercepts each ``bind``: it evaluates the rule, runs the CPU
kernel and compares, so a float32 op that silently returned float64 fails here by name."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore import dtypes as _dt
from dlcore.registry import AVal, aval_of, scalar_context_dtype

from .op_table import ROWS, make_inputs


class Checked:
    __slots__ = ("buf",)

    def __init__(self, buf):
        self.buf = buf

    def __dlcore_aval__(self) -> AVal:
        return AVal(tuple(self.buf.shape), np.dtype(self.buf.dtype))


class _CheckingFrontend:
    @staticmethod
    def apply(prim, args, params):
        other = scalar_context_dtype(args)
        bufs = [a.buf if isinstance(a, Checked) else
                np.asarray(a, dtype=_dt.scalar_dtype(a, other)) if _dt.is_python_scalar(a)
                else np.asarray(a) for a in args]
        want = prim.abstract_eval(*(aval_of(b) for b in bufs), **params)
        got = np.asarray(prim.impl(*bufs, **params))
        assert len(got.shape) == len(want.shape) and all(      # None: known at run time
            w is None or g == w for g, w in zip(got.shape, want.shape)), \
            (prim.name, got.shape, want.shape)
        assert got.dtype == want.dtype, (prim.name, got.dtype, want.dtype)
        return Checked(got)


Checked.__dlcore_frontend__ = _CheckingFrontend


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.label)
def test_every_call_matches_its_rule(row):
    rng = np.random.default_rng(7)
    for shapes in row.shapes:
        xs = make_inputs(row, shapes, "float32", rng)
        out = row.fn(*[Checked(x) for x in xs])
        got = out.buf if isinstance(out, Checked) else np.asarray(out)
        want = np.asarray(row.ref(*xs))
        assert got.shape == want.shape and got.dtype == want.dtype, row.label
        np.testing.assert_allclose(got, want, rtol=row.rtol, atol=row.atol, err_msg=row.label)
