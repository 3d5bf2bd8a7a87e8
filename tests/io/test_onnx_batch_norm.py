"""ONNX export of eager training-mode batch norm: the fused primitives ``batch_norm_stats`` and
``batch_norm_train`` (dlcore/ops/batch_norm_prims.py) become ReduceMean and BatchNormalization,
checked in onnxruntime against dlcore and against PyTorch's training-mode forward."""

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx

ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")


def _run(proto, x):
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"input.0": x})[0]


@pytest.mark.parametrize("dim,shape,affine", [(1, (6, 3), True), (1, (4, 3, 5), False),
                                              (2, (3, 3, 4, 4), True)])
def test_training_mode_batch_norm_exports_the_fused_forward(dim, shape, affine):
    rng = np.random.default_rng(dim)
    x = rng.standard_normal(shape).astype(np.float32) * 2 + 1
    bn = getattr(dt.nn, f"BatchNorm{dim}d")(3, affine=affine)
    ref = getattr(torch.nn, f"BatchNorm{dim}d")(3, affine=affine)
    if affine:
        w, b = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
        with dt.no_grad():
            bn.weight.copy_(dt.tensor(w))
            bn.bias.copy_(dt.tensor(b))
        with torch.no_grad():
            ref.weight.copy_(torch.tensor(w))
            ref.bias.copy_(torch.tensor(b))
    proto = dlcore_eager.onnx.export(bn, (dt.tensor(x),))
    ops = [n.op_type for n in proto.graph.node]
    assert "BatchNormalization" in ops and "ReduceMean" in ops
    assert "Add" not in ops           # num_batches_tracked += 1 feeds no output: left out
    # the trace ran one training step, as PyTorch's forward does
    want = ref(torch.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), ref.running_mean.numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), ref.running_var.numpy(), rtol=1e-5)
    x2 = (rng.standard_normal(shape) * 3 - 2).astype(np.float32)       # other statistics
    np.testing.assert_allclose(_run(proto, x2), ref(torch.tensor(x2)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_run(proto, x), want.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_eval_mode_batch_norm_still_reads_the_running_statistics():
    bn = dt.nn.BatchNorm2d(2)
    bn(dt.randn(4, 2, 3, 3) * 3 + 1)
    bn.eval()
    x = dt.randn(2, 2, 3, 3)
    proto = dlcore_eager.onnx.export(bn, (x,))
    assert "ReduceMean" not in {n.op_type for n in proto.graph.node}
    np.testing.assert_allclose(_run(proto, x.numpy()), bn(x).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
