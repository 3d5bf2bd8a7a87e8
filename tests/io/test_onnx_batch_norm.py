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


def test_static_fused_channels_last_batch_norm_exports_its_formula():
    """``tf.layers.batch_normalization`` in training mode on NHWC is ``batch_norm_train`` with
    ``last=True``, which ONNX's BatchNormalization (channels on axis 1) cannot take: it is
    written as its formula over the last axis, fed the batch's own statistics."""
    import dlcore_static as tf
    from dlcore_static import onnx_export
    rng = np.random.default_rng(9)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (2, 3, 4, 5), name="x")
        y = tf.layers.batch_normalization(x, epsilon=1e-3, training=True,
                                          gamma_initializer=tf.constant_initializer(1.5),
                                          beta_initializer=tf.constant_initializer(-0.5))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            proto = onnx_export.export(sess, [y], [x])
            xv = (rng.standard_normal((2, 3, 4, 5)) * 2 + 1).astype(np.float32)
            want = sess.run(y, {x: xv})
    ops = {n.op_type for n in proto.graph.node}
    assert "ReduceMean" in ops and "BatchNormalization" not in ops
    sess_ort = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    got = sess_ort.run(None, {sess_ort.get_inputs()[0].name: xv})[0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
