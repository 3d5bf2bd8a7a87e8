"""clamp with number bounds (the clamp primitive, dlcore/ops/clamp.py) exports as one ONNX Clip
(its bounds as 0-d inputs of the tensor's dtype, an absent lower bound as the empty input name)
at the first and the default opset, runs in onnxruntime and imports back."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx

pytest.importorskip("onnxruntime")
from onnx_run import run_imported, run_ort  # noqa: E402

_X = np.array([[-1.0, -0.5, -0.0, 0.0], [0.25, 0.5, 1.0, 2.0]], np.float32)


@pytest.mark.parametrize("opset", [11, 17])
@pytest.mark.parametrize("form", ["both", "min", "max"])
def test_clamp_exports_as_one_clip(form, opset):
    f = {"both": lambda x: x.clamp(-0.5, 0.5) * 2.0, "min": lambda x: x.clamp_min(0.25),
         "max": lambda x: dt.clamp(x, max=-0.0)}[form]
    proto = dlcore_eager.onnx.export(f, (dt.tensor(_X),), input_names=["x"],
                                     opset_version=opset)
    clips = [n for n in proto.graph.node if n.op_type == "Clip"]
    assert len(clips) == 1 and not {"Max", "Min"} & {n.op_type for n in proto.graph.node}
    assert len(clips[0].input) == (2 if form == "min" else 3)
    assert (clips[0].input[1] == "") == (form == "max")
    want = f(dt.tensor(_X)).numpy()
    (got,) = run_ort(proto, {"x": _X})
    np.testing.assert_array_equal(got, want)
    (back,) = run_imported(proto, {"x": _X})
    np.testing.assert_array_equal(back, want)
