"""The whole op table (tests/core/op_table.py) through a static graph, passes on against off.

Each row and sample becomes a graph twice: once with placeholders (the passes can only fuse,
simplify and compile) and once with constants (constant folding computes everything while
compiling).  Values and the gradients of ``sum(out * cotangent)`` with respect to the row's
differentiable inputs must match the plain interpreter within float tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from tests.core.op_table import ROWS, make_inputs

CASES = [(row, k) for row in ROWS for k in range(len(row.shapes))]


def _graph(row, xs, as_constants: bool):
    g = tf.Graph()
    with g.as_default():
        if as_constants:
            ins = [tf.constant(x) for x in xs]
            feed = {}
        else:
            ins = [tf.placeholder(x.dtype, shape=x.shape) for x in xs]
            feed = dict(zip(ins, xs))
        out = row.fn(*ins)
        fetches = [out]
        wrt = [ins[i] for i in row.diff]
        if wrt and np.dtype(out.dtype.as_numpy_dtype if hasattr(out.dtype, "as_numpy_dtype")
                            else out.aval.dtype).kind == "f":
            cot = tf.constant(np.random.default_rng(1).standard_normal(
                out.aval.shape).astype(out.aval.dtype))
            grads = tf.gradients(tf.reduce_sum(out * cot), wrt)
            fetches += [gr for gr in grads if gr is not None]
    return g, fetches, feed


@pytest.mark.parametrize("row,k", CASES, ids=[f"{r.label}-{k}" for r, k in CASES])
@pytest.mark.parametrize("as_constants", [False, True], ids=["fed", "folded"])
def test_op_table_row_with_passes(row, k, as_constants):
    rng = np.random.default_rng(0)
    dtype = "float64" if "float64" in row.dtypes else row.dtypes[0]
    xs = make_inputs(row, row.shapes[k], dtype, rng)
    try:
        g, fetches, feed = _graph(row, xs, as_constants)
    except Exception as e:  # noqa: BLE001 - a row the static front end does not build
        pytest.skip(f"not buildable as a static graph: {type(e).__name__}: {e}")
    with tf.Session(graph=g, passes=()) as s:
        ref = s.run(fetches, feed)
    with tf.Session(graph=g, passes="all") as s:
        got = s.run(fetches, feed)
    for a, b in zip(ref, got):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-9)
