"""The elu primitive and its gradient (dlcore/ops/activations.py, kernels in
dlcore/kernels/cpu/elu.py): PyTorch's elu with ``alpha``, ``scale`` and ``input_scale`` (elu,
selu and celu are one node each way), against a NumPy reference of PyTorch's formula (NaN and
-0.0 in the second branch, the coefficients rounded to the dtype, ``alpha * scale`` one
product), central finite differences (first and second order), every layout of the kernels, the
half types, PyTorch (values within float32's rounding of ``expm1``, grad_fn names, saved values,
in place and not, errors) and the static front end's tf.nn.elu/tf.nn.selu."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore import ops
from dlcore.kernels.cpu import elu as K
from dlcore.ops.activations import elu_grad_p, elu_p

COEFS = [(1.0, 1.0, 1.0), (0.5, 1.0, 1.0), (1.6732632423543772, 1.0507009873554805, 1.0),
         (0.7, 1.0, 1 / 0.7)]


def _reference(x, g, alpha, scale, input_scale):
    t = x.dtype.type
    neg, pos, ipt = t(alpha) * t(scale), t(scale), t(input_scale)
    with np.errstate(all="ignore"):
        z = np.where(x > 0, t(0), x * ipt)
        if g is None:
            return np.where(x > 0, x * pos, np.expm1(z) * neg)
        return np.where(x > 0, g * pos, g * ipt * neg * np.exp(z))


def _sample(dtype, n=64, seed=0):
    x = (np.random.default_rng(seed).standard_normal(n) * 3).astype(dtype)
    x[:5] = [np.nan, -0.0, 0.0, -1e-30, 40.0]
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("coefs", COEFS, ids=["elu", "elu0.5", "selu", "celu0.7"])
def test_kernels_are_pytorchs_formula(dtype, coefs):
    a, s, i = coefs
    x, g = _sample(dtype), _sample(dtype, seed=1)
    g[:5] = 1.5
    y = K.elu(x, alpha=a, scale=s, input_scale=i)
    ref = _reference(x, None, a, s, i)
    assert y.dtype == dtype and y.tobytes() == ref.tobytes()        # (-0.0 and NaN too)
    assert np.isnan(y[0]) and np.signbit(y[1]) and not np.signbit(y[2])
    dx = K.elu_grad(g, x, alpha=a, scale=s, input_scale=i)
    np.testing.assert_array_equal(dx, _reference(x, g, a, s, i))
    assert np.isnan(dx[0])                  # (NaN: PyTorch's vectorised body)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_kernel_layouts_and_a_broadcast_cotangent(dtype):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((6, 8)) * 2).astype(dtype)
    g = rng.standard_normal((6, 8)).astype(dtype)
    kw = {"alpha": 0.7, "scale": 1.5, "input_scale": 1.0}
    calc = np.float32 if dtype == np.float16 else dtype

    def ref(xx, gg=None):
        r = _reference(xx.astype(calc), None if gg is None else gg.astype(calc), 0.7, 1.5, 1.0)
        return r.astype(dtype)
    for xx, gg in ((x, g), (np.asfortranarray(x), np.asfortranarray(g)), (x.T, g.T),
                   (x[:, ::2], g[:, ::2]), (x, np.asfortranarray(g))):
        y = K.elu(xx, **kw)
        np.testing.assert_array_equal(y, ref(xx))
        assert y.flags.f_contiguous == (xx.flags.f_contiguous and not xx.flags.c_contiguous)
        np.testing.assert_array_equal(K.elu_grad(gg, xx, **kw), ref(xx, gg))
    one = np.broadcast_to(dtype(3.0), x.shape)
    np.testing.assert_array_equal(K.elu_grad(one, x, **kw), ref(x, np.full(x.shape, 3, dtype)))


@pytest.mark.parametrize("fn", [lambda x: ops.elu(x, 0.7), ops.selu,
                                lambda x: ops.nn_functional.celu(x, 0.6)],
                         ids=["elu", "selu", "celu"])
def test_first_and_second_derivatives_against_finite_differences(fn):
    rng = np.random.default_rng(3)
    x0 = rng.uniform(-3, 3, 30)
    x0 = x0[np.abs(x0) > 1e-2]
    c = rng.standard_normal(x0.size)
    x = dl.tensor(x0, requires_grad=True)
    y = fn(x)
    g, = dl.autograd.grad((y * dl.tensor(c)).sum(), x, create_graph=True)

    def f(v):
        return fn(dl.tensor(v)).numpy()
    eps = 1e-6
    fd = (f(x0 + eps) - f(x0 - eps)) / (2 * eps) * c
    np.testing.assert_allclose(g.detach().numpy(), fd, rtol=1e-6, atol=1e-8)
    h, = dl.autograd.grad(g.sum(), x)

    def df(v):
        w = dl.tensor(v, requires_grad=True)
        return dl.autograd.grad((fn(w) * dl.tensor(c)).sum(), w)[0].numpy()
    fd2 = (df(x0 + eps) - df(x0 - eps)) / (2 * eps)
    np.testing.assert_allclose(h.numpy(), fd2, rtol=1e-5, atol=1e-7)


def test_one_node_each_way_and_the_second_derivative_at_zero_as_pytorch():
    x = dl.tensor([-1.0, -0.0, 0.0, 2.0, float("nan")], dtype=dl.float64, requires_grad=True)
    y = ops.elu(x, 0.5)
    assert y.grad_fn.prim is elu_p and type(y.grad_fn).__name__ == "EluBackward0"
    assert [type(n).__name__ for n, _ in y.grad_fn.next_functions] == ["AccumulateGrad"]
    g, = dl.autograd.grad(y.sum(), x, create_graph=True)
    assert g.grad_fn.prim is elu_grad_p
    assert type(g.grad_fn).__name__ == "EluBackwardBackward0"
    h, = dl.autograd.grad(g.sum(), x)
    # (PyTorch's elu_double_backward: masked by x < 0, so 0 at both zeros; NaN at NaN)
    np.testing.assert_array_equal(h.numpy()[:4], [0.5 * np.exp(-1.0), 0, 0, 0])
    assert np.isnan(h.numpy()[4])


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    a = _sample(np.float32)
    # (in place, PyTorch's gradient comes from the result, g i (y + a s), which cancels where
    # y is near -a s; dlcore's from the input, as out of place: a looser tolerance there)
    for call, rtol in ((lambda T, x: T.nn.functional.elu(x), 3e-7),
                       (lambda T, x: T.nn.functional.elu(x, 0.3), 3e-7),
                       (lambda T, x: T.nn.functional.selu(x), 3e-7),
                       (lambda T, x: T.celu(x, 0.7), 3e-7),
                       (lambda T, x: T.nn.ELU(2.0)(x), 3e-7),
                       (lambda T, x: T.nn.SELU()(x), 3e-7),
                       (lambda T, x: T.nn.functional.elu(x * 1, inplace=True), 1e-4),
                       (lambda T, x: T.nn.functional.selu(x * 1, inplace=True), 1e-4),
                       (lambda T, x: T.nn.functional.celu(x * 1, 0.5, inplace=True), 1e-4)):
        res = []
        for T in (dl, torch):
            x = T.tensor(a, requires_grad=True)
            y = call(T, x)
            node = y.grad_fn
            saved = {k: getattr(node, k) for k in dir(node) if k.startswith("_saved_") and
                     not hasattr(getattr(node, k), "shape")}
            y.backward(T.ones(a.size))
            res.append((type(node).__name__, saved, y.detach().numpy(), x.grad.numpy()))
        (nd, sd, yd, gd), (nt, st, yt, gt) = res
        assert nd == nt and sd == st
        for u, v, tol in ((yd, yt, 3e-7), (gd[5:], gt[5:], rtol)):   # (torch's gradient at
            assert np.array_equal(np.isnan(u), np.isnan(v))          # NaN: by position)
            np.testing.assert_allclose(u, v, rtol=tol, atol=1e-7 if tol > 1e-6 else 1e-30)
    for T in (dl, torch):
        with pytest.raises(RuntimeError, match="ZeroDivisionError: alpha cannot be 0 for CELU"):
            T.nn.functional.celu(T.ones(2), 0.0)


def test_static_elu_and_selu():
    import dlcore_static as tf
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, [None])
        y, s = tf.nn.elu(x), tf.nn.selu(x)
        dy, ds = tf.gradients(tf.reduce_sum(y), x)[0], tf.gradients(tf.reduce_sum(s), x)[0]
        assert y.op.type == "Elu"
        xv = np.array([-2.0, -0.5, 0.0, 1.5])
        with tf.Session() as sess:
            got = sess.run([y, s, dy, ds], {x: xv})
    sa, sc = 1.6732632423543772, 1.0507009873554805
    want = [np.where(xv > 0, xv, np.expm1(xv)), np.where(xv > 0, xv * sc, np.expm1(xv) * (sa * sc)),
            np.where(xv > 0, 1.0, np.exp(xv)), np.where(xv > 0, sc, sa * sc * np.exp(xv))]
    for u, v in zip(got, want):
        np.testing.assert_allclose(u, v, rtol=1e-15)


@pytest.mark.parametrize("opset", [11, 17])
def test_onnx_export_runs_in_onnxruntime(opset):
    """elu, selu, celu (ONNX's Elu, Selu, Celu from opset 12; before, the formula) and relu6,
    hardtanh (Clip) exported and run by onnxruntime."""
    import io
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    nn = dl.nn
    m = nn.Sequential(nn.Linear(4, 5), nn.ELU(0.5), nn.SELU(), nn.CELU(0.7), nn.ReLU6(),
                      nn.Hardtanh(-0.5, 0.5))
    x = dl.randn(3, 4) * 3
    f = io.BytesIO()
    dl.onnx.export(m, (x,), f, opset_version=opset)
    types = [n.op_type for n in onnx.load_from_string(f.getvalue()).graph.node]
    assert types.count("Clip") == 2 and "Elu" in types and "Selu" in types
    assert ("Celu" in types) == (opset >= 12)
    s = ort.InferenceSession(f.getvalue())
    got = s.run(None, {s.get_inputs()[0].name: x.numpy()})[0]
    want = m(x).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    from dlcore_eager.onnx_import import load_model       # (and dlcore's importer reads it)
    back = load_model(io.BytesIO(f.getvalue()))(x)
    np.testing.assert_allclose(back.detach().numpy(), want, rtol=1e-6, atol=1e-7)
