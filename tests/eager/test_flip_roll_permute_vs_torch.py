"""flip and roll are new tensors, as PyTorch's (flip was a view with negative strides: writing
into ``x.flip(0)`` wrote into ``x``), with PyTorch's values, strides, grad_fn names and
gradients; permute's plan per shape and order (issue 19) gives the same views, nodes and
errors as its first call."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import dlcore_eager

LIBS = (dlcore_eager, torch)


def _both(fn):
    return [fn(lib) for lib in LIBS]


def _arr(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


@pytest.mark.parametrize("dims", [(0,), (1,), (0, 2), (-1,), (2, 0, 1), ()])
def test_flip_is_a_contiguous_copy_with_torchs_values_and_gradient(dims):
    _same_move(lambda x: x.flip(dims))


def test_writing_into_a_flip_or_roll_leaves_the_source_alone():
    for lib in LIBS:
        x = lib.arange(6.0).reshape(2, 3)
        f, r = x.flip(0), x.roll(1, 1)
        f[0, 0] = 100.0
        r[0, 0] = -100.0
        np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("shifts,dims", [(1, 0), (-2, 1), ((1, -1), (0, 1)), (7, None),
                                         (3, 0), ((2, 5), (1, 2))])
def test_roll_values_and_gradient_as_torch(shifts, dims):
    _same_move(lambda x: x.roll(shifts, dims) if dims is not None else x.roll(shifts))


def _same_move(move):
    """``move`` of a 2x3x4 tensor: the values, strides, contiguity, grad_fn name and the
    gradient of a weighted sum, as PyTorch's."""
    def run(lib):
        x = lib.arange(24.0).reshape(2, 3, 4).requires_grad_()
        y = move(x)
        (y * (lib.arange(24.0).reshape(2, 3, 4) - 5) ** 2).sum().backward()
        return _arr(y), y.stride(), y.is_contiguous(), y.grad_fn.name(), x.grad.numpy()
    d, t = _both(run)
    np.testing.assert_array_equal(d[0], t[0])
    assert d[1:4] == t[1:4]
    np.testing.assert_array_equal(d[4], t[4])


def test_flip_and_roll_of_a_0d_tensor_and_second_derivative():
    for lib in LIBS:
        z = lib.tensor(3.0)
        assert z.flip(0).item() == 3.0 and z.roll(1).item() == 3.0
        with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no "):
            z.roll(1, 0)
    d, t = _both(lambda lib: _second(lib))
    np.testing.assert_allclose(d, t, rtol=1e-6)


def _second(lib):
    x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (g,) = lib.autograd.grad((x.flip(0).roll(1, 0) ** 3).sum(), x, create_graph=True)
    (h,) = lib.autograd.grad((g * lib.tensor([1.0, 2.0, 3.0])).sum(), x)
    return h.numpy()


def test_flip_repeated_dim_error_as_torch():
    for lib in LIBS:
        with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
            lib.zeros(2, 3).flip(0, 0)


@pytest.mark.parametrize("order", [(1, 0, 2), ((2, 0, 1),), ([2, 1, 0],), (-1, 0, 1)])
def test_permute_plan_keeps_views_nodes_and_versions(order):
    def run(lib):
        x = lib.arange(24.0).reshape(2, 3, 4).requires_grad_()
        outs = [x.permute(*order) for _ in range(3)]         # the plan from the second on
        y = outs[-1]
        name = y.grad_fn.name()
        (y * lib.arange(24.0).reshape(y.shape)).sum().backward()
        with lib.no_grad():
            v = x.detach().permute(*order)
            v[0, 0, 0] = -1.0                               # a view: the source changes
            src = x.detach()
        return (tuple(y.shape), y.stride(), name, x.grad.numpy(),
                float(src.flatten()[np.argmin(src.flatten().numpy())]))
    d, t = _both(run)
    assert d[:3] == t[:3]
    np.testing.assert_array_equal(d[3], t[3])
    assert d[4] == t[4] == -1.0


def test_permute_errors_after_a_plan_as_torch():
    for lib in LIBS:
        x = lib.zeros(2, 3)
        x.permute(1, 0)
        x.permute(1, 0)
        with pytest.raises(RuntimeError, match="duplicate dims are not allowed"):
            x.permute(1, 1)
        with pytest.raises(RuntimeError, match="number of dimensions in the tensor input"):
            x.permute(1, 0, 2)


@pytest.mark.parametrize("make", [lambda lib, y: lib.cat([y], 1), lambda lib, y: lib.hstack([y]),
                                  lambda lib, y: lib.column_stack([y]),
                                  lambda lib, y: lib.diag_embed(y),
                                  lambda lib, y: lib.diag_embed(y, 1, 0, 2)])
def test_joins_of_one_tensor_and_diag_embed_are_new_contiguous_tensors(make):
    def run(lib):
        a = lib.arange(6.0).reshape(2, 3).requires_grad_()
        y = a * 2
        z = make(lib, y)
        name, same = z.grad_fn.name(), z is y
        (z * lib.arange(float(z.numel())).reshape(z.shape)).sum().backward()
        flat = z.detach().view(-1)               # (contiguous: a view of its own memory)
        flat[0] = 100.0
        return name, same, z.stride(), y.grad_fn.name(), a.grad.numpy(), y[0, 0].item()
    d, t = _both(run)
    assert d[:4] == t[:4] and d[1] is False
    np.testing.assert_array_equal(d[4], t[4])
    assert d[5] == t[5] == 0.0


def test_static_concat_of_one_tensor_is_its_value():
    import dlcore_static as tf
    with tf.Session() as sess:
        x = tf.constant([[1.0, 2.0]])
        y = tf.concat([x], 0)
        assert y is not x and y.op.type == "Identity"        # (TF's own degenerate case)
        np.testing.assert_array_equal(sess.run(y), [[1.0, 2.0]])


@pytest.mark.parametrize("call", [lambda lib, x: x.cumsum(1), lambda lib, x: lib.cumsum(x, dim=0),
                                  lambda lib, x: x.cumprod(-1), lambda lib, x: x.cumsum(-2),
                                  lambda lib, x: x.sort(1)[0], lambda lib, x: x.sort(0)[0]])
def test_scan_and_sort_lanes_are_the_general_paths(call):
    """The lane's plan from the second call on: values, dtype, grad_fn and gradient as the
    first call's and as PyTorch's."""
    def run(lib):
        x = lib.tensor(np.random.default_rng(9).standard_normal((4, 5)).astype(np.float32),
                       requires_grad=True)
        first, second = call(lib, x), call(lib, x)
        (second * lib.arange(20.0).reshape(4, 5)).sum().backward()
        return first.detach().numpy(), second.detach().numpy(), second.grad_fn.name(), \
            x.grad.numpy()
    d, t = _both(run)
    np.testing.assert_array_equal(d[0], d[1])
    np.testing.assert_allclose(d[1], t[1], rtol=1e-6)
    assert d[2] == t[2]
    np.testing.assert_allclose(d[3], t[3], rtol=1e-5)


@pytest.mark.parametrize("shape,sizes", [((1, 1), (1, 5)), ((1, 5), (1, 5)), ((3, 1), (-1, 4)),
                                         ((2,), (3, 2)), ((2, 1), (2, 2, 3))])
def test_expand_plan_keeps_values_nodes_and_errors(shape, sizes):
    def run(lib):
        x = lib.arange(float(np.prod(shape))).reshape(shape).requires_grad_()
        outs = [x.expand(*sizes) for _ in range(3)]          # the plan from the second on
        y = outs[-1]
        name, stride = y.grad_fn.name(), y.stride()
        (y * lib.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        with pytest.raises(TypeError):
            x.expand(*(float(s) for s in sizes))
        if max(shape) > 1:
            with pytest.raises(RuntimeError, match="must match the existing size"):
                x.expand(*(s + 7 if s > 1 else 7 for s in shape))
        return tuple(y.shape), name, stride, x.grad.numpy(), y.detach().numpy()
    d, t = _both(run)
    assert d[:3] == t[:3]
    np.testing.assert_array_equal(d[3], t[3])
    np.testing.assert_array_equal(d[4], t[4])
