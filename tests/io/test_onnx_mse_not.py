"""The mse primitive (``F.mse_loss`` of one shape) exports to ONNX as its kernels' steps (Sub,
Mul, ReduceSum, Div), ``~`` of a boolean mask (bitwise_not's kernel) as ONNX's Not, the tile
primitive as Tile and the nll primitive as its kernels' steps; each runs in onnxruntime with the
eager values and imports back."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx

pytest.importorskip("onnxruntime")
from onnx_run import run_imported, run_ort  # noqa: E402


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("opset", [None, 13])
def test_mse_and_not_export_and_run(opset, reduction):
    rng = np.random.default_rng(0)
    x = dt.tensor(rng.standard_normal((2, 3, 4)).astype(np.float32))
    y = dt.tensor(rng.standard_normal((2, 3, 4)).astype(np.float32))

    def f(a, b):
        keep = (~(a > 0)).float()
        return dt.nn.functional.mse_loss(a * keep, b, reduction=reduction) + keep.sum()
    kw = {} if opset is None else {"opset_version": opset}
    proto = dlcore_eager.onnx.export(f, (x, y), input_names=["a", "b"], **kw)
    ops = [n.op_type for n in proto.graph.node]
    assert "Not" in ops and "ReduceSum" in ops and ("Div" in ops) == (reduction == "mean")
    want = f(x, y).numpy()
    (got,) = run_ort(proto, {"a": x.numpy(), "b": y.numpy()})
    np.testing.assert_allclose(got, want, rtol=1e-6)
    (back,) = run_imported(proto, {"a": x.numpy(), "b": y.numpy()})
    np.testing.assert_allclose(back, want, rtol=1e-6)


@pytest.mark.parametrize("opset", [None, 11])
def test_tile_exports_as_tile_and_runs(opset):
    """The tile primitive (``x.repeat``, ``torch.tile``): ONNX's Tile, x's rank padded by an
    Unsqueeze where the repeats are more."""
    x = dt.tensor(np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32))

    def f(a):
        return a.repeat(2, 1)[1:4] * 2 + dt.tile(a, (2,)).sum() + a.repeat(2, 1, 3).sum(0)[:3, :4]
    kw = {} if opset is None else {"opset_version": opset}
    proto = dlcore_eager.onnx.export(f, (x,), input_names=["a"], **kw)
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("Tile") == 3 and "Unsqueeze" in ops
    want = f(x).numpy()
    (got,) = run_ort(proto, {"a": x.numpy()})
    np.testing.assert_allclose(got, want, rtol=1e-6)
    (back,) = run_imported(proto, {"a": x.numpy()})
    np.testing.assert_allclose(back, want, rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_nll_exports_and_runs(reduction):
    """The nll primitive (``F.nll_loss`` of (N, C) log-probabilities): GatherElements,
    ReduceSum and Div (or Neg)."""
    rng = np.random.default_rng(2)
    x = dt.tensor(rng.standard_normal((5, 4)).astype(np.float32))
    t = dt.tensor(np.array([0, 3, 1, 1, 2]))

    def f(a, k):
        return dt.nn.functional.nll_loss(dt.log_softmax(a, 1), k, reduction=reduction)
    proto = dlcore_eager.onnx.export(f, (x, t), input_names=["a", "k"])
    ops = [n.op_type for n in proto.graph.node]
    assert "GatherElements" in ops and ("Div" in ops) == (reduction == "mean")
    want = f(x, t).numpy()
    (got,) = run_ort(proto, {"a": x.numpy(), "k": t.numpy()})
    np.testing.assert_allclose(got, want, rtol=1e-6)
    (back,) = run_imported(proto, {"a": x.numpy(), "k": t.numpy()})
    np.testing.assert_allclose(back, want, rtol=1e-6)
