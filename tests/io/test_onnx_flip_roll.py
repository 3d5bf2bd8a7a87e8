"""The flip and roll primitives export to ONNX (a Slice of step -1 per flipped axis; each rolled
axis's two Slices joined by Concat), run in onnxruntime with the eager values and import back."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx

pytest.importorskip("onnxruntime")
from onnx_run import run_imported, run_ort  # noqa: E402


@pytest.mark.parametrize("opset", [None, 13])
def test_flip_and_roll_export_and_run(opset):
    x = dt.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32))

    def f(v):
        return v.flip(0, 2).roll((1, -2), (1, 2)) * 2 + v.flip(1) - v.roll(5)
    kw = {} if opset is None else {"opset_version": opset}
    proto = dlcore_eager.onnx.export(f, (x,), input_names=["x"], **kw)
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("Concat") == 3 and "Slice" in ops
    (got,) = run_ort(proto, {"x": x.numpy()})
    np.testing.assert_array_equal(got, f(x).numpy())
    (back,) = run_imported(proto, {"x": x.numpy()})
    np.testing.assert_array_equal(back, f(x).numpy())
