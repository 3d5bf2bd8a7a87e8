"""2-D grid_sample (the primitive ``grid_sample2d``) exports as one ONNX GridSample (opset 16 on:
its mode, padding mode and align_corners as attributes), runs in onnxruntime as in dlcore, and
imports back as ``F.grid_sample``; before opset 16 the export says which opset it needs."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx
from dlcore_eager.nn import functional as F

pytest.importorskip("onnxruntime")
from onnx_run import run_imported, run_ort  # noqa: E402


class _STN(dt.nn.Module):
    """The spatial transformer tutorial's sampling: theta from a linear layer, affine_grid,
    grid_sample."""

    def __init__(self, mode, padding_mode, align_corners):
        super().__init__()
        self.fc = dt.nn.Linear(16, 6)
        self.kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)

    def forward(self, x):
        theta = self.fc(x.reshape(x.shape[0], -1)).reshape(-1, 2, 3)
        grid = F.affine_grid(theta, list(x.shape), align_corners=self.kw["align_corners"])
        return F.grid_sample(x * 2.0, grid * 1.3, **self.kw)


@pytest.mark.parametrize("mode,padding_mode,align_corners",
                         [("bilinear", "zeros", False), ("bilinear", "border", True),
                          ("bilinear", "reflection", False), ("nearest", "zeros", True)])
@pytest.mark.parametrize("opset", [17, 20])
def test_grid_sample_round_trip(mode, padding_mode, align_corners, opset):
    dt.manual_seed(0)
    model = _STN(mode, padding_mode, align_corners)
    x = dt.randn(2, 1, 4, 4)
    proto = dlcore_eager.onnx.export(model, (x,), input_names=["x"], opset_version=opset)
    (node,) = [n for n in proto.graph.node if n.op_type == "GridSample"]
    attrs = {a.name: a for a in node.attribute}
    want_mode = "linear" if (mode, opset) == ("bilinear", 20) else mode
    assert attrs["mode"].s.decode() == want_mode
    assert attrs["padding_mode"].s.decode() == padding_mode
    assert attrs["align_corners"].i == int(align_corners)
    want = model(x).detach().numpy()
    (got,) = run_ort(proto, {"x": x.numpy()})
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    (back,) = run_imported(proto, {"x": x.numpy()})
    np.testing.assert_allclose(back, want, rtol=1e-6, atol=1e-6)


def test_grid_sample_before_opset_16_names_the_opset():
    model = _STN("bilinear", "zeros", False)
    with pytest.raises(NotImplementedError, match="grid_sample2d needs opset_version >= 16"):
        dlcore_eager.onnx.export(model, (dt.randn(1, 1, 4, 4),), opset_version=15)
