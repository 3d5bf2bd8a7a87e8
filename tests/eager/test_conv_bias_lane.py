"""A convolution layer with a bias is one primitive, ``conv_bias`` (PyTorch's one
ConvolutionBackward0 node), and a call the general path has made before takes the eager conv
lane (``dlcore_eager/_conv_lane.py``): the same values, gradients, nodes and errors as PyTorch's,
on the first call and on the lane's later ones."""

import importlib

import numpy as np
import pytest

import dlcore_eager as E
from dlcore_eager import _conv_lane

torch = pytest.importorskip("torch")
_conv_mod = importlib.import_module("dlcore.ops.conv")     # (dlcore.ops.conv: the function)

CASES = [("Conv1d", (2, 3, 9), dict(stride=2, padding=1)),
         ("Conv2d", (1, 3, 9, 8), dict(padding=1, dilation=2)),
         ("Conv2d", (2, 4, 7, 7), dict(groups=2, padding="same")),
         ("Conv3d", (1, 2, 5, 6, 4), dict(stride=(1, 2, 1)))]


def _layer(lib, cls, shape, kw, bias):
    rng = np.random.default_rng(0)
    m = getattr(lib.nn, cls)(shape[1], 4, 3, bias=bias, **kw)
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    return m


def _run(lib, cls, shape, kw, bias, calls=3):
    m = _layer(lib, cls, shape, kw, bias)
    out = []
    for i in range(calls):
        x = lib.tensor(np.random.default_rng(i).standard_normal(shape).astype(np.float32),
                       requires_grad=True)
        y = m(x)
        (y * y).sum().backward()
        names = [None if f[0] is None else type(f[0]).__name__ for f in y.grad_fn.next_functions]
        out.append((y.detach().numpy(), x.grad.numpy(), y.grad_fn.name(), names))
    grads = [p.grad.numpy() for p in m.parameters()]
    return out, grads


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cls,shape,kw", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_values_gradients_and_nodes_are_torchs_on_every_call(cls, shape, kw, bias):
    (od, gd), (ot, gt) = _run(E, cls, shape, kw, bias), _run(torch, cls, shape, kw, bias)
    for (yd, xd, nd, fd), (yt, xt, nt, ft) in zip(od, ot):
        np.testing.assert_allclose(yd, yt, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(xd, xt, rtol=1e-4, atol=1e-4)
        assert (nd, fd) == (nt, ft)
    for a, b in zip(gd, gt):                 # (three calls' gradients accumulated)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)


def test_the_second_call_takes_the_lane(monkeypatch):
    taken = []
    lane = _conv_lane.conv

    def spy(*a):
        y = lane(*a)
        taken.append(y is not None)
        return y
    monkeypatch.setattr(_conv_lane, "conv", spy)
    m = E.nn.Conv2d(3, 5, 3)
    for shape in ((2, 3, 6, 6), (2, 3, 6, 6), (1, 3, 6, 6), (1, 3, 6, 6)):
        m(E.randn(*shape))
    assert taken == [False, True, False, True]


def test_the_lane_node_is_conv_bias_and_the_bias_size_is_saved():
    m = E.nn.Conv2d(3, 5, 3)
    x = E.randn(2, 3, 6, 6)
    for _ in range(2):
        y = m(x)
        assert y.grad_fn.prim.name == "conv_bias"
        assert y.grad_fn._saved_bias_sym_sizes_opt == (5,)
    y.sum().backward()
    assert y.grad_fn._saved_bias_sym_sizes_opt == (5,)
    assert m.bias.grad.shape == (5,)
    np.testing.assert_allclose(m.bias.grad.numpy(), np.full(5, 2 * 16), rtol=1e-6)


def test_a_call_with_other_shapes_still_raises_torchs_error():
    for lib in (E, torch):
        m = lib.nn.Conv2d(3, 4, 3)
        m(lib.randn(1, 3, 8, 8))
        with pytest.raises(RuntimeError, match="expected input\\[1, 2, 8, 8\\] to have 3 "
                                               "channels, but got 2 channels instead"):
            m(lib.randn(1, 2, 8, 8))
        with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual "
                                               "input size"):
            m(lib.randn(1, 3, 2, 2))


def test_a_weight_changed_in_place_before_backward_is_refused_as_torch_refuses_it():
    for lib in (E, torch):
        m = lib.nn.Conv2d(2, 3, 3)
        x = lib.randn(1, 2, 5, 5, requires_grad=True)
        m(x)
        y = m(x)                             # (the lane's call in dlcore)
        with lib.no_grad():
            m.weight.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_no_grad_and_frozen_parameters():
    m = E.nn.Conv2d(2, 3, 3)
    x = E.randn(1, 2, 5, 5)
    m(x)
    with E.no_grad():
        y = m(x)
    assert y.grad_fn is None and not y.requires_grad
    m.weight.requires_grad_(False)
    m.bias.requires_grad_(False)
    y = m(x)
    assert y.grad_fn is None and not y.requires_grad
    m.bias.requires_grad_(True)
    y = m(x)
    names = [None if f[0] is None else type(f[0]).__name__ for f in y.grad_fn.next_functions]
    assert names == [None, None, "AccumulateGrad"]


def test_a_replaced_kernel_is_called(monkeypatch):
    m = E.nn.Conv2d(2, 3, 3)
    x = E.randn(1, 2, 5, 5)
    want = m(x).detach().numpy()
    kernel = _conv_mod.conv_bias_p.kernels["cpu"]
    seen = []

    def spy(*a, **k):
        seen.append(1)
        return kernel(*a, **k)
    monkeypatch.setitem(_conv_mod.conv_bias_p.kernels, "cpu", spy)
    np.testing.assert_array_equal(m(x).detach().numpy(), want)
    assert seen


def test_forward_ad_double_backward_and_autocast_take_the_general_path():
    import dlcore_eager.autograd.forward_ad as fwd_e
    import torch.autograd.forward_ad as fwd_t
    res = []
    for lib, fw in ((E, fwd_e), (torch, fwd_t)):
        m = _layer(lib, "Conv2d", (1, 2, 5, 5), {}, True)
        x0 = lib.tensor(np.random.default_rng(1).standard_normal((1, 2, 5, 5)).astype(
            np.float32))
        t = lib.ones(1, 2, 5, 5)
        m(x0)
        with fw.dual_level():
            jvp = fw.unpack_dual(m(fw.make_dual(x0, t))).tangent
        x = x0.clone().requires_grad_()
        (g,) = lib.autograd.grad((m(x) ** 2).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), m.weight)
        with lib.autocast(device_type="cpu", dtype=lib.bfloat16):
            dt = m(x0).dtype
        res.append((jvp.detach().numpy(), gg.numpy(), str(dt)))
    (jd, gd, dd), (jt, gt, dtt) = res
    np.testing.assert_allclose(jd, jt, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gd, gt, rtol=1e-4, atol=1e-4)
    assert dd == dtt == "torch.bfloat16"


def test_saved_tensors_hooks_pack_the_input_and_the_weight_as_torchs():
    shapes = []
    for lib in (E, torch):
        m = lib.nn.Conv2d(2, 3, 3)
        x = lib.randn(1, 2, 5, 5, requires_grad=True)
        m(x)
        packed = []

        def pack(t, packed=packed):
            packed.append(tuple(t.shape))
            return t
        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            y = m(x)
        y.sum().backward()
        shapes.append(packed)
    assert shapes[0] == shapes[1] == [(1, 2, 5, 5), (3, 2, 3, 3)]


def test_onnx_export_writes_one_conv_with_its_bias():
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    import io
    m = E.nn.Sequential(E.nn.Conv2d(2, 4, 3, padding=1), E.nn.ReLU())
    x = E.randn(1, 2, 6, 6)
    buf = io.BytesIO()
    E.onnx.export(m, (x,), buf, input_names=["x"], output_names=["y"])
    model = onnx.load_from_string(buf.getvalue())
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    assert len(convs) == 1 and len(convs[0].input) == 3
    assert not [n for n in model.graph.node if n.op_type == "Add"]
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"x": x.numpy()})[0]
    np.testing.assert_allclose(got, m(x).detach().numpy(), rtol=1e-5, atol=1e-5)
