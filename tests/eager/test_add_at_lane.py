"""``index_add_``/``scatter_add_`` in place with nothing recorded (``_add_at_lane``): PyTorch's
bits (repeated indices added in its order), through views and along any dimension, the version
bumped; the general path's errors and gradients where the lane steps aside."""
import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)


def _pair(data):
    return dt.tensor(data), torch.tensor(data)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_add_bits_as_torch(dtype, dim):
    base = (RNG.standard_normal((6, 5, 4)) * 100).astype(dtype)
    n = base.shape[dim]
    idx = RNG.integers(0, n, 40)
    shape = list(base.shape)
    shape[dim] = 40
    src = (RNG.standard_normal(shape) * 100).astype(dtype)
    outs = []
    for L in (dt, torch):
        x = L.tensor(base)
        v0 = x._version
        r = x.index_add_(dim, L.tensor(idx), L.tensor(src))
        assert r is x and x._version > v0
        outs.append(x.numpy().tobytes())
    assert outs[0] == outs[1]


@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("smaller", [False, True])
def test_scatter_add_bits_as_torch(dim, smaller):
    base = RNG.standard_normal((5, 6, 7)).astype(np.float32)
    ishape = (3, 4, 5) if smaller else (5, 6, 7)
    idx = RNG.integers(0, base.shape[dim], ishape)
    src = RNG.standard_normal((5, 6, 7)).astype(np.float32)
    outs = []
    for L in (dt, torch):
        x = L.tensor(base)
        x.scatter_add_(dim, L.tensor(idx), L.tensor(src))
        outs.append(x.numpy().tobytes())
    assert outs[0] == outs[1]


def test_writes_through_a_view_reach_the_base():
    outs = []
    for L in (dt, torch):
        x = L.zeros(4, 6)
        v = x[1:, ::2]                                  # (a strided view)
        v.index_add_(1, L.tensor([0, 2, 0]), L.ones(3, 3))
        v.scatter_add_(0, L.tensor([[2, 1, 0]]), L.full((1, 3), 5.0))
        outs.append(x.tolist())
    assert outs[0] == outs[1]


def test_errors_and_grad_take_the_general_path():
    for bad in ([0, 5], [-1, 0]):
        msgs = []
        for L in (dt, torch):
            x = L.zeros(5, 2)
            with pytest.raises((IndexError, RuntimeError)) as e:
                x.index_add_(0, L.tensor(bad), L.ones(2, 2))
            msgs.append((type(e.value).__name__, x.tolist()))
        assert msgs[0][0] == msgs[1][0]
        assert msgs[0][1] == [[0.0, 0.0]] * 5             # (dlcore writes nothing)
    grads = []
    for L in (dt, torch):
        w = L.ones(3, 2, requires_grad=True)
        out = L.zeros(4, 2).index_add_(0, L.tensor([1, 3, 1]), w * 2)
        (out * L.arange(8.0).reshape(4, 2)).sum().backward()
        grads.append((w.grad.tolist(), out.grad_fn.name()))
    assert grads[0] == grads[1]


def test_alpha_and_a_leaf_that_requires_grad_as_torch():
    outs = []
    for L in (dt, torch):
        x = L.zeros(3)
        x.index_add_(0, L.tensor([0, 0, 2]), L.ones(3), alpha=2.5)
        leaf = L.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            leaf.index_add_(0, L.tensor([0]), L.ones(1))
        with L.no_grad():
            leaf.index_add_(0, L.tensor([1, 1]), L.ones(2))
        outs.append((x.tolist(), leaf.tolist()))
    assert outs[0] == outs[1]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_index_select_along_dim_0_as_torch(dtype):
    data = RNG.standard_normal((6, 3, 2)) * 5
    idx = [5, 0, 5, 2]
    outs = []
    for L in (dt, torch):
        x = L.tensor(data).to(getattr(L, dtype))
        if dtype.startswith("float"):
            x.requires_grad_()
        o = x.index_select(0, L.tensor(idx))
        o2 = L.index_select(x, 0, L.tensor([1]))
        name = o.grad_fn.name() if o.grad_fn is not None else None
        grad = None
        if dtype.startswith("float"):
            (o * o).sum().backward()
            grad = x.grad.tolist()
        errs = []
        for bad in ([6], [-1], [[0]]):
            try:
                x.index_select(0, L.tensor(bad))
                errs.append(None)
            except (IndexError, RuntimeError) as e:
                errs.append(type(e).__name__)
        outs.append((o.tolist(), o2.tolist(), name, grad, errs))
    assert outs[0] == outs[1]


def test_an_expanded_tensor_keeps_the_overlap_error_and_is_not_written():
    for L in (dt, torch):
        base = L.zeros(3)
        x = base.expand(2, 3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to"):
            x.index_add_(0, L.tensor([0]), L.ones(1, 3))
        with pytest.raises(RuntimeError, match="more than one element of the written-to"):
            x.scatter_add_(0, L.tensor([[0, 1, 0]]), L.ones(1, 3))
        assert base.tolist() == [0.0, 0.0, 0.0]
