"""Tensor methods from PyTorch's long tail against real PyTorch: itemsize/nbytes/layout/
ndimension, H/mH/mT, unfold, sum_to_size, t_/transpose_/squeeze_/unsqueeze_, resize_,
fill_diagonal_, apply_/map_, pin_memory/share_memory_, the in-place samplers (ranges, dtypes,
moments, errors), and numpy() of a bfloat16 tensor."""

# ruff: noqa: B023  (each lambda is called inside its own loop iteration)
import warnings

import numpy as np
import pytest
from error_of import error_of as _err

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def _both(fn):
    """fn(lib) on dlcore_eager and torch: the same error, or the same values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = _err(lambda: fn(dt)), _err(lambda: fn(torch))
        assert a == b, (a, b)
        if a is None:
            x, y = fn(dt), fn(torch)
            if isinstance(y, torch.Tensor):
                assert x.tolist() == y.tolist() and tuple(x.shape) == tuple(y.shape)
                assert x.stride() == y.stride() or not x.is_contiguous()
            else:
                assert x == y


def test_metadata_and_transposes():
    for dtype in ["float32", "float64", "int16", "uint8", "bool"]:
        _both(lambda L: L.ones(2, 3, dtype=getattr(L, dtype)).itemsize)
        _both(lambda L: L.ones(2, 3, dtype=getattr(L, dtype)).nbytes)
    _both(lambda L: L.ones(2, 3, 4).ndimension())
    assert dt.ones(2).layout is dt.strided and repr(dt.ones(2).layout) == "torch.strided"
    for shape in [(3,), (2, 3), (2, 3, 4), ()]:
        _both(lambda L: L.arange(float(np.prod(shape))).reshape(shape).mT)
        _both(lambda L: L.arange(float(np.prod(shape))).reshape(shape).H)
        if shape:
            _both(lambda L: L.arange(float(np.prod(shape))).reshape(shape).mH)
    if hasattr(dt, "complex64"):
        z = np.array([[1 + 2j, 3 - 1j], [0.5j, 2]])
        for attr in ("H", "mH"):
            got = getattr(dt.tensor(z), attr)
            want = getattr(torch.tensor(z), attr)
            np.testing.assert_array_equal(got.numpy(), want.resolve_conj().numpy())


def test_unfold_values_strides_view_and_grad():
    for shape, args in [((8,), (0, 3, 2)), ((2, 4), (1, 2, 2)), ((3, 4), (0, 2, 1)),
                        ((3,), (0, 4, 1)), ((3,), (0, 2, 0)), ((3,), (1, 2, 1)), ((), (0, 1, 1)),
                        ((), (0, 2, 1))]:
        _both(lambda L: L.arange(float(np.prod(shape))).reshape(shape).unfold(*args))
    x = dt.arange(6.0)
    w = x.unfold(0, 2, 2)
    w[1, 0] = 50.0                      # a view of x's memory
    assert x[2].item() == 50.0
    a = np.random.default_rng(0).standard_normal((2, 5))
    g = np.random.default_rng(1).standard_normal((2, 3, 3))
    x, tx = dt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    x.unfold(1, 3, 1).backward(dt.tensor(g))
    tx.unfold(1, 3, 1).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_sum_to_size_and_grad():
    for size in [(1, 3), (3,), (2, 1), (2, 3), (1, 1), (3, 3), (2,)]:
        _both(lambda L: L.arange(6.0).reshape(2, 3).sum_to_size(size))
        _both(lambda L: L.arange(6.0).reshape(2, 3).sum_to_size(*size))
    x = dt.ones(2, 3, requires_grad=True)
    x.sum_to_size(1, 3).sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2


def test_inplace_shape_changes():
    def change(name, *args):
        def fn(L):
            z = L.arange(6.0).reshape(2, 3, 1)
            if name == "t_":
                z = z.squeeze(-1)
            r = getattr(z, name)(*args)
            assert r is z
            return z
        return fn
    for name, args in [("t_", ()), ("transpose_", (0, 2)), ("squeeze_", ()), ("squeeze_", (2,)),
                       ("unsqueeze_", (0,)), ("unsqueeze_", (4,)), ("transpose_", (0, 3))]:
        _both(change(name, *args))
    _both(lambda L: L.ones(2, 3, 4).t_())
    _both(lambda L: L.ones(2, requires_grad=True).t_())
    # recorded: the gradient flows through the in-place transpose
    a = np.arange(6.0).reshape(2, 3)
    x, tx = dt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x * 2, tx * 2
    y.t_()
    ty.t_()
    w = np.arange(6.0).reshape(3, 2)
    (y * dt.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist() and tuple(y.shape) == (3, 2)


def test_resize():
    for shape in [(2, 2), (8,), (2, 4), (0,)]:
        def fn(L, shape=shape):
            z = L.arange(6.0)
            z.resize_(*shape)
            return z.flatten()[: min(6, int(np.prod(shape)))]
        _both(fn)
    x = dt.arange(6.0)
    v = x[:4]
    v.resize_(2, 2)                       # fits in the storage: the same memory
    v[0, 0] = -1.0
    assert x[0].item() == -1.0 and v.stride() == (2, 1)
    y = dt.ones(2, 3)
    y.resize_as_(dt.ones(3))
    assert tuple(y.shape) == (3,)
    _both(lambda L: L.ones(2, requires_grad=True).resize_(3))


def test_fill_diagonal():
    for shape, val, wrap in [((3, 3), 2.0, False), ((2, 3), 5, False), ((7, 3), 5.0, True),
                             ((7, 3), 5.0, False), ((3, 3, 3), -1.0, False), ((3,), 1.0, False),
                             ((2, 3, 3), 1.0, False), ((3, 7), 4.0, True)]:
        _both(lambda L: L.ones(shape).fill_diagonal_(val, wrap))
    _both(lambda L: L.ones(2, 2).fill_diagonal_(L.tensor(3.0)))
    x = dt.ones(2, 3, requires_grad=True)
    tx = torch.ones(2, 3, requires_grad=True)
    (x * 1).fill_diagonal_(0).sum().backward()
    (tx * 1).fill_diagonal_(0).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist()
    _both(lambda L: L.ones(2, 2, requires_grad=True).fill_diagonal_(0))


def test_apply_map():
    _both(lambda L: L.arange(3.0).apply_(lambda v: v * 2))
    _both(lambda L: L.arange(4).reshape(2, 2).apply_(lambda v: v + 10))
    _both(lambda L: L.arange(6.0).reshape(2, 3).map_(L.tensor([1.0, 2.0, 3.0]), lambda a, b: a * b))
    _both(lambda L: L.arange(3.0).map_(L.ones(2), lambda a, b: a + b))
    _both(lambda L: L.ones(2, requires_grad=True).apply_(lambda v: v))
    _both(lambda L: L.ones(2, requires_grad=True).map_(L.ones(2), lambda a, b: a))


def test_pin_and_share_memory():
    import dlcore
    if not dlcore.cuda_available():
        _both(lambda L: L.ones(2).pin_memory())
    assert dt.ones(2).is_pinned() is False
    x = dt.arange(3.0)
    assert x.is_shared() is False
    assert x.share_memory_() is x and x.is_shared() and x.tolist() == [0.0, 1.0, 2.0]
    assert x.share_memory_() is x
    x.add_(1)
    assert x.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("name, args, check", [
    ("exponential_", (2.0,), lambda a: a.min() >= 0 and abs(a.mean() - 0.5) < 0.1),
    ("geometric_", (0.5,), lambda a: a.min() >= 1 and np.all(a == np.round(a))
     and abs(a.mean() - 2) < 0.3),
    ("cauchy_", (1.0, 0.5), lambda a: abs(np.median(a) - 1.0) < 0.2),
    ("log_normal_", (0.0, 0.25), lambda a: a.min() > 0 and abs(np.log(a).mean()) < 0.1),
    ("bernoulli_", (0.3,), lambda a: set(np.unique(a)) <= {0.0, 1.0} and abs(a.mean() - 0.3) < 0.1),
    ("random_", (3, 7), lambda a: a.min() >= 3 and a.max() <= 6 and np.all(a == np.round(a))),
    ("random_", (4,), lambda a: a.min() >= 0 and a.max() <= 3),
    ("random_", (), lambda a: a.min() >= 0 and a.max() <= 2 ** 24),
])
def test_samplers(name, args, check):
    x = dt.empty(400)
    r = getattr(x, name)(*args, generator=dt.Generator().manual_seed(0))
    assert r is x and x.dtype == dt.float32 and check(x.numpy().astype(np.float64))


def test_sampler_dtypes_and_errors():
    i8 = dt.zeros(300, dtype=dt.int8).random_()
    assert i8.numpy().min() >= 0 and i8.numpy().max() > 60
    assert set(dt.zeros(50, dtype=dt.bool).random_().tolist()) == {False, True}
    assert dt.zeros(5, dtype=dt.int64).geometric_(0.5).dtype == dt.int64
    p = dt.tensor([0.0, 1.0, 1.0])
    assert dt.ones(3).bernoulli_(p).tolist() == [0.0, 1.0, 1.0]
    for fn in [lambda L: L.ones(3).exponential_(0), lambda L: L.ones(3).exponential_(-1),
               lambda L: L.ones(3).geometric_(0), lambda L: L.ones(3).geometric_(1.5),
               lambda L: L.ones(3).cauchy_(0, 0), lambda L: L.ones(3).log_normal_(1, 0),
               lambda L: L.ones(3).random_(5, 2), lambda L: L.ones(3).bernoulli_(1.5),
               lambda L: L.ones(2, dtype=L.uint8).random_(-1, 3),
               lambda L: L.ones(2, dtype=L.uint8).random_(0, 300),
               lambda L: L.ones(2, dtype=L.int8).random_(200),
               lambda L: L.ones(3, dtype=L.int64).exponential_(),
               lambda L: L.ones(3, dtype=L.int64).cauchy_(),
               lambda L: L.ones(3, dtype=L.int64).log_normal_(),
               lambda L: L.ones(3).bernoulli_(L.tensor([0.0, 1.5, 1.0])),
               lambda L: L.ones(2, requires_grad=True).exponential_()]:
        _both(lambda L: fn(L) and None)
    assert _err(lambda: dt.ones(3).random_(3.5))[0] is TypeError


def test_cuda_paths():
    import dlcore
    if not dlcore.cuda_available():
        pytest.skip("needs CUDA or Numba's CUDA simulator")
    x = dt.arange(6.0).cuda().requires_grad_()
    y = x.unfold(0, 2, 1)
    y.sum().backward()
    assert y.is_cuda and x.grad.cpu().tolist() == [1.0, 2.0, 2.0, 2.0, 2.0, 1.0]
    assert dt.ones(2, 2).cuda().fill_diagonal_(5).cpu().tolist() == [[5.0, 1.0], [1.0, 5.0]]
    r = dt.zeros(20).cuda().random_(0, 4)
    assert r.is_cuda and set(r.cpu().tolist()) <= {0.0, 1.0, 2.0, 3.0}
    z = dt.arange(4.0).cuda().resize_(2, 3)
    assert z.is_cuda and z.cpu().flatten()[:4].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert dt.ones(2, 3).cuda().sum_to_size(1, 3).cpu().tolist() == [[2.0, 2.0, 2.0]]
    assert dt.addcmul(x.detach(), x.detach(), x.detach(), value=2).cpu().tolist() == \
        [0.0, 3.0, 10.0, 21.0, 36.0, 55.0]
    with pytest.raises(RuntimeError, match="as_strided is implemented for CPU tensors only"):
        dt.as_strided(x, (2,), (1,))
    with pytest.raises(TypeError, match="apply_ is only implemented on CPU tensors"):
        dt.ones(2).cuda().apply_(lambda v: v)
