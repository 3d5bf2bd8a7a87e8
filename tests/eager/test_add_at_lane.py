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


# ----------------------------------------------------------------------------- scatter_/scatter
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("smaller", [False, True])
def test_scatter_bits_as_torch_repeated_positions_keep_the_later(dtype, dim, smaller):
    base = (RNG.standard_normal((5, 6, 7)) * 100).astype(dtype)
    ishape = (3, 4, 5) if smaller else (5, 6, 7)
    idx = RNG.integers(0, base.shape[dim], ishape)          # (many repeats along dim)
    src = (RNG.standard_normal((5, 6, 7)) * 100).astype(dtype)
    value = 7 if np.dtype(dtype).kind == "i" else -2.5
    outs = []
    for L in (dt, torch):
        x = L.tensor(base)
        v0 = x._version
        r = x.scatter_(dim, L.tensor(idx), L.tensor(src))
        assert r is x and x._version == v0 + 1
        y = x.scatter(dim, L.tensor(idx[:2]), value)       # out of place: x unchanged
        z = x.clone().scatter_(dim, index=L.tensor(idx), value=value)
        w = x.scatter(dim, L.tensor(idx), src=L.tensor(src) * 2)
        outs.append([t.numpy().tobytes() for t in (x, y, z, w)] +
                    [str(t.dtype) for t in (y, w)] + [y.requires_grad, y.is_contiguous()])
    assert outs[0] == outs[1]


def test_one_hot_and_a_view_as_torch():
    outs = []
    for L in (dt, torch):
        y = L.tensor([3, 0, 9, 3])
        one_hot = L.zeros(4, 10).scatter_(1, y.unsqueeze(1), 1)
        x = L.zeros(4, 6)
        x[1:, ::2].scatter_(1, L.tensor([[2], [0], [1]]), L.full((3, 1), 5.0))
        outs.append((one_hot.tolist(), x.tolist()))
    assert outs[0] == outs[1]


def _outcome(f):
    try:
        r = f()
        return ("ok", r.tolist() if r is not None else None)
    except (RuntimeError, IndexError, TypeError, ValueError) as e:
        return (type(e).__name__, str(e).split("\n")[0][:60])


def test_what_the_lane_leaves_to_the_general_path_as_torch():
    outs = []
    for L in (dt, torch):
        res = []
        x = L.zeros(3, 4)
        res.append(_outcome(lambda: x.scatter_(1, L.tensor([[-1]]), 1.0)))       # negative
        res.append(_outcome(lambda: x.scatter_(1, L.tensor([[4]]), 1.0)))        # out of range
        res.append(_outcome(lambda: x.scatter_(1, L.tensor([[1]]), 1e39)))       # overflow
        res.append(_outcome(lambda: x.scatter_(1, L.tensor([[1]]), L.ones(1, 1).double())))
        res.append(_outcome(lambda: x.scatter_(1, L.tensor([[1]]), 2.0, reduce="add")))
        res.append(_outcome(lambda: x.scatter_(1, L.tensor([[1, 2]]), x[:1, :2])))  # (overlap)
        i = L.zeros(4, dtype=L.int64)
        res.append(_outcome(lambda: i.scatter_(0, i[:2], 1)))                  # (the index)
        res.append(_outcome(lambda: x.scatter_(1, L.tensor([[1, 2]]), x[:1, :2].clone())))
        res.append(_outcome(lambda: L.zeros(3).expand(2, 3).scatter_(0, L.tensor([[0]]), 1.0)))
        res.append(x.tolist())
        outs.append(res)
    for a, b in zip(outs[0], outs[1]):
        assert a[0] == b[0], (a, b)
    assert outs[0][-1] == outs[1][-1]


def test_gradients_and_the_no_grad_view_error_as_torch():
    outs = []
    for L in (dt, torch):
        src = L.ones(2, 3, requires_grad=True)
        out = L.zeros(2, 5).scatter(1, L.tensor([[0, 1, 4], [2, 0, 3]]), src * 3)
        (out * L.arange(10.0).reshape(2, 5)).sum().backward()
        leaf = L.zeros(2, 3, requires_grad=True)
        with L.no_grad():
            v = leaf[0]
        err = _outcome(lambda: v.scatter_(0, L.tensor([1]), 1.0))
        with L.no_grad():
            leaf.scatter_(1, L.tensor([[2]]), 4.0)
        outs.append((out.grad_fn.name(), src.grad.tolist(), err[0], leaf.tolist()))
    assert outs[0] == outs[1]
