"""``stack`` as one primitive (dlcore/ops/stacking.py): eager values, gradients, graph and
errors against PyTorch; second derivatives; the static front end (tf.stack: one Pack op,
gradients with and without the graph passes, compiled by the whole-plan compiler); ONNX
export checked by onnxruntime."""

from __future__ import annotations

import io

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore import ops

torch = pytest.importorskip("torch")


def _pair(shape, n, dtype, rng, grads=None):
    xs = [rng.standard_normal(shape).astype(dtype) for _ in range(n)]
    grads = grads or [True] * n
    return ([dt.tensor(x, requires_grad=g) for x, g in zip(xs, grads)],
            [torch.tensor(x, requires_grad=g) for x, g in zip(xs, grads)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,dim", [((1, 32), 0), ((4, 8), 1), ((4, 8), 2), ((4, 8), -1),
                                       ((4, 8), -3), ((3,), 0), ((), 0), ((2, 3, 4), 2)])
@pytest.mark.parametrize("n", [2, 3])
def test_values_grads_and_graph_equal_torch(dtype, shape, dim, n):
    rng = np.random.default_rng(0)
    a, b = _pair(shape, n, dtype, rng)
    ya, yb = dt.stack(a, dim), torch.stack(b, dim)
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    assert ya.grad_fn.name() == yb.grad_fn.name() == "StackBackward0"
    assert [type(f[0]).__name__ for f in ya.grad_fn.next_functions] == \
        [type(f[0]).__name__ for f in yb.grad_fn.next_functions]
    g = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * dt.tensor(g)).sum().backward()
    (yb * torch.tensor(g)).sum().backward()
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_one_input_requires_grad_and_no_grad():
    rng = np.random.default_rng(1)
    a, b = _pair((2, 3), 2, "float32", rng, grads=[False, True])
    ya, yb = dt.stack(a, 1), torch.stack(b, 1)
    assert [f[0] is None for f in ya.grad_fn.next_functions] == \
        [f[0] is None for f in yb.grad_fn.next_functions] == [True, False]
    ya.pow(2).sum().backward()
    yb.pow(2).sum().backward()
    np.testing.assert_allclose(a[1].grad.numpy(), b[1].grad.numpy(), rtol=1e-6)
    assert a[0].grad is None
    with dt.no_grad():
        z = dt.stack(a, 0)
    assert z.grad_fn is None and not z.requires_grad


def test_result_is_a_copy_and_records_in_place_changes():
    x, y = dt.ones(2, 3), dt.zeros(2, 3)
    s = dt.stack([x, y])
    x.add_(1.0)
    np.testing.assert_array_equal(s.numpy()[0], np.ones((2, 3)))    # not a view of x
    w = dt.ones(3, requires_grad=True)
    t = dt.stack([w * 2, w * 3])
    t.mul_(2.0)                                   # an in-place op on the stack's output
    t.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full(3, 10.0))


def test_mixed_dtypes_promote_as_torch():
    a = [dt.ones(2), dt.ones(2, dtype=dt.float64)]
    b = [torch.ones(2), torch.ones(2, dtype=torch.float64)]
    assert str(dt.stack(a).dtype) == str(torch.stack(b).dtype)


def test_errors_equal_torch():
    for bad, msg in [(([dt.ones(2), dt.ones(3)], 0), r"stack expects each tensor to be equal "
                                                    r"size, but got \[2\] at entry 0 and \[3\] "
                                                    r"at entry 1"),
                     (([dt.ones(2, 3), dt.ones(2, 3)], 3), r"Dimension out of range")]:
        with pytest.raises((RuntimeError, IndexError), match=msg):
            dt.stack(*bad)
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        dt.stack([])


def test_double_backward_equals_torch():
    rng = np.random.default_rng(2)
    x0, w0 = rng.standard_normal((3, 4)), rng.standard_normal((2, 3, 4))
    out = []
    for lib in (dt, torch):
        x = lib.tensor(x0, requires_grad=True)
        w = lib.tensor(w0)
        y = (lib.stack([x.sin(), x * x], 0) * w).sum()
        (gx,) = lib.autograd.grad(y, x, create_graph=True)
        (ggx,) = lib.autograd.grad((gx ** 2).sum(), x)
        out.append((gx.detach().numpy(), ggx.numpy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_functional_vjp_is_the_cotangent_slices():
    from dlcore import functional as F
    rng = np.random.default_rng(4)
    xs = [rng.standard_normal((2, 3)) for _ in range(3)]
    y, pullback = F.vjp(lambda *a: ops.stack(list(a), 1), *xs)
    assert y.buf.shape == (2, 3, 3)
    g = rng.standard_normal((2, 3, 3))
    for i, gi in enumerate(pullback(g)):
        np.testing.assert_array_equal(gi.buf, g[:, i])


@pytest.mark.parametrize("passes", [(), "all"])
def test_static_tf_stack_is_one_pack_op_with_gradients(passes):
    import dlcore_static as tf
    from dlcore_static import compiler
    rng = np.random.default_rng(5)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, (2, 3))
        y = tf.stack([x * 2.0, tf.tanh(x), x + 1.0], 1) * 3.0
        s = tf.stack([tf.reduce_sum(x), tf.reduce_max(x)], 0) + 1.0     # 0-d inputs
        assert y.op.type == "Pack" or y.op.inputs[0].op.type == "Pack"
        g = tf.gradients(tf.reduce_sum(y * y) + tf.reduce_sum(s), x)[0]
        x0 = rng.standard_normal((2, 3))
        sess = tf.Session(passes=passes)
        for _ in range(2):                        # (the second run is the compiled plan's)
            yv, sv, gv = sess.run([y, s, g], {x: x0})
        np.testing.assert_allclose(yv, np.stack([x0 * 2, np.tanh(x0), x0 + 1], 1) * 3,
                                   rtol=1e-12)
        np.testing.assert_allclose(sv, [x0.sum() + 1, x0.max() + 1], rtol=1e-12)
        want = 2 * 9 * (x0 * 4 + np.tanh(x0) * (1 - np.tanh(x0) ** 2) + (x0 + 1)) + 1 + \
            (x0 == x0.max())
        np.testing.assert_allclose(gv, want, rtol=1e-10)
        if passes == "all":
            rep = compiler.explain(sess, [y, s, g], {x: x0})
            assert rep.compiled
            assert not [n for n in rep.codegen["python_nodes"] if "Pack" in n or "stack" in n]


def test_static_shape_errors_in_tensorflows_words():
    import dlcore_static as tf
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Dimension 0 in both shapes must be equal, but "
                                             "are 2 and 3"):
            tf.stack([tf.zeros([2]), tf.zeros([3])])
        with pytest.raises(ValueError, match="Shapes must be equal rank, but are 1 and 2"):
            tf.stack([tf.zeros([2]), tf.zeros([3, 1])])


def test_onnx_export_runs_in_onnxruntime():
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")

    class M(dt.nn.Module):
        def forward(self, a, b):
            return dt.stack([a, b * 2], 1) + dt.stack([b, a], -1).sum(-1)[:, None, :]

    rng = np.random.default_rng(6)
    a, b = (rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2))
    f = io.BytesIO()
    dt.onnx.export(M(), (dt.tensor(a), dt.tensor(b)), f, input_names=["a", "b"])
    got = ort.InferenceSession(f.getvalue()).run(None, {"a": a, "b": b})[0]
    want = np.stack([a, b * 2], 1) + np.stack([b, a], -1).sum(-1)[:, None, :]
    np.testing.assert_allclose(got, want, rtol=1e-6)
