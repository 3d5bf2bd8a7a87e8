"""The fused softmax, log_softmax and sparse softmax cross-entropy primitives
(dlcore/ops/softmax_prims.py): values, first and second derivatives against PyTorch, NaN and
infinity lines as PyTorch, labels outside [0, C) refused in both front ends (the composite they
replace returned 0 for them), and ONNX export."""

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_static as tf

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,axis", [((4, 5), -1), ((3, 4, 2), 1), ((3, 4, 2), 0), ((5,), 0)])
def test_values_and_second_derivatives_equal_torch(fn, shape, axis):
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    a, b = dt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = getattr(dt, fn)(a, axis), getattr(torch, fn)(b, axis)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    ga, = dt.autograd.grad(ya, a, dt.tensor(g), create_graph=True)
    gb, = torch.autograd.grad(yb, b, torch.tensor(g), create_graph=True)
    np.testing.assert_allclose(ga.detach().numpy(), gb.detach().numpy(), rtol=1e-10,
                               atol=1e-13)
    hga, = dt.autograd.grad((ga * ga).sum(), a)
    hgb, = torch.autograd.grad((gb * gb).sum(), b)
    np.testing.assert_allclose(hga.numpy(), hgb.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("row", [[float("-inf")] * 3, [1.0, float("inf"), 2.0],
                                 [1.0, float("nan"), 0.0], [-1e4, 0.0, 1e4]])
def test_special_lines_as_torch(row):
    x = np.array([row, [0.5, 0.25, 1.0]], np.float32)
    for fn in ("softmax", "log_softmax"):
        got = getattr(dt, fn)(dt.tensor(x), 1).numpy()
        want = getattr(torch, fn)(torch.tensor(x), 1).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, equal_nan=True)


def test_cross_entropy_equals_torch_and_checks_targets():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((6, 4)), np.array([0, 3, 1, 2, 2, 0])
    for red in ("mean", "sum", "none"):
        a, b = dt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        la = dt.nn.functional.cross_entropy(a, dt.tensor(y), reduction=red)
        lb = torch.nn.functional.cross_entropy(b, torch.tensor(y), reduction=red)
        np.testing.assert_allclose(la.detach().numpy(), lb.detach().numpy(), rtol=1e-12)
        ga, = dt.autograd.grad(la.sum(), a, create_graph=True)
        gb, = torch.autograd.grad(lb.sum(), b, create_graph=True)
        np.testing.assert_allclose(ga.detach().numpy(), gb.detach().numpy(), atol=1e-14)
        hga, = dt.autograd.grad((ga * ga).sum(), a)
        hgb, = torch.autograd.grad((gb * gb).sum(), b)
        np.testing.assert_allclose(hga.numpy(), hgb.numpy(), atol=1e-13)
    with pytest.raises(IndexError, match="Target 4 is out of bounds."):
        dt.nn.functional.cross_entropy(dt.tensor(x), dt.tensor(np.array([0, 4, 1, 2, 2, 0])))
    ign = np.array([0, 1, 1, 2, 2, 1])               # ignore_index inside [0, C): masked path
    np.testing.assert_allclose(
        dt.nn.functional.cross_entropy(dt.tensor(x), dt.tensor(ign), ignore_index=1).numpy(),
        torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(ign),
                                          ignore_index=1).numpy(), rtol=1e-12)


def test_static_label_out_of_range_is_an_error():
    """TensorFlow's CPU kernel raises for such a label; the one-hot composite gave loss 0."""
    logits = tf.placeholder(tf.float32, [None, 3])
    labels = tf.placeholder(tf.int64, [None])
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    z = np.zeros((2, 3), np.float32)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(loss, {logits: z, labels: [1, 2]}), [np.log(3)] * 2,
                                   rtol=1e-6)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Received a label value of 5 which is outside the valid "
                                 r"range of \[0, 3\)\.  Label values: 1 5"):
            sess.run(loss, {logits: z, labels: [1, 5]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="label value of -1"):
            sess.run(loss, {logits: z, labels: [-1, 0]})


def test_rank3_logits_static_gradient():
    lg = tf.placeholder(tf.float64, [None, 2, 3])
    lb = tf.placeholder(tf.int64, [None, 2])
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lb, logits=lg)
    grad, = tf.gradients(tf.reduce_sum(loss), [lg])
    x = np.random.default_rng(2).standard_normal((2, 2, 3))
    k = np.array([[0, 2], [1, 1]])
    with tf.Session() as sess:
        lv, gv = sess.run([loss, grad], {lg: x, lb: k})
    p = np.exp(x - x.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(lv, -np.log(np.take_along_axis(p, k[..., None], -1)[..., 0]),
                               rtol=1e-12)
    np.testing.assert_allclose(gv, p - np.eye(3)[k], atol=1e-14)


def test_cuda_simulator_label_check():
    z = dt.tensor(np.zeros((2, 3), np.float32)).cuda()
    from dlcore import ops
    with pytest.raises(IndexError, match="Received a label value of 3"):
        ops.sparse_softmax_cross_entropy(z, dt.tensor(np.array([0, 3])).cuda())


def test_onnx_export_of_softmax_ops(tmp_path):
    ort = pytest.importorskip("onnxruntime")

    class Net(dt.nn.Module):
        def forward(self, x):
            return dt.log_softmax(x, 1) + dt.softmax(x, 0)

    x = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    path = tmp_path / "m.onnx"
    dt.onnx.export(Net(), (dt.tensor(x),), str(path), input_names=["x"],
                   output_names=["y"])
    got = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    want = torch.log_softmax(torch.tensor(x), 1) + torch.softmax(torch.tensor(x), 0)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)


def test_nll_loss_gather_path_equals_torch():
    """log_softmax + nll_loss (the PyTorch MNIST example): values and gradients as torch."""
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((6, 4)), np.array([0, 3, 1, 2, 2, 0])
    for red in ("mean", "sum", "none"):
        a, b = dt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        la = dt.nn.functional.nll_loss(dt.nn.functional.log_softmax(a, 1), dt.tensor(y),
                                       reduction=red)
        lb = torch.nn.functional.nll_loss(torch.log_softmax(b, 1), torch.tensor(y),
                                          reduction=red)
        np.testing.assert_allclose(la.detach().numpy(), lb.detach().numpy(), rtol=1e-12)
        ga, = dt.autograd.grad(la.sum(), a)
        gb, = torch.autograd.grad(lb.sum(), b)
        np.testing.assert_allclose(ga.numpy(), gb.numpy(), atol=1e-14)
    with pytest.raises(IndexError, match="Target 7 is out of bounds."):
        dt.nn.functional.nll_loss(dt.tensor(x), dt.tensor(np.array([0, 7, 1, 2, 2, 0])))
