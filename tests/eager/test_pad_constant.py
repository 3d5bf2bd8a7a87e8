"""Constant padding is one primitive (``dlcore/ops/padding.py``): F.pad, nn.ZeroPad2d and
nn.ConstantPad*d against PyTorch bit for bit (values, gradients, grad_fn), twice
differentiable, one node; TensorFlow's tf.pad with a number and unknown dimensions; ONNX's
Pad."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.onnx
import dlcore_static as tf
from dlcore import ops

torch = pytest.importorskip("torch")

CASES = [((1, 1, 1, 1), 0.0), ((2, 0), 1.5), ((0, 1, 2, 3, 1, 0), -1.0),
         ((1, 2, 0, 0, 0, 0, 3, 1), 2.0), ((0, 0), 3.0)]


@pytest.mark.parametrize("pad,value", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_match_torch(pad, value, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5)).astype(dtype)
    a, b = dt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya = dt.nn.functional.pad(a, pad, value=value)
    yb = torch.nn.functional.pad(b, pad, value=value)
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    w = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * dt.tensor(w)).sum().backward()
    (yb * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    assert ya.grad_fn.name() == yb.grad_fn.name()


def test_one_node_straight_to_the_leaf():
    a = dt.randn(2, 3, requires_grad=True)
    y = dt.nn.functional.pad(a, (1, 2, 3, 4), value=0.5)
    assert y.grad_fn.name() == "ConstantPadNdBackward0"
    assert [type(f).__name__ if f is None else f.name() for f, _ in
            y.grad_fn.next_functions] == ["torch::autograd::AccumulateGrad"]


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float16"])
def test_other_dtypes_match_torch(dtype):
    x = np.arange(12).reshape(3, 4).astype(dtype)
    for value in (0, 1, 7) if dtype != "bool" else (0, 1):
        got = dt.nn.functional.pad(dt.tensor(x), (1, 2, 2, 0), value=value)
        want = torch.nn.functional.pad(torch.tensor(x), (1, 2, 2, 0), value=value)
        assert str(got.dtype) == str(want.dtype)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_modules_and_empty_and_float_value_on_ints():
    x = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4)
    for name, args in (("ZeroPad2d", (1,)), ("ConstantPad2d", ((1, 0, 2, 1), 3.5)),
                       ("ConstantPad1d", (2, -1.0)), ("ConstantPad3d", (1, 2.0))):
        got = getattr(dt.nn, name)(*args)(dt.tensor(x))
        want = getattr(torch.nn, name)(*args)(torch.tensor(x))
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    e = np.zeros((0, 3), np.float32)
    assert tuple(dt.nn.functional.pad(dt.tensor(e), (1, 1)).shape) == \
        tuple(torch.nn.functional.pad(torch.tensor(e), (1, 1)).shape) == (0, 5)
    i = np.arange(4).reshape(2, 2)
    np.testing.assert_array_equal(
        dt.nn.functional.pad(dt.tensor(i), (1, 1), value=2.7).numpy(),
        torch.nn.functional.pad(torch.tensor(i), (1, 1), value=2.7).numpy())


def test_second_derivative_through_the_pad():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4))
    a, b = dt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    outs = []
    for T, t in ((dt, a), (torch, b)):
        y = T.nn.functional.pad(t ** 3, (1, 2, 0, 1), value=1.0)
        (g,) = T.autograd.grad(y.sum(), t, create_graph=True)
        (h,) = T.autograd.grad((g * T.nn.functional.pad(g, (0, 0, 0, 0))).sum(), t)
        outs.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-12)


def test_rule_refuses_a_wrong_pair_count_and_negative_pads():
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError,
                       match=r"one \(lo, hi\) pair per axis \(2\), got 1.*pad_constant"):
        ops.padding.pad_constant(x, ((1, 1),))
    with pytest.raises(ValueError, match="padding must be non-negative"):
        ops.padding.pad_constant(x, ((1, 1), (0, -1)))


def test_tf_pad_one_node_with_unknown_dimensions_and_its_gradient():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 3))
        y = tf.pad(x, [[1, 0], [2, 1]], constant_values=4.0)
        assert y.shape.as_list() == [None, 6]
        (dx,) = tf.gradients(tf.reduce_sum(y * y), [x])
    v = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tf.Session(graph=g) as s:
        got, gx = s.run([y, dx], {x: v})
    np.testing.assert_array_equal(got, np.pad(v, ((1, 0), (2, 1)), constant_values=4.0))
    np.testing.assert_array_equal(gx, 2 * v)
    assert [op.type for op in g.get_operations()].count("PadV2") == 1


def test_onnx_export_is_one_pad():
    pytest.importorskip("onnxruntime")
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "io"))
    from onnx_run import run_imported, run_ort
    dt.manual_seed(0)
    model = dt.nn.Sequential(dt.nn.ConstantPad2d((1, 0, 2, 1), 0.25), dt.nn.Conv2d(2, 3, 3))
    x = dt.randn(1, 2, 5, 5)
    proto = dlcore_eager.onnx.export(model, (x,), input_names=["x"])
    types = [n.op_type for n in proto.graph.node]
    assert types.count("Pad") == 1 and "Concat" not in types
    want = model(x).detach().numpy()
    (got,) = run_ort(proto, {"x": x.numpy()})
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    (back,) = run_imported(proto, {"x": x.numpy()})
    np.testing.assert_allclose(back, want, rtol=1e-6, atol=1e-6)
