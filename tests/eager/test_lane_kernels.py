"""The eager lane's small forms (issue 19, session 9): relu as NumPy's maximum with a 0-d zero,
exp and the other SIMD ufunc entries, softmax's loop taking its (outer, n, inner) views itself,
stack through the lane (was ``_shape_ops._fast_stack``), and the lane's parse in front of the
``axis=`` renaming.  Values, gradients, grad_fn names, dtypes and errors against PyTorch 2.13
and the kernels' own Numba expressions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dlcore_eager as T
from dlcore import ops

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(9)


def test_relu_small_form_is_the_expression_bit_for_bit():
    """maximum(x, +0) keeps NaN and gives +0.0 for -0.0, as ``x if (x > 0 or x != x) else 0``
    (the Numba loop: a parallel-size array still runs it)."""
    x = np.array([-0.0, 0.0, np.nan, -1.5, 2.0, -np.inf, np.inf] * 5, np.float32)
    kernel = ops.elementwise.relu_p.kernels["cpu"]
    small = kernel(x)
    loop = kernel.kernel._call((x,), {})
    assert small.dtype == np.float32
    np.testing.assert_array_equal(small, loop)
    assert not np.signbit(small).any()
    for dt in (np.int64, np.int32, np.uint8, np.float64):
        v = np.arange(-3, 4).astype(dt).reshape(7, 1)
        np.testing.assert_array_equal(kernel(v), torch.relu(torch.from_numpy(v)).numpy())
        assert kernel(v).dtype == dt


@pytest.mark.parametrize("name", ["relu", "exp", "tanh"])
def test_unary_values_grads_and_dtypes_vs_torch(name):
    a = _rng.standard_normal((3, 4))
    for dt in ("float32", "float64"):
        x = T.tensor(a.astype(dt), requires_grad=True)
        tx = torch.tensor(a.astype(dt), requires_grad=True)
        y, ty = getattr(x, name)(), getattr(tx, name)()
        assert str(y.dtype) == str(ty.dtype)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
        assert y.grad_fn.name() == ty.grad_fn.name()
        g = _rng.standard_normal((3, 4)).astype(dt)
        y.backward(T.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    # an integer tensor: exp/tanh compute in the default float dtype, relu keeps the int
    xi = T.tensor([[-2, 0, 3]])
    ti = torch.tensor([[-2, 0, 3]])
    yi, tyi = getattr(xi, name)(), getattr(ti, name)()
    assert str(yi.dtype) == str(tyi.dtype)
    np.testing.assert_allclose(yi.numpy(), tyi.numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1)])
def test_softmax_small_form_values_and_grads(shape, dim):
    a = _rng.standard_normal(shape)
    x = T.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    for f in ("softmax", "log_softmax"):
        y = getattr(T, f)(x, dim)
        ty = getattr(torch, f)(tx, dim)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        g = _rng.standard_normal(shape)
        (y * T.tensor(g)).sum().backward()
        (ty * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    # a transposed (non-contiguous) buffer of a planned shape, float32
    b = _rng.standard_normal((4, 3)).astype(np.float32)
    xt = T.from_numpy(b).t()
    np.testing.assert_allclose(T.softmax(xt, 1).numpy(),
                               torch.softmax(torch.from_numpy(b).t(), 1).numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_stack_through_the_lane_vs_torch(shape):
    a = [_rng.standard_normal(shape) for _ in range(3)]
    for dim in range(-len(shape) - 1, len(shape) + 1):
        xs = [T.tensor(v, requires_grad=k != 1) for k, v in enumerate(a)]
        ts = [torch.tensor(v, requires_grad=k != 1) for k, v in enumerate(a)]
        y, ty = T.stack(xs, dim), torch.stack(ts, dim)
        assert y.shape == tuple(ty.shape)
        assert y.grad_fn.name() == ty.grad_fn.name() == "StackBackward0"
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
        g = _rng.standard_normal(tuple(ty.shape))
        (y * T.tensor(g)).sum().backward()
        (ty * torch.tensor(g)).sum().backward()
        for u, v in zip(xs, ts):
            assert (u.grad is None) == (v.grad is None)
            if v.grad is not None:
                np.testing.assert_array_equal(u.grad.numpy(), v.grad.numpy())
        plain = T.stack([T.tensor(v) for v in a], dim=dim)
        assert plain.grad_fn is None and not plain.requires_grad
        np.testing.assert_array_equal(plain.numpy(), ty.detach().numpy())


def test_stack_dtypes_errors_and_keywords_vs_torch():
    x, tx = T.zeros(2, 3), torch.zeros(2, 3)
    for dt in ("float32", "float64", "int64", "uint8"):
        u = T.stack([T.ones(2, dtype=getattr(T, dt)), T.zeros(2, dtype=getattr(T, dt))], 1)
        tu = torch.stack([torch.ones(2, dtype=getattr(torch, dt)),
                          torch.zeros(2, dtype=getattr(torch, dt))], 1)
        assert str(u.dtype) == str(tu.dtype)
        np.testing.assert_array_equal(u.numpy(), tu.numpy())
    mixed = T.stack([x, T.zeros(2, 3, dtype=T.float64)])
    assert str(mixed.dtype) == str(torch.stack([tx, torch.zeros(2, 3, dtype=torch.float64)]).dtype)
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got "
                                           r"\[2, 3\] at entry 0 and \[3, 2\] at entry 1"):
        T.stack([x, T.zeros(3, 2)])
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-3, 2\], but got 3\)"):
        T.stack([x, x], 3)
    stack: Any = T.stack                        # (torch.stack: axis= and out= too)
    assert stack([x, x], axis=1).shape == tuple(torch.stack([tx, tx], axis=1).shape)
    with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
        stack([x, x], dim=1, axis=1)
    out = T.empty(2, 2, 3)
    assert stack([x, x + 1], out=out) is out
    np.testing.assert_array_equal(out.numpy()[1], np.ones((2, 3)))
    # a view of a stacked input still sees an in-place change of the input's version
    # (stack's backward reads no input, so changing one after the stack is allowed, as in
    # torch: the expand_dims views share its counter, the stack's node must not refuse)
    a = T.ones(2, requires_grad=True)
    b = a * 1
    y = T.stack([b, a * 2])
    assert y._version == 0
    b.add_(1)
    assert b._version == 1 and y._version == 0
    np.testing.assert_array_equal(y.detach().numpy(), [[1, 1], [2, 2]])
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3, 3])      # (torch's: [3., 3.])


def test_the_lane_in_front_of_axis_renaming_and_autocast():
    x = T.tensor(_rng.standard_normal((3, 4)).astype(np.float32))
    tx = torch.from_numpy(x.numpy())
    np.testing.assert_allclose(T.softmax(x, 1).numpy(), torch.softmax(tx, 1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.sum(axis=1, keepdims=True).numpy(),
                               tx.sum(axis=1, keepdims=True).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(x.max(1)[1].numpy(), tx.max(1)[1].numpy())
    with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
        x.sum(dim=1, axis=1)
    with T.autocast("cpu", dtype=T.bfloat16):
        c = T.cat([x, x], 1)
        s = T.stack([x, x])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        tc = torch.cat([tx, tx], 1)
        ts = torch.stack([tx, tx])
    assert str(c.dtype) == str(tc.dtype) and str(s.dtype) == str(ts.dtype)


@pytest.mark.parametrize("dim,keepdim", [(1, False), (0, True), (-1, True)])
def test_max_dim_with_grad_through_the_gather_small_form(dim, keepdim):
    a = _rng.standard_normal((3, 5))
    a[1, 2] = a[1, 4] = a[1].max() + 1            # a tie: the first index, as torch
    x, tx = T.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for _ in range(2):                             # (the second call: the lane's plan)
        v, i = x.max(dim, keepdim)
        tv, ti = tx.max(dim, keepdim)
        assert v.grad_fn.name() == tv.grad_fn.name() == "MaxBackward0"
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        np.testing.assert_array_equal(v.detach().numpy(), tv.detach().numpy())
        g = _rng.standard_normal(tuple(tv.shape))
        v.backward(T.tensor(g))
        tv.backward(torch.tensor(g))
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_take_along_axis_small_form_indices_and_errors():
    kernel = ops.scan.take_along_axis_p.kernels["cpu"]
    x = np.arange(12.0).reshape(3, 4)
    for axis, i in ((1, np.array([[0], [-1], [2]])), (0, np.array([[2, 0, -3, 1]]))):
        run = kernel.small([x.shape, i.shape], [x.dtype, i.dtype], axis=axis)
        np.testing.assert_array_equal(run(x, i), np.take_along_axis(x, i % x.shape[axis],
                                                                    axis=axis))
    run = kernel.small([x.shape, (3, 1)], [x.dtype, np.dtype(np.int64)], axis=1)
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        run(x, np.array([[0], [4], [1]]))


@pytest.mark.parametrize("make", [lambda M, x: x.max(1)[0], lambda M, x: M.stack([x, x * 2]),
                                  lambda M, x: M.stack([x, x * 2], 1)])
def test_inplace_on_max_values_and_stack_is_no_view_inplace_as_torch(make):
    # max(dim)'s values and stack's result are no views in torch: changed in place, their
    # grad_fn is the in-place op's over MaxBackward0/StackBackward0 (the lane records both
    # without a view registration)
    a = _rng.standard_normal((3, 4))
    x, tx = T.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for _ in range(2):                             # (the second call: the lane's plan)
        y, ty = make(T, x), make(torch, tx)
        y.mul_(3)
        ty.mul_(3)
        assert y.grad_fn.name() == ty.grad_fn.name() == "MulBackward0"
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
        g = _rng.standard_normal(tuple(ty.shape))
        y.backward(T.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_concatenate_small_form_along_axis_0():
    kernel = ops.shape.concatenate_p.kernels["cpu"]
    a, b = np.arange(6.0).reshape(2, 3), np.arange(9.0).reshape(3, 3)
    run = kernel.small([a.shape, b.shape], [a.dtype, b.dtype], axis=0)
    np.testing.assert_array_equal(run(a, b), np.concatenate([a, b]))
    r1 = a[None, 0], b[None, 1]                    # size-1 blocks (stack's): with the axis
    run = kernel.small([r1[0].shape, r1[1].shape], [a.dtype, b.dtype], axis=0)
    np.testing.assert_array_equal(run(*r1), np.concatenate(r1))
    np.testing.assert_array_equal(run(a[0], b[1]), np.stack([a[0], b[1]]))     # or without
    assert run(*r1).flags.c_contiguous


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape,dims,keep", [((4, 8), (0,), False), ((4, 8), (0,), True),
                                             ((2, 3, 4), (0, 1), False), ((2, 3, 4), (1,), True),
                                             ((2, 3, 4), (0, 2), False), ((4, 8), (1,), False),
                                             ((4, 8), (0, 1), False)])
def test_sum_small_form_over_leading_axes_is_the_kernel_bit_for_bit(dt, shape, dims, keep):
    """sum's small form over axes that are not the trailing ones (``x.sum(0)``, ``mean(0)``):
    ``_reduce``'s float64 add.reduce rounded once, the kernel's own result bit for bit on C- and
    non-C-contiguous buffers; the lane's sum/mean with grad as the general entry and torch."""
    kernel = ops.reduce.sum_p.kernels["cpu"]
    a = (_rng.standard_normal(shape) * 1e3).astype(dt)
    small = kernel.small(shape, np.dtype(dt), axes=dims, keepdims=keep)
    for buf in (a, np.asfortranarray(a)):
        want = kernel(buf, axes=dims, keepdims=keep)
        got = small(buf) if small is not None else want
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    d = dims[0] if len(dims) == 1 else dims
    for name in ("sum", "mean"):
        x = T.tensor(a, requires_grad=True)
        tx = torch.tensor(a, requires_grad=True)
        y = getattr(x, name)(d, keep)
        ty = getattr(tx, name)(d, keep)
        assert y.grad_fn.name() == ty.grad_fn.name()
        general = getattr(T.Tensor, name).__wrapped__ if hasattr(
            getattr(T.Tensor, name), "__wrapped__") else None
        if general is not None:
            np.testing.assert_array_equal(y.detach().numpy(),
                                          general(x.detach(), d, keep).numpy())
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5)
        g = _rng.standard_normal(tuple(ty.shape)).astype(dt)
        y.backward(T.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape,dim,keep", [((4, 8), 0, False), ((4, 8), 1, True),
                                            ((4, 8), None, False), ((2, 3, 4), (0, 2), True),
                                            ((5,), 0, False), ((), None, False)])
def test_mean_plan_is_the_two_lanes(dt, shape, dim, keep):
    """mean's one-plan run (``_lane._mean_run``, from the second call of a shape) gives what the
    first call (the sum lane then the div lane) gave and what torch gives: values bit for bit,
    grad_fn name and edges, gradients, no node under no_grad."""
    a = (_rng.standard_normal(shape) * 10).astype(dt)
    tx = torch.tensor(a, requires_grad=True)
    ty = tx.mean() if dim is None else tx.mean(dim, keep)
    g = _rng.standard_normal(tuple(ty.shape)).astype(dt)
    ty.backward(torch.tensor(g))
    results = []
    for _ in range(3):                          # first call: the two lanes; then the plan
        x = T.tensor(a, requires_grad=True)
        y = x.mean() if dim is None else x.mean(dim, keep)
        assert y.grad_fn.name() == ty.grad_fn.name()
        assert y.grad_fn.next_functions[0][0] is x.grad_fn or \
            type(y.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"
        assert y.requires_grad and y._version == 0
        y.backward(T.tensor(g))
        results.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5)
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
        with T.no_grad():
            z = x.mean() if dim is None else x.mean(dim, keep)
        assert z.grad_fn is None and not z.requires_grad
        np.testing.assert_array_equal(z.numpy(), y.detach().numpy())
    for v, gr in results[1:]:
        assert v.dtype == results[0][0].dtype and v.shape == results[0][0].shape
        np.testing.assert_array_equal(v, results[0][0])
        np.testing.assert_array_equal(gr, results[0][1])


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape,dims,keep", [((1, 32), (0, 1), False), ((4, 8), (1,), True),
                                             ((8,), (0,), False), ((2, 3, 4), (1, 2), False)])
def test_sum_small_form_without_numba_is_the_kernel_bit_for_bit(monkeypatch, dt, shape, dims,
                                                                 keep):
    """sum's small form where ``sum`` would not run the Numba loop (Numba not loaded yet, a
    buffer that is not C-contiguous): ``_reduce``'s small float case, the kernel's own result
    bit for bit (dtype, shape, 0-d for every axis)."""
    from dlcore.kernels.cpu import reduce as R
    kernel = ops.reduce.sum_p.kernels["cpu"]
    a = (_rng.standard_normal(shape) * 1e3).astype(dt)
    for modules in ({}, dict(R._MODULES, numba=True)):     # without Numba, then with it
        monkeypatch.setattr(R, "_MODULES", modules)
        small = kernel.small(shape, np.dtype(dt), axes=dims, keepdims=keep)
        for buf in (a, np.asfortranarray(a), a[..., ::-1]):
            want = kernel(buf, axes=dims, keepdims=keep)
            got = small(buf)
            assert type(got) is np.ndarray and got.dtype == want.dtype
            assert got.shape == want.shape
            np.testing.assert_array_equal(got, want)
