"""The eager fast lanes (``_dispatch.small_binary`` behind the operators, ``x[idx]`` of an
int64 index tensor in ``_fast_paths``, ``stack`` and ``log_softmax`` of small CPU tensors):
values, gradients, grad_fn names and error messages against PyTorch, on tiny shapes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as T

torch = pytest.importorskip("torch")


def _pair(a: np.ndarray, rg: bool = False):
    return (T.tensor(a, requires_grad=rg), torch.tensor(a, requires_grad=rg))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv"])
@pytest.mark.parametrize("shapes", [((1,), (1,)), ((2, 3), (3,)), ((), (2,))])
def test_binary_lane_values_and_grads(op, shapes):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shapes[0])
    b = rng.standard_normal(shapes[1]) + 3.0
    (da, ta), (db, tb) = _pair(a, True), _pair(b, True)
    fn = getattr(type(da), f"__{op}__")
    yd, yt = fn(da, db), getattr(torch.Tensor, f"__{op}__")(ta, tb)
    assert type(yd.grad_fn).__name__ == type(yt.grad_fn).__name__
    g = rng.standard_normal(np.broadcast_shapes(*shapes))
    yd.backward(T.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(da.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(db.grad.numpy(), tb.grad.numpy(), rtol=1e-12)


def test_binary_lane_errors_and_overflow():
    for M in (T, torch):
        with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size "
                           r"of tensor b \(3\) at non-singleton dimension 0"):
            M.ones(2) + M.ones(3)
    a = T.tensor([3e38], dtype=T.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no NumPy overflow warning, as PyTorch
        y = a + a
    assert np.isinf(y.numpy()).all() and y.dtype == T.float32 and not y.requires_grad


def test_take_rows_values_grad_and_name():
    e = np.arange(15.0).reshape(5, 3)
    (de, te) = _pair(e, True)
    idx = np.array([1, -1, 2, 1])
    yd, yt = de[T.tensor(idx)], te[torch.tensor(idx)]
    assert type(yd.grad_fn).__name__ == type(yt.grad_fn).__name__ == "IndexBackward0"
    g = np.arange(12.0).reshape(4, 3)
    yd.backward(T.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(yd.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(de.grad.numpy(), te.grad.numpy())
    i2 = np.array([[0, 4], [2, 3]])
    np.testing.assert_array_equal(de[T.tensor(i2)].detach().numpy(),
                                  te[torch.tensor(i2)].detach().numpy())
    with T.no_grad():
        assert not de[T.tensor(idx)].requires_grad


def test_take_rows_saves_a_copy_of_the_index():
    de = T.arange(6.0).reshape(3, 2).requires_grad_(True)
    i = T.tensor([0, 2])
    y = de[i]
    i[0] = 1                                    # the gradient still goes to rows 0 and 2
    y.sum().backward()
    np.testing.assert_array_equal(de.grad.numpy(), [[1, 1], [0, 0], [1, 1]])


@pytest.mark.parametrize("bad", [7, -7])
def test_take_rows_out_of_bounds(bad):
    for M in (T, torch):
        with pytest.raises(IndexError, match=f"index {bad} is out of bounds for dimension 0 "
                           "with size 5"):
            M.ones(5, 3)[M.tensor([0, bad])]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_stack_values_grads_and_next_functions(dim):
    rng = np.random.default_rng(1)
    arrs = [rng.standard_normal((2, 3)) for _ in range(3)]
    dts = [T.tensor(a, requires_grad=k < 2) for k, a in enumerate(arrs)]
    tts = [torch.tensor(a, requires_grad=k < 2) for k, a in enumerate(arrs)]
    yd, yt = T.stack(dts, dim), torch.stack(tts, dim)
    assert type(yd.grad_fn).__name__ == "StackBackward0"
    assert [type(n).__name__ if n is not None else None for n, _ in yd.grad_fn.next_functions] \
        == [type(n).__name__ if n is not None else None for n, _ in yt.grad_fn.next_functions]
    g = rng.standard_normal(tuple(yt.shape))
    yd.backward(T.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(yd.detach().numpy(), yt.detach().numpy())
    for a, b in zip(dts[:2], tts[:2]):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    with T.no_grad():
        assert not T.stack(dts, dim).requires_grad
    ints = T.stack([T.ones(2, dtype=T.int64)] * 2, dim % 2)
    assert ints.dtype == T.int64 and not ints.requires_grad


def test_numpy_keywords_and_autocast_through_one_wrapper():
    for M in (T, torch):
        x, y = M.ones(2, 3, dtype=M.bfloat16), M.ones(2, 3)
        with M.autocast("cpu", dtype=M.bfloat16):
            got = (M.stack([x, y]).dtype, M.cat([x, y], axis=0).dtype,
                   M.log_softmax(x, dim=1).dtype)
        assert got == (M.float32, M.float32, M.bfloat16)
        assert tuple(M.ones(2, 3).sum(1, keepdims=True).shape) == (2, 1)
        assert tuple(M.cat([y, y], axis=1).shape) == (2, 6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_lane_vs_torch(name, dim):
    a = np.random.default_rng(2).standard_normal((2, 3))
    (d, t) = _pair(a, True)
    yd = getattr(T.nn.functional, name)(d, dim=dim)
    yt = getattr(torch.nn.functional, name)(t, dim=dim)
    assert type(yd.grad_fn).__name__ == type(yt.grad_fn).__name__
    g = np.arange(6.0).reshape(2, 3)
    yd.backward(T.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                       r"\[-2, 1\], but got 2\)"):
        getattr(d, name)(2)


def test_linear_bias_add_through_the_lane():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    (dx, tx), (dw, tw), (db, tb) = _pair(x, True), _pair(w, True), _pair(b, True)
    for _ in range(2):                          # (the second call takes the cached rules)
        yd = T.nn.functional.linear(dx, dw, db)
        yt = torch.nn.functional.linear(tx, tw, tb)
    assert type(yd.grad_fn).__name__ == type(yt.grad_fn).__name__ == "AddmmBackward0"
    g = rng.standard_normal((2, 3))
    yd.backward(T.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    for a, c in ((dx, tx), (dw, tw), (db, tb)):
        np.testing.assert_allclose(a.grad.numpy(), c.grad.numpy(), rtol=1e-12)


def test_lanes_step_aside_for_a_trace():
    # jit.trace records every primitive through apply: an op taken by a lane would be frozen
    # into the traced function as a constant
    idx = T.tensor([2, 0])

    def f(x, y):
        return T.nn.functional.log_softmax(T.stack([x + y, x * y])[:, idx], dim=-1)

    rng = np.random.default_rng(4)
    x, y = (T.tensor(rng.standard_normal((3, 4)), dtype=T.float32) for _ in range(2))
    g = T.jit.trace(f, (x, y))
    x2, y2 = (T.tensor(rng.standard_normal((3, 4)), dtype=T.float32) for _ in range(2))
    np.testing.assert_array_equal(g(x2, y2).numpy(), f(x2, y2).numpy())
