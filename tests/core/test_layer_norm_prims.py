"""The fused layer-norm primitives (dlcore/ops/norm_prims.py): values, first and second
derivatives against PyTorch in float64, float32 values, PyTorch's errors, the static front end's
``tf.contrib.layers.layer_norm`` (values and gradients of gradients) against the same maths in
torch, ONNX export, and the CUDA kernels (simulator) against the CPU's.  (dlcore_static.keras
has no ``LayerNormalization`` yet, so there is no Keras comparison; importing Keras alone would
cost this file 5 s.)"""

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_static as tf
from dlcore.ops import norm_prims

torch = pytest.importorskip("torch")


def _both(fn, *arrays, rg=True):
    return ([dt.tensor(a, requires_grad=rg) if a is not None else None for a in arrays],
            [torch.tensor(a, requires_grad=rg) if a is not None else None for a in arrays])


@pytest.mark.parametrize("shape,k", [((3, 5), 1), ((2, 3, 4), 2), ((4,), 1)])
@pytest.mark.parametrize("affine", ["", "w", "b", "wb"])
def test_values_and_derivatives_equal_torch(shape, k, affine):
    rng = np.random.default_rng(len(shape) * 10 + len(affine))
    ns = shape[len(shape) - k:]
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    w = rng.standard_normal(ns) if "w" in affine else None
    b = rng.standard_normal(ns) if "b" in affine else None
    ins_d, ins_t = _both(None, x, w, b)
    yd = dt.nn.functional.layer_norm(ins_d[0], ns, ins_d[1], ins_d[2], 1e-5)
    yt = torch.nn.functional.layer_norm(ins_t[0], ns, ins_t[1], ins_t[2], 1e-5)
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    used_d = [t for t in ins_d if t is not None]
    used_t = [t for t in ins_t if t is not None]
    gd = dt.autograd.grad(yd, used_d, dt.tensor(g), create_graph=True)
    gt = torch.autograd.grad(yt, used_t, torch.tensor(g), create_graph=True)
    for a, b_ in zip(gd, gt):
        np.testing.assert_allclose(a.detach().numpy(), b_.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    if affine == "b":                 # torch 2.13's double backward fails without a weight
        return
    # the second derivative of a random quadratic form of the first ones, for x and w
    c = [rng.standard_normal(t.shape) for t in gd]
    hd = dt.autograd.grad(sum((q * dt.tensor(ci) * q).sum() for q, ci in zip(gd, c)),
                          used_d[:1 + ("w" in affine)])
    ht = torch.autograd.grad(sum((q * torch.tensor(ci) * q).sum() for q, ci in zip(gt, c)),
                             used_t[:1 + ("w" in affine)])
    for a, b_ in zip(hd, ht):
        np.testing.assert_allclose(a.numpy(), b_.numpy(), rtol=1e-9, atol=1e-11)


def test_float32_module_and_one_primitive_call():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 8)).astype(np.float32)
    md, mt = dt.nn.LayerNorm(8), torch.nn.LayerNorm(8)
    with torch.no_grad():
        mt.weight.copy_(torch.tensor(rng.standard_normal(8)))
        mt.bias.copy_(torch.tensor(rng.standard_normal(8)))
    md.weight.data = dt.tensor(mt.weight.detach().numpy())
    md.bias.data = dt.tensor(mt.bias.detach().numpy())
    yd, yt = md(dt.tensor(x)), mt(torch.tensor(x))
    assert yd.dtype == dt.float32
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    yd.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(md.weight.grad.numpy(), mt.weight.grad.numpy(), rtol=1e-4,
                               atol=1e-4)
    assert "LayerNormBackward0" in repr(yd.grad_fn)        # one fused node (was AddBackward0)


@pytest.mark.parametrize("call,message", [
    (lambda m, x: m.nn.functional.layer_norm(x, (4,)),
     (r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of "
      r"size\[3, 5\]")),
    (lambda m, x: m.nn.functional.layer_norm(x, (5,), m.ones(4)),
     (r"Expected weight to be of same shape as normalized_shape, but got weight of shape "
      r"\[4\] and normalized_shape = \[5\]")),
    (lambda m, x: m.nn.functional.layer_norm(x, (5,), None, m.ones(4)),
     r"Expected bias to be of same shape as normalized_shape, but got bias of shape \[4\]"),
    (lambda m, x: m.nn.functional.layer_norm(x, ()),
     r"Expected normalized_shape to be at least 1-dimensional"),
    (lambda m, x: m.nn.functional.layer_norm(x, (3, 5, 5)),
     r"Given normalized_shape=\[3, 5, 5\], expected input with shape \[\*, 3, 5, 5\]")])
def test_errors_as_torch(call, message):
    x = np.zeros((3, 5), np.float32)
    for m in (torch, dt):
        with pytest.raises(RuntimeError, match=message):
            call(m, m.tensor(x))


def _ln_torch(x, axes, eps):
    m = x.mean(axes, keepdim=True)
    return (x - m) / torch.sqrt(((x - m) ** 2).mean(axes, keepdim=True) + eps)


@pytest.mark.parametrize("bna,bpa", [(1, -1), (-1, -1), (2, 1)])
def test_static_contrib_layer_norm(bna, bpa):
    """TF's contrib layer norm (eps 1e-12, statistics from begin_norm_axis, parameters from
    begin_params_axis): values, gradient and the gradient of its square, as the same maths in
    torch."""
    rng = np.random.default_rng(2)
    xv, cv = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [None, 3, 4])
        y = tf.contrib.layers.layer_norm(x, begin_norm_axis=bna, begin_params_axis=bpa)
        dx, = tf.gradients(tf.reduce_sum(y * tf.constant(cv)), [x])
        ddx, = tf.gradients(tf.reduce_sum(dx * dx), [x])
        gamma = next(v for v in tf.global_variables() if "gamma" in v.name)
        beta = next(v for v in tf.global_variables() if "beta" in v.name)
        pv = rng.standard_normal(gamma.shape.as_list())
        bv = rng.standard_normal(beta.shape.as_list())
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run([gamma.assign(pv), beta.assign(bv)])
            yv, dxv, ddxv = sess.run([y, dx, ddx], {x: xv})
    axes = tuple(range(bna % 3, 3))
    xt = torch.tensor(xv, requires_grad=True)
    yt = _ln_torch(xt, axes, 1e-12) * torch.tensor(pv) + torch.tensor(bv)
    gt, = torch.autograd.grad((yt * torch.tensor(cv)).sum(), xt, create_graph=True)
    ggt, = torch.autograd.grad((gt * gt).sum(), xt)
    np.testing.assert_allclose(yv, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dxv, gt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ddxv, ggt.numpy(), rtol=1e-8, atol=1e-10)


def test_cuda_simulator_kernels_equal_cpu():
    rng = np.random.default_rng(4)
    x, g = rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 2, 4))
    w, b = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    for args, run in [((x, w, b), lambda x_, w_, b_: norm_prims.layer_norm(x_, w_, b_, 2, 1e-5)),
                      ((x,), lambda x_: norm_prims.layer_norm(x_, None, None, 1, 1e-5)),
                      ((g, x, w), lambda g_, x_, w_: norm_prims.layer_norm_grad(g_, x_, w_, 2,
                                                                                1e-5)),
                      ((g, x), lambda g_, x_: norm_prims.layer_norm_wgrad(g_, x_, 1, 1e-5))]:
        want = run(*args)
        got = run(*[dt.tensor(a).cuda() for a in args]).cpu().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_onnx_export_of_layer_norm(tmp_path):
    ort = pytest.importorskip("onnxruntime")

    class Net(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.ln = dt.nn.LayerNorm((3, 4))

        def forward(self, x):
            return self.ln(x) + dt.nn.functional.layer_norm(x, (4,), eps=1e-3)

    net = Net()
    rng = np.random.default_rng(5)
    net.ln.weight.data = dt.tensor(rng.standard_normal((3, 4)).astype(np.float32))
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    path = tmp_path / "m.onnx"
    dt.onnx.export(net, (dt.tensor(x),), str(path), input_names=["x"], output_names=["y"])
    got = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    want = net(dt.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    back = dt.onnx.load_model(str(path))             # dlcore's importer reads it back
    np.testing.assert_allclose(back(dt.tensor(x)).detach().numpy(), want, rtol=1e-6,
                               atol=1e-6)
