"""Reflect, replicate and circular padding as one primitive (``pad_edge``,
dlcore/ops/padding.py) against PyTorch: values bit for bit, gradients within a rounding,
grad_fn names (ReflectionPadNd, ReplicationPadNd, CopySlices), second derivatives, the
modules, and ONNX's Pad modes in onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

CASES = [((2, 3, 8), (2, 3)), ((2, 3, 5, 6), (1, 1, 2, 1)), ((1, 2, 4, 5, 6), (1, 2, 0, 1, 2, 0)),
         ((2, 3, 8), (0, 0)), ((1, 3, 4, 4), (3, 3, 3, 3))]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", CASES)
@pytest.mark.parametrize("dtype,tol", [("float32", 3e-7), ("float64", 5e-16)])
def test_values_gradients_and_names_match_torch(mode, shape, pad, dtype, tol):
    rng = np.random.default_rng(len(shape) + sum(pad))
    x = rng.standard_normal(shape).astype(dtype)
    outs = []
    for T in (dt, torch):
        xt = T.tensor(x, requires_grad=True)
        y = T.nn.functional.pad(xt, pad, mode=mode)
        g = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(dtype)
        (y * T.tensor(g)).sum().backward()
        outs.append((y.detach().numpy(), xt.grad.numpy(), y.grad_fn.name(),
                     type(y.grad_fn).__name__))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=tol, atol=tol)
    assert outs[0][2:] == outs[1][2:]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_second_derivative_matches_torch(mode):
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 5))
    res = []
    for T in (dt, torch):
        xt = T.tensor(x, requires_grad=True)
        y = T.nn.functional.pad(xt ** 3, (1, 2, 2, 1), mode=mode)
        (gx,) = T.autograd.grad((y * y).sum(), xt, create_graph=True)
        (hx,) = T.autograd.grad((gx * gx).sum(), xt)
        res.append((gx.detach().numpy(), hx.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12, atol=1e-10)


def test_modules_match_torch():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    for name, arg in (("ReflectionPad2d", (1, 2, 3, 0)), ("ReplicationPad2d", 2),
                      ("CircularPad2d", (1, 1, 2, 0)), ("ReflectionPad1d", 3),
                      ("ReplicationPad1d", (0, 4))):
        v = x[0] if name.endswith("1d") else x
        got = getattr(dt.nn, name)(arg)(dt.tensor(v))
        want = getattr(torch.nn, name)(arg)(torch.tensor(v))
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_a_reflection_wider_than_the_input_is_torchs_error():
    for T in (dt, torch):
        with pytest.raises(RuntimeError, match="Padding size should be less than the "
                                               "corresponding input dimension"):
            T.nn.functional.pad(T.zeros(1, 2, 3), (3, 0), mode="reflect")


@pytest.mark.parametrize("mode,opset", [("reflect", 17), ("replicate", 17), ("circular", 19)])
def test_onnx_pad_modes(mode, opset):
    ort = pytest.importorskip("onnxruntime")
    import dlcore_eager.onnx

    class M(dt.nn.Module):
        def forward(self, x):
            return dt.nn.functional.pad(x, (1, 2, 2, 1), mode=mode)

    x = dt.randn(1, 2, 4, 5)
    proto = dlcore_eager.onnx.export(M(), (x,), input_names=["x"], opset_version=opset)
    assert [n.op_type for n in proto.graph.node] == ["Pad"]
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x.numpy()})
    np.testing.assert_array_equal(got, M()(x).numpy())


def test_copyslices_shown_as_torch_shows_it():
    """name() is the C++ name; a repr, a printed tensor and an AttributeError show the class."""
    shown = []
    for T in (dt, torch):
        y = T.nn.functional.pad(T.ones(1, 2, 3, requires_grad=True), (1, 1), mode="circular")
        a = T.zeros(3, requires_grad=True).clone()
        a[0] = 1
        with pytest.raises(AttributeError) as e:
            a.grad_fn._saved_self
        shown.append((y.grad_fn.name(), repr(y.grad_fn).split(" object")[0], str(a)[-22:],
                      str(e.value)))
    assert shown[0] == shown[1]
