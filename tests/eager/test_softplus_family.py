"""log_sigmoid and mish as one elementwise primitive each way (``dlcore/ops/softplus_family.py``):
PyTorch's values, first and second derivatives (edge values included), node names and saved
tensors, one node each way, the eager lane's calls (``F.softplus`` with its default beta and
threshold given too), TensorFlow's ``tf.math.log_sigmoid`` in a graph, and their ONNX export
run by onnxruntime; GELU's tanh form (``dlcore/ops/gelu_tanh.py``) the same way."""
import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_static as tf
from dlcore.ops.gelu_tanh import gelu_tanh_grad_p, gelu_tanh_p
from dlcore.ops.softplus_family import logsigmoid_grad_p, logsigmoid_p, mish_grad_p, mish_p

torch = pytest.importorskip("torch")

EDGES = [-np.inf, -100.0, -30.0, -20.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 1.0, 20.0, 25.0, 100.0,
         np.inf, np.nan]


def _both(name, x, create_graph=True):
    out = []
    for L in (dt, torch):
        t = L.tensor(x, requires_grad=True)
        y = getattr(L.nn.functional, name)(t)
        (g,) = L.autograd.grad(y, t, L.ones_like(y), create_graph=create_graph)
        gg = L.autograd.grad((g * g).sum(), t)[0].numpy() if create_graph else None
        out.append((y.detach().numpy(), g.detach().numpy(), gg, y.grad_fn.name()))
    return out


@pytest.mark.parametrize("name", ["logsigmoid", "mish"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_as_torch(name, dtype):
    x = np.array(EDGES + list(np.random.default_rng(1).standard_normal(30) * 4), dtype)
    ours, theirs = _both(name, x)
    tol = 2e-6 if dtype == "float32" else 1e-12
    if name == "mish" and dtype == "float32":      # (PyTorch's exp(100) overflows: NaN)
        assert np.isnan(theirs[2][EDGES.index(100.0)]) and ours[2][EDGES.index(100.0)] == 0
        theirs[2][EDGES.index(100.0)] = 0
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)
    assert ours[3] == theirs[3]
    if name == "logsigmoid":                     # +0.0 at +inf, -inf at -inf
        assert ours[0][EDGES.index(np.inf)] == 0 and not np.signbit(ours[0][13])
        assert ours[0][0] == -np.inf


@pytest.mark.parametrize("name", ["logsigmoid", "mish"])
def test_gradients_against_finite_differences(name):
    x = np.random.default_rng(2).standard_normal(12) * 3
    f = getattr(dt.nn.functional, name)
    t = dt.tensor(x, requires_grad=True)
    (g,) = dt.autograd.grad(f(t).sum(), t, create_graph=True)
    h = 1e-6
    fd = (f(dt.tensor(x + h)).numpy() - f(dt.tensor(x - h)).numpy()) / (2 * h)
    np.testing.assert_allclose(g.detach().numpy(), fd, rtol=1e-6, atol=1e-8)
    (gg,) = dt.autograd.grad(g.sum(), t)
    gp = dt.tensor(x + h, requires_grad=True)
    gm = dt.tensor(x - h, requires_grad=True)
    fd2 = (dt.autograd.grad(f(gp).sum(), gp)[0].numpy()
           - dt.autograd.grad(f(gm).sum(), gm)[0].numpy()) / (2 * h)
    np.testing.assert_allclose(gg.numpy(), fd2, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("prim,grad_p,call", [
    (logsigmoid_p, logsigmoid_grad_p, lambda t: dt.nn.functional.logsigmoid(t)),
    (mish_p, mish_grad_p, lambda t: dt.nn.functional.mish(t)),
    (gelu_tanh_p, gelu_tanh_grad_p, lambda t: dt.nn.GELU(approximate="tanh")(t))],
    ids=["logsigmoid", "mish", "gelu_tanh"])
def test_one_node_each_way(prim, grad_p, call):
    t = dt.randn(4, 5, requires_grad=True)
    y = call(t)
    assert y._node.prim is prim and len(y._node.parents) == 1
    calls = []
    kernel = grad_p.kernels["cpu"]
    grad_p.kernels["cpu"] = lambda g, x: calls.append(1) or kernel(g, x)
    try:
        y.sum().backward()
    finally:
        grad_p.kernels["cpu"] = kernel
    assert calls == [1]


@pytest.mark.parametrize("name,saved", [("logsigmoid", ["_saved_buffer", "_saved_self"]),
                                        ("mish", ["_saved_self"]),
                                        ("silu", ["_saved_self"])])
def test_nodes_show_torchs_saved_tensors(name, saved):
    x = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    t = dt.tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    y, ty = getattr(dt.nn.functional, name)(t), getattr(torch.nn.functional, name)(tt)
    assert [a for a in dir(y.grad_fn) if a.startswith("_saved")] == saved == \
        [a for a in dir(ty.grad_fn) if a.startswith("_saved")]
    assert y.grad_fn._saved_self is t
    if name == "logsigmoid":
        np.testing.assert_allclose(y.grad_fn._saved_buffer.numpy(),
                                   ty.grad_fn._saved_buffer.numpy(), rtol=1e-6)
    module = {"logsigmoid": dt.nn.LogSigmoid, "mish": dt.nn.Mish, "silu": dt.nn.SiLU}[name]
    assert module()(t).grad_fn.name() == ty.grad_fn.name()


def test_under_saved_tensors_hooks_the_general_entry_runs():
    packed = []
    t = dt.randn(3, requires_grad=True)
    with dt.autograd.graph.saved_tensors_hooks(lambda v: packed.append(v) or v, lambda v: v):
        y = dt.nn.functional.mish(t)
    assert packed and y.grad_fn.name() == "MishBackward0"
    y.sum().backward()
    tt = torch.tensor(t.detach().numpy(), requires_grad=True)
    torch.nn.functional.mish(tt).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("args,kw", [((), {}), ((1, 20), {}), ((1.0,), {"threshold": 20.0}),
                                     ((2,), {}), ((), {"beta": 0.5, "threshold": 3}),
                                     ((1, 5), {})])
def test_softplus_calls_as_torch(args, kw):
    x = np.random.default_rng(4).standard_normal((5, 6)).astype(np.float32) * 8
    t, tt = dt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = dt.nn.functional.softplus(t, *args, **kw)
    ty = torch.nn.functional.softplus(tt, *args, **kw)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=2e-6, atol=1e-7)
    assert y.grad_fn.name() == ty.grad_fn.name()
    assert (y.grad_fn._saved_beta, y.grad_fn._saved_threshold) == \
        (ty.grad_fn._saved_beta, ty.grad_fn._saved_threshold)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=2e-6, atol=1e-7)


def test_softplus_argument_errors_as_torch():
    t, tt = dt.randn(3), torch.randn(3)
    for args, kw in [((1,), {"beta": 2}), ((1, 20, 3), {}), ((), {"bta": 1})]:
        with pytest.raises(TypeError) as ours:
            dt.nn.functional.softplus(t, *args, **kw)
        with pytest.raises(TypeError) as theirs:
            torch.nn.functional.softplus(tt, *args, **kw)
        assert str(ours.value).split("(")[0] == str(theirs.value).split("(")[0]


def test_no_grad_and_inplace_mish():
    x = np.linspace(-4, 4, 9).astype(np.float32)
    with dt.no_grad():
        y = dt.nn.functional.mish(dt.tensor(x, requires_grad=True))
    assert not y.requires_grad and y.grad_fn is None
    t = dt.tensor(x)
    out = dt.nn.functional.mish(t, inplace=True)
    assert out is t
    np.testing.assert_allclose(t.numpy(), torch.nn.functional.mish(torch.tensor(x)).numpy(),
                               rtol=1e-6)


def test_half_precision_as_torch():
    x = np.linspace(-6, 6, 25).astype(np.float32)
    for name in ("logsigmoid", "mish"):
        a = getattr(dt.nn.functional, name)(dt.tensor(x).to(dt.bfloat16)).float().numpy()
        b = getattr(torch.nn.functional, name)(torch.tensor(x).to(torch.bfloat16)).float()
        np.testing.assert_array_equal(a, b.numpy())


def test_static_log_sigmoid_and_its_gradient():
    x = np.random.default_rng(5).standard_normal((3, 4)).astype(np.float32) * 4
    g = tf.Graph()
    with g.as_default():
        p = tf.placeholder(tf.float32, (3, 4))
        y = tf.math.log_sigmoid(p)
        (dy,) = tf.gradients(tf.reduce_sum(y), [p])
        with tf.Session() as s:
            got, dgot = s.run([y, dy], {p: x})
    assert y.op.type == "LogSigmoid"
    tt = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.logsigmoid(tt)
    ty.sum().backward()
    np.testing.assert_allclose(got, ty.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(dgot, tt.grad.numpy(), rtol=1e-6)


def test_onnx_export_runs_in_onnxruntime():
    pytest.importorskip("onnxruntime")
    import onnxruntime as ort

    import dlcore_eager.onnx
    model = dt.nn.Sequential(dt.nn.Linear(4, 3), dt.nn.Mish(), dt.nn.LogSigmoid())
    x = dt.randn(2, 4)
    proto = dlcore_eager.onnx.export(model, (x,), input_names=["x"])
    ops = [n.op_type for n in proto.graph.node]
    assert "Softplus" in ops and "Tanh" in ops and "Neg" in ops
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x.numpy()})
    np.testing.assert_allclose(got, model(x).detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_tanh_as_torch(dtype):
    x = np.array(EDGES + list(np.random.default_rng(6).standard_normal(40) * 3), dtype)
    out = []
    for L in (dt, torch):
        t = L.tensor(x, requires_grad=True)
        y = L.nn.functional.gelu(t, approximate="tanh")
        (g,) = L.autograd.grad(y, t, L.ones_like(y), create_graph=True)
        (gg,) = L.autograd.grad((g * g).sum(), t)
        out.append((y.detach().numpy(), g.detach().numpy(), gg.numpy(), y.grad_fn.name(),
                    y.grad_fn._saved_approximate))
    # (float32 far in the negative tail: PyTorch's tanh saturates to -1 sooner, ~1e-6 apart)
    rtol, atol = (2e-5, 4e-5) if dtype == "float32" else (2e-11, 2e-11)
    ok = np.isfinite(x) & (np.abs(x) < 50)          # (PyTorch's x^3 overflows its gg there)
    for a, b in zip(out[0][:3], out[1][:3]):
        np.testing.assert_allclose(a[ok], b[ok], rtol=rtol, atol=atol)
    np.testing.assert_array_equal(np.isnan(out[0][0]), np.isnan(out[1][0]))
    assert out[0][3:] == out[1][3:] == ("GeluBackward0", "tanh")


def test_gelu_tanh_onnx_export_runs_in_onnxruntime():
    pytest.importorskip("onnxruntime")
    import onnxruntime as ort

    import dlcore_eager.onnx
    model = dt.nn.Sequential(dt.nn.Linear(4, 3), dt.nn.GELU(approximate="tanh"))
    x = dt.randn(2, 4)
    proto = dlcore_eager.onnx.export(model, (x,), input_names=["x"])
    assert "Tanh" in [n.op_type for n in proto.graph.node]
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = sess.run(None, {"x": x.numpy()})
    np.testing.assert_allclose(got, model(x).detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("args,kw", [((), {}), ((), {"approximate": "tanh"}),
                                     ((), {"approximate": "none"}), (("tanh",), {}),
                                     ((), {"approximate": "bad"}), ((), {"approx": "tanh"})])
def test_gelu_calls_as_torch(args, kw):
    """F.gelu's lane (the exact or the tanh primitive by ``approximate``, keyword-only as
    PyTorch's): values, node, shown ``approximate``, and the same errors."""
    x = np.random.default_rng(7).standard_normal((3, 4)).astype(np.float32)
    res = []
    for L in (dt, torch):
        t = L.tensor(x, requires_grad=True)
        try:
            y = L.nn.functional.gelu(t, *args, **kw)
        except (TypeError, RuntimeError) as e:
            res.append((type(e), str(e).split("(")[0]))
            continue
        assert y.grad_fn._saved_self is t
        res.append((y.grad_fn.name(), y.grad_fn._saved_approximate, y.detach().numpy()))
    assert res[0][:2] == res[1][:2]
    if len(res[0]) == 3:
        np.testing.assert_allclose(res[0][2], res[1][2], rtol=1e-6, atol=1e-7)


def test_dir_of_a_node_after_backward_as_torch():
    """dir(grad_fn) lists the node's own ``_saved_*`` names after backward too (reading one
    then raises PyTorch's RuntimeError), not every name the class defines."""
    def names(L, make):
        t = L.randn(4, requires_grad=True)
        y = make(L, t)
        before = [a for a in dir(y.grad_fn) if a.startswith("_saved")]
        y.sum().backward()
        after = [a for a in dir(y.grad_fn) if a.startswith("_saved")]
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.grad_fn._saved_self
        return before, after
    for make in (lambda L, t: L.nn.functional.hardswish(t),
                 lambda L, t: L.nn.functional.silu(t),
                 lambda L, t: L.nn.functional.hardshrink(t, 0.3),
                 lambda L, t: L.nn.functional.logsigmoid(t),
                 lambda L, t: L.std(t, 0),
                 lambda L, t: L.logsumexp(t, 0)):
        ours, theirs = names(dt, make), names(torch, make)
        assert ours == theirs and ours[0] == ours[1]
