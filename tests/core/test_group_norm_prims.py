"""The fused group-norm primitives (dlcore/ops/group_norm_prims.py): values, first and second
derivatives against PyTorch in float64 (with and without the affine parameters), the float32
module as one fused node, a 16-bit input, an empty batch, the kernels on a non-contiguous
input, the CUDA kernels (simulator) against the CPU's, and ONNX export run by onnxruntime and
read back by dlcore's importer."""

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.ops import group_norm_prims as gn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape,groups", [((3, 6, 5), 3), ((2, 4, 3, 2), 2), ((4, 6), 6),
                                          ((2, 4, 2, 2, 2), 1)])
@pytest.mark.parametrize("affine", ["", "w", "wb"])
def test_values_and_derivatives_equal_torch(shape, groups, affine):
    rng = np.random.default_rng(len(shape) * 10 + len(affine) + groups)
    c = shape[1]
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    w = rng.standard_normal(c) if "w" in affine else None
    b = rng.standard_normal(c) if "b" in affine else None
    ins = {L: [L.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
           for L in (dt, torch)}
    res = {}
    for L in (dt, torch):
        xt, wt, bt = ins[L]
        y = L.nn.functional.group_norm(xt, groups, wt, bt, 1e-5)
        used = [t for t in (xt, wt, bt) if t is not None]
        grads = L.autograd.grad(y, used, L.tensor(g), create_graph=True)
        # the second derivative of a quadratic form of the first ones, for x (and w)
        cs = [np.linspace(-1, 1, int(np.prod(q.shape))).reshape(tuple(q.shape)) for q in grads]
        hess = L.autograd.grad(sum((q * L.tensor(ci) * q).sum() for q, ci in zip(grads, cs)),
                               used[:1 + ("w" in affine)])
        res[L] = [y.detach().numpy()] + [q.detach().numpy() for q in grads + hess]
        assert y.grad_fn.name() == "NativeGroupNormBackward0"
    for a, b_ in zip(res[dt], res[torch]):
        np.testing.assert_allclose(a, b_, rtol=1e-9, atol=1e-11)


def test_float32_module_is_one_fused_node_and_its_gradients_are_torchs():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 8, 5, 5)).astype(np.float32)
    md, mt = dt.nn.GroupNorm(4, 8), torch.nn.GroupNorm(4, 8)
    with torch.no_grad():
        mt.weight.copy_(torch.tensor(rng.standard_normal(8)))
        mt.bias.copy_(torch.tensor(rng.standard_normal(8)))
    md.load_state_dict({k: dt.tensor(v.detach().numpy()) for k, v in mt.state_dict().items()})
    xd, xt = dt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yd, yt = md(xd), mt(xt)
    assert yd.dtype == dt.float32
    assert type(yd.grad_fn).__name__ == type(yt.grad_fn).__name__ == "NativeGroupNormBackward0"
    assert [f is None for f, _ in yd.grad_fn.next_functions] == [False, False, False]
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    cot = rng.standard_normal(x.shape).astype(np.float32)
    yd.backward(dt.tensor(cot))
    yt.backward(torch.tensor(cot))
    for a, b in ((xd.grad, xt.grad), (md.weight.grad, mt.weight.grad),
                 (md.bias.grad, mt.bias.grad)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-4)


def test_half_input_and_empty_batch():
    x = np.random.default_rng(2).standard_normal((2, 4, 3)).astype(np.float16)
    yd = dt.nn.GroupNorm(2, 4).half()(dt.tensor(x))
    yt = torch.nn.GroupNorm(2, 4).half()(torch.tensor(x))
    assert yd.dtype == dt.float16
    np.testing.assert_allclose(yd.detach().numpy().astype(np.float32),
                               yt.detach().numpy().astype(np.float32), rtol=2e-3, atol=2e-3)
    assert gn.group_norm(np.zeros((0, 4, 3), np.float32), None, None, 2, 1e-5).shape == (0, 4, 3)
    assert np.array_equal(gn.group_norm_wgrad(np.zeros((0, 4, 3)), np.zeros((0, 4, 3)), 2,
                                              1e-5), np.zeros(4))


def test_non_contiguous_operands():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 3, 6)).transpose(2, 1, 0)          # (6, 3, 5), strided
    g = rng.standard_normal((5, 3, 6)).transpose(2, 1, 0)
    w = rng.standard_normal(6)[::2]
    xc, gc = np.ascontiguousarray(x), np.ascontiguousarray(g)
    np.testing.assert_array_equal(gn.group_norm(x, w, None, 3, 1e-5),
                                  gn.group_norm(xc, np.ascontiguousarray(w), None, 3, 1e-5))
    np.testing.assert_array_equal(gn.group_norm_grad(g, x, w, 1, 1e-5),
                                  gn.group_norm_grad(gc, xc, np.ascontiguousarray(w), 1, 1e-5))
    np.testing.assert_array_equal(gn.group_norm_wgrad(g, x, 3, 1e-5),
                                  gn.group_norm_wgrad(gc, xc, 3, 1e-5))


def test_primitive_errors():
    x = np.zeros((2, 6, 3), np.float32)
    with pytest.raises(ValueError, match=r"group_norm: 6 channels cannot be split into 4 groups"):
        gn.group_norm(x, None, None, 4, 1e-5)
    with pytest.raises(ValueError, match=r"weight must have one value per channel \(6,\), got "
                                         r"\[5\]"):
        gn.group_norm(x, np.ones(5, np.float32), None, 2, 1e-5)
    with pytest.raises(TypeError, match="expected a floating-point input, got int64"):
        gn.group_norm(np.zeros((2, 6), np.int64), None, None, 2, 1e-5)
    with pytest.raises(RuntimeError, match=r"Expected number of channels in input to be "
                                           r"divisible by num_groups, but got input of shape "
                                           r"\[2, 6, 3\] and num_groups=4"):
        dt.nn.functional.group_norm(dt.tensor(x), 4)


def test_cuda_simulator_kernels_equal_cpu():
    rng = np.random.default_rng(4)
    x, g = rng.standard_normal((3, 4, 2, 3)), rng.standard_normal((3, 4, 2, 3))
    w, b = rng.standard_normal(4), rng.standard_normal(4)
    for args, run in [((x, w, b), lambda x_, w_, b_: gn.group_norm(x_, w_, b_, 2, 1e-5)),
                      ((x,), lambda x_: gn.group_norm(x_, None, None, 4, 1e-5)),
                      ((g, x, w), lambda g_, x_, w_: gn.group_norm_grad(g_, x_, w_, 2, 1e-5)),
                      ((g, x), lambda g_, x_: gn.group_norm_grad(g_, x_, None, 1, 1e-5)),
                      ((g, x), lambda g_, x_: gn.group_norm_wgrad(g_, x_, 2, 1e-5))]:
        want = run(*args)
        got = run(*[dt.tensor(a).cuda() for a in args]).cpu().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("opset", [13, 18])
def test_onnx_export_of_group_norm(tmp_path, opset):
    ort = pytest.importorskip("onnxruntime")

    class Net(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.gn = dt.nn.GroupNorm(2, 4)

        def forward(self, x):
            return self.gn(x) + dt.nn.functional.group_norm(x, 4, eps=1e-3)

    net = Net()
    rng = np.random.default_rng(5)
    net.gn.weight.data = dt.tensor(rng.standard_normal(4).astype(np.float32))
    net.gn.bias.data = dt.tensor(rng.standard_normal(4).astype(np.float32))
    x = rng.standard_normal((3, 4, 2, 5)).astype(np.float32)
    path = tmp_path / "m.onnx"
    dt.onnx.export(net, (dt.tensor(x),), str(path), input_names=["x"], output_names=["y"],
                   opset_version=opset, dynamic_axes={"x": {0: "batch"}})
    want = net(dt.tensor(x)).detach().numpy()
    got = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    x2 = x[:1]                                       # another batch size (dynamic axis)
    np.testing.assert_allclose(ort.InferenceSession(str(path)).run(None, {"x": x2})[0],
                               net(dt.tensor(x2)).detach().numpy(), rtol=1e-5, atol=1e-5)
    back = dt.onnx.load_model(str(path))             # dlcore's importer reads it back
    np.testing.assert_allclose(back(dt.tensor(x)).detach().numpy(), want, rtol=1e-6,
                               atol=1e-6)


def test_a_16_bit_input_with_float32_parameters_is_torchs_node():
    """(the float32 normalisation's last cast relabelled, as PyTorch's mixed-dtype kernel)"""
    for L in (dt, torch):
        y = L.nn.GroupNorm(2, 4)(L.randn(2, 4, 3).bfloat16().requires_grad_())
        assert y.dtype == L.bfloat16 and y.grad_fn.name() == "NativeGroupNormBackward0"
